/** One page of a keyset-paged listing (records, objects). */
export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

/** Every item of a keyset-paged listing: `page(cursor)` fetches one page, starting without a cursor. */
export async function* everyItem<T>(page: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const result = await page(cursor);
    yield* result.items;
    cursor = result.nextCursor ?? undefined;
  } while (cursor);
}
