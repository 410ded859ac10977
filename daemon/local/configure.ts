// After a charger boots, or reconnects without booting, the site reads its
// smart-charging capabilities, sets what it needs from it where it differs (sample
// interval and the measurands the balancer uses), and asks for the connector statuses
// it cannot be sure of.
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { ChargerSession, SmartChargingCapabilities } from './session.js';
import type { ChargerRegistry } from './registry.js';
import { mayBeCharging, numberOfConnectorsFrom } from './connectors.js';

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

/** The configuration keys the site sets on every charger. */
export function wantedKeys(meterValueSampleIntervalS: number): Record<string, string> {
  return { MeterValueSampleInterval: String(meterValueSampleIntervalS), MeterValuesSampledData: SAMPLED_DATA };
}

const asSet = (csv: string) => new Set(csv.split(',').map((x) => x.trim()).filter((x) => x !== ''));

/** Does a value the charger reported already mean what we want? Lists compare as sets, numbers as numbers. */
function sameValue(key: string, have: string, want: string): boolean {
  if (key === 'MeterValuesSampledData') {
    const a = asSet(have);
    const b = asSet(want);
    return a.size === b.size && [...b].every((x) => a.has(x));
  }
  return have.trim() === want || (/^\s*\d+\s*$/.test(have) && Number(have) === Number(want));
}

/**
 * The ChangeConfiguration calls needed: the wanted keys the charger does not already
 * hold (all of them when its configuration could not be read). A charger that only
 * reconnected kept its settings, so it normally gets none.
 */
export function changesNeeded(reported: Record<string, string> | null, wanted: Record<string, string>): Array<[string, string]> {
  return Object.entries(wanted).filter(([k, v]) => reported?.[k] === undefined || !sameValue(k, reported[k]!, v));
}

/** The keys the charger reported last time, from the store (null when never read). */
export function storedKeys(store: Store, chargerId: string): Record<string, string> | null {
  const json = store.chargers.get(chargerId)?.config_json;
  if (!json) return null;
  try {
    const v = JSON.parse(json) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : null;
  } catch {
    return null;
  }
}

export interface ConfigureDeps {
  store: Store;
  registry: ChargerRegistry;
  log: Logger;
  meterValueSampleIntervalS: number;
}

/**
 * `reason` 'boot': after its BootNotification was answered. 'reconnect': it connected
 * and sent no BootNotification within the grace (it did not reboot; see connect.ts).
 */
export async function configureCharger(session: ChargerSession, deps: ConfigureDeps, reason: 'boot' | 'reconnect' = 'boot'): Promise<void> {
  const log = deps.log.child('local', { charger: session.id });
  let keys: Record<string, string> | null = null;
  try {
    const r = await session.send('GetConfiguration', { key: SMART_CHARGING_KEYS });
    keys = {};
    for (const k of r.configurationKey ?? []) if (k.value !== undefined) keys[k.key] = k.value;
    if (r.unknownKey?.length) log.debug('keys the charger does not know', { keys: r.unknownKey.join(',') });
  } catch (err) {
    log.warn('GetConfiguration failed', { err: (err as Error).message, reason });
  }
  for (const [key, value] of changesNeeded(keys, wantedKeys(deps.meterValueSampleIntervalS))) {
    try {
      const r = await session.send('ChangeConfiguration', { key, value });
      if (r.status !== 'Accepted') log.warn('charger did not accept a configuration change', { key, value, status: r.status });
      else if (keys) keys[key] = value;
    } catch (err) {
      log.warn('ChangeConfiguration failed', { key, err: (err as Error).message });
    }
  }
  await applyConfiguration(session, deps, keys, reason, log, (known) => {
    if (!session.config) session.numberOfConnectors = numberOfConnectorsFrom(known) ?? session.numberOfConnectors;
  });
}

/**
 * The end of every dialect's configure step: what the charger reported (or, when it could not
 * be read now, what it reported last time) becomes its capabilities and is remembered, the
 * balancer is told ('configured'), and statuses are asked for where they are in doubt.
 */
export async function applyConfiguration(
  session: ChargerSession, deps: ConfigureDeps, keys: Record<string, string> | null, reason: 'boot' | 'reconnect', log: Logger,
  also?: (known: Record<string, string>) => void,
): Promise<void> {
  const known = keys ?? storedKeys(deps.store, session.id);
  if (known) {
    session.capabilities = parseCapabilities(known);
    also?.(known);
    log.info('smart charging capabilities', {
      stackLevels: session.capabilities.maxStackLevel, units: session.capabilities.rateUnits.join(',') || 'unknown',
      from: keys ? 'charger' : 'store', reason,
    });
  }
  if (keys) {
    const read = keys;
    // Best effort: only the next connect's fallback and an unknown charger's connector count depend on it.
    await deps.store.write(() => deps.store.chargers.setConfiguration(session.id, read))
      .catch((err: Error) => log.warn('could not remember the charger\'s configuration', { err: err.message }));
  }
  if (!session.rpc.isOpen) return;
  deps.registry.emit('configured', session);
  await requestStatuses(session, reason, log);
}

/**
 * After a reconnect nothing the site knows about the connectors is fresh: ask for every
 * status (one TriggerMessage, connector omitted). After a boot the charger reports them
 * by itself; only a connector that may be charging and has not reported yet is asked for.
 */
async function requestStatuses(session: ChargerSession, reason: 'boot' | 'reconnect', log: Logger): Promise<void> {
  const doubtful = [...session.connectors].filter(([id, c]) => id > 0 && !c.confirmed && mayBeCharging(c)).map(([id]) => id);
  if (reason === 'boot' && doubtful.length === 0) return;
  try {
    const r = await session.send('TriggerMessage', { requestedMessage: 'StatusNotification' });
    if (r.status !== 'Accepted') log.warn('charger refused TriggerMessage(StatusNotification): its connectors stay unconfirmed (treated as possibly charging)', { status: r.status, connectors: doubtful.join(',') || undefined });
  } catch (err) {
    log.warn('TriggerMessage(StatusNotification) failed: its connectors stay unconfirmed (treated as possibly charging)', { err: (err as Error).message });
  }
}
