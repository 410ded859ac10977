// One word for the dashboard from the radio figures. Pure; thresholds can be
// overridden per site (a rural site may accept lower RSRP as "fair").
import type { Quality, Registration } from './types.js';

export interface QualityThresholds {
  /** good needs RSRP ≥ this ... */
  goodRsrpDbm: number;
  /** ... and SINR ≥ this (or, when SINR is not reported, RSRQ ≥ goodRsrqDb). */
  goodSinrDb: number;
  goodRsrqDb: number;
  /** poor when any of: RSRP < poorRsrpDbm, SINR < poorSinrDb, RSRQ < poorRsrqDb. */
  poorRsrpDbm: number;
  poorSinrDb: number;
  poorRsrqDb: number;
  /** 2G/3G without RSRP: judged on RSSI alone. */
  goodRssiDbm: number;
  poorRssiDbm: number;
}

export const DEFAULT_QUALITY_THRESHOLDS: Readonly<QualityThresholds> = {
  goodRsrpDbm: -90,
  goodSinrDb: 13,
  goodRsrqDb: -10,
  poorRsrpDbm: -110,
  poorSinrDb: 0,
  poorRsrqDb: -15,
  goodRssiDbm: -73,
  poorRssiDbm: -95,
};

export interface QualityInput {
  registration: Registration;
  rssiDbm?: number;
  rsrpDbm?: number;
  rsrqDb?: number;
  sinrDb?: number;
}

export function signalQuality(r: QualityInput, overrides: Partial<QualityThresholds> = {}): Quality {
  const t = { ...DEFAULT_QUALITY_THRESHOLDS, ...overrides };
  // Not registered: whatever the radio hears, nothing gets through.
  if (r.registration !== 'home' && r.registration !== 'roaming') return 'none';
  if (r.rsrpDbm === undefined) {
    if (r.rssiDbm === undefined) return 'none';
    if (r.rssiDbm < t.poorRssiDbm) return 'poor';
    return r.rssiDbm >= t.goodRssiDbm ? 'good' : 'fair';
  }
  const below = (v: number | undefined, limit: number) => v !== undefined && v < limit;
  if (below(r.rsrpDbm, t.poorRsrpDbm) || below(r.sinrDb, t.poorSinrDb) || below(r.rsrqDb, t.poorRsrqDb)) return 'poor';
  const cleanEnough = r.sinrDb !== undefined ? r.sinrDb >= t.goodSinrDb : r.rsrqDb !== undefined && r.rsrqDb >= t.goodRsrqDb;
  return r.rsrpDbm >= t.goodRsrpDbm && cleanEnough ? 'good' : 'fair';
}
