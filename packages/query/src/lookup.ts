import type { CollectionDefinition } from '@baas/protocol';
import type { FieldInfo, SchemaLookup } from './index.ts';

/**
 * The fields of the built-in `users` collection that rules, filters and
 * relation paths may read. Email and profile data are left out on purpose: a
 * filter over a relation could otherwise probe other users' emails.
 */
const userFields: Record<string, FieldInfo> = {
  id: { type: 'text' },
  verified: { type: 'boolean' },
  anonymous: { type: 'boolean' },
  role: { type: 'text' },
  created_at: { type: 'date' },
  updated_at: { type: 'date' },
};

/**
 * The users fields the service role may filter and sort on in `GET /users`:
 * the rule-visible ones plus the private ones. Never used for rules.
 */
const serviceUserFields: Record<string, FieldInfo> = {
  ...userFields,
  email: { type: 'email' },
  disabled: { type: 'boolean' },
  last_sign_in_at: { type: 'date' },
};

/**
 * A SchemaLookup over fixed tables of fields by collection (the storage
 * object, the realtime channel, the service role's user list): own
 * properties only, so a field named `constructor` finds nothing.
 */
export function tableSchema(tables: Record<string, Record<string, FieldInfo>>): SchemaLookup {
  return {
    field(collection, name) {
      const fields = Object.hasOwn(tables, collection) ? tables[collection] : undefined;
      return fields && Object.hasOwn(fields, name) ? fields[name] : undefined;
    },
  };
}

/** The lookup of the service role's user list: collection `users` only. */
export const serviceUsersLookup: SchemaLookup = tableSchema({ users: serviceUserFields });

const usersLookup = tableSchema({ users: userFields });

const systemFields: Record<string, FieldInfo> = {
  id: { type: 'text' },
  created_at: { type: 'date' },
  updated_at: { type: 'date' },
};

const lookups = new WeakMap<ReadonlyMap<string, CollectionDefinition>, SchemaLookup>();

/**
 * The SchemaLookup over a project's collections, for the query compiler: one
 * per catalog, so what `compile` caches against it lives as long as the catalog.
 */
export function schemaLookup(collections: ReadonlyMap<string, CollectionDefinition>): SchemaLookup {
  let lookup = lookups.get(collections);
  if (!lookup) lookups.set(collections, (lookup = catalogLookup(collections)));
  return lookup;
}

function catalogLookup(collections: ReadonlyMap<string, CollectionDefinition>): SchemaLookup {
  return {
    field(collection, name) {
      if (collection === 'users') return usersLookup.field(collection, name);
      const def = collections.get(collection);
      if (!def) return undefined;
      // Own properties only: a field named `constructor` must not find Object.prototype's.
      if (Object.hasOwn(systemFields, name)) return systemFields[name];
      const field = def.fields.find((f) => f.name === name);
      return field && { type: field.type, multiple: field.multiple, collection: field.collection };
    },
  };
}
