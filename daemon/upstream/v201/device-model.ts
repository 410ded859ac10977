// The site's own device model as a 2.0.1 cloud sees it (GetVariables / SetVariables /
// GetBaseReport): the same settings a 1.6 cloud reads as configuration keys
// (../site-config.ts), each at its 2.0.1 home from the shared key table
// (ocpp/v201/config-keys.ts), plus what 2.0.1 asks of every station (controllers that are
// on, how many items a message may carry) and the availability of every EVSE. One source
// of truth: a value set from a 2.0.1 cloud is the value a 1.6 cloud would read, and back.
import type { SiteConfiguration } from '../site-config.js';
import { KEY_MAP } from '../../ocpp/v201/config-keys.js';

export interface SiteVariable {
  component: { name: string; instance?: string; evse?: { id: number; connectorId?: number } };
  variable: { name: string; instance?: string };
  mutability: 'ReadOnly' | 'ReadWrite';
  dataType: 'string' | 'integer' | 'boolean' | 'OptionList' | 'MemberList' | 'SequenceList';
  value: () => string;
  /** The 1.6 key behind it, when it has one (then SetVariables goes through the same setter). */
  key16?: string;
}

export const ITEMS_PER_MESSAGE = 50;

const fixed = (component: string, variable: string, value: string, dataType: SiteVariable['dataType'], instance?: string): SiteVariable => ({
  component: { name: component }, variable: { name: variable, ...(instance ? { instance } : {}) }, mutability: 'ReadOnly', dataType, value: () => value,
});

function dataTypeOf(value: string): SiteVariable['dataType'] {
  if (value === 'true' || value === 'false') return 'boolean';
  if (/^-?\d+$/.test(value)) return 'integer';
  if (value.includes(',')) return 'MemberList';
  return 'string';
}

/** Every variable of the site, now (EVSE count and statuses change while it runs). */
export function siteVariables(config: SiteConfiguration, evses: () => Array<{ id: number; status: string }>): SiteVariable[] {
  const out: SiteVariable[] = [];
  for (const k of config.get().configurationKey ?? []) {
    const m = KEY_MAP[k.key];
    if (!m || k.key === 'AuthorizationKey' || k.key === 'BasicAuthPassword') continue;
    const value = () => {
      const v = config.get([k.key]).configurationKey?.[0]?.value ?? '';
      return m.to201 ? m.to201(v) : v;
    };
    out.push({ component: { ...m.component }, variable: { ...m.variable }, mutability: k.readonly ? 'ReadOnly' : 'ReadWrite', dataType: dataTypeOf(value()), value, key16: k.key });
  }
  out.push(
    fixed('DeviceDataCtrlr', 'ItemsPerMessage', String(ITEMS_PER_MESSAGE), 'integer', 'GetReport'),
    fixed('DeviceDataCtrlr', 'ItemsPerMessage', String(ITEMS_PER_MESSAGE), 'integer', 'GetVariables'),
    fixed('DeviceDataCtrlr', 'ItemsPerMessage', String(ITEMS_PER_MESSAGE), 'integer', 'SetVariables'),
    fixed('SmartChargingCtrlr', 'Enabled', 'true', 'boolean'),
    fixed('ReservationCtrlr', 'Enabled', 'true', 'boolean'),
    fixed('AuthCtrlr', 'Enabled', 'true', 'boolean'),
  );
  for (const e of evses()) {
    const state = () => availabilityState(evses().find((x) => x.id === e.id)?.status ?? 'Unavailable');
    out.push({ component: { name: 'EVSE', evse: { id: e.id } }, variable: { name: 'AvailabilityState' }, mutability: 'ReadOnly', dataType: 'OptionList', value: state });
    out.push({ component: { name: 'Connector', evse: { id: e.id, connectorId: 1 } }, variable: { name: 'AvailabilityState' }, mutability: 'ReadOnly', dataType: 'OptionList', value: state });
  }
  return out;
}

/** A model (1.6) status as the AvailabilityState variable of an EVSE or connector. */
export function availabilityState(status: string): string {
  switch (status) {
    case 'Available': return 'Available';
    case 'Reserved': return 'Reserved';
    case 'Faulted': return 'Faulted';
    case 'Unavailable':
    case 'Unknown':
      return 'Unavailable';
    default: return 'Occupied';
  }
}

interface Ref {
  component: { name: string; instance?: string; evse?: { id: number; connectorId?: number } };
  variable: { name: string; instance?: string };
}

const sameEvse = (a?: { id: number; connectorId?: number }, b?: { id: number; connectorId?: number }) =>
  (a?.id ?? null) === (b?.id ?? null) && (a?.connectorId ?? null) === (b?.connectorId ?? null);

/** Finds a variable: 'component' when no component matches, 'variable' when the component exists but not the variable. */
export function findVariable(vars: readonly SiteVariable[], ref: Ref): SiteVariable | 'component' | 'variable' {
  const comp = vars.filter((v) => v.component.name === ref.component.name && (v.component.instance ?? '') === (ref.component.instance ?? '') && sameEvse(v.component.evse, ref.component.evse));
  if (comp.length === 0) return 'component';
  return comp.find((v) => v.variable.name === ref.variable.name && (v.variable.instance ?? '') === (ref.variable.instance ?? '')) ?? 'variable';
}

/** Drops the setters and functions: the identifying fields as 2.0.1 spells them. */
export function refOf(v: SiteVariable): Ref {
  return { component: { ...v.component }, variable: { ...v.variable } };
}

/** NotifyReport reportData for a GetBaseReport. */
export function reportData(vars: readonly SiteVariable[], base: string): unknown[] {
  const chosen = base === 'ConfigurationInventory' ? vars.filter((v) => v.mutability === 'ReadWrite')
    : base === 'SummaryInventory' ? vars.filter((v) => v.variable.name === 'AvailabilityState')
      : vars;
  return chosen.map((v) => ({
    ...refOf(v),
    variableAttribute: [{ type: 'Actual', value: v.value().slice(0, 2500), mutability: v.mutability, persistent: true, constant: false }],
    variableCharacteristics: { dataType: v.dataType, supportsMonitoring: false },
  }));
}
