// Pure parts of the upstream side: connector numbering, delivery planning with
// merging, reconnect backoff, authorization expiry, merged availability answers,
// schedule evaluation, link error descriptions, TxProfile binding and reservation expiry.
import test from 'node:test';
import assert from 'node:assert/strict';
import { assignNumbers } from '../../daemon/upstream/connector-map.js';
import { planDelivery, type OutboxRow } from '../../daemon/upstream/outbox.js';
import { backoffDelayMs, describeSocketError } from '../../daemon/upstream/link.js';
import { effective } from '../../daemon/upstream/auth.js';
import { mergeAvailability } from '../../daemon/upstream/routes.js';
import { limitAt, bindable, isStale, bindWindowMs } from '../../daemon/upstream/cloud-profiles.js';
import { isLive } from '../../daemon/upstream/reservations.js';

test('connector numbers: chargers order first; additions get the next free number, existing ones never move', () => {
  const first = assignNumbers([], [{ chargerId: 'A', connectorId: 1 }, { chargerId: 'A', connectorId: 2 }, { chargerId: 'C', connectorId: 1 }]);
  assert.deepEqual(first.map((a) => [a.chargerId, a.connectorId, a.number]), [['A', 1, 1], ['A', 2, 2], ['C', 1, 3]]);
  // B inserted in the middle of the list, C removed: nothing renumbered, B gets 4.
  const second = assignNumbers(first, [{ chargerId: 'A', connectorId: 1 }, { chargerId: 'A', connectorId: 2 }, { chargerId: 'B', connectorId: 1 }]);
  assert.deepEqual(second.map((a) => [a.chargerId, a.connectorId, a.number]), [['B', 1, 4]]);
  assert.deepEqual(assignNumbers([...first, ...second], [{ chargerId: 'C', connectorId: 1 }]), []);
});

const row = (seq: number, action: OutboxRow['action'], tx: number | null, payload: any): OutboxRow => ({ seq, action, transactionId: tx, chargerId: 'CP', payload, queuedAt: 0, attempts: 0, offline: false, seqNo: null, groupLast: null });
const mv = (n: number) => ({ connectorId: 2, transactionId: 7, meterValue: Array.from({ length: n }, (_, i) => ({ timestamp: `t${i}`, sampledValue: [{ value: String(i) }] })) });
const ctx = (cloud: Record<number, number | null>, max = 10) => ({
  cloudConnector: (_c: string, k: number) => k + 100,
  cloudIdOf: (id: number) => cloud[id],
  maxMergedMeterValues: max,
});

test('delivery plan: Start renumbers the connector; Stop and MeterValues get the cloud id at send time', () => {
  const start = planDelivery([row(1, 'StartTransaction', 7, { connectorId: 2, idTag: 'T', meterStart: 5, timestamp: 'x' })], ctx({}));
  assert.deepEqual(start, { kind: 'call', seqs: [1], action: 'StartTransaction', localTransactionId: 7, payload: { connectorId: 102, idTag: 'T', meterStart: 5, timestamp: 'x' } });
  const stop = planDelivery([row(2, 'StopTransaction', 7, { transactionId: 7, meterStop: 9, timestamp: 'y' })], ctx({ 7: 5000 }));
  assert.deepEqual(stop.kind === 'call' && stop.payload, { transactionId: 5000, meterStop: 9, timestamp: 'y' });
});

test('delivery plan: consecutive MeterValues of one transaction merge up to the bound, stopping at other messages', () => {
  const rows = [row(1, 'MeterValues', 7, mv(3)), row(2, 'MeterValues', 7, mv(4)), row(3, 'MeterValues', 7, mv(5)), row(4, 'StopTransaction', 7, {})];
  const p = planDelivery(rows, ctx({ 7: 5000 }, 10));
  assert.equal(p.kind, 'call');
  if (p.kind !== 'call') return;
  assert.deepEqual(p.seqs, [1, 2]);
  assert.equal(p.payload.meterValue.length, 7);
  assert.equal(p.payload.transactionId, 5000);
  assert.equal(p.payload.connectorId, 102);
  const other = planDelivery([row(1, 'MeterValues', 7, mv(1)), row(2, 'MeterValues', 8, mv(1))], ctx({ 7: 1, 8: 2 }));
  assert.deepEqual(other.kind === 'call' && other.seqs, [1]);
  // A single row larger than the bound still goes, alone.
  const big = planDelivery([row(1, 'MeterValues', 7, mv(20))], ctx({ 7: 1 }, 10));
  assert.deepEqual(big.kind === 'call' && big.seqs, [1]);
});

test('delivery plan: messages the cloud cannot match are set aside with a reason, never dropped silently', () => {
  const orphan = planDelivery([row(1, 'StopTransaction', null, { transactionId: 99 })], ctx({}));
  assert.equal(orphan.kind, 'setAside');
  const noStart = planDelivery([row(1, 'StopTransaction', 7, { transactionId: 7 })], ctx({}));
  assert.equal(noStart.kind, 'setAside');
  assert.match(noStart.kind === 'setAside' ? noStart.reason : '', /StartTransaction of local transaction 7/);
  assert.deepEqual(planDelivery([], ctx({})), { kind: 'empty' });
});

test('reconnect backoff grows exponentially to the bound, with jitter', () => {
  assert.equal(backoffDelayMs(0, 1000, 300_000, () => 0), 1000);
  assert.equal(backoffDelayMs(3, 1000, 300_000, () => 1), 8000);
  assert.equal(backoffDelayMs(20, 1000, 300_000, () => 1), 300_000);
  const spread = new Set(Array.from({ length: 20 }, (_, i) => backoffDelayMs(5, 1000, 300_000, () => i / 20)));
  assert.equal(spread.size, 20);
});

