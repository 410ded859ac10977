// The allocator's second-generation rules (issue 13): imbalance bound, phase switching,
// rotation — tables for the cases an installer would recognise, seeded property tests
// for the invariants (per-phase sums within the budget, never between 0 and the minimum,
// the imbalance bound).
import test from 'node:test';
import assert from 'node:assert/strict';
import { allocate, type AllocationInput, type AllocationResult, type ConnectorDemand } from '../../daemon/balancer/allocate.js';
import type { GridPhase, PerPhase } from '../../daemon/balancer/phases.js';
import { prng } from '../helpers/prng.js';

const NOW = 10_000_000;
const THREE: GridPhase[] = [0, 1, 2];
const conn = (key: string, more: Partial<ConnectorDemand> = {}): ConnectorDemand =>
  ({ key, gridPhases: THREE, maxCurrentA: 32, priority: 0, sessionStartedAt: 0, charging: true, ...more });
const input = (budgetA: PerPhase, connectors: ConnectorDemand[], more: Partial<AllocationInput> = {}): AllocationInput =>
  ({ budgetA, minCurrentA: 6, connectors, now: NOW, minPauseMs: 60_000, ...more });

/** Phases a connector ended up on: switchable ones per the result, others as given. */
function phasesOf(inp: AllocationInput, res: AllocationResult, c: ConnectorDemand): readonly GridPhase[] {
  const n = res.phases.get(c.key);
  return n === 1 ? [c.gridPhases[0]!] : c.gridPhases;
}

function checkInvariants(inp: AllocationInput, res: AllocationResult): void {
  const budget = inp.budgetA.map((b) => {
    const x = Math.min(b, inp.siteCapA ?? Infinity);
    return Number.isFinite(x) && x > 0 ? Math.floor(x * 10 + 1e-9) / 10 : 0;
  });
  const sums = [0, 0, 0];
  for (const c of inp.connectors) {
    const l = res.limitsA.get(c.key)!;
    if (l > 0) {
      assert.ok(c.charging && l >= inp.minCurrentA - 1e-9, `${c.key}: ${l} A is between 0 and the minimum`);
      assert.ok(l <= Math.min(c.maxCurrentA, c.capA ?? Infinity) + 1e-9, `${c.key}: ${l} A above its max/cap`);
      for (const p of phasesOf(inp, res, c)) sums[p] += l;
    }
  }
  for (const p of THREE) {
    assert.ok(sums[p]! <= budget[p]! + 1e-6, `phase ${p}: ${sums[p]} A > budget ${budget[p]} A`);
    assert.ok(Math.abs(sums[p]! - res.totalsA[p]) < 1e-6, `phase ${p}: totals ${res.totalsA[p]} vs ${sums[p]}`);
  }
  if (inp.maxUnbalanceA !== undefined) {
    const spread = Math.max(...sums) - Math.min(...sums);
    assert.ok(spread <= Math.floor(inp.maxUnbalanceA * 10 + 1e-9) / 10 + 1e-6, `imbalance ${spread.toFixed(1)} A > ${inp.maxUnbalanceA} A (${sums})`);
  }
  for (const c of inp.connectors) {
    const sw = c.phaseSwitch;
    if (sw && !sw.mayChange && res.phases.has(c.key)) assert.equal(res.phases.get(c.key), sw.phases, `${c.key} switched inside its hysteresis`);
  }
}

function run(inp: AllocationInput): AllocationResult {
  const res = allocate(inp);
  checkInvariants(inp, res);
  return res;
}

const lim = (res: AllocationResult) => Object.fromEntries(res.limitsA);
const reasons = (res: AllocationResult) => Object.fromEntries(res.paused.map((p) => [p.key, p.reason]));

