// The model (1.6-shaped transaction events, statuses, idTags, stop reasons) said in OCPP
// 2.0.1 towards a 2.0.1 cloud: the reverse direction of ./mapping.ts. Pure; the tables are
// in docs/translation.md and table-tested in test/unit/v201-upstream-mapping.test.ts.
import type * as M from '../v16/types.js';
import type { MeterValue201, SampledValue201, IdToken201, IdTokenInfo201 } from './mapping.js';
import { NO_TOKEN_ID_TAG } from './mapping.js';

/** 2.0.1 MeasurandEnumType: 1.6's list without Temperature and RPM, plus net/apparent energies. */
const MEASURANDS_201 = new Set<string>([
  'Current.Export', 'Current.Import', 'Current.Offered', 'Energy.Active.Export.Register', 'Energy.Active.Import.Register',
  'Energy.Reactive.Export.Register', 'Energy.Reactive.Import.Register', 'Energy.Active.Export.Interval', 'Energy.Active.Import.Interval',
  'Energy.Active.Net', 'Energy.Reactive.Export.Interval', 'Energy.Reactive.Import.Interval', 'Energy.Reactive.Net', 'Energy.Apparent.Net',
  'Energy.Apparent.Import', 'Energy.Apparent.Export', 'Frequency', 'Power.Active.Export', 'Power.Active.Import', 'Power.Factor',
  'Power.Offered', 'Power.Reactive.Export', 'Power.Reactive.Import', 'SoC', 'Voltage',
]);

export interface Mapped201 {
  meterValue: MeterValue201[];
  /** What 2.0.1 cannot carry (the journal keeps it; the cloud does not get it). */
  dropped: string[];
}

/** The encoding of a signed reading 1.6 carried as a SignedData string (1.6 does not say which). */
export function signedEncoding(data: string): string {
  return data.startsWith('OCMF|') ? 'OCMF' : 'Unknown';
}

/**
 * 1.6 meter values → 2.0.1: the value as a number (2.0.1 has no strings), the unit in
 * unitOfMeasure (Celcius spelled Celsius), context/measurand/phase/location unchanged. A
 * SignedData value is the signedMeterData of the plain reading it follows (the way both
 * this site and most 1.6 chargers send them: plain, then signed, same measurand and phase),
 * passed on byte for byte; 1.6 names neither the signing method nor the public key, so
 * those are empty. What 2.0.1 cannot say is dropped and named.
 */
export function meterValuesTo201(mvs: readonly M.MeterValue[]): Mapped201 {
  const dropped: string[] = [];
  const meterValue: MeterValue201[] = [];
  for (const mv of mvs) {
    const out: SampledValue201[] = [];
    for (const sv of mv.sampledValue) {
      if (sv.measurand !== undefined && !MEASURANDS_201.has(sv.measurand)) {
        dropped.push(`measurand ${sv.measurand}`);
        continue;
      }
      if (sv.format === 'SignedData') {
        const plain = [...out].reverse().find((o) => o.measurand === sv.measurand && o.phase === sv.phase && o.location === sv.location && !o.signedMeterValue);
        if (!plain) {
          dropped.push('a signed reading without a plain value (2.0.1 needs a number)');
          continue;
        }
        plain.signedMeterValue = { signedMeterData: sv.value, signingMethod: '', encodingMethod: signedEncoding(sv.value), publicKey: '' };
        continue;
      }
      const value = sv.value.trim() === '' ? NaN : Number(sv.value);
      if (!Number.isFinite(value)) {
        dropped.push(`value "${sv.value.slice(0, 20)}" is not a number`);
        continue;
      }
      const o: SampledValue201 = { value };
      if (sv.context !== undefined) o.context = sv.context;
      if (sv.measurand !== undefined) o.measurand = sv.measurand;
      if (sv.phase !== undefined) o.phase = sv.phase;
      if (sv.location !== undefined) o.location = sv.location;
      if (sv.unit !== undefined) o.unitOfMeasure = { unit: sv.unit === 'Celcius' ? 'Celsius' : sv.unit };
      out.push(o);
    }
    if (out.length > 0) meterValue.push({ timestamp: mv.timestamp, sampledValue: out });
  }
  return { meterValue, dropped };
}

