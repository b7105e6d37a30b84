// Run once, on a server, with the project's secret key (the service role):
//   BAAS_KEY=sk_... npx tsx examples/todo/setup.ts
import { createClient, type BaasClient } from '@baas/sdk';

/** Who may do what: each user sees and changes only their own todos and files. */
const mine = 'auth.id != null && owner = auth.id';

/** Creates the `todos` collection and the `attachments` bucket. */
export async function setUp(admin: BaasClient): Promise<void> {
  await admin.collections.create({
    name: 'todos',
    fields: [
      { name: 'title', type: 'text', required: true, max: 200 },
      { name: 'done', type: 'boolean', nullable: false, default: false },
      { name: 'owner', type: 'relation', collection: 'users', required: true },
      { name: 'attachment', type: 'file' },
    ],
    indexes: [{ fields: ['owner', 'created_at'] }],
    rules: {
      list: mine,
      view: mine,
      create: mine,
      // Nobody hands a todo to someone else.
      update: `${mine} && (request.data.owner = null || request.data.owner = auth.id)`,
      delete: mine,
    },
  });
  await admin.storage.buckets.create({
    name: 'attachments',
    maxSize: 10 * 1024 * 1024,
    // Each user's files live under their own id: nobody can take another user's path first.
    rules: { read: 'auth.id != null && object.owner = auth.id', write: 'auth.id != null && segment(object.path, 0) = auth.id && object.owner = auth.id' },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const key = process.env.BAAS_KEY;
  if (!key) throw new Error('set BAAS_KEY to the project secret key that `baas init` printed');
  const admin = createClient({ url: process.env.BAAS_URL ?? 'http://127.0.0.1:8787', project: process.env.BAAS_PROJECT ?? 'app', key });
  await setUp(admin);
  console.log('created the todos collection and the attachments bucket');
}
