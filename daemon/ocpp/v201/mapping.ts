// What an OCPP 2.0.1 charger says, turned into the daemon's one model (whose
// transaction events and statuses have the OCPP 1.6 shapes and vocabulary). Pure:
// the 2.0.1 handlers call these, and docs/ocpp201.md shows the same tables.
import { createHash } from 'node:crypto';
import type * as M from '../v16/types.js';

// The parts of 2.0.1 messages read here (written from the OCA schemas; the full
// message types are in ./types.ts).
export type ConnectorStatus201 = 'Available' | 'Occupied' | 'Reserved' | 'Unavailable' | 'Faulted';
export type ChargingState201 = 'Charging' | 'EVConnected' | 'SuspendedEV' | 'SuspendedEVSE' | 'Idle';
export interface IdToken201 {
  idToken: string;
  type: string;
}
export interface SampledValue201 {
  value: number;
  context?: string;
  measurand?: string;
  phase?: string;
  location?: string;
  signedMeterValue?: { signedMeterData: string; signingMethod: string; encodingMethod: string; publicKey: string };
  unitOfMeasure?: { unit?: string; multiplier?: number };
}
export interface MeterValue201 {
  timestamp: string;
  sampledValue: SampledValue201[];
}
export interface IdTokenInfo201 {
  status: string;
  cacheExpiryDateTime?: string;
  groupIdToken?: IdToken201;
}

/**
 * The model's status of connector k (1.6 vocabulary), from what the 2.0.1 charger said:
 * connectorStatus from StatusNotification, chargingState from TransactionEvent, whether a
 * transaction is open there, and the previous model status (to tell Preparing from Finishing).
 */
export function modelStatus(s: {
  connectorStatus?: ConnectorStatus201 | undefined;
  chargingState?: ChargingState201 | undefined;
  transactionOpen: boolean;
  previous: string;
}): string {
  switch (s.connectorStatus) {
    case 'Faulted': return 'Faulted';
    case 'Unavailable': return 'Unavailable';
    case 'Reserved': return 'Reserved';
    case 'Available': return s.transactionOpen ? 'Preparing' : 'Available';
    default: break;
  }
  if (s.transactionOpen) {
    switch (s.chargingState) {
      case 'SuspendedEV': return 'SuspendedEV';
      case 'SuspendedEVSE': return 'SuspendedEVSE';
      // Plugged in, transaction running, no energy yet: the car may draw at any moment.
      case 'EVConnected': return 'SuspendedEV';
      // A transaction started before the cable (authorization first).
      case 'Idle': return s.connectorStatus === 'Occupied' ? 'SuspendedEV' : 'Preparing';
      // Charging, or not said: assume it draws (the balancer's safe side).
      default: return 'Charging';
    }
  }
  if (s.connectorStatus === 'Occupied') return ACTIVE.has(s.previous) ? 'Finishing' : 'Preparing';
  return s.previous;
}
const ACTIVE = new Set(['Charging', 'SuspendedEV', 'SuspendedEVSE', 'Finishing']);

/** 2.0.1 StatusNotification has no error code: a fault is OtherError in 1.6. */
export function modelErrorCode(connectorStatus: ConnectorStatus201): string {
  return connectorStatus === 'Faulted' ? 'OtherError' : 'NoError';
}

/** The idTag of a transaction started without an IdToken (type NoAuthorization, or none yet). */
export const NO_TOKEN_ID_TAG = 'NoAuthorization';
/** 1.6 idTags are at most 20 characters; a 2.0.1 idToken may have 36. */
export const ID_TAG_MAX = 20;

/**
 * The model's idTag for a 2.0.1 IdToken. The type has no place in 1.6 and is dropped.
 * A token longer than 20 characters becomes its first 11 characters, '~' and 8 hex
 * characters of its SHA-256: stable (the same token always gives the same idTag, so the
 * local list and cache keep working) and unlikely to collide.
 */