test('authorization entries: an Accepted entry past its expiry is Expired; others keep their status', () => {
  const now = Date.parse('2026-11-21T12:00:00Z');
  assert.equal(effective({ status: 'Accepted', expiryDate: '2026-11-21T11:00:00Z' }, now).status, 'Expired');
  assert.equal(effective({ status: 'Accepted', expiryDate: '2026-11-22T11:00:00Z' }, now).status, 'Accepted');
  assert.equal(effective({ status: 'Blocked' }, now).status, 'Blocked');
});

test('ChangeAvailability(0) answers merge: all Accepted, any Rejected, else Scheduled', () => {
  assert.equal(mergeAvailability(['Accepted', 'Accepted']), 'Accepted');
  assert.equal(mergeAvailability(['Accepted', 'Scheduled']), 'Scheduled');
  assert.equal(mergeAvailability(['Scheduled', 'Rejected']), 'Rejected');
  assert.equal(mergeAvailability([]), 'Rejected');
});

test('schedule evaluation: the period in force, W converted to A, before start and after duration nothing', () => {
  const s = { chargingRateUnit: 'A' as const, duration: 3600, chargingSchedulePeriod: [{ startPeriod: 0, limit: 32 }, { startPeriod: 600, limit: 16 }] };
  assert.equal(limitAt(s, 0, 10_000, 690), 32);
  assert.equal(limitAt(s, 0, 700_000, 690), 16);
  assert.equal(limitAt(s, 0, 3_600_000, 690), null);
  assert.equal(limitAt(s, 5000, 0, 690), null);
  assert.equal(limitAt({ chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 11040 }] }, 0, 1, 690), 16);
});

test('link errors say what a technician should check', () => {
  const e = (code: string) => Object.assign(new Error('x'), { code });
  // No phase prefix (the phase is recorded beside it); the host is named.
  assert.equal(describeSocketError(e('ENOTFOUND'), 'csms.example.com'), 'host csms.example.com not found');
  assert.equal(describeSocketError(Object.assign(e('EAI_AGAIN'), { hostname: 'csms.example.com' })), 'lookup of csms.example.com timed out (no DNS server reachable?)');
  assert.equal(describeSocketError(e('ECONNREFUSED')), 'connection refused');
  assert.match(describeSocketError(e('CERT_HAS_EXPIRED')), /gateway clock/);
  assert.match(describeSocketError(e('CERT_NOT_YET_VALID')), /gateway clock/);
});

test('RemoteStart TxProfile binding: a transaction created from the command on, within the window', () => {
  const rows: Array<[number, number, number, boolean]> = [
    // receivedAt, txCreatedAt, windowMs, bindable
    [1000, 1000, 500, true],
    [1000, 1500, 500, true],
    [1000, 1501, 500, false], // too late: the charger gave up on that start
    [1000, 999, 500, false], // started before the command: another transaction
  ];
  for (const [r, c, w, want] of rows) assert.equal(bindable(r, c, w), want, `${r} ${c} ${w}`);
  assert.equal(bindWindowMs(120), 180_000);
});

test('stale cloud profiles: waiting TxProfiles past the window, TxProfiles of stopped transactions; other purposes never', () => {
  const running = (id: number) => id === 7;
  const rows: Array<[Parameters<typeof isStale>[0], number, boolean]> = [
    [{ purpose: 'TxProfile', transactionId: null, receivedAt: 0 }, 100, false],
    [{ purpose: 'TxProfile', transactionId: null, receivedAt: 0 }, 101, true],
    [{ purpose: 'TxProfile', transactionId: 7, receivedAt: 0 }, 10_000, false],
    [{ purpose: 'TxProfile', transactionId: 8, receivedAt: 0 }, 0, true],
    [{ purpose: 'TxDefaultProfile', transactionId: null, receivedAt: 0 }, 10_000, false],
    [{ purpose: 'ChargePointMaxProfile', transactionId: null, receivedAt: 0 }, 10_000, false],
  ];
  for (const [p, now, want] of rows) assert.equal(isStale(p, now, 100, running), want, JSON.stringify([p, now]));
});

test('reservations count until their expiryDate; an unparsable date never counted', () => {
  const at = Date.parse('2030-01-01T00:00:00Z');
  assert.equal(isLive({ expiryDate: '2030-01-01T00:00:01Z' }, at), true);
  assert.equal(isLive({ expiryDate: '2030-01-01T00:00:00Z' }, at), false);
  assert.equal(isLive({ expiryDate: 'soon' }, at), false);
});

test('delivery plan: MeterValues whose readings only 2.0.1 can say go to a 1.6 cloud as nothing (no call), or add nothing to a merged call', () => {
  const empty = (seq: number) => row(seq, 'MeterValues', 7, { connectorId: 2, transactionId: 7, meterValue: [], extra: { meterValue201: [{ timestamp: 't', sampledValue: [{ value: 1, measurand: 'Energy.Active.Net' }] }] } });
  assert.deepEqual(planDelivery([empty(1), empty(2)], ctx({ 7: 5000 })), { kind: 'nothingToSay', seqs: [1, 2], reason: 'MeterValues with no reading OCPP 1.6 can carry' });
  const mixed = planDelivery([empty(1), row(2, 'MeterValues', 7, mv(2))], ctx({ 7: 5000 }));
  assert.ok(mixed.kind === 'call');
  assert.deepEqual(mixed.seqs, [1, 2]);
  assert.equal(mixed.payload.meterValue.length, 2);
  assert.equal(mixed.payload.extra, undefined);
});
