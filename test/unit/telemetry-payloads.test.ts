// Topic names and payload shapes (the public contract of DESIGN.md), and the
// rate limit of live figures, without a broker.
import test from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { topics, topicLevel, RETAINED, OFFLINE_WILL } from '../../daemon/telemetry/topics.js';
import { chargerPayload, eventPayload, meterPayload, statePayload, statusPayload } from '../../daemon/telemetry/payloads.js';
import { Throttle } from '../../daemon/telemetry/throttle.js';
import { safeUrl } from '../../daemon/telemetry/mqtt-client.js';
import { ChargerSession } from '../../daemon/local/session.js';

const T0 = Date.parse('2026-11-21T10:00:00.000Z');

test('topics follow the DESIGN.md table under the prefix', () => {
  const t = topics('site-controller/site-001/');
  assert.equal(t.status, 'site-controller/site-001/status');
  assert.equal(t.health('system'), 'site-controller/site-001/health/system');
  assert.equal(t.health('modem'), 'site-controller/site-001/health/modem');
  assert.equal(t.upstream, 'site-controller/site-001/upstream');
  assert.equal(t.meter, 'site-controller/site-001/meter');
  assert.equal(t.balancer, 'site-controller/site-001/balancer');
  assert.equal(t.charger('CP-001'), 'site-controller/site-001/chargers/CP-001');
  assert.equal(t.events, 'site-controller/site-001/events');
  assert.deepEqual(Object.entries(RETAINED).filter(([, r]) => !r).map(([k]) => k), ['meter', 'events']);
  assert.equal(OFFLINE_WILL, '{"state":"offline"}');
});

