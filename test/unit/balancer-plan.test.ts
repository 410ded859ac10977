// The control step's pure parts: when a limit goes out, the fallback shares, and
// the plan from meter + chargers to per-connector limits.
import test from 'node:test';
import assert from 'node:assert/strict';
import { decideLimit, fallbackShares, quantizeLimit, type FallbackConnector } from '../../daemon/balancer/limits.js';
import { plan, type PlanConnector, type PlanInput } from '../../daemon/balancer/plan.js';
import { estimateDraw, nonEvLoadEstimate } from '../../daemon/balancer/estimate.js';

const r = (lowA: number, highA = lowA) => ({ lowA, highA, targetA: lowA });

const RULES = { increaseIntervalMs: 5000, minIncreaseA: 1 };

test('decreases at once, increases rate-limited and only by ≥ 1 A', () => {
  assert.deepEqual(decideLimit(null, 16, 0, RULES), { limitA: 16, reason: 'first' });
  const prev = { limitA: 16, changedAt: 1000 };
  assert.deepEqual(decideLimit(prev, 15, 1001, RULES), { limitA: 15, reason: 'decrease' });
  assert.deepEqual(decideLimit(prev, 0, 1001, RULES), { limitA: 0, reason: 'decrease' });
  assert.deepEqual(decideLimit(prev, 20, 5999, RULES), { limitA: 16, reason: 'hold' });
  assert.deepEqual(decideLimit(prev, 20, 6000, RULES), { limitA: 20, reason: 'increase' });
  assert.deepEqual(decideLimit(prev, 16.9, 60_000, RULES), { limitA: 16, reason: 'hold' });
  assert.deepEqual(decideLimit(prev, 16, 60_000, RULES), { limitA: 16, reason: 'hold' });
});

test('limits are whole amperes, rounded down; a fractional minimum keeps its tenths', () => {
  assert.equal(quantizeLimit(12.9, 6), 12);
  assert.equal(quantizeLimit(6, 6), 6);
  assert.equal(quantizeLimit(0, 6), 0);
  assert.equal(quantizeLimit(6.9, 6.5), 6.9);
});

const W3 = { phases: 3, phaseRotation: 'L1L2L3' } as const;
const fc = (key: string, session: boolean, over: Partial<FallbackConnector> = {}): FallbackConnector =>
  ({ key, wiring: W3, maxCurrentA: 32, priority: 0, sessionStartedAt: 0, session, ...over });

test('fallback shares: only connectors with a session share the budget; idle ones get 0', () => {
  const shares = fallbackShares([
    fc('A/1', true), fc('A/2', true), fc('A/3', false), fc('A/4', false),
    fc('B/1', true, { wiring: { phases: 1, phaseRotation: 'L2' } }),
    fc('C/1', true, { wiring: { phases: 1, phaseRotation: 'L3' }, maxCurrentA: 7 }),
  ], 40, 6);
  // L2: A/1, A/2, B/1 share 40 → 13.3 each; L3: C/1 takes its own max of 7.
  assert.deepEqual(Object.fromEntries(shares), { 'A/1': 13.3, 'A/2': 13.3, 'A/3': 0, 'A/4': 0, 'B/1': 13.3, 'C/1': 7 });
});

test('fallback shares: 16 A for 2, 6 and 20 sessions — never between 0 and the minimum, the sum within the budget', () => {
  for (const [n, running, each] of [[2, 2, 8], [6, 2, 8], [20, 2, 8]] as const) {
    // Twenty configured connectors; n of them have a session (older sessions first).
    const cs = Array.from({ length: 20 }, (_, i) => fc(`CP-${i}/1`, i < n, { sessionStartedAt: i }));
    const shares: number[] = [...fallbackShares(cs, 16, 6).values()];
    assert.equal(shares.filter((a) => a > 0).length, running, `${n} sessions`);
    assert.ok(shares.every((a): boolean => a === 0 || a === each), `${n} sessions: ${shares}`);
    assert.ok(shares.reduce((s, a) => s + a, 0) <= 16);
  }
  // Per-phase sums hold with 1-phase chargers on one phase and held shares of an offline charger.
  const shares = fallbackShares([fc('X/1', true, { wiring: { phases: 1, phaseRotation: 'L1' } }), fc('Y/1', true)], 16, 6, [4, 0, 0]);
  assert.deepEqual(Object.fromEntries(shares), { 'X/1': 6, 'Y/1': 6 }, 'L1 has 12 A left after 4 A held elsewhere');
});

function conn(key: string, over: Partial<PlanConnector> = {}): PlanConnector {
  return {
    key, wiring: { phases: 3, phaseRotation: 'L1L2L3' }, maxCurrentA: 32, priority: 0, charging: true,
    sessionStartedAt: 0, measuredA: null, limit: null, managed: true, ...over,
  };
}

