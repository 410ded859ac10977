// After a charger boots, the site sets what it needs from it (sample interval and
// the measurands the balancer uses) and reads its smart-charging capabilities.
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { ChargerSession, SmartChargingCapabilities } from './session.js';
import type { ChargerRegistry } from './registry.js';

export const SMART_CHARGING_KEYS = [
  'ChargeProfileMaxStackLevel',
  'ChargingScheduleAllowedChargingRateUnit',
  'ChargingScheduleMaxPeriods',
  'MaxChargingProfilesInstalled',
  'ConnectorSwitch3to1PhaseSupported',
  'NumberOfConnectors',
  'MeterValueSampleInterval',
  'MeterValuesSampledData',
  'StopTransactionOnInvalidId',
  'SupportedFeatureProfiles',
];

/** Per-phase current is what the balancer needs most; energy and power for telemetry. */
export const SAMPLED_DATA = 'Energy.Active.Import.Register,Power.Active.Import,Current.Import,Current.Offered';

function intOrNull(v: string | undefined): number | null {
  const n = v === undefined ? NaN : Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : null;
}

export function parseCapabilities(keys: Record<string, string>): SmartChargingCapabilities {
  const units = (keys.ChargingScheduleAllowedChargingRateUnit ?? '')
    .split(/[,\s]+/)
    .map((u) => u.trim().toLowerCase())
    .flatMap((u): Array<'Current' | 'Power'> => (u === 'current' || u === 'a' ? ['Current'] : u === 'power' || u === 'w' ? ['Power'] : []));
  return {
    maxStackLevel: intOrNull(keys.ChargeProfileMaxStackLevel),
    rateUnits: units,
    maxPeriods: intOrNull(keys.ChargingScheduleMaxPeriods),
    maxProfiles: intOrNull(keys.MaxChargingProfilesInstalled),
    keys,
  };
}

export async function configureCharger(
  session: ChargerSession,
  deps: { store: Store; registry: ChargerRegistry; log: Logger; meterValueSampleIntervalS: number },
): Promise<void> {
  const log = deps.log.child('local', { charger: session.id });
  const change = async (key: string, value: string) => {
    try {
      const r = await session.send('ChangeConfiguration', { key, value });
      if (r.status !== 'Accepted') log.warn('charger did not accept a configuration change', { key, value, status: r.status });
    } catch (err) {
      log.warn('ChangeConfiguration failed', { key, err: (err as Error).message });
    }
  };
  await change('MeterValueSampleInterval', String(deps.meterValueSampleIntervalS));
  await change('MeterValuesSampledData', SAMPLED_DATA);
  try {
    const r = await session.send('GetConfiguration', { key: SMART_CHARGING_KEYS });
    const keys: Record<string, string> = {};
    for (const k of r.configurationKey ?? []) if (k.value !== undefined) keys[k.key] = k.value;
    session.capabilities = parseCapabilities(keys);
    await deps.store.write(() => deps.store.chargers.setConfiguration(session.id, keys));
    log.info('smart charging capabilities', {
      stackLevels: session.capabilities.maxStackLevel, units: session.capabilities.rateUnits.join(',') || 'unknown', unknownKeys: r.unknownKey?.length || undefined,
    });
  } catch (err) {
    log.warn('GetConfiguration failed', { err: (err as Error).message });
  }
  if (session.rpc.isOpen) deps.registry.emit('configured', session);
}
