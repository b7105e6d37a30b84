/**
 * Covers realtime/outbox.ts over a fake socket: the frames of one turn go out
 * in order in one corked write, the outboxes of one scheduler are flushed
 * together, a full send buffer drops the queue and reports the overflow once,
 * and `drained` waits for the socket to empty.
 */
import t from 'tap';
import { FlushScheduler, Outbox, type OutboxSocket } from './outbox.ts';

class FakeSocket implements OutboxSocket {
  bufferedAmount = 0;
  readonly sent: string[] = [];
  /** Each write as the frames sent between a cork and its uncork. */
  readonly writes: string[][] = [];
  private corked: string[] | undefined;
  readonly _socket = {
    cork: () => void (this.corked = []),
    uncork: () => {
      this.writes.push(this.corked!);
      this.corked = undefined;
    },
  };
  send(frame: string, options: { binary: false }): void {
    if (options?.binary !== false) throw new Error('every frame is a text frame');
    this.sent.push(String(frame));
    if (this.corked) this.corked.push(String(frame));
    else this.writes.push([String(frame)]); // ws corks one frame's header and payload itself
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

t.test('the frames of one turn go out on the next, in order, in one corked write', async (t) => {
  const socket = new FakeSocket();
  const outbox = new Outbox(socket, 1000, new FlushScheduler(), () => t.fail('no overflow'));
  for (const frame of ['a', 'b', 'c']) t.ok(outbox.push(frame));
  t.same(socket.sent, [], 'nothing is written in the turn that queued');
  await turn();
  t.same(socket.writes, [['a', 'b', 'c']]);
  outbox.push('d');
  await turn();
  t.same(socket.writes, [['a', 'b', 'c'], ['d']], 'a later turn is a later write');
});

t.test('flushNow writes every queued frame at once; the turn after has nothing left to write', async (t) => {
  const scheduler = new FlushScheduler();
  const socket = new FakeSocket();
  const outbox = new Outbox(socket, 1000, scheduler, () => {});
  outbox.push('a');
  outbox.push('b');
  scheduler.flushNow();
  t.same(socket.writes, [['a', 'b']], 'written in the same turn');
  await turn();
  t.same(socket.writes, [['a', 'b']], 'not written twice');
  outbox.push('c');
  await turn();
  t.same(socket.writes, [['a', 'b'], ['c']], 'a later frame still goes out on the next turn');
});

t.test('write sends at once when nothing is queued, else queues behind; the bound applies', async (t) => {
  const socket = new FakeSocket();
  let overflows = 0;
  const outbox = new Outbox(socket, 10, new FlushScheduler(), () => overflows++);
  t.ok(outbox.write('a'));
  t.same(socket.writes, [['a']], 'written in the same turn');
  outbox.push('b');
  t.ok(outbox.write('c'));
  t.same(socket.writes, [['a']], 'behind a queued frame: queued');
  await turn();
  t.same(socket.writes, [['a'], ['b', 'c']], 'in order');
  socket.bufferedAmount = 11;
  t.notOk(outbox.write('d'), 'over the limit');
  t.equal(overflows, 1);
  t.same(socket.sent, ['a', 'b', 'c']);
});

t.test('a Buffer is queued and written as it is, counted by its bytes', async (t) => {
  const socket = new FakeSocket();
  let overflows = 0;
  const outbox = new Outbox(socket, 3, new FlushScheduler(), () => overflows++);
  t.ok(outbox.push(Buffer.from('éé')), 'four bytes (two characters)');
  t.notOk(outbox.push('x'), 'the four bytes queued are over the limit of 3');
  t.equal(overflows, 1);
});

t.test('one scheduler flushes every outbox with frames once per turn', async (t) => {
  const scheduler = new FlushScheduler();
  const sockets = [new FakeSocket(), new FakeSocket()];
  const [one, two] = sockets.map((s) => new Outbox(s, 1000, scheduler, () => {}));
  one.push('1a');
  two.push('2a');
  one.push('1b');
  await turn();
  t.same(sockets.map((s) => s.writes), [[['1a', '1b']], [['2a']]]);
});

t.test('past the limit the queue is dropped and the overflow reported once', async (t) => {
  const socket = new FakeSocket();
  let overflows = 0;
  const outbox = new Outbox(socket, 10, new FlushScheduler(), () => overflows++);
  t.ok(outbox.push('12345'));
  t.ok(outbox.push('67890'), 'exactly at the limit: still queued');
  socket.bufferedAmount = 1; // the client stopped reading
  t.notOk(outbox.push('x'));
  t.notOk(outbox.push('y'), 'closed: refused without another report');
  await turn();
  t.equal(overflows, 1);
  t.same(socket.sent, [], 'what was queued is not written');
});

t.test('drained waits until the unsent bytes are at most half the limit, or the outbox closes', async (t) => {
  const socket = new FakeSocket();
  const outbox = new Outbox(socket, 100, new FlushScheduler(), () => {});
  socket.bufferedAmount = 80;
  let done = false;
  const waiting = outbox.drained().then(() => (done = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.notOk(done, 'still above half');
  socket.bufferedAmount = 50;
  await waiting;
  t.ok(done, 'at half: drained');
  socket.bufferedAmount = 80;
  const closing = outbox.drained();
  outbox.close();
  await closing;
  t.pass('a closed outbox is drained');
});

t.test('close drops what is queued', async (t) => {
  const socket = new FakeSocket();
  const outbox = new Outbox(socket, 100, new FlushScheduler(), () => {});
  outbox.push('a');
  outbox.close();
  await turn();
  t.same(socket.sent, []);
  t.notOk(outbox.push('b'));
});
