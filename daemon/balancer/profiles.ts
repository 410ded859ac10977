// SetChargingProfile requests as the balancer sends them (OCPP 1.6 §3.13, §5.16).
// Pure: time comes in as `now`. Two kinds per charger:
// - the dead man's switch: a TxDefaultProfile on connector 0 at a low stack level,
//   with no end, carrying the charger's share of the fallback budget;
// - the dynamic limit: on a higher stack level, valid for a few control periods
//   only, so that when the site controller dies the charger drops back to the
//   fallback by itself once the validity ends.
// Not every charger accepts every form, hence the ladder of forms to try.
import type { ChargingProfile, SetChargingProfileRequest } from '../ocpp/v16/types.js';

export type RateUnit = 'A' | 'W';

/**
 * Where the dynamic limit goes:
 * - 'connector': TxDefaultProfile on the connector itself (exact, covers the next session too);
 * - 'charger': TxDefaultProfile on connector 0, one limit for all the charger's connectors;
 * - 'transaction': TxProfile with the transaction id (only while a session runs).
 */
export type ProfileForm = 'connector' | 'charger' | 'transaction';

export interface LadderStep {
  form: ProfileForm;
  unit: RateUnit;
}

export const FORMS: readonly ProfileForm[] = ['connector', 'charger', 'transaction'];

/**
 * Units to try, preferred first, from ChargingScheduleAllowedChargingRateUnit.
 * Amperes first: the balancer thinks in amperes and a W limit depends on how many
 * phases the car really uses. A unit the charger says it lacks is not tried; when
 * it said nothing usable, both are.
 */
export function unitsFor(rateUnits: ReadonlyArray<'Current' | 'Power'> | null | undefined): RateUnit[] {
  if (!rateUnits || rateUnits.length === 0) return ['A', 'W'];
  const out: RateUnit[] = [];
  if (rateUnits.includes('Current')) out.push('A');
  if (rateUnits.includes('Power')) out.push('W');
  return out;
}

/** Every form in both acceptable units, in the order to try them after a rejection. */
export function profileLadder(rateUnits: ReadonlyArray<'Current' | 'Power'> | null | undefined): LadderStep[] {
  const units = unitsFor(rateUnits);
  return FORMS.flatMap((form) => units.map((unit) => ({ form, unit })));
}

/**
 * Stack levels within what the charger supports. The dynamic level must stay above
 * the fallback one or the dead man's switch has nothing to fall back to; a charger
 * with a single level gets both at 0 (see `deadMansSwitch` in the result).
 */
export function stackLevels(
  wanted: { fallback: number; dynamic: number },
  maxStackLevel: number | null | undefined,
): { fallback: number; dynamic: number; deadMansSwitch: boolean } {
  const max = maxStackLevel ?? Infinity;
  const dynamic = Math.max(0, Math.min(wanted.dynamic, max));
  const fallback = Math.max(0, Math.min(wanted.fallback, dynamic - 1));
  return { fallback, dynamic, deadMansSwitch: fallback < dynamic };
}

/** Profile ids per purpose, fixed so that each send replaces the previous one of its kind. */
export const PROFILE_ID = {
  fallback: 90_000,
  dynamic: (connectorId: number): number => 91_000 + connectorId,
  transaction: (connectorId: number): number => 92_000 + connectorId,
} as const;

/**
 * A in the given unit, rounded down (never above what the balancer allowed):
 * amperes to 0.1 A (the schema's multipleOf 0.1), watts to whole W = A × V × phases.
 */
export function rateLimit(limitA: number, unit: RateUnit, phases: number, nominalVoltageV: number): number {
  const a = Number.isFinite(limitA) && limitA > 0 ? limitA : 0;
  if (unit === 'A') return Math.floor(a * 10 + 1e-9) / 10;
  return Math.floor(a * nominalVoltageV * phases + 1e-6);
}

