import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { BucketInfo } from '@baas/sdk';
import { useProject } from '../../lib/project.ts';
import { PageHead } from '../../shell.tsx';
import { ConfirmDialog } from '../../ui/confirm.tsx';
import { Dialog } from '../../ui/dialog.tsx';
import { Checkbox, TextField } from '../../ui/field.tsx';
import { RuleInput } from '../../ui/rule-input.tsx';
import { Empty, ErrorMessage, fieldProblems, Loading } from '../../ui/states.tsx';
import { ObjectBrowser } from './objects.tsx';

/** Buckets (rules, size and type limits) and, for the chosen one, its objects. */
export default function StoragePage() {
  const { bucket } = useParams();
  const { project, client } = useProject();
  const buckets = useQuery({ queryKey: ['buckets', project], queryFn: () => client.storage.buckets.list() });
  const [editing, setEditing] = useState<BucketInfo | 'new' | null>(null);
  const current = buckets.data?.find((b) => b.name === bucket);

  return (
    <>
      <PageHead title={current ? `Storage · ${current.name}` : 'Storage'} subtitle="Buckets of files with read and write rules, size and type limits, and image transforms.">
        {current && (
          <button type="button" onClick={() => setEditing(current)}>
            Bucket settings
          </button>
        )}
        <button type="button" className="primary" onClick={() => setEditing('new')}>
          New bucket
        </button>
      </PageHead>
      {buckets.isPending && <Loading label="Loading buckets…" />}
      <ErrorMessage error={buckets.error} title="Could not load the buckets" />
      {buckets.data?.length === 0 && <Empty title="No buckets yet">A bucket holds files: avatars, attachments, exports.</Empty>}
      {buckets.data && buckets.data.length > 0 && (
        <nav className="row" aria-label="Buckets" style={{ marginBottom: '1rem' }}>
          {buckets.data.map((b) => (
            <Link key={b.name} to={`/p/${project}/storage/${b.name}`} className={`button small ${b.name === bucket ? 'primary' : ''}`} aria-current={b.name === bucket ? 'page' : undefined}>
              {b.name} {b.public && <span className="badge">public</span>}
            </Link>
          ))}
        </nav>
      )}
      {bucket && buckets.data && !current && <ErrorMessage error={new Error(`no bucket '${bucket}'`)} title="Not found" />}
      {current && <ObjectBrowser key={current.name} bucket={current} />}
      {!bucket && buckets.data && buckets.data.length > 0 && <p className="muted">Choose a bucket to browse its files.</p>}
      {editing && <BucketForm bucket={editing === 'new' ? undefined : editing} onClose={() => setEditing(null)} />}
    </>
  );
}

function BucketForm({ bucket, onClose }: { bucket?: BucketInfo; onClose: () => void }) {
  const { project, client } = useProject();
  const queries = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState(bucket?.name ?? '');
  const [isPublic, setPublic] = useState(bucket?.public ?? false);
  const [maxSize, setMaxSize] = useState(bucket?.maxSize ? String(bucket.maxSize / 1024 / 1024) : '');
  const [types, setTypes] = useState((bucket?.allowedTypes ?? []).join(', '));
  const [read, setRead] = useState<string | null>(bucket?.rules.read ?? null);
  const [write, setWrite] = useState<string | null>(bucket?.rules.write ?? null);
  const [deleting, setDeleting] = useState(false);
  const save = useMutation({
    mutationFn: () => {
      const settings = {
        public: isPublic,
        maxSize: maxSize ? Math.round(Number(maxSize) * 1024 * 1024) : null,
        allowedTypes: types.trim() ? types.split(',').map((t) => t.trim()).filter(Boolean) : null,
        rules: { read, write },
      };
      return bucket ? client.storage.buckets.update(bucket.name, settings) : client.storage.buckets.create({ name, ...settings });
    },
    onSuccess: async (saved) => {
      await queries.invalidateQueries({ queryKey: ['buckets', project] });
      onClose();
      navigate(`/p/${project}/storage/${saved.name}`);
    },
  });
  const problems = fieldProblems(save.error);
  const ruleProblem = (r: string) => (problems[`rules.${r}`] ? { message: problems[`rules.${r}`].message ?? 'invalid rule' } : undefined);
  return (
    <Dialog title={bucket ? `Settings of ${bucket.name}` : 'New bucket'} onClose={onClose} wide>
      <form className="stack" onSubmit={(e) => { e.preventDefault(); save.mutate(); }}>
        {!bucket && <TextField label="Bucket name" value={name} required onChange={(e) => setName(e.target.value)} hint="a-z, 0-9, _ and -" error={problems.name?.message} autoFocus />}
        <div className="form-grid">
          <TextField label="Largest file (MiB)" type="number" min={0} step="any" value={maxSize} placeholder="5120 (the server's limit)" onChange={(e) => setMaxSize(e.target.value)} error={problems.maxSize?.message} />
          <TextField label="Allowed types" placeholder="image/*, application/pdf" hint="empty: any type" value={types} onChange={(e) => setTypes(e.target.value)} error={problems.allowedTypes?.message} />
        </div>
        <Checkbox label="Public: anyone may read files (listing still needs the read rule)" checked={isPublic} onChange={(e) => setPublic(e.target.checked)} />
        <div className="two-col">
          <RuleInput label="Read rule" value={read} onChange={setRead} serverProblem={ruleProblem('read')} hint="over auth.* and object.path, object.size, object.contentType, object.owner" />
          <RuleInput label="Write rule" value={write} onChange={setWrite} serverProblem={ruleProblem('write')} hint="judged on the new object and on the one it replaces" />
        </div>
        <ErrorMessage error={save.error} title="Could not save the bucket" />
        <div className="form-actions">
          {bucket && (
            <button type="button" className="danger" style={{ marginRight: 'auto' }} onClick={() => setDeleting(true)}>
              Delete bucket
            </button>
          )}
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" className="primary" disabled={save.isPending}>{bucket ? 'Save bucket' : 'Create bucket'}</button>
        </div>
      </form>
      {bucket && deleting && (
        <ConfirmDialog
          title={`Delete bucket ${bucket.name}`}
          action="Delete bucket"
          typed={bucket.name}
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await client.storage.buckets.delete(bucket.name, { force: true });
            await queries.invalidateQueries({ queryKey: ['buckets', project] });
            onClose();
            navigate(`/p/${project}/storage`);
          }}
        >
          The bucket and every file in it are deleted.
        </ConfirmDialog>
      )}
    </Dialog>
  );
}
