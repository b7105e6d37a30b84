import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { BucketInfo, StorageObject } from '@baas/sdk';
import { sizeText } from '../../lib/format.ts';
import { useProject } from '../../lib/project.ts';
import { CopyButton } from '../../ui/copy.tsx';
import { ConfirmDialog } from '../../ui/confirm.tsx';
import { Dialog } from '../../ui/dialog.tsx';
import { Checkbox } from '../../ui/field.tsx';
import { Pager, useCursors } from '../../ui/pager.tsx';
import { Table } from '../../ui/table.tsx';
import { isImage, Thumbnail, useObjectUrl } from '../../ui/preview.tsx';
import { Empty, ErrorMessage, Loading } from '../../ui/states.tsx';

interface Upload {
  name: string;
  progress: number;
  error?: unknown;
}

/** The objects of a bucket by prefix ("folders"), with uploads (drag and drop, progress), previews, links and deletes. */
export function ObjectBrowser({ bucket }: { bucket: BucketInfo }) {
  const { project, client } = useProject();
  const queries = useQueryClient();
  const [prefix, setPrefix] = useState('');
  const cursors = useCursors();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [replace, setReplace] = useState(false);
  const [over, setOver] = useState(false);
  const [previewing, setPreviewing] = useState<StorageObject | null>(null);
  const [deleting, setDeleting] = useState<StorageObject | null>(null);
  const [link, setLink] = useState<{ path: string; url: string } | null>(null);
  const api = client.storage.bucket(bucket.name);
  const key = ['objects', project, bucket.name, prefix, cursors.cursor];
  const list = useQuery({ queryKey: key, queryFn: () => api.list({ prefix: prefix || undefined, limit: 200, cursor: cursors.cursor }) });
  const refresh = () => queries.invalidateQueries({ queryKey: ['objects', project, bucket.name] });

  // Paths under the prefix: those with a further `/` are shown as one folder each.
  const folders = new Set<string>();
  const files: StorageObject[] = [];
  for (const o of list.data?.items ?? []) {
    const rest = o.path.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash === -1) files.push(o);
    else folders.add(prefix + rest.slice(0, slash + 1));
  }

  const upload = async (picked: FileList | File[]) => {
    const list = [...picked];
    setUploads(list.map((f) => ({ name: f.name, progress: 0 })));
    await Promise.all(
      list.map(async (file, i) => {
        const update = (u: Partial<Upload>) => setUploads((all) => all.map((x, j) => (j === i ? { ...x, ...u } : x)));
        try {
          await api.upload(prefix + file.name, file, { contentType: file.type || undefined, upsert: replace, onProgress: (loaded, total) => update({ progress: total ? loaded / total : 0 }) });
          update({ progress: 1 });
        } catch (error) {
          update({ error });
        }
      }),
    );
    await refresh();
    setUploads((all) => all.filter((u) => u.error));
  };

  const sign = useMutation({
    mutationFn: async (path: string) => ({ path, url: (await api.signedUrl(path, { expiresIn: 3600 })).url }),
    onSuccess: setLink,
  });
  const downloadObject = async (o: StorageObject) => {
    const { token } = await api.signedUrl(o.path, { expiresIn: 60 });
    window.location.assign(api.url(o.path, { token, download: true }));
  };

  const crumbs = prefix.split('/').filter(Boolean);
  return (
    <section className="panel stack" aria-labelledby="objects-head">
      <div className="panel-head">
        <h2 id="objects-head">Files</h2>
        <nav aria-label="Folder" className="row small">
          <button type="button" className="small ghost" onClick={() => { setPrefix(''); cursors.reset(); }}>
            {bucket.name}
          </button>
          {crumbs.map((c, i) => (
            <span key={i} className="row">
              /
              <button type="button" className="small ghost" onClick={() => { setPrefix(crumbs.slice(0, i + 1).join('/') + '/'); cursors.reset(); }}>
                {c}
              </button>
            </span>
          ))}
        </nav>
      </div>
      <div
        className="dropzone"
        data-over={over}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          if (e.dataTransfer.files.length) void upload(e.dataTransfer.files);
        }}
      >
        <p style={{ margin: '0 0 0.5rem' }}>Drop files here to upload them to <code>{bucket.name}/{prefix}</code>, or</p>
        <div className="row" style={{ justifyContent: 'center' }}>
          <label className="button primary" htmlFor="upload-input">
            Choose files
          </label>
          <input id="upload-input" className="sr-only" type="file" multiple aria-label="Upload files" onChange={(e) => e.target.files && void upload(e.target.files)} />
          <Checkbox label="Replace files with the same name" checked={replace} onChange={(e) => setReplace(e.target.checked)} />
        </div>
        <p className="small" style={{ margin: '0.5rem 0 0' }}>
          {bucket.maxSize ? `Up to ${sizeText(bucket.maxSize)} each` : 'Any size up to the server limit'}
          {bucket.allowedTypes ? `; ${bucket.allowedTypes.join(', ')}` : '; any type'}
        </p>
      </div>
      {uploads.map((u) => (
        <div key={u.name} className="stack" style={{ gap: '0.25rem' }}>
          <span className="small">{u.name}</span>
          {u.error ? (
            <ErrorMessage error={u.error} title={`Could not upload ${u.name}`} />
          ) : (
            <div className="progress" role="progressbar" aria-label={`Uploading ${u.name}`} aria-valuenow={Math.round(u.progress * 100)} aria-valuemin={0} aria-valuemax={100}>
              <div style={{ width: `${u.progress * 100}%` }} />
            </div>
          )}
        </div>
      ))}
      {list.isPending && <Loading label="Loading files…" />}
      <ErrorMessage error={list.error} title="Could not list the files" />
      {list.data && folders.size === 0 && files.length === 0 && <Empty title={prefix ? 'This folder is empty' : 'No files yet'}>Upload one above.</Empty>}
      {(folders.size > 0 || files.length > 0) && (
        <Table label={`Files in ${bucket.name}/${prefix}`} columns={[<span className="sr-only">Preview</span>, 'Name', 'Size', 'Type', 'Updated']} actions>
              {[...folders].map((f) => (
                <tr key={f}>
                  <td aria-hidden="true">📁</td>
                  <td colSpan={5}>
                    <button type="button" className="small ghost" onClick={() => { setPrefix(f); cursors.reset(); }}>
                      {f.slice(prefix.length)}
                    </button>
                  </td>
                </tr>
              ))}
              {files.map((o) => (
                <tr key={o.path}>
                  <td>{isImage(o.contentType) ? <Thumbnail client={client} bucket={bucket.name} path={o.path} /> : <span className="thumb" aria-hidden="true" />}</td>
                  <td className="cell" title={o.path}>{o.path.slice(prefix.length)}</td>
                  <td>{sizeText(o.size)}</td>
                  <td className="small">{o.contentType}</td>
                  <td className="small">{new Date(o.updatedAt).toLocaleString()}</td>
                  <td className="actions-cell">
                    <span className="row" style={{ flexWrap: 'nowrap', justifyContent: 'flex-end' }}>
                      {isImage(o.contentType) && (
                        <button type="button" className="small" aria-label={`Preview ${o.path}`} onClick={() => setPreviewing(o)}>
                          Preview
                        </button>
                      )}
                      <button type="button" className="small" aria-label={`Download ${o.path}`} onClick={() => void downloadObject(o)}>
                        Download
                      </button>
                      <button type="button" className="small" aria-label={`Signed link to ${o.path}`} onClick={() => sign.mutate(o.path)}>
                        Link
                      </button>
                      <button type="button" className="small danger" aria-label={`Delete ${o.path}`} onClick={() => setDeleting(o)}>
                        Delete
                      </button>
                    </span>
                  </td>
                </tr>
              ))}
        </Table>
      )}
      {(cursors.page > 1 || list.data?.nextCursor) && <Pager cursors={cursors} nextCursor={list.data?.nextCursor} />}
      <ErrorMessage error={sign.error} title="Could not sign a link" />
      {link && (
        <Dialog title={`Signed link to ${link.path}`} onClose={() => setLink(null)}>
          <div className="stack">
            <p>Anyone with this link can read the file for one hour.</p>
            <div className="secret">
              <code>{link.url}</code>
              <CopyButton text={link.url} label="Copy link" />
            </div>
          </div>
        </Dialog>
      )}
      {previewing && <Preview object={previewing} onClose={() => setPreviewing(null)} />}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.path}`}
          action="Delete file"
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api.remove(deleting.path);
            await refresh();
          }}
        >
          The file is deleted; records that refer to it keep the reference.
        </ConfirmDialog>
      )}
    </section>
  );
}

function Preview({ object, onClose }: { object: StorageObject; onClose: () => void }) {
  const { client } = useProject();
  const url = useObjectUrl(client, object.bucket, object.path, 1200);
  return (
    <Dialog title={object.path} onClose={onClose} wide>
      {url.isPending && <Loading />}
      <ErrorMessage error={url.error} title="Could not load the preview" />
      {url.data && <img className="preview-img" src={url.data} alt={`Preview of ${object.path}`} />}
      <p className="muted small">
        {sizeText(object.size)} · {object.contentType} · sha256 <code>{object.sha256.slice(0, 16)}…</code>
      </p>
    </Dialog>
  );
}
