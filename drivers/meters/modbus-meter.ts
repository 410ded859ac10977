// A meter = a model's register data + a shared bus. One read() fetches every
// block, decodes, range-checks, and returns a whole sample or throws.
import { acquireBus, releaseBus, type BackoffOptions, type ModbusBus } from './bus.js';
import type { BusEndpoint } from './connection.js';
import { MeterConfigError, MeterError } from './errors.js';
import type { MeterModel } from './models.js';
import { assertPlausible } from './range-check.js';
import { computeBlocks, decodeRegister, sliceFromBlocks, type ReadBlock } from './registers.js';
import type { DriverLogger, Meter, MeterReading, MeterSettings, RegisterRole } from './types.js';

export interface CreateMeterOptions {
  /** Reconnect backoff of the bus (first meter on a bus decides). */
  backoff?: BackoffOptions;
}

/** Turns the config section into a bus endpoint, naming the key of anything missing or wrong. */
export function endpointFromSettings(s: MeterSettings): BusEndpoint {
  if (s.transport === 'tcp') {
    if (!s.host) throw new MeterConfigError('meter.host: required for transport tcp');
    const port = s.port ?? 502;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new MeterConfigError('meter.port: must be 1..65535');
    return { transport: 'tcp', host: s.host, port };
  }
  if (s.transport === 'rtu') {
    if (!s.device) throw new MeterConfigError('meter.device: required for transport rtu');
    // Defaults per the Modbus serial line spec (9600 baud, even parity, 8 data bits, 1 stop bit).
    return { transport: 'rtu', device: s.device, baudRate: s.baudRate ?? 9600, parity: s.parity ?? 'even', dataBits: s.dataBits ?? 8, stopBits: s.stopBits ?? 1 };
  }
  throw new MeterConfigError(`meter.transport: must be tcp or rtu, not "${String(s.transport)}"`);
}

function checkTiming(s: MeterSettings): void {
  // 0 is broadcast (never answered) and 248..255 are reserved on serial lines; TCP devices may use 255.
  const maxUnit = s.transport === 'tcp' ? 255 : 247;
  if (!Number.isInteger(s.unitId) || s.unitId < 1 || s.unitId > maxUnit) throw new MeterConfigError(`meter.unitId: must be an integer 1..${maxUnit}`);
  if (!(s.timeoutMs > 0)) throw new MeterConfigError('meter.timeoutMs: must be > 0 (every request needs a timeout)');
}

export class ModbusMeter implements Meter {
  readonly description: string;
  readonly bus: ModbusBus;
  readonly blocks: readonly ReadBlock[];
  private closed = false;

  constructor(private readonly settings: MeterSettings, readonly model: MeterModel, log: DriverLogger, options: CreateMeterOptions = {}) {
    checkTiming(settings);
    const endpoint = endpointFromSettings(settings);
    this.blocks = computeBlocks(Object.values(model.registers), { maxRegisters: model.maxRegistersPerRead, maxGap: model.maxGapRegisters });
    this.bus = acquireBus(endpoint, log, options.backoff);
    this.description = `${model.description}, unit ${settings.unitId} via ${this.bus.label}`;
  }

  async read(): Promise<MeterReading> {
    if (this.closed) throw new MeterError('connection', `${this.description}: meter closed`);
    const results: Array<{ block: ReadBlock; data: number[] }> = [];
    for (const block of this.blocks) {
      const data = await this.bus.readRegisters({ ...block, unitId: this.settings.unitId, timeoutMs: this.settings.timeoutMs });
      results.push({ block, data });
    }
    const value = (role: RegisterRole): number | undefined => {
      const spec = this.model.registers[role];
      return spec ? decodeRegister(sliceFromBlocks(spec, results), spec) : undefined;
    };
    const reading = this.model.phases === 1 ? this.singlePhase(value) : this.threePhase(value);
    assertPlausible(reading, { currentSign: this.model.currentSign });
    return reading;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await releaseBus(this.bus);
  }

  private threePhase(value: (role: RegisterRole) => number | undefined): MeterReading {
    const p = [value('powerL1'), value('powerL2'), value('powerL3')];
    return {
      ts: Date.now(),
      currentA: [value('currentL1')!, value('currentL2')!, value('currentL3')!],
      voltageV: [value('voltageL1')!, value('voltageL2')!, value('voltageL3')!],
      powerW: value('powerTotal')!,
      importEnergyWh: value('importEnergy')!,
      ...(p.every((w) => w !== undefined) ? { phasePowerW: p as [number, number, number] } : {}),
    };
  }

  // A single-phase meter measures L1 only; L2/L3 are reported as 0 (see the model description).
  private singlePhase(value: (role: RegisterRole) => number | undefined): MeterReading {
    const p1 = value('powerL1');
    return {
      ts: Date.now(),
      currentA: [value('currentL1')!, 0, 0],
      voltageV: [value('voltageL1')!, 0, 0],
      powerW: value('powerTotal')!,
      importEnergyWh: value('importEnergy')!,
      ...(p1 !== undefined ? { phasePowerW: [p1, 0, 0] as [number, number, number] } : {}),
    };
  }
}
