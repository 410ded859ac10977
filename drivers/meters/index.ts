// Public entry of the meter driver: createMeter() for the daemon, probeMeter()
// for `site-controller probe meter`, and the model data for the config schema/docs.
import { MeterError } from './errors.js';
import { modelFor } from './models.js';
import { ModbusMeter, type CreateMeterOptions } from './modbus-meter.js';
import type { DriverLogger, Meter, MeterReading, MeterSettings } from './types.js';

export * from './types.js';
export * from './errors.js';
export { METER_MODELS, METER_MODEL_LIST, customModel, modelFor, type MeterModel } from './models.js';
export { computeBlocks, decodeRegister, encodeRegister, registerWidth, MODBUS_MAX_READ_REGISTERS, type ReadBlock } from './registers.js';
export { PLAUSIBLE, findRangeProblems, assertPlausible } from './range-check.js';
export { DEFAULT_BACKOFF, type BackoffOptions, type ModbusBus } from './bus.js';
export { ModbusMeter, endpointFromSettings, type CreateMeterOptions } from './modbus-meter.js';

const silentLogger: DriverLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** Builds a meter from the `meter:` config section. Opens nothing until the first read(). */
export function createMeter(settings: MeterSettings, log: DriverLogger = silentLogger, options?: CreateMeterOptions): Meter {
  return new ModbusMeter(settings, modelFor(settings.model, settings.registers), log, options);
}

const fmt = (n: number, digits: number): string => n.toFixed(digits).padStart(10);

/** Human-readable lines for one sample. */
export function formatReading(description: string, r: MeterReading, elapsedMs: number): string {
  const lines = [
    description,
    `               ${'L1'.padStart(10)}${'L2'.padStart(10)}${'L3'.padStart(10)}`,
    `current (A)    ${r.currentA.map((v) => fmt(v, 2)).join('')}`,
    `voltage (V)    ${r.voltageV.map((v) => fmt(v, 1)).join('')}`,
  ];
  if (r.phasePowerW) lines.push(`power (W)      ${r.phasePowerW.map((v) => fmt(v, 0)).join('')}`);
  lines.push(`total power    ${r.powerW.toFixed(0)} W`);
  lines.push(`import energy  ${(r.importEnergyWh / 1000).toFixed(3)} kWh`);
  lines.push(`read in ${elapsedMs} ms`);
  return lines.join('\n');
}

/**
 * Reads the meter once. Resolves with the values as text, or rejects with an
 * Error whose message is the exact failure (connection, unit id, register map,
 * timeout, CRC, implausible values).
 */
export async function probeMeter(settings: MeterSettings): Promise<string> {
  let meter: Meter | undefined;
  const started = Date.now();
  try {
    meter = createMeter(settings);
    const reading = await meter.read();
    return formatReading(meter.description, reading, Date.now() - started);
  } catch (err) {
    if (err instanceof MeterError) throw err;
    throw new Error(err instanceof Error ? err.message : String(err), { cause: err });
  } finally {
    await meter?.close();
  }
}
