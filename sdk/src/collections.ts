import type { CollectionDefinition, CollectionRules, FieldDefinition, IndexDefinition, RuleTestInput, RuleTestResult } from '@baas/protocol';
import type { Transport } from './http.ts';
import { pathOf } from './http.ts';

/** What `collections.create` and `collections.update` accept: a definition, parts of it optional. */
export interface CollectionInput {
  name?: string;
  fields?: FieldDefinition[];
  rules?: Partial<CollectionRules>;
  indexes?: IndexDefinition[];
  /** The text fields full-text search reads, most important first; null makes the collection unsearchable. */
  search?: string[] | null;
}

/** Collection definitions (schema) of the client's project: service role or admin. */
export class CollectionsApi {
  constructor(
    private readonly http: Transport,
    private readonly base: () => string,
  ) {}

  /** Every collection of the project. */
  async list(): Promise<CollectionDefinition[]> {
    return (await this.http.request<{ items: CollectionDefinition[] }>('GET', `${this.base()}/collections`)).items;
  }

  /** One collection by name. */
  get(name: string): Promise<CollectionDefinition> {
    return this.http.request('GET', `${this.base()}/collections${pathOf(name)}`);
  }

  /** Creates a collection (and its table). */
  create(definition: CollectionInput & { name: string }): Promise<CollectionDefinition> {
    return this.http.request('POST', `${this.base()}/collections`, { body: definition });
  }

  /**
   * Changes a collection: rename, fields (matched by `id` across a rename), rules, indexes.
   * Removing fields that hold data fails with `would_drop_data` (409, `details.drop`
   * lists them with their record counts) unless `options.drop` names each of them.
   */
  update(name: string, changes: CollectionInput, options: { drop?: string[] } = {}): Promise<CollectionDefinition> {
    const drop = options.drop?.length ? options.drop.join(',') : undefined;
    return this.http.request('PATCH', `${this.base()}/collections${pathOf(name)}`, { body: changes, query: { drop } });
  }

  /**
   * Judges the collection's rules (or draft `rules`) as one user, or a guest,
   * over a sample of its records: which records each rule lets through, with
   * the SQL the records API runs.
   */
  testRules(name: string, input: RuleTestInput = {}): Promise<RuleTestResult> {
    return this.http.request('POST', `${this.base()}/collections${pathOf(name)}/rules/test`, { body: input });
  }

  /** Deletes a collection and all its records. */
  async delete(name: string): Promise<void> {
    await this.http.request('DELETE', `${this.base()}/collections${pathOf(name)}`);
  }
}
