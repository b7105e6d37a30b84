import t from 'tap';
import { forEachEngine } from '../../../../test/harness.ts';
import { listenRealtime, RealtimeClient } from '../../../../test/realtime.ts';

// Covers realtime/connection.ts (disposed): a socket that goes away while its
// auth, subscribe or join is still awaiting the database leaves nothing behind
// in the hub or the channels — seen from outside through /realtime/stats.

forEachEngine(t, 'sockets dropped before subscribe or auth finishes leave no subscription behind', async (t, api) => {
  await api.request('POST', api.p('/collections'), { token: api.secret, body: { name: 'notes', fields: [{ name: 'text', type: 'text' }], rules: { list: '' } } });
  await api.request('POST', api.p('/collections/notes/records'), { token: api.secret, body: { text: 'x' } });
  const url = await listenRealtime(api);
  const stats = async () => (await api.request('GET', api.p('/realtime/stats'), { token: api.secret })).body;

  const drops = 60;
  for (let round = 0; round < drops / 20; round++) {
    await Promise.all(Array.from({ length: 20 }, async (_, i) => {
      const client = await RealtimeClient.connect(url);
      client.send({ op: 'auth', id: 'a', token: api.secret });
      client.send({ op: 'subscribe', id: 's', collection: 'notes', ...(i % 2 ? { since: 0 } : {}) });
      client.send({ op: 'subscribe', id: 'r', collection: 'notes', recordId: 'x', filter: "text != ''" });
      client.send({ op: 'join', id: 'j', channel: `room:${i}` });
      // Gone at once, half politely, half as a reset.
      if (i % 2) client.socket.terminate();
      else client.close();
      await client.closed;
    }));
  }
  let last: unknown;
  for (let i = 0; i < 100; i++) {
    last = await stats();
    if (JSON.stringify(last) === JSON.stringify({ connections: 0, subscriptions: 0, channels: 0 })) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  t.same(last, { connections: 0, subscriptions: 0, channels: 0 }, `after ${drops} dropped sockets`);

  // A live connection still subscribes as before.
  const live = await RealtimeClient.connect(url);
  t.teardown(() => live.close());
  t.equal((await live.call({ op: 'subscribe', id: 's', collection: 'notes' })).op, 'ack');
  t.match(await stats(), { connections: 1, subscriptions: 1 });
});
