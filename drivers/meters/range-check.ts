// Plausibility checks on a decoded sample. A meter that returns NaN, a stuck
// 0xFFFFFFFF or a value from the wrong register must never reach the balancer as
// "load": the whole sample is rejected and the balancer sees no sample (fail closed).
import { MeterRangeError } from './errors.js';
import type { MeterReading } from './types.js';

export const PLAUSIBLE = {
  /** No site connection behind one gateway carries more per phase. */
  maxCurrentA: 2000,
  maxVoltageV: 500,
  /** Three phases at the current and voltage limits. */
  maxPowerW: 3 * 2000 * 500,
} as const;

export interface RangeCheckOptions {
  /** 'magnitude' meters never report negative currents, so one is garbage. */
  currentSign: 'magnitude' | 'signed';
}

/** Lists every problem in a sample; empty when it is plausible. */
export function findRangeProblems(r: MeterReading, opts: RangeCheckOptions): string[] {
  const problems: string[] = [];
  const finite = (name: string, v: number, unit: string): boolean => {
    if (Number.isFinite(v)) return true;
    problems.push(`${name} is ${v} ${unit}`);
    return false;
  };
  r.currentA.forEach((a, i) => {
    const name = `current L${i + 1}`;
    if (!finite(name, a, 'A')) return;
    if (a < 0 && opts.currentSign === 'magnitude') problems.push(`${name} = ${a} A is negative (this meter reports magnitudes)`);
    if (Math.abs(a) > PLAUSIBLE.maxCurrentA) problems.push(`${name} = ${a} A is beyond ±${PLAUSIBLE.maxCurrentA} A`);
  });
  r.voltageV.forEach((v, i) => {
    const name = `voltage L${i + 1}`;
    if (finite(name, v, 'V') && (v < 0 || v > PLAUSIBLE.maxVoltageV)) problems.push(`${name} = ${v} V is outside 0..${PLAUSIBLE.maxVoltageV} V`);
  });
  const power = (name: string, w: number): void => {
    if (finite(name, w, 'W') && Math.abs(w) > PLAUSIBLE.maxPowerW) problems.push(`${name} = ${w} W is beyond ±${PLAUSIBLE.maxPowerW} W`);
  };
  power('total power', r.powerW);
  r.phasePowerW?.forEach((w, i) => power(`power L${i + 1}`, w));
  if (finite('import energy', r.importEnergyWh, 'Wh') && r.importEnergyWh < 0) problems.push(`import energy = ${r.importEnergyWh} Wh is negative`);
  return problems;
}

/** Throws MeterRangeError naming every implausible value. */
export function assertPlausible(r: MeterReading, opts: RangeCheckOptions): void {
  const problems = findRangeProblems(r, opts);
  if (problems.length > 0) throw new MeterRangeError(problems);
}
