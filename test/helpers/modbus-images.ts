// Register images of real meters, written from the manufacturers' tables with
// literal addresses (not from drivers/meters/models.ts), so a wrong address or
// scale in the model data shows up as a wrong value in the tests.

/** address → 16-bit word; an address not in the map answers exception 2. */
export type Words = Map<number, number>;
export interface RegisterImage { holding?: Words; input?: Words }

export interface PhaseValues {
  voltageV: [number, number, number];
  currentA: [number, number, number];
  phasePowerW: [number, number, number];
  powerW: number;
  importKWh: number;
}

// Exact in float32 and at the integer meters' resolutions (0.1 V, 1 mA, 0.1 W, 0.1 kWh).
export const SAMPLE: PhaseValues = {
  voltageV: [230.5, 231, 229.5],
  currentA: [12.5, 8.25, 3.125],
  phasePowerW: [2875, 1890, 710],
  powerW: 5475,
  importKWh: 12345.5,
};

function zeros(from: number, to: number): Words {
  const words: Words = new Map();
  for (let a = from; a <= to; a++) words.set(a, 0);
  return words;
}

function putFloatBE(words: Words, address: number, value: number): void {
  const b = Buffer.alloc(4);
  b.writeFloatBE(value);
  words.set(address, b.readUInt16BE(0));
  words.set(address + 1, b.readUInt16BE(2));
}

/** Carlo Gavazzi INT32: least significant word at the lower address. */
function putInt32LswFirst(words: Words, address: number, value: number): void {
  const b = Buffer.alloc(4);
  b.writeInt32BE(Math.round(value));
  words.set(address, b.readUInt16BE(2));
  words.set(address + 1, b.readUInt16BE(0));
}

/** Eastron SDM630: input registers 30001.. (address 0..), IEEE754 floats, answers the whole 0..0x4F range. */
export function sdm630Image(v: PhaseValues = SAMPLE): RegisterImage {
  const input = zeros(0x0000, 0x004f);
  v.voltageV.forEach((x, i) => putFloatBE(input, 0 + 2 * i, x)); // 30001/3/5
  v.currentA.forEach((x, i) => putFloatBE(input, 6 + 2 * i, x)); // 30007/9/11
  v.phasePowerW.forEach((x, i) => putFloatBE(input, 12 + 2 * i, x)); // 30013/15/17
  putFloatBE(input, 52, v.powerW); // 30053 total system power
  putFloatBE(input, 72, v.importKWh); // 30073 total import kWh
  return { input };
}

/** Carlo Gavazzi EM24-DIN table 2.3 (0000h..0037h), readable with function 3 and 4. */
export function em24Image(v: PhaseValues = SAMPLE): RegisterImage {
  const words = zeros(0x0000, 0x0037);
  v.voltageV.forEach((x, i) => putInt32LswFirst(words, 0x00 + 2 * i, x * 10)); // V L-N, Volt*10
  v.currentA.forEach((x, i) => putInt32LswFirst(words, 0x0c + 2 * i, x * 1000)); // A, Ampere*1000
  v.phasePowerW.forEach((x, i) => putInt32LswFirst(words, 0x12 + 2 * i, x * 10)); // W, Watt*10
  putInt32LswFirst(words, 0x28, v.powerW * 10); // W sys
  putInt32LswFirst(words, 0x34, v.importKWh * 10); // kWh (+) TOT, kWh*10
  return { input: words, holding: new Map(words) };
}

/** Writes a raw float into an image, e.g. NaN to simulate a meter returning garbage. */
export function setFloatBE(words: Words, address: number, value: number): void {
  putFloatBE(words, address, value);
}