test('charger ids with MQTT syntax in them stay one topic level, reversibly', () => {
  for (const id of ['a/b', 'x+y', 'z#', '100%', 'plain-ID_1']) {
    const level = topicLevel(id);
    assert.doesNotMatch(level, /[/+#]/);
    assert.equal(decodeURIComponent(level), id);
  }
  assert.equal(topicLevel('a/b+c#d'), 'a%2Fb%2Bc%23d');
});

test('chargers/<id>: connection, protocol, boot info and per-connector live figures', () => {
  const rpc = Object.assign(new EventEmitter(), { isOpen: true, protocol: 'ocpp2.0.1' });
  const s = new ChargerSession('CP-1', undefined, rpc as any, '127.0.0.1', T0);
  s.boot = { vendor: 'ACME', model: 'Wallbox', firmwareVersion: '1.2.3' };
  s.lastSeenAt = T0 + 5000;
  const c2 = s.connector(2, T0 + 1000);
  c2.status = 'Available';
  const c1 = s.connector(1, T0 + 2000);
  c1.status = 'Charging';
  c1.transactionId = 42;
  c1.live = { currentA: [16, 15.9, null], currentUnphasedA: null, powerW: 7300, energyWh: 1500, offeredA: 16, ts: T0 + 3000 };
  const p = chargerPayload('CP-1', s, true, T0 + 6000);
  assert.deepEqual(p, {
    ts: '2026-11-21T10:00:06.000Z',
    id: 'CP-1',
    connected: true,
    protocol: 'ocpp2.0.1',
    connectedAt: '2026-11-21T10:00:00.000Z',
    lastSeenAt: '2026-11-21T10:00:05.000Z',
    vendor: 'ACME',
    model: 'Wallbox',
    firmwareVersion: '1.2.3',
    connectors: {
      '1': { status: 'Charging', errorCode: 'NoError', transactionId: 42, currentA: [16, 15.9, null], powerW: 7300, energyWh: 1500, offeredA: 16, measuredAt: '2026-11-21T10:00:03.000Z', updatedAt: '2026-11-21T10:00:02.000Z' },
      '2': { status: 'Available', errorCode: 'NoError', transactionId: null, currentA: null, powerW: null, energyWh: null, offeredA: null, measuredAt: null, updatedAt: '2026-11-21T10:00:01.000Z' },
    },
    lastRefusal: null,
  });
  assert.deepEqual(Object.keys(p.connectors), ['1', '2']);
  // Gone: the last known connectors stay, connectedAt does not.
  const gone = chargerPayload('CP-1', s, false, T0 + 7000);
  assert.equal(gone.connected, false);
  assert.equal(gone.connectedAt, null);
  // What telemetry keeps of a closed session (service.ts) still says which version it spoke.
  const kept = { connectors: s.connectors, connectedAt: s.connectedAt, lastSeenAt: s.lastSeenAt, boot: s.boot, protocol: s.protocol };
  assert.equal(chargerPayload('CP-1', kept, false, T0 + 7000).protocol, 'ocpp2.0.1');
  const old = new ChargerSession('CP-2', undefined, Object.assign(new EventEmitter(), { isOpen: true, protocol: 'ocpp1.6' }) as any, '127.0.0.1', T0);
  assert.equal(chargerPayload('CP-2', old, true, T0).protocol, 'ocpp1.6');
  assert.equal(gone.connectors['1']!.transactionId, 42);
  // Configured but never seen.
  assert.deepEqual(chargerPayload('CP-9', undefined, false, T0), {
    ts: '2026-11-21T10:00:00.000Z', id: 'CP-9', connected: false, protocol: null, connectedAt: null, lastSeenAt: null, vendor: null, model: null, firmwareVersion: null, connectors: {}, lastRefusal: null,
  });
  // Refused at admission: why, when and from where.
  assert.deepEqual(chargerPayload('CP-9', undefined, false, T0, { at: T0 - 1000, reason: 'password', message: 'wrong password', remote: '10.0.0.5:40000', count: 3 }).lastRefusal, {
    at: '2026-11-21T09:59:59.000Z', reason: 'password', message: 'wrong password', remote: '10.0.0.5:40000', count: 3,
  });
});

test('status, state and event payloads all carry an ISO ts', () => {
  assert.deepEqual(statusPayload('online', T0, { since: T0 - 1000, droppedEvents: 3, connects: 2 }), {
    ts: '2026-11-21T10:00:00.000Z', state: 'online', droppedEvents: 3, connects: 2, since: '2026-11-21T09:59:59.000Z',
  });
  assert.equal(statusPayload('offline', T0, { droppedEvents: 0, connects: 1, reason: 'stopped' }).reason, 'stopped');
  assert.deepEqual(statePayload({ mode: 'normal', ts: T0 - 500 }, T0), { mode: 'normal', ts: '2026-11-21T09:59:59.500Z' });
  assert.deepEqual(statePayload({ mode: 'fallback' }, T0), { mode: 'fallback', ts: '2026-11-21T10:00:00.000Z' });
  assert.deepEqual(statePayload(7, T0), { ts: '2026-11-21T10:00:00.000Z', value: 7 });
});

test('meter: the last good sample with its own ts and the stale flag; nothing yet reads as stale', () => {
  const sample = { ts: T0 - 2000, currentA: [10, 11, 12] as [number, number, number], voltageV: [230, 231, 229] as [number, number, number], powerW: 7590, importEnergyWh: 123456 };
  assert.deepEqual(meterPayload(sample, false, T0), { ts: '2026-11-21T09:59:58.000Z', stale: false, currentA: [10, 11, 12], voltageV: [230, 231, 229], powerW: 7590, importEnergyWh: 123456 });
  assert.equal(meterPayload(sample, true, T0).stale, true);
  assert.deepEqual(meterPayload(null, false, T0), { ts: '2026-11-21T10:00:00.000Z', stale: true, currentA: null, voltageV: null, powerW: null, importEnergyWh: null });
});

test('events from any source are normalised to type (kind) + code (stable name)', () => {
  assert.deepEqual(eventPayload('upstream', { type: 'upstream-down', code_: 1, reason: 'timeout' }, T0), {
    ts: '2026-11-21T10:00:00.000Z', type: 'alarm', code: 'upstream-down', source: 'upstream', message: 'upstream-down', code_: 1, reason: 'timeout',
  });
  assert.equal(eventPayload('upstream', { type: 'upstream-up' }, T0).type, 'cleared');
  const health = eventPayload('health', { ts: '2026-11-21T09:00:00.000Z', type: 'alarm', code: 'disk-low', source: 'system', message: 'disk almost full' }, T0);
  assert.deepEqual(health, { ts: '2026-11-21T09:00:00.000Z', type: 'alarm', code: 'disk-low', source: 'system', message: 'disk almost full' });
  assert.deepEqual(eventPayload('balancer', 'limits changed', T0), { ts: '2026-11-21T10:00:00.000Z', type: 'info', code: 'balancer-event', source: 'balancer', message: 'limits changed' });
  assert.equal(eventPayload('balancer', { code: 'x' }, T0).type, 'info');
  const lost = eventPayload('balancer', { type: 'meter-lost', ts: T0 - 1000, detail: 'no sample yet' }, T0);
  assert.deepEqual([lost.type, lost.code, lost.message, lost.ts], ['alarm', 'meter-lost', 'no sample yet', '2026-11-21T09:59:59.000Z']);
});

test('broker URLs lose their credentials before they are logged', () => {
  assert.equal(safeUrl('mqtts://user:secret@broker.example.com:8883'), 'mqtts://broker.example.com:8883');
  assert.equal(safeUrl('mqtt://127.0.0.1:1883'), 'mqtt://127.0.0.1:1883');
});

test('throttle: first hit at once, a burst collapses into one trailing fire, zero interval passes everything', async () => {
  let now = T0;
  const th = new Throttle(5000, () => now);
  const fired: string[] = [];
  th.hit('a', () => fired.push('a1'));
  assert.deepEqual(fired, ['a1']);
  now += 4999; // within the interval: the trailing fire is 1 ms away
  let trailing!: () => void;
  // The throttle's timer is unref'd (telemetry never keeps the process up), so this
  // ref'd deadline is what keeps the event loop alive while we wait (Node 22+ ends a
  // test whose only pending work is an unref'd timer).
  let guard!: NodeJS.Timeout;
  const done = new Promise<void>((resolve, reject) => {
    trailing = resolve;
    guard = setTimeout(() => reject(new Error('the trailing fire did not come within 2 s')), 2000);
  });
  th.hit('a', () => (fired.push('a2'), trailing()));
  th.hit('a', () => fired.push('a3')); // collapses into the pending fire
  th.hit('b', () => fired.push('b1')); // keys are independent
  assert.deepEqual(fired, ['a1', 'b1']);
  await done.finally(() => clearTimeout(guard));
  assert.deepEqual(fired, ['a1', 'b1', 'a2']);
  th.clear();

  const all: number[] = [];
  const zero = new Throttle(0);
  for (let i = 0; i < 3; i++) zero.hit('k', () => all.push(i));
  assert.deepEqual(all, [0, 1, 2]);
});
