import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { BackupRun } from '@baas/sdk';
import { useAdmin } from '../../lib/admin.tsx';
import { durationText, sizeText } from '../../lib/format.ts';
import { ConfirmDialog } from '../../ui/confirm.tsx';
import { Dialog } from '../../ui/dialog.tsx';
import { SelectField, TextField } from '../../ui/field.tsx';
import { Table } from '../../ui/table.tsx';
import { Empty, ErrorMessage, Loading } from '../../ui/states.tsx';

const KEY = ['backups'];

/**
 * Backups through `admin.backups`: the history with the schedule, a run now
 * (of the instance or one project), download, restore of one project under
 * its id or a new one, delete. A run answers when its archive is written, so
 * while one is going the list refreshes every second to show it running.
 */
export function BackupsSection() {
  const admin = useAdmin();
  const client = admin.client();
  const queries = useQueryClient();
  const projects = useQuery({ queryKey: ['projects'], queryFn: () => client.admin.projects.list() });
  const [scope, setScope] = useState('');
  const run = useMutation({
    mutationFn: () => client.admin.backups.run(scope ? { project: scope } : {}),
    onSettled: () => queries.invalidateQueries({ queryKey: KEY }),
  });
  const list = useQuery({
    queryKey: KEY,
    queryFn: () => client.admin.backups.list(),
    refetchInterval: (q) => (run.isPending || q.state.data?.items.some((b) => b.status === 'running') ? 1000 : false),
  });
  const [restoring, setRestoring] = useState<BackupRun | null>(null);
  const [deleting, setDeleting] = useState<BackupRun | null>(null);
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const running = list.data?.items.find((b) => b.status === 'running');

  const download = async (b: BackupRun) => {
    setDownloadError(null);
    try {
      // The archive needs the admin token, which a plain link cannot send: fetch it, then save the blob.
      const blob = await (await client.admin.backups.download(b.id)).blob();
      const url = URL.createObjectURL(blob);
      const a = Object.assign(document.createElement('a'), { href: url, download: b.file.split('/').pop() });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setDownloadError(err);
    }
  };

  const schedule = list.data?.schedule;
  return (
    <section className="panel stack" aria-labelledby="backups-head">
      <div className="panel-head">
        <h2 id="backups-head">Backups</h2>
        <div className="actions">
          <button type="button" onClick={() => void list.refetch()} disabled={list.isFetching}>Refresh</button>
        </div>
      </div>
      <p className="muted small" style={{ margin: 0 }}>
        {schedule
          ? <>Scheduled: <code>{schedule.cron}</code>, keeping the newest {schedule.keep}{schedule.s3Bucket ? <>, copied to the S3 bucket <code>{schedule.s3Bucket}</code></> : null}; next run {schedule.next ? new Date(schedule.next).toLocaleString() : 'not planned'}.</>
          : <>No schedule is configured (<code>backupSchedule</code>): backups run when you start them here or with <code>baas backup</code>.</>}
        {' '}An archive holds the stores and the storage objects, with checksums. A whole instance is restored offline with <code>baas restore</code>; here you restore one project.
      </p>
      <form className="inline-form" onSubmit={(e) => { e.preventDefault(); run.mutate(); }}>
        <SelectField label="What to back up" value={scope} onChange={(e) => setScope(e.target.value)}
          options={[['', 'The whole instance'], ...(projects.data ?? []).map((p): [string, string] => [p.id, `Project ${p.id}`])]} />
        <button type="submit" className="primary" disabled={run.isPending || !!running}>{run.isPending ? 'Backing up…' : 'Run backup now'}</button>
      </form>
      {(run.isPending || running) && (
        <div className="loading" role="status">
          <span className="spinner" aria-hidden="true" />
          Backing up {running?.project ? `project ${running.project}` : 'the instance'}{running ? ` — running for ${durationText(running.startedAt)}` : '…'}
        </div>
      )}
      <ErrorMessage error={run.error} title="The backup failed" />
      {run.data && !run.isPending && <div className="alert alert-ok" role="status">Backup written: {run.data.file} ({sizeText(run.data.size ?? 0)}).</div>}
      <ErrorMessage error={downloadError} title="Could not download the backup" />
      {list.isPending && <Loading />}
      <ErrorMessage error={list.error} title="Could not load the backups" />
      {list.data?.items.length === 0 && <Empty title="No backups yet">Run one now, or configure a schedule.</Empty>}
      {list.data && list.data.items.length > 0 && (
        <Table label="Backups" columns={['Started', 'Scope', 'Status', 'Size', 'Took', 'By']} actions>
          {list.data.items.map((b) => (
            <tr key={b.id}>
              <td title={b.file}>{new Date(b.startedAt).toLocaleString()}</td>
              <td>{b.scope === 'project' ? <>project <code>{b.project}</code></> : 'instance'}</td>
              <td><Status run={b} /></td>
              <td>{b.size === null ? '—' : sizeText(b.size)}</td>
              <td>{b.finishedAt ? durationText(b.startedAt, b.finishedAt) : '—'}</td>
              <td>{b.trigger}</td>
              <td className="actions-cell">
                <button type="button" className="small" disabled={!b.available} aria-label={`Download backup ${b.file}`} onClick={() => void download(b)}>Download</button>{' '}
                <button type="button" className="small" disabled={!b.available} aria-label={`Restore from backup ${b.file}`} onClick={() => setRestoring(b)}>Restore…</button>{' '}
                <button type="button" className="small danger" disabled={b.status === 'running'} aria-label={`Delete backup ${b.file}`} onClick={() => setDeleting(b)}>Delete</button>
              </td>
            </tr>
          ))}
        </Table>
      )}
      {restoring && <RestoreDialog backup={restoring} onClose={() => setRestoring(null)} />}
      {deleting && (
        <ConfirmDialog title={`Delete backup ${deleting.file}`} action="Delete backup" onClose={() => setDeleting(null)}
          onConfirm={async () => { await client.admin.backups.delete(deleting.id); await queries.invalidateQueries({ queryKey: KEY }); }}>
          The archive is removed from the backup directory and from this list. Copies elsewhere (an S3 target) stay.
        </ConfirmDialog>
      )}
    </section>
  );
}

