// The RPC layer on its own, over a real loopback WebSocket: one outstanding CALL,
// timeouts, error-code spellings, response validation, dead-peer detection.
import test from 'node:test';
import { within as bounded } from '../helpers/until.js';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { WebSocketServer, WebSocket } from 'ws';
import { RpcConnection } from '../../daemon/ocpp/rpc.js';
import { getProtocol } from '../../daemon/ocpp/protocols.js';
import { RpcError, RpcTimeoutError, RpcClosedError, normalizeErrorCode, spell16 } from '../../daemon/ocpp/errors.js';
import { silentLogger } from '../../daemon/log.js';

/** A server-side RpcConnection and the raw client socket talking to it. */
async function pair(t: test.TestContext, opts: { callTimeoutMs?: number; pingIntervalMs?: number } = {}) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  const port = (wss.address() as { port: number }).port;
  const serverSide = once(wss, 'connection');
  const client = new WebSocket(`ws://127.0.0.1:${port}`, ['ocpp1.6']);
  const frames: any[][] = [];
  const waiters: Array<(f: any[]) => void> = [];
  client.on('message', (d) => {
    const f = JSON.parse(d.toString());
    const w = waiters.shift();
    if (w) w(f);
    else frames.push(f);
  });
  await once(client, 'open');
  const [ws] = (await serverSide) as [WebSocket];
  const rpc = new RpcConnection(ws, { protocol: getProtocol('ocpp1.6')!, log: silentLogger, pingIntervalMs: 0, ...opts });
  t.after(async () => {
    client.terminate();
    await rpc.close();
    wss.close();
  });
  const next = () => (frames.length ? Promise.resolve(frames.shift()!) : new Promise<any[]>((r) => waiters.push(r)));
  return { rpc, client, next };
}

test('only one CALL is outstanding; the next goes out when the first is answered', async (t) => {
  const { rpc, client, next } = await pair(t);
  const a = rpc.call('GetConfiguration', {});
  const b = rpc.call('ClearCache', {});
  const first = await next();
  assert.equal(first[2], 'GetConfiguration');
  // Nothing else may be on the wire yet: answer an unrelated probe to flush ordering.
  client.send(JSON.stringify([3, first[1], { configurationKey: [] }]));
  const second = await next();
  assert.equal(second[2], 'ClearCache');
  client.send(JSON.stringify([3, second[1], { status: 'Accepted' }]));
  assert.deepEqual(await a, { configurationKey: [] });
  assert.deepEqual(await b, { status: 'Accepted' });
  assert.ok(first[1].length <= 36);
});

test('a CALL that gets no answer times out and the queue moves on', async (t) => {
  const { rpc, client, next } = await pair(t, { callTimeoutMs: 50 });
  const lost = rpc.call('ClearCache', {});
  const queued = rpc.call('ClearCache', {});
  const f1 = await next();
  await assert.rejects(lost, RpcTimeoutError);
  const f2 = await next();
  assert.notEqual(f2[1], f1[1]);
  // A late answer to the timed-out call is ignored, not matched to the new one.
  client.send(JSON.stringify([3, f1[1], { status: 'Rejected' }]));
  client.send(JSON.stringify([3, f2[1], { status: 'Accepted' }]));
  assert.deepEqual(await queued, { status: 'Accepted' });
  assert.equal(rpc.stats.timeouts, 1);
});

test('both 1.6 spellings of the misspelled error codes are understood', async (t) => {
  const { rpc, client, next } = await pair(t);
  for (const [sent, canonical] of [
    ['FormationViolation', 'FormatViolation'], ['FormatViolation', 'FormatViolation'],
    ['OccurenceConstraintViolation', 'OccurrenceConstraintViolation'], ['OccurrenceConstraintViolation', 'OccurrenceConstraintViolation'],
    ['SomethingInvented', 'GenericError'],
  ]) {
    const p = rpc.call('ClearCache', {});
    const f = await next();
    client.send(JSON.stringify([4, f[1], sent, 'no', {}]));
    await assert.rejects(p, (err: RpcError) => err instanceof RpcError && err.code === canonical);
  }
  assert.equal(normalizeErrorCode(42), 'GenericError');
  assert.equal(spell16('FormatViolation'), 'FormationViolation');
  assert.equal(spell16('OccurrenceConstraintViolation'), 'OccurenceConstraintViolation');
});

