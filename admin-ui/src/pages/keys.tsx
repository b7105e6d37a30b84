import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { CreatedKey } from '@baas/sdk';
import { useProject } from '../lib/project.ts';
import { PageHead } from '../shell.tsx';
import { ConfirmDialog } from '../ui/confirm.tsx';
import { SecretOnce } from '../ui/copy.tsx';
import { TextField } from '../ui/field.tsx';
import { Table } from '../ui/table.tsx';
import { Empty, ErrorMessage, Loading } from '../ui/states.tsx';

/** The project's secret keys: list (never the secret), create (shown once), revoke. */
export default function KeysPage() {
  const { project, client } = useProject();
  const queries = useQueryClient();
  const key = ['keys', project];
  const keys = useQuery({ queryKey: key, queryFn: () => client.keys.list() });
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [revoking, setRevoking] = useState<{ id: string; name: string } | null>(null);
  const create = useMutation({
    mutationFn: () => client.keys.create(name ? { name } : {}),
    onSuccess: async (k) => {
      setCreated(k);
      setName('');
      await queries.invalidateQueries({ queryKey: key });
    },
  });

  return (
    <>
      <PageHead title="API keys" subtitle="Secret keys act as the project's service role: they bypass every rule. Keep them on servers." />
      <section className="panel stack" aria-labelledby="new-key">
        <h2 id="new-key">New secret key</h2>
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <TextField label="Key name" placeholder="e.g. backend" value={name} onChange={(e) => setName(e.target.value)} />
          <button type="submit" className="primary" disabled={create.isPending}>
            Create key
          </button>
        </form>
        <ErrorMessage error={create.error} title="Could not create the key" />
        {created && <SecretOnce label="Secret key" secret={created.secret} />}
      </section>
      <section className="panel" aria-labelledby="keys-list">
        <h2 id="keys-list">Keys</h2>
        {keys.isPending && <Loading />}
        <ErrorMessage error={keys.error} title="Could not load the keys" />
        {keys.data?.length === 0 && <Empty title="No keys">Without a key only admins can manage this project.</Empty>}
        {keys.data && keys.data.length > 0 && (
          <Table label="Keys" columns={['Name', 'Starts with', 'Created']} actions>
                {keys.data.map((k) => (
                  <tr key={k.id}>
                    <td>{k.name}</td>
                    <td><code>{k.prefix}…</code></td>
                    <td>{new Date(k.createdAt).toLocaleString()}</td>
                    <td className="actions-cell">
                      <button type="button" className="danger small" aria-label={`Revoke key ${k.name}`} onClick={() => setRevoking(k)}>
                        Revoke
                      </button>
                    </td>
                  </tr>
                ))}
          </Table>
        )}
      </section>
      {revoking && (
        <ConfirmDialog
          title={`Revoke key ${revoking.name}`}
          action="Revoke key"
          onClose={() => setRevoking(null)}
          onConfirm={async () => {
            await client.keys.revoke(revoking.id);
            await queries.invalidateQueries({ queryKey: key });
          }}
        >
          Every request made with this key fails from now on.
        </ConfirmDialog>
      )}
    </>
  );
}