test('imbalance: a 1-phase car on L1 next to 3-phase cars is bounded by maxUnbalanceA; the 3-phase cars are not', () => {
  const cs = [conn('1p', { gridPhases: [0] }), conn('3p-a'), conn('3p-b')];
  const free = run(input([100, 100, 100], cs));
  assert.deepEqual(lim(free), { '1p': 32, '3p-a': 32, '3p-b': 32 }, 'without the rule: 32 A more on L1 than on L2/L3');
  const res = run(input([100, 100, 100], cs, { maxUnbalanceA: 20 }));
  assert.deepEqual(lim(res), { '1p': 20, '3p-a': 32, '3p-b': 32 });
  assert.deepEqual(res.totalsA, [84, 64, 64]);
});

test('imbalance: a bound below the minimum pauses a lone 1-phase car (reason unbalance); 1-phase cars on every phase balance each other', () => {
  const lone = run(input([60, 60, 60], [conn('1p', { gridPhases: [0] })], { maxUnbalanceA: 4 }));
  assert.deepEqual(lim(lone), { '1p': 0 });
  assert.deepEqual(reasons(lone), { '1p': 'unbalance' });
  assert.equal(lone.mode, 'insufficient');
  const spread = run(input([60, 60, 60], [conn('a', { gridPhases: [0] }), conn('b', { gridPhases: [1] }), conn('c', { gridPhases: [2], maxCurrentA: 10 })], { maxUnbalanceA: 4 }));
  assert.deepEqual(lim(spread), { a: 14, b: 14, c: 10 }, 'L3 takes 10 A, so L1 and L2 may take 14 A');
});

test('imbalance: unset or generous, nothing changes', () => {
  const cs = [conn('a', { gridPhases: [0] }), conn('b', { gridPhases: [1], maxCurrentA: 16 }), conn('c')];
  assert.deepEqual(lim(run(input([40, 40, 40], cs, { maxUnbalanceA: 100 }))), lim(run(input([40, 40, 40], cs))));
});

test('phase switching: three phases at the minimum do not fit but one does → 1 phase; back to 3 when they fit', () => {
  const sw = (phases: 1 | 3, mayChange = true) => conn('sw', { phaseSwitch: { phases, mayChange }, maxCurrentA: 16 });
  // L3 has only 4 A left: a 3-phase session cannot get 6 A there, one phase on L1 can.
  const down = run(input([20, 20, 4], [sw(3)]));
  assert.equal(down.phases.get('sw'), 1);
  assert.deepEqual(lim(down), { sw: 16 });
  assert.deepEqual(down.totalsA, [16, 0, 0]);
  // Inside the hysteresis it stays on three phases and is paused.
  const held = run(input([20, 20, 4], [sw(3, false)]));
  assert.equal(held.phases.get('sw'), 3);
  assert.deepEqual(reasons(held), { sw: 'no-room' });
  // Room on all three again: back to three (only when allowed to change).
  const up = run(input([20, 20, 20], [sw(1)]));
  assert.equal(up.phases.get('sw'), 3);
  assert.deepEqual(lim(up), { sw: 16 });
  const stay = run(input([20, 20, 20], [sw(1, false)]));
  assert.equal(stay.phases.get('sw'), 1);
  // A non-switchable session next to it is unaffected.
  assert.equal(run(input([20, 20, 4], [conn('fixed', { maxCurrentA: 16 })])).phases.size, 0);
});

test('phase switching respects the imbalance bound: switched to one phase, it is bounded like any 1-phase car', () => {
  const res = run(input([30, 30, 4], [conn('sw', { phaseSwitch: { phases: 3, mayChange: true }, maxCurrentA: 16 })], { maxUnbalanceA: 10 }));
  assert.equal(res.phases.get('sw'), 1);
  assert.deepEqual(lim(res), { sw: 10 });
});

