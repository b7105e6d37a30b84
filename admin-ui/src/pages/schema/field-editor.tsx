import { fieldTypes, type FieldDefinition, type FieldType } from '@baas/protocol';
import { Checkbox, SelectField, TextField } from '../../ui/field.tsx';

/** A field as the editor holds it: the definition, with option inputs as typed text. */
export interface DraftField {
  /** Stable key for React (the server id when the field exists). */
  key: string;
  def: FieldDefinition;
  defaultText: string;
  valuesText: string;
}

const lengthTypes: FieldType[] = ['text', 'email', 'url'];
const rangeTypes: FieldType[] = ['number', 'integer'];
const multipleTypes: FieldType[] = ['select', 'relation', 'file'];

/** The editor's copy of a stored field. */
export function draftOf(def: FieldDefinition): DraftField {
  return {
    key: def.id ?? crypto.randomUUID(),
    def,
    defaultText: def.default === undefined ? '' : typeof def.default === 'string' ? def.default : JSON.stringify(def.default),
    valuesText: (def.values ?? []).join(', '),
  };
}

/** The definition to send: options that do not apply to the type left out, typed text parsed. */
export function definitionOf(draft: DraftField): FieldDefinition {
  const { def } = draft;
  const out: FieldDefinition = { ...(def.id ? { id: def.id } : {}), name: def.name.trim(), type: def.type };
  if (def.required) out.required = true;
  if (def.unique) out.unique = true;
  if (def.nullable === false) out.nullable = false;
  if (lengthTypes.includes(def.type) || rangeTypes.includes(def.type) || def.type === 'date' || def.multiple) {
    if (def.min !== undefined && def.min !== '') out.min = def.type === 'date' && !def.multiple ? def.min : Number(def.min);
    if (def.max !== undefined && def.max !== '') out.max = def.type === 'date' && !def.multiple ? def.max : Number(def.max);
  }
  if (def.type === 'text' && def.pattern) out.pattern = def.pattern;
  if (def.type === 'select') out.values = draft.valuesText.split(',').map((v) => v.trim()).filter(Boolean);
  if (multipleTypes.includes(def.type) && def.multiple) out.multiple = true;
  if (def.type === 'relation') out.collection = def.collection ?? 'users';
  if (draft.defaultText.trim() !== '') out.default = parseDefault(draft.defaultText, def);
  return out;
}

/** A default as the type wants it: text stays text, anything else is read as JSON when it parses. */
function parseDefault(text: string, def: FieldDefinition): unknown {
  const plain = !def.multiple && (def.type === 'text' || def.type === 'email' || def.type === 'url' || def.type === 'select' || def.type === 'date');
  if (plain) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** One field of the schema editor: name, type, and the options of that type. */
export function FieldEditor({ draft, stored, collections, onChange, onRemove, problem }: {
  draft: DraftField;
  /** The saved version of the field (its type and multiplicity cannot change). */
  stored?: FieldDefinition;
  collections: string[];
  onChange: (draft: DraftField) => void;
  onRemove: () => void;
  problem?: string;
}) {
  const { def } = draft;
  const set = (patch: Partial<FieldDefinition>) => onChange({ ...draft, def: { ...def, ...patch } });
  const label = def.name || 'new field';
  const isLength = lengthTypes.includes(def.type);
  const isRange = rangeTypes.includes(def.type) || def.type === 'date';
  return (
    <div className="field-row" role="group" aria-label={`Field ${label}`}>
      <div className="field-row-head">
        <TextField
          label="Field name"
          value={def.name}
          onChange={(e) => set({ name: e.target.value })}
          required
          pattern="[a-z][a-z0-9_]{0,62}"
          error={problem}
          hint={stored && stored.name !== def.name ? `renamed from ${stored.name}: the data stays` : undefined}
        />
        <SelectField
          label="Type"
          value={def.type}
          disabled={!!stored}
          hint={stored ? 'fixed once saved' : undefined}
          options={[...fieldTypes]}
          onChange={(e) => set({ type: e.target.value as FieldType })}
        />
        <button type="button" className="danger" aria-label={`Remove field ${label}`} onClick={onRemove}>
          Remove
        </button>
      </div>
      <div className="field-options">
        <Checkbox label="Required" checked={!!def.required} onChange={(e) => set({ required: e.target.checked })} />
        <Checkbox label="Unique" checked={!!def.unique} onChange={(e) => set({ unique: e.target.checked })} />
        <Checkbox label="Nullable" checked={def.nullable !== false && !def.required} disabled={!!def.required} onChange={(e) => set({ nullable: e.target.checked })} />
        {multipleTypes.includes(def.type) && (
          <Checkbox label="Multiple values" checked={!!def.multiple} disabled={!!stored} onChange={(e) => set({ multiple: e.target.checked })} />
        )}
      </div>
      <div className="field-options">
        {def.type === 'select' && (
          <TextField label="Values" hint="comma-separated" value={draft.valuesText} onChange={(e) => onChange({ ...draft, valuesText: e.target.value })} />
        )}
        {def.type === 'relation' && (
          <SelectField
            label="Points to"
            value={def.collection ?? 'users'}
            disabled={!!stored}
            options={[['users', 'users (the project’s users)'], ...collections.map((c): [string, string] => [c, c])]}
            onChange={(e) => set({ collection: e.target.value })}
          />
        )}
        {(isLength || isRange || def.multiple) && (
          <>
            <TextField
              label={def.multiple ? 'Min items' : isLength ? 'Min length' : 'Min'}
              value={String(def.min ?? '')}
              type={def.type === 'date' && !def.multiple ? 'text' : 'number'}
              placeholder={def.type === 'date' && !def.multiple ? '2026-01-01T00:00:00.000Z' : undefined}
              onChange={(e) => set({ min: e.target.value === '' ? undefined : e.target.value })}
            />
            <TextField
              label={def.multiple ? 'Max items' : isLength ? 'Max length' : 'Max'}
              value={String(def.max ?? '')}
              type={def.type === 'date' && !def.multiple ? 'text' : 'number'}
              onChange={(e) => set({ max: e.target.value === '' ? undefined : e.target.value })}
            />
          </>
        )}
        {def.type === 'text' && <TextField label="Pattern" className="code" hint="a regular expression the whole value matches" value={def.pattern ?? ''} onChange={(e) => set({ pattern: e.target.value || undefined })} />}
        <TextField
          label="Default"
          className="code"
          hint={def.type === 'json' || def.multiple || def.type === 'boolean' || rangeTypes.includes(def.type) ? 'JSON: 0, true, ["a"]…' : 'used when a create leaves the field out'}
          value={draft.defaultText}
          onChange={(e) => onChange({ ...draft, defaultText: e.target.value })}
        />
      </div>
    </div>
  );
}
