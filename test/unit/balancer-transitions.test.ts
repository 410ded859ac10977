// The pure parts of "say it once, where the operator looks": which step-to-step
// changes are news (mode, paused/resumed), at which level, how a read error's
// reason is keyed, and what MQTT makes of them.
import test from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { modeNotice, noticeLevel, pauseNotices, type ConnectorAfter, type PausedConnector } from '../../daemon/balancer/transitions.js';
import { MeterService, readErrorReason } from '../../daemon/balancer/meter-service.js';
import type { BalancerMode } from '../../daemon/balancer/plan.js';
import { eventPayload, meterPayload } from '../../daemon/telemetry/payloads.js';
import { createLogger } from '../../daemon/log.js';
import type { Meter, MeterReading } from '../../drivers/meters/index.js';

test('modeNotice: a change is news, the same mode is not; alarm into insufficient/fallback, cleared out of them', () => {
  const cases: Array<[BalancerMode, BalancerMode, 'alarm' | 'cleared' | 'info' | null, 'warn' | 'info' | null]> = [
    ['normal', 'normal', null, null],
    ['insufficient', 'insufficient', null, null],
    ['normal', 'insufficient', 'alarm', 'warn'],
    ['insufficient', 'normal', 'cleared', 'info'],
    ['normal', 'fallback', 'alarm', 'warn'],
    ['fallback', 'normal', 'cleared', 'info'],
    ['fallback', 'insufficient', 'alarm', 'warn'],
    ['insufficient', 'capped', 'cleared', 'info'],
    ['normal', 'capped', 'info', 'info'],
    ['capped', 'normal', 'info', 'info'],
  ];
  for (const [from, to, kind, level] of cases) {
    const n = modeNotice(from, to);
    assert.equal(n?.kind ?? null, kind, `${from} -> ${to}`);
    assert.equal(n ? noticeLevel(n) : null, level, `${from} -> ${to}`);
    if (n) assert.deepEqual([n.type, n.mode, n.previousMode], ['mode-changed', to, from]);
  }
});

test('pauseNotices: new pauses and ends of pauses only; a change of reason alone is no news', () => {
  const p = (chargerId: string, reason: PausedConnector['reason']): PausedConnector => ({ chargerId, connectorId: 1, reason });
  const before = new Map([['A/1', p('A', 'no-room')], ['B/1', p('B', 'no-room')], ['C/1', p('C', 'no-room')], ['D/1', p('D', 'no-room')]]);
  const after = new Map([['A/1', p('A', 'min-pause')], ['E/1', p('E', 'cap-below-minimum')]]);
  const connectors = new Map<string, ConnectorAfter>([
    ['A/1', { charging: true, wantA: 0 }],
    ['B/1', { charging: true, wantA: 8 }], // given room
    ['C/1', { charging: false, wantA: 0 }], // the car left
    ['E/1', { charging: true, wantA: 0 }],
    // D/1: its charger disconnected
  ]);
  const got = pauseNotices(before, after, connectors).map((n) => [n.type, n.chargerId, n.reason ?? null, n.kind, noticeLevel(n), n.detail]);
  assert.deepEqual(got, [
    ['connector-paused', 'E', 'cap-below-minimum', 'alarm', 'warn', "held at 0 A: the cloud's limit for it is below balancer.minCurrentA"],
    ['connector-resumed', 'B', null, 'cleared', 'info', 'no longer paused: given 8 A'],
    ['connector-resumed', 'C', null, 'cleared', 'info', 'no longer paused: its session ended'],
    ['connector-resumed', 'D', null, 'cleared', 'info', 'no longer paused: its charger is gone'],
  ]);
  assert.deepEqual(pauseNotices(after, after, connectors), []);
});

test('noticeLevel of the older events: meter-restored is info, alarms are warn', () => {
  assert.equal(noticeLevel({ type: 'meter-restored' }), 'info');
  for (const type of ['meter-lost', 'profile-rejected', 'fallback-rejected', 'charger-unbalanceable'] as const) assert.equal(noticeLevel({ type }), 'warn');
});

