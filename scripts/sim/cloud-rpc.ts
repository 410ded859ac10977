// The server end of one site connection in the simulated cloud: OCPP-J framing
// (OCPP-J 1.6 §4) written directly on `ws`. It shares nothing with daemon/ocpp on
// purpose: the cloud simulator is the independent peer that checks the daemon.
// What the answers say is decided by the owner (CloudSim); this file only frames,
// delays, and keeps the one-outstanding-CALL rule for both directions.
import WebSocket, { type RawData } from 'ws';
import { isObject } from './cloud-payloads.js';

/** Runs fn after ms and returns a cancel function; injectable so tests need no clock. */
export type Scheduler = (fn: () => void, ms: number) => () => void;

export const realScheduler: Scheduler = (fn, ms) => {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
};

/** A CALL received from the site, with what the simulated cloud did about it. */
export interface ReceivedCall {
  at: number; // Date.now() on arrival
  identity: string;
  messageId: string;
  action: string;
  payload: any;
  /** Which accepted connection it came on (1-based, same count as connectionCount). */
  connection: number;
  /** StartTransaction: the id assigned; MeterValues / StopTransaction: the id they name. */
  transactionId?: number;
  /** The CALLRESULT payload sent (or to be sent after the response delay). */
  result?: unknown;
  error?: { code: string; description: string };
  /** The socket was terminated instead of answering (dropConnectionAfter). */
  dropped?: boolean;
}

/** A command the cloud sent to the site, and its answer once it came. */
export interface SentCommand {
  at: number;
  identity: string;
  connection: number;
  messageId: string;
  action: string;
  payload: object;
  result?: any;
  error?: { code: string; description: string };
}

export type Outcome = { result: object } | { error: { code: string; description: string } };

/** CALLERROR from the site, timeout ('Timeout'), or no connection ('NotConnected' / 'ConnectionClosed'). */
export class CloudCallError extends Error {
  constructor(
    readonly action: string,
    readonly code: string,
    readonly description = '',
    readonly details: unknown = {},
  ) {
    super(`${action}: ${code}${description ? ` (${description})` : ''}`);
    this.name = 'CloudCallError';
  }
}

export interface ConnectionOwner {
  /** Records the CALL and decides the answer; undefined = the connection was dropped instead. */
  onCall(conn: CloudConnection, call: ReceivedCall): Outcome | undefined;
  anomaly(conn: CloudConnection, text: string): void;
  readonly responseDelayMs: number;
  readonly schedule: Scheduler;
  /** CALLERROR code for a frame that is not a well-formed CALL (default 1.6's FormationViolation). */
  readonly frameErrorCode?: string;
}

interface Outgoing {
  cmd: SentCommand;
  timeoutMs: number;
  resolve: (v: any) => void;
  reject: (e: Error) => void;
  cancelTimer?: () => void;
}

const clip = (s: string): string => (s.length > 80 ? `${s.slice(0, 80)}…` : s);

export class CloudConnection {
  /** Status of the last BootNotification answered on this connection (undefined: none yet). */
  bootStatus?: string;
  /** Messages the cloud asked for with TriggerMessage, allowed while the boot is Pending. */
  readonly triggered = new Set<string>();
  private readonly idsSeen = new Set<string>();
  private unanswered = 0;
  private readonly timers = new Set<() => void>();
  private queue: Outgoing[] = [];
  private inflight?: Outgoing;
  private lastTimedOut?: string;
  private seq = 0;

