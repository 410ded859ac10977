// Garbage from one charger gets its defined CALLERROR (or a close), is never
// stored, and never disturbs another charger.
import test from 'node:test';
import { within as bounded } from '../helpers/until.js';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { startSite, type TestSite } from '../helpers/daemon.js';
import { connectRaw, type RawClient } from '../helpers/raw-client.js';

const T0 = '2026-11-21T10:00:00.000Z';

async function setup(t: test.TestContext, overrides = {}): Promise<{ site: TestSite; bad: RawClient; good: RawClient }> {
  const site = await startSite({ overrides });
  t.after(() => site.stop());
  const bad = await connectRaw(`${site.url}/CP-1`, { auth: 'CP-1:secret-1' });
  const good = await connectRaw(`${site.url}/CP-2`, { auth: 'CP-2:secret-2' });
  t.after(() => Promise.all([bad.close(), good.close()]));
  return { site, bad, good };
}

function count(site: TestSite, table: 'transaction_messages' | 'transactions'): number {
  const db = new Database(site.dbPath, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function journalRows(site: TestSite): number {
  return count(site, 'transaction_messages');
}

/** The shared bounded wait, with this file's argument order. */
const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> => bounded(p, what, ms);

// [what the charger sends, the CALLERROR code it gets back, the id it is answered with]
const CASES: Array<[string, string | unknown[], string, string]> = [
  ['not JSON', '{"this is": not json', 'FormationViolation', '-1'],
  ['JSON that is not an array', '{"a":1}', 'FormationViolation', '-1'],
  ['an array without a message id', '[2]', 'FormationViolation', '-1'],
  ['a numeric message id', [2, 17, 'Heartbeat', {}], 'FormationViolation', '-1'],
  ['a message id longer than 36 characters', [2, 'x'.repeat(37), 'Heartbeat', {}], 'FormationViolation', 'x'.repeat(37)],
  ['an unknown message type', [7, 'm1', 'Heartbeat', {}], 'ProtocolError', 'm1'],
  ['a CALL with a non-object payload', [2, 'm2', 'Heartbeat', []], 'FormationViolation', 'm2'],
  ['a CALL with too many elements', [2, 'm3', 'Heartbeat', {}, {}], 'FormationViolation', 'm3'],
  ['an unknown action', [2, 'm4', 'FlyToTheMoon', {}], 'NotImplemented', 'm4'],
  ['an action only the CSMS may send', [2, 'm5', 'RemoteStartTransaction', { idTag: 'X' }], 'NotSupported', 'm5'],
  ['a missing required field', [2, 'm6', 'StartTransaction', { connectorId: 1, idTag: 'T', timestamp: T0 }], 'OccurenceConstraintViolation', 'm6'],
  ['a wrong type', [2, 'm7', 'StartTransaction', { connectorId: '1', idTag: 'T', meterStart: 0, timestamp: T0 }], 'TypeConstraintViolation', 'm7'],
  ['a value outside its enum', [2, 'm8', 'StatusNotification', { connectorId: 1, status: 'Dancing', errorCode: 'NoError' }], 'PropertyConstraintViolation', 'm8'],
  ['a string too long', [2, 'm9', 'Authorize', { idTag: 'X'.repeat(21) }], 'PropertyConstraintViolation', 'm9'],
  ['a bad date-time', [2, 'm10', 'StartTransaction', { connectorId: 1, idTag: 'T', meterStart: 0, timestamp: 'yesterday' }], 'PropertyConstraintViolation', 'm10'],
  ['an unexpected property', [2, 'm11', 'Heartbeat', { extra: 1 }], 'FormationViolation', 'm11'],
  // 1e400 is valid JSON and parses to Infinity, which no OCPP integer or decimal can be.
  ['a number that overflows to Infinity', `[2,"m13","StartTransaction",{"connectorId":1e400,"idTag":"T","meterStart":0,"timestamp":"${T0}"}]`, 'PropertyConstraintViolation', 'm13'],
  ['a number that overflows to -Infinity', `[2,"m14","StopTransaction",{"transactionId":1,"meterStop":-1e400,"timestamp":"${T0}"}]`, 'PropertyConstraintViolation', 'm14'],
  ['a nested violation', [2, 'm12', 'MeterValues', { connectorId: 1, transactionId: 1, meterValue: [{ timestamp: T0, sampledValue: [{ value: '1', unit: 'parsecs' }] }] }], 'PropertyConstraintViolation', 'm12'],
];

test('each kind of bad frame gets its defined CALLERROR; nothing is stored; others are served', async (t) => {
  const { site, bad, good } = await setup(t, { local: { maxBadFrames: 100 } });
  for (const [what, frame, code, id] of CASES) {
    bad.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    const reply = await bad.next();
    assert.equal(reply[0], 4, `${what}: expected a CALLERROR, got ${JSON.stringify(reply)}`);
    assert.equal(reply[1], id, `${what}: answered with id`);
    assert.equal(reply[2], code, `${what}: ${reply[3]}`);
    assert.equal(typeof reply[3], 'string');
    // The other charger is not disturbed.
    assert.equal((await good.call('Heartbeat', {}))[0], 3);
  }
  assert.equal(journalRows(site), 0);
  // The bad charger itself is still served when it finally sends a good frame.
  assert.equal((await bad.call('Heartbeat', {}))[0], 3);
});

test('a duplicate message id while the first is in progress is refused', async (t) => {
  const { bad } = await setup(t);
  const start = { connectorId: 1, idTag: 'T', meterStart: 0, timestamp: T0 };
  // Both frames in one write: the second arrives while the first is still being committed.
  bad.ws.send(JSON.stringify([2, 'dup', 'StartTransaction', start]));
  bad.ws.send(JSON.stringify([2, 'dup', 'StartTransaction', start]));
  // (The daemon's own CALLs, such as the balancer's first limit for the new session, may come in between.)
  const replies = await bounded(bad.answersTo('dup', 2), 'the two answers to id dup', 5000);
  const types = replies.map((r) => r[0]).sort();
  assert.deepEqual(types, [3, 4]);
  const err = replies.find((r) => r[0] === 4)!;
  assert.equal(err[2], 'ProtocolError');
  assert.match(err[3], /duplicate/);
});

test('a frame over the size limit closes that connection with 1009; others go on', async (t) => {
  const { site, bad, good } = await setup(t);
  bad.send(JSON.stringify([2, 'big', 'DataTransfer', { vendorId: 'x', data: 'A'.repeat(10 * 1024 * 1024) }]));
  const closed = await bad.closed;
  assert.equal(closed.code, 1009);
  assert.equal((await good.call('Heartbeat', {}))[0], 3);
  assert.equal(journalRows(site), 0);
});

test('a flood of garbage closes only that connection, after maxBadFrames', async (t) => {
  const { site, bad, good } = await setup(t, { local: { maxBadFrames: 5 } });
  for (let i = 0; i < 50 && bad.ws.readyState === bad.ws.OPEN; i++) bad.send(`garbage ${i}`);
  const closed = await bad.closed;
  assert.equal(closed.code, 1008);
  assert.equal(closed.reason, 'too many bad frames');
  assert.equal((await good.call('Heartbeat', {}))[0], 3);
  assert.equal(site.daemon.registry.get('CP-2')?.rpc.isOpen, true);
  assert.equal(site.daemon.registry.get('CP-1'), undefined);
});

test('binary frames are refused', async (t) => {
  const { bad } = await setup(t);
  bad.ws.send(Buffer.from([1, 2, 3]), { binary: true });
  const reply = await bad.next();
  assert.deepEqual(reply.slice(0, 3), [4, '-1', 'FormationViolation']);
});

test('NaN/±Infinity in a transaction message: CALLERROR naming the path, nothing stored', async (t) => {
  const { site, bad } = await setup(t);
  const frames: Array<[string, string, string]> = [
    ['i1', `[2,"i1","StartTransaction",{"connectorId":1e400,"idTag":"T","meterStart":0,"timestamp":"${T0}"}]`, 'StartTransaction: /connectorId must be a finite number'],
    ['i2', `[2,"i2","StartTransaction",{"connectorId":1,"idTag":"T","meterStart":1e999,"timestamp":"${T0}"}]`, 'StartTransaction: /meterStart must be a finite number'],
    ['i3', `[2,"i3","MeterValues",{"connectorId":1,"transactionId":-1e400,"meterValue":[{"timestamp":"${T0}","sampledValue":[{"value":"1"}]}]}]`, 'MeterValues: /transactionId must be a finite number'],
    ['i4', `[2,"i4","StopTransaction",{"transactionId":1e400,"meterStop":0,"timestamp":"${T0}"}]`, 'StopTransaction: /transactionId must be a finite number'],
  ];
  for (const [id, frame, message] of frames) {
    bad.send(frame);
    const reply = await within(bad.next(), 5000, `the answer to ${frame}`);
    assert.deepEqual(reply.slice(0, 4), [4, id, 'PropertyConstraintViolation', message]);
  }
  assert.equal(count(site, 'transactions'), 0);
  assert.equal(journalRows(site), 0);
});

test('30 pipelined CALLs: the 20 the queue holds answered, those beyond it refused, the connection stays open', async (t) => {
  const { bad } = await setup(t);
  // One synchronous burst: all 30 frames are in the server's socket buffer before it reads any.
  for (let i = 0; i < 30; i++) {
    bad.send([2, `p${i}`, 'StatusNotification', { connectorId: 1 + (i % 2), status: 'Available', errorCode: 'NoError', timestamp: T0 }]);
  }
  const replies = new Map<string, any[]>();
  while (replies.size < 30) {
    const f = await within(bad.next(), 5000, `answer ${replies.size + 1} of 30 (got ${[...replies.keys()].join(',')})`);
    assert.equal(replies.has(f[1]), false, `${f[1]} answered twice`);
    replies.set(f[1], f);
  }
  const results = [...replies.values()].filter((f) => f[0] === 3).map((f) => f[1]);
  const errors = [...replies.values()].filter((f) => f[0] === 4);
  // At least the 20 the queue holds are answered in order; the server may have finished one
  // before the rest of the burst arrived (a loaded machine), so a few more may be. The rest,
  // and only the rest, is refused.
  const n = results.length;
  assert.ok(n >= 20 && n < 30, `${n} answered`);
  assert.deepEqual(results, Array.from({ length: n }, (_, i) => `p${i}`));
  assert.deepEqual(errors.map((f) => [f[1], f[2]]).sort(), Array.from({ length: 30 - n }, (_, i) => [`p${n + i}`, 'ProtocolError']).sort());
  assert.match(errors[0][3], /too many outstanding CALLs/);
  // Still open and served.
  assert.equal((await within(bad.call('Heartbeat', {}), 5000, 'a Heartbeat after the burst'))[0], 3);
  assert.equal(bad.ws.readyState, bad.ws.OPEN);
});
