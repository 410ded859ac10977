// The small 2.0.1 device model of the simulated charger (OCPP 2.0.1 Part 2 Appendix 3 names).
// Most variables are views onto the 1.6 configuration keys the simulator already keeps, so
// that a SetVariables moves the same knobs a ChangeConfiguration does (loops follow their
// intervals, profile checks read the same limits) and nothing is kept twice.

export interface DeviceModelHost {
  configuration: Map<string, { value: string; readonly: boolean }>;
  readonly options: { txStartPoint?: string };
  /** Profiles installed now (SmartChargingCtrlr.Entries Actual). */
  readonly installedProfiles: number;
  configChanged(key: string): void;
}

type DataType = 'string' | 'integer' | 'boolean' | 'MemberList' | 'SequenceList';

interface Variable {
  component: string;
  variable: string;
  instance?: string;
  dataType: DataType;
  /** The 1.6 configuration key holding the value. */
  key?: string;
  /** A constant of the simulator (read-only). */
  constant?: string;
  /** A read-only value from the simulator's options. */
  option?: (o: DeviceModelHost['options']) => string;
  /** 1.6 value ↔ 2.0.1 value, when the spellings differ. */
  out?: (v16: string) => string;
  in?: (v201: string) => string | undefined;
  /** MaxSet value (for Entries). */
  maxKey?: string;
}

const units16to201 = (v: string) => v.split(',').map((u) => (u.trim() === 'Power' ? 'W' : 'A')).join(',');
const units201to16 = (v: string) => {
  const parts = v.split(',').map((u) => u.trim());
  if (parts.length === 0 || !parts.every((u) => u === 'A' || u === 'W')) return undefined;
  return parts.map((u) => (u === 'W' ? 'Power' : 'Current')).join(',');
};

export const VARIABLES: Variable[] = [
  { component: 'OCPPCommCtrlr', variable: 'HeartbeatInterval', dataType: 'integer', key: 'HeartbeatInterval' },
  { component: 'SampledDataCtrlr', variable: 'TxUpdatedInterval', dataType: 'integer', key: 'MeterValueSampleInterval' },
  { component: 'SampledDataCtrlr', variable: 'TxUpdatedMeasurands', dataType: 'MemberList', key: 'MeterValuesSampledData' },
  { component: 'SampledDataCtrlr', variable: 'TxEndedMeasurands', dataType: 'MemberList', key: 'StopTxnSampledData' },
  { component: 'AlignedDataCtrlr', variable: 'Interval', dataType: 'integer', key: 'ClockAlignedDataInterval' },
  { component: 'TxCtrlr', variable: 'StopTxOnInvalidId', dataType: 'boolean', key: 'StopTransactionOnInvalidId' },
  { component: 'TxCtrlr', variable: 'TxStartPoint', dataType: 'MemberList', option: (o) => o.txStartPoint ?? 'Authorized' },
  { component: 'TxCtrlr', variable: 'EVConnectionTimeOut', dataType: 'integer', key: 'ConnectionTimeOut' },
  { component: 'AuthCtrlr', variable: 'AuthorizeRemoteStart', dataType: 'boolean', key: 'AuthorizeRemoteTxRequests' },
  { component: 'AuthCtrlr', variable: 'LocalAuthorizeOffline', dataType: 'boolean', key: 'LocalAuthorizeOffline' },
  { component: 'AuthCtrlr', variable: 'LocalPreAuthorize', dataType: 'boolean', key: 'LocalPreAuthorize' },
  { component: 'LocalAuthListCtrlr', variable: 'Enabled', dataType: 'boolean', key: 'LocalAuthListEnabled' },
  { component: 'SmartChargingCtrlr', variable: 'Enabled', dataType: 'boolean', constant: 'true' },
  { component: 'SmartChargingCtrlr', variable: 'Available', dataType: 'boolean', constant: 'true' },
  { component: 'SmartChargingCtrlr', variable: 'ACPhaseSwitchingSupported', dataType: 'boolean', constant: 'false' },
  { component: 'SmartChargingCtrlr', variable: 'RateUnit', dataType: 'MemberList', key: 'ChargingScheduleAllowedChargingRateUnit', out: units16to201, in: units201to16 },
  { component: 'SmartChargingCtrlr', variable: 'ProfileStackLevel', dataType: 'integer', key: 'ChargeProfileMaxStackLevel' },
  { component: 'SmartChargingCtrlr', variable: 'PeriodsPerSchedule', dataType: 'integer', key: 'ChargingScheduleMaxPeriods' },
  { component: 'SmartChargingCtrlr', variable: 'Entries', instance: 'ChargingProfiles', dataType: 'integer', maxKey: 'MaxChargingProfilesInstalled' },
];

