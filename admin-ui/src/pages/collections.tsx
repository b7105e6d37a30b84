import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { ruleNames } from '@baas/protocol';
import { useProject } from '../lib/project.ts';
import { PageHead } from '../shell.tsx';
import { Empty, ErrorMessage, Loading } from '../ui/states.tsx';


/** The project's collections: each with its fields and who its rules let in. */
export default function CollectionsPage() {
  const { project, client } = useProject();
  const collections = useQuery({ queryKey: ['collections', project], queryFn: () => client.collections.list() });
  return (
    <>
      <PageHead title="Collections" subtitle="Typed tables with rules: who may list, view, create, update and delete records.">
        <Link className="button primary" to={`/p/${project}/collections/new`}>
          New collection
        </Link>
      </PageHead>
      {collections.isPending && <Loading label="Loading collections…" />}
      <ErrorMessage error={collections.error} title="Could not load the collections" />
      {collections.data?.length === 0 && (
        <Empty title="No collections yet">
          <p>A collection is a table your app reads and writes through the SDK, under its rules.</p>
          <Link className="button primary" to={`/p/${project}/collections/new`}>
            Create the first collection
          </Link>
        </Empty>
      )}
      {collections.data && collections.data.length > 0 && (
        <ul className="grid" style={{ listStyle: 'none', padding: 0, margin: 0 }} aria-label="Collections">
          {collections.data.map((c) => (
            <li key={c.name} className="card stack">
              <div className="spread">
                <Link className="card-title" to={`/p/${project}/collections/${c.name}`}>
                  {c.name}
                </Link>
                <Link className="button small" to={`/p/${project}/collections/${c.name}/schema`} aria-label={`Edit schema of ${c.name}`}>
                  Schema &amp; rules
                </Link>
              </div>
              <div className="muted small">
                {c.fields.length} field{c.fields.length === 1 ? '' : 's'}: {c.fields.map((f) => f.name).join(', ') || '—'}
              </div>
              <div className="row small">
                {ruleNames.map((r) => {
                  const rule = c.rules[r];
                  return (
                    <span key={r} className={`badge ${rule === null ? '' : rule === '' ? 'ok' : 'accent'}`} title={rule ?? 'service role only'}>
                      {r}: {rule === null ? 'locked' : rule === '' ? 'everyone' : 'rule'}
                    </span>
                  );
                })}
              </div>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