  constructor(
    readonly ws: WebSocket,
    readonly identity: string,
    readonly number: number,
    private readonly owner: ConnectionOwner,
  ) {
    ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends a command; commands go out one at a time in order (OCPP-J §4.1.1). */
  call(cmd: SentCommand, timeoutMs: number): Promise<any> {
    return new Promise((resolve, reject) => {
      if (!this.open) return reject(new CloudCallError(cmd.action, 'NotConnected', `${this.identity} is not connected`));
      this.queue.push({ cmd, timeoutMs, resolve, reject });
      this.pump();
    });
  }

  /** The owner calls this once the socket closed: pending answers are dropped, commands fail. */
  closed(detail: string): void {
    for (const cancel of this.timers) cancel();
    this.timers.clear();
    const all = this.inflight ? [this.inflight, ...this.queue] : this.queue;
    this.inflight = undefined;
    this.queue = [];
    for (const p of all) {
      p.cancelTimer?.();
      p.cmd.error = { code: 'ConnectionClosed', description: detail };
      p.reject(new CloudCallError(p.cmd.action, 'ConnectionClosed', detail));
    }
  }

  private pump(): void {
    if (this.inflight || this.queue.length === 0 || !this.open) return;
    const p = this.queue.shift()!;
    this.inflight = p;
    p.cmd.messageId = `c${this.number}-${++this.seq}`;
    p.cmd.at = Date.now();
    p.cancelTimer = this.owner.schedule(() => {
      this.lastTimedOut = p.cmd.messageId;
      p.cmd.error = { code: 'Timeout', description: `no answer within ${p.timeoutMs} ms` };
      this.settle(p, new CloudCallError(p.cmd.action, 'Timeout', p.cmd.error.description));
    }, p.timeoutMs);
    this.ws.send(JSON.stringify([2, p.cmd.messageId, p.cmd.action, p.cmd.payload]));
  }

  private settle(p: Outgoing, err: Error | null, result?: unknown): void {
    if (this.inflight !== p) return;
    p.cancelTimer?.();
    this.inflight = undefined;
    if (err) p.reject(err);
    else p.resolve(result);
    this.pump();
  }

  private anomaly(text: string): void {
    this.owner.anomaly(this, text);
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (isBinary) return this.anomaly('binary frame (OCPP-J uses text frames)');
    const text = data.toString();
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return this.anomaly(`unparsable frame: ${clip(text)}`);
    }
    // Without a string id there is nothing a CALLERROR could refer to: record only.
    if (!Array.isArray(msg) || typeof msg[1] !== 'string') return this.anomaly(`not an OCPP-J message: ${clip(text)}`);
    if (msg[0] === 2) return this.onCallFrame(msg, text);
    if (msg[0] === 3 || msg[0] === 4) return this.onAnswerFrame(msg, text);
    this.anomaly(`unknown message type ${JSON.stringify(msg[0])}: ${clip(text)}`);
  }

  private onCallFrame(msg: unknown[], text: string): void {
    const [, id, action, payload] = msg as [2, string, unknown, unknown];
    if (id.length === 0 || id.length > 36) {
      this.anomaly(`message id must be 1..36 chars: ${clip(text)}`);
      return this.send([4, id, this.owner.frameErrorCode ?? 'FormationViolation', 'message id must be 1..36 characters', {}]);
    }
    if (msg.length !== 4 || typeof action !== 'string' || !isObject(payload)) {
      this.anomaly(`malformed CALL: ${clip(text)}`);
      return this.send([4, id, this.owner.frameErrorCode ?? 'FormationViolation', 'a CALL is [2, "<id>", "<Action>", {payload}]', {}]);
    }
    if (this.idsSeen.has(id)) this.anomaly(`message id ${id} reused on one connection (${action})`);
    else this.idsSeen.add(id);
    // The site must wait for our answer before its next CALL (OCPP-J §4.1.1).
    if (this.unanswered > 0) this.anomaly(`${action} ${id} sent while an earlier CALL was still unanswered`);
    const call: ReceivedCall = { at: Date.now(), identity: this.identity, messageId: id, action, payload, connection: this.number };
    const outcome = this.owner.onCall(this, call);
    if (outcome) this.answer(id, outcome);
  }

  /** Answers after the owner's response delay (a simulated round trip), in arrival order. */
  private answer(id: string, outcome: Outcome): void {
    const frame = 'result' in outcome ? [3, id, outcome.result] : [4, id, outcome.error.code, outcome.error.description, {}];
    const ms = this.owner.responseDelayMs;
    if (ms <= 0) return this.send(frame);
    this.unanswered++;
    let fired = false;
    let cancel: (() => void) | undefined;
    cancel = this.owner.schedule(() => {
      fired = true;
      if (cancel) this.timers.delete(cancel);
      this.unanswered--;
      this.send(frame);
    }, ms);
    if (!fired) this.timers.add(cancel);
  }

  private onAnswerFrame(msg: unknown[], text: string): void {
    const id = msg[1] as string;
    const p = this.inflight;
    if (!p || p.cmd.messageId !== id) {
      // A late answer to a command we gave up on is the simulator's short timeout, not the site's fault.
      if (id !== this.lastTimedOut) this.anomaly(`answer to unknown CALL id ${id}: ${clip(text)}`);
      return;
    }
    if (msg[0] === 3) {
      if (msg.length !== 3 || !isObject(msg[2])) this.anomaly(`malformed CALLRESULT to ${p.cmd.action}: ${clip(text)}`);
      p.cmd.result = msg[2];
      return this.settle(p, null, msg[2]);
    }
    if (msg.length !== 5 || typeof msg[2] !== 'string' || typeof msg[3] !== 'string' || !isObject(msg[4])) {
      this.anomaly(`malformed CALLERROR to ${p.cmd.action}: ${clip(text)}`);
    }
    p.cmd.error = { code: String(msg[2]), description: String(msg[3] ?? '') };
    this.settle(p, new CloudCallError(p.cmd.action, p.cmd.error.code, p.cmd.error.description, msg[4]));
  }

  private send(frame: unknown[]): void {
    if (this.open) this.ws.send(JSON.stringify(frame));
  }
}
