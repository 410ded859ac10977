import test from 'node:test';
import assert from 'node:assert/strict';
import { allocate, type AllocationInput, type AllocationResult, type ConnectorDemand } from '../../daemon/balancer/allocate.js';
import { drawnPhases, gridPhasesOf, type GridPhase, type PerPhase, type PhaseRotation } from '../../daemon/balancer/phases.js';
import { prng } from '../helpers/prng.js';

const NOW = 1_000_000;
const THREE: GridPhase[] = [0, 1, 2];

function conn(key: string, more: Partial<ConnectorDemand> = {}): ConnectorDemand {
  return { key, gridPhases: THREE, maxCurrentA: 32, priority: 0, sessionStartedAt: 0, charging: true, ...more };
}

function input(budgetA: PerPhase, connectors: ConnectorDemand[], more: Partial<AllocationInput> = {}): AllocationInput {
  return { budgetA, minCurrentA: 6, connectors, now: NOW, minPauseMs: 60_000, ...more };
}

/** The rules every result must obey, whatever the input. */
function checkInvariants(inp: AllocationInput, res: AllocationResult): void {
  // The allocator works in 0.1 A steps and reads a non-finite budget as 0.
  const budget = inp.budgetA.map((b) => {
    const x = Math.min(b, inp.siteCapA ?? Infinity);
    return Number.isFinite(x) && x > 0 ? Math.floor(x * 10 + 1e-9) / 10 : 0;
  });
  const limit = (c: ConnectorDemand): number => res.limitsA.get(c.key)!;
  const pos = new Map(inp.connectors.map((c, i) => [c, i]));
  // Rank: higher priority, then older session, then earlier in the input.
  const ranksAbove = (x: ConnectorDemand, c: ConnectorDemand): boolean =>
    x.priority !== c.priority ? x.priority > c.priority
      : x.sessionStartedAt !== c.sessionStartedAt ? x.sessionStartedAt < c.sessionStartedAt : pos.get(x)! < pos.get(c)!;
  const running = inp.connectors.filter((c) => limit(c) > 0);
  const on = (p: GridPhase): ConnectorDemand[] => running.filter((c) => c.gridPhases.includes(p));
  for (const p of THREE) {
    const sum = on(p).reduce((s, c) => s + limit(c), 0);
    assert.ok(sum <= budget[p]! + 1e-9, `phase ${p}: ${sum} > budget ${budget[p]}`);
    assert.ok(Math.abs(sum - res.totalsA[p]) < 1e-6, `phase ${p}: totals`);
  }
  for (const c of inp.connectors) {
    const l = limit(c);
    const upper = Math.min(c.maxCurrentA, c.capA ?? Infinity);
    assert.ok(Number.isInteger(Math.round(l * 10)) && Math.abs(l * 10 - Math.round(l * 10)) < 1e-9, `${c.key}: ${l} not in 0.1 A`);
    if (l > 0) assert.ok(c.charging && l >= inp.minCurrentA && l <= upper + 1e-9, `${c.key}: ${l} outside [min, ${upper}]`);
    if (!c.charging) assert.equal(l, 0, `${c.key} idle`);
  }
  for (const p of res.paused) {
    const c = inp.connectors.find((x) => x.key === p.key)!;
    assert.equal(limit(c), 0);
    if (p.reason === 'min-pause') assert.ok(c.paused && inp.now >= c.paused.since && inp.now - c.paused.since < inp.minPauseMs);
    if (p.reason !== 'no-room') continue;
    // Priority: some phase of c is full of higher-ranked sessions and carries no lower-ranked one.
    const blocked = c.gridPhases.some((ph) => {
      const users = on(ph);
      const above = users.filter((x) => ranksAbove(x, c)).length;
      return users.length === above && (above + 1) * inp.minCurrentA > budget[ph]! + 1e-9;
    });
    assert.ok(blocked, `${c.key} paused for room while a lower-ranked session holds it`);
  }
  // Max-min fairness: each running connector is at its max/cap, or shares a full phase
  // on which nobody gets more than it (up to the 0.1 A rounding).
  for (const c of running) {
    const upper = Math.floor(Math.min(c.maxCurrentA, c.capA ?? Infinity) * 10 + 1e-9) / 10;
    if (limit(c) >= upper - 1e-9) continue;
    const bottleneck = c.gridPhases.some((ph) => {
      const users = on(ph);
      const left = budget[ph]! - users.reduce((s, x) => s + limit(x), 0);
      return left < 0.1 * users.length + 1e-9 && users.every((x) => limit(x) <= limit(c) + 1e-9);
    });
    assert.ok(bottleneck, `${c.key} at ${limit(c)} could get more`);
  }
}

