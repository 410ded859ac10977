// After a 2.0.1 charger boots or reconnects: what ../configure.ts does for 1.6, through
// the 2.0.1 device model. The variables are read with one GetVariables and kept under
// the model's (1.6) key names too, so capabilities, the stored fallback and the
// "what must change" rule are the 1.6 ones; the changes go out in one SetVariables.
import type { ChargerSession } from '../session.js';
import { applyConfiguration, changesNeeded, wantedKeys, type ConfigureDeps } from '../configure.js';
import type { Component201, GetVariableResult201, SetVariableResult201, Variable201 } from './wire.js';

/** The device-model variables the site reads, and the 1.6 key each stands for (null: no 1.6 key). */
export const VARIABLES: ReadonlyArray<{ component: string; variable: string; instance?: string; key: string | null }> = [
  { component: 'SmartChargingCtrlr', variable: 'Enabled', key: null },
  { component: 'SmartChargingCtrlr', variable: 'RateUnit', key: 'ChargingScheduleAllowedChargingRateUnit' },
  { component: 'SmartChargingCtrlr', variable: 'ProfileStackLevel', key: 'ChargeProfileMaxStackLevel' },
  { component: 'SmartChargingCtrlr', variable: 'PeriodsPerSchedule', key: 'ChargingScheduleMaxPeriods' },
  { component: 'SmartChargingCtrlr', variable: 'Entries', instance: 'ChargingProfiles', key: 'MaxChargingProfilesInstalled' },
  { component: 'SmartChargingCtrlr', variable: 'ACPhaseSwitchingSupported', key: 'ConnectorSwitch3to1PhaseSupported' },
  { component: 'SampledDataCtrlr', variable: 'TxUpdatedInterval', key: 'MeterValueSampleInterval' },
  { component: 'SampledDataCtrlr', variable: 'TxUpdatedMeasurands', key: 'MeterValuesSampledData' },
];

const nameOf = (component: string, variable: string) => `${component}.${variable}`;

/** The GetVariables request for VARIABLES. */
export function getVariablesRequest(): { getVariableData: Array<{ component: Component201; variable: Variable201 }> } {
  return {
    getVariableData: VARIABLES.map((v) => ({
      component: { name: v.component },
      variable: v.instance ? { name: v.variable, instance: v.instance } : { name: v.variable },
    })),
  };
}

/**
 * The charger's answer as keys: every accepted value under `Component.Variable`, and
 * under its 1.6 key where there is one (so parseCapabilities and changesNeeded apply).
 */
export function keysFromResults(results: readonly GetVariableResult201[]): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const r of results) {
    if (r.attributeStatus !== 'Accepted' || r.attributeValue === undefined) continue;
    keys[nameOf(r.component.name, r.variable.name)] = r.attributeValue;
    const v = VARIABLES.find((x) => x.component === r.component.name && x.variable === r.variable.name);
    if (v?.key) keys[v.key] = r.attributeValue;
  }
  return keys;
}

/** The SetVariables entries for the 1.6 keys that must change. */
export function setVariableData(changes: ReadonlyArray<[string, string]>): Array<{ attributeValue: string; component: Component201; variable: Variable201 }> {
  return changes.flatMap(([key, value]) => {
    const v = VARIABLES.find((x) => x.key === key);
    return v ? [{ attributeValue: value, component: { name: v.component }, variable: { name: v.variable } }] : [];
  });
}

export async function configureV201(session: ChargerSession, deps: ConfigureDeps, reason: 'boot' | 'reconnect' = 'boot'): Promise<void> {
  const log = deps.log.child('local', { charger: session.id });
  let keys: Record<string, string> | null = null;
  try {
    const r = await session.rpc.call<{ getVariableResult: GetVariableResult201[] }>('GetVariables', getVariablesRequest());
    keys = keysFromResults(r.getVariableResult);
    const unknown = r.getVariableResult.filter((x) => x.attributeStatus !== 'Accepted').map((x) => nameOf(x.component.name, x.variable.name));
    if (unknown.length) log.debug('variables the charger does not report', { variables: unknown.join(',') });
  } catch (err) {
    log.warn('GetVariables failed', { err: (err as Error).message, reason });
  }
  const changes = changesNeeded(keys, wantedKeys(deps.meterValueSampleIntervalS));
  const data = setVariableData(changes);
  if (data.length > 0) {
    try {
      const r = await session.rpc.call<{ setVariableResult: SetVariableResult201[] }>('SetVariables', { setVariableData: data });
      for (const res of r.setVariableResult) {
        const v = VARIABLES.find((x) => x.component === res.component.name && x.variable === res.variable.name);
        const value = data.find((d) => d.component.name === res.component.name && d.variable.name === res.variable.name)?.attributeValue;
        if (res.attributeStatus !== 'Accepted') log.warn('charger did not accept a variable change', { variable: nameOf(res.component.name, res.variable.name), value, status: res.attributeStatus });
        else if (keys && v?.key && value !== undefined) {
          keys[v.key] = value;
          keys[nameOf(v.component, v.variable)] = value;
        }
      }
    } catch (err) {
      log.warn('SetVariables failed', { variables: data.map((d) => nameOf(d.component.name, d.variable.name)).join(','), err: (err as Error).message });
    }
  }
  // The rest is the dialect-independent end of configure (TriggerMessage goes through the command translation).
  await applyConfiguration(session, deps, keys, reason, log);
}
