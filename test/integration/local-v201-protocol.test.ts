// The OCPP 2.0.1 protocol layer on the chargers' endpoint: which subprotocol a charger
// gets, and every kind of bad frame answered with the code OCPP-J 2.0.1 spells for it.
// The session behind it is the placeholder of daemon/local/v201/minimal.ts.
import test from 'node:test';
import assert from 'node:assert/strict';
import { LocalServer } from '../../daemon/local/server.js';
import { ChargerRegistry } from '../../daemon/local/registry.js';
import { wireMinimal201 } from '../../daemon/local/v201/minimal.js';
import { KNOWN_PROTOCOLS } from '../../daemon/ocpp/protocols.js';
import type { LocalConfig } from '../../daemon/config/types.js';
import { silentLogger } from '../../daemon/log.js';
import { connectRaw, type RawClient } from '../helpers/raw-client.js';
import { within } from '../helpers/until.js';

const T0 = '2026-11-21T10:00:00.000Z';

const LOCAL: LocalConfig = {
  listen: { host: '127.0.0.1', port: 0 },
  path: '/ocpp',
  allowUnknownChargers: false,
  heartbeatIntervalS: 300,
  meterValueSampleIntervalS: 60,
  bootGraceS: 10,
  callTimeoutS: 5,
  pingIntervalS: 0,
  maxFrameBytes: 64 * 1024,
  maxBadFrames: 100,
  authorization: { policy: 'accept-all', idTags: [] },
};

async function startServer(t: test.TestContext, protocols: readonly string[]): Promise<{ url: string; registry: ChargerRegistry }> {
  const registry = new ChargerRegistry();
  const server = new LocalServer({
    config: LOCAL,
    chargers: [1, 2].map((n) => ({ id: `CP-${n}`, connectors: 2, maxCurrentA: 32, phases: 3, phaseRotation: 'L1L2L3', priority: 0 })),
    registry,
    log: silentLogger,
    now: Date.now,
    onSession: (session) => {
      if (session.rpc.protocol === 'ocpp2.0.1') wireMinimal201(session, { heartbeatIntervalS: LOCAL.heartbeatIntervalS, now: Date.now });
    },
    protocols,
  });
  await server.start();
  t.after(() => server.stop());
  return { url: `ws://127.0.0.1:${server.port}${LOCAL.path}`, registry };
}

async function connect(t: test.TestContext, url: string, protocols: string[]): Promise<RawClient> {
  const client = await within(connectRaw(url, { protocols }), `a WebSocket offering ${protocols.join(', ')}`, 5000);
  t.after(() => client.close());
  return client;
}

test('a server serving 1.6 only never talks a charger that prefers 2.0.1 into it', async (t) => {
  const { url } = await startServer(t, ['ocpp1.6']);
  const both = await connect(t, `${url}/CP-1`, ['ocpp2.0.1', 'ocpp1.6']);
  assert.equal(both.ws.protocol, 'ocpp1.6');
  // Offering 2.0.1 alone: the handshake completes without a subprotocol (OCPP-J 3.1.2)
  // and ws on the client side fails it, so the charger does not get a half-served session.
  await assert.rejects(connectRaw(`${url}/CP-2`, { protocols: ['ocpp2.0.1'] }), /Server sent no subprotocol/);
});

test('with 2.0.1 enabled it is chosen whenever a charger offers it, whatever the order of its header', async (t) => {
  const { url, registry } = await startServer(t, KNOWN_PROTOCOLS);
  for (const [offered, expected] of [
    [['ocpp2.0.1'], 'ocpp2.0.1'],
    [['ocpp1.6', 'ocpp2.0.1'], 'ocpp2.0.1'],
    [['ocpp2.0.1', 'ocpp1.6'], 'ocpp2.0.1'],
    [['ocpp1.6'], 'ocpp1.6'],
  ] as const) {
    const client = await connect(t, `${url}/CP-1`, [...offered]);
    assert.equal(client.ws.protocol, expected, `offered ${offered.join(', ')}`);
    assert.equal(registry.get('CP-1')?.rpc.protocol, expected);
    await client.close();
  }
  // A 2.0.1 BootNotification is validated against the 2.0.1 schema and answered in 2.0.1.
  const cp = await connect(t, `${url}/CP-2`, ['ocpp1.6', 'ocpp2.0.1']);
  const boot = await within(cp.call('BootNotification', { reason: 'PowerUp', chargingStation: { model: 'M', vendorName: 'V' } }), 'the BootNotification answer', 5000);
  assert.equal(boot[0], 3, JSON.stringify(boot));
  assert.equal(boot[2].status, 'Accepted');
  assert.equal(boot[2].interval, LOCAL.heartbeatIntervalS);
});

const statusAt = (over: Record<string, unknown>) => ({ timestamp: T0, connectorStatus: 'Available', evseId: 1, connectorId: 1, ...over });
const meterValue = (sampledValue: unknown[]) => ({ timestamp: T0, sampledValue });
const txEvent = (over: Record<string, unknown>) => ({
  eventType: 'Updated', timestamp: T0, triggerReason: 'MeterValuePeriodic', seqNo: 1, transactionInfo: { transactionId: 'tx-1' }, ...over,
});

