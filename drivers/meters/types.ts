// Public shapes of the meter driver. drivers/ never imports daemon/, so the
// logger is a small interface of our own that the daemon's logger satisfies.

export interface DriverLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * One good sample of the grid meter. Currents are in A as the meter reports them:
 * never negative for meters that report magnitudes (Eastron, ABB); signed for
 * meters that do in bidirectional mode (Carlo Gavazzi). Power is positive when
 * importing from the grid. Energy is the import register, in Wh.
 */
export interface MeterReading {
  ts: number;
  currentA: [number, number, number];
  voltageV: [number, number, number];
  powerW: number;
  importEnergyWh: number;
  phasePowerW?: [number, number, number];
}

export interface Meter {
  /** One complete, range-checked sample; rejects (never returns partial data) on any failure. */
  read(): Promise<MeterReading>;
  close(): Promise<void>;
  readonly description: string;
}

export const METER_MODEL_NAMES = ['sdm630', 'sdm72', 'sdm120', 'em24', 'em340', 'abb-b23', 'custom'] as const;
export type MeterModelName = (typeof METER_MODEL_NAMES)[number];

export const REGISTER_TYPES = ['float32', 'int16', 'uint16', 'int32', 'uint32'] as const;
export type RegisterType = (typeof REGISTER_TYPES)[number];
/** Built-in models may also use uint64 (ABB energy counters); config cannot. */
export type ModelRegisterType = RegisterType | 'uint64';
export type WordOrder = 'big' | 'little';
export type FunctionCode = 3 | 4;

export const REGISTER_ROLES = [
  'currentL1', 'currentL2', 'currentL3',
  'voltageL1', 'voltageL2', 'voltageL3',
  'powerTotal', 'importEnergy',
  'powerL1', 'powerL2', 'powerL3',
] as const;
export type RegisterRole = (typeof REGISTER_ROLES)[number];
export const REQUIRED_REGISTER_ROLES: readonly RegisterRole[] = REGISTER_ROLES.slice(0, 8);

/** One value as it sits in the device: where, how it is encoded, and the factor to SI units (A, V, W, Wh). */
export interface RegisterSpec {
  address: number;
  functionCode: FunctionCode;
  type: ModelRegisterType;
  wordOrder?: WordOrder;
  scale?: number;
}

/** The `registers` entries of a `custom` meter in the config file. */
export interface CustomRegisterSetting {
  address: number;
  functionCode: FunctionCode;
  type: RegisterType;
  wordOrder?: WordOrder;
  scale?: number;
}

/** The `meter:` section of the daemon's YAML config. */
export interface MeterSettings {
  model: MeterModelName;
  transport: 'tcp' | 'rtu';
  host?: string;
  port?: number;
  device?: string;
  baudRate?: number;
  parity?: 'none' | 'even' | 'odd';
  dataBits?: 7 | 8;
  stopBits?: 1 | 2;
  unitId: number;
  timeoutMs: number;
  pollIntervalMs: number;
  staleAfterMs: number;
  /** custom model only; power per phase optional, energy in Wh after scale. */
  registers?: Partial<Record<RegisterRole, CustomRegisterSetting>>;
}
