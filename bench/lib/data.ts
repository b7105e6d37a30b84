/** The records both sides of the records scenario store: same shape, same values. */

export const STATUSES = ['open', 'draft', 'closed'] as const;

export interface ItemInput {
  title: string;
  body: string;
  status: (typeof STATUSES)[number];
  score: number;
  owner: string;
}

/** The baselines' JSON schema of a create body: what baas checks for the `items` collection. */
export const itemBodySchema = {
  type: 'object',
  properties: {
    title: { type: 'string', maxLength: 200 },
    body: { type: ['string', 'null'] },
    status: { type: ['string', 'null'], enum: [...STATUSES, null] },
    score: { type: ['integer', 'null'] },
    owner: { type: ['string', 'null'] },
    author: { type: ['string', 'null'] },
  },
  required: ['title'],
  additionalProperties: false,
} as const;

/** A small seeded PRNG (mulberry32): both sides seed identical data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const words = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'.split(' ');

/** The i-th item: a title, a ~100-character body, a status, a score 0..999, an owner. */
export function makeItem(random: () => number, i: number): ItemInput {
  const body: string[] = [];
  for (let n = 0; n < 16; n++) body.push(words[Math.floor(random() * words.length)]);
  return {
    title: `Item ${i}`,
    body: body.join(' '),
    status: STATUSES[Math.floor(random() * STATUSES.length)],
    score: Math.floor(random() * 1000),
    owner: `user_${Math.floor(random() * 100)}`,
  };
}

export function seedCount(): number {
  const n = Number(process.env.BENCH_SEED_RECORDS ?? 10_000);
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000) throw new Error(`BENCH_SEED_RECORDS must be 1..1000000, got ${process.env.BENCH_SEED_RECORDS}`);
  return n;
}

/** The seed of the data generator; the same on both sides. */
export const DATA_SEED = 20240611;

/** The `authors` records (the relation `expand=author` follows): fixed ids, so both sides agree. */
export const authorIds = Array.from({ length: 100 }, (_, i) => `author${String(i).padStart(3, '0')}`);
export const authorName = (i: number) => `Author ${i}`;
/** The author of the i-th seeded item. */
export const authorOf = (i: number) => authorIds[i % authorIds.length];
