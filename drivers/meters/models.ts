// Meter models as data. Addresses are 0-based as sent on the wire (the manuals'
// "30001" is address 0 with function 4). Scales convert to A, V, W and Wh.
import { MeterConfigError } from './errors.js';
import { MODBUS_MAX_READ_REGISTERS } from './registers.js';
import {
  REGISTER_ROLES, REGISTER_TYPES, REQUIRED_REGISTER_ROLES,
  type CustomRegisterSetting, type MeterModelName, type RegisterRole, type RegisterSpec,
} from './types.js';

export interface MeterModel {
  name: MeterModelName;
  description: string;
  /** 1: values on L1, zeros on L2/L3. */
  phases: 1 | 3;
  registers: Partial<Record<RegisterRole, RegisterSpec>>;
  /** 'magnitude': the meter never reports a negative current, so one is garbage. */
  currentSign: 'magnitude' | 'signed';
  maxRegistersPerRead: number;
  /** Unused registers a block read may span; only where the device answers them. */
  maxGapRegisters: number;
  /** Where the map comes from, for whoever has to check it against a device. */
  source: string;
}

const eastronFloat = (address: number, scale = 1): RegisterSpec => ({ address, functionCode: 4, type: 'float32', wordOrder: 'big', scale });
// Carlo Gavazzi INT32 values are sent least significant word first.
const gavazziInt32 = (address: number, scale: number): RegisterSpec => ({ address, functionCode: 4, type: 'int32', wordOrder: 'little', scale });

// Eastron SDM630 / SDM72D-M-2 share the 3-phase input-register layout.
const eastronThreePhase: MeterModel['registers'] = {
  voltageL1: eastronFloat(0x0000), voltageL2: eastronFloat(0x0002), voltageL3: eastronFloat(0x0004),
  currentL1: eastronFloat(0x0006), currentL2: eastronFloat(0x0008), currentL3: eastronFloat(0x000a),
  powerL1: eastronFloat(0x000c), powerL2: eastronFloat(0x000e), powerL3: eastronFloat(0x0010),
  powerTotal: eastronFloat(0x0034),
  importEnergy: eastronFloat(0x0048, 1000), // kWh
};

// Carlo Gavazzi EM24-DIN and EM300 series (EM340) share the first instantaneous table.
const gavazziThreePhase: MeterModel['registers'] = {
  voltageL1: gavazziInt32(0x0000, 0.1), voltageL2: gavazziInt32(0x0002, 0.1), voltageL3: gavazziInt32(0x0004, 0.1),
  currentL1: gavazziInt32(0x000c, 0.001), currentL2: gavazziInt32(0x000e, 0.001), currentL3: gavazziInt32(0x0010, 0.001),
  powerL1: gavazziInt32(0x0012, 0.1), powerL2: gavazziInt32(0x0014, 0.1), powerL3: gavazziInt32(0x0016, 0.1),
  powerTotal: gavazziInt32(0x0028, 0.1),
  importEnergy: gavazziInt32(0x0034, 100), // kWh*10
};

const abb = (address: number, type: RegisterSpec['type'], scale: number): RegisterSpec => ({ address, functionCode: 3, type, wordOrder: 'big', scale });

