import { useEffect, useMemo, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { checkEmailTemplate, emailKinds, placeholderMeaning, renderEmailTemplate, sampleEmailValues, type EmailKind, type EmailTemplate, type TemplateProblem } from '@baas/protocol';
import { useAdmin } from '../lib/admin.tsx';
import { useProject } from '../lib/project.ts';
import { SelectField, TextField } from '../ui/field.tsx';
import { ProblemText } from '../ui/rule-input.tsx';
import { ErrorMessage, fieldProblems, Loading } from '../ui/states.tsx';

const kindNames: Record<EmailKind, string> = {
  verify_email: 'Email verification',
  magic_link: 'Magic link',
  password_reset: 'Password reset',
  email_change: 'Email change',
};

/** The 0-based offset of a problem's line and column, for the caret under it. */
const offsetOf = (source: string, p: TemplateProblem) =>
  p.line === undefined ? undefined : source.split('\n').slice(0, p.line - 1).reduce((n, l) => n + l.length + 1, 0) + (p.column ?? 1) - 1;

/**
 * The auth email templates: pick a kind, edit its subject and body, see the
 * mail as it will go out (rendered here by @baas/protocol, the mailer's own
 * code, with sample values) and the placeholder problems as you type; save,
 * go back to the default, or send the draft as a test.
 */
export function EmailTemplatesSection() {
  const { project, client } = useProject();
  const queries = useQueryClient();
  const key = ['email-templates', project];
  const templates = useQuery({ queryKey: key, queryFn: () => client.settings.emailTemplates() });
  const admin = useAdmin();
  const projects = useQuery({ queryKey: ['projects'], queryFn: () => admin.client().admin.projects.list() });
  const auth = useQuery({ queryKey: ['auth-settings', project], queryFn: () => client.settings.auth() });
  const [kind, setKind] = useState<EmailKind>('verify_email');
  const saved = templates.data?.find((t) => t.kind === kind);
  const [draft, setDraft] = useState<EmailTemplate | null>(null);
  useEffect(() => setDraft(saved ? { subject: saved.subject, body: saved.body } : null), [saved]);
  const [to, setTo] = useState('');

  const save = useMutation({
    mutationFn: (t: EmailTemplate) => client.settings.saveEmailTemplate(kind, t),
    onSuccess: () => queries.invalidateQueries({ queryKey: key }),
  });
  const reset = useMutation({
    mutationFn: () => client.settings.resetEmailTemplate(kind),
    onSuccess: () => queries.invalidateQueries({ queryKey: key }),
  });
  const test = useMutation({
    mutationFn: (t: EmailTemplate) => client.settings.sendTestEmailTemplate(kind, to, t),
    onSettled: () => queries.invalidateQueries({ queryKey: ['outbox', project] }),
  });
  const { reset: clearSave } = save;
  const { reset: clearTest } = test;
  useEffect(() => {
    clearSave();
    clearTest();
  }, [kind, clearSave, clearTest]);

  const problems = useMemo(() => (draft ? checkEmailTemplate(kind, draft) : {}), [kind, draft]);
  const appName = projects.data?.find((p) => p.id === project)?.name ?? project;
  const preview = useMemo(() => {
    if (!draft || Object.keys(problems).length) return null;
    return renderEmailTemplate(kind, draft, sampleEmailValues(kind, appName, auth.data?.emailTokenTtl ?? 3600, auth.data?.siteUrl ?? undefined));
  }, [kind, draft, problems, appName, auth.data]);
  const server = fieldProblems(save.error);
  const dirty = !!draft && !!saved && (draft.subject !== saved.subject || draft.body !== saved.body);

  return (
    <section className="panel stack" aria-labelledby="templates-head">
      <h2 id="templates-head">Email templates</h2>
      {templates.isPending && <Loading />}
      <ErrorMessage error={templates.error} title="Could not load the email templates" />
      {saved && draft && (
        <>
          <div className="inline-form">
            <SelectField label="Email" value={kind} onChange={(e) => setKind(e.target.value as EmailKind)} options={emailKinds.map((k): [string, string] => [k, kindNames[k]])} />
            <span className={`badge ${saved.custom ? 'accent' : ''}`} style={{ marginBottom: '0.6rem' }}>{saved.custom ? 'custom' : 'default'}</span>
          </div>
          <div className="template-grid">
            <form className="stack" onSubmit={(e) => { e.preventDefault(); save.mutate(draft); }}>
              <TemplatePart label="Subject" source={draft.subject} problem={problems.subject ?? server.subject} onChange={(subject) => setDraft({ ...draft, subject })} />
              <TemplatePart label="Body" multiline source={draft.body} problem={problems.body ?? server.body} onChange={(body) => setDraft({ ...draft, body })} />
              <div className="small">
                <span className="muted">Placeholders:</span>{' '}
                {saved.placeholders.map((p) => <span key={p} className="badge" title={placeholderMeaning[p]} style={{ marginRight: '0.3rem' }}><code>{`{{${p}}}`}</code> {placeholderMeaning[p]}</span>)}
              </div>
              <ErrorMessage error={save.error} title="Could not save the template" />
              <ErrorMessage error={reset.error} title="Could not go back to the default" />
              {save.isSuccess && !dirty && <div className="alert alert-ok" role="status">Template saved: {kindNames[kind]} emails use it from now on.</div>}
              <div className="row">
                <button type="submit" className="primary" disabled={save.isPending || !dirty || !preview}>Save template</button>
                <button type="button" disabled={!saved.custom || reset.isPending} onClick={() => reset.mutate()}>Reset to default</button>
                {dirty && <button type="button" className="ghost" onClick={() => setDraft({ subject: saved.subject, body: saved.body })}>Discard changes</button>}
              </div>
            </form>
            <div className="stack">
              <h3 style={{ margin: 0 }}>Preview</h3>
              {preview ? (
                <article className="mail-preview" aria-label="Preview of the email">
                  <div className="mail-subject"><span className="muted">Subject:</span> {preview.subject}</div>
                  <pre>{preview.text}</pre>
                </article>
              ) : (
                <p className="muted">Fix the template to see the email.</p>
              )}
              <form className="inline-form" onSubmit={(e) => { e.preventDefault(); test.mutate(draft); }}>
                <TextField label="Send this draft as a test to" type="email" required value={to} onChange={(e) => setTo(e.target.value)} />
                <button type="submit" disabled={test.isPending || !preview}>{test.isPending ? 'Sending…' : 'Send draft as test'}</button>
              </form>
              <ErrorMessage error={test.error} title="The test mail failed" />
              {test.data && (
                <div className="alert alert-ok" role="status">
                  {test.data.delivery === 'smtp' ? `The SMTP server accepted the test to ${test.data.to}.` : `No SMTP server is configured: the test to ${test.data.to} is in the outbox.`}
                </div>
              )}
            </div>
          </div>
        </>
      )}
    </section>
  );
}

/** A subject or body input with its placeholder problem (and a caret under it) as typed. */
function TemplatePart({ label, source, problem, onChange, multiline }: { label: string; source: string; problem?: { message?: string; line?: number; column?: number; code?: string }; onChange: (s: string) => void; multiline?: boolean }) {
  const id = `template-${label.toLowerCase()}`;
  const position = problem ? offsetOf(source, problem as TemplateProblem) : undefined;
  const common = { id, value: source, spellCheck: false, 'aria-invalid': problem ? true : undefined, 'aria-describedby': `${id}-p`, onChange: (e: { target: { value: string } }) => onChange(e.target.value) };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {multiline ? <textarea className="code" rows={12} {...common} /> : <input {...common} />}
      {problem ? <ProblemText id={`${id}-p`} source={source} problem={{ message: problem.message ?? problem.code ?? 'invalid', position }} /> : <span id={`${id}-p`} />}
    </div>
  );
}
