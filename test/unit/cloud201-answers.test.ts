// The 2.0.1 cloud's answers and schema checks without sockets: what it answers is itself
// valid against the official response schemas, each kind of violation gets the OCPP-J
// 2.0.1 error code that fits, and the boot state rules (B02/B03) are applied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cloud201Protocol, fixedAnswer } from '../../scripts/sim/cloud201-answers.js';
import { codeForKeyword, schemas201, STATION_ACTIONS } from '../../scripts/sim/cloud201-schemas.js';
import type { ReceivedCall } from '../../scripts/sim/cloud-rpc.js';

const NOW = new Date().toISOString();
const BOOT = { reason: 'PowerUp', chargingStation: { model: 'Gateway', vendorName: 'Acme' } };
const STARTED = {
  eventType: 'Started',
  timestamp: NOW,
  triggerReason: 'Authorized',
  seqNo: 0,
  transactionInfo: { transactionId: 'T-1' },
  idToken: { idToken: 'TAG-1', type: 'ISO14443' },
  evse: { id: 1, connectorId: 1 },
};

function setup() {
  const anomalies: string[] = [];
  const proto = new Cloud201Protocol('Accepted', 60, (identity, text) => anomalies.push(`${identity}: ${text}`));
  const conn = { bootStatus: undefined as string | undefined, triggered: new Set<string>() };
  let n = 0;
  const send = (action: string, payload: unknown) => {
    const call: ReceivedCall = { at: 0, identity: 'SITE-1', messageId: `m${++n}`, action, payload, connection: 1 };
    return proto.answer(conn, call);
  };
  return { proto, conn, send, anomalies };
}

test('every station → CSMS action has its schemas, and every answer the cloud gives is schema-valid', () => {
  const s = schemas201();
  for (const action of STATION_ACTIONS) {
    assert.ok(s.has(action), `${action}Request.json exists`);
    if (!['BootNotification', 'Heartbeat', 'Authorize', 'TransactionEvent'].includes(action)) {
      assert.equal(s.check('Response', action, fixedAnswer(action)), null, `the ${action} answer`);
    }
  }
  const { send, anomalies } = setup();
  const answers = [
    ['BootNotification', send('BootNotification', BOOT)],
    ['Heartbeat', send('Heartbeat', {})],
    ['Authorize', send('Authorize', { idToken: { idToken: 'TAG-1', type: 'ISO14443' } })],
    ['TransactionEvent', send('TransactionEvent', STARTED)],
    ['TransactionEvent', send('TransactionEvent', { ...STARTED, eventType: 'Updated', seqNo: 1, idToken: undefined, triggerReason: 'MeterValuePeriodic' })],
  ] as const;
  for (const [action, outcome] of answers) {
    assert.ok('result' in outcome, `${action}: ${JSON.stringify(outcome)}`);
    assert.equal(s.check('Response', action, outcome.result), null, `the ${action} answer ${JSON.stringify(outcome.result)}`);
  }
  assert.deepEqual((answers[0][1] as any).result.interval, 60);
  assert.deepEqual((answers[3][1] as any).result, { idTokenInfo: { status: 'Accepted' } }, 'TransactionEvent with an idToken');
  assert.deepEqual((answers[4][1] as any).result, {}, 'TransactionEvent without one');
  assert.deepEqual(anomalies, []);
});

test('schema violations get the OCPP-J 2.0.1 error code that fits and are not booked', () => {
  const { proto, send, anomalies } = setup();
  send('BootNotification', BOOT);
  const table: Array<[string, object, string, RegExp]> = [
    ['missing field', { ...STARTED, seqNo: undefined }, 'OccurrenceConstraintViolation', /seqNo/],
    ['wrong type', { ...STARTED, seqNo: '0' }, 'TypeConstraintViolation', /\/seqNo must be integer/],
    ['value outside the enum', { ...STARTED, triggerReason: 'Whatever' }, 'PropertyConstraintViolation', /\/triggerReason must be one of Authorized/],
    ['string too long', { ...STARTED, transactionInfo: { transactionId: 'x'.repeat(37) } }, 'PropertyConstraintViolation', /transactionId/],
    ['not a date-time', { ...STARTED, timestamp: 'yesterday' }, 'PropertyConstraintViolation', /timestamp must match format "date-time"/],
    ['unknown property', { ...STARTED, colour: 'red' }, 'FormatViolation', /unknown property colour/],
  ];
  for (const [name, payload, code, text] of table) {
    const outcome = send('TransactionEvent', JSON.parse(JSON.stringify(payload)));
    assert.ok('error' in outcome, name);
    assert.equal(outcome.error.code, code, name);
    assert.match(outcome.error.description, text, name);
  }
  assert.equal(anomalies.length, table.length, 'each violation is an anomaly');
  assert.match(anomalies[0], /^SITE-1: TransactionEvent m2: OccurrenceConstraintViolation/);
  assert.equal(proto.book.transactions.size, 0, 'nothing invalid reaches the ledger');
  const table2: Array<[string, string]> = [
    ['required', 'OccurrenceConstraintViolation'],
    ['maxItems', 'OccurrenceConstraintViolation'],
    ['type', 'TypeConstraintViolation'],
    ['maxLength', 'PropertyConstraintViolation'],
    ['minimum', 'PropertyConstraintViolation'],
    ['additionalProperties', 'FormatViolation'],
    ['anyOf', 'FormatViolation'],
  ];
  for (const [keyword, code] of table2) assert.equal(codeForKeyword(keyword), code, keyword);
});

