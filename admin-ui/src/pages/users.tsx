import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { AuthUser } from '@baas/sdk';
import { useProject } from '../lib/project.ts';
import { PageHead } from '../shell.tsx';
import { ConfirmDialog } from '../ui/confirm.tsx';
import { Dialog } from '../ui/dialog.tsx';
import { Checkbox, SelectField, TextArea, TextField } from '../ui/field.tsx';
import { Pager, useCursors } from '../ui/pager.tsx';
import { Table } from '../ui/table.tsx';
import { expressionProblem, ProblemText } from '../ui/rule-input.tsx';
import { Empty, ErrorMessage, fieldProblems, Loading } from '../ui/states.tsx';

const statusFilters: Array<[string, string]> = [
  ['', 'Everyone'],
  ['verified = true', 'Verified'],
  ['verified = false && anonymous = false', 'Unverified'],
  ['anonymous = true', 'Anonymous'],
  ['disabled = true', 'Disabled'],
];

/** The project's users: search and filter, create, edit (verified, role, data), disable, delete, sessions. */
export default function UsersPage() {
  const { project, client } = useProject();
  const queries = useQueryClient();
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState('');
  const [advanced, setAdvanced] = useState('');
  const cursors = useCursors();
  const [editing, setEditing] = useState<AuthUser | 'new' | null>(null);
  const [sessionsOf, setSessionsOf] = useState<AuthUser | null>(null);
  const [deleting, setDeleting] = useState<AuthUser | null>(null);
  const filter = [search && client.filter('(email ~ {:q} || id = {:q})', { q: search }), status, advanced && `(${advanced})`].filter(Boolean).join(' && ');
  const problem = advanced ? expressionProblem(advanced) : undefined;
  const users = useQuery({
    queryKey: ['users', project, filter, cursors.cursor],
    queryFn: () => client.users.list({ filter: filter || undefined, sort: '-created_at', limit: 50, cursor: cursors.cursor }),
    placeholderData: keepPreviousData,
    enabled: !problem,
  });
  const refresh = () => queries.invalidateQueries({ queryKey: ['users', project] });

  return (
    <>
      <PageHead title="Users" subtitle="Accounts of this project's app: email and password, anonymous, magic links and OAuth.">
        <button type="button" className="primary" onClick={() => setEditing('new')}>
          New user
        </button>
      </PageHead>
      <div className="toolbar" role="search">
        <div className="field grow">
          <label htmlFor="user-search">Search users</label>
          <input id="user-search" type="search" placeholder="email or id" value={search} onChange={(e) => { setSearch(e.target.value); cursors.reset(); }} />
        </div>
        <SelectField label="Show" value={status} options={statusFilters} onChange={(e) => { setStatus(e.target.value); cursors.reset(); }} />
        <div className="field grow">
          <label htmlFor="user-filter">Filter</label>
          <input id="user-filter" className="code" placeholder="role = 'editor'" value={advanced} aria-invalid={problem ? true : undefined} onChange={(e) => { setAdvanced(e.target.value); cursors.reset(); }} />
        </div>
      </div>
      {problem && <ProblemText source={advanced} problem={problem} />}
      <ErrorMessage error={users.error} title="Could not load the users" />
      {users.isPending && !problem && <Loading label="Loading users…" />}
      {users.data?.items.length === 0 && <Empty title={filter ? 'No user matches' : 'No users yet'}>{filter ? 'Change the search or the filter.' : 'Users appear here when they sign up, or create one.'}</Empty>}
      {users.data && users.data.items.length > 0 && (
        <Table label="Users" columns={['Email', 'Status', 'Role', 'Last sign-in', 'Created']} actions>
              {users.data.items.map((u) => (
                <tr key={u.id}>
                  <td className="cell">
                    {u.email ?? <span className="muted">(no email)</span>}
                    <div className="muted small mono">{u.id}</div>
                  </td>
                  <td>
                    <span className="row">
                      {u.disabled && <span className="badge danger">disabled</span>}
                      {u.anonymous && <span className="badge">anonymous</span>}
                      {!u.anonymous && <span className={`badge ${u.verified ? 'ok' : ''}`}>{u.verified ? 'verified' : 'unverified'}</span>}
                    </span>
                  </td>
                  <td>{u.role ?? <span className="muted">—</span>}</td>
                  <td>{u.lastSignInAt ? new Date(u.lastSignInAt).toLocaleString() : <span className="muted">never</span>}</td>
                  <td>{new Date(u.createdAt).toLocaleDateString()}</td>
                  <td className="actions-cell">
                    <span className="row" style={{ flexWrap: 'nowrap', justifyContent: 'flex-end' }}>
                      <button type="button" className="small" aria-label={`Sessions of ${u.email ?? u.id}`} onClick={() => setSessionsOf(u)}>
                        Sessions
                      </button>
                      <button type="button" className="small" aria-label={`Edit user ${u.email ?? u.id}`} onClick={() => setEditing(u)}>
                        Edit
                      </button>
                      <button type="button" className="small danger" aria-label={`Delete user ${u.email ?? u.id}`} onClick={() => setDeleting(u)}>
                        Delete
                      </button>
                    </span>
                  </td>
                </tr>
              ))}
        </Table>
      )}
      <Pager cursors={cursors} nextCursor={users.data?.nextCursor} />
      {editing && <UserForm user={editing === 'new' ? undefined : editing} onClose={() => setEditing(null)} onSaved={refresh} />}
      {sessionsOf && <UserSessions user={sessionsOf} onClose={() => setSessionsOf(null)} />}
      {deleting && (
        <ConfirmDialog
          title={`Delete user ${deleting.email ?? deleting.id}`}
          action="Delete user"
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await client.users.delete(deleting.id);
            await refresh();
          }}
        >
          The account and its sessions are deleted; records that point at it keep the id.
        </ConfirmDialog>
      )}
    </>
  );
}

