/**
 * Covers realtime/messages.ts: which frames decode (text, an object, not too
 * deep), the id a refused frame is answered under, and each op parsed into
 * the protocol's message with its fields checked.
 */
import t from 'tap';
import { answerId, decodeFrame, parseMessage, peekId, RefusedFrame } from './messages.ts';

const frame = (text: string) => Buffer.from(text);
function refusal(fn: () => unknown): { code?: string; id?: string; message?: string } {
  try {
    fn();
  } catch (err) {
    const e = err as RefusedFrame;
    return { code: e.code, id: e.id, message: e.message };
  }
  return {};
}

t.test('a frame decodes to a JSON object of a text frame, nesting at most 64 levels', async (t) => {
  t.same(decodeFrame(frame('{"op":"leave","channel":"a"}'), false), { op: 'leave', channel: 'a' });
  for (const [text, binary] of [['{"op":"x"}', true], ['not json', false], ['[1,2]', false], ['null', false], ['"s"', false]] as const) {
    t.match(refusal(() => decodeFrame(frame(text), binary)), { code: 'invalid_message', id: undefined, message: /JSON object in a text frame/ }, text);
  }
  const deep = `{"id":"deep","op":"join","presence":${'['.repeat(70)}${']'.repeat(70)}}`;
  t.match(refusal(() => decodeFrame(frame(deep), false)), { code: 'invalid_message', id: 'deep', message: /at most 64 levels/ }, 'too deep: refused before parsing, under its id');
});

t.test('the id of a frame: read from its start unparsed, or from the decoded object', async (t) => {
  t.equal(peekId(frame('{"op":"auth","id":"a1","token":"x"}')), 'a1');
  t.equal(peekId(frame('{"presence":{"id":"inner"},"id":"outer"}')), undefined, 'not from inside a nested object');
  t.equal(peekId(frame(`{"pad":"${'x'.repeat(300)}","id":"late"}`)), undefined, 'only the first 256 bytes are read');
  t.equal(answerId({ id: 'x' }), 'x');
  t.equal(answerId({ id: 7 }), undefined);
});

t.test('each op parses into its protocol message', async (t) => {
  t.same(parseMessage({ op: 'auth', id: 'a', token: 't' }), { op: 'auth', id: 'a', token: 't' });
  t.same(parseMessage({ op: 'subscribe', id: 's', collection: 'notes', filter: '', since: 3 }), { op: 'subscribe', id: 's', collection: 'notes', filter: undefined, recordId: undefined, since: 3 }, 'an empty filter is none');
  t.same(parseMessage({ op: 'unsubscribe', id: 's' }), { op: 'unsubscribe', id: 's' });
  t.same(parseMessage({ op: 'join', channel: 'room', presence: { at: 1 } }), { op: 'join', id: undefined, channel: 'room', presence: { at: 1 } });
  t.same(parseMessage({ op: 'leave', id: 'l', channel: 'room' }), { op: 'leave', id: 'l', channel: 'room' });
  t.same(parseMessage({ op: 'broadcast', channel: 'room', event: 'e', payload: [1] }), { op: 'broadcast', id: undefined, channel: 'room', event: 'e', payload: [1] });
});

t.test('a field the op needs, missing or malformed, is invalid_message; an unknown op is unknown_op', async (t) => {
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ op: 'auth', id: 'x'.repeat(129), token: 't' }, 'invalid_message', /'id' must be a string of at most 128/],
    [{ op: 'auth', id: 5, token: 't' }, 'invalid_message', /'id'/],
    [{ op: 'auth' }, 'invalid_message', /'token'/],
    [{ op: 'auth', token: 'x'.repeat(4097) }, 'invalid_message', /'token'/],
    [{ op: 'subscribe', collection: 'notes' }, 'invalid_message', /subscribe needs an 'id'/],
    [{ op: 'subscribe', id: 's', collection: 'notes', since: -1 }, 'invalid_message', /'since'/],
    [{ op: 'subscribe', id: 's', collection: 'notes', since: 1.5 }, 'invalid_message', /'since'/],
    [{ op: 'subscribe', id: 's', collection: '' }, 'invalid_message', /'collection'/],
    [{ op: 'subscribe', id: 's', collection: 'notes', recordId: 3 }, 'invalid_message', /'recordId'/],
    [{ op: 'unsubscribe' }, 'invalid_message', /unsubscribe needs an 'id'/],
    [{ op: 'join', channel: 'room', presence: [1] }, 'invalid_message', /'presence' must be an object/],
    [{ op: 'join', channel: 'x'.repeat(257) }, 'invalid_message', /'channel'/],
    [{ op: 'broadcast', channel: 'room' }, 'invalid_message', /'event'/],
    [{ op: 'dance' }, 'unknown_op', /unknown op "dance"/],
    [{ op: 42 }, 'invalid_message', /unknown op 42/],
  ];
  for (const [message, code, text] of cases) t.match(refusal(() => parseMessage(message)), { code, message: text }, JSON.stringify(message).slice(0, 60));
});