export function idTagOf(token: IdToken201 | undefined): string {
  if (!token || token.type === 'NoAuthorization' || token.idToken === '') return NO_TOKEN_ID_TAG;
  if (token.idToken.length <= ID_TAG_MAX) return token.idToken;
  return `${token.idToken.slice(0, 11)}~${createHash('sha256').update(token.idToken).digest('hex').slice(0, 8)}`;
}

/** The model's authorization answer (1.6 idTagInfo) as a 2.0.1 idTokenInfo; every 1.6 status exists in 2.0.1. */
export function idTokenInfoOf(info: M.IdTagInfo): IdTokenInfo201 {
  const out: IdTokenInfo201 = { status: info.status };
  if (info.expiryDate !== undefined) out.cacheExpiryDateTime = info.expiryDate;
  if (info.parentIdTag !== undefined) out.groupIdToken = { idToken: info.parentIdTag, type: 'Central' };
  return out;
}

/** 2.0.1 stoppedReason → 1.6 StopTransaction reason (1.6 has fewer: the rest become the nearest or Other). */
export const STOP_REASON: Readonly<Record<string, M.Reason>> = {
  DeAuthorized: 'DeAuthorized',
  EmergencyStop: 'EmergencyStop',
  EnergyLimitReached: 'Other',
  EVDisconnected: 'EVDisconnected',
  GroundFault: 'Other',
  ImmediateReset: 'HardReset',
  Local: 'Local',
  LocalOutOfCredit: 'Local',
  MasterPass: 'Local',
  Other: 'Other',
  OvercurrentFault: 'Other',
  PowerLoss: 'PowerLoss',
  PowerQuality: 'Other',
  Reboot: 'Reboot',
  Remote: 'Remote',
  SOCLimitReached: 'Other',
  StoppedByEV: 'Other',
  TimeLimitReached: 'Other',
  Timeout: 'Other',
};

/** undefined in, undefined out (1.6: "Local" is then assumed by the cloud). */
export function stopReasonOf(stoppedReason: string | undefined): M.Reason | undefined {
  if (stoppedReason === undefined) return undefined;
  return STOP_REASON[stoppedReason] ?? 'Other';
}

const MEASURANDS_16 = new Set<string>([
  'Energy.Active.Export.Register', 'Energy.Active.Import.Register', 'Energy.Reactive.Export.Register', 'Energy.Reactive.Import.Register',
  'Energy.Active.Export.Interval', 'Energy.Active.Import.Interval', 'Energy.Reactive.Export.Interval', 'Energy.Reactive.Import.Interval',
  'Power.Active.Export', 'Power.Active.Import', 'Power.Offered', 'Power.Reactive.Export', 'Power.Reactive.Import', 'Power.Factor',
  'Current.Import', 'Current.Export', 'Current.Offered', 'Voltage', 'Frequency', 'Temperature', 'SoC', 'RPM',
]);
const UNITS_16 = new Set<string>(['Wh', 'kWh', 'varh', 'kvarh', 'W', 'kW', 'VA', 'kVA', 'var', 'kvar', 'A', 'V', 'K', 'Celsius', 'Celcius', 'Fahrenheit', 'Percent']);
// Context, phase and location vocabularies are the same in both versions.

/**
 * value × 10^multiplier as a decimal string, shifted in decimal (not in binary floating
 * point): 1.1 with multiplier 3 is "1100", not "1100.0000000000002".
 */
export function scaledValue(value: number, multiplier = 0): string {
  if (multiplier === 0) return String(value);
  const [mantissa, exp = '0'] = String(value).split('e');
  return String(Number(`${mantissa}e${Number(exp) + multiplier}`));
}

/** Why one 2.0.1 sampled value cannot be said in 1.6, or null when it can. */
function unsayable(sv: SampledValue201): string | null {
  if (sv.measurand !== undefined && !MEASURANDS_16.has(sv.measurand)) return `measurand ${sv.measurand}`;
  const unit = sv.unitOfMeasure?.unit;
  if (unit !== undefined && !UNITS_16.has(unit)) return `unit ${unit}`;
  return null;
}