// [what the charger sends, the CALLERROR code it gets back, the id it is answered with]
// The same kinds as the 1.6 table of local-bad-input.test.ts, in 2.0.1 messages and spellings.
const CASES: Array<[string, string | unknown[], string, string]> = [
  ['not JSON', '{"this is": not json', 'RpcFrameworkError', '-1'],
  ['JSON that is not an array', '{"a":1}', 'RpcFrameworkError', '-1'],
  ['an array without a message id', '[2]', 'RpcFrameworkError', '-1'],
  ['a numeric message id', [2, 17, 'Heartbeat', {}], 'RpcFrameworkError', '-1'],
  ['a message id longer than 36 characters', [2, 'x'.repeat(37), 'Heartbeat', {}], 'RpcFrameworkError', 'x'.repeat(37)],
  ['an unknown message type', [7, 'm1', 'Heartbeat', {}], 'MessageTypeNotSupported', 'm1'],
  ['a CALL with a non-object payload', [2, 'm2', 'Heartbeat', []], 'RpcFrameworkError', 'm2'],
  ['a CALL with too many elements', [2, 'm3', 'Heartbeat', {}, {}], 'RpcFrameworkError', 'm3'],
  ['an unknown action', [2, 'm4', 'FlyToTheMoon', {}], 'NotImplemented', 'm4'],
  ['an action only the CSMS may send', [2, 'm5', 'RequestStartTransaction', { idToken: { idToken: 'X', type: 'ISO14443' }, remoteStartId: 1 }], 'NotSupported', 'm5'],
  ['an action the placeholder does not serve yet', [2, 'm15', 'Authorize', { idToken: { idToken: 'X', type: 'ISO14443' } }], 'NotSupported', 'm15'],
  ['a missing required field', [2, 'm6', 'BootNotification', { chargingStation: { model: 'M', vendorName: 'V' } }], 'OccurrenceConstraintViolation', 'm6'],
  ['a wrong type', [2, 'm7', 'StatusNotification', statusAt({ evseId: '1' })], 'TypeConstraintViolation', 'm7'],
  ['a value outside its enum', [2, 'm8', 'StatusNotification', statusAt({ connectorStatus: 'Dancing' })], 'PropertyConstraintViolation', 'm8'],
  ['a string too long', [2, 'm9', 'BootNotification', { reason: 'PowerUp', chargingStation: { model: 'M'.repeat(21), vendorName: 'V' } }], 'PropertyConstraintViolation', 'm9'],
  ['a bad date-time', [2, 'm10', 'StatusNotification', statusAt({ timestamp: 'yesterday' })], 'PropertyConstraintViolation', 'm10'],
  ['an unexpected property', [2, 'm11', 'Heartbeat', { extra: 1 }], 'FormatViolation', 'm11'],
  ['a number that overflows to Infinity', `[2,"m13","StatusNotification",{"timestamp":"${T0}","connectorStatus":"Available","evseId":1e400,"connectorId":1}]`, 'PropertyConstraintViolation', 'm13'],
  ['an empty list that must hold one', [2, 'm14', 'TransactionEvent', txEvent({ meterValue: [] })], 'OccurrenceConstraintViolation', 'm14'],
  ['a nested violation', [2, 'm12', 'TransactionEvent', txEvent({ meterValue: [meterValue([{ value: 1, measurand: 'Dancing' }])] })], 'PropertyConstraintViolation', 'm12'],
];

test('on a 2.0.1 connection each kind of bad frame gets its 2.0.1 CALLERROR; the charger is still served', async (t) => {
  const { url } = await startServer(t, KNOWN_PROTOCOLS);
  const bad = await connect(t, `${url}/CP-1`, ['ocpp2.0.1']);
  for (const [what, frame, code, id] of CASES) {
    bad.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    const reply = await within(bad.next(), `the answer to ${what}`, 5000);
    assert.equal(reply[0], 4, `${what}: expected a CALLERROR, got ${JSON.stringify(reply)}`);
    assert.equal(reply[1], id, `${what}: answered with id`);
    assert.equal(reply[2], code, `${what}: ${reply[3]}`);
    assert.equal(typeof reply[3], 'string');
  }
  bad.ws.send(Buffer.from([1, 2, 3]), { binary: true });
  assert.deepEqual((await within(bad.next(), 'the answer to a binary frame', 5000)).slice(0, 3), [4, '-1', 'RpcFrameworkError']);
  // Vendor fields ride in customData, which the schemas leave open: not a violation.
  const hb = await within(bad.call('Heartbeat', { customData: { vendorId: 'acme', anything: [1, 2] } }), 'a Heartbeat with customData', 5000);
  assert.equal(hb[0], 3, JSON.stringify(hb));
  assert.equal(typeof hb[2].currentTime, 'string');
});

test('a 1.6 connection on the same server keeps the 1.6 spellings', async (t) => {
  const { url } = await startServer(t, KNOWN_PROTOCOLS);
  const old = await connect(t, `${url}/CP-1`, ['ocpp1.6']);
  for (const [frame, code] of [
    ['{"this is": not json', 'FormationViolation'],
    [JSON.stringify([7, 'm1', 'Heartbeat', {}]), 'ProtocolError'],
    [JSON.stringify([2, 'm2', 'Heartbeat', []]), 'FormationViolation'],
  ] as const) {
    old.send(frame);
    const reply = await within(old.next(), `the answer to ${frame}`, 5000);
    assert.equal(reply[2], code, frame);
  }
});
