// Public face of the modem driver: createModem() for the daemon's health check
// and probeModem() for `site-controller probe modem`.
import { AtEngine } from './at-engine.js';
import type { QualityThresholds } from './quality.js';
import { readModem } from './readers/index.js';
import { silentModemLogger, type ModemLogger, type ModemReading, type ModemSettings } from './types.js';

export type { ModemLogger, ModemReading, ModemSettings, Quality, Registration, SimState } from './types.js';
export { DEFAULT_QUALITY_THRESHOLDS, signalQuality, type QualityThresholds } from './quality.js';
export { AtEngine, type AtEngineOptions } from './at-engine.js';
export * from './errors.js';

export const DEFAULT_COMMAND_TIMEOUT_MS = 2000;

export interface Modem {
  /** One reading; never rejects for modem trouble, which lands in `errors` instead. */
  read(): Promise<ModemReading>;
  /** 'urc': an unsolicited line (+CEREG: 1, RING, ...); 'open' / 'disconnect': the port came or went. */
  on(event: 'urc', listener: (line: string) => void): Modem;
  on(event: 'open', listener: () => void): Modem;
  on(event: 'disconnect', listener: (reason: string) => void): Modem;
  close(): Promise<void>;
}

export interface CreateModemOptions {
  thresholds?: Partial<QualityThresholds>;
  /** Backoff of the reopen after the device vanished; defaults 500 ms doubling to 30 s. */
  reopenInitialDelayMs?: number;
  reopenMaxDelayMs?: number;
  now?: () => number;
}

export function createModem(settings: ModemSettings, log: ModemLogger = silentModemLogger, options: CreateModemOptions = {}): Modem {
  const engine = new AtEngine({
    device: settings.device,
    baudRate: settings.baudRate,
    commandTimeoutMs: settings.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    reopenInitialDelayMs: options.reopenInitialDelayMs,
    reopenMaxDelayMs: options.reopenMaxDelayMs,
    log,
  });
  const now = options.now ?? Date.now;
  let started: Promise<void> | undefined;
  let inFlight: Promise<ModemReading> | undefined;
  let closed = false;

  async function readOnce(): Promise<ModemReading> {
    // The first read opens the port; if that fails the engine keeps retrying on its own.
    started ??= engine.start().catch(() => {});
    await started;
    if (!engine.isReady) return emptyReading(now(), engine.notReadyReason);
    return readModem(engine, { driver: settings.driver, thresholds: options.thresholds, now });
  }

  const modem: Modem = {
    read() {
      if (closed) return Promise.reject(new Error(`modem on ${settings.device} is closed`));
      // Overlapping callers share one reading instead of interleaving two on the wire.
      inFlight ??= readOnce().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    on(event: string, listener: (...args: any[]) => void) {
      engine.on(event, listener);
      return modem;
    },
    async close() {
      closed = true;
      await engine.close();
    },
  };
  return modem;
}

function emptyReading(ts: number, error: string): ModemReading {
  return { ts, simState: 'unknown', registration: 'unknown', ipAddresses: [], quality: 'none', errors: [error] };
}

/**
 * Commissioning: one reading with the configured settings, as lines for a human.
 * Throws with the exact failure when the modem cannot be talked to at all.
 */
export async function probeModem(settings: ModemSettings): Promise<string> {
  const engine = new AtEngine({
    device: settings.device,
    baudRate: settings.baudRate,
    commandTimeoutMs: settings.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    reopen: false,
  });
  try {
    await engine.start();
    const reading = await readModem(engine, { driver: settings.driver });
    return formatReading(reading, settings);
  } finally {
    await engine.close();
  }
}

export function formatReading(r: ModemReading, settings: Pick<ModemSettings, 'device' | 'baudRate'>): string {
  const join = (parts: Array<string | undefined>, sep = ', ') => parts.filter(Boolean).join(sep);
  const signal = join([
    r.rsrpDbm !== undefined ? `RSRP ${r.rsrpDbm} dBm` : undefined,
    r.rsrqDb !== undefined ? `RSRQ ${r.rsrqDb} dB` : undefined,
    r.sinrDb !== undefined ? `SINR ${r.sinrDb} dB` : undefined,
    r.rssiDbm !== undefined ? `RSSI ${r.rssiDbm} dBm` : undefined,
  ]);
  const rows: Array<[string, string]> = [
    ['device', `${settings.device} @ ${settings.baudRate} baud`],
    ['modem', join([r.manufacturer, r.model], ' ') || 'unknown'],
    ['IMEI', r.imei ?? 'unknown'],
    ['SIM', r.simState],
    ['registration', join([r.registration, r.accessTechnology && `(${r.accessTechnology})`, r.operator && `on ${r.operator}`], ' ')],
    ['signal', `${signal || 'no figures'} -> ${r.quality}`],
    ['band / cell', join([r.band && `band ${r.band}`, r.cellId && `cell ${r.cellId}`]) || 'unknown'],
    ['IP', r.ipAddresses.join(', ') || 'none'],
    ...r.errors.map((e): [string, string] => ['error', e]),
  ];
  return rows.map(([k, v]) => `${k.padEnd(13)}${v}`).join('\n');
}