function run(inp: AllocationInput): AllocationResult {
  const res = allocate(inp);
  checkInvariants(inp, res);
  return res;
}

const limits = (res: AllocationResult): number[] => [...res.limitsA.values()];
const pausedAs = (res: AllocationResult): string[] => res.paused.map((p) => `${p.key}:${p.reason}`);

test('phase mapping: rotation and car phases', () => {
  const cases: [1 | 3, PhaseRotation, 1 | 3, GridPhase[]][] = [
    [1, 'L2', 3, [1]],
    [3, 'L1L2L3', 3, [0, 1, 2]],
    [3, 'L2L3L1', 3, [1, 2, 0]],
    [3, 'L2L3L1', 1, [1]],
    [3, 'L3L1L2', 1, [2]],
    [3, 'L1L2L3', 1, [0]],
  ];
  for (const [phases, phaseRotation, car, want] of cases) assert.deepEqual(gridPhasesOf({ phases, phaseRotation }, car), want);
  assert.throws(() => gridPhasesOf({ phases: 1, phaseRotation: 'L1L2L3' }), RangeError);
  assert.throws(() => gridPhasesOf({ phases: 3, phaseRotation: 'L2' }), RangeError);
  // A 1-phase car on a rotated charger shows up on the charger's L1 only.
  assert.deepEqual(drawnPhases([1, 2, 0], [15.8, 0.2, 0]), [1]);
  assert.deepEqual(drawnPhases([1, 2, 0], [15.8, 15.9, 16]), [1, 2, 0]);
  assert.equal(drawnPhases([0, 1, 2], [0, 0, 0]), null);
  assert.equal(drawnPhases([0, 1, 2], null), null);
});

