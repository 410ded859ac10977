// Pure translations between the simulator's state (kept in 1.6 terms so that one charger
// model serves both versions) and OCPP 2.0.1 payloads. Table-tested in
// test/unit/charger-sim-v201-mapping.test.ts. Nothing here is shared with daemon/: the
// simulator is the independent peer that checks the daemon's own mapping.
import type { ChargingProfile, ClearFilter, ProfilePurpose } from '../sim-profiles.js';

/** 1.6 ChargePointStatus (the simulator's connector state) → 2.0.1 ConnectorStatusEnumType. */
export function connectorStatus(status16: string): string {
  switch (status16) {
    case 'Available':
    case 'Reserved':
    case 'Unavailable':
    case 'Faulted':
      return status16;
    // Preparing, Charging, SuspendedEV(SE), Finishing: a cable is in (2.0.1 keeps the detail in chargingState).
    default:
      return 'Occupied';
  }
}

/** The 2.0.1 chargingState of a connector in a transaction, from its 1.6 status and draw. */
export function chargingState(status16: string, drawA: number): string {
  if (status16 === 'SuspendedEV') return 'SuspendedEV';
  if (status16 === 'SuspendedEVSE') return 'SuspendedEVSE';
  return drawA > 0 ? 'Charging' : 'SuspendedEVSE';
}

/**
 * A 1.6 stop reason (what stopCharging is told) → 2.0.1 stoppedReason and the triggerReason of
 * the Ended event. 2.0.1 has no UnlockCommand/SoftReset/HardReset reasons: they become Other,
 * Reboot and ImmediateReset, while the trigger keeps the cause.
 */
export function stopReasons(reason16: string): { stoppedReason: string; triggerReason: string } {
  const table: Record<string, [string, string]> = {
    Local: ['Local', 'StopAuthorized'],
    Remote: ['Remote', 'RemoteStop'],
    EVDisconnected: ['EVDisconnected', 'EVCommunicationLost'],
    DeAuthorized: ['DeAuthorized', 'Deauthorized'],
    EmergencyStop: ['EmergencyStop', 'AbnormalCondition'],
    PowerLoss: ['PowerLoss', 'AbnormalCondition'],
    Reboot: ['Reboot', 'ResetCommand'],
    SoftReset: ['Reboot', 'ResetCommand'],
    HardReset: ['ImmediateReset', 'ResetCommand'],
    UnlockCommand: ['Other', 'UnlockCommand'],
    EnergyLimitReached: ['EnergyLimitReached', 'EnergyLimitReached'],
    TimeLimitReached: ['TimeLimitReached', 'TimeLimitReached'],
    StoppedByEV: ['StoppedByEV', 'ChargingStateChanged'],
  };
  const [stoppedReason, triggerReason] = table[reason16] ?? ['Other', 'AbnormalCondition'];
  return { stoppedReason, triggerReason };
}

/**
 * A 2.0.1 ChargingProfileType → the 1.6-shaped profile the ProfileStore evaluates, so that both
 * versions drive the draw through the same code. The first chargingSchedule is used (more are
 * for ISO 15118 negotiation, which the simulator does not do). `transactionId` is the
 * simulator's own handle of the transaction the 2.0.1 string named (resolved by the caller).
 */
export function profileFrom201(cp: any, transactionId?: number): ChargingProfile {
  const s = cp.chargingSchedule[0];
  const purpose: ProfilePurpose = cp.chargingProfilePurpose === 'ChargingStationMaxProfile' ? 'ChargePointMaxProfile' : cp.chargingProfilePurpose;
  return {
    chargingProfileId: cp.id,
    stackLevel: cp.stackLevel,
    chargingProfilePurpose: purpose,
    chargingProfileKind: cp.chargingProfileKind,
    ...(cp.recurrencyKind !== undefined ? { recurrencyKind: cp.recurrencyKind } : {}),
    ...(cp.validFrom !== undefined ? { validFrom: cp.validFrom } : {}),
    ...(cp.validTo !== undefined ? { validTo: cp.validTo } : {}),
    ...(transactionId !== undefined ? { transactionId } : {}),
    chargingSchedule: {
      ...(s.duration !== undefined ? { duration: s.duration } : {}),
      ...(s.startSchedule !== undefined ? { startSchedule: s.startSchedule } : {}),
      chargingRateUnit: s.chargingRateUnit,
      chargingSchedulePeriod: s.chargingSchedulePeriod.map((p: any) => ({
        startPeriod: p.startPeriod,
        limit: p.limit,
        ...(p.numberPhases !== undefined ? { numberPhases: p.numberPhases } : {}),
      })),
      ...(s.minChargingRate !== undefined ? { minChargingRate: s.minChargingRate } : {}),
    },
  };
}

/** ClearChargingProfileRequest (2.0.1) → the store's filter. */
export function clearFilterFrom201(req: any): ClearFilter {
  if (req.chargingProfileId !== undefined) return { id: req.chargingProfileId };
  const c = req.chargingProfileCriteria ?? {};
  const purpose = c.chargingProfilePurpose === 'ChargingStationMaxProfile' ? 'ChargePointMaxProfile' : c.chargingProfilePurpose;
  return {
    ...(c.evseId !== undefined ? { connectorId: c.evseId } : {}),
    ...(purpose !== undefined ? { chargingProfilePurpose: purpose } : {}),
    ...(c.stackLevel !== undefined ? { stackLevel: c.stackLevel } : {}),
  };
}

/** The 1.6 composite schedule the state computes → GetCompositeScheduleResponse (2.0.1). */
export function compositeTo201(c16: any, evseId: number): object {
  if (c16.status !== 'Accepted') return { status: 'Rejected' };
  const s = c16.chargingSchedule;
  return {
    status: 'Accepted',
    schedule: {
      evseId,
      duration: s.duration,
      scheduleStart: c16.scheduleStart,
      chargingRateUnit: s.chargingRateUnit,
      chargingSchedulePeriod: s.chargingSchedulePeriod,
    },
  };
}

export interface Readings {
  energyWh: number;
  powerW: number;
  /** Per phase of the charger, L1 first. */
  currentsA: number[];
  offeredA: number;
}

/**
 * One 2.0.1 MeterValue. Transaction.Begin/End carry the register alone (what a 1.6 charger puts
 * in meterStart/meterStop); every other context carries the full sample set.
 */
export function meterValue201(r: Readings, context: string, timestamp: string): object {
  const sv = (measurand: string, value: number, unit: string, phase?: string) => ({
    value,
    context,
    measurand,
    ...(phase ? { phase } : {}),
    location: 'Outlet',
    unitOfMeasure: { unit },
  });
  const sampledValue = [sv('Energy.Active.Import.Register', Math.round(r.energyWh), 'Wh')];
  if (context !== 'Transaction.Begin' && context !== 'Transaction.End') {
    sampledValue.push(sv('Power.Active.Import', Math.round(r.powerW), 'W'));
    r.currentsA.forEach((a, i) => sampledValue.push(sv('Current.Import', Math.round(a * 10) / 10, 'A', `L${i + 1}`)));
    sampledValue.push(sv('Current.Offered', Math.round(r.offeredA * 10) / 10, 'A'));
  }
  return { timestamp, sampledValue };
}
