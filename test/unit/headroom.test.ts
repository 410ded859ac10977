import test from 'node:test';
import assert from 'node:assert/strict';
import { computeHeadroom, evDrawPerPhase, nonEvLoad, type ConnectorDraw } from '../../daemon/balancer/headroom.js';
import { gridPhasesOf, type PerPhase } from '../../daemon/balancer/phases.js';

const close = (got: PerPhase, want: PerPhase): void =>
  got.forEach((g, p) => assert.ok(Math.abs(g - want[p]!) < 1e-9, `phase ${p}: got ${g}, want ${want[p]}`));

test('headroom: no meter gives the static budget', () => {
  close(computeHeadroom({ gridMaxA: 63, marginA: 2, meterCurrentA: null, evDrawA: [40, 0, 0] }), [61, 61, 61]);
});

const headroomTable: { name: string; meter: PerPhase; ev: PerPhase; want: PerPhase }[] = [
  { name: 'meter minus EV draw is the non-EV load', meter: [30, 20, 10], ev: [20, 20, 0], want: [51, 61, 51] },
  { name: 'negative non-EV load (noise, solar export) counts as 0', meter: [10, 5, 0], ev: [16, 16, 16], want: [61, 61, 61] },
  { name: 'non-EV load above the limit: budget 0, not negative', meter: [70, 0, 0], ev: [0, 0, 0], want: [0, 61, 61] },
  { name: 'a non-finite meter value fails closed on that phase', meter: [NaN, 10, Infinity], ev: [0, 0, 0], want: [0, 51, 0] },
];
for (const t of headroomTable) {
  test(`headroom: ${t.name}`, () => {
    close(computeHeadroom({ gridMaxA: 63, marginA: 2, meterCurrentA: t.meter, evDrawA: t.ev }), t.want);
  });
}

test('headroom: nonEvLoad ignores a bogus EV draw rather than inflating the budget', () => {
  assert.equal(nonEvLoad(20, NaN), 20);
  assert.equal(nonEvLoad(20, -5), 20);
  assert.equal(nonEvLoad(20, 8), 12);
});

const threePhase = gridPhasesOf({ phases: 3, phaseRotation: 'L1L2L3' });
const rotated = gridPhasesOf({ phases: 3, phaseRotation: 'L2L3L1' });
const onL3 = gridPhasesOf({ phases: 1, phaseRotation: 'L3' });

const drawTable: { name: string; connectors: ConnectorDraw[]; want: PerPhase }[] = [
  { name: 'nothing connected', connectors: [], want: [0, 0, 0] },
  {
    name: 'measured per-phase currents, mapped through the rotation',
    connectors: [{ wiredPhases: rotated, activePhases: rotated, measuredA: [10, 11, 12], lastLimitA: 16 }],
    want: [12, 10, 11],
  },
  {
    name: 'measured 1-phase car on a 3-phase charger loads one grid phase',
    connectors: [{ wiredPhases: rotated, activePhases: [1], measuredA: [15.5, 0, 0], lastLimitA: 16 }],
    want: [0, 15.5, 0],
  },
  {
    name: 'no MeterValues: last limit on the active phases',
    connectors: [
      { wiredPhases: threePhase, activePhases: threePhase, lastLimitA: 16 },
      { wiredPhases: threePhase, activePhases: [0], measuredA: null, lastLimitA: 10 },
      { wiredPhases: onL3, activePhases: onL3, measuredA: [], lastLimitA: 6 },
    ],
    want: [26, 16, 22],
  },
  {
    name: 'a phase left out of MeterValues counts 0; negatives count 0',
    connectors: [{ wiredPhases: threePhase, activePhases: threePhase, measuredA: [8, undefined, -0.3], lastLimitA: 32 }],
    want: [8, 0, 0],
  },
  {
    name: 'paused connector reporting nothing draws nothing',
    connectors: [{ wiredPhases: threePhase, activePhases: threePhase, lastLimitA: 0 }],
    want: [0, 0, 0],
  },
];
for (const t of drawTable) {
  test(`ev draw: ${t.name}`, () => close(evDrawPerPhase(t.connectors), t.want));
}

test('headroom: non-EV load from measured and from last-limit draw, end to end', () => {
  // Meter: 45 A on L1 = 20 A of building load + a measured 3-phase car (15 A) + a silent 1-phase car on L1 (10 A limit).
  const evDrawA = evDrawPerPhase([
    { wiredPhases: threePhase, activePhases: threePhase, measuredA: [15, 15, 15], lastLimitA: 16 },
    { wiredPhases: threePhase, activePhases: [0], lastLimitA: 10 },
  ]);
  close(evDrawA, [25, 15, 15]);
  close(computeHeadroom({ gridMaxA: 63, marginA: 2, meterCurrentA: [45, 18, 15], evDrawA }), [41, 58, 61]);
});