export const METER_MODELS: Readonly<Record<Exclude<MeterModelName, 'custom'>, MeterModel>> = {
  sdm630: {
    name: 'sdm630', description: 'Eastron SDM630', phases: 3, registers: eastronThreePhase, currentSign: 'magnitude',
    // The manual limits a request to 40 parameters; Eastron answers undocumented
    // parameters inside the 3x range, so one read over the gaps is fine.
    maxRegistersPerRead: 80, maxGapRegisters: 40,
    source: 'Eastron SDM630-Modbus protocol, input registers 30001.. (function 4, IEEE754 float, high word first)',
  },
  sdm72: {
    name: 'sdm72', description: 'Eastron SDM72D-M-2 (SDM72DM-V2)', phases: 3, registers: eastronThreePhase, currentSign: 'magnitude',
    // "Each request for data must be restricted to 30 parameters or less."
    maxRegistersPerRead: 60, maxGapRegisters: 40,
    source: 'Eastron SDM72D-M(-2) user manual, Modbus input registers (function 4, float)',
  },
  sdm120: {
    name: 'sdm120', description: 'Eastron SDM120 (single phase: values on L1, L2/L3 read as 0)', phases: 1,
    registers: {
      voltageL1: eastronFloat(0x0000), currentL1: eastronFloat(0x0006),
      powerL1: eastronFloat(0x000c), powerTotal: eastronFloat(0x000c),
      importEnergy: eastronFloat(0x0048, 1000),
    },
    currentSign: 'magnitude', maxRegistersPerRead: 60, maxGapRegisters: 40,
    source: 'Eastron SDM120-Modbus protocol, input registers 30001/30007/30013/30073 (function 4, float)',
  },
  em24: {
    name: 'em24', description: 'Carlo Gavazzi EM24-DIN', phases: 3, registers: gavazziThreePhase, currentSign: 'signed',
    // Table 2.3 is contiguous from 0000h to 0037h, so one read covers it.
    maxRegistersPerRead: MODBUS_MAX_READ_REGISTERS, maxGapRegisters: 16,
    source: 'Carlo Gavazzi EM24-DIN communication protocol, table 2.3 (functions 3/4, INT32 LSW first)',
  },
  em340: {
    name: 'em340', description: 'Carlo Gavazzi EM340', phases: 3, registers: gavazziThreePhase, currentSign: 'signed',
    maxRegistersPerRead: MODBUS_MAX_READ_REGISTERS, maxGapRegisters: 16,
    source: 'Carlo Gavazzi EM300/ET300 series communication protocol, instantaneous variables (functions 3/4, INT32 LSW first)',
  },
  'abb-b23': {
    name: 'abb-b23', description: 'ABB B23/B24', phases: 3,
    registers: {
      voltageL1: abb(0x5b00, 'uint32', 0.1), voltageL2: abb(0x5b02, 'uint32', 0.1), voltageL3: abb(0x5b04, 'uint32', 0.1),
      currentL1: abb(0x5b0c, 'uint32', 0.01), currentL2: abb(0x5b0e, 'uint32', 0.01), currentL3: abb(0x5b10, 'uint32', 0.01),
      powerTotal: abb(0x5b14, 'int32', 0.01),
      powerL1: abb(0x5b16, 'int32', 0.01), powerL2: abb(0x5b18, 'int32', 0.01), powerL3: abb(0x5b1a, 'int32', 0.01),
      importEnergy: abb(0x5000, 'uint64', 10), // 0.01 kWh
    },
    // Holding registers only; 125 per read; the L-L voltages and neutral current fill the gaps.
    currentSign: 'magnitude', maxRegistersPerRead: MODBUS_MAX_READ_REGISTERS, maxGapRegisters: 8,
    source: 'ABB B23/B24 user manual 2CMC485003M0201, Modbus mapping tables (function 3, big-endian)',
  },
};

export const METER_MODEL_LIST: readonly MeterModel[] = Object.values(METER_MODELS);

/** Builds the `custom` model from the config's `registers`, naming the key on any problem. */
export function customModel(registers: Partial<Record<RegisterRole, CustomRegisterSetting>> | undefined): MeterModel {
  if (!registers) throw new MeterConfigError('meter.registers: required when meter.model is custom');
  const specs: Partial<Record<RegisterRole, RegisterSpec>> = {};
  for (const role of REQUIRED_REGISTER_ROLES) {
    if (!registers[role]) throw new MeterConfigError(`meter.registers.${role}: required for a custom meter`);
  }
  for (const [role, reg] of Object.entries(registers) as Array<[string, CustomRegisterSetting | undefined]>) {
    if (!reg) continue;
    const key = `meter.registers.${role}`;
    if (!(REGISTER_ROLES as readonly string[]).includes(role)) throw new MeterConfigError(`${key}: unknown register (known: ${REGISTER_ROLES.join(', ')})`);
    if (!Number.isInteger(reg.address) || reg.address < 0 || reg.address > 0xffff) throw new MeterConfigError(`${key}.address: must be an integer 0..65535`);
    if (reg.functionCode !== 3 && reg.functionCode !== 4) throw new MeterConfigError(`${key}.functionCode: must be 3 or 4`);
    if (!(REGISTER_TYPES as readonly string[]).includes(reg.type)) throw new MeterConfigError(`${key}.type: must be one of ${REGISTER_TYPES.join(', ')}`);
    if (reg.wordOrder !== undefined && reg.wordOrder !== 'big' && reg.wordOrder !== 'little') throw new MeterConfigError(`${key}.wordOrder: must be big or little`);
    if (reg.scale !== undefined && (!Number.isFinite(reg.scale) || reg.scale === 0)) throw new MeterConfigError(`${key}.scale: must be a non-zero number`);
    specs[role as RegisterRole] = { ...reg, wordOrder: reg.wordOrder ?? 'big', scale: reg.scale ?? 1 };
  }
  return {
    name: 'custom', description: 'custom register map', phases: 3, registers: specs,
    // Unknown device: treat negative phase currents as garbage (fail closed), read only adjacent registers.
    currentSign: 'magnitude', maxRegistersPerRead: MODBUS_MAX_READ_REGISTERS, maxGapRegisters: 0,
    source: 'meter.registers in the config file',
  };
}

export function modelFor(name: MeterModelName, registers?: Partial<Record<RegisterRole, CustomRegisterSetting>>): MeterModel {
  if (name === 'custom') return customModel(registers);
  const model = (METER_MODELS as Record<string, MeterModel | undefined>)[name];
  if (!model) throw new MeterConfigError(`meter.model: unknown model "${String(name)}" (known: ${[...Object.keys(METER_MODELS), 'custom'].join(', ')})`);
  return model;
}
