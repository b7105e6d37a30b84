/** Records the query scenario seeds (BENCH_QUERY_RECORDS, default 100,000). */
export function queryRecordCount(): number {
  const n = Number(process.env.BENCH_QUERY_RECORDS ?? 100_000);
  if (!Number.isInteger(n) || n < 1000 || n > 1_000_000) throw new Error(`BENCH_QUERY_RECORDS must be 1000..1000000, got ${process.env.BENCH_QUERY_RECORDS}`);
  return n;
}

/** What both sides answer: the aggregate and the search, as baas's query string and the baseline's SQL. */
export const queries = {
  aggregate: {
    baas: `/aggregate?groupBy=status,month(published)&select=count,sum(votes),avg(votes)&filter=${encodeURIComponent('votes > 100')}`,
    // The list rule (status != 'draft') and the filter, by hand.
    sql: `SELECT status, substr(published, 1, 7) || '-01T00:00:00.000Z' AS month_published, count(*) AS count, sum(votes) AS sum_votes, avg(votes) AS avg_votes
      FROM posts WHERE status != 'draft' AND votes > 100 GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 100`,
  },
  search: {
    baas: `/records?search=${encodeURIComponent('item 123')}&limit=20`,
    sql: `SELECT posts.* FROM _fts_posts_ JOIN posts ON posts.rowid = _fts_posts_.rowid
      WHERE _fts_posts_ MATCH 'item* AND 123*' AND posts.status != 'draft' ORDER BY bm25(_fts_posts_) LIMIT 20`,
  },
} as const;