const iso = (ms: number): string => new Date(ms).toISOString();
/** Whole seconds: many chargers keep profile times at second resolution. */
const floorToSecond = (ms: number): number => Math.floor(ms / 1000) * 1000;

export interface FallbackProfileArgs {
  unit: RateUnit;
  limitA: number;
  /** Phases the W limit is computed for (the charger's). */
  phases: 1 | 2 | 3;
  nominalVoltageV: number;
  stackLevel: number;
  now: number;
}

/** The dead man's switch: TxDefaultProfile on connector 0, no end. */
export function fallbackProfile(a: FallbackProfileArgs): SetChargingProfileRequest {
  return {
    connectorId: 0,
    csChargingProfiles: {
      chargingProfileId: PROFILE_ID.fallback,
      stackLevel: a.stackLevel,
      chargingProfilePurpose: 'TxDefaultProfile',
      chargingProfileKind: 'Absolute',
      chargingSchedule: {
        startSchedule: iso(floorToSecond(a.now)),
        chargingRateUnit: a.unit,
        chargingSchedulePeriod: [period(a.limitA, a.unit, a.phases, a.nominalVoltageV)],
      },
    },
  };
}

export interface DynamicProfileArgs extends FallbackProfileArgs {
  form: ProfileForm;
  /** The connector the limit is for; ignored by the 'charger' form, which goes on connector 0. */
  connectorId: number;
  /** Required by the 'transaction' form. */
  transactionId?: number | null;
  /** How long the limit holds without a refresh, s (whole seconds, ≥ 1). */
  validityS: number;
}

/** The dynamic limit: valid for at least validityS from now, then the fallback takes over. */
export function dynamicProfile(a: DynamicProfileArgs): SetChargingProfileRequest {
  const start = floorToSecond(a.now);
  // The start is floored to the second, so the end is rounded up: the window from now is never shorter.
  const end = Math.ceil((a.now + Math.max(1, a.validityS) * 1000) / 1000) * 1000;
  const validityS = (end - start) / 1000;
  const schedule = {
    // Both an end of validity and a schedule duration: chargers differ in which one they honour.
    duration: validityS,
    startSchedule: iso(start),
    chargingRateUnit: a.unit,
    chargingSchedulePeriod: [period(a.limitA, a.unit, a.phases, a.nominalVoltageV)],
  };
  const base = { stackLevel: a.stackLevel, chargingProfileKind: 'Absolute' as const, validTo: iso(end), chargingSchedule: schedule };
  let profile: ChargingProfile;
  let connectorId = a.connectorId;
  switch (a.form) {
    case 'connector':
      profile = { chargingProfileId: PROFILE_ID.dynamic(connectorId), chargingProfilePurpose: 'TxDefaultProfile', ...base };
      break;
    case 'charger':
      connectorId = 0;
      profile = { chargingProfileId: PROFILE_ID.dynamic(0), chargingProfilePurpose: 'TxDefaultProfile', ...base };
      break;
    case 'transaction':
      if (a.transactionId === undefined || a.transactionId === null) throw new RangeError('a TxProfile needs the transaction id');
      profile = { chargingProfileId: PROFILE_ID.transaction(connectorId), transactionId: a.transactionId, chargingProfilePurpose: 'TxProfile', ...base };
      break;
  }
  return { connectorId, csChargingProfiles: profile };
}

function period(limitA: number, unit: RateUnit, phases: number, nominalVoltageV: number) {
  // numberPhases only with W: it says which phase count the power limit was computed for.
  return unit === 'A'
    ? { startPeriod: 0, limit: rateLimit(limitA, 'A', phases, nominalVoltageV) }
    : { startPeriod: 0, limit: rateLimit(limitA, 'W', phases, nominalVoltageV), numberPhases: phases };
}

/** Resend a dynamic limit once half its validity has passed: one lost or slow send still leaves time. */
export function refreshDue(sentAt: number, validityS: number, now: number): boolean {
  return now - sentAt >= (validityS * 1000) / 2;
}