const oneL = (p: GridPhase): GridPhase[] => [p];
const table: { name: string; inp: AllocationInput; want: number[]; paused?: string[]; mode?: string }[] = [
  { name: 'equal share', inp: input([60, 60, 60], [conn('a'), conn('b'), conn('c')]), want: [20, 20, 20] },
  { name: 'share floored to 0.1 A', inp: input([20, 20, 20], [conn('a'), conn('b'), conn('c')]), want: [6.6, 6.6, 6.6] },
  { name: 'max below share: surplus to the others', inp: input([60, 60, 60], [conn('a', { maxCurrentA: 10 }), conn('b'), conn('c')]), want: [10, 25, 25] },
  { name: 'everyone at max', inp: input([60, 60, 60], [conn('a', { maxCurrentA: 16 }), conn('b', { maxCurrentA: 16 })]), want: [16, 16] },
  { name: 'three 1-phase chargers on L1, L2, L3 do not compete', inp: input([16, 16, 16], [conn('a', { gridPhases: oneL(0) }), conn('b', { gridPhases: oneL(1) }), conn('c', { gridPhases: oneL(2) })]), want: [16, 16, 16] },
  { name: 'two 1-phase chargers on L1 share it', inp: input([16, 16, 16], [conn('a', { gridPhases: oneL(0) }), conn('b', { gridPhases: oneL(0) }), conn('c', { gridPhases: oneL(2) })]), want: [8, 8, 16] },
  { name: 'rotated L2L3L1 charger with a 1-phase car competes on grid L2', inp: input([32, 20, 32], [conn('rot', { gridPhases: gridPhasesOf({ phases: 3, phaseRotation: 'L2L3L1' }, 1) }), conn('l2', { gridPhases: oneL(1) }), conn('l1', { gridPhases: oneL(0) })]), want: [10, 10, 32] },
  { name: '1-phase car on a 3-phase charger loads only L1', inp: input([20, 8, 8], [conn('car1', { gridPhases: gridPhasesOf({ phases: 3, phaseRotation: 'L1L2L3' }, 1) }), conn('car3')]), want: [12, 8] },
  { name: '3-phase car bounded by its tightest phase, surplus elsewhere to others', inp: input([12, 40, 40], [conn('a'), conn('b', { gridPhases: oneL(0) }), conn('c', { gridPhases: oneL(1) })]), want: [6, 6, 32] },
  { name: 'not enough for all: lowest priority, newest paused', inp: input([15, 15, 15], [conn('old', { sessionStartedAt: 1 }), conn('new', { sessionStartedAt: 3 }), conn('vip', { priority: 1, sessionStartedAt: 5 })]), want: [7.5, 0, 7.5], paused: ['new:no-room'], mode: 'insufficient' },
  { name: 'a blocked 3-phase car does not pause a lower-ranked car on a free phase', inp: input([12, 30, 30], [conn('a', { priority: 2 }), conn('b', { priority: 2, gridPhases: oneL(0) }), conn('c', { priority: 1 }), conn('d', { gridPhases: oneL(1) })]), want: [6, 6, 0, 24], paused: ['c:no-room'], mode: 'insufficient' },
  { name: 'per-connector cloud cap', inp: input([40, 40, 40], [conn('a', { capA: 8 }), conn('b')]), want: [8, 32], mode: 'capped' },
  { name: 'cloud cap 0 pauses that connector', inp: input([40, 40, 40], [conn('a', { capA: 0 }), conn('b')]), want: [0, 32], paused: ['a:cap-below-minimum'], mode: 'capped' },
  { name: 'site cap limits the per-phase sum', inp: input([60, 60, 60], [conn('a'), conn('b')], { siteCapA: 20 }), want: [10, 10], mode: 'capped' },
  { name: 'site cap above the grid budget does not bind', inp: input([30, 30, 30], [conn('a'), conn('b')], { siteCapA: 100 }), want: [15, 15], mode: 'normal' },
  { name: 'site cap below the minimum: all 0', inp: input([60, 60, 60], [conn('a')], { siteCapA: 5 }), want: [0], paused: ['a:no-room'], mode: 'insufficient' },
  { name: 'grid below one car\'s minimum: 0, never 5.9', inp: input([5.9, 5.9, 5.9], [conn('a'), conn('b')]), want: [0, 0], paused: ['a:no-room', 'b:no-room'], mode: 'insufficient' },
  { name: 'charger max below the minimum', inp: input([60, 60, 60], [conn('a', { maxCurrentA: 5 }), conn('b')]), want: [0, 32], paused: ['a:max-below-minimum'], mode: 'normal' },
  { name: 'no connectors', inp: input([60, 60, 60], []), want: [], mode: 'normal' },
  { name: 'no charging connectors', inp: input([60, 60, 60], [conn('a', { charging: false }), conn('b', { charging: false, paused: { since: 0 } })]), want: [0, 0], mode: 'normal' },
  { name: 'non-finite budget fails closed', inp: input([NaN, 60, 60], [conn('a'), conn('b', { gridPhases: oneL(1) })]), want: [0, 32], paused: ['a:no-room'] },
  { name: 'clock stepped back: a pause is not stretched', inp: input([60, 60, 60], [conn('a', { paused: { since: NOW + 3_600_000 } })]), want: [32] },
  { name: 'invalid phases', inp: input([60, 60, 60], [conn('a', { gridPhases: [] }), conn('b', { gridPhases: [0, 0] })]), want: [0, 0], paused: ['a:invalid-phases', 'b:invalid-phases'] },
];