test('an invalid CALLRESULT rejects the call with the violation; an invalid request is never sent', async (t) => {
  const { rpc, client, next } = await pair(t);
  const p = rpc.call('ClearCache', {});
  const f = await next();
  client.send(JSON.stringify([3, f[1], { status: 'Maybe' }]));
  await assert.rejects(p, (err: RpcError) => err.code === 'PropertyConstraintViolation');
  await assert.rejects(rpc.call('ChangeConfiguration', { key: 'K' }), (err: RpcError) => err.code === 'OccurrenceConstraintViolation');
  await assert.rejects(rpc.call('NoSuchAction', {}), (err: RpcError) => err.code === 'NotImplemented');
});

test('pending and queued calls are rejected when the connection closes', async (t) => {
  const { rpc, client, next } = await pair(t);
  const a = rpc.call('ClearCache', {});
  const b = rpc.call('ClearCache', {});
  await next();
  client.close();
  await assert.rejects(a, RpcClosedError);
  await assert.rejects(b, RpcClosedError);
  await assert.rejects(rpc.call('ClearCache', {}), RpcClosedError);
});

test('a peer that stops answering pings is dropped', async (t) => {
  const { rpc, client } = await pair(t, { pingIntervalMs: 30 });
  // Simulate a dead peer: stop the client's automatic pong replies.
  (client as any)._receiver.removeAllListeners('ping');
  client.pong = () => {};
  const [code] = await once(rpc, 'close');
  assert.equal(code, 1006);
  assert.equal(rpc.isOpen, false);
});

test('a handler error becomes an InternalError CALLERROR; a handler RpcError keeps its code', async (t) => {
  const { rpc, client, next } = await pair(t);
  rpc.handle('Heartbeat', () => {
    throw new Error('boom');
  });
  rpc.handle('Authorize', () => {
    throw new RpcError('SecurityError', 'not you');
  });
  client.send(JSON.stringify([2, 'h1', 'Heartbeat', {}]));
  assert.deepEqual((await next()).slice(0, 3), [4, 'h1', 'InternalError']);
  client.send(JSON.stringify([2, 'a1', 'Authorize', { idTag: 'X' }]));
  assert.deepEqual((await next()).slice(0, 3), [4, 'a1', 'SecurityError']);
  // A handler answer that breaks the schema is not sent as is.
  rpc.handle('Heartbeat', () => ({ currentTime: 'noon' }));
  client.send(JSON.stringify([2, 'h2', 'Heartbeat', {}]));
  assert.deepEqual((await next()).slice(0, 3), [4, 'h2', 'InternalError']);
});

/** The shared bounded wait, with this file's argument order. */
const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> => bounded(p, what, ms);

test('NaN/±Infinity: an incoming CALL is refused naming the path, a CALLRESULT rejects the call, ours is never sent', async (t) => {
  const { rpc, client, next } = await pair(t);
  let handled = 0;
  rpc.handle('StartTransaction', () => (handled++, { idTagInfo: { status: 'Accepted' }, transactionId: 1 }));
  // 1e400 is valid JSON; JSON.parse turns it into Infinity.
  client.send('[2,"s1","StartTransaction",{"connectorId":1e400,"idTag":"T","meterStart":0,"timestamp":"2026-11-21T10:00:00Z"}]');
  const refused = await within(next(), 2000, 'the CALLERROR for connectorId 1e400');
  assert.deepEqual(refused.slice(0, 4), [4, 's1', 'PropertyConstraintViolation', 'StartTransaction: /connectorId must be a finite number']);
  assert.equal(handled, 0);
  // The peer's CALLRESULT carrying an overflowing number rejects our call.
  const p = rpc.call('GetLocalListVersion', {});
  const f = await within(next(), 2000, 'our GetLocalListVersion on the wire');
  client.send(`[3,"${f[1]}",{"listVersion":-1e400}]`);
  await assert.rejects(p, (err: RpcError) => err.code === 'PropertyConstraintViolation' && /\/listVersion must be a finite number/.test(err.message));
  // Our own CALL with NaN is refused before it reaches the wire: the next frame is the valid one.
  await assert.rejects(rpc.call('ReserveNow', { connectorId: NaN, expiryDate: '2026-11-21T10:00:00Z', idTag: 'T', reservationId: 1 }),
    (err: RpcError) => err.code === 'PropertyConstraintViolation' && /\/connectorId must be a finite number/.test(err.message));
  const ok = rpc.call('ClearCache', {});
  const g = await within(next(), 2000, 'the ClearCache after the refused ReserveNow');
  assert.equal(g[2], 'ClearCache');
  client.send(JSON.stringify([3, g[1], { status: 'Accepted' }]));
  assert.deepEqual(await ok, { status: 'Accepted' });
});

