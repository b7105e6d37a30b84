/** Covers realtime/rate-limit.ts: the burst passes at once, then messages pass at the sustained rate, and unused time never banks more than the burst. */
import t from 'tap';
import { TokenBucket } from './rate-limit.ts';

t.test('a burst passes at once; the next message waits for a token', async (t) => {
  const bucket = new TokenBucket(10, 3, 0);
  t.same([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)], [true, true, true, false]);
  t.notOk(bucket.take(50), 'half a token after 50 ms at 10/s');
  t.ok(bucket.take(100), 'a whole one after 100 ms');
  t.notOk(bucket.take(100), 'and it is spent');
});

t.test('idle time refills up to the burst, not beyond', async (t) => {
  const bucket = new TokenBucket(10, 3, 0);
  for (let i = 0; i < 3; i++) bucket.take(0);
  const after = [1, 2, 3, 4].map(() => bucket.take(60_000));
  t.same(after, [true, true, true, false], 'a minute idle gives back the burst of 3, no more');
});