for (const t of table) {
  test(`allocate: ${t.name}`, () => {
    const res = run(t.inp);
    assert.deepEqual(limits(res), t.want);
    assert.deepEqual(pausedAs(res), t.paused ?? []);
    if (t.mode) assert.equal(res.mode, t.mode);
  });
}

test('allocate: paused session re-admitted when room returns, not before minPauseMs', () => {
  const cars = [conn('old', { sessionStartedAt: 1 }), conn('new', { sessionStartedAt: 2 })];
  const first = run(input([10, 10, 10], cars));
  assert.deepEqual(limits(first), [10, 0]);
  const since = first.paused[0]!.since;
  assert.equal(since, NOW);
  const fed = [cars[0]!, { ...cars[1]!, paused: { since } }];
  const soon = run(input([40, 40, 40], fed, { now: NOW + 59_999 }));
  assert.deepEqual(limits(soon), [32, 0]);
  assert.deepEqual(soon.paused, [{ key: 'new', reason: 'min-pause', since: NOW }]);
  const tight = run(input([11.9, 11.9, 11.9], fed, { now: NOW + 60_000 }));
  assert.deepEqual(pausedAs(tight), ['new:no-room']);
  const later = run(input([40, 40, 40], fed, { now: NOW + 60_000 }));
  assert.deepEqual(limits(later), [20, 20]);
  assert.equal(later.mode, 'normal');
});

test('allocate: a higher-priority arrival pauses the lowest-ranked running session', () => {
  const res = run(input([12, 12, 12], [conn('a', { sessionStartedAt: 1 }), conn('b', { sessionStartedAt: 2 }), conn('vip', { priority: 5, sessionStartedAt: 3 })]));
  assert.deepEqual(limits(res), [6, 0, 6]);
});

test('allocate: absurd magnitudes stay finite (clamped at 100 kA), an infinite max reads as broken', () => {
  const res = allocate(input([1e300, 1e300, 1e300], [conn('a', { maxCurrentA: 1e300 }), conn('b', { maxCurrentA: Infinity })]));
  assert.deepEqual(limits(res), [100_000, 0]);
  assert.deepEqual(pausedAs(res), ['b:max-below-minimum']);
});

test('allocate: duplicate keys are a programming error', () => {
  assert.throws(() => allocate(input([60, 60, 60], [conn('a'), conn('a')])), RangeError);
});

test('allocate: invariants hold on 500 random sites', () => {
  const rnd = prng(0x5eed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const rotations: PhaseRotation[] = ['L1L2L3', 'L2L3L1', 'L3L1L2'];
  for (let k = 0; k < 500; k++) {
    const connectors: ConnectorDemand[] = [];
    const n = Math.floor(rnd() * 30);
    for (let i = 0; i < n; i++) {
      const threePhase = rnd() < 0.6;
      const gridPhases = threePhase
        ? gridPhasesOf({ phases: 3, phaseRotation: pick(rotations) }, rnd() < 0.3 ? 1 : 3)
        : gridPhasesOf({ phases: 1, phaseRotation: pick(['L1', 'L2', 'L3'] as const) });
      connectors.push(conn(`CP-${i}/1`, {
        gridPhases,
        maxCurrentA: pick([5, 6, 10, 13, 16, 20, 32, 7.35]),
        ...(rnd() < 0.2 ? { capA: Math.round(rnd() * 200) / 10 } : {}),
        priority: Math.floor(rnd() * 3),
        sessionStartedAt: Math.floor(rnd() * 5) * 1000, // ties on purpose
        charging: rnd() < 0.85,
        ...(rnd() < 0.3 ? { paused: { since: NOW - Math.floor(rnd() * 120_000) } } : {}),
      }));
    }
    const budget = (): number => Math.round(rnd() * 1000) / 10;
    const inp = input([budget(), budget(), budget()], connectors, rnd() < 0.3 ? { siteCapA: Math.round(rnd() * 800) / 10 } : {});
    const res = run(inp);
    assert.equal(res.limitsA.size, n);
    assert.equal(res.mode === 'insufficient', res.paused.some((p) => p.reason === 'no-room' || p.reason === 'min-pause'));
  }
});
