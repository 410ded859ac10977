// Pure parts of the site as a 2.0.1 station towards the cloud: model rows → TransactionEvents
// (numbering, merging, offline, re-send of a numbered group, a start a 1.6 cloud got),
// 1.6 meter values / statuses / reasons / tokens in 2.0.1 terms, profiles both ways, the
// site's device model.
import test from 'node:test';
import assert from 'node:assert/strict';
import type { OutboxRow } from '../../daemon/upstream/outbox.js';
import { planEvent, type Plan201Context } from '../../daemon/upstream/v201/plan.js';
import type { Tx201State } from '../../daemon/upstream/v201/tx-state.js';
import { localIdOfRef, transactionRef } from '../../daemon/upstream/v201/dialect.js';
import {
  chargingStateOf, connectorStatusOf, END_TRIGGER_201, idTagInfoOf, idTokenOf, meterValuesTo201, STOPPED_REASON_201, updateTrigger,
} from '../../daemon/ocpp/v201/upstream-mapping.js';
import { profileTo201, profileToModel, type Profile201 } from '../../daemon/upstream/v201/profiles.js';
import { availabilityState, findVariable, reportData, siteVariables } from '../../daemon/upstream/v201/device-model.js';
import { SiteConfiguration } from '../../daemon/upstream/site-config.js';
import { limitMessages, limitPayload } from '../../daemon/upstream/v201/charging-limits.js';
import { idTagOf } from '../../daemon/ocpp/v201/mapping.js';

const row = (seq: number, action: OutboxRow['action'], tx: number | null, payload: any, o: Partial<OutboxRow> = {}): OutboxRow =>
  ({ seq, action, transactionId: tx, chargerId: 'CP', payload, queuedAt: 0, attempts: 0, offline: false, seqNo: null, groupLast: null, ...o });
const sv = (value: string, extra: object = {}) => ({ value, measurand: 'Energy.Active.Import.Register', unit: 'Wh', ...extra });
const mvRow = (seq: number, n: number, o: Partial<OutboxRow> = {}) =>
  row(seq, 'MeterValues', 7, { connectorId: 2, transactionId: 7, meterValue: Array.from({ length: n }, (_, i) => ({ timestamp: `2026-11-28T10:0${i}:00.000Z`, sampledValue: [sv(String(seq * 10 + i))] })) }, o);
const start = { connectorId: 2, idTag: 'TAG1', meterStart: 100, timestamp: '2026-11-28T09:59:00.000Z' };
const stop = { transactionId: 7, meterStop: 900, timestamp: '2026-11-28T11:00:00.000Z', reason: 'EVDisconnected' };

function context(states: Record<number, Partial<Tx201State>>, o: Partial<Plan201Context> = {}): Plan201Context & { writes: string[] } {
  const writes: string[] = [];
  return {
    writes,
    state: (id) => (states[id] ? { transactionId: id, nextSeqNo: 0, started: false, synthesized: false, remoteStartId: null, remoteIdToken: null, idTokenStatus: null, ...states[id] } : undefined),
    startDeliveredElsewhere: () => undefined,
    transactionRef: (id) => `${id}-abc`,
    cloudConnector: (_c, k) => k + 10,
    remoteStartOf: () => undefined,
    maxMergedMeterValues: 10,
    foldIntoStop: false,
    tagSeqNo: (seqs, n) => writes.push(`tag ${seqs.join(',')}=${n}`),
    used: (id, n, opts) => writes.push(`used ${id}:${n}${opts?.synthesized ? ' synth' : ''}${opts?.remoteStartId !== undefined ? ` rs${opts.remoteStartId}` : ''}`),
    ...o,
  };
}