function input(connectors: PlanConnector[], over: Partial<PlanInput> = {}): PlanInput {
  return { gridMaxA: 63, marginA: 2, fallbackBudgetA: 16, minCurrentA: 6, minPauseMs: 60_000, source: { kind: 'static' }, connectors, now: 1000, ...over };
}

test('non-EV load = meter − what the chargers draw, mapped through their rotation', () => {
  // A 3-phase car at 10 A on a rotated charger and a 1-phase car at 8 A on L2.
  const p = plan(input([
    conn('A/1', { wiring: { phases: 3, phaseRotation: 'L2L3L1' }, measuredA: [10, 10, 10], limit: r(10) }),
    conn('B/1', { wiring: { phases: 1, phaseRotation: 'L2' }, measuredA: [8, null, null], limit: r(8) }),
  ], { source: { kind: 'meter', currentA: [30, 38, 10] } }));
  assert.deepEqual(p.evDrawA, [10, 18, 10]);
  assert.deepEqual(p.nonEvA, [20, 20, 0]);
  assert.deepEqual(p.headroomA, [41, 41, 61]);
  assert.equal(p.mode, 'normal');
  // L2 is the tightest for both: 41 / 2.
  assert.equal(p.limitsA.get('A/1'), 20);
  assert.equal(p.limitsA.get('B/1'), 20);
});

test('a car is never counted above the limit in force (it may still draw the old one): errs to a smaller budget', () => {
  const p = plan(input([conn('A/1', { measuredA: [16, 16, 16], limit: r(10) })], { source: { kind: 'meter', currentA: [40, 40, 40] } }));
  assert.deepEqual(p.evDrawA, [10, 10, 10]);
  assert.deepEqual(p.nonEvA, [30, 30, 30]);
});

test('a measurement older than the last limit change: a limit-bound car follows its limit, a car-bound one keeps its draw', () => {
  // Measured 10 A at a 10 A limit, raised to 16 since: it draws 16 now.
  assert.equal(estimateDraw(10, 16, 10), 16);
  // Measured 9.2 A at 10 A (cars draw a little under): still limit-bound.
  assert.equal(estimateDraw(9.2, 16, 10), 16);
  // Measured 0 while paused, admitted at 10 A since: 10, not 0 (else it would be paused again at once).
  assert.equal(estimateDraw(0, 10, 0), 10);
  // Measured 7 A at a 16 A limit: the car's own max; a raise to 32 A does not change it.
  assert.equal(estimateDraw(7, 32, 16), 7);
  // Lowered since: never above the limit now, either way.
  assert.equal(estimateDraw(16, 10, 16), 10);
  assert.equal(estimateDraw(7, 6, 16), 6);
  // No limit known: the measurement as it is.
  assert.equal(estimateDraw(12, null, 16), 12);
  assert.equal(estimateDraw(null, 10, 10), null);
  const p = plan(input([conn('A/1', { measuredA: [0, 0, 0], limit: r(10), limitAtMeasurementA: 0 })], { source: { kind: 'meter', currentA: [40, 40, 40] } }));
  assert.deepEqual(p.nonEvA, [30, 30, 30]);
});

test('while a car follows a new limit, the non-EV load is held from the last quiet sample, and may only rise', () => {
  // Quiet: 20 A non-EV, trusted.
  const quiet = nonEvLoadEstimate([36, 36, 36], [16, 16, 16], [16, 16, 16], [false, false, false], null);
  assert.deepEqual(quiet, { nonEvA: [20, 20, 20], trustedA: [20, 20, 20] });
  // L1 cut from 16 to 6 A and the car already followed: meter − old limit would say 10 A, meter − new 20 A: held at 20.
  const following = nonEvLoadEstimate([26, 36, 36], [6, 16, 16], [16, 16, 16], [true, false, false], quiet.trustedA);
  assert.deepEqual(following.nonEvA, [20, 20, 20]);
  assert.deepEqual(following.trustedA, [20, 20, 20]);
  // A kettle switched on during the transit: even with the car still at 16 A the load is at least 30 A.
  const rising = nonEvLoadEstimate([46, 36, 36], [6, 16, 16], [16, 16, 16], [true, false, false], quiet.trustedA);
  assert.deepEqual(rising.nonEvA, [30, 20, 20]);
  // Nothing held yet: the highest the load can be (the smaller budget).
  assert.deepEqual(nonEvLoadEstimate([26, 0, 0], [6, 0, 0], [16, 0, 0], [true, false, false], null).nonEvA, [20, 0, 0]);
  // In plan(): the car's range 6..16 marks L1..L3 in transit.
  const p = plan(input([conn('A/1', { limit: r(6, 16) })], { source: { kind: 'meter', currentA: [26, 26, 26] }, heldNonEvA: [20, 20, 20] }));
  assert.deepEqual(p.nonEvA, [20, 20, 20]);
  assert.deepEqual(p.trustedNonEvA, [20, 20, 20]);
  assert.equal(p.limitsA.get('A/1'), 32);
});

