import { useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { BaasRecord, CollectionDefinition, FieldDefinition } from '@baas/sdk';
import { useProject } from '../../lib/project.ts';
import { Dialog } from '../../ui/dialog.tsx';
import { Checkbox, SelectField, TextArea, TextField } from '../../ui/field.tsx';
import { isImage, Thumbnail } from '../../ui/preview.tsx';
import { ErrorMessage, fieldProblems } from '../../ui/states.tsx';
import { cellText } from './format.ts';

type Values = Record<string, unknown>;

/** A datetime-local value (local time) for an ISO instant, and back. */
const toLocal = (iso: unknown) => {
  if (typeof iso !== 'string' || !iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocal = (local: string) => (local ? new Date(local).toISOString() : null);

/**
 * Create or edit one record: an input per field type. JSON fields are typed
 * as JSON; a relation picks records of its target; a file field uploads to a
 * bucket and stores `bucket/path`.
 */
export function RecordForm({ collection, record, onClose, onSaved }: {
  collection: CollectionDefinition;
  record?: BaasRecord;
  onClose: () => void;
  onSaved: (record: BaasRecord) => void;
}) {
  const { client } = useProject();
  const [values, setValues] = useState<Values>(() => {
    const start: Values = {};
    for (const f of collection.fields) {
      const v = record ? record[f.name] : f.default;
      start[f.name] = f.type === 'json' ? (v === undefined ? '' : JSON.stringify(v, null, 2)) : v;
    }
    return start;
  });
  const [jsonErrors, setJsonErrors] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: async () => {
      const body: Values = {};
      const bad: Record<string, string> = {};
      for (const f of collection.fields) {
        let v = values[f.name];
        if (f.type === 'json') {
          const text = String(v ?? '').trim();
          if (text === '') v = null;
          else {
            try {
              v = JSON.parse(text);
            } catch (err) {
              bad[f.name] = `not valid JSON: ${(err as Error).message}`;
            }
          }
        }
        if ((f.type === 'number' || f.type === 'integer') && v === '') v = null;
        if (!record && (v === undefined || v === '' || v === null) && !f.required) continue;
        if (record && JSON.stringify(v) === JSON.stringify(record[f.name])) continue;
        body[f.name] = v === undefined ? null : v;
      }
      setJsonErrors(bad);
      if (Object.keys(bad).length) throw new Error('fix the JSON fields first');
      const records = client.collection(collection.name);
      return (record ? records.update(record.id, body) : records.create(body)) as Promise<BaasRecord>;
    },
    onSuccess: (saved) => {
      onSaved(saved);
      onClose();
    },
  });
  const problems = fieldProblems(save.error);
  const set = (name: string, v: unknown) => setValues((prev) => ({ ...prev, [name]: v }));

  return (
    <Dialog title={record ? `Edit record ${record.id}` : `New record in ${collection.name}`} onClose={onClose} wide>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        {collection.fields.length === 0 && <p className="muted">This collection has no fields: the record will only have an id and times.</p>}
        <div className="form-grid">
          {collection.fields.map((f) => (
            <FieldInput key={f.name} field={f} value={values[f.name]} onChange={(v) => set(f.name, v)} error={jsonErrors[f.name] ?? problems[f.name]?.message} />
          ))}
        </div>
        <ErrorMessage error={save.error} title="Could not save the record" />
        <div className="form-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : record ? 'Save record' : 'Create record'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function FieldInput({ field, value, onChange, error }: { field: FieldDefinition; value: unknown; onChange: (v: unknown) => void; error?: string }) {
  const label = field.name + (field.required ? ' *' : '');
  const hint = field.type + (field.multiple ? ' (many)' : '');
  switch (field.type) {
    case 'boolean':
      return (
        <div className="field">
          <Checkbox label={label} checked={value === true} onChange={(e) => onChange(e.target.checked)} />
          {error && <span className="field-error">{error}</span>}
        </div>
      );
    case 'number':
    case 'integer':
      return (
        <TextField label={label} hint={hint} error={error} type="number" step={field.type === 'integer' ? 1 : 'any'} value={value === null || value === undefined ? '' : String(value)}
          onChange={(e) => onChange(e.target.value === '' ? '' : Number(e.target.value))} />
      );
    case 'date':
      return <TextField label={label} hint={`${hint}, your local time`} error={error} type="datetime-local" value={toLocal(value)} onChange={(e) => onChange(fromLocal(e.target.value))} />;
    case 'json':
      return <TextArea label={label} hint="JSON" error={error} className="code" rows={4} value={String(value ?? '')} onChange={(e) => onChange(e.target.value)} />;
    case 'select':
      if (field.multiple) return <MultiChoice label={label} options={(field.values ?? []).map((v) => [v, v])} value={value} onChange={onChange} error={error} />;
      return <SelectField label={label} hint={hint} error={error} value={String(value ?? '')} options={[['', '(none)'], ...(field.values ?? []).map((v): [string, string] => [v, v])]} onChange={(e) => onChange(e.target.value || null)} />;
    case 'relation':
      return <RelationPicker field={field} label={label} value={value} onChange={onChange} error={error} />;
    case 'file':
      return <FileInput field={field} label={label} value={value} onChange={onChange} error={error} />;
    default:
      return (
        <TextField label={label} hint={hint} error={error} type={field.type === 'email' ? 'email' : field.type === 'url' ? 'url' : 'text'} value={String(value ?? '')}
          onChange={(e) => onChange(e.target.value)} />
      );
  }
}

function MultiChoice({ label, options, value, onChange, error }: { label: string; options: Array<[string, string]>; value: unknown; onChange: (v: unknown) => void; error?: string }) {
  const chosen = Array.isArray(value) ? (value as string[]) : [];
  return (
    <fieldset className="field" style={{ border: 0, padding: 0, margin: 0 }}>
      <legend style={{ fontWeight: 500, padding: 0 }}>{label}</legend>
      <div className="stack" style={{ gap: '0.2rem', maxHeight: 160, overflowY: 'auto' }}>
        {options.length === 0 && <span className="muted small">nothing to choose from</span>}
        {options.map(([v, text]) => (
          <Checkbox key={v} label={text} checked={chosen.includes(v)} onChange={(e) => onChange(e.target.checked ? [...chosen, v] : chosen.filter((c) => c !== v))} />
        ))}
      </div>
      {error && <span className="field-error">{error}</span>}
    </fieldset>
  );
}

/** Picks related records (or users) by id, searching the target. */
function RelationPicker({ field, label, value, onChange, error }: { field: FieldDefinition; label: string; value: unknown; onChange: (v: unknown) => void; error?: string }) {
  const { project, client } = useProject();
  const target = field.collection ?? 'users';
  const options = useQuery({
    queryKey: ['relation-options', project, target],
    queryFn: async (): Promise<Array<[string, string]>> => {
      if (target === 'users') return (await client.users.list({ limit: 200 })).items.map((u) => [u.id, u.email ?? `${u.id} (anonymous)`]);
      const def = await client.collections.get(target);
      const textField = def.fields.find((f) => f.type === 'text' || f.type === 'email')?.name;
      const { items } = await client.collection(target).list({ limit: 200, sort: '-created_at' });
      return items.map((r) => [r.id, textField ? `${cellText(r[textField])} (${r.id})` : r.id]);
    },
  });
  if (field.multiple) return <MultiChoice label={label} options={options.data ?? []} value={value} onChange={onChange} error={error ?? (options.error ? String(options.error) : undefined)} />;
  return (
    <SelectField label={label} hint={`a record of ${target}`} error={error} value={String(value ?? '')}
      options={[['', options.isPending ? 'loading…' : '(none)'], ...(options.data ?? [])]}
      onChange={(e) => onChange(e.target.value || null)} />
  );
}

/** Uploads a file to a chosen bucket and holds its `bucket/path`, with a preview for images. */
function FileInput({ field, label, value, onChange, error }: { field: FieldDefinition; label: string; value: unknown; onChange: (v: unknown) => void; error?: string }) {
  const { project, client } = useProject();
  const buckets = useQuery({ queryKey: ['buckets', project], queryFn: () => client.storage.buckets.list() });
  const [bucket, setBucket] = useState('');
  const [progress, setProgress] = useState<number | null>(null);
  const [uploadError, setUploadError] = useState<unknown>(null);
  const refs = (Array.isArray(value) ? value : value ? [value] : []) as string[];
  const chosen = bucket || buckets.data?.[0]?.name || '';
  return (
    <div className="field">
      <span style={{ fontWeight: 500 }}>{label}</span>
      {refs.map((ref) => {
        const [b, ...rest] = ref.split('/');
        const path = rest.join('/');
        return (
          <div key={ref} className="row">
            {isImage(path) && <Thumbnail client={client} bucket={b} path={path} />}
            <code className="small">{ref}</code>
            <button type="button" className="small" aria-label={`Remove file ${ref}`} onClick={() => onChange(field.multiple ? refs.filter((r) => r !== ref) : null)}>
              Remove
            </button>
          </div>
        );
      })}
      {buckets.data?.length === 0 ? (
        <span className="field-hint">Create a bucket under Storage to upload files.</span>
      ) : (
        <div className="row">
          <SelectField label={`Bucket for ${field.name}`} value={chosen} options={(buckets.data ?? []).map((b) => b.name)} onChange={(e) => setBucket(e.target.value)} />
          <div className="field">
            <label htmlFor={`file-${field.name}`}>Upload to {field.name}</label>
            <input
              id={`file-${field.name}`}
              type="file"
              onChange={async (e) => {
                const file = e.target.files?.[0];
                if (!file || !chosen) return;
                setUploadError(null);
                setProgress(0);
                try {
                  const path = `${crypto.randomUUID().slice(0, 8)}/${file.name}`;
                  const stored = await client.storage.bucket(chosen).upload(path, file, { contentType: file.type || undefined, onProgress: (loaded, total) => setProgress(total ? loaded / total : 0) });
                  const ref = `${stored.bucket}/${stored.path}`;
                  onChange(field.multiple ? [...refs, ref] : ref);
                } catch (err) {
                  setUploadError(err);
                } finally {
                  setProgress(null);
                }
              }}
            />
          </div>
        </div>
      )}
      {progress !== null && (
        <div className="progress" role="progressbar" aria-label={`Uploading to ${field.name}`} aria-valuenow={Math.round(progress * 100)} aria-valuemin={0} aria-valuemax={100}>
          <div style={{ width: `${progress * 100}%` }} />
        </div>
      )}
      <ErrorMessage error={uploadError} title="Upload failed" />
      {error && <span className="field-error">{error}</span>}
    </div>
  );
}