test('readErrorReason: the retry countdown is not part of the reason', () => {
  const base = 'Modbus TCP 127.0.0.1:502: connection refused — nothing listening there: wrong host/port, or Modbus TCP disabled on the device? (connect ECONNREFUSED 127.0.0.1:502)';
  assert.equal(readErrorReason(new Error(`${base}; next attempt in 812 ms`)), base);
  assert.equal(readErrorReason(new Error(`${base}; reconnecting`)), base);
  assert.equal(readErrorReason(new Error(base)), base);
  assert.equal(readErrorReason('plain'), 'plain');
});

test('MeterService: errorChanged and one warn line per change of reason; the same reason again after an outage is news', async () => {
  const reading: MeterReading = { ts: 0, currentA: [1, 1, 1], voltageV: [230, 230, 230], powerW: 690, importEnergyWh: 1 };
  let next: () => MeterReading | Error = () => new Error('unit 7: no answer; next attempt in 5 ms');
  const meter: Meter = { description: 'scripted', read: async () => { const r = next(); if (r instanceof Error) throw r; return r; }, close: async () => {} };
  const lines: string[] = [];
  const svc = new MeterService(meter, { pollIntervalMs: 5, staleAfterMs: 20, log: createLogger('meter', { level: 'debug', sink: (l) => lines.push(l) }) });
  const reasons: string[] = [];
  svc.on('errorChanged', (e) => reasons.push(e.reason));
  const reads = async (n: number) => { const until = svc.counters.reads + n; while (svc.counters.reads < until) await once(svc, 'tick'); };
  svc.start();
  try {
    await once(svc, 'stale');
    await reads(5);
    next = () => new Error('unit 7: CRC error; reconnecting');
    await reads(5);
    assert.deepEqual(reasons, ['unit 7: no answer', 'unit 7: CRC error']);
    assert.equal(svc.lastError?.reason, 'unit 7: CRC error');
    assert.ok(svc.lastError!.since < svc.lastError!.at, 'since is the first of the run, at the latest');
    next = () => reading;
    await once(svc, 'restored');
    assert.equal(svc.currentError, null, 'a good sample ends the run');
    assert.equal(svc.lastError?.reason, 'unit 7: CRC error', 'the last error is kept');
    next = () => new Error('unit 7: CRC error');
    await once(svc, 'errorChanged');
    assert.deepEqual(reasons, ['unit 7: no answer', 'unit 7: CRC error', 'unit 7: CRC error']);
    assert.equal(lines.filter((l) => l.startsWith('warn meter: read failing')).length, 3);
  } finally {
    await svc.stop();
  }
});

test('MQTT: the meter payload carries the last read error; a balancer event may say its kind', () => {
  const T0 = Date.parse('2026-11-21T10:00:00.000Z');
  const p = meterPayload(null, true, T0, { reason: 'no answer from unit id 7 — wrong unit id?', since: T0 - 5000, at: T0 - 1000 });
  assert.deepEqual(p, {
    ts: '2026-11-21T10:00:00.000Z', stale: true, currentA: null, voltageV: null, powerW: null, importEnergyWh: null,
    lastError: 'no answer from unit id 7 — wrong unit id?', lastErrorSince: '2026-11-21T09:59:55.000Z', lastErrorAt: '2026-11-21T09:59:59.000Z',
  });
  const starved = eventPayload('balancer', { type: 'mode-changed', ts: T0, mode: 'insufficient', previousMode: 'normal', kind: 'alarm', detail: 'the budget cannot give...' }, T0);
  assert.deepEqual([starved.type, starved.code, starved.mode, starved.message], ['alarm', 'mode-changed', 'insufficient', 'the budget cannot give...']);
  assert.equal(starved.kind, undefined, 'the kind is said in type');
  const back = eventPayload('balancer', { type: 'mode-changed', ts: T0, mode: 'normal', kind: 'cleared' }, T0);
  assert.equal(back.type, 'cleared');
  const paused = eventPayload('balancer', { type: 'connector-paused', ts: T0, chargerId: 'CP-B', connectorId: 1, reason: 'no-room' }, T0);
  assert.deepEqual([paused.type, paused.code, paused.reason], ['alarm', 'connector-paused', 'no-room']);
  const lost = eventPayload('balancer', { type: 'meter-lost', ts: T0, reason: 'connection refused', detail: 'connection refused (no sample yet)' }, T0);
  assert.deepEqual([lost.type, lost.reason, lost.message], ['alarm', 'connection refused', 'connection refused (no sample yet)']);
});