function Status({ run }: { run: BackupRun }) {
  if (run.status === 'running') return <span className="badge accent">running</span>;
  if (run.status === 'failed') return <span className="badge danger" title={run.error ?? undefined}>failed: {run.error}</span>;
  return run.available ? <span className="badge ok">ok</span> : <span className="badge" title="the archive is no longer in the backup directory">pruned</span>;
}

/**
 * Restores one project of a backup, all or nothing. Under its own id it must
 * not exist; "restore as" takes a new id instead (a copy beside the live
 * project). The admin types the id that will be created.
 */
function RestoreDialog({ backup, onClose }: { backup: BackupRun; onClose: () => void }) {
  const client = useAdmin().client();
  const queries = useQueryClient();
  const [source, setSource] = useState(backup.project ?? '');
  const [as, setAs] = useState('');
  const [typed, setTyped] = useState('');
  const target = as || source;
  const restore = useMutation({
    mutationFn: () => client.admin.backups.restore(backup.id, { ...(source ? { project: source } : {}), ...(as ? { as } : {}) }),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['projects'] }),
  });
  const { reset } = restore;
  // A new target is a new question: its own confirmation, and the last refusal no longer applies.
  useEffect(() => {
    setTyped('');
    reset();
  }, [target, reset]);
  return (
    <Dialog title={`Restore from ${backup.file}`} onClose={onClose}>
      {restore.data ? (
        <div className="stack">
          <div className="alert alert-ok" role="status">
            Restored project {restore.data.id} as <strong>{restore.data.restoredAs}</strong>, with {restore.data.objects} storage object{restore.data.objects === 1 ? '' : 's'}.
          </div>
          <div className="form-actions">
            <Link className="button primary" to={`/p/${restore.data.restoredAs}/collections`}>Open project {restore.data.restoredAs}</Link>
            <button type="button" onClick={onClose}>Done</button>
          </div>
        </div>
      ) : (
        <form className="stack" onSubmit={(e) => { e.preventDefault(); if (target && typed === target) restore.mutate(); }}>
          {backup.scope === 'instance' ? (
            <TextField label="Project in the backup" required value={source} onChange={(e) => setSource(e.target.value.trim())}
              hint="the id of the project to take out of this instance backup" autoComplete="off" />
          ) : (
            <p style={{ margin: 0 }}>This backup holds project <code>{backup.project}</code>.</p>
          )}
          <TextField label="Restore as (new project id)" value={as} onChange={(e) => setAs(e.target.value.trim())} autoComplete="off"
            placeholder={source || 'same id'} hint="empty: under its own id, which must be free (delete the project first); a new id restores a copy beside it" />
          {target && (
            <TextField label={`Type ${target} to confirm`} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
          )}
          <ErrorMessage error={restore.error} title="Could not restore" />
          <div className="form-actions">
            <button type="button" onClick={onClose}>Cancel</button>
            <button type="submit" className="danger solid" disabled={!target || typed !== target || restore.isPending}>
              {restore.isPending ? 'Restoring…' : 'Restore project'}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