test('pipelined CALLs beyond the pending limit are refused without counting as bad frames; the queue is served', async (t) => {
  const { rpc, client, next } = await pair(t);
  // Every CALL waits until released, so the queue is full however the frames arrive.
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  rpc.handle('Heartbeat', async () => (await gate, { currentTime: '2026-11-21T10:00:00.000Z' }));
  for (let i = 0; i < 30; i++) client.send(JSON.stringify([2, `h${i}`, 'Heartbeat', {}]));
  const refused: any[][] = [];
  for (let i = 0; i < 10; i++) refused.push(await within(next(), 2000, `refusal ${i + 1} of 10`));
  assert.deepEqual(refused.map((f) => [f[0], f[1], f[2]]), Array.from({ length: 10 }, (_, i) => [4, `h${20 + i}`, 'ProtocolError']));
  assert.match(refused[0][3], /too many outstanding CALLs/);
  release();
  const answered: any[][] = [];
  for (let i = 0; i < 20; i++) answered.push(await within(next(), 2000, `answer ${i + 1} of 20`));
  assert.deepEqual(answered.map((f) => [f[0], f[1]]), Array.from({ length: 20 }, (_, i) => [3, `h${i}`]));
  assert.equal(rpc.isOpen, true);
  assert.equal(rpc.stats.badFrames, 0);
});

test('a call whose deadline counts from the queue times out there at its own deadline and is never sent', async (t) => {
  const { rpc, client, next } = await pair(t, { callTimeoutMs: 5000 });
  const slow = rpc.call('GetConfiguration', {});
  slow.catch(() => {}); // awaited below; if the test fails first, the close at teardown rejects it
  const first = await within(next(), 2000, 'the slow GetConfiguration on the wire');
  const queued = rpc.call('Authorize', { idTag: 'T' }, { timeoutMs: 50, countFromQueue: true });
  // It rejects while the slow call still holds the line (the slow one's own timeout is 5 s).
  await within(assert.rejects(queued, RpcTimeoutError), 1000, 'the queued Authorize to time out at its 50 ms deadline');
  assert.equal(rpc.stats.timeouts, 1);
  client.send(JSON.stringify([3, first[1], { configurationKey: [] }]));
  assert.deepEqual(await slow, { configurationKey: [] });
  // What goes out next is a later call, not the stale Authorize.
  const later = rpc.call('ClearCache', {});
  const second = await within(next(), 2000, 'the call after the slow one');
  assert.equal(second[2], 'ClearCache');
  client.send(JSON.stringify([3, second[1], { status: 'Accepted' }]));
  assert.deepEqual(await later, { status: 'Accepted' });
  // Sent at once, such a call still times out on the wire within its deadline.
  const onWire = rpc.call('Authorize', { idTag: 'T' }, { timeoutMs: 50, countFromQueue: true });
  assert.equal((await within(next(), 2000, 'the Authorize on the wire'))[2], 'Authorize');
  await within(assert.rejects(onWire, RpcTimeoutError), 1000, 'the Authorize on the wire to time out');
});

test('holdLine: after its answer nothing else goes out until the caller releases the line (the outbox records the answer first)', async (t) => {
  const { rpc, client, next } = await pair(t);
  let received = 0;
  client.on('message', () => received++);
  const a = rpc.call('GetConfiguration', {}, { holdLine: true });
  const b = rpc.call('ClearCache', {});
  const first = await next();
  client.send(JSON.stringify([3, first[1], { configurationKey: [] }]));
  assert.deepEqual(await a, { configurationKey: [] });
  // A ping round trip: a CALL sent before the pong would arrive before it on this socket.
  client.ping();
  await once(client, 'pong');
  assert.equal(received, 1, 'the queued call waits while the line is held');
  rpc.releaseLine();
  const second = await next();
  assert.equal(second[2], 'ClearCache');
  client.send(JSON.stringify([3, second[1], { status: 'Accepted' }]));
  assert.deepEqual(await b, { status: 'Accepted' });
});
