// A simulated grid meter for tests, benchmarks and the demo: an Eastron SDM630 on
// Modbus TCP (modbus-serial's ServerTCP) whose per-phase currents are a settable
// base load plus what a set of simulated chargers draw, each mapped to the grid
// phases through its phase rotation. Values are computed at every read, so the
// meter shows a car's new draw as soon as the charger applies its new limit.
// Independent of daemon/ (like charger-sim.ts), so it checks the daemon rather
// than sharing its assumptions about wiring.
import { EventEmitter } from 'node:events';
import { createServer } from 'node:net';
import { ServerTCP } from 'modbus-serial';

export type SimPhaseRotation = 'L1' | 'L2' | 'L3' | 'L1L2L3' | 'L2L3L1' | 'L3L1L2';
type Phases3 = [number, number, number];

/** Grid phase (0..2) of the charger's L1, L2, L3. */
const WIRED: Record<SimPhaseRotation, number[]> = {
  L1: [0], L2: [1], L3: [2], L1L2L3: [0, 1, 2], L2L3L1: [1, 2, 0], L3L1L2: [2, 0, 1],
};

/** What the meter needs from a charger; a SimCharger fits. */
export interface DrawSource {
  readonly phases: 1 | 3;
  readonly connectors: ReadonlyMap<number, { drawA: number; carPhases: 1 | 3; phasesUsed?: number }>;
}

/** 'silent': requests are never answered; 'nan': currents read NaN (a meter returning garbage). */
export type MeterSimMode = 'normal' | 'silent' | 'nan';

export interface MeterSimOptions {
  host?: string;
  /** 0 or omitted: a free loopback port. */
  port?: number;
  unitId?: number;
  voltageV?: number;
  baseA?: Phases3;
}

// SDM630 input registers (function 4, float32 high word first): the manual's 30001.. = address 0..
const REG = { voltage: 0x00, current: 0x06, phasePower: 0x0c, totalPower: 0x34, importKWh: 0x48 } as const;
const IMAGE_WORDS = 0x50;

async function freePort(host: string): Promise<number> {
  const probe = createServer().listen(0, host);
  await new Promise((r) => probe.once('listening', r));
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  return port;
}

/** Events: 'read' (currentA served, per grid phase) after every answered request. */
export class MeterSim extends EventEmitter<{ read: [currentA: Phases3] }> {
  baseA: Phases3;
  mode: MeterSimMode = 'normal';
  voltageV: number;
  readonly unitId: number;
  readonly host: string;
  port = 0;
  /** Answered requests. */
  reads = 0;
  private readonly sources = new Map<DrawSource, number[]>();
  private server: ServerTCP | undefined;
  private energyWh = 1_000_000;
  private energyAt = Date.now();

  constructor(opts: MeterSimOptions = {}) {
    super();
    this.host = opts.host ?? '127.0.0.1';
    this.port = opts.port ?? 0;
    this.unitId = opts.unitId ?? 1;
    this.voltageV = opts.voltageV ?? 230;
    this.baseA = opts.baseA ?? [0, 0, 0];
  }

  static async start(opts: MeterSimOptions = {}): Promise<MeterSim> {
    const sim = new MeterSim(opts);
    await sim.listen();
    return sim;
  }

  /** Counts a charger's draw on the grid phases its rotation puts it on. */
  attach(source: DrawSource, rotation: SimPhaseRotation): void {
    const wired = WIRED[rotation];
    if (wired.length !== source.phases) throw new RangeError(`rotation ${rotation} does not fit a ${source.phases}-phase charger`);
    this.sources.set(source, wired);
  }

  detach(source: DrawSource): void {
    this.sources.delete(source);
  }

  /** The current per grid phase now: base load + every attached charger's cars. */
  currentA(): Phases3 {
    const out: Phases3 = [...this.baseA];
    for (const [src, wired] of this.sources) {
      for (const conn of src.connectors.values()) {
        const used = conn.phasesUsed ?? Math.min(conn.carPhases, src.phases);
        for (let i = 0; i < used; i++) out[wired[i]!]! += conn.drawA;
      }
    }
    return out;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** Starts serving (again, on the same port after stop()). */
  async listen(): Promise<void> {
    if (this.server) return;
    if (this.port === 0) this.port = await freePort(this.host);
    const answer = (addr: number, length: number, unitID: number, cb: (err: unknown, v: number[]) => void): void => {
      if (unitID !== this.unitId || this.mode === 'silent') return; // never answered, like an absent unit
      if (addr < 0 || addr + length > IMAGE_WORDS) return cb({ modbusErrorCode: 2, msg: 'Illegal data address' }, []);
      const { words, currentA } = this.image();
      this.reads++;
      cb(null, words.slice(addr, addr + length));
      this.emit('read', currentA);
    };
    const vector = {
      getInputRegister: (addr: number, unitID: number, cb: (err: unknown, v: number) => void) => answer(addr, 1, unitID, (e, v) => cb(e, v[0]!)),
      getMultipleInputRegisters: answer,
    };
    // unitID 255: take every unit id and let `answer` decide, as a gateway with one meter behind it would.
    const server = new ServerTCP(vector as never, { host: this.host, port: this.port, unitID: 255 });
    server.on('socketError', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.on('initialized', () => resolve());
      server.on('serverError', (err: unknown) => reject(err));
    });
    this.server = server;
  }

  /** Stops listening and drops connected clients (the meter cable pulled). */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private image(): { words: number[]; currentA: Phases3 } {
    const currentA = this.currentA();
    const power = currentA.map((a) => a * this.voltageV) as Phases3;
    const total = power[0] + power[1] + power[2];
    const now = Date.now();
    this.energyWh += (total * (now - this.energyAt)) / 3_600_000;
    this.energyAt = now;
    const words = new Array<number>(IMAGE_WORDS).fill(0);
    const put = (address: number, value: number): void => {
      const b = Buffer.alloc(4);
      b.writeFloatBE(value);
      words[address] = b.readUInt16BE(0);
      words[address + 1] = b.readUInt16BE(2);
    };
    const shown = this.mode === 'nan' ? [NaN, NaN, NaN] : currentA;
    for (let i = 0; i < 3; i++) {
      put(REG.voltage + 2 * i, this.voltageV);
      put(REG.current + 2 * i, shown[i]!);
      put(REG.phasePower + 2 * i, power[i]!);
    }
    put(REG.totalPower, total);
    put(REG.importKWh, this.energyWh / 1000);
    return { words, currentA };
  }
}
