// Payload shape checks for the simulated cloud, written from the OCPP 1.6 specification
// rather than loaded from the daemon's schema files: the simulator is the independent
// peer, so a mistake in how the daemon validates must not be mirrored here.
//
// A field spec is a short string: `int`, `str`, `strN` (at most N chars), `time`
// (RFC 3339 date-time), `arr`, `obj`, `meterValues` (a MeterValue list), or an enum
// `A|B|C`; a trailing `!` marks the field required. Unknown properties are refused,
// as the official schemas do (additionalProperties: false).

export interface Problem {
  code: string;
  text: string;
}

type Spec = Record<string, string>;

const CONTEXT = 'Interruption.Begin|Interruption.End|Sample.Clock|Sample.Periodic|Transaction.Begin|Transaction.End|Trigger|Other';
const MEASURAND =
  'Energy.Active.Export.Register|Energy.Active.Import.Register|Energy.Reactive.Export.Register|Energy.Reactive.Import.Register|' +
  'Energy.Active.Export.Interval|Energy.Active.Import.Interval|Energy.Reactive.Export.Interval|Energy.Reactive.Import.Interval|' +
  'Power.Active.Export|Power.Active.Import|Power.Offered|Power.Reactive.Export|Power.Reactive.Import|Power.Factor|' +
  'Current.Import|Current.Export|Current.Offered|Voltage|Frequency|Temperature|SoC|RPM';
const PHASE = 'L1|L2|L3|N|L1-N|L2-N|L3-N|L1-L2|L2-L3|L3-L1';
// Both spellings of Celsius: the 1.6 schema carries the original typo and the fix.
const UNIT = 'Wh|kWh|varh|kvarh|W|kW|VA|kVA|var|kvar|A|V|K|Celcius|Celsius|Fahrenheit|Percent';
const ERROR_CODE =
  'ConnectorLockFailure|EVCommunicationError|GroundFailure|HighTemperature|InternalError|LocalListConflict|NoError|OtherError|' +
  'OverCurrentFailure|PowerMeterFailure|PowerSwitchFailure|ReaderFailure|ResetFailure|UnderVoltage|OverVoltage|WeakSignal';
const CP_STATUS = 'Available|Preparing|Charging|SuspendedEVSE|SuspendedEV|Finishing|Reserved|Unavailable|Faulted';
const STOP_REASON = 'EmergencyStop|EVDisconnected|HardReset|Local|Other|PowerLoss|Reboot|Remote|SoftReset|UnlockCommand|DeAuthorized';

const SAMPLED_VALUE: Spec = {
  value: 'str!',
  context: CONTEXT,
  format: 'Raw|SignedData',
  measurand: MEASURAND,
  phase: PHASE,
  location: 'Cable|EV|Inlet|Outlet|Body',
  unit: UNIT,
};
const METER_VALUE: Spec = { timestamp: 'time!', sampledValue: 'sampledValues!' };

/** CALLs a charge point may send to a Central System (OCPP 1.6 §4). */
export const SITE_REQUESTS: Record<string, Spec> = {
  Authorize: { idTag: 'str20!' },
  BootNotification: {
    chargePointVendor: 'str20!',
    chargePointModel: 'str20!',
    chargePointSerialNumber: 'str25',
    chargeBoxSerialNumber: 'str25',
    firmwareVersion: 'str50',
    iccid: 'str20',
    imsi: 'str20',
    meterType: 'str25',
    meterSerialNumber: 'str25',
  },
  DataTransfer: { vendorId: 'str255!', messageId: 'str50', data: 'str' },
  DiagnosticsStatusNotification: { status: 'Idle|Uploaded|UploadFailed|Uploading!' },
  FirmwareStatusNotification: { status: 'Downloaded|DownloadFailed|Downloading|Idle|InstallationFailed|Installing|Installed!' },
  Heartbeat: {},
  MeterValues: { connectorId: 'int!', transactionId: 'int', meterValue: 'meterValues!' },
  StartTransaction: { connectorId: 'int!', idTag: 'str20!', meterStart: 'int!', reservationId: 'int', timestamp: 'time!' },
  StatusNotification: {
    connectorId: 'int!',
    errorCode: `${ERROR_CODE}!`,
    info: 'str50',
    status: `${CP_STATUS}!`,
    timestamp: 'time',
    vendorId: 'str255',
    vendorErrorCode: 'str50',
  },
  StopTransaction: { idTag: 'str20', meterStop: 'int!', timestamp: 'time!', transactionId: 'int!', reason: STOP_REASON, transactionData: 'meterValues' },
};

/** Central System → charge point actions: a site sending one of these is answered NotSupported. */
export const CLOUD_COMMANDS = new Set([
  'CancelReservation', 'ChangeAvailability', 'ChangeConfiguration', 'ClearCache', 'ClearChargingProfile',
  'GetCompositeSchedule', 'GetConfiguration', 'GetDiagnostics', 'GetLocalListVersion', 'RemoteStartTransaction',
  'RemoteStopTransaction', 'ReserveNow', 'Reset', 'SendLocalList', 'SetChargingProfile', 'TriggerMessage',
  'UnlockConnector', 'UpdateFirmware',
]);

