// An OCPP 2.0.1 charger for the chaos run. The simulator's own TransactionEvent queue
// (scripts/sim/v201/tx-queue.ts) already does what 2.0.1 asks when the CSMS dies: events
// wait in order, survive disconnections, and the one left unanswered is re-sent unchanged
// (same transactionId and seqNo) after reconnecting. Sessions go on while the site is away.
// This class drives sessions like ChaosCharger and records the items of every event the
// site answered, as the site will forward them to the 1.6 cloud (verdict.ts itemsOf201).
import { EventEmitter } from 'node:events';
import { SimCharger } from '../sim/charger-sim.js';
import type { Rng } from './prng.js';
import { itemsOf201 } from './verdict.js';

/** Events: 'idle' when no event waits for an answer. Same surface as ChaosCharger. */
export class ChaosCharger201 extends EventEmitter {
  readonly sim: SimCharger;
  /** The items of every TransactionEvent the site answered with a CALLRESULT. */
  readonly accepted: string[][] = [];
  /** Events the site refused with a CALLERROR until the simulator gave up (TransactionMessageAttempts). */
  refused = 0;
  private outstanding = 0;
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private running = false;
  private stopped = false;
  private readonly sessionsLeft = new Set<Promise<void>>();

  constructor(
    readonly index: number,
    readonly id: string,
    password: string,
    readonly connectors: number,
    private readonly rng: Rng,
    url: string,
  ) {
    super();
    this.sim = new SimCharger({ url, id, password, connectors, protocol: 'ocpp2.0.1', callTimeoutMs: 10_000 });
    this.sim.on('warning', () => {});
    this.sim.on('error', () => {});
  }

  get pending(): number {
    return this.outstanding;
  }

  /** Connects to the (possibly restarted) site; boots only when told to. The queue resumes on 'open'. */
  async connect(url: string, boot: boolean): Promise<void> {
    this.sim.retarget(url);
    await this.sim.connect();
    if (boot) await this.sim.boot().catch(() => {});
  }

  startSessions(): void {
    this.running = true;
    for (let c = 1; c <= this.connectors; c++) this.sessionsLeft.add(this.sessionLoop(c).catch(() => {}));
  }

  async finishSessions(): Promise<void> {
    this.running = false;
    this.endPauses();
    await Promise.all(this.sessionsLeft);
  }

  idle(timeoutMs: number): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.off('idle', onIdle);
        reject(new Error(`${this.id}: ${this.outstanding} TransactionEvent(s) still unanswered by the site after ${timeoutMs} ms`));
      }, timeoutMs);
      const onIdle = () => {
        clearTimeout(t);
        resolve();
      };
      this.once('idle', onIdle);
    });
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.running = false;
    this.endPauses();
    await this.sim.close().catch(() => {});
  }

  private endPauses(): void {
    for (const [t, end] of this.timers) {
      clearTimeout(t);
      end();
    }
    this.timers.clear();
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.set(t, resolve);
    });
  }

  /**
   * Tracks one queued event: `send` queues it synchronously (the simulator builds the payload
   * and pushes it before its first await), so the payload is the queue's newest entry.
   */
  private track(send: () => Promise<unknown>): void {
    if (this.stopped) return;
    const answered = send();
    const payload = this.sim.v201!.queue.pending().at(-1);
    this.outstanding++;
    answered.then(
      () => this.accepted.push(itemsOf201(payload)),
      () => this.refused++,
    ).finally(() => {
      if (--this.outstanding === 0) this.emit('idle');
    });
  }

  private async sessionLoop(c: number): Promise<void> {
    // Registers far apart per connector: a sample (timestamp, energy) names one connector.
    let energy = (this.index * 10 + c) * 1_000_000;
    let n = 0;
    while (this.running && !this.stopped) {
      const idTag = `${this.id}-${c}-${++n}`;
      this.track(() => this.sim.startTransaction(c, idTag, energy));
      const handle = this.sim.connectors.get(c)!.transactionId!;
      const meters = this.rng.int(1, 4);
      for (let i = 0; i < meters && this.running; i++) {
        await this.pause(this.rng.int(80, 300));
        energy += this.rng.int(10, 300);
        this.track(() => this.sim.meterValues(c, handle, { energyWh: energy }));
      }
      await this.pause(this.rng.int(50, 200));
      energy += this.rng.int(10, 300);
      if (this.stopped) return;
      this.track(() => this.sim.stopTransaction(handle, energy, { reason: 'EVDisconnected', idTag }));
      if (this.running) await this.pause(this.rng.int(50, 400));
    }
  }
}
