// Turns OCPP MeterValues into the live figures the balancer and telemetry use:
// per-phase current, power, energy, offered current. Pure.
import type { MeterValue, SampledValue } from '../ocpp/v16/types.js';

export interface LiveMeasurements {
  /** Per-phase current drawn (A), as the charger's own L1..L3; null where not reported. */
  currentA: [number | null, number | null, number | null];
  /** A Current.Import without a phase: the balancer decides how to spread it. */
  currentUnphasedA: number | null;
  powerW: number | null;
  energyWh: number | null;
  offeredA: number | null;
  /** Timestamp of the newest sample used (ms since epoch). */
  ts: number;
  /** Timestamp of the newest sample that carried a current (absent: none yet). */
  currentTs?: number;
}

const PHASE_INDEX: Record<string, number> = { L1: 0, L2: 1, L3: 2, 'L1-N': 0, 'L2-N': 1, 'L3-N': 2 };

function scaled(sv: SampledValue, base: string, kilo: string | null): number | null {
  const v = Number(sv.value);
  if (!Number.isFinite(v) || (sv.format !== undefined && sv.format !== 'Raw')) return null;
  if (kilo !== null && sv.unit === kilo) return v * 1000;
  if (sv.unit === undefined || sv.unit === base) return v;
  return null;
}

/** Folds the newest sampled values of a MeterValues request into the previous state. */
export function foldMeterValues(prev: LiveMeasurements | undefined, meterValue: MeterValue[]): LiveMeasurements {
  const out: LiveMeasurements = prev
    ? { ...prev, currentA: [...prev.currentA] as LiveMeasurements['currentA'] }
    : { currentA: [null, null, null], currentUnphasedA: null, powerW: null, energyWh: null, offeredA: null, ts: 0 };
  const sorted = [...meterValue].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
  for (const mv of sorted) {
    const ts = Date.parse(mv.timestamp);
    if (!Number.isFinite(ts) || ts < out.ts) continue;
    out.ts = ts;
    for (const sv of mv.sampledValue) {
      const measurand = sv.measurand ?? 'Energy.Active.Import.Register';
      if (measurand === 'Energy.Active.Import.Register' && !sv.phase) {
        const v = scaled(sv, 'Wh', 'kWh');
        if (v !== null && v >= 0) out.energyWh = v;
      } else if (measurand === 'Power.Active.Import' && !sv.phase) {
        const v = scaled(sv, 'W', 'kW');
        if (v !== null) out.powerW = v;
      } else if (measurand === 'Current.Offered' && !sv.phase) {
        const v = scaled(sv, 'A', null);
        if (v !== null && v >= 0) out.offeredA = v;
      } else if (measurand === 'Current.Import') {
        const v = scaled(sv, 'A', null);
        if (v === null || v < 0) continue;
        const i = sv.phase !== undefined ? PHASE_INDEX[sv.phase] : undefined;
        if (i !== undefined) out.currentA[i] = v;
        else if (sv.phase === undefined) out.currentUnphasedA = v;
        else continue;
        out.currentTs = ts;
      }
    }
  }
  return out;
}
