// Modbus RTU peers for the far end (`b`) of a socat pty pair:
// - modbus-serial's ServerSerial serving register images (see modbus-vector.ts);
// - a tiny hand-written responder whose replies can carry a wrong CRC, which no
//   library server can be made to send.
import { ServerSerial } from 'modbus-serial';
import { SerialPort } from 'serialport';
import type { RegisterImage } from './modbus-images.js';
import { servedImages, type ServedImages } from './modbus-vector.js';

export const RTU_BAUD = 19200;

export interface TestRtuServer {
  readonly served: ServedImages;
  close(): Promise<void>;
}

export async function startRtuServer(path: string, units: Map<number, RegisterImage>): Promise<TestRtuServer> {
  const { state, vector } = servedImages(units);
  let server: ServerSerial | undefined;
  await new Promise<void>((resolve, reject) => {
    server = new ServerSerial(vector, {
      path, baudRate: RTU_BAUD, parity: 'none', unitID: 255,
      openCallback: (err) => (err ? reject(err) : resolve()),
    });
  });
  const s = server!;
  s.on('error', () => undefined);
  s.on('socketError', () => undefined);
  // The underlying port errors when the pty vanishes; that is the test, not a crash.
  (s as unknown as { getPort(): SerialPort }).getPort().on('error', () => undefined);
  return {
    served: state,
    close: () => new Promise<void>((resolve) => s.close(() => resolve())),
  };
}

/** CRC-16/MODBUS (polynomial 0xA001 reflected, initial 0xFFFF), sent low byte first. */
export function crc16(buf: Buffer): number {
  let crc = 0xffff;
  for (const byte of buf) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

export interface CorruptingResponder {
  /** While true, every reply's CRC is wrong. */
  corruptCrc: boolean;
  close(): Promise<void>;
}

/** Answers read requests (function 3/4, always 8 bytes) for one unit from its image. */
export async function startCorruptingResponder(path: string, unitId: number, image: RegisterImage): Promise<CorruptingResponder> {
  const port = new SerialPort({ path, baudRate: RTU_BAUD, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  port.on('error', () => undefined);
  const handle: CorruptingResponder = {
    corruptCrc: true,
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
  let pending = Buffer.alloc(0);
  port.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 8) {
      const req = pending.subarray(0, 8);
      pending = pending.subarray(8);
      if (req[0] !== unitId || crc16(req.subarray(0, 6)) !== req.readUInt16LE(6)) continue;
      const fc = req[1]!;
      const address = req.readUInt16BE(2);
      const count = req.readUInt16BE(4);
      const words = fc === 3 ? image.holding : image.input;
      const reply = Buffer.alloc(5 + 2 * count);
      reply.writeUInt8(unitId, 0);
      reply.writeUInt8(fc, 1);
      reply.writeUInt8(2 * count, 2);
      for (let i = 0; i < count; i++) reply.writeUInt16BE(words?.get(address + i) ?? 0, 3 + 2 * i);
      const crc = crc16(reply.subarray(0, -2));
      reply.writeUInt16LE(handle.corruptCrc ? crc ^ 0xffff : crc, reply.length - 2);
      port.write(reply);
    }
  });
  return handle;
}
