import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../../services/index.ts';
import { bucketRoutes } from './buckets.ts';
import { objectRoutes } from './objects.ts';
import { signRoutes } from './sign.ts';

/** Everything under /v1/projects/:project/storage. */
export async function storageRoutes(app: FastifyInstance, services: Services): Promise<void> {
  bucketRoutes(app, services);
  signRoutes(app, services);
  await objectRoutes(app, services);
}
