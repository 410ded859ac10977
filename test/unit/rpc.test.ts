// The RPC layer on its own, over a real loopback WebSocket: one outstanding CALL,
// timeouts, error-code spellings, response validation, dead-peer detection.
import test from 'node:test';
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
