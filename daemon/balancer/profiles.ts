// SetChargingProfile requests as the balancer sends them (OCPP 1.6 §3.13, §5.16).
// Pure: time comes in as `now`. Two kinds per charger:
// - the dead man's switch: a TxDefaultProfile on connector 0 at a low stack level,
//   with no end, carrying the charger's share of the fallback budget;
// - the dynamic limit: on a higher stack level, valid for a few control periods
//   only, so that when the site controller dies the charger drops back to the
//   fallback by itself once the validity ends. Where there is no fallback to drop
//   back to (no free stack level below, or the charger refused it), the dynamic
//   limit has no end: the last limit sent stays in force rather than none at all.
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
  /** + connectorId: 90_000 on connector 0 (every connector without its own), 90_001... per connector. */
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
  /** The connector it is for; 0: the default for every connector without its own. */
  connectorId?: number;
  /** The charger's share of the fallback budget, A per phase. */
  limitA: number;
  nominalVoltageV: number;
  stackLevel: number;
  now: number;
}

/**
 * The dead man's switch: TxDefaultProfile on connector 0, no end.
 *
 * In W it is sized for ONE phase (share × V) and says numberPhases 1, because it must
 * hold when nobody watches, whatever car is plugged in, and chargers turn a W limit
 * into current in different ways:
 * - by the car's real phase count: a 1-phase car gets share × V / V = share, a 3-phase
 *   car share / 3 per phase;
 * - by the period's numberPhases: share × V / (V × 1) = share on each phase used;
 * - a charger that switches phases may take numberPhases 1 as "charge on one phase":
 *   share on that phase.
 * Each way the current on any phase stays ≤ the share, and the shares are what
 * fallbackShares() fitted into the budget on every grid phase. Sized for 3 phases
 * instead (share × V × 3, numberPhases 3), the first way gives a 1-phase car 3 × its
 * share on one phase: 8 A became 24 A. The price is that a 3-phase car on a charger
 * of the first kind gets a third of its share while the controller is gone; amperes
 * (tried first) have no such loss. Like every W limit here it is computed at nominal
 * voltage; a grid running low lets proportionally more current through.
 */
export function fallbackProfile(a: FallbackProfileArgs): SetChargingProfileRequest {
  const connectorId = a.connectorId ?? 0;
  return {
    connectorId,
    csChargingProfiles: {
      chargingProfileId: PROFILE_ID.fallback + connectorId,
      stackLevel: a.stackLevel,
      chargingProfilePurpose: 'TxDefaultProfile',
      chargingProfileKind: 'Absolute',
      chargingSchedule: {
        startSchedule: iso(floorToSecond(a.now)),
        chargingRateUnit: a.unit,
        chargingSchedulePeriod: [period(a.limitA, a.unit, 1, a.nominalVoltageV)],
      },
    },
  };
}

export interface DynamicProfileArgs extends FallbackProfileArgs {
  /** Phases the car draws on: the W limit is computed for them (the balancer watches the result). */
  phases: 1 | 2 | 3;
  /** Phase switching: the phase count the charger should use, sent as numberPhases in A and W. */
  numberPhases?: 1 | 3;
  form: ProfileForm;
  /** The connector the limit is for; ignored by the 'charger' form, which goes on connector 0. */
  connectorId: number;
  /** Required by the 'transaction' form. */
  transactionId?: number | null;
  /**
   * How long the limit holds without a refresh, s (whole seconds, ≥ 1); null: no end,
   * for a charger without a dead man's switch, where an expired limit would leave none.
   */
  validityS: number | null;
}

/** The dynamic limit: valid for at least validityS from now (then the fallback takes over), or without an end. */
export function dynamicProfile(a: DynamicProfileArgs): SetChargingProfileRequest {
  const start = floorToSecond(a.now);
  const schedule: ChargingProfile['chargingSchedule'] = {
    startSchedule: iso(start),
    chargingRateUnit: a.unit,
    chargingSchedulePeriod: [period(a.limitA, a.unit, a.numberPhases ?? a.phases, a.nominalVoltageV, a.numberPhases)],
  };
  const base: Pick<ChargingProfile, 'stackLevel' | 'chargingProfileKind' | 'validTo' | 'chargingSchedule'> = {
    stackLevel: a.stackLevel, chargingProfileKind: 'Absolute', chargingSchedule: schedule,
  };
  if (a.validityS !== null) {
    // The start is floored to the second, so the end is rounded up: the window from now is never shorter.
    const end = Math.ceil((a.now + Math.max(1, a.validityS) * 1000) / 1000) * 1000;
    // Both an end of validity and a schedule duration: chargers differ in which one they honour.
    schedule.duration = (end - start) / 1000;
    base.validTo = iso(end);
  }
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

function period(limitA: number, unit: RateUnit, phases: number, nominalVoltageV: number, switchTo?: 1 | 3) {
  // numberPhases with W: the phase count the power limit was computed for; with A only to switch phases.
  return unit === 'A'
    ? { startPeriod: 0, limit: rateLimit(limitA, 'A', phases, nominalVoltageV), ...(switchTo ? { numberPhases: switchTo } : {}) }
    : { startPeriod: 0, limit: rateLimit(limitA, 'W', phases, nominalVoltageV), numberPhases: phases };
}

/** Resend a dynamic limit once half its validity has passed: one lost or slow send still leaves time. */
export function refreshDue(sentAt: number, validityS: number, now: number): boolean {
  return now - sentAt >= (validityS * 1000) / 2;
}
