// Pure: a 2.0.1 cloud's charging profiles ↔ the model's (1.6-shaped) profiles that
// the balancer's caps are made of. The site keeps one schedule per profile (1.6 has one);
// a profile whose limits the site cannot keep faithfully is refused with the reason. Two
// fields are not kept because they set no limit here: phaseToUse (the balancer chooses a
// session's phases) and salesTariff (prices, not a cap).
import type * as M from '../../ocpp/v16/types.js';

export interface Profile201 {
  id: number;
  stackLevel: number;
  chargingProfilePurpose: string;
  chargingProfileKind: M.ChargingProfileKindType;
  recurrencyKind?: M.RecurrencyKindType;
  validFrom?: string;
  validTo?: string;
  transactionId?: string;
  chargingSchedule: Array<{
    id: number;
    startSchedule?: string;
    duration?: number;
    chargingRateUnit: M.ChargingRateUnitType;
    chargingSchedulePeriod: Array<{ startPeriod: number; limit: number; numberPhases?: number; phaseToUse?: number }>;
    minChargingRate?: number;
    salesTariff?: unknown;
  }>;
}

export const PURPOSE_TO_MODEL: Readonly<Record<string, M.ChargingProfilePurposeType | undefined>> = {
  ChargingStationMaxProfile: 'ChargePointMaxProfile',
  TxDefaultProfile: 'TxDefaultProfile',
  TxProfile: 'TxProfile',
  // Set by an external system (EMS, grid operator) at the station, never by the CSMS.
  ChargingStationExternalConstraints: undefined,
};

export const PURPOSE_TO_201: Readonly<Record<M.ChargingProfilePurposeType, string>> = {
  ChargePointMaxProfile: 'ChargingStationMaxProfile',
  TxDefaultProfile: 'TxDefaultProfile',
  TxProfile: 'TxProfile',
};

/** The model profile for a 2.0.1 one (without transactionId: the caller checks and binds it), or why the site refuses it. */
export function profileToModel(p: Profile201): M.ChargingProfile | string {
  const purpose = PURPOSE_TO_MODEL[p.chargingProfilePurpose];
  if (!purpose) return `${p.chargingProfilePurpose} is not set by a CSMS`;
  if (p.chargingSchedule.length !== 1) return `${p.chargingSchedule.length} schedules: the site balances with one schedule per profile`;
  const s = p.chargingSchedule[0];
  const schedule: M.ChargingSchedule = {
    chargingRateUnit: s.chargingRateUnit,
    chargingSchedulePeriod: s.chargingSchedulePeriod.map((x) => ({ startPeriod: x.startPeriod, limit: x.limit, ...(x.numberPhases !== undefined ? { numberPhases: x.numberPhases } : {}) })),
  };
  if (s.duration !== undefined) schedule.duration = s.duration;
  if (s.startSchedule !== undefined) schedule.startSchedule = s.startSchedule;
  if (s.minChargingRate !== undefined) schedule.minChargingRate = s.minChargingRate;
  const out: M.ChargingProfile = {
    chargingProfileId: p.id, stackLevel: p.stackLevel, chargingProfilePurpose: purpose, chargingProfileKind: p.chargingProfileKind, chargingSchedule: schedule,
  };
  if (p.recurrencyKind !== undefined) out.recurrencyKind = p.recurrencyKind;
  if (p.validFrom !== undefined) out.validFrom = p.validFrom;
  if (p.validTo !== undefined) out.validTo = p.validTo;
  return out;
}

/** A stored model profile as the 2.0.1 cloud set it (GetChargingProfiles); `transactionRef` for a bound TxProfile. */
export function profileTo201(p: M.ChargingProfile, transactionRef?: string): Profile201 {
  const s = p.chargingSchedule;
  const out: Profile201 = {
    id: p.chargingProfileId, stackLevel: p.stackLevel, chargingProfilePurpose: PURPOSE_TO_201[p.chargingProfilePurpose], chargingProfileKind: p.chargingProfileKind,
    chargingSchedule: [{
      id: p.chargingProfileId, chargingRateUnit: s.chargingRateUnit,
      chargingSchedulePeriod: s.chargingSchedulePeriod.map((x) => ({ startPeriod: x.startPeriod, limit: x.limit, ...(x.numberPhases !== undefined ? { numberPhases: x.numberPhases } : {}) })),
      ...(s.duration !== undefined ? { duration: s.duration } : {}),
      ...(s.startSchedule !== undefined ? { startSchedule: s.startSchedule } : {}),
      ...(s.minChargingRate !== undefined ? { minChargingRate: s.minChargingRate } : {}),
    }],
  };
  if (p.recurrencyKind !== undefined) out.recurrencyKind = p.recurrencyKind;
  if (p.validFrom !== undefined) out.validFrom = p.validFrom;
  if (p.validTo !== undefined) out.validTo = p.validTo;
  if (transactionRef !== undefined) out.transactionId = transactionRef;
  return out;
}
