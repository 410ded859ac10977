// Pure parts of issue 13: the external limit's payloads (good and garbage), the probe's
// harmless limit and ladder, phase switching hysteresis.
import test from 'node:test';
import assert from 'node:assert/strict';
import { ExternalLimitHolder, parseExternalLimit, type ExternalLimitChange } from '../../daemon/balancer/external-limit.js';
import { harmlessLimitA, ladderFromProbe } from '../../daemon/balancer/probe.js';
import { profileLadder } from '../../daemon/balancer/profiles.js';
import { maySwitch, PhaseSwitchLog } from '../../daemon/balancer/phase-switch.js';
import { FallbackBook } from '../../daemon/balancer/fallback-book.js';

test('external limit payloads: what parses, and what garbage does (nothing, with a reason)', () => {
  const table: Array<[string, ReturnType<typeof parseExternalLimit>]> = [
    ['{"maxCurrentA": 40, "validForS": 900}', { ok: true, limit: { maxCurrentA: [40, 40, 40], validForS: 900 } }],
    ['{"maxCurrentA": [40, 40, 32], "validForS": 60}', { ok: true, limit: { maxCurrentA: [40, 40, 32], validForS: 60 } }],
    ['{"maxCurrentA": 0, "validForS": 10}', { ok: true, limit: { maxCurrentA: [0, 0, 0], validForS: 10 } }],
    ['{"maxCurrentA": 40, "validForS": 999999}', { ok: true, limit: { maxCurrentA: [40, 40, 40], validForS: 86400 } }],
    ['{"maxCurrentA": null}', { ok: true, limit: null }],
    ['', { ok: true, limit: null }],
    ['nope', { ok: false, error: 'payload is not JSON' }],
    ['[40]', { ok: false, error: 'payload must be a JSON object {"maxCurrentA": ..., "validForS": ...}' }],
    ['{"maxCurrentA": -1, "validForS": 10}', { ok: false, error: 'maxCurrentA must be a number of amperes (0..10000) or an array of three' }],
    ['{"maxCurrentA": [40, 40], "validForS": 10}', { ok: false, error: 'maxCurrentA must be a number of amperes (0..10000) or an array of three' }],
    ['{"maxCurrentA": "40", "validForS": 10}', { ok: false, error: 'maxCurrentA must be a number of amperes (0..10000) or an array of three' }],
    ['{"maxCurrentA": 40}', { ok: false, error: 'validForS must be a positive number of seconds' }],
    ['{"maxCurrentA": 40, "validForS": 0}', { ok: false, error: 'validForS must be a positive number of seconds' }],
    ['{"maxCurrentA": 40, "validForS": 10, "phase": 1}', { ok: false, error: 'unknown key phase' }],
    ['x'.repeat(2000), { ok: false, error: 'payload of 2000 bytes; at most 1024' }],
  ];
  for (const [payload, want] of table) assert.deepEqual(parseExternalLimit(Buffer.from(payload), 86400), want, payload.slice(0, 60));
});

test('external limit holder: set, garbage keeps the limit, expiry by the clock, clear', () => {
  const clock = { t: 1_000_000 };
  const h = new ExternalLimitHolder({ source: 'test', maxValidForS: 3600, now: () => clock.t });
  const seen: ExternalLimitChange['kind'][] = [];
  h.on('change', (c) => seen.push(c.kind));
  h.accept('{"maxCurrentA": [20, 30, 30], "validForS": 60}');
  assert.deepEqual(h.limitA(), [20, 30, 30]);
  h.accept('{"maxCurrentA": "x", "validForS": 60}');
  assert.deepEqual(h.limitA(), [20, 30, 30], 'garbage changes nothing');
  clock.t += 60_000;
  assert.equal(h.limitA(), undefined, 'lapsed after validForS');
  h.accept('{"maxCurrentA": 10, "validForS": 60}');
  h.accept('{"maxCurrentA": null}');
  assert.equal(h.limitA(), undefined);
  assert.deepEqual(seen, ['set', 'rejected', 'expired', 'set', 'cleared']);
  assert.deepEqual(h.counters, { accepted: 3, rejected: 1 });
  h.stop();
});

