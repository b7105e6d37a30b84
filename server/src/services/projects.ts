import type { ProjectInfo, ProjectRegistry } from '../db/registry.ts';
import { ApiError } from '../errors.ts';
import { projectIdPattern } from '../ids.ts';
import { insertKey, type ApiKey } from './keys.ts';


/** Creating, listing and deleting projects (instance admins only). */
export class ProjectsService {
  constructor(private readonly registry: ProjectRegistry) {}

  list(): Promise<ProjectInfo[]> {
    return this.registry.list();
  }

  /** Creates a project with its first secret key, returned once in full. */
  async create(id: string, name?: string): Promise<{ project: ProjectInfo; keys: Array<ApiKey & { secret: string }> }> {
    if (!projectIdPattern.test(id)) {
      throw new ApiError('validation_failed', 'invalid project id', {
        fields: { id: { code: 'invalid_id', message: 'lowercase letters, digits, - and _, starting with a letter, at most 40' } },
      });
    }
    if (await this.registry.get(id)) throw new ApiError('conflict', `project '${id}' exists`);
    const handle = await this.registry.create(id, name?.trim() || id);
    const key = await insertKey(handle.db, 'default');
    return { project: { id: handle.id, name: handle.name, createdAt: handle.createdAt }, keys: [key] };
  }

  async delete(id: string): Promise<void> {
    if (!(await this.registry.delete(id))) throw new ApiError('project_not_found', `no project '${id}'`);
  }
}
