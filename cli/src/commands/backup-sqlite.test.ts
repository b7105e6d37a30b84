import t from 'tap';
import { backupFlow } from '../../test/backup-flow.ts';

// `baas backup` under writes and `baas restore` as real processes, on SQLite files.
t.test('backup under writes, restore into a fresh directory, and one project into another instance [sqlite]', (t) => backupFlow(t, { name: 'sqlite' }));
