import { useEffect, useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { flexRender, getCoreRowModel, useReactTable, type ColumnDef } from '@tanstack/react-table';
import type { BaasRecord, CollectionDefinition, ListResult } from '@baas/sdk';
import { schemaLookup } from '@baas/query';
import { useProject } from '../../lib/project.ts';
import { PageHead } from '../../shell.tsx';
import { ConfirmDialog } from '../../ui/confirm.tsx';
import { Checkbox, SelectField } from '../../ui/field.tsx';
import { Pager, useCursors } from '../../ui/pager.tsx';
import { expressionProblem, ProblemText, type ExpressionProblem } from '../../ui/rule-input.tsx';
import { Empty, ErrorMessage, Loading } from '../../ui/states.tsx';
import { cellText, download, toCsv } from './format.ts';
import { GroupByPanel } from './group-by.tsx';
import { RecordForm } from './record-form.tsx';

type Row = BaasRecord & { expand?: Record<string, unknown> };
/** Rows a live event touched: `new` flash once, `gone` stay greyed until the next fetch. */
type Marks = Record<string, 'new' | 'gone'>;

/** The records of a collection: a sortable table, a filter bar, keyset pages, forms, bulk delete, export, live updates. */
export default function RecordsPage() {
  const { name = '' } = useParams();
  const { project, client } = useProject();
  const collections = useQuery({ queryKey: ['collections', project], queryFn: () => client.collections.list() });
  if (collections.isPending) return <Loading />;
  if (collections.error) return <ErrorMessage error={collections.error} title="Could not load the collection" />;
  const collection = collections.data.find((c) => c.name === name);
  if (!collection) return <ErrorMessage error={new Error(`no collection '${name}' in ${project}`)} title="Not found" />;
  return <RecordsBrowser key={name} collection={collection} all={collections.data} />;
}

function RecordsBrowser({ collection, all }: { collection: CollectionDefinition; all: CollectionDefinition[] }) {
  const { project, client } = useProject();
  const queries = useQueryClient();
  const [params, setParams] = useSearchParams();
  const filter = params.get('filter') ?? '';
  const search = params.get('search') ?? '';
  // A search ranks by relevance until a column is sorted.
  const sort = params.get('sort') ?? (search ? '' : '-created_at');
  const perPage = Number(params.get('perPage') ?? 30);
  const [draft, setDraft] = useState(filter);
  const [searchDraft, setSearchDraft] = useState(search);
  const [grouping, setGrouping] = useState(false);
  const searchable = (collection.search?.length ?? 0) > 0;
  const cursors = useCursors();
  const [expand, setExpand] = useState(false);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [editing, setEditing] = useState<Row | 'new' | null>(null);
  const [deleting, setDeleting] = useState<string[] | null>(null);
  const [marks, setMarks] = useState<Marks>({});
  const [unseen, setUnseen] = useState(0);
  const [liveError, setLiveError] = useState<unknown>(null);
  const records = client.collection(collection.name);
  const relations = collection.fields.filter((f) => f.type === 'relation').map((f) => f.name);
  const { cursor } = cursors;
  const key = ['records', project, collection.name, { filter, search, sort, perPage, cursor, expand }];

  const list = useQuery({
    queryKey: key,
    queryFn: () =>
      records.list({
        filter: filter || undefined,
        search: search || undefined,
        sort: sort || undefined,
        limit: perPage,
        cursor,
        count: true,
        expand: expand && relations.length ? relations : undefined,
      }),
    placeholderData: keepPreviousData,
  });
  // Marks belong to the rows of one view; live patches keep them, a new view starts clean.
  const view = JSON.stringify(key);
  useEffect(() => setMarks({}), [view]);

  // Live: rows change in place; new records join the first page, or are counted when the user is elsewhere.
  useEffect(() => {
    setLiveError(null);
    const firstPage = cursor === undefined && sort === '-created_at' && !search;
    return records.subscribe(
      filter ? { filter } : '*',
      (event) => {
        const record = event.record as Row;
        const patch = (fn: (items: Row[]) => Row[], total = 0) =>
          queries.setQueryData<ListResult<Row>>(key, (old) => old && { ...old, items: fn(old.items), total: old.total === undefined ? undefined : old.total + total });
        if (event.action === 'create' || event.action === 'enter') {
          if (firstPage) {
            patch((items) => [record, ...items.filter((r) => r.id !== record.id)].slice(0, perPage), 1);
            setMarks((m) => ({ ...m, [record.id]: 'new' }));
          } else setUnseen((n) => n + 1);
        } else if (event.action === 'update') {
          patch((items) => items.map((r) => (r.id === record.id ? { ...record, expand: r.expand } : r)));
          setMarks((m) => ({ ...m, [record.id]: 'new' }));
        } else {
          setMarks((m) => ({ ...m, [record.id]: 'gone' }));
        }
      },
      { onError: setLiveError },
    );
    // One subscription per view: `key` and `records` derive from these.
  }, [project, collection.name, filter, search, sort, perPage, cursor, expand]);

  const lookup = useMemo(() => schemaLookup(new Map(all.map((c) => [c.name, c] as const))), [all]);
  const localProblem = useMemo(() => expressionProblem(draft, lookup, collection.name), [draft, lookup, collection.name]);
  const serverProblem: ExpressionProblem | undefined =
    list.error && ['invalid_filter', 'invalid_sort'].includes((list.error as { code?: string }).code ?? '')
      ? { message: (list.error as Error).message, position: (list.error as { details?: { position?: number } }).details?.position }
      : undefined;

  const setQuery = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next, { replace: true });
    cursors.reset();
    setSelected(new Set());
    setUnseen(0);
  };
  const toggleSort = (column: string) => setQuery({ sort: sort === column ? `-${column}` : sort === `-${column}` ? column : `-${column}` });
  const items = list.data?.items ?? [];
  const columnNames = ['id', ...collection.fields.map((f) => f.name), 'created_at', 'updated_at'];

  const columns = useMemo<ColumnDef<Row>[]>(() => {
    const sortable = (name: string) => {
      const f = collection.fields.find((x) => x.name === name);
      return !f || (f.type !== 'json' && !f.multiple);
    };
    const data: ColumnDef<Row>[] = columnNames.map((name) => ({
      id: name,
      header: () => {
        const dir = sort === name ? 'ascending' : sort === `-${name}` ? 'descending' : undefined;
        if (!sortable(name)) return name;
        return (
          <button type="button" className="sort" onClick={() => toggleSort(name)} aria-label={`Sort by ${name}${dir ? ` (now ${dir})` : ''}`}>
            {name} {dir === 'ascending' ? '▲' : dir === 'descending' ? '▼' : ''}
          </button>
        );
      },
      cell: ({ row }) => {
        const value = row.original[name];
        const expanded = row.original.expand?.[name];
        const text = cellText(value);
        const isDate = name === 'created_at' || name === 'updated_at' || collection.fields.find((f) => f.name === name)?.type === 'date';
        return (
          <span title={text}>
            {name === 'id' ? <code>{text}</code> : isDate && text ? <time dateTime={text}>{new Date(text).toLocaleString()}</time> : text}
            {expanded !== undefined && <span className="muted small"> → {summaryOf(expanded)}</span>}
          </span>
        );
      },
    }));
    return [
      {
        id: 'select',
        header: () => (
          <input
            type="checkbox"
            aria-label="Select all records on this page"
            checked={items.length > 0 && items.every((r) => selected.has(r.id))}
            onChange={(e) => setSelected(e.target.checked ? new Set(items.map((r) => r.id)) : new Set())}
          />
        ),
        cell: ({ row }) => (
          <input
            type="checkbox"
            aria-label={`Select record ${row.original.id}`}
            checked={selected.has(row.original.id)}
            onChange={(e) => {
              const next = new Set(selected);
              if (e.target.checked) next.add(row.original.id);
              else next.delete(row.original.id);
              setSelected(next);
            }}
          />
        ),
      },
      ...data,
      {
        id: 'actions',
        header: () => <span className="sr-only">Actions</span>,
        cell: ({ row }) => (
          <span className="row" style={{ flexWrap: 'nowrap' }}>
            <button type="button" className="small" aria-label={`Edit record ${row.original.id}`} onClick={() => setEditing(row.original)}>
              Edit
            </button>
            <button type="button" className="small danger" aria-label={`Delete record ${row.original.id}`} onClick={() => setDeleting([row.original.id])}>
              Delete
            </button>
          </span>
        ),
      },
    ];
    // The header and cell renderers close over these; the rest of the page state does not change the columns.
  }, [collection, sort, items, selected]);
  const table = useReactTable({ data: items, columns, getCoreRowModel: getCoreRowModel(), getRowId: (r) => r.id, manualSorting: true });

  const exportAs = (format: 'json' | 'csv') => {
    const base = `${project}-${collection.name}`;
    if (format === 'json') download(`${base}.json`, JSON.stringify(items, null, 2), 'application/json');
    else download(`${base}.csv`, toCsv(items, columnNames), 'text/csv');
  };

  return (
    <>
      <PageHead
        title={collection.name}
        subtitle={
          <>
            {list.data?.total !== undefined ? `${list.data.total} record${list.data.total === 1 ? '' : 's'}${search ? ' match' : filter ? ' match the filter' : ''}` : ' '}
            {' · '}
            <Link to={`/p/${project}/collections/${collection.name}/schema`}>Schema &amp; rules</Link>
          </>
        }
      >
        <button type="button" aria-pressed={grouping} onClick={() => setGrouping(!grouping)}>
          Group by
        </button>
        <button type="button" onClick={() => exportAs('json')} disabled={!items.length}>
          Export JSON
        </button>
        <button type="button" onClick={() => exportAs('csv')} disabled={!items.length}>
          Export CSV
        </button>
        <button type="button" className="primary" onClick={() => setEditing('new')}>
          New record
        </button>
      </PageHead>

      <form
        className="toolbar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ filter: draft.trim() || undefined, search: searchDraft.trim() || undefined });
        }}
      >
        {searchable && (
          <div className="field">
            <label htmlFor="records-search">Search</label>
            <input
              id="records-search"
              type="search"
              placeholder={`words in ${collection.search!.join(', ')}`}
              value={searchDraft}
              onChange={(e) => setSearchDraft(e.target.value)}
            />
          </div>
        )}
        <div className="field grow">
          <label htmlFor="records-filter">Filter</label>
          <input
            id="records-filter"
            className="code"
            placeholder="status = 'open' && votes > 3"
            value={draft}
            spellCheck={false}
            aria-invalid={localProblem || serverProblem ? true : undefined}
            aria-describedby="records-filter-problem"
            onChange={(e) => setDraft(e.target.value)}
          />
        </div>
        <button type="submit" className="primary">
          {searchable ? 'Apply' : 'Apply filter'}
        </button>
        {(filter || search) && (
          <button
            type="button"
            onClick={() => {
              setDraft('');
              setSearchDraft('');
              setQuery({ filter: undefined, search: undefined });
            }}
          >
            {searchable ? 'Clear' : 'Clear filter'}
          </button>
        )}
        <SelectField label="Per page" value={String(perPage)} options={['30', '100', '500']} onChange={(e) => setQuery({ perPage: e.target.value === '30' ? undefined : e.target.value })} />
        {relations.length > 0 && <Checkbox label="Expand relations" checked={expand} onChange={(e) => setExpand(e.target.checked)} />}
      </form>
      <div id="records-filter-problem">
        {(localProblem ?? (draft === filter ? serverProblem : undefined)) && <ProblemText source={draft} problem={(localProblem ?? serverProblem)!} />}
      </div>
      {!serverProblem && <ErrorMessage error={list.error} title="Could not load the records" />}
      {grouping && <GroupByPanel collection={collection} filter={filter} search={search} />}
      {liveError !== null && <ErrorMessage error={liveError} title="Live updates are off for this view" />}
      {unseen > 0 && (
        <div className="alert alert-ok row" role="status">
          {unseen} new record{unseen === 1 ? '' : 's'} since this page loaded.
          <button type="button" className="small" onClick={() => setQuery({})}>
            Show newest
          </button>
        </div>
      )}
      {selected.size > 0 && (
        <div className="row" style={{ margin: '0.5rem 0' }}>
          <span>{selected.size} selected</span>
          <button type="button" className="danger small" onClick={() => setDeleting([...selected])}>
            Delete selected
          </button>
        </div>
      )}
      {list.isPending && <Loading label="Loading records…" />}
      {list.data && items.length === 0 && (
        <Empty title={filter || search ? 'No record matches' : 'No records yet'}>{filter || search ? 'Change or clear the filter and search.' : 'Create one here or through the API.'}</Empty>
      )}
      {items.length > 0 && (
        <div className="table-wrap sticky-actions" aria-busy={list.isFetching}>
          <table aria-label={`Records of ${collection.name}`}>
            <thead>
              {table.getHeaderGroups().map((group) => (
                <tr key={group.id}>
                  {group.headers.map((h) => (
                    <th key={h.id} scope="col" aria-sort={sort === h.id ? 'ascending' : sort === `-${h.id}` ? 'descending' : undefined}>
                      {flexRender(h.column.columnDef.header, h.getContext())}
                    </th>
                  ))}
                </tr>
              ))}
            </thead>
            <tbody>
              {table.getRowModel().rows.map((row) => (
                <tr key={row.id} className={marks[row.id] === 'new' ? 'flash' : marks[row.id] === 'gone' ? 'gone' : undefined}>
                  {row.getVisibleCells().map((cell) => (
                    <td key={cell.id} className={cell.column.id === 'actions' ? 'actions-cell' : 'cell'}>
                      {flexRender(cell.column.columnDef.cell, cell.getContext())}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager cursors={cursors} nextCursor={list.data?.nextCursor} total={list.data?.total} perPage={perPage} />

      {editing && (
        <RecordForm
          collection={collection}
          record={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(null)}
          onSaved={() => void queries.invalidateQueries({ queryKey: ['records', project, collection.name] })}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={deleting.length === 1 ? `Delete record ${deleting[0]}` : `Delete ${deleting.length} records`}
          action="Delete"
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            // One atomic batch (at most 100 operations each): all of a chunk go, or none.
            for (let i = 0; i < deleting.length; i += 100) {
              await client.batch(deleting.slice(i, i + 100).map((id) => ({ action: 'delete' as const, collection: collection.name, id })));
            }
            setSelected(new Set());
            await queries.invalidateQueries({ queryKey: ['records', project, collection.name] });
          }}
        >
          {deleting.length === 1 ? 'The record is deleted for good.' : 'These records are deleted for good.'}
        </ConfirmDialog>
      )}
    </>
  );
}

function summaryOf(expanded: unknown): string {
  const one = (r: unknown) => {
    const rec = r as Record<string, unknown>;
    const text = Object.entries(rec).find(([k, v]) => typeof v === 'string' && !['id', 'created_at', 'updated_at'].includes(k))?.[1];
    return String(text ?? rec.email ?? rec.id);
  };
  return Array.isArray(expanded) ? expanded.map(one).join(', ') : one(expanded);
}