test('rotation: after rotationMs the longest running session at the same priority yields to a waiting one', () => {
  const ROT = 15 * 60_000;
  // Room for one session at the minimum only (L1 8 A): A runs, B waits.
  const a = conn('A', { sessionStartedAt: 0, runningSince: NOW - 16 * 60_000 });
  const b = conn('B', { sessionStartedAt: 1000, paused: { since: NOW - 10 * 60_000 } });
  const without = run(input([8, 8, 8], [a, b]));
  assert.deepEqual(lim(without), { A: 8, B: 0 }, 'without rotation the older session keeps the room forever');
  const res = run(input([8, 8, 8], [a, b], { rotationMs: ROT }));
  assert.deepEqual(lim(res), { A: 0, B: 8 });
  assert.deepEqual(reasons(res), { A: 'rotated' });
  assert.deepEqual(res.turns.get('A'), { queuedAt: NOW }, 'A goes to the back of the queue');
  assert.deepEqual(res.turns.get('B'), { queuedAt: 1000, runningSince: NOW });
  // Fed back 16 minutes later: B has had its turn, A (waiting since) gets it back.
  const later = NOW + 16 * 60_000;
  const back = run(input([8, 8, 8], [
    conn('A', { sessionStartedAt: 0, queuedAt: NOW, paused: { since: NOW } }),
    conn('B', { sessionStartedAt: 1000, queuedAt: 1000, runningSince: NOW }),
  ], { rotationMs: ROT, now: later }));
  assert.deepEqual(lim(back), { A: 8, B: 0 });
  // Before its turn is over nobody yields, and a higher priority never yields to a lower one.
  assert.deepEqual(lim(run(input([8, 8, 8], [conn('A', { runningSince: NOW - 60_000 }), b], { rotationMs: ROT }))), { A: 8, B: 0 });
  assert.deepEqual(lim(run(input([8, 8, 8], [conn('A', { priority: 1, runningSince: 0 }), b], { rotationMs: ROT }))), { A: 8, B: 0 });
});

test('rotation: a due session only yields when the waiting one needs its room', () => {
  // B waits on L1 only... and L2/L3 have room for another; A is due but B fits next to it.
  const res = run(input([14, 14, 14], [conn('A', { runningSince: 0 }), conn('B', { gridPhases: [0], sessionStartedAt: 5, paused: { since: 0 } })], { rotationMs: 60_000 }));
  assert.deepEqual(lim(res), { A: 7, B: 7 });
  assert.deepEqual(res.paused, []);
});

test('property: budget, minimum, imbalance and hysteresis hold on 1,500 random sites with every new rule', () => {
  const rnd = prng(0x13ba1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const rotations: GridPhase[][] = [[0, 1, 2], [1, 2, 0], [2, 0, 1]];
  for (let k = 0; k < 1500; k++) {
    const connectors: ConnectorDemand[] = [];
    const n = Math.floor(rnd() * 25);
    for (let i = 0; i < n; i++) {
      const kind = rnd();
      const three = pick(rotations);
      const gridPhases = kind < 0.45 ? three : kind < 0.8 ? [pick(THREE)] : kind < 0.9 ? three.slice(0, 2) : three;
      const switchable = kind >= 0.9;
      connectors.push(conn(`CP-${i}/1`, {
        gridPhases,
        maxCurrentA: pick([6, 10, 13, 16, 20, 32, 7.35]),
        ...(rnd() < 0.15 ? { capA: Math.round(rnd() * 200) / 10 } : {}),
        priority: Math.floor(rnd() * 2),
        sessionStartedAt: Math.floor(rnd() * 5) * 1000,
        charging: rnd() < 0.85,
        ...(rnd() < 0.3 ? { paused: { since: NOW - Math.floor(rnd() * 120_000) } } : {}),
        ...(rnd() < 0.5 ? { runningSince: NOW - Math.floor(rnd() * 3_600_000), queuedAt: Math.floor(rnd() * 5000) } : {}),
        ...(switchable ? { phaseSwitch: { phases: pick([1, 3] as const), mayChange: rnd() < 0.5 } } : {}),
      }));
    }
    const budget = (): number => Math.round(rnd() * 1000) / 10;
    const inp = input([budget(), budget(), budget()], connectors, {
      ...(rnd() < 0.7 ? { maxUnbalanceA: pick([0, 4, 6, 10, 16, 20, 35.5]) } : {}),
      ...(rnd() < 0.5 ? { rotationMs: pick([60_000, 900_000]) } : {}),
      ...(rnd() < 0.2 ? { siteCapA: Math.round(rnd() * 800) / 10 } : {}),
    });
    run(inp);
  }
});
