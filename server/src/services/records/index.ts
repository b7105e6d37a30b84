/** Records of user collections: reads through rules, writes with the change log. */
export { listRecords, type ListOptions } from './list.ts';
export { getRecord } from './get.ts';
export { createRecord, updateRecord, deleteRecord, expandOne } from './write.ts';
