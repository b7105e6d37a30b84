/** @baas/sdk: the client of a baas server, for browsers and Node. */
export { createClient, BaasClient, type ClientOptions, type Health } from './client.ts';
export { BaasError, isBaasError, type BaasErrorCode } from './errors.ts';
export { AdminApi, AdminsApi, ProjectsApi, type Admin, type AdminSession, type AdminSessionInfo, type Project, type CreatedProject } from './admin.ts';
export { KeysApi, type ApiKey, type CreatedKey } from './keys.ts';
export { CollectionsApi, type CollectionInput } from './collections.ts';
export { RecordsApi, type BaasRecord, type ListOptions, type ShapeOptions } from './records.ts';
export type { CollectionDefinition, FieldDefinition, CollectionRules, IndexDefinition, ListResult, ErrorCode } from '@baas/protocol';
