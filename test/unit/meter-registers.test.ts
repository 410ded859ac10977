// Pure register arithmetic and model data sanity.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  computeBlocks, createMeter, customModel, decodeRegister, encodeRegister, registerWidth,
  METER_MODELS, METER_MODEL_NAMES, MeterConfigError, REQUIRED_REGISTER_ROLES, MODBUS_MAX_READ_REGISTERS,
  type CustomRegisterSetting, type MeterSettings, type RegisterRole, type RegisterSpec,
} from '../../drivers/meters/index.js';

const spec = (type: RegisterSpec['type'], wordOrder: 'big' | 'little' = 'big', scale = 1): RegisterSpec =>
  ({ address: 0, functionCode: 4, type, wordOrder, scale });

test('decode: float32 in both word orders', () => {
  // 12.5 = 0x41480000
  assert.equal(decodeRegister([0x4148, 0x0000], spec('float32', 'big')), 12.5);
  assert.equal(decodeRegister([0x0000, 0x4148], spec('float32', 'little')), 12.5);
  assert.ok(Number.isNaN(decodeRegister([0x7fc0, 0x0000], spec('float32'))));
});

test('decode: integers, sign, word order and scale', () => {
  const cases: Array<[number[], RegisterSpec, number]> = [
    [[0xfffe], spec('int16'), -2],
    [[0xfffe], spec('uint16'), 65534],
    [[0x0001, 0x0000], spec('uint32'), 65536],
    [[0x0000, 0x0001], spec('uint32', 'little'), 65536],
    [[0x30d4, 0x0000], spec('int32', 'little', 0.001), 12.5], // EM24 12500 mA, low word first
    [[0xffff, 0xffff], spec('int32', 'little', 0.1), -0.1],
    [[0x0001, 0x86a0], spec('int32', 'big', 0.01), 1000], // 100000 * 0.01
    [[0, 0, 0x0001, 0x0000], spec('uint64', 'big', 10), 655360], // ABB 0.01 kWh → Wh
  ];
  for (const [words, s, expected] of cases) {
    assert.ok(Math.abs(decodeRegister(words, s) - expected) < 1e-9, `${s.type}/${s.wordOrder} ${words} → ${expected}`);
  }
  assert.throws(() => decodeRegister([1], spec('int32')), /needs 2 register/);
});

test('encode is the inverse of decode for every type and word order', () => {
  const values: Array<[RegisterSpec['type'], number, number]> = [
    ['float32', 230.5, 1], ['int16', -123, 1], ['uint16', 54321, 1], ['int32', -12.345, 0.001],
    ['uint32', 4000000000, 1], ['uint64', 123456789.12, 0.01],
  ];
  for (const [type, value, scale] of values) {
    for (const order of ['big', 'little'] as const) {
      const s = spec(type, order, scale);
      const words = encodeRegister(value, s);
      assert.equal(words.length, registerWidth(type));
      assert.ok(Math.abs(decodeRegister(words, s) - value) < 1e-6, `${type}/${order}`);
    }
  }
});

test('blocks: adjacent registers merge, gaps only up to maxGap, length capped, per function code', () => {
  const at = (address: number, type: RegisterSpec['type'] = 'float32', functionCode: 3 | 4 = 4): RegisterSpec => ({ address, functionCode, type });
  assert.deepEqual(computeBlocks([at(2), at(0), at(4)]), [{ functionCode: 4, address: 0, count: 6 }]);
  assert.deepEqual(computeBlocks([at(0), at(10)]), [{ functionCode: 4, address: 0, count: 2 }, { functionCode: 4, address: 10, count: 2 }]);
  assert.deepEqual(computeBlocks([at(0), at(10)], { maxGap: 8 }), [{ functionCode: 4, address: 0, count: 12 }]);
  assert.deepEqual(computeBlocks([at(0), at(10)], { maxGap: 8, maxRegisters: 11 }), [{ functionCode: 4, address: 0, count: 2 }, { functionCode: 4, address: 10, count: 2 }]);
  assert.deepEqual(computeBlocks([at(0), at(0)]), [{ functionCode: 4, address: 0, count: 2 }]);
  assert.deepEqual(computeBlocks([at(0, 'int16', 3), at(1, 'int16', 4)]), [{ functionCode: 3, address: 0, count: 1 }, { functionCode: 4, address: 1, count: 1 }]);
  const many = Array.from({ length: 100 }, (_, i) => at(2 * i));
  assert.deepEqual(computeBlocks(many).map((b) => b.count), [124, 76]);
});

