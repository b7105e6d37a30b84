/** Records of user collections: reads through rules, writes with the change log. */
export { listRecords, listRecordsOf, type ListOptions } from './list.ts';
export { getRecord, getRecordOf } from './get.ts';
export { accessCollection, type CollectionAccess } from './access.ts';
export { createRecord, updateRecord, deleteRecord, expandOne } from './write.ts';
