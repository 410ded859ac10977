// The 1.6 configuration keys the site uses, and where a 2.0.1 charger keeps the same
// setting in its device model (component, variable, optional instances). GetConfiguration
// and ChangeConfiguration to a 2.0.1 charger go out as GetVariables / SetVariables through
// this table; a key that is not in it has no 2.0.1 home we know of and is answered as
// unknown (GetConfiguration) or NotSupported (ChangeConfiguration) without asking.
// Pure data and functions; the values are translated where the two versions spell them
// differently (RateUnit "A,W" is 1.6 "Current,Power").

export interface DeviceVariable {
  component: { name: string; instance?: string };
  variable: { name: string; instance?: string };
}

export interface KeyMapping extends DeviceVariable {
  /** 2.0.1 value → 1.6 value; identity when absent. */
  to16?: (v: string) => string;
  /** 1.6 value → 2.0.1 value; identity when absent. */
  to201?: (v: string) => string;
}

const v = (component: string, variable: string, extra: { componentInstance?: string; variableInstance?: string } = {}): KeyMapping => ({
  component: { name: component, ...(extra.componentInstance !== undefined ? { instance: extra.componentInstance } : {}) },
  variable: { name: variable, ...(extra.variableInstance !== undefined ? { instance: extra.variableInstance } : {}) },
});

const list = (s: string): string[] => s.split(/[,\s]+/).map((x) => x.trim()).filter((x) => x !== '');

/** "A,W" → "Current,Power"; anything else is passed on as the charger said it. */
export function rateUnitsTo16(value: string): string {
  return list(value).map((u) => (u === 'A' ? 'Current' : u === 'W' ? 'Power' : u)).join(',');
}

/** "Current,Power" → "A,W". */
export function rateUnitsTo201(value: string): string {
  return list(value).map((u) => (u.toLowerCase() === 'current' ? 'A' : u.toLowerCase() === 'power' ? 'W' : u)).join(',');
}

/**
 * 1.6 key → 2.0.1 variable (OCPP 2.0.1 part 2, appendix 3 "Standardized components and
 * variables", and the migration notes for 1.6 keys). Not here, on purpose:
 * - NumberOfConnectors: a 2.0.1 station has no such variable (its EVSEs are EVSE component
 *   instances, found through a full GetBaseReport); the site takes the EVSE count from the
 *   charger's `connectors` entry or from the EVSE ids it reports, so the key stays unknown.
 * - SupportedFeatureProfiles: 2.0.1 has functional blocks per controller instead
 *   (SmartChargingCtrlr.Enabled etc.), read one by one.
 */
export const KEY_MAP: Readonly<Record<string, KeyMapping>> = {
  HeartbeatInterval: v('OCPPCommCtrlr', 'HeartbeatInterval'),
  WebSocketPingInterval: v('OCPPCommCtrlr', 'WebSocketPingInterval'),
  ResetRetries: v('OCPPCommCtrlr', 'ResetRetries'),
  TransactionMessageAttempts: v('OCPPCommCtrlr', 'MessageAttempts', { variableInstance: 'TransactionEvent' }),
  TransactionMessageRetryInterval: v('OCPPCommCtrlr', 'MessageAttemptInterval', { variableInstance: 'TransactionEvent' }),
  MeterValueSampleInterval: v('SampledDataCtrlr', 'TxUpdatedInterval'),
  MeterValuesSampledData: v('SampledDataCtrlr', 'TxUpdatedMeasurands'),
  StopTxnSampledData: v('SampledDataCtrlr', 'TxEndedMeasurands'),
  ClockAlignedDataInterval: v('AlignedDataCtrlr', 'Interval'),
  MeterValuesAlignedData: v('AlignedDataCtrlr', 'Measurands'),
  StopTxnAlignedData: v('AlignedDataCtrlr', 'TxEndedMeasurands'),
  ChargeProfileMaxStackLevel: v('SmartChargingCtrlr', 'ProfileStackLevel'),
  ChargingScheduleAllowedChargingRateUnit: { ...v('SmartChargingCtrlr', 'RateUnit'), to16: rateUnitsTo16, to201: rateUnitsTo201 },
  ChargingScheduleMaxPeriods: v('SmartChargingCtrlr', 'PeriodsPerSchedule'),
  MaxChargingProfilesInstalled: v('SmartChargingCtrlr', 'Entries', { variableInstance: 'ChargingProfiles' }),
  ConnectorSwitch3to1PhaseSupported: v('SmartChargingCtrlr', 'ACPhaseSwitchingSupported'),
  StopTransactionOnInvalidId: v('TxCtrlr', 'StopTxOnInvalidId'),
  StopTransactionOnEVSideDisconnect: v('TxCtrlr', 'StopTxOnEVSideDisconnect'),
  ConnectionTimeOut: v('TxCtrlr', 'EVConnectionTimeOut'),
  AuthorizeRemoteTxRequests: v('AuthCtrlr', 'AuthorizeRemoteStart'),
  LocalAuthorizeOffline: v('AuthCtrlr', 'LocalAuthorizeOffline'),
  LocalPreAuthorize: v('AuthCtrlr', 'LocalPreAuthorize'),
  AllowOfflineTxForUnknownId: v('AuthCtrlr', 'OfflineTxForUnknownIdEnabled'),
  AuthorizationCacheEnabled: v('AuthCacheCtrlr', 'Enabled'),
  LocalAuthListEnabled: v('LocalAuthListCtrlr', 'Enabled'),
  LocalAuthListMaxLength: v('LocalAuthListCtrlr', 'Entries'),
  SendLocalListMaxLength: v('LocalAuthListCtrlr', 'ItemsPerMessage'),
  AuthorizationKey: v('SecurityCtrlr', 'BasicAuthPassword'),
  BasicAuthPassword: v('SecurityCtrlr', 'BasicAuthPassword'),
};

/** Every 1.6 key with a 2.0.1 home, each 2.0.1 variable once: what "GetConfiguration, all keys" asks for. */
export const ALL_MAPPED_KEYS: readonly string[] = Object.keys(KEY_MAP).filter((k) => k !== 'BasicAuthPassword');

const sameVar = (a: DeviceVariable, b: DeviceVariable): boolean =>
  a.component.name === b.component.name && (a.component.instance ?? '') === (b.component.instance ?? '') &&
  a.variable.name === b.variable.name && (a.variable.instance ?? '') === (b.variable.instance ?? '');

/** The 1.6 key a reported 2.0.1 variable stands for, among the keys asked for. */
export function keyFor(reported: DeviceVariable, asked: readonly string[]): string | undefined {
  return asked.find((k) => KEY_MAP[k] !== undefined && sameVar(KEY_MAP[k], reported));
}

/** Only the identifying fields: a charger may echo evse or extra fields we must not send back. */
export function deviceVariable(m: DeviceVariable): DeviceVariable {
  return {
    component: { name: m.component.name, ...(m.component.instance !== undefined ? { instance: m.component.instance } : {}) },
    variable: { name: m.variable.name, ...(m.variable.instance !== undefined ? { instance: m.variable.instance } : {}) },
  };
}