function UserForm({ user, onClose, onSaved }: { user?: AuthUser; onClose: () => void; onSaved: () => unknown }) {
  const { client } = useProject();
  const [email, setEmail] = useState(user?.email ?? '');
  const [password, setPassword] = useState('');
  const [verified, setVerified] = useState(user?.verified ?? false);
  const [role, setRole] = useState(user?.role ?? '');
  const [disabled, setDisabled] = useState(user?.disabled ?? false);
  const [data, setData] = useState(JSON.stringify(user?.data ?? {}, null, 2));
  const [dataError, setDataError] = useState<string>();
  const save = useMutation({
    mutationFn: async () => {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(data || '{}');
        setDataError(undefined);
      } catch (err) {
        setDataError(`not valid JSON: ${(err as Error).message}`);
        throw new Error('the profile data is not valid JSON');
      }
      const common = { verified, role: role || null, data: parsed, ...(password ? { password } : {}) };
      if (!user) return client.users.create({ email, ...common });
      return client.users.update(user.id, { ...common, disabled, ...(email !== (user.email ?? '') ? { email: email || null } : {}) });
    },
    onSuccess: async () => {
      await onSaved();
      onClose();
    },
  });
  const problems = fieldProblems(save.error);
  return (
    <Dialog title={user ? `Edit ${user.email ?? user.id}` : 'New user'} onClose={onClose}>
      <form className="stack" onSubmit={(e) => { e.preventDefault(); save.mutate(); }}>
        <TextField label="Email" type="email" value={email} required={!user} onChange={(e) => setEmail(e.target.value)} error={problems.email?.message} autoFocus />
        <TextField label={user ? 'New password' : 'Password'} type="password" autoComplete="new-password" hint={user ? 'leave empty to keep it; setting one ends the other sessions' : 'optional: without one the user signs in by magic link or OAuth'} value={password} onChange={(e) => setPassword(e.target.value)} error={problems.password?.message} />
        <TextField label="Role" hint="rules read it as auth.role; only the service role sets it" value={role} onChange={(e) => setRole(e.target.value)} error={problems.role?.message} />
        <TextArea label="Profile data (JSON)" className="code" rows={4} value={data} onChange={(e) => setData(e.target.value)} error={dataError ?? problems.data?.message} />
        <Checkbox label="Email verified" checked={verified} onChange={(e) => setVerified(e.target.checked)} />
        {user && <Checkbox label="Disabled (cannot sign in; ends every session)" checked={disabled} onChange={(e) => setDisabled(e.target.checked)} />}
        <ErrorMessage error={save.error} title="Could not save the user" />
        <div className="form-actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" className="primary" disabled={save.isPending}>{user ? 'Save user' : 'Create user'}</button>
        </div>
      </form>
    </Dialog>
  );
}

function UserSessions({ user, onClose }: { user: AuthUser; onClose: () => void }) {
  const { project, client } = useProject();
  const queries = useQueryClient();
  const key = ['user-sessions', project, user.id];
  const sessions = useQuery({ queryKey: key, queryFn: () => client.users.sessions(user.id) });
  const revoke = useMutation({
    mutationFn: (id: string) => client.users.revokeSession(user.id, id),
    onSettled: () => queries.invalidateQueries({ queryKey: key }),
  });
  return (
    <Dialog title={`Sessions of ${user.email ?? user.id}`} onClose={onClose} wide>
      {sessions.isPending && <Loading />}
      <ErrorMessage error={sessions.error ?? revoke.error} title="Sessions" />
      {sessions.data?.length === 0 && <Empty title="No active sessions">This user is signed in nowhere.</Empty>}
      {sessions.data && sessions.data.length > 0 && (
        <Table label="Sessions" columns={['Method', 'Device', 'Last used', 'Expires']} actions>
              {sessions.data.map((s) => (
                <tr key={s.id}>
                  <td>{s.method}</td>
                  <td className="cell" title={s.userAgent ?? ''}>{s.ip ?? '—'} · {s.userAgent ?? 'unknown client'}</td>
                  <td>{new Date(s.lastUsedAt).toLocaleString()}</td>
                  <td>{new Date(s.expiresAt).toLocaleString()}</td>
                  <td className="actions-cell">
                    <button type="button" className="small danger" aria-label={`Revoke session ${s.id}`} disabled={revoke.isPending} onClick={() => revoke.mutate(s.id)}>
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
        </Table>
      )}
    </Dialog>
  );
}
