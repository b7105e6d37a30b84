import { useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { AuthSettings, OAuthProvider, OAuthProviderInput } from '@baas/sdk';
import { useProject } from '../lib/project.ts';
import { EmailTemplatesSection } from './email-templates.tsx';
import { PageHead } from '../shell.tsx';
import { ConfirmDialog } from '../ui/confirm.tsx';
import { CopyButton } from '../ui/copy.tsx';
import { Dialog } from '../ui/dialog.tsx';
import { Checkbox, SelectField, TextArea, TextField } from '../ui/field.tsx';
import { RuleInput } from '../ui/rule-input.tsx';
import { Table } from '../ui/table.tsx';
import { Empty, ErrorMessage, fieldProblems, Loading } from '../ui/states.tsx';

/** A project's settings: auth (links, token lifetimes, passwords), OAuth providers, mail with a test, the channel rule. */
export default function SettingsPage() {
  return (
    <>
      <PageHead title="Settings" subtitle="How this project signs users in, mails them, and who may join realtime channels." />
      <AuthSection />
      <ProvidersSection />
      <MailSection />
      <EmailTemplatesSection />
      <RealtimeSection />
    </>
  );
}

const durations: Array<[keyof AuthSettings, string, string]> = [
  ['accessTokenTtl', 'Access token lifetime (seconds)', 'short: revocation reaches third parties that verify offline only at expiry'],
  ['refreshTokenTtl', 'Session lifetime (seconds)', 'the longest a session lasts from sign-in, however often it refreshes'],
  ['emailTokenTtl', 'Email link lifetime (seconds)', 'verification, reset and magic links'],
  ['passwordMinLength', 'Shortest password', 'characters'],
];

function AuthSection() {
  const { project, client } = useProject();
  const queries = useQueryClient();
  const settings = useQuery({ queryKey: ['auth-settings', project], queryFn: () => client.settings.auth() });
  const [form, setForm] = useState<AuthSettings | null>(null);
  useEffect(() => setForm(settings.data ?? null), [settings.data]);
  const save = useMutation({
    mutationFn: (s: AuthSettings) => client.settings.updateAuth(s),
    onSuccess: (s) => queries.setQueryData(['auth-settings', project], s),
  });
  const problems = fieldProblems(save.error);
  return (
    <section className="panel stack" aria-labelledby="auth-head">
      <h2 id="auth-head">Auth</h2>
      {settings.isPending && <Loading />}
      <ErrorMessage error={settings.error} title="Could not load the auth settings" />
      {form && (
        <form className="stack" onSubmit={(e) => { e.preventDefault(); save.mutate(form); }}>
          <TextField
            label="App URL (site URL)"
            type="url"
            placeholder="https://app.example.com"
            hint="where links in emails and OAuth sign-ins lead; empty: the server's own pages handle email links"
            value={form.siteUrl ?? ''}
            onChange={(e) => setForm({ ...form, siteUrl: e.target.value || null })}
            error={problems.siteUrl?.message}
          />
          <TextArea
            label="Other allowed redirect URLs"
            hint="one per line: origin and path prefix a redirectTo may use"
            className="code"
            rows={2}
            value={form.redirectUrls.join('\n')}
            onChange={(e) => setForm({ ...form, redirectUrls: e.target.value.split('\n').map((s) => s.trim()).filter(Boolean) })}
            error={problems.redirectUrls?.message}
          />
          <div className="form-grid">
            {durations.map(([key, label, hint]) => (
              <TextField key={key} label={label} hint={hint} type="number" min={1} value={String(form[key])} onChange={(e) => setForm({ ...form, [key]: Number(e.target.value) })} error={problems[key]?.message} />
            ))}
          </div>
          <ErrorMessage error={save.error} title="Could not save the auth settings" />
          {save.isSuccess && !save.isPending && <div className="alert alert-ok" role="status">Auth settings saved.</div>}
          <div><button type="submit" className="primary" disabled={save.isPending}>Save auth settings</button></div>
        </form>
      )}
    </section>
  );
}

function ProvidersSection() {
  const { project, client } = useProject();
  const queries = useQueryClient();
  const key = ['providers', project];
  const providers = useQuery({ queryKey: key, queryFn: () => client.settings.providers() });
  const [editing, setEditing] = useState<OAuthProvider | 'new' | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  return (
    <section className="panel stack" aria-labelledby="providers-head">
      <div className="panel-head">
        <h2 id="providers-head">OAuth providers</h2>
        <div className="actions"><button type="button" onClick={() => setEditing('new')}>Add provider</button></div>
      </div>
      {providers.isPending && <Loading />}
      <ErrorMessage error={providers.error} title="Could not load the providers" />
      {providers.data?.length === 0 && <Empty title="No providers">Add Google, GitHub or any OpenID Connect provider for “Sign in with…”.</Empty>}
      {providers.data && providers.data.length > 0 && (
        <Table label="OAuth providers" columns={['Name', 'Kind', 'Callback URL (register it at the provider)', 'Status']} actions>
              {providers.data.map((p) => (
                <tr key={p.name}>
                  <td>{p.name}</td>
                  <td>{p.kind}</td>
                  <td className="cell"><code>{p.callbackUrl}</code> {p.callbackUrl && <CopyButton text={p.callbackUrl} />}</td>
                  <td><span className={`badge ${p.enabled === false ? '' : 'ok'}`}>{p.enabled === false ? 'disabled' : 'enabled'}</span></td>
                  <td className="actions-cell">
                    <button type="button" className="small" aria-label={`Edit provider ${p.name}`} onClick={() => setEditing(p)}>Edit</button>{' '}
                    <button type="button" className="small danger" aria-label={`Remove provider ${p.name}`} onClick={() => setRemoving(p.name)}>Remove</button>
                  </td>
                </tr>
              ))}
        </Table>
      )}
      {editing && <ProviderForm provider={editing === 'new' ? undefined : editing} onClose={() => setEditing(null)} onSaved={() => queries.invalidateQueries({ queryKey: key })} />}
      {removing && (
        <ConfirmDialog title={`Remove provider ${removing}`} action="Remove provider" onClose={() => setRemoving(null)}
          onConfirm={async () => { await client.settings.deleteProvider(removing); await queries.invalidateQueries({ queryKey: key }); }}>
          Its users stay; adding the provider again signs the same people into the same accounts.
        </ConfirmDialog>
      )}
    </section>
  );
}

function ProviderForm({ provider, onClose, onSaved }: { provider?: OAuthProvider; onClose: () => void; onSaved: () => unknown }) {
  const { client } = useProject();
  const [name, setName] = useState(provider?.name ?? '');
  const [input, setInput] = useState<OAuthProviderInput>({
    kind: provider?.kind ?? 'google',
    clientId: provider?.clientId ?? '',
    issuer: provider?.issuer ?? undefined,
    enabled: provider?.enabled ?? true,
    scopes: provider?.scopes,
  });
  const [secret, setSecret] = useState('');
  const save = useMutation({
    mutationFn: () => client.settings.saveProvider(name, { ...input, ...(secret ? { clientSecret: secret } : {}), ...(input.kind === 'oidc' ? {} : { issuer: undefined }) }),
    onSuccess: async () => { await onSaved(); onClose(); },
  });
  const problems = fieldProblems(save.error);
  return (
    <Dialog title={provider ? `Provider ${provider.name}` : 'Add an OAuth provider'} onClose={onClose}>
      <form className="stack" onSubmit={(e) => { e.preventDefault(); save.mutate(); }}>
        <TextField label="Name" hint="appears in URLs: google, github, my-sso" value={name} required disabled={!!provider} onChange={(e) => setName(e.target.value)} />
        <SelectField label="Kind" value={input.kind} options={[['google', 'Google'], ['github', 'GitHub'], ['oidc', 'OpenID Connect']]} onChange={(e) => setInput({ ...input, kind: e.target.value as OAuthProviderInput['kind'] })} />
        {input.kind === 'oidc' && <TextField label="Issuer URL" type="url" required value={input.issuer ?? ''} onChange={(e) => setInput({ ...input, issuer: e.target.value })} error={problems.issuer?.message} />}
        <TextField label="Client id" required value={input.clientId} onChange={(e) => setInput({ ...input, clientId: e.target.value })} error={problems.clientId?.message} />
        <TextField label="Client secret" type="password" autoComplete="off" required={!provider} hint={provider ? `stored: ${provider.clientSecretHint ?? 'yes'}; leave empty to keep it` : undefined} value={secret} onChange={(e) => setSecret(e.target.value)} error={problems.clientSecret?.message} />
        <Checkbox label="Enabled" checked={input.enabled !== false} onChange={(e) => setInput({ ...input, enabled: e.target.checked })} />
        <ErrorMessage error={save.error} title="Could not save the provider" />
        <div className="form-actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" className="primary" disabled={save.isPending}>Save provider</button>
        </div>
      </form>
    </Dialog>
  );
}

function MailSection() {
  const { project, client } = useProject();
  const queries = useQueryClient();
  const [to, setTo] = useState('');
  const outbox = useQuery({ queryKey: ['outbox', project], queryFn: () => client.settings.outbox({ limit: 20 }) });
  const test = useMutation({
    mutationFn: () => client.settings.sendTestMail(to),
    onSettled: () => queries.invalidateQueries({ queryKey: ['outbox', project] }),
  });
  return (
    <section className="panel stack" aria-labelledby="mail-head">
      <h2 id="mail-head">Mail</h2>
      <p className="muted small" style={{ margin: 0 }}>
        Auth emails go out through the instance&apos;s SMTP server (<code>smtpUrl</code>); without one they land in the outbox below and the server log.
      </p>
      <form className="inline-form" onSubmit={(e) => { e.preventDefault(); test.mutate(); }}>
        <TextField label="Send a test mail to" type="email" required value={to} onChange={(e) => setTo(e.target.value)} />
        <button type="submit" className="primary" disabled={test.isPending}>{test.isPending ? 'Sending…' : 'Send test mail'}</button>
      </form>
      <ErrorMessage error={test.error} title="The test mail failed" />
      {test.data && (
        <div className="alert alert-ok" role="status">
          {test.data.delivery === 'smtp' ? `The SMTP server accepted the test mail to ${test.data.to}.` : `No SMTP server is configured: the test mail to ${test.data.to} is in the outbox only.`}
        </div>
      )}
      <h3>Outbox</h3>
      <ErrorMessage error={outbox.error} title="Could not load the outbox" />
      {outbox.data?.length === 0 && <Empty title="No mail yet">Verification, reset and magic-link emails appear here.</Empty>}
      {outbox.data && outbox.data.length > 0 && (
        <Table label="Outbox" columns={['To', 'Subject', 'Created', 'Delivery']}>
              {outbox.data.map((m) => (
                <tr key={m.id}>
                  <td>{m.to}</td>
                  <td className="cell" title={m.text}>{m.subject}</td>
                  <td>{new Date(m.createdAt).toLocaleString()}</td>
                  <td>{m.error ? <span className="badge danger" title={m.error}>failed</span> : m.sentAt ? <span className="badge ok">sent</span> : <span className="badge">outbox only</span>}</td>
                </tr>
              ))}
        </Table>
      )}
    </section>
  );
}

function RealtimeSection() {
  const { project, client } = useProject();
  const queries = useQueryClient();
  const settings = useQuery({ queryKey: ['realtime-settings', project], queryFn: () => client.settings.realtime() });
  const [rule, setRule] = useState<string | null | undefined>(undefined);
  const value = rule === undefined ? (settings.data?.channelRule ?? null) : rule;
  const save = useMutation({
    mutationFn: () => client.settings.updateRealtime({ channelRule: value }),
    onSuccess: (s) => { queries.setQueryData(['realtime-settings', project], s); setRule(undefined); },
  });
  const problem = fieldProblems(save.error).channelRule;
  return (
    <section className="panel stack" aria-labelledby="realtime-head">
      <h2 id="realtime-head">Realtime channels</h2>
      {settings.isPending && <Loading />}
      <ErrorMessage error={settings.error} title="Could not load the realtime settings" />
      {settings.data && (
        <form className="stack" onSubmit={(e) => { e.preventDefault(); save.mutate(); }}>
          <RuleInput label="Channel rule" value={value} onChange={setRule} serverProblem={problem ? { message: problem.message ?? 'invalid rule' } : undefined}
            hint="who may join a channel (broadcast and presence): a rule over auth.* and channel" />
          <ErrorMessage error={save.error} title="Could not save the channel rule" />
          <div><button type="submit" className="primary" disabled={save.isPending}>Save channel rule</button></div>
        </form>
      )}
    </section>
  );
}
