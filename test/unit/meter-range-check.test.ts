// Range checks: which samples are rejected, and that the message names the value.
import test from 'node:test';
import assert from 'node:assert/strict';
import { assertPlausible, findRangeProblems, MeterRangeError, type MeterReading } from '../../drivers/meters/index.js';

const good: MeterReading = {
  ts: 0,
  currentA: [12.5, 8, 3],
  voltageV: [230, 231, 229],
  powerW: 5400,
  importEnergyWh: 1_000_000,
  phasePowerW: [2800, 1800, 800],
};

type Case = [name: string, change: Partial<MeterReading>, sign: 'magnitude' | 'signed', expected: RegExp | null];

const cases: Case[] = [
  ['a normal sample', {}, 'magnitude', null],
  ['a dead phase (0 V, 0 A)', { voltageV: [230, 0, 229], currentA: [12.5, 0, 3] }, 'magnitude', null],
  ['NaN current', { currentA: [12.5, NaN, 3] }, 'magnitude', /current L2 is NaN A/],
  ['Infinity voltage', { voltageV: [Infinity, 231, 229] }, 'signed', /voltage L1 is Infinity V/],
  ['NaN power', { powerW: NaN }, 'signed', /total power is NaN W/],
  ['NaN energy', { importEnergyWh: NaN }, 'signed', /import energy is NaN Wh/],
  ['negative current on a magnitude meter', { currentA: [-4, 8, 3] }, 'magnitude', /current L1 = -4 A is negative/],
  ['negative current on a signed meter (export)', { currentA: [-4, 8, 3] }, 'signed', null],
  ['current above 2000 A', { currentA: [12.5, 8, 2000.5] }, 'signed', /current L3 = 2000.5 A is beyond ±2000 A/],
  ['negative current beyond -2000 A', { currentA: [-2500, 8, 3] }, 'signed', /current L1 = -2500 A is beyond ±2000 A/],
  ['a stuck 0xFFFFFFFF current at 0.01 A', { currentA: [42949672.95, 8, 3] }, 'magnitude', /current L1 = 42949672\.95 A/],
  ['voltage above 500 V', { voltageV: [230, 612.3, 229] }, 'magnitude', /voltage L2 = 612\.3 V is outside 0\.\.500 V/],
  ['negative voltage', { voltageV: [230, 231, -1] }, 'magnitude', /voltage L3 = -1 V is outside/],
  ['negative energy', { importEnergyWh: -1 }, 'magnitude', /import energy = -1 Wh is negative/],
  ['phase power beyond 3 MW', { phasePowerW: [2800, 4e6, 800] }, 'signed', /power L2 = 4000000 W/],
  ['export power is fine', { powerW: -5400, phasePowerW: [-2800, -1800, -800] }, 'signed', null],
];

for (const [name, change, currentSign, expected] of cases) {
  test(`range check: ${name}`, () => {
    const reading = { ...good, ...change };
    const problems = findRangeProblems(reading, { currentSign });
    if (expected === null) {
      assert.deepEqual(problems, []);
      assert.doesNotThrow(() => assertPlausible(reading, { currentSign }));
    } else {
      assert.equal(problems.length, 1, problems.join('; '));
      assert.match(problems[0]!, expected);
      assert.throws(() => assertPlausible(reading, { currentSign }), (e: Error) => e instanceof MeterRangeError && e.kind === 'range' && expected.test(e.message));
    }
  });
}

test('range check: every problem of a sample is listed', () => {
  const problems = findRangeProblems({ ...good, currentA: [NaN, -1, 3], voltageV: [230, 231, 900] }, { currentSign: 'magnitude' });
  assert.equal(problems.length, 3);
});
