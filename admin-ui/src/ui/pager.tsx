import { useState } from 'react';

/** The cursors of keyset paging: a stack, so "previous" goes back exactly where it was. */
export function useCursors() {
  const [cursors, setCursors] = useState<string[]>([]);
  return {
    /** The cursor of the page shown (undefined: the first page). */
    cursor: cursors[cursors.length - 1],
    /** 1-based number of the page shown. */
    page: cursors.length + 1,
    next: (cursor: string) => setCursors([...cursors, cursor]),
    previous: () => setCursors(cursors.slice(0, -1)),
    reset: () => setCursors([]),
  };
}

/** Previous and next page buttons for a keyset-paged list, with the page number (and count, when the total is known). */
export function Pager({ cursors, nextCursor, total, perPage }: { cursors: ReturnType<typeof useCursors>; nextCursor: string | null | undefined; total?: number; perPage?: number }) {
  return (
    <nav className="pager" aria-label="Pages">
      <span className="muted small">
        Page {cursors.page}
        {total !== undefined && perPage && ` of ${Math.max(1, Math.ceil(total / perPage))}`}
      </span>
      <span className="row">
        <button type="button" disabled={cursors.page === 1} onClick={cursors.previous}>
          Previous page
        </button>
        <button type="button" disabled={!nextCursor} onClick={() => nextCursor && cursors.next(nextCursor)}>
          Next page
        </button>
      </span>
    </nav>
  );
}
