/**
 * Wire types of the routes the admin dashboard needs beyond the app-facing
 * API: the rule tester, realtime counts, a test mail, a user's sessions seen
 * by the service role, OAuth providers and the outbox.
 */
import type { AuthUser } from './auth.ts';
import type { CollectionRules } from './collections.ts';

/** `POST /collections/:name/rules/test`: judge the rules as one user (or a guest) over a sample of records. */
export interface RuleTestInput {
  /** The user to judge as; null or absent = a guest. */
  user?: string | null;
  /** Draft rules to judge instead of the saved ones (unsaved edits). */
  rules?: Partial<CollectionRules>;
  /** Narrows the sample (judged as the service role, before any rule). */
  filter?: string;
  /** Sample size, newest records first (default 20, at most 100). */
  limit?: number;
  /** A proposed record body (what a create would send): judged against the create rule. */
  create?: Record<string, unknown>;
}

/** The create rule's verdict on the proposed body, as `POST /records` would judge it for the caller. */
export interface CreateVerdict {
  rule: string | null;
  allowed: boolean;
}

/** The verdict of one rule for the caller. */
export interface RuleVerdict {
  /** The rule judged (null = locked: service role only; "" = everyone). */
  rule: string | null;
  /** Ids of the sample's records the rule lets this caller through, in sample order. */
  allowed: string[];
}

/** What `rules/test` answers. */
export interface RuleTestResult {
  /** Who was judged: the user, or null for a guest. */
  user: AuthUser | null;
  /** The sample, newest first, as the service role sees it. */
  records: Array<Record<string, unknown> & { id: string }>;
  rules: Record<'list' | 'view' | 'update' | 'delete', RuleVerdict> & { create?: CreateVerdict };
}

/** `GET /realtime/stats`: the live realtime load of a project on the process that answers. */
export interface RealtimeStats {
  /** Open WebSocket connections. */
  connections: number;
  /** Record subscriptions across them. */
  subscriptions: number;
  /** Channels with at least one member. */
  channels: number;
}

/** `POST /auth/test-mail`: how a test message went. */
export interface TestMailResult {
  /** `smtp`: handed to the SMTP server; `outbox`: no SMTP configured, stored in the outbox only. */
  delivery: 'smtp' | 'outbox';
  to: string;
}

/** An email as the project's outbox recorded it. */
export interface OutboxEntry {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  createdAt: string;
  /** When SMTP accepted it; null in outbox mode (never sent) or after a failure. */
  sentAt: string | null;
  /** Why SMTP refused it. */
  error: string | null;
}

/** An OAuth provider as the service role sees it (never the secret). */
export interface OAuthProvider {
  name: string;
  kind: 'oidc' | 'google' | 'github';
  clientId?: string;
  /** `…` and the secret's last 4 characters. */
  clientSecretHint?: string;
  issuer?: string | null;
  scopes?: string[];
  enabled?: boolean;
  /** The redirect URI to register at the provider. */
  callbackUrl?: string;
  createdAt?: string;
  updatedAt?: string;
}

/** What `PUT /auth/providers/:name` accepts. */
export interface OAuthProviderInput {
  kind: OAuthProvider['kind'];
  clientId: string;
  /** Omit on a replace to keep the stored secret. */
  clientSecret?: string;
  issuer?: string;
  scopes?: string[];
  enabled?: boolean;
}