test('Started: seqNo 0, the site\'s id, EVSE k connector 1, the meterStart as a Transaction.Begin reading, an RFID token', () => {
  const c = context({});
  const p = planEvent([row(1, 'StartTransaction', 7, start)], c, { alone: false });
  assert.equal(p.kind, 'call');
  if (p.kind !== 'call') return;
  assert.deepEqual(p.payload, {
    eventType: 'Started', timestamp: start.timestamp, triggerReason: 'Authorized', seqNo: 0,
    transactionInfo: { transactionId: '7-abc' }, idToken: { idToken: 'TAG1', type: 'ISO14443' }, evse: { id: 12, connectorId: 1 },
    meterValue: [{ timestamp: start.timestamp, sampledValue: [{ value: 100, context: 'Transaction.Begin', measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }],
  });
  p.fix!();
  assert.deepEqual(c.writes, ['tag 1=0', 'used 7:0']);
});

test('Started for a remote start carries the cloud\'s remoteStartId and token; offline and the charger\'s own words pass through', () => {
  const c = context({}, { remoteStartOf: () => ({ remoteStartId: 55, idToken: { idToken: 'APP-1', type: 'Central' } }) });
  const p = planEvent([row(1, 'StartTransaction', 7, { ...start, extra: { status: 'Preparing' } }, { offline: true })], c, { alone: false });
  assert.ok(p.kind === 'call');
  const e = p.payload as any;
  assert.equal(e.triggerReason, 'RemoteStart');
  assert.equal(e.offline, true);
  assert.deepEqual(e.transactionInfo, { transactionId: '7-abc', chargingState: 'EVConnected', remoteStartId: 55 });
  assert.deepEqual(e.idToken, { idToken: 'APP-1', type: 'Central' });
  p.fix!();
  assert.deepEqual(c.writes, ['tag 1=0', 'used 7:0 rs55']);
  const own = planEvent([row(1, 'StartTransaction', 7, { ...start, extra: { triggerReason: 'CablePluggedIn', idToken: { idToken: '', type: 'NoAuthorization' }, chargingState: 'EVConnected' } })], context({}), { alone: false });
  assert.ok(own.kind === 'call');
  assert.equal((own.payload as any).triggerReason, 'CablePluggedIn');
  assert.deepEqual((own.payload as any).idToken, { idToken: '', type: 'NoAuthorization' });
});

test('Updated: MeterValues of one transaction merge (same offline flag, bounded) under the next seqNo; the newest reading is the time', () => {
  const c = context({ 7: { nextSeqNo: 3, started: true } });
  const rows = [mvRow(1, 2), mvRow(2, 3), mvRow(3, 2, { offline: true }), row(4, 'StopTransaction', 7, stop)];
  const p = planEvent(rows, c, { alone: false });
  assert.ok(p.kind === 'call');
  assert.deepEqual(p.seqs, [1, 2]);
  const e = p.payload as any;
  assert.equal(e.eventType, 'Updated');
  assert.equal(e.seqNo, 3);
  assert.equal(e.triggerReason, 'MeterValuePeriodic');
  assert.equal(e.offline, undefined);
  assert.equal(e.meterValue.length, 5);
  assert.equal(e.timestamp, '2026-11-28T10:02:00.000Z');
  p.fix!();
  assert.deepEqual(c.writes, ['tag 1,2=3', 'used 7:3']);
  // Bounded: 2 + 3 entries do not fit in 4, so the first row goes alone.
  const small = planEvent(rows, context({ 7: { nextSeqNo: 3, started: true } }, { maxMergedMeterValues: 4 }), { alone: false });
  assert.ok(small.kind === 'call' && small.seqs.length === 1);
  // After a failed merged call the head goes alone.
  const alone = planEvent(rows, context({ 7: { nextSeqNo: 3, started: true } }), { alone: true });
  assert.ok(alone.kind === 'call' && alone.seqs.length === 1);
});

test('a change of charging state (a row without readings) is its own Updated event: ChargingStateChanged at its own time, never merged', () => {
  const state = (seq: number, extra: object) => row(seq, 'MeterValues', 7, { connectorId: 2, transactionId: 7, meterValue: [], extra });
  const rows = [mvRow(1, 1), state(2, { status: 'SuspendedEV', timestamp: '2026-11-28T10:30:00.000Z' }), mvRow(3, 1), state(4, { status: 'Charging', timestamp: '2026-11-28T10:40:00.000Z' })];
  const c = () => context({ 7: { nextSeqNo: 3, started: true } });
  // Readings before it go without it.
  const before = planEvent(rows, c(), { alone: false });
  assert.ok(before.kind === 'call');
  assert.deepEqual(before.seqs, [1]);
  // A 1.6 charger's status: the chargingState it maps to, the status's time.
  const pause = planEvent(rows.slice(1), c(), { alone: false });
  assert.ok(pause.kind === 'call');
  assert.deepEqual(pause.seqs, [2]);
  assert.deepEqual(pause.payload, {
    eventType: 'Updated', timestamp: '2026-11-28T10:30:00.000Z', triggerReason: 'ChargingStateChanged', seqNo: 3,
    transactionInfo: { transactionId: '7-abc', chargingState: 'SuspendedEV' },
  });
  // A 2.0.1 charger's Updated without readings: its own trigger, state and token pass through.
  const own = planEvent([state(5, { triggerReason: 'Authorized', chargingState: 'Charging', idToken: { idToken: 'LATE', type: 'ISO14443' }, timestamp: '2026-11-28T10:50:00.000Z' })], c(), { alone: false });
  assert.ok(own.kind === 'call');
  assert.deepEqual(own.payload, {
    eventType: 'Updated', timestamp: '2026-11-28T10:50:00.000Z', triggerReason: 'Authorized', seqNo: 3,
    transactionInfo: { transactionId: '7-abc', chargingState: 'Charging' }, idToken: { idToken: 'LATE', type: 'ISO14443' },
  });
});

test('a numbered group is sent again exactly as it was, whatever arrived behind it since', () => {
  const rows = [mvRow(1, 1, { seqNo: 4, groupLast: 2 }), mvRow(2, 1), mvRow(3, 1)];
  const c = context({ 7: { nextSeqNo: 5, started: true } });
  const p = planEvent(rows, c, { alone: false });
  assert.ok(p.kind === 'call');
  assert.deepEqual(p.seqs, [1, 2]);
  assert.equal((p.payload as any).seqNo, 4);
  assert.equal(p.fix, undefined);
});

test('Ended: stoppedReason and triggerReason from the 1.6 reason, the meterStop as Transaction.End, queued MeterValues folded in', () => {
  const c = context({ 7: { nextSeqNo: 2, started: true } }, { foldIntoStop: true });
  const p = planEvent([mvRow(1, 2), row(2, 'StopTransaction', 7, { ...stop, idTag: 'TAG1' })], c, { alone: false });
  assert.ok(p.kind === 'call');
  assert.deepEqual(p.seqs, [1, 2]);
  const e = p.payload as any;
  assert.equal(e.eventType, 'Ended');
  assert.equal(e.seqNo, 2);
  assert.equal(e.triggerReason, 'EVDeparted');
  assert.deepEqual(e.transactionInfo, { transactionId: '7-abc', stoppedReason: 'EVDisconnected' });
  assert.deepEqual(e.idToken, { idToken: 'TAG1', type: 'ISO14443' });
  assert.equal(e.meterValue.length, 3);
  assert.deepEqual(e.meterValue[2].sampledValue[0], { value: 900, context: 'Transaction.End', measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } });
  // No reason in 1.6 means Local.
  const local = planEvent([row(2, 'StopTransaction', 7, { transactionId: 7, meterStop: 1, timestamp: stop.timestamp })], context({ 7: { nextSeqNo: 2, started: true } }), { alone: false });
  assert.ok(local.kind === 'call');
  assert.equal((local.payload as any).transactionInfo.stoppedReason, 'Local');
  assert.equal((local.payload as any).triggerReason, 'StopAuthorized');
});

test('a transaction a 1.6 cloud saw start: a Started made from the journal first (seqNo 0, no row used), sent again until answered', () => {
  const c = context({}, { startDeliveredElsewhere: () => start });
  const p = planEvent([row(5, 'StopTransaction', 7, stop)], c, { alone: false });
  assert.ok(p.kind === 'call');
  assert.deepEqual(p.seqs, []);
  assert.equal((p.payload as any).eventType, 'Started');
  assert.equal((p.payload as any).seqNo, 0);
  p.fix!();
  assert.deepEqual(c.writes, ['used 7:0 synth']);
  const again = planEvent([row(5, 'StopTransaction', 7, stop)], context({ 7: { nextSeqNo: 1, synthesized: true } }, { startDeliveredElsewhere: () => start }), { alone: false });
  assert.ok(again.kind === 'call' && (again.payload as any).eventType === 'Started' && again.fix === undefined);
  // Never started anywhere (its start was refused and set aside): the rest is set aside too, with the reason.
  assert.equal(planEvent([row(5, 'StopTransaction', 7, stop)], context({}), { alone: false }).kind, 'setAside');
  assert.equal(planEvent([row(5, 'StopTransaction', 7, stop)], context({ 7: { nextSeqNo: 1 } }), { alone: false }).kind, 'setAside');
  assert.equal(planEvent([row(5, 'StopTransaction', null, stop)], context({}), { alone: false }).kind, 'setAside');
  assert.deepEqual(planEvent([], context({}), { alone: false }), { kind: 'empty' });
});

test('meter values 1.6 → 2.0.1: numbers, units, Celcius, signed data on its plain reading, what 2.0.1 cannot say named', () => {
  const r = meterValuesTo201([{ timestamp: 't', sampledValue: [
    { value: '12.5', measurand: 'Current.Import', phase: 'L1', unit: 'A', context: 'Sample.Periodic' },
    { value: '1000', unit: 'Wh' },
    { value: 'OCMF|{"a":1}|{"SD":"x"}', format: 'SignedData' },
    { value: '21', measurand: 'Temperature', unit: 'Celcius' },
    { value: 'abc', measurand: 'Voltage' },
    { value: 'SIG', format: 'SignedData', measurand: 'Voltage' },
    { value: '50', measurand: 'SoC', unit: 'Percent', location: 'EV' },
  ] as any }]);
  assert.deepEqual(r.meterValue, [{ timestamp: 't', sampledValue: [
    { value: 12.5, context: 'Sample.Periodic', measurand: 'Current.Import', phase: 'L1', unitOfMeasure: { unit: 'A' } },
    { value: 1000, unitOfMeasure: { unit: 'Wh' }, signedMeterValue: { signedMeterData: 'OCMF|{"a":1}|{"SD":"x"}', signingMethod: '', encodingMethod: 'OCMF', publicKey: '' } },
    { value: 50, measurand: 'SoC', location: 'EV', unitOfMeasure: { unit: 'Percent' } },
  ] }]);
  assert.deepEqual(r.dropped, ['measurand Temperature', 'value "abc" is not a number', 'a signed reading without a plain value (2.0.1 needs a number)']);
  assert.equal(updateTrigger([{ timestamp: 't', sampledValue: [{ value: '1', context: 'Sample.Clock' }] }]), 'MeterValueClock');
  assert.equal(updateTrigger([{ timestamp: 't', sampledValue: [{ value: '1', context: 'Trigger' }] }]), 'Trigger');
});

test('statuses, reasons and tokens: every 1.6 value has a 2.0.1 one', () => {
  const table: Array<[string, string, string | undefined]> = [
    ['Available', 'Available', 'Idle'], ['Preparing', 'Occupied', 'EVConnected'], ['Charging', 'Occupied', 'Charging'],
    ['SuspendedEV', 'Occupied', 'SuspendedEV'], ['SuspendedEVSE', 'Occupied', 'SuspendedEVSE'], ['Finishing', 'Occupied', 'EVConnected'],
    ['Reserved', 'Reserved', undefined], ['Unavailable', 'Unavailable', undefined], ['Faulted', 'Faulted', undefined], ['Unknown', 'Unavailable', undefined],
  ];
  for (const [s16, status, state] of table) {
    assert.equal(connectorStatusOf(s16), status, s16);
    assert.equal(chargingStateOf(s16), state, s16);
  }
  for (const r of ['DeAuthorized', 'EmergencyStop', 'EVDisconnected', 'HardReset', 'Local', 'Other', 'PowerLoss', 'Reboot', 'Remote', 'SoftReset', 'UnlockCommand'] as const) {
    assert.ok(STOPPED_REASON_201[r] && END_TRIGGER_201[r], r);
  }
  assert.deepEqual(idTokenOf('NoAuthorization'), { idToken: '', type: 'NoAuthorization' });
  assert.deepEqual(idTokenOf('ABC', 'remote'), { idToken: 'ABC', type: 'Central' });
  assert.deepEqual(idTagInfoOf({ status: 'NotAtThisTime', cacheExpiryDateTime: 'x', groupIdToken: { idToken: 'G', type: 'Central' } }, idTagOf), { status: 'Invalid', expiryDate: 'x', parentIdTag: 'G' });
  assert.deepEqual(idTagInfoOf({ status: 'Blocked' }, idTagOf), { status: 'Blocked' });
});

test('transaction ids the site makes: unique per local id and creation time, parsed back, anything else refused', () => {
  const ref = transactionRef(1042, Date.parse('2026-11-28T10:00:00Z'));
  assert.match(ref, /^1042-[0-9a-z]+$/);
  assert.ok(ref.length <= 36);
  assert.equal(localIdOfRef(ref), 1042);
  for (const bad of ['', '1042', 'abc-1', '1042-', '-x', '1042-ABC', `${'9'.repeat(16)}-a`]) assert.equal(localIdOfRef(bad), undefined, bad);
});

test('charging profiles: 2.0.1 → model and back; what the site cannot keep is refused with the reason', () => {
  const p: Profile201 = {
    id: 9, stackLevel: 1, chargingProfilePurpose: 'ChargingStationMaxProfile', chargingProfileKind: 'Absolute', validTo: '2027-01-01T00:00:00Z',
    chargingSchedule: [{ id: 9, chargingRateUnit: 'A', duration: 3600, chargingSchedulePeriod: [{ startPeriod: 0, limit: 40, numberPhases: 3 }] }],
  };
  const m = profileToModel(p);
  assert.deepEqual(m, {
    chargingProfileId: 9, stackLevel: 1, chargingProfilePurpose: 'ChargePointMaxProfile', chargingProfileKind: 'Absolute', validTo: '2027-01-01T00:00:00Z',
    chargingSchedule: { chargingRateUnit: 'A', duration: 3600, chargingSchedulePeriod: [{ startPeriod: 0, limit: 40, numberPhases: 3 }] },
  });
  assert.deepEqual(profileTo201(m as any), p);
  assert.equal(typeof profileToModel({ ...p, chargingProfilePurpose: 'ChargingStationExternalConstraints' }), 'string');
  assert.equal(typeof profileToModel({ ...p, chargingSchedule: [p.chargingSchedule[0], { ...p.chargingSchedule[0], id: 10 }] }), 'string');
});

test('device model: the 1.6 keys at their 2.0.1 homes, one source of truth, EVSE availability, reports by base', () => {
  const kv = new Map<string, unknown>();
  let hb = 300;
  const cfg = new SiteConfiguration({
    kv: { get: (k: string) => kv.get(k), set: (k: string, v: unknown) => void kv.set(k, v) } as any,
    numberOfConnectors: () => 2, heartbeatIntervalS: () => hb, setHeartbeatIntervalS: (s) => { hb = s; }, allowOfflineTxForUnknownId: false,
  });
  const vars = siteVariables(cfg, () => [{ id: 1, status: 'Charging' }, { id: 2, status: 'Available' }]);
  const hbVar = findVariable(vars, { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } });
  assert.ok(typeof hbVar === 'object' && hbVar.mutability === 'ReadWrite' && hbVar.value() === '300' && hbVar.key16 === 'HeartbeatInterval');
  assert.equal(cfg.change(hbVar.key16!, '60'), 'Accepted');
  assert.equal(hbVar.value(), '60');
  const units = findVariable(vars, { component: { name: 'SmartChargingCtrlr' }, variable: { name: 'RateUnit' } });
  assert.ok(typeof units === 'object' && units.value() === 'A,W' && units.mutability === 'ReadOnly');
  assert.equal(findVariable(vars, { component: { name: 'Nope' }, variable: { name: 'X' } }), 'component');
  assert.equal(findVariable(vars, { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'X' } }), 'variable');
  const evse1 = findVariable(vars, { component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'AvailabilityState' } });
  assert.ok(typeof evse1 === 'object' && evse1.value() === 'Occupied');
  assert.equal(availabilityState('Unknown'), 'Unavailable');
  const config = reportData(vars, 'ConfigurationInventory') as any[];
  assert.ok(config.length > 0 && config.every((r) => r.variableAttribute[0].mutability === 'ReadWrite'));
  assert.equal((reportData(vars, 'SummaryInventory') as any[]).length, 4);
  assert.equal((reportData(vars, 'FullInventory') as any[]).length, vars.length);
  // No secret is ever reported.
  assert.ok(!vars.some((v) => v.variable.name === 'BasicAuthPassword'));
});

