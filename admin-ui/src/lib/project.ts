import { useParams } from 'react-router';
import type { BaasClient } from '@baas/sdk';
import { useAdmin } from './admin.tsx';

/** The project of the current page and its SDK client. */
export function useProject(): { project: string; client: BaasClient } {
  const { project = '' } = useParams();
  const admin = useAdmin();
  return { project, client: admin.client(project) };
}
