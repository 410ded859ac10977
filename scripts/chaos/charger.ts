// A charger for the chaos run that behaves like a real OCPP 1.6 charger when its CSMS
// dies: transaction messages (StartTransaction, MeterValues with a transactionId,
// StopTransaction) wait in a queue that survives disconnections and go out in order, one
// at a time; one that got no answer is re-sent, unchanged, after reconnecting (§4.7), and a
// StartTransaction answered only on a re-send gives the transaction id the later messages
// carry. Sessions go on while the CSMS is away, as cars do not wait. Reconnecting sends a
// BootNotification only when told to (a socket reconnect is not a reboot).
import { EventEmitter } from 'node:events';
import { SimCharger, CallError } from '../sim/charger-sim.js';
import type { Rng } from './prng.js';
import { itemsOf } from './verdict.js';

interface Session {
  txId?: number;
  /** The site refused the Start: the session's other messages are never sent. */
  refused: boolean;
}

interface QueuedMessage {
  action: 'StartTransaction' | 'MeterValues' | 'StopTransaction';
  /** Built once, at the first send (the transaction id may only be known then), then re-sent as is. */
  make: () => object | null;
  payload?: object | null;
  errors: number;
  onAnswer?: (res: any) => void;
}

/** Gives up on a message the site refused this often (like TransactionMessageAttempts). */
const MAX_CALLERRORS = 3;

/** Events: 'idle' when the queue is empty; 'accepted' (items) per message the site answered. */
export class ChaosCharger extends EventEmitter {
  readonly sim: SimCharger;
  /** The items of every message the site answered with a CALLRESULT. */
  readonly accepted: string[][] = [];
  refused = 0;
  private readonly queue: QueuedMessage[] = [];
  /** Pending pauses: their timers and how to end them early. */
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private sending = false;
  private running = false;
  private stopped = false;
  private sessionsLeft = new Set<Promise<void>>();

  constructor(
    readonly index: number,
    readonly id: string,
    password: string,
    readonly connectors: number,
    private readonly rng: Rng,
    url: string,
  ) {
    super();
    this.sim = new SimCharger({ url, id, password, connectors, callTimeoutMs: 10_000 });
    this.sim.on('warning', () => {}); // follow-ups to the site's commands may fail across a kill
    this.sim.on('error', () => {});
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Connects to the (possibly restarted) site; boots only when told to. */
  async connect(url: string, boot: boolean): Promise<void> {
    this.sim.retarget(url);
    await this.sim.connect();
    if (boot) await this.sim.boot().catch(() => {});
    void this.pump(); // what the last connection left unanswered goes first
  }

  /** Starts one endless session loop per connector. */
  startSessions(): void {
    this.running = true;
    for (let c = 1; c <= this.connectors; c++) {
      const loop = this.sessionLoop(c).catch(() => {});
      this.sessionsLeft.add(loop);
    }
  }

  /** Ends the loops: each running session is stopped (its Stop queued), no new one begins. */
  async finishSessions(): Promise<void> {
    this.running = false;
    // End pending pauses now, so each loop queues its Stop at once.
    for (const [t, end] of this.timers) {
      clearTimeout(t);
      end();
    }
    this.timers.clear();
    await Promise.all(this.sessionsLeft);
  }

  /** Resolves once every queued message was answered or given up on (or rejects after timeoutMs). */
  idle(timeoutMs: number): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.off('idle', onIdle);
        reject(new Error(`${this.id}: ${this.queue.length} transaction message(s) still unanswered by the site after ${timeoutMs} ms`));
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
    for (const [t, end] of this.timers) {
      clearTimeout(t);
      end();
    }
    this.timers.clear();
    await this.sim.close().catch(() => {});
  }

  // ---- sessions ---------------------------------------------------------------------------

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.set(t, resolve);
    });
  }

  private async sessionLoop(c: number): Promise<void> {
    // Registers far apart per connector: a sample (timestamp, energy) names one connector.
    let energy = (this.index * 10 + c) * 1_000_000;
    let n = 0;
    while (this.running) {
      const session: Session = { refused: false };
      const idTag = `${this.id}-${c}-${++n}`;
      const start = { connectorId: c, idTag, meterStart: energy, timestamp: new Date().toISOString() };
      this.enqueue({
        action: 'StartTransaction',
        make: () => start,
        errors: 0,
        onAnswer: (res) => {
          if (Number.isInteger(res?.transactionId)) session.txId = res.transactionId;
          else session.refused = true;
          const conn = this.sim.connectors.get(c);
          if (conn && session.txId !== undefined) conn.transactionId = session.txId;
        },
      });
      const meters = this.rng.int(1, 4);
      for (let i = 0; i < meters && this.running; i++) {
        await this.pause(this.rng.int(80, 300));
        energy += this.rng.int(10, 300);
        const mv = { timestamp: new Date().toISOString(), sampledValue: [{ value: String(energy), context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] };
        this.enqueue({ action: 'MeterValues', make: () => this.withTx(session, { connectorId: c, meterValue: [mv] }), errors: 0 });
      }
      await this.pause(this.rng.int(50, 200));
      energy += this.rng.int(10, 300);
      const stop = { meterStop: energy, timestamp: new Date().toISOString(), idTag, reason: 'EVDisconnected' };
      this.enqueue({
        action: 'StopTransaction',
        make: () => this.withTx(session, stop),
        errors: 0,
        onAnswer: () => {
          const conn = this.sim.connectors.get(c);
          if (conn) conn.transactionId = undefined;
        },
      });
      if (this.running) await this.pause(this.rng.int(50, 400));
    }
  }

  /** The payload with the session's transaction id, or null when there is none to give. */
  private withTx(session: Session, base: object): object | null {
    if (session.refused || session.txId === undefined) return null;
    return { ...base, transactionId: session.txId };
  }

  // ---- the transaction message queue ------------------------------------------------------

  private enqueue(m: QueuedMessage): void {
    if (this.stopped) return;
    this.queue.push(m);
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0 && this.sim.connected && !this.stopped) {
        const m = this.queue[0];
        if (m.payload === undefined) m.payload = m.make();
        if (m.payload === null) {
          this.queue.shift(); // its Start was refused: nothing to send it for
          continue;
        }
        try {
          const res = await this.sim.call(m.action, m.payload);
          this.queue.shift();
          this.accepted.push(itemsOf(m.action, m.payload));
          m.onAnswer?.(res);
        } catch (err) {
          if (!(err instanceof CallError)) continue; // closed or no answer: re-send (after reconnecting)
          if (++m.errors >= MAX_CALLERRORS) {
            this.queue.shift();
            this.refused++;
            if (m.action === 'StartTransaction') m.onAnswer?.({});
          } else {
            await this.pause(100);
          }
        }
      }
    } finally {
      this.sending = false;
    }
    if (this.queue.length === 0) this.emit('idle');
  }
}
