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

/** The lookup of the service role's user list: collection `users` only. */
export const serviceUsersLookup: SchemaLookup = {
  field(collection, name) {
    return collection === 'users' && Object.hasOwn(serviceUserFields, name) ? serviceUserFields[name] : undefined;
  },
};

const systemFields: Record<string, FieldInfo> = {
  id: { type: 'text' },
  created_at: { type: 'date' },
  updated_at: { type: 'date' },
};

/** A SchemaLookup over a project's collections, for the query compiler. */
export function schemaLookup(collections: ReadonlyMap<string, CollectionDefinition>): SchemaLookup {
  return {
    field(collection, name) {
      // Own properties only: a field named `constructor` must not find Object.prototype's.
      if (collection === 'users') return Object.hasOwn(userFields, name) ? userFields[name] : undefined;
      const def = collections.get(collection);
      if (!def) return undefined;
      if (Object.hasOwn(systemFields, name)) return systemFields[name];
      const field = def.fields.find((f) => f.name === name);
      return field && { type: field.type, multiple: field.multiple, collection: field.collection };
    },
  };
}