test('EMS limits: told when the balancer gives a session at least 1 A less than the cloud allows, again only when it moved and a minute passed, cleared when over', () => {
  const told = new Map<number, { limitA: number; at: number }>();
  const e = (k: number, running: boolean, balancerA: number | undefined, allowedA = 32) => ({ k, running, balancerA, allowedA });
  assert.deepEqual(limitMessages(told, [e(1, true, 16), e(2, true, 31.5), e(3, false, 0), e(4, true, undefined)], 0), [{ action: 'NotifyChargingLimit', k: 1, limitA: 16 }]);
  told.set(1, { limitA: 16, at: 0 });
  assert.deepEqual(limitMessages(told, [e(1, true, 14)], 30_000), [], 'moved, but within the minute');
  assert.deepEqual(limitMessages(told, [e(1, true, 15.5)], 90_000), [], 'a minute later, but moved less than 1 A');
  assert.deepEqual(limitMessages(told, [e(1, true, 10)], 90_000), [{ action: 'NotifyChargingLimit', k: 1, limitA: 10 }]);
  assert.deepEqual(limitMessages(told, [e(1, true, 0)], 1000), [{ action: 'NotifyChargingLimit', k: 1, limitA: 0 }], 'paused: at once');
  assert.deepEqual(limitMessages(new Map([[1, { limitA: 0, at: 0 }]]), [e(1, true, 6)], 1000), [{ action: 'NotifyChargingLimit', k: 1, limitA: 6 }], 'resumed: at once');
  assert.deepEqual(limitMessages(told, [e(1, false, 0)], 1), [{ action: 'ClearedChargingLimit', k: 1 }], 'the session ended');
  assert.deepEqual(limitMessages(told, [e(1, true, 32)], 1), [{ action: 'ClearedChargingLimit', k: 1 }], 'no longer below what the cloud allows');
  assert.deepEqual(limitMessages(told, [], 1), [{ action: 'ClearedChargingLimit', k: 1 }], 'the EVSE is gone');
  assert.deepEqual(limitPayload({ action: 'NotifyChargingLimit', k: 3, limitA: 12.5 }), {
    chargingLimit: { chargingLimitSource: 'EMS', isGridCritical: false }, evseId: 3,
    chargingSchedule: [{ id: 3, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 12.5 }] }],
  });
});