/** What the site must answer to the cloud's commands (the CALLRESULT payloads). */
export const COMMAND_RESULTS: Record<string, Spec> = {
  CancelReservation: { status: 'Accepted|Rejected!' },
  ChangeAvailability: { status: 'Accepted|Rejected|Scheduled!' },
  ChangeConfiguration: { status: 'Accepted|Rejected|RebootRequired|NotSupported!' },
  ClearCache: { status: 'Accepted|Rejected!' },
  ClearChargingProfile: { status: 'Accepted|Unknown!' },
  DataTransfer: { status: 'Accepted|Rejected|UnknownMessageId|UnknownVendorId!', data: 'str' },
  GetCompositeSchedule: { status: 'Accepted|Rejected!', connectorId: 'int', scheduleStart: 'time', chargingSchedule: 'obj' },
  GetConfiguration: { configurationKey: 'arr', unknownKey: 'arr' },
  GetDiagnostics: { fileName: 'str255' },
  GetLocalListVersion: { listVersion: 'int!' },
  RemoteStartTransaction: { status: 'Accepted|Rejected!' },
  RemoteStopTransaction: { status: 'Accepted|Rejected!' },
  ReserveNow: { status: 'Accepted|Faulted|Occupied|Rejected|Unavailable!' },
  Reset: { status: 'Accepted|Rejected!' },
  SendLocalList: { status: 'Accepted|Failed|NotSupported|VersionMismatch!' },
  SetChargingProfile: { status: 'Accepted|Rejected|NotSupported!' },
  TriggerMessage: { status: 'Accepted|Rejected|NotImplemented!' },
  UnlockConnector: { status: 'Unlocked|UnlockFailed|NotSupported!' },
  UpdateFirmware: {},
};

// 1.6 spells it "Occurence" (fixed to "Occurrence" in later editions); a 1.6 peer must know this one.
const OCCURRENCE = 'OccurenceConstraintViolation';
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks one payload (or nested object) against a spec; the first problem found, or null. */
export function checkPayload(spec: Spec, payload: Record<string, unknown>, where = ''): Problem | null {
  for (const key of Object.keys(payload)) {
    if (!(key in spec)) return { code: 'FormationViolation', text: `unknown property ${where}${key}` };
  }
  for (const [key, s] of Object.entries(spec)) {
    const required = s.endsWith('!');
    const type = required ? s.slice(0, -1) : s;
    const v = payload[key];
    if (v === undefined) {
      if (required) return { code: OCCURRENCE, text: `missing ${where}${key}` };
      continue;
    }
    const p = checkValue(type, v, where + key);
    if (p) return p;
  }
  return null;
}

function checkValue(type: string, v: unknown, path: string): Problem | null {
  const wrongType = (): Problem => ({ code: 'TypeConstraintViolation', text: `${path}: expected ${type}, got ${JSON.stringify(v)?.slice(0, 60)}` });
  if (type.includes('|')) {
    if (typeof v !== 'string') return wrongType();
    return type.split('|').includes(v) ? null : { code: 'PropertyConstraintViolation', text: `${path}: ${v} is not one of ${type}` };
  }
  const str = /^str(\d*)$/.exec(type);
  if (str) {
    if (typeof v !== 'string') return wrongType();
    const max = Number(str[1] || Infinity);
    return v.length <= max ? null : { code: 'PropertyConstraintViolation', text: `${path}: longer than ${max} chars` };
  }
  switch (type) {
    case 'int':
      return Number.isInteger(v) ? null : wrongType();
    case 'time':
      return typeof v === 'string' && RFC3339.test(v) && !Number.isNaN(Date.parse(v)) ? null : wrongType();
    case 'arr':
      return Array.isArray(v) ? null : wrongType();
    case 'obj':
      return isObject(v) ? null : wrongType();
    case 'meterValues':
      return checkList(METER_VALUE, v, path);
    case 'sampledValues':
      return checkList(SAMPLED_VALUE, v, path);
  }
  throw new Error(`cloud-payloads: unknown field type ${type}`);
}

/** A non-empty array of objects of one spec (MeterValue and SampledValue lists are minItems 1). */
function checkList(spec: Spec, v: unknown, path: string): Problem | null {
  if (!Array.isArray(v)) return { code: 'TypeConstraintViolation', text: `${path}: expected an array` };
  if (v.length === 0) return { code: OCCURRENCE, text: `${path}: empty` };
  for (let i = 0; i < v.length; i++) {
    const item = v[i];
    if (!isObject(item)) return { code: 'TypeConstraintViolation', text: `${path}[${i}]: expected an object` };
    const p = checkPayload(spec, item, `${path}[${i}].`);
    if (p) return p;
  }
  return null;
}
