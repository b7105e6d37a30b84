import { useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { CreatedProject } from '@baas/sdk';
import { useAdmin } from '../lib/admin.tsx';
import { PageHead } from '../shell.tsx';
import { ConfirmDialog } from '../ui/confirm.tsx';
import { SecretOnce } from '../ui/copy.tsx';
import { Dialog } from '../ui/dialog.tsx';
import { TextField } from '../ui/field.tsx';
import { Empty, ErrorMessage, fieldProblems, Loading } from '../ui/states.tsx';

/** The instance's projects: list, create (secret key shown once), delete with a typed confirmation. */
export function ProjectsPage() {
  const admin = useAdmin();
  const queries = useQueryClient();
  const projects = useQuery({ queryKey: ['projects'], queryFn: () => admin.client().admin.projects.list() });
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<string | null>(null);

  return (
    <>
      <PageHead title="Projects" subtitle="Each project is an isolated backend: its own collections, users, files and keys.">
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          New project
        </button>
      </PageHead>
      {projects.isPending && <Loading label="Loading projects…" />}
      <ErrorMessage error={projects.error} title="Could not load the projects" />
      {projects.data?.length === 0 && <Empty title="No projects yet">Create one to get a backend for your app.</Empty>}
      {projects.data && projects.data.length > 0 && (
        <ul className="grid" style={{ listStyle: 'none', padding: 0, margin: 0 }} aria-label="Projects">
          {projects.data.map((p) => (
            <li key={p.id} className="card stack">
              <div className="spread">
                <Link className="card-title" to={`/p/${p.id}/collections`}>
                  {p.name}
                </Link>
                <button type="button" className="danger small" aria-label={`Delete project ${p.id}`} onClick={() => setDeleting(p.id)}>
                  Delete
                </button>
              </div>
              <div className="muted small">
                <code>{p.id}</code> · created {new Date(p.createdAt).toLocaleDateString()}
              </div>
              <div className="row small">
                <Link to={`/p/${p.id}/collections`}>Collections</Link>
                <Link to={`/p/${p.id}/users`}>Users</Link>
                <Link to={`/p/${p.id}/storage`}>Storage</Link>
                <Link to={`/p/${p.id}/keys`}>Keys</Link>
              </div>
            </li>
          ))}
        </ul>
      )}
      {creating && <CreateProject onClose={() => setCreating(false)} />}
      {deleting && (
        <ConfirmDialog
          title={`Delete project ${deleting}`}
          action="Delete project"
          typed={deleting}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await admin.client().admin.projects.delete(deleting);
            await queries.invalidateQueries({ queryKey: ['projects'] });
          }}
        >
          This deletes the project with all its collections, records, users, files and keys. It cannot be undone.
        </ConfirmDialog>
      )}
    </>
  );
}

function CreateProject({ onClose }: { onClose: () => void }) {
  const admin = useAdmin();
  const queries = useQueryClient();
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedProject | null>(null);
  const create = useMutation({
    mutationFn: () => admin.client().admin.projects.create(id, name ? { name } : {}),
    onSuccess: async (result) => {
      setCreated(result);
      await queries.invalidateQueries({ queryKey: ['projects'] });
    },
  });
  const problems = fieldProblems(create.error);

  if (created) {
    return (
      <Dialog title={`Project ${created.project.id} created`} onClose={onClose}>
        <div className="stack">
          {created.keys.map((k) => (
            <SecretOnce key={k.id} label="Secret key" secret={k.secret} />
          ))}
          <p className="muted">
            The secret key is the project&apos;s service role: use it from your servers, never in a browser. You can create and revoke keys later under API keys.
          </p>
          <div className="form-actions">
            <Link className="button primary" to={`/p/${created.project.id}/collections`} onClick={onClose}>
              Open the project
            </Link>
          </div>
        </div>
      </Dialog>
    );
  }
  return (
    <Dialog title="New project" onClose={onClose}>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <TextField
          label="Project id"
          hint="Lower-case letters, digits, - and _; starts with a letter. It appears in URLs and cannot change."
          value={id}
          onChange={(e) => setId(e.target.value)}
          pattern="[a-z][a-z0-9_\-]{0,39}"
          required
          autoFocus
          error={problems.id?.message}
        />
        <TextField label="Name" hint="Optional; defaults to the id." value={name} onChange={(e) => setName(e.target.value)} />
        <ErrorMessage error={create.error} title="Could not create the project" />
        <div className="form-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create project'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