export interface VariableRef {
  component: { name: string; instance?: string; evse?: unknown };
  variable: { name: string; instance?: string };
}

function find(ref: VariableRef): { v?: Variable; status?: 'UnknownComponent' | 'UnknownVariable' } {
  const ofComponent = VARIABLES.filter((v) => v.component === ref.component?.name);
  if (ofComponent.length === 0) return { status: 'UnknownComponent' };
  // A variable with an instance is also found without one (Entries is asked both ways).
  const v = ofComponent.find((x) => x.variable === ref.variable?.name && (ref.variable.instance === undefined || ref.variable.instance === x.instance));
  return v ? { v } : { status: 'UnknownVariable' };
}

const readOnly = (v: Variable, host: DeviceModelHost) => v.key === undefined || host.configuration.get(v.key)!.readonly;

/** One GetVariableResult. */
export function getVariable(host: DeviceModelHost, ref: VariableRef & { attributeType?: string }): object {
  const base = { component: ref.component, variable: ref.variable, ...(ref.attributeType ? { attributeType: ref.attributeType } : {}) };
  const { v, status } = find(ref);
  if (!v) return { ...base, attributeStatus: status };
  const type = ref.attributeType ?? 'Actual';
  let value: string;
  if (v.maxKey !== undefined) {
    if (type !== 'Actual' && type !== 'MaxSet') return { ...base, attributeStatus: 'NotSupportedAttributeType' };
    value = type === 'MaxSet' ? host.configuration.get(v.maxKey)!.value : String(host.installedProfiles);
  } else {
    if (type !== 'Actual') return { ...base, attributeStatus: 'NotSupportedAttributeType' };
    value = v.constant ?? v.option?.(host.options) ?? (v.out ?? ((x: string) => x))(host.configuration.get(v.key!)!.value);
  }
  return { ...base, attributeStatus: 'Accepted', attributeValue: value };
}

/** One SetVariableResult; applies the value when Accepted. */
export function setVariable(host: DeviceModelHost, ref: VariableRef & { attributeType?: string; attributeValue: string }): object {
  const base = { component: ref.component, variable: ref.variable, ...(ref.attributeType ? { attributeType: ref.attributeType } : {}) };
  const { v, status } = find(ref);
  if (!v) return { ...base, attributeStatus: status };
  if ((ref.attributeType ?? 'Actual') !== 'Actual') return { ...base, attributeStatus: 'NotSupportedAttributeType' };
  if (readOnly(v, host)) return { ...base, attributeStatus: 'Rejected' };
  const raw = ref.attributeValue;
  let value: string | undefined = raw;
  if (v.dataType === 'integer') value = /^\d+$/.test(raw) ? raw : undefined;
  else if (v.dataType === 'boolean') value = /^(true|false)$/i.test(raw) ? raw.toLowerCase() : undefined;
  else if (v.in) value = v.in(raw);
  if (value === undefined) return { ...base, attributeStatus: 'Rejected' };
  host.configuration.get(v.key!)!.value = value;
  host.configChanged(v.key!);
  return { ...base, attributeStatus: 'Accepted' };
}

/** NotifyReport reportData for every variable (GetBaseReport FullInventory / ConfigurationInventory). */
export function reportData(host: DeviceModelHost): object[] {
  return VARIABLES.map((v) => {
    const actual = (getVariable(host, { component: { name: v.component }, variable: { name: v.variable, ...(v.instance ? { instance: v.instance } : {}) } }) as any).attributeValue;
    return {
      component: { name: v.component },
      variable: { name: v.variable, ...(v.instance ? { instance: v.instance } : {}) },
      variableAttribute: [{ type: 'Actual', value: actual, mutability: readOnly(v, host) ? 'ReadOnly' : 'ReadWrite' }],
      variableCharacteristics: {
        dataType: v.dataType,
        supportsMonitoring: false,
        ...(v.maxKey ? { maxLimit: Number(host.configuration.get(v.maxKey)!.value) } : {}),
        ...(v.variable === 'RateUnit' ? { valuesList: 'A,W' } : {}),
      },
    };
  });
}
