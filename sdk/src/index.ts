/** @baas/sdk: the client of a baas server, for browsers and Node. */
export { createClient, BaasClient, type ClientOptions, type Health } from './client.ts';
export { BaasError, isBaasError, type BaasErrorCode } from './errors.ts';
export { filter, type FilterValue } from './filter.ts';
export type { BatchOperation, BatchResult } from './batch.ts';
export { RecordsApi, type BaasRecord, type ListOptions, type QueryOptions, type ShapeOptions, type FieldList } from './records.ts';
export type { CollectionShape, SchemaOf, UntypedSchema, UntypedCollection, UntypedRecord, ShapeOf, RecordOf, SystemFields, CollectionName } from './schema.ts';
export { AuthClient, type AuthOptions, type AuthEvent, type Session, type MailRequest } from './auth/auth.ts';
export { memoryStore, localStorageStore, type SessionStore } from './auth/stores.ts';
export { RealtimeClient, type RealtimeOptions, type RecordEvent, type SubscribeOptions, type SubscriptionTarget, type Unsubscribe, type WebSocketLike } from './realtime/realtime.ts';
export { Channel, type PresenceChange, type BroadcastMessage } from './realtime/channel.ts';
export type { WatchOptions, WatchState } from './realtime/watch.ts';
export { StorageApi, BucketsApi, Bucket, type BucketInfo, type BucketSettings, type ObjectInfo, type ObjectList, type UploadBody, type UploadOptions, type DownloadOptions, type SignedUrl, type UrlOptions } from './storage/storage.ts';
export { AdminApi, AdminsApi, ProjectsApi, BackupsApi, type BackupRun, type BackupSchedule, type Admin, type AdminSession, type AdminSessionInfo, type Project, type CreatedProject } from './admin.ts';
export { KeysApi, type ApiKey, type CreatedKey } from './keys.ts';
export { CollectionsApi, type CollectionInput } from './collections.ts';
export { UsersApi, type NewUser, type UserPatch, type UserListOptions } from './users.ts';
export { SettingsApi } from './settings.ts';
export type { CollectionDefinition, FieldDefinition, CollectionRules, IndexDefinition, ListResult, ErrorCode, AuthUser, AuthSessionInfo, SessionTokens, RealtimeChangeAction, PresenceEntry, StorageObject, StorageBucket, AuthSettings, RealtimeSettings, RuleTestInput, RuleTestResult, RuleVerdict, RealtimeStats, TestMailResult, OutboxEntry, OAuthProvider, OAuthProviderInput } from '@baas/protocol';