/** The energy register reading a 1.6 StartTransaction / StopTransaction carries as meterStart / meterStop. */
export function registerSample(timestamp: string, wh: number, context: 'Transaction.Begin' | 'Transaction.End'): MeterValue201 {
  return { timestamp, sampledValue: [{ value: wh, context, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] };
}

export function hasContext(mvs: readonly MeterValue201[], context: string): boolean {
  return mvs.some((mv) => mv.sampledValue.some((sv) => sv.context === context));
}

/**
 * The IdToken for a model idTag. A tag presented at a 1.6 charger is an RFID card for
 * nearly every installation (ISO14443); a start the cloud asked for is Central; a 2.0.1
 * charger's own token is passed on as it gave it (see `extra.idToken`).
 */
export function idTokenOf(idTag: string, source: 'presented' | 'remote' = 'presented'): IdToken201 {
  if (idTag === NO_TOKEN_ID_TAG) return { idToken: '', type: 'NoAuthorization' };
  return { idToken: idTag, type: source === 'remote' ? 'Central' : 'ISO14443' };
}

/** 2.0.1 AuthorizationStatus → the model's (1.6) status: the statuses 1.6 lacks all mean "not here, not now". */
export function idTagStatusOf(status: string): M.IdTagInfo['status'] {
  switch (status) {
    case 'Accepted':
    case 'Blocked':
    case 'Expired':
    case 'Invalid':
    case 'ConcurrentTx':
      return status;
    default: // NoCredit, NotAllowedTypeEVSE, NotAtThisLocation, NotAtThisTime, Unknown
      return 'Invalid';
  }
}

/** A 2.0.1 idTokenInfo as the model's idTagInfo (what the cache and the local list keep). */
export function idTagInfoOf(info: IdTokenInfo201 | undefined, idTagOfGroup: (t: IdToken201) => string): M.IdTagInfo {
  if (!info) return { status: 'Accepted' };
  const out: M.IdTagInfo = { status: idTagStatusOf(info.status) };
  if (info.cacheExpiryDateTime !== undefined) out.expiryDate = info.cacheExpiryDateTime;
  if (info.groupIdToken !== undefined) out.parentIdTag = idTagOfGroup(info.groupIdToken);
  return out;
}

/** Why the transaction ended, 1.6 → 2.0.1 (no reason in 1.6 means Local). */
export const STOPPED_REASON_201: Readonly<Record<M.Reason, string>> = {
  DeAuthorized: 'DeAuthorized',
  EmergencyStop: 'EmergencyStop',
  EVDisconnected: 'EVDisconnected',
  HardReset: 'ImmediateReset',
  Local: 'Local',
  Other: 'Other',
  PowerLoss: 'PowerLoss',
  Reboot: 'Reboot',
  Remote: 'Remote',
  SoftReset: 'Reboot',
  UnlockCommand: 'Remote',
};

/** What made the transaction end, as the Ended event's triggerReason. */
export const END_TRIGGER_201: Readonly<Record<M.Reason, string>> = {
  DeAuthorized: 'Deauthorized',
  EmergencyStop: 'AbnormalCondition',
  EVDisconnected: 'EVDeparted',
  HardReset: 'ResetCommand',
  Local: 'StopAuthorized',
  Other: 'AbnormalCondition',
  PowerLoss: 'AbnormalCondition',
  Reboot: 'ResetCommand',
  Remote: 'RemoteStop',
  SoftReset: 'ResetCommand',
  UnlockCommand: 'UnlockCommand',
};

/** An Updated event's triggerReason from the readings' context: clock-aligned, triggered, else periodic. */
export function updateTrigger(mvs: readonly M.MeterValue[]): string {
  const contexts = new Set(mvs.flatMap((mv) => mv.sampledValue.map((sv) => sv.context)));
  if (contexts.has('Trigger')) return 'Trigger';
  if (contexts.has('Sample.Clock')) return 'MeterValueClock';
  return 'MeterValuePeriodic';
}

/** A model (1.6) connector status as a 2.0.1 connectorStatus. */
export function connectorStatusOf(status: string): 'Available' | 'Occupied' | 'Reserved' | 'Unavailable' | 'Faulted' {
  switch (status) {
    case 'Available': return 'Available';
    case 'Reserved': return 'Reserved';
    case 'Faulted': return 'Faulted';
    case 'Preparing':
    case 'Charging':
    case 'SuspendedEV':
    case 'SuspendedEVSE':
    case 'Finishing':
      return 'Occupied';
    default: // Unavailable, and Unknown (not reported yet)
      return 'Unavailable';
  }
}

/** A model (1.6) connector status as the 2.0.1 chargingState of a running transaction (the model's own names). */
export { chargingStateOf } from '../../local/connectors.js';
