// Register arithmetic: how wide each type is, decoding/encoding with word order
// and scale, and grouping the registers a model needs into as few reads as possible.
import type { FunctionCode, ModelRegisterType, RegisterSpec } from './types.js';

/** Modbus limits a read of holding/input registers to 125 registers (Application Protocol V1.1b §6.3). */
export const MODBUS_MAX_READ_REGISTERS = 125;

export function registerWidth(type: ModelRegisterType): 1 | 2 | 4 {
  switch (type) {
    case 'int16': case 'uint16': return 1;
    case 'float32': case 'int32': case 'uint32': return 2;
    case 'uint64': return 4;
  }
}

/**
 * Decodes one value from its registers, in the order they came off the wire.
 * Bytes inside a register are always big-endian (Modbus); `wordOrder: 'little'`
 * means the least significant register comes first (Carlo Gavazzi's LSW→MSW).
 */
export function decodeRegister(words: readonly number[], spec: RegisterSpec): number {
  const width = registerWidth(spec.type);
  if (words.length !== width) throw new RangeError(`${spec.type} needs ${width} register(s), got ${words.length}`);
  const ordered = spec.wordOrder === 'little' ? [...words].reverse() : words;
  const buf = Buffer.alloc(width * 2);
  ordered.forEach((w, i) => buf.writeUInt16BE(w & 0xffff, i * 2));
  let raw: number;
  switch (spec.type) {
    case 'int16': raw = buf.readInt16BE(0); break;
    case 'uint16': raw = buf.readUInt16BE(0); break;
    case 'int32': raw = buf.readInt32BE(0); break;
    case 'uint32': raw = buf.readUInt32BE(0); break;
    case 'float32': raw = buf.readFloatBE(0); break;
    case 'uint64': raw = Number(buf.readBigUInt64BE(0)); break;
  }
  return raw * (spec.scale ?? 1);
}

/** The inverse of decodeRegister, for simulators and test register images. */
export function encodeRegister(value: number, spec: RegisterSpec): number[] {
  const width = registerWidth(spec.type);
  const raw = value / (spec.scale ?? 1);
  const buf = Buffer.alloc(width * 2);
  switch (spec.type) {
    case 'int16': buf.writeInt16BE(Math.round(raw), 0); break;
    case 'uint16': buf.writeUInt16BE(Math.round(raw), 0); break;
    case 'int32': buf.writeInt32BE(Math.round(raw), 0); break;
    case 'uint32': buf.writeUInt32BE(Math.round(raw), 0); break;
    case 'float32': buf.writeFloatBE(raw, 0); break;
    case 'uint64': buf.writeBigUInt64BE(BigInt(Math.round(raw)), 0); break;
  }
  const words = Array.from({ length: width }, (_, i) => buf.readUInt16BE(i * 2));
  return spec.wordOrder === 'little' ? words.reverse() : words;
}

export interface ReadBlock {
  functionCode: FunctionCode;
  address: number;
  count: number;
}

export interface BlockOptions {
  /** Largest read the device accepts (some Eastron meters accept fewer than Modbus's 125). */
  maxRegisters?: number;
  /**
   * Unused registers a block may read over to join two values. 0 reads only
   * adjacent values; more is only safe where the device answers the gap
   * (otherwise it replies with exception 2).
   */
  maxGap?: number;
}

/** Groups registers into reads: same function code, sorted, merged while the gap and length allow. */
export function computeBlocks(specs: readonly RegisterSpec[], opts: BlockOptions = {}): ReadBlock[] {
  const maxRegisters = Math.min(opts.maxRegisters ?? MODBUS_MAX_READ_REGISTERS, MODBUS_MAX_READ_REGISTERS);
  const maxGap = opts.maxGap ?? 0;
  const blocks: ReadBlock[] = [];
  for (const fc of [3, 4] as const) {
    const spans = specs
      .filter((s) => s.functionCode === fc)
      .map((s) => ({ start: s.address, end: s.address + registerWidth(s.type) }))
      .sort((a, b) => a.start - b.start || a.end - b.end);
    let cur: { start: number; end: number } | undefined;
    for (const span of spans) {
      const joinable = cur && span.start - cur.end <= maxGap && Math.max(cur.end, span.end) - cur.start <= maxRegisters;
      if (cur && joinable) {
        cur.end = Math.max(cur.end, span.end);
      } else {
        if (cur) blocks.push({ functionCode: fc, address: cur.start, count: cur.end - cur.start });
        cur = { ...span };
      }
    }
    if (cur) blocks.push({ functionCode: fc, address: cur.start, count: cur.end - cur.start });
  }
  return blocks;
}

/** Picks one value's registers out of the blocks that were read. */
export function sliceFromBlocks(spec: RegisterSpec, blocks: ReadonlyArray<{ block: ReadBlock; data: readonly number[] }>): number[] {
  const width = registerWidth(spec.type);
  const hit = blocks.find(({ block }) => block.functionCode === spec.functionCode
    && spec.address >= block.address && spec.address + width <= block.address + block.count);
  if (!hit) throw new RangeError(`register ${spec.address} (function ${spec.functionCode}) is in no block read`);
  const offset = spec.address - hit.block.address;
  return hit.data.slice(offset, offset + width);
}
