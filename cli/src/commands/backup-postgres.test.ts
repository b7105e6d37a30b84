import t from 'tap';
import { postgresUrl } from '@baas/testkit';
import { backupFlow } from '../../test/backup-flow.ts';

// `baas backup` under writes and `baas restore` as real processes, on PostgreSQL.
const url = postgresUrl();
t.test('backup under writes, restore into a fresh database, and one project into another instance [postgres]', { skip: url ? false : 'no PostgreSQL (BAAS_TEST_DATABASE_URL)' }, (t) =>
  backupFlow(t, { name: 'postgres', databaseUrl: url }));