test('model data: every model has its registers, blocks within limits', () => {
  assert.deepEqual([...METER_MODEL_NAMES].sort(), [...Object.keys(METER_MODELS), 'custom'].sort());
  const expectedBlocks: Record<string, Array<[number, number, number]>> = {
    sdm630: [[4, 0x0000, 74]],
    sdm72: [[4, 0x0000, 54], [4, 0x0048, 2]],
    sdm120: [[4, 0x0000, 14], [4, 0x0048, 2]],
    em24: [[4, 0x0000, 54]],
    em340: [[4, 0x0000, 54]],
    'abb-b23': [[3, 0x5000, 4], [3, 0x5b00, 28]],
  };
  for (const model of Object.values(METER_MODELS)) {
    const needed: RegisterRole[] = model.phases === 3
      ? [...REQUIRED_REGISTER_ROLES]
      : ['currentL1', 'voltageL1', 'powerTotal', 'importEnergy'];
    for (const role of needed) assert.ok(model.registers[role], `${model.name}.${role}`);
    const blocks = computeBlocks(Object.values(model.registers), { maxRegisters: model.maxRegistersPerRead, maxGap: model.maxGapRegisters });
    assert.deepEqual(blocks.map((b) => [b.functionCode, b.address, b.count]), expectedBlocks[model.name], model.name);
    for (const b of blocks) assert.ok(b.count <= Math.min(model.maxRegistersPerRead, MODBUS_MAX_READ_REGISTERS));
    assert.ok(model.source.length > 0);
  }
});

test('custom model: registers from config, each problem names its key', () => {
  const reg = (address: number): CustomRegisterSetting => ({ address, functionCode: 3, type: 'int32', wordOrder: 'little', scale: 0.001 });
  const full = Object.fromEntries(REQUIRED_REGISTER_ROLES.map((role, i) => [role, reg(2 * i)])) as Record<RegisterRole, CustomRegisterSetting>;
  const model = customModel(full);
  assert.deepEqual(computeBlocks(Object.values(model.registers)), [{ functionCode: 3, address: 0, count: 16 }]);
  assert.throws(() => customModel(undefined), (e: Error) => e instanceof MeterConfigError && /meter\.registers: required/.test(e.message));
  const { currentL2: _omitted, ...missing } = full;
  assert.throws(() => customModel(missing), /meter\.registers\.currentL2: required/);
  assert.throws(() => customModel({ ...full, powerL1: { ...reg(40), functionCode: 6 as 3 } }), /meter\.registers\.powerL1\.functionCode: must be 3 or 4/);
  assert.throws(() => customModel({ ...full, voltageL1: { ...reg(40), type: 'double' as 'int32' } }), /meter\.registers\.voltageL1\.type/);
  assert.throws(() => customModel({ ...full, importEnergy: { ...reg(40), scale: 0 } }), /importEnergy\.scale/);
});

test('createMeter: settings errors name the config key; one serial line, one set of settings', async () => {
  const base: MeterSettings = { model: 'sdm630', transport: 'tcp', host: '127.0.0.1', port: 1502, unitId: 1, timeoutMs: 200, pollIntervalMs: 1000, staleAfterMs: 5000 };
  assert.throws(() => createMeter({ ...base, host: undefined }), /meter\.host: required/);
  assert.throws(() => createMeter({ ...base, unitId: 0 }), /meter\.unitId/);
  assert.throws(() => createMeter({ ...base, timeoutMs: 0 }), /meter\.timeoutMs/);
  assert.throws(() => createMeter({ ...base, model: 'sdm999' as 'sdm630' }), /meter\.model: unknown model "sdm999"/);
  const rtu: MeterSettings = { ...base, transport: 'rtu', host: undefined, device: '/dev/ttyNOPE', baudRate: 9600 };
  assert.throws(() => createMeter({ ...rtu, device: undefined }), /meter\.device: required/);
  const first = createMeter(rtu);
  assert.throws(() => createMeter({ ...rtu, unitId: 2, baudRate: 19200 }), /already open with other settings/);
  const second = createMeter({ ...rtu, unitId: 2 });
  await Promise.all([first.close(), second.close()]);
});