export interface MappedMeterValues {
  meterValue: M.MeterValue[];
  /** What could not be said in 1.6 (kept only in the site's own record of the 2.0.1 event). */
  dropped: string[];
}

/**
 * 2.0.1 meter values → the model's (1.6) meter values: value as a string with the
 * multiplier applied, unit kept; a signed reading is carried as a second sampled value
 * with format SignedData (1.6's way of carrying signed data). `forStop`: StopTransaction's
 * transactionData, whose schema spells the Celsius unit only "Celcius".
 */
export function meterValuesOf(mvs: readonly MeterValue201[], opts: { forStop?: boolean } = {}): MappedMeterValues {
  const dropped: string[] = [];
  const meterValue: M.MeterValue[] = [];
  for (const mv of mvs) {
    const out: M.SampledValue[] = [];
    for (const sv of mv.sampledValue) {
      const why = unsayable(sv);
      if (why) {
        dropped.push(why);
        continue;
      }
      let unit = sv.unitOfMeasure?.unit as M.UnitOfMeasure | undefined;
      if (opts.forStop && unit === 'Celsius') unit = 'Celcius';
      const base: Omit<M.SampledValue, 'value'> = {};
      if (sv.context !== undefined) base.context = sv.context as M.ReadingContext;
      if (sv.measurand !== undefined) base.measurand = sv.measurand as M.Measurand;
      if (sv.phase !== undefined) base.phase = sv.phase as M.Phase;
      if (sv.location !== undefined) base.location = sv.location as M.Location;
      if (unit !== undefined) base.unit = unit;
      out.push({ value: scaledValue(sv.value, sv.unitOfMeasure?.multiplier), ...base });
      if (sv.signedMeterValue) out.push({ value: sv.signedMeterValue.signedMeterData, format: 'SignedData', ...base });
    }
    if (out.length > 0) meterValue.push({ timestamp: mv.timestamp, sampledValue: out });
  }
  return { meterValue, dropped };
}

/**
 * The energy register (Energy.Active.Import.Register, no phase) in whole Wh, preferring a
 * reading with the given context (Transaction.Begin / Transaction.End), else the newest
 * one; null when the values hold none.
 */
export function registerWh(mvs: readonly MeterValue201[], context?: string): number | null {
  let best: { wh: number; preferred: boolean; ts: number } | null = null;
  for (const mv of mvs) {
    const ts = Date.parse(mv.timestamp);
    for (const sv of mv.sampledValue) {
      if ((sv.measurand ?? 'Energy.Active.Import.Register') !== 'Energy.Active.Import.Register' || sv.phase !== undefined) continue;
      const unit = sv.unitOfMeasure?.unit ?? 'Wh';
      const factor = unit === 'Wh' ? 1 : unit === 'kWh' ? 1000 : null;
      if (factor === null) continue;
      const wh = Math.round(Number(scaledValue(sv.value, sv.unitOfMeasure?.multiplier)) * factor);
      if (!Number.isFinite(wh) || wh < 0) continue;
      const preferred = context !== undefined && sv.context === context;
      if (!best || (preferred && !best.preferred) || (preferred === best.preferred && ts >= best.ts)) best = { wh, preferred, ts };
    }
  }
  return best?.wh ?? null;
}

/** Of an EVSE's connectors, the one status that says most about the EVSE (the model has one connector per EVSE). */
const EVSE_PRIORITY: readonly ConnectorStatus201[] = ['Occupied', 'Faulted', 'Reserved', 'Unavailable', 'Available'];
export function evseStatus(connectorStatuses: Iterable<ConnectorStatus201>): ConnectorStatus201 | undefined {
  const have = new Set(connectorStatuses);
  return EVSE_PRIORITY.find((s) => have.has(s));
}