test('probe: the harmless limit is the minimum for a charging car, never more than it has, 0 A when idle or paused', () => {
  assert.equal(harmlessLimitA({ charging: true, limitA: 13 }, 6), 6, 'below any decrease the balancer may send meanwhile');
  assert.equal(harmlessLimitA({ charging: true, limitA: null }, 6), 6, 'charging, limit unknown: the minimum');
  assert.equal(harmlessLimitA({ charging: true, limitA: 0 }, 6), 0, 'paused: stays at 0 A');
  assert.equal(harmlessLimitA({ charging: false, limitA: 16 }, 6), 0, 'idle: 0 A');
});

test('probe: the ladder puts accepted forms first, drops refused ones, keeps untested ones; none when nothing was accepted', () => {
  const ladder = profileLadder(null);
  const tries = (accepted: string[], skipped: string[] = []) => ({
    accepted: accepted.map((k) => ({ form: k.split('/')[0] as 'connector', unit: k.split('/')[1] as 'A' })),
    tries: ladder.map((s) => ({ form: s.form, unit: s.unit, stackLevel: 2, connectorId: 1, limit: 0, result: skipped.includes(`${s.form}/${s.unit}`) ? 'skipped: no session' : accepted.includes(`${s.form}/${s.unit}`) ? 'Accepted' : 'Rejected' })),
  });
  const k = (l: ReturnType<typeof ladderFromProbe>) => l?.map((s) => `${s.form}/${s.unit}`);
  assert.equal(ladderFromProbe(null, ladder), null);
  assert.deepEqual(k(ladderFromProbe(tries(['charger/W'], ['transaction/A', 'transaction/W']), ladder)), ['charger/W', 'transaction/A', 'transaction/W']);
  assert.deepEqual(k(ladderFromProbe(tries([]), ladder)), []);
});

test('phase switching hysteresis: the first switch at once, then at least minInterval apart, at most maxPerSession', () => {
  const rules = { minIntervalMs: 300_000, maxPerSession: 2 };
  assert.equal(maySwitch({ phases: 3, lastSwitchAt: -Infinity, switches: 0 }, 0, rules), true);
  assert.equal(maySwitch({ phases: 1, lastSwitchAt: 0, switches: 1 }, 299_999, rules), false);
  assert.equal(maySwitch({ phases: 1, lastSwitchAt: 0, switches: 1 }, 300_000, rules), true);
  assert.equal(maySwitch({ phases: 3, lastSwitchAt: 0, switches: 2 }, 10_000_000, rules), false);
  const log = new PhaseSwitchLog(rules);
  assert.deepEqual(log.view('a', 0), { phases: 3, mayChange: true });
  assert.equal(log.apply('a', 1, 0), true);
  assert.equal(log.apply('a', 1, 1000), false, 'the same count is no switch');
  assert.deepEqual(log.view('a', 1000), { phases: 1, mayChange: false });
  log.end('a');
  assert.deepEqual(log.view('a', 1000), { phases: 3, mayChange: true }, 'a new session starts on three phases');
});

test('fallback book: an offline charger keeps its last share held against the budget until it is back', () => {
  const book = new FallbackBook(16, 6);
  const wiring = { phases: 3 as const, phaseRotation: 'L1L2L3' as const, maxCurrentA: 32, priority: 0 };
  const charger = (id: string, session: boolean) => ({ id, wiring, managed: true, conns: [{ key: `${id}/1`, sessionStartedAt: 0, session }] });
  assert.deepEqual(Object.fromEntries(book.shares([charger('A', true), charger('B', true)])), { 'A/1': 8, 'B/1': 8 });
  // B drops off the network with its 8 A share installed: A may not take the whole budget.
  assert.deepEqual(Object.fromEntries(book.shares([charger('A', true)])), { 'A/1': 8 });
  // Back, idle: its share goes to 0 and A gets everything.
  assert.deepEqual(Object.fromEntries(book.shares([charger('A', true), charger('B', false)])), { 'A/1': 16, 'B/1': 0 });
  // Gone again with 0 A: nothing held.
  assert.deepEqual(Object.fromEntries(book.shares([charger('A', true)])), { 'A/1': 16 });
});
