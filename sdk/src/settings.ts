import type { AuthSettings, EmailKind, EmailTemplate, EmailTemplateInfo, OAuthProvider, OAuthProviderInput, OutboxEntry, RealtimeSettings, TestMailResult } from '@baas/protocol';
import type { Transport } from './http.ts';
import { pathOf } from './http.ts';

/** A project's settings: auth, OAuth providers, mail and the realtime channel rule (service role or admin). */
export class SettingsApi {
  constructor(
    private readonly http: Transport,
    private readonly base: () => string,
  ) {}

  /** The auth settings (durations in seconds). */
  auth(): Promise<AuthSettings> {
    return this.http.request('GET', `${this.base()}/auth/settings`);
  }

  /** Changes some auth settings; answers all of them. */
  updateAuth(changes: Partial<AuthSettings>): Promise<AuthSettings> {
    return this.http.request('PATCH', `${this.base()}/auth/settings`, { body: changes });
  }

  /** The OAuth providers, with their callback URLs and a hint of each secret. */
  async providers(): Promise<OAuthProvider[]> {
    return (await this.http.request<{ items: OAuthProvider[] }>('GET', `${this.base()}/auth/providers`)).items;
  }

  /** Adds or replaces a provider (omit `clientSecret` to keep the stored one). */
  saveProvider(name: string, input: OAuthProviderInput): Promise<OAuthProvider> {
    return this.http.request('PUT', `${this.base()}/auth/providers${pathOf(name)}`, { body: input });
  }

  /** Removes a provider; its users and their linked identities stay. */
  async deleteProvider(name: string): Promise<void> {
    await this.http.request('DELETE', `${this.base()}/auth/providers${pathOf(name)}`);
  }

  /** The latest auth emails, newest first (at most 200). */
  async outbox(options: { limit?: number } = {}): Promise<OutboxEntry[]> {
    return (await this.http.request<{ items: OutboxEntry[] }>('GET', `${this.base()}/auth/outbox`, { query: { limit: options.limit } })).items;
  }

  /** Sends a test message through the instance's mail setup, and records it in the outbox. */
  sendTestMail(to: string): Promise<TestMailResult> {
    return this.http.request('POST', `${this.base()}/auth/test-mail`, { body: { to } });
  }

  /** The auth email templates (verification, magic link, password reset, email change), each the project's or the default. */
  async emailTemplates(): Promise<EmailTemplateInfo[]> {
    return (await this.http.request<{ items: EmailTemplateInfo[] }>('GET', `${this.base()}/auth/email-templates`)).items;
  }

  /**
   * Sets the template of one kind. A placeholder the kind does not offer, a
   * body without `{{link}}` or a multi-line subject is a 400 whose
   * `details.fields.subject|body` give the line and column.
   */
  saveEmailTemplate(kind: EmailKind, template: EmailTemplate): Promise<EmailTemplateInfo> {
    return this.http.request('PUT', `${this.base()}/auth/email-templates${pathOf(kind)}`, { body: template });
  }

  /** Goes back to the default template of one kind. */
  resetEmailTemplate(kind: EmailKind): Promise<EmailTemplateInfo> {
    return this.http.request('DELETE', `${this.base()}/auth/email-templates${pathOf(kind)}`);
  }

  /** Sends the template of `kind` (the saved one, or `draft`) filled with sample values to `to`, subject prefixed `[test]`. */
  sendTestEmailTemplate(kind: EmailKind, to: string, draft: Partial<EmailTemplate> = {}): Promise<TestMailResult> {
    return this.http.request('POST', `${this.base()}/auth/email-templates${pathOf(kind)}/test`, { body: { to, ...draft } });
  }

  /** The realtime settings (who may join channels). */
  realtime(): Promise<RealtimeSettings> {
    return this.http.request('GET', `${this.base()}/realtime/settings`);
  }

  /** Sets the realtime settings. */
  updateRealtime(settings: RealtimeSettings): Promise<RealtimeSettings> {
    return this.http.request('PUT', `${this.base()}/realtime/settings`, { body: settings });
  }
}
