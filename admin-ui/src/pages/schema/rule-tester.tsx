import { useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { CollectionDefinition, CollectionRules } from '@baas/sdk';
import { useProject } from '../../lib/project.ts';
import { SelectField, TextArea, TextField } from '../../ui/field.tsx';
import { Empty, ErrorMessage } from '../../ui/states.tsx';
import { summary } from '../records/format.ts';

const judged = ['list', 'view', 'update', 'delete'] as const;

/**
 * Judges the (draft) rules as a chosen user or a guest over the newest
 * records: the server runs the same SQL the records API would, so what it
 * answers is what that user gets.
 */
export function RuleTester({ collection, draftRules }: { collection: CollectionDefinition; draftRules: CollectionRules }) {
  const { project, client } = useProject();
  const [search, setSearch] = useState('');
  const [user, setUser] = useState('');
  const users = useQuery({
    queryKey: ['users', project, 'tester', search],
    queryFn: () => client.users.list({ limit: 50, filter: search ? client.filter('email ~ {:q} || id = {:q}', { q: search }) : undefined }),
  });
  const [body, setBody] = useState('');
  // The proposed body for the create rule: JSON object, or nothing to skip the create verdict.
  const parsedBody = (() => {
    if (!body.trim()) return { value: undefined };
    try {
      const value: unknown = JSON.parse(body);
      return value && typeof value === 'object' && !Array.isArray(value) ? { value: value as Record<string, unknown> } : { error: 'must be a JSON object' };
    } catch (err) {
      return { error: (err as Error).message };
    }
  })();
  const test = useMutation({
    mutationFn: () => client.collections.testRules(collection.name, { user: user || null, rules: draftRules, limit: 25, ...(parsedBody.value ? { create: parsedBody.value } : {}) }),
  });
  const result = test.data;
  const create = result?.rules.create;

  return (
    <section className="panel stack" aria-labelledby="rule-tester" style={{ marginTop: '1rem' }}>
      <h2 id="rule-tester">Rule tester</h2>
      <p className="muted small" style={{ margin: 0 }}>
        Which of the newest records each rule lets through, for a user or a guest. Unsaved rule edits are tested as they stand.
      </p>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          test.mutate();
        }}
      >
        <TextField label="Find a user" type="search" placeholder="email or id" value={search} onChange={(e) => setSearch(e.target.value)} />
        <SelectField
          label="Test as"
          value={user}
          onChange={(e) => setUser(e.target.value)}
          options={[['', 'A guest (signed out)'], ...(users.data?.items ?? []).map((u): [string, string] => [u.id, u.email ?? `${u.id} (anonymous)`])]}
        />
        <button type="submit" className="primary" disabled={test.isPending || !!parsedBody.error}>
          Test rules
        </button>
        <div style={{ flexBasis: '100%' }}>
          <TextArea label="Proposed record for the create rule (JSON)" className="code" rows={2} spellCheck={false} placeholder='{"title": "Lamp", "owner": "…"}'
            hint="optional: the body a create would send, judged against the create rule as this user; nothing is stored"
            value={body} onChange={(e) => setBody(e.target.value)} error={parsedBody.error} />
        </div>
      </form>
      {create && (
        <div className={`alert ${create.allowed ? 'alert-ok' : 'alert-error'}`} role="status" aria-label={`create: ${create.allowed ? 'allowed' : 'denied'}`}>
          <strong>create: {create.allowed ? '✓ allowed' : '✗ denied'}</strong>{' '}
          {create.rule === null ? '(the create rule is locked: only the service role creates)' : create.rule === '' ? '(everyone may create)' : <>by <code>{create.rule}</code></>}
        </div>
      )}
      <ErrorMessage error={users.error} title="Could not load the users" />
      <ErrorMessage error={test.error} title="Could not test the rules" />
      {result && result.records.length === 0 && <Empty title="No records to judge">Add a record, then test again.</Empty>}
      {result && result.records.length > 0 && (
        <div className="table-wrap">
          <table aria-label="Rule verdicts">
            <caption className="sr-only">What each rule allows {result.user ? result.user.email ?? result.user.id : 'a guest'}</caption>
            <thead>
              <tr>
                <th scope="col">Record</th>
                {judged.map((r) => (
                  <th key={r} scope="col">
                    {r}
                    <div className="small" style={{ fontWeight: 400 }}>
                      {result.rules[r].rule === null ? 'locked' : result.rules[r].rule === '' ? 'everyone' : `${result.rules[r].allowed.length} of ${result.records.length}`}
                    </div>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {result.records.map((record) => (
                <tr key={record.id}>
                  <td className="cell">
                    <code>{record.id}</code> <span className="muted">{summary(record, collection)}</span>
                  </td>
                  {judged.map((r) => {
                    const yes = result.rules[r].allowed.includes(record.id);
                    return (
                      <td key={r} aria-label={`${r} ${record.id}: ${yes ? 'allowed' : 'denied'}`}>
                        <span className={`verdict ${yes ? 'yes' : 'no'}`} aria-hidden="true">
                          {yes ? '✓' : '✗'}
                        </span>
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
