import t from 'tap';
import { AggregateError, parseAggregate, type AggregateSource } from './index.ts';
import { fixtureSchema } from './test-fixture.ts';

const ctx = { schema: fixtureSchema, collection: 'posts' };

const good: Array<[AggregateSource, string]> = [
  [{}, 'keys= metrics=count:integer sort='],
  [{ groupBy: 'status' }, 'keys=status:text metrics=count:integer sort='],
  [{ groupBy: ' status , day(created_at)', select: 'count,count(tags)' }, 'keys=status:text,day_created_at:date metrics=count:integer,count_tags:integer sort='],
  [{ groupBy: 'week( day )', select: 'sum(count),avg(count),sum(score)' }, 'keys=week_day:date metrics=sum_count:integer,avg_count:number,sum_score:number sort='],
  [{ groupBy: 'month(updated_at),published', select: 'min(day),max(score),min(count)' }, 'keys=month_updated_at:date,published:boolean metrics=min_day:date,max_score:number,min_count:integer sort='],
  [{ groupBy: 'author', sort: '-count,author' }, 'keys=author:text metrics=count:integer sort=-count,author'],
  [{ groupBy: 'day(created_at)', select: 'sum(score)', sort: '-sum(score),+day(created_at)' }, 'keys=day_created_at:date metrics=sum_score:number sort=-sum_score,day_created_at'],
  [{ groupBy: 'id' }, 'keys=id:text metrics=count:integer sort='],
];

for (const [source, expected] of good) {
  t.test(`parses ${JSON.stringify(source)}`, async (t) => {
    const q = parseAggregate(source, ctx);
    const shown = `keys=${q.groupBy.map((k) => `${k.name}:${k.type}`).join(',')} metrics=${q.select.map((m) => `${m.name}:${m.type}`).join(',')} sort=${q.sort.map((o) => `${o.desc ? '-' : ''}${o.name}`).join(',')}`;
    t.equal(shown, expected);
  });
}

// [source, parameter, message fragment, position]
const bad: Array<[AggregateSource, string, string, number]> = [
  [{ groupBy: 'status,nope' }, 'groupBy', "unknown field 'nope'", 7],
  [{ groupBy: 'tags' }, 'groupBy', 'cannot group by multiple field', 0],
  [{ groupBy: 'meta' }, 'groupBy', 'cannot group by json field', 0],
  [{ groupBy: 'year(created_at)' }, 'groupBy', "unknown function 'year'", 0],
  [{ groupBy: 'day(title)' }, 'groupBy', 'needs a date field, not text', 4],
  [{ groupBy: 'day()' }, 'groupBy', 'needs a date field', 3],
  [{ groupBy: 'status,,day' }, 'groupBy', 'expected a name', 7],
  [{ groupBy: 'status status' }, 'groupBy', 'invalid item', 0],
  [{ groupBy: '-status' }, 'groupBy', 'invalid item', 0],
  [{ groupBy: 'status, status' }, 'groupBy', 'grouped twice', 8],
  [{ select: 'sum(title)' }, 'select', 'needs a number or integer field, not text', 4],
  [{ select: 'count, avg(published)' }, 'select', 'not boolean', 11],
  [{ select: 'max(status)' }, 'select', 'needs a number, integer or date field', 4],
  [{ select: 'median(score)' }, 'select', "unknown function 'median'", 0],
  [{ select: 'sum' }, 'select', 'sum() needs a field', 3],
  [{ select: 'count,count' }, 'select', 'selected twice', 6],
  [{ select: 'sum(nope)' }, 'select', "unknown field 'nope'", 4],
  [{ groupBy: 'count', select: 'sum(count),count' }, 'select', 'also the name of a group key', 11],
  [{ groupBy: 'status', sort: '-votes' }, 'sort', "cannot sort by 'votes'", 1],
  [{ groupBy: 'status', sort: 'status,-status' }, 'sort', 'sorted twice', 8],
  [{ groupBy: 'status', select: 'count', sort: 'sum(score)' }, 'sort', "cannot sort by 'sum_score'", 0],
];

for (const [source, parameter, fragment, position] of bad) {
  t.test(`refuses ${JSON.stringify(source)}`, async (t) => {
    try {
      parseAggregate(source, ctx);
      t.fail('parsed');
    } catch (err) {
      t.ok(err instanceof AggregateError, String(err));
      const e = err as AggregateError;
      t.equal(e.parameter, parameter);
      t.match(e.message, fragment);
      t.equal(e.position, position, e.message);
      t.match(e.message, `at column ${position + 1}`);
    }
  });
}

t.test('a select too long is refused before it is split', async (t) => {
  t.throws(() => parseAggregate({ select: 'count,'.repeat(1000) }, ctx), /too long/);
});
