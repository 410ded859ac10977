// The register-serving "vector" modbus-serial's ServerTCP and ServerSerial call,
// shared by the TCP and RTU test servers. Unit ids without an image never
// answer (like an absent meter); addresses outside an image answer exception 2.
import type { RegisterImage, Words } from './modbus-images.js';

type Callback<T> = (err: unknown, value?: T) => void;

export interface ServedImages {
  /** Register images by unit id; tests may change words between reads. */
  readonly units: Map<number, RegisterImage>;
  /** While true, requests are received but never answered. */
  silent: boolean;
  /** Most requests ever outstanding at once: 1 when the client takes turns. */
  readonly maxInFlight: number;
  /** Resolves when the next read request arrives. */
  nextRequest(): Promise<void>;
}

function readWords(words: Words | undefined, addr: number, length: number): number[] | undefined {
  const out: number[] = [];
  for (let a = addr; a < addr + length; a++) {
    const w = words?.get(a);
    if (w === undefined) return undefined;
    out.push(w);
  }
  return out;
}

export function servedImages(units: Map<number, RegisterImage>): { state: ServedImages; vector: object } {
  const waiters: Array<() => void> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const state: ServedImages = {
    units,
    silent: false,
    get maxInFlight() { return maxInFlight; },
    nextRequest: () => new Promise<void>((resolve) => waiters.push(resolve)),
  };
  const answer = (table: 'holding' | 'input', addr: number, length: number, unitID: number, cb: Callback<number[]>): void => {
    waiters.splice(0).forEach((w) => w());
    const image = units.get(unitID);
    if (!image || state.silent) return; // no answer at all
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    // Answer on a later turn of the event loop, so a client that did not wait
    // for this answer before sending its next request would show as overlap.
    setImmediate(() => {
      inFlight--;
      const words = readWords(image[table], addr, length);
      // An empty array with the error: modbus-serial indexes the values even on error.
      if (!words) cb({ modbusErrorCode: 2, msg: 'Illegal data address' }, []);
      else cb(null, words);
    });
  };
  // Callback-style functions (modbus-serial picks the style by arity), so "no answer" is never calling back.
  const vector = {
    getHoldingRegister: (addr: number, unitID: number, cb: Callback<number>) => answer('holding', addr, 1, unitID, (e, v) => cb(e, v?.[0])),
    getInputRegister: (addr: number, unitID: number, cb: Callback<number>) => answer('input', addr, 1, unitID, (e, v) => cb(e, v?.[0])),
    getMultipleHoldingRegisters: (addr: number, length: number, unitID: number, cb: Callback<number[]>) => answer('holding', addr, length, unitID, cb),
    getMultipleInputRegisters: (addr: number, length: number, unitID: number, cb: Callback<number[]>) => answer('input', addr, length, unitID, cb),
  };
  return { state, vector };
}