test('increases wait on phases where a car may still be coming down, not elsewhere', () => {
  const p = plan(input([
    conn('A/1', { wiring: { phases: 1, phaseRotation: 'L1' }, limit: { lowA: 6, highA: 16, targetA: 6 } }),
    conn('B/1', { wiring: { phases: 1, phaseRotation: 'L1' }, limit: r(6) }),
    conn('C/1', { wiring: { phases: 1, phaseRotation: 'L2' }, limit: r(6) }),
    conn('D/1', { wiring: { phases: 1, phaseRotation: 'L1' }, charging: false }),
    // Going up is no reason to hold the others: the allocation already counts its new limit.
    conn('E/1', { wiring: { phases: 1, phaseRotation: 'L3' }, limit: { lowA: 6, highA: 16, targetA: 16 } }),
    conn('F/1', { wiring: { phases: 1, phaseRotation: 'L3' }, limit: r(6) }),
  ]));
  assert.deepEqual([...p.increaseHeld].sort(), ['A/1', 'B/1', 'D/1']);
  // A cut decided in this very step holds the others on its phases: L3 at 40 A of load leaves 21 A.
  const cut = plan(input([
    conn('X/1', { limit: r(17) }),
    conn('Y/1', { wiring: { phases: 1, phaseRotation: 'L3' }, limit: r(6) }),
  ], { source: { kind: 'meter', currentA: [27, 27, 63] }, heldNonEvA: null }));
  assert.equal(cut.limitsA.get('X/1'), 10);
  assert.deepEqual([...cut.increaseHeld].sort(), ['X/1', 'Y/1']);
});

test('without MeterValues a car counts at its limit in force; 1-phase car on a 3-phase charger on its phase only', () => {
  const p = plan(input([
    conn('A/1', { limit: r(12) }),
    conn('B/1', { measuredA: [14, 0, 0], limit: r(16) }),
  ], { source: { kind: 'meter', currentA: [40, 20, 20] } }));
  assert.deepEqual(p.evDrawA, [26, 12, 12]);
  assert.equal(p.phases.get('A/1'), 3);
  assert.equal(p.phases.get('B/1'), 1);
});

test('stale meter: the fallback budget for everyone, mode fallback', () => {
  const p = plan(input([conn('A/1'), conn('B/1')], { source: { kind: 'fallback' } }));
  assert.equal(p.mode, 'fallback');
  assert.deepEqual(p.budgetA, [16, 16, 16]);
  assert.equal(p.limitsA.get('A/1'), 8);
  assert.equal(p.limitsA.get('B/1'), 8);
  assert.equal(p.nonEvA, null);
});

test('no meter: the static budget grid max − margin', () => {
  const p = plan(input([conn('A/1', { maxCurrentA: 63 })]));
  assert.deepEqual(p.budgetA, [61, 61, 61]);
  assert.equal(p.limitsA.get('A/1'), 61);
});

test('an unmanaged charger counts at its full max while charging; it gets no limit', () => {
  const p = plan(input([
    conn('X/1', { managed: false, maxCurrentA: 16 }),
    conn('Y/1'),
    conn('X/2', { managed: false, charging: false }),
  ], { gridMaxA: 40 }));
  assert.deepEqual(p.reservedA, [16, 16, 16]);
  assert.deepEqual(p.budgetA, [22, 22, 22]);
  assert.equal(p.limitsA.get('Y/1'), 22);
  assert.equal(p.limitsA.has('X/1'), false);
});

test('idle connectors get 0; three 1-phase chargers on L1, L2, L3 do not add up on one phase', () => {
  const one = (key: string, phaseRotation: 'L1' | 'L2' | 'L3') => conn(key, { wiring: { phases: 1, phaseRotation } });
  const p = plan(input([one('A/1', 'L1'), one('B/1', 'L2'), one('C/1', 'L3'), conn('D/1', { charging: false })], { gridMaxA: 25, marginA: 1 }));
  assert.equal(p.limitsA.get('A/1'), 24);
  assert.equal(p.limitsA.get('B/1'), 24);
  assert.equal(p.limitsA.get('C/1'), 24);
  assert.equal(p.limitsA.get('D/1'), 0);
});

test('not enough for everyone: insufficient, the newest paused, the site cap honoured', () => {
  const p = plan(input([conn('A/1', { sessionStartedAt: 1 }), conn('B/1', { sessionStartedAt: 2 })], { source: { kind: 'meter', currentA: [50, 50, 50] } }));
  assert.equal(p.mode, 'insufficient');
  assert.equal(p.limitsA.get('A/1'), 11);
  assert.equal(p.limitsA.get('B/1'), 0);
  assert.deepEqual(p.paused.map((x) => x.key), ['B/1']);
  const capped = plan(input([conn('A/1')], { siteCapA: 20 }));
  assert.equal(capped.mode, 'capped');
  assert.equal(capped.limitsA.get('A/1'), 20);
});
