import { useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { CollectionDefinition, CollectionRules, IndexDefinition } from '@baas/sdk';
import { schemaLookup } from '@baas/query';
import { ruleNames } from '@baas/protocol';
import { useProject } from '../../lib/project.ts';
import { PageHead } from '../../shell.tsx';
import { ConfirmDialog } from '../../ui/confirm.tsx';
import { Checkbox, TextField } from '../../ui/field.tsx';
import { RuleInput, type ExpressionProblem } from '../../ui/rule-input.tsx';
import { ErrorMessage, fieldProblems, Loading } from '../../ui/states.tsx';
import { definitionOf, draftOf, FieldEditor, type DraftField } from './field-editor.tsx';
import { RuleTester } from './rule-tester.tsx';

const ruleHints: Record<(typeof ruleNames)[number], string> = {
  list: 'ANDed into every list query: a filter, so paging and counts stay right',
  view: 'judged as WHERE id = ? AND (rule): a hidden record is a 404',
  create: 'judged on the new record; request.data.* is the body',
  update: 'judged on the stored record; request.data.* is the change',
  delete: 'judged on the stored record',
};
const emptyRules: CollectionRules = { list: null, view: null, create: null, update: null, delete: null };

interface DraftIndex {
  key: string;
  fields: string;
  unique: boolean;
}

/** The schema editor of a new or an existing collection: fields, indexes, the five rules and the rule tester. */
export default function SchemaPage() {
  const { name } = useParams();
  const { project, client } = useProject();
  const collections = useQuery({ queryKey: ['collections', project], queryFn: () => client.collections.list() });
  if (collections.isPending) return <Loading label="Loading the schema…" />;
  if (collections.error) return <ErrorMessage error={collections.error} title="Could not load the collections" />;
  const stored = name ? collections.data.find((c) => c.name === name) : undefined;
  if (name && !stored) return <ErrorMessage error={new Error(`no collection '${name}' in ${project}`)} title="Not found" />;
  return <SchemaEditor key={name ?? 'new'} stored={stored} all={collections.data} />;
}

function SchemaEditor({ stored, all }: { stored?: CollectionDefinition; all: CollectionDefinition[] }) {
  const { project, client } = useProject();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [name, setName] = useState(stored?.name ?? '');
  const [fields, setFields] = useState<DraftField[]>(() => (stored?.fields ?? []).map(draftOf));
  const [indexes, setIndexes] = useState<DraftIndex[]>(() =>
    (stored?.indexes ?? []).map((i) => ({ key: crypto.randomUUID(), fields: i.fields.join(', '), unique: !!i.unique })),
  );
  const [rules, setRules] = useState<CollectionRules>(stored?.rules ?? emptyRules);
  const [confirming, setConfirming] = useState<string[] | null>(null);

  const definition = useMemo(() => {
    const def: CollectionDefinition = {
      name: name.trim(),
      fields: fields.map(definitionOf),
      rules,
      indexes: indexes
        .filter((i) => i.fields.trim())
        .map((i): IndexDefinition => ({ fields: i.fields.split(',').map((f) => f.trim()).filter(Boolean), ...(i.unique ? { unique: true } : {}) })),
    };
    return def;
  }, [name, fields, rules, indexes]);
  // Rules are checked against the draft: a field added a moment ago is known to them.
  const lookup = useMemo(() => {
    const catalog = new Map(all.map((c) => [c.name, c] as const));
    if (stored) catalog.delete(stored.name);
    catalog.set(definition.name || '_draft', definition);
    return schemaLookup(catalog);
  }, [all, stored, definition]);

  const save = useMutation({
    mutationFn: async () => {
      if (!stored) return client.collections.create(definition);
      // The admin confirmed the losses (below): the fields removed may take their data with them.
      const kept = new Set(fields.map((f) => f.def.id).filter(Boolean));
      const drop = stored.fields.filter((f) => !f.id || !kept.has(f.id)).map((f) => f.name);
      return client.collections.update(stored.name, {
        ...(definition.name !== stored.name ? { name: definition.name } : {}),
        fields: definition.fields,
        rules: definition.rules,
        indexes: definition.indexes,
      }, { drop });
    },
    onSuccess: async (saved) => {
      await queries.invalidateQueries({ queryKey: ['collections', project] });
      await queries.invalidateQueries({ queryKey: ['records', project] });
      navigate(`/p/${project}/collections/${saved.name}${stored ? '/schema' : ''}`, { replace: !!stored });
    },
  });
  const problems = fieldProblems(save.error);
  const ruleProblem = (rule: string): ExpressionProblem | undefined => {
    const p = problems[`${definition.name}.rules.${rule}`] ?? problems[`rules.${rule}`];
    return p ? { message: p.message ?? 'invalid rule', position: (p as { position?: number }).position } : undefined;
  };

  /** What the save would lose or move, in words, for the confirmation. */
  const losses = (): string[] => {
    if (!stored) return [];
    const kept = new Map(fields.filter((f) => f.def.id).map((f) => [f.def.id, f.def.name.trim()]));
    const out: string[] = [];
    for (const f of stored.fields) {
      if (!f.id || !kept.has(f.id)) out.push(`drops the field ${f.name} and its value in every record`);
      else if (kept.get(f.id) !== f.name) out.push(`renames the field ${f.name} to ${kept.get(f.id)} (its data stays)`);
    }
    if (definition.name !== stored.name) out.push(`renames the collection ${stored.name} to ${definition.name}: apps using the old name stop working`);
    return out;
  };

  const others = all.filter((c) => c.name !== stored?.name).map((c) => c.name);
  return (
    <>
      <PageHead
        title={stored ? `Schema of ${stored.name}` : 'New collection'}
        subtitle={stored ? <Link to={`/p/${project}/collections/${stored.name}`}>Browse its records</Link> : 'Fields, indexes and rules; you can change them later.'}
      />
      <form
        className="stack"
        aria-label="Collection schema"
        onSubmit={(e) => {
          e.preventDefault();
          const lost = losses();
          if (lost.length) setConfirming(lost);
          else save.mutate();
        }}
      >
        <section className="panel stack" aria-labelledby="schema-fields">
          <TextField
            label="Collection name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            pattern="[a-z][a-z0-9_]{0,62}"
            hint="lower-case letters, digits and _; every record also has id, created_at and updated_at"
            error={problems.name?.message}
          />
          <h2 id="schema-fields">Fields</h2>
          {fields.length === 0 && <p className="muted">No fields yet: add the first one.</p>}
          <div>
            {fields.map((f, i) => (
              <FieldEditor
                key={f.key}
                draft={f}
                stored={stored?.fields.find((s) => s.id && s.id === f.def.id)}
                collections={others.concat(definition.name ? [definition.name] : [])}
                problem={problems[`fields.${i}`]?.message ?? problems[`fields.${f.def.name}`]?.message ?? problems[f.def.name]?.message}
                onChange={(next) => setFields(fields.map((x) => (x.key === f.key ? next : x)))}
                onRemove={() => setFields(fields.filter((x) => x.key !== f.key))}
              />
            ))}
          </div>
          <div>
            <button type="button" onClick={() => setFields([...fields, draftOf({ name: '', type: 'text' })])}>
              Add field
            </button>
          </div>
        </section>

        <section className="panel stack" aria-labelledby="schema-indexes">
          <h2 id="schema-indexes">Indexes</h2>
          <p className="muted small" style={{ margin: 0 }}>
            Fields in order, <code>-</code> for descending: <code>status, -votes</code>. End an index with the fields you sort on.
          </p>
          {indexes.map((idx, i) => (
            <div key={idx.key} className="inline-form">
              <TextField label={`Index ${i + 1} fields`} className="code" value={idx.fields} onChange={(e) => setIndexes(indexes.map((x) => (x.key === idx.key ? { ...x, fields: e.target.value } : x)))} />
              <Checkbox label="Unique" checked={idx.unique} onChange={(e) => setIndexes(indexes.map((x) => (x.key === idx.key ? { ...x, unique: e.target.checked } : x)))} />
              <button type="button" className="danger" aria-label={`Remove index ${i + 1}`} onClick={() => setIndexes(indexes.filter((x) => x.key !== idx.key))}>
                Remove
              </button>
            </div>
          ))}
          <div>
            <button type="button" onClick={() => setIndexes([...indexes, { key: crypto.randomUUID(), fields: '', unique: false }])}>
              Add index
            </button>
          </div>
        </section>

        <section className="panel stack" aria-labelledby="schema-rules">
          <h2 id="schema-rules">Rules</h2>
          <p className="muted small" style={{ margin: 0 }}>
            The rule language: <code>auth.id != null &amp;&amp; owner = auth.id</code>. The service role and admins skip rules.
          </p>
          <div className="two-col">
            {ruleNames.map((r) => (
              <RuleInput
                key={r}
                label={`${r[0].toUpperCase()}${r.slice(1)} rule`}
                value={rules[r]}
                onChange={(v) => setRules({ ...rules, [r]: v })}
                lookup={lookup}
                collection={definition.name || '_draft'}
                serverProblem={ruleProblem(r)}
                hint={ruleHints[r]}
              />
            ))}
          </div>
        </section>

        <ErrorMessage error={save.error} title="Could not save the collection" />
        <div className="form-actions" style={{ justifyContent: 'flex-start' }}>
          <button type="submit" className="primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : stored ? 'Save changes' : 'Create collection'}
          </button>
          {stored && <DeleteCollection name={stored.name} />}
        </div>
      </form>
      {stored && <RuleTester collection={stored} draftRules={rules} />}
      {confirming && (
        <ConfirmDialog title="Save these changes?" action="Save changes" onClose={() => setConfirming(null)} onConfirm={() => save.mutateAsync()}>
          <p>This change:</p>
          <ul>
            {confirming.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </ConfirmDialog>
      )}
    </>
  );
}

function DeleteCollection({ name }: { name: string }) {
  const { project, client } = useProject();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="danger" style={{ marginLeft: 'auto' }} onClick={() => setOpen(true)}>
        Delete collection
      </button>
      {open && (
        <ConfirmDialog
          title={`Delete collection ${name}`}
          action="Delete collection"
          typed={name}
          onClose={() => setOpen(false)}
          onConfirm={async () => {
            await client.collections.delete(name);
            await queries.invalidateQueries({ queryKey: ['collections', project] });
            navigate(`/p/${project}/collections`);
          }}
        >
          This drops the collection and every one of its records.
        </ConfirmDialog>
      )}
    </>
  );
}