test('an unknown action is NotImplemented, a CSMS → station action from the station NotSupported; both anomalies', () => {
  const { send, anomalies } = setup();
  send('BootNotification', BOOT);
  assert.deepEqual(send('StartTransaction', {}), { error: { code: 'NotImplemented', description: 'StartTransaction is not accepted from a charging station' } });
  assert.equal((send('RequestStartTransaction', {}) as any).error.code, 'NotSupported');
  assert.match(anomalies.join('\n'), /StartTransaction m2: not an OCPP 2.0.1 action \(NotImplemented\)/);
  assert.match(anomalies.join('\n'), /RequestStartTransaction m3: a CSMS → station action, sent by the station \(NotSupported\)/);
});

test('before an Accepted boot only what the cloud asked for may come (B02/B03)', () => {
  const { proto, conn, send, anomalies } = setup();
  send('Heartbeat', {});
  assert.match(anomalies.pop()!, /Heartbeat m1 before an Accepted BootNotification \(no BootNotification yet/);
  proto.bootStatus = 'Pending';
  assert.equal((send('BootNotification', BOOT) as any).result.status, 'Pending');
  send('NotifyReport', { requestId: 1, generatedAt: NOW, seqNo: 0 });
  conn.triggered.add('StatusNotification');
  conn.triggered.add('SignChargingStationCertificate');
  send('StatusNotification', { timestamp: NOW, connectorStatus: 'Available', evseId: 1, connectorId: 1 });
  send('SignCertificate', { csr: 'x' });
  assert.deepEqual(anomalies, [], 'a report asked for and triggered messages are allowed while Pending');
  send('StatusNotification', { timestamp: NOW, connectorStatus: 'Available', evseId: 1, connectorId: 1 });
  assert.match(anomalies.pop()!, /StatusNotification m6 before an Accepted BootNotification \(boot Pending\)/, 'a trigger allows one');
  proto.bootStatus = 'Rejected';
  send('BootNotification', BOOT);
  send('NotifyReport', { requestId: 1, generatedAt: NOW, seqNo: 1 });
  assert.match(anomalies.pop()!, /boot Rejected/);
});

test('commands the cloud sends are checked before they go out; answers to them after', () => {
  const { proto } = setup();
  assert.equal(proto.checkCommand('RequestStopTransaction', { transactionId: 'T-1' }), null);
  assert.match(proto.checkCommand('RequestStopTransaction', { transactionId: 7 })!, /^TypeConstraintViolation: \/transactionId/);
  assert.equal(proto.checkCommand('NoSuchAction', { anything: 1 }), null, 'an unknown action goes out as given');
  assert.equal(proto.checkResult('RequestStopTransaction', { status: 'Accepted' }), null);
  assert.match(proto.checkResult('RequestStopTransaction', { status: 'OK' })!, /^PropertyConstraintViolation: \/status must be one of Accepted, Rejected/);
  assert.match(proto.checkResult('GetVariables', {})!, /^OccurrenceConstraintViolation/);
});

test('idTokenInfo follows the per-token status, default Accepted; a copy each time', () => {
  const { proto, send } = setup();
  send('BootNotification', BOOT);
  proto.setIdToken('BAD', { status: 'Blocked' });
  const ask = (idToken: string) => (send('Authorize', { idToken: { idToken, type: 'ISO14443' } }) as any).result.idTokenInfo;
  assert.deepEqual(ask('BAD'), { status: 'Blocked' });
  assert.deepEqual(ask('GOOD'), { status: 'Accepted' });
  proto.defaultIdToken = { status: 'Unknown' };
  ask('GOOD').status = 'Mutated';
  assert.deepEqual(ask('GOOD'), { status: 'Unknown' });
});
