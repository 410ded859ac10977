// OCPP-J RPC over one WebSocket, either side (CSMS or charge point).
// Rules it enforces: one outstanding CALL per direction (ours queue, theirs are
// answered in order), call timeouts, message ids of at most 36 characters,
// duplicate ids refused, every payload validated both ways, WebSocket ping/pong
// with dead-peer detection, and a connection that keeps sending garbage is closed.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import type { Logger } from '../log.js';
import type { ProtocolProfile } from './protocols.js';
import { RpcClosedError, RpcError, RpcTimeoutError, normalizeErrorCode } from './errors.js';
import { redactSecrets } from './redact.js';

export const CALL = 2;
export const CALLRESULT = 3;
export const CALLERROR = 4;
export const MAX_MESSAGE_ID_LENGTH = 36;

export type CallHandler = (payload: any, ctx: { action: string; messageId: string }) => unknown;

export interface RpcOptions {
  protocol: ProtocolProfile;
  log: Logger;
  callTimeoutMs?: number;
  /** 0 disables pings. A peer that misses one pong interval is dropped. */
  pingIntervalMs?: number;
  /** Consecutive bad frames before the connection is closed. */
  maxBadFrames?: number;
  /** Our CALLs waiting behind the outstanding one. */
  maxQueuedCalls?: number;
  /** Their CALLs waiting behind the one being handled (a peer breaking the one-outstanding rule). */
  maxPendingIncoming?: number;
  /**
   * Names the other end in the frame trace when `log` does not already (its fields carry
   * `charger` on the local side): 'cloud' for the upstream link.
   */
  peer?: string;
}

export interface CallOptions {
  /** How long to wait for the answer (default: the connection's callTimeoutMs). */
  timeoutMs?: number;
  /**
   * Start the timer when the call is queued, not when it goes on the wire: the whole
   * wait is bounded (a caller answering someone else within a deadline needs that).
   * A call still queued at its deadline is dropped from the queue, never sent stale.
   */
  countFromQueue?: boolean;
  /**
   * When the answer comes, send no further CALL until releaseLine(): the caller records the
   * answer durably first (the outbox), so that a crash in between can only repeat the call
   * that was last on the wire, never one followed by others.
   */
  holdLine?: boolean;
}

interface OutgoingCall {
  id: string;
  action: string;
  payload: unknown;
  timeoutMs: number;
  /** Running from enqueue (countFromQueue) or from the send. */
  timer: NodeJS.Timeout | null;
  holdLine?: boolean;
  resolve: (v: any) => void;
  reject: (e: Error) => void;
}

interface IncomingCall {
  id: string;
  action: string;
  payload: unknown;
}

export interface RpcStats {
  callsIn: number;
  callsOut: number;
  badFrames: number;
  timeouts: number;
  /** CALLRESULT/CALLERROR for an id we no longer wait for (expired or unknown). */
  lateAnswers: number;
}

/**
 * Events: 'close' (code: number, reason: string), 'badFrame' (reason: string),
 * 'responded' (action, request, response) after a CALLRESULT went out.
 */
export class RpcConnection extends EventEmitter {
  readonly stats: RpcStats = { callsIn: 0, callsOut: 0, badFrames: 0, timeouts: 0, lateAnswers: 0 };
  private readonly handlers = new Map<string, CallHandler>();
  private readonly queue: OutgoingCall[] = [];
  /** A holdLine call was answered and its caller has not released the line yet. */
  private lineHeld = false;
  private inFlight: OutgoingCall | null = null;
  private readonly incoming: IncomingCall[] = [];
  private handling = false;
  private consecutiveBad = 0;
  private pingTimer: NodeJS.Timeout | null = null;
  private alive = true;
  private closed = false;
  private readonly callTimeoutMs: number;
  private readonly maxBadFrames: number;
  private readonly maxQueuedCalls: number;
  private readonly maxPendingIncoming: number;
  /** The `ocpp` frame trace; null unless enabled, so frames are never serialized for it otherwise. */
  private readonly frameLog: Logger | null;

  constructor(readonly ws: WebSocket, readonly opts: RpcOptions) {
    super();
    const frameLog = opts.log.child('ocpp', opts.peer !== undefined ? { peer: opts.peer } : {});
    this.frameLog = frameLog.enabled('trace') ? frameLog : null;
    this.callTimeoutMs = opts.callTimeoutMs ?? 30_000;
    this.maxBadFrames = opts.maxBadFrames ?? 10;
    this.maxQueuedCalls = opts.maxQueuedCalls ?? 1000;
    this.maxPendingIncoming = opts.maxPendingIncoming ?? 20;
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('pong', () => (this.alive = true));
    ws.on('error', (err) => opts.log.warn('websocket error', { err: err.message }));
    ws.on('close', (code, reason) => this.onClose(code, reason.toString()));
    const pingMs = opts.pingIntervalMs ?? 30_000;
    if (pingMs > 0) {
      this.pingTimer = setInterval(() => this.ping(), pingMs);
      this.pingTimer.unref();
    }
  }

  get protocol(): string {
    return this.opts.protocol.name;
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === this.ws.OPEN;
  }

  /** Registers the handler of a CALL action the peer may send. */
  handle(action: string, handler: CallHandler): this {
    this.handlers.set(action, handler);
    return this;
  }

  /** Sends a CALL; resolves with the validated CALLRESULT payload. */
  call<T = any>(action: string, payload: unknown, opts: CallOptions = {}): Promise<T> {
    const invalid = this.opts.protocol.validator.request(action, payload);
    if (invalid) return Promise.reject(invalid);
    if (!this.isOpen) return Promise.reject(new RpcClosedError(action, 'not connected'));
    if (this.queue.length >= this.maxQueuedCalls) {
      return Promise.reject(new RpcError('GenericError', `${action}: call queue full (${this.maxQueuedCalls})`));
    }
    return new Promise<T>((resolve, reject) => {
      const call: OutgoingCall = { id: randomUUID(), action, payload, timeoutMs: opts.timeoutMs ?? this.callTimeoutMs, timer: null, resolve, reject, holdLine: opts.holdLine };
      if (opts.countFromQueue) call.timer = setTimeout(() => this.expire(call), call.timeoutMs);
      this.queue.push(call);
      this.pump();
    });
  }

  /** Closes the socket; pending calls are rejected. Resolves once closed. */
  close(code = 1000, reason = ''): Promise<void> {
    if (this.ws.readyState === this.ws.CLOSED) {
      this.onClose(code, reason);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close(code, reason);
      // A peer that never answers the close handshake must not hold us up.
      setTimeout(() => this.ws.terminate(), 2000).unref();
    });
  }

  /** Lets the next queued CALL go after a holdLine call's answer was dealt with. */
  releaseLine(): void {
    if (!this.lineHeld) return;
    this.lineHeld = false;
    setImmediate(() => this.pump());
  }

  private pump(): void {
    if (this.inFlight || this.lineHeld || this.queue.length === 0 || !this.isOpen) return;
    const call = this.queue.shift()!;
    // A countFromQueue call keeps the timer it got when queued: its deadline does not move.
    call.timer ??= setTimeout(() => this.expire(call), call.timeoutMs);
    this.inFlight = call;
    this.stats.callsOut++;
    this.send([CALL, call.id, call.action, call.payload]);
  }

  /** A call's timer fired: on the wire, the line is free again; still queued, it is dropped unsent. */
  private expire(call: OutgoingCall): void {
    if (this.inFlight === call) {
      this.inFlight = null;
    } else {
      const at = this.queue.indexOf(call);
      if (at < 0) return;
      this.queue.splice(at, 1);
    }
    call.timer = null;
    this.stats.timeouts++;
    call.reject(new RpcTimeoutError(call.action, call.timeoutMs));
    this.pump();
  }

  private settle(id: string): OutgoingCall | null {
    if (!this.inFlight || this.inFlight.id !== id) return null;
    const call = this.inFlight;
    if (call.timer) clearTimeout(call.timer);
    call.timer = null;
    this.inFlight = null;
    if (call.holdLine) this.lineHeld = true;
    else setImmediate(() => this.pump());
    return call;
  }

  private send(frame: unknown[]): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    const text = JSON.stringify(frame);
    if (this.frameLog) this.trace('out', frame);
    this.ws.send(text);
  }

  /** One line per frame, secrets hidden; only called when the trace is on. */
  private trace(dir: 'in' | 'out', frame: unknown): void {
    this.frameLog!.trace(`${dir} ${typeof frame === 'string' ? frame : JSON.stringify(redactSecrets(frame))}`);
  }

  private sendError(id: string, err: RpcError): void {
    this.send([CALLERROR, id, this.opts.protocol.spell(err.code), err.message.slice(0, 255), err.details]);
  }

  /** A frame the peer got wrong: answer it if we can, count it, and drop the peer past the limit. */
  private bad(id: string | null, err: RpcError): void {
    this.stats.badFrames++;
    this.consecutiveBad++;
    this.opts.log.warn('bad frame', { code: err.code, err: err.message, count: this.consecutiveBad });
    this.emit('badFrame', err.message);
    if (id !== null) this.sendError(id, err);
    if (this.consecutiveBad >= this.maxBadFrames && !this.closed) {
      this.opts.log.warn('closing connection after too many bad frames', { limit: this.maxBadFrames });
      void this.close(1008, 'too many bad frames');
    }
  }

  /**
   * A frame that is not a valid OCPP-J message (not JSON, not an array, no readable id, a CALL
   * of the wrong shape) is an RpcFrameworkError; each version spells that its own way (1.6 has
   * no such code and says FormationViolation). Schema violations of a payload come from the
   * validator with their own codes.
   */
  private onMessage(data: Buffer, isBinary: boolean): void {
    this.alive = true;
    if (isBinary) {
      if (this.frameLog) this.trace('in', `<binary, ${data.length} bytes>`);
      return this.bad('-1', new RpcError('RpcFrameworkError', 'binary frames are not OCPP-J'));
    }
    let frame: unknown;
    try {
      frame = JSON.parse(data.toString('utf8'));
    } catch {
      // Not JSON, so nothing to redact by name; escaped so it stays one line.
      if (this.frameLog) this.trace('in', JSON.stringify(data.toString('utf8').slice(0, 2000)));
      return this.bad('-1', new RpcError('RpcFrameworkError', 'frame is not valid JSON'));
    }
    if (this.frameLog) this.trace('in', frame);
    if (!Array.isArray(frame)) return this.bad('-1', new RpcError('RpcFrameworkError', 'frame is not a JSON array'));
    const [type, id] = frame;
    if (typeof id !== 'string' || id.length === 0) {
      return this.bad('-1', new RpcError('RpcFrameworkError', 'message id must be a non-empty string'));
    }
    if (id.length > MAX_MESSAGE_ID_LENGTH) {
      return this.bad(type === CALL ? id : null, new RpcError('RpcFrameworkError', `message id longer than ${MAX_MESSAGE_ID_LENGTH} characters`));
    }
    switch (type) {
      case CALL:
        return this.onCall(frame);
      case CALLRESULT:
        return this.onResult(frame);
      case CALLERROR:
        return this.onError(frame);
      default:
        return this.bad(id, new RpcError('MessageTypeNotSupported', `unknown message type ${JSON.stringify(type)}`));
    }
  }

  private onCall(frame: unknown[]): void {
    const [, id, action, payload] = frame as [number, string, unknown, unknown];
    if (frame.length !== 4 || typeof action !== 'string' || typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      return this.bad(id, new RpcError('RpcFrameworkError', 'a CALL is [2, id, action, {payload}]'));
    }
    if (this.incoming.some((c) => c.id === id)) {
      return this.bad(id, new RpcError('ProtocolError', `duplicate message id ${id} while the first is still being handled`));
    }
    if (this.incoming.length >= this.maxPendingIncoming) {
      // Well-formed, just early: a charger pipelining its backlog after a reconnect. Refuse
      // this one (it may send it again) without counting it as garbage, and keep serving
      // the queue; counting it closed the connection before the queued calls were answered.
      this.opts.log.warn('CALL refused: too many outstanding', { action, id, limit: this.maxPendingIncoming });
      return this.sendError(id, new RpcError('ProtocolError', `too many outstanding CALLs (${this.maxPendingIncoming}); send one at a time`));
    }
    this.incoming.push({ id, action, payload });
    if (!this.handling) void this.drainIncoming();
  }

  private async drainIncoming(): Promise<void> {
    this.handling = true;
    while (this.incoming.length > 0 && !this.closed) {
      await this.handleCall(this.incoming[0]);
      this.incoming.shift();
    }
    this.handling = false;
  }

  private async handleCall({ id, action, payload }: IncomingCall): Promise<void> {
    const validator = this.opts.protocol.validator;
    if (!validator.has(action)) return this.bad(id, new RpcError('NotImplemented', `unknown action ${action}`));
    const violation = validator.request(action, payload);
    if (violation) return this.bad(id, violation);
    const handler = this.handlers.get(action);
    if (!handler) return this.bad(id, new RpcError('NotSupported', `${action} is not supported by this endpoint`));
    this.consecutiveBad = 0;
    this.stats.callsIn++;
    let result: unknown;
    try {
      result = await handler(payload, { action, messageId: id });
    } catch (err) {
      if (err instanceof RpcError) return this.sendError(id, err);
      this.opts.log.error('handler failed', { action, err: (err as Error).message });
      return this.sendError(id, new RpcError('InternalError', `${action} could not be processed`));
    }
    const wrong = validator.response(action, result);
    if (wrong) {
      // Our bug: never put an invalid frame on the wire.
      this.opts.log.error('handler produced an invalid response', { action, err: wrong.message });
      return this.sendError(id, new RpcError('InternalError', `${action} could not be processed`));
    }
    this.send([CALLRESULT, id, result]);
    this.emit('responded', action, payload, result);
  }

  /**
   * An answer to a call we stopped waiting for: a slow peer, not a malformed frame. Counted
   * and logged, but it never counts toward the bad-frame limit (a slow cloud would otherwise
   * get its link closed for answering late).
   */
  private late(kind: string, id: string): void {
    this.stats.lateAnswers++;
    this.opts.log.info(`${kind} for an unknown or expired message id; ignored`, { id });
  }

  private onResult(frame: unknown[]): void {
    const [, id, payload] = frame as [number, string, unknown];
    const call = this.settle(id);
    if (!call) return this.late('CALLRESULT', id);
    const violation = this.opts.protocol.validator.response(call.action, payload);
    if (violation) {
      this.stats.badFrames++;
      return call.reject(violation);
    }
    this.consecutiveBad = 0;
    call.resolve(payload);
  }

  private onError(frame: unknown[]): void {
    const [, id, code, description, details] = frame as [number, string, unknown, unknown, unknown];
    const call = this.settle(id);
    if (!call) return this.late('CALLERROR', id);
    this.consecutiveBad = 0;
    const det = typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : {};
    call.reject(new RpcError(normalizeErrorCode(code), `${call.action}: ${typeof description === 'string' ? description : 'no description'}`, det));
  }

  private ping(): void {
    if (!this.isOpen) return;
    if (!this.alive) {
      this.opts.log.warn('peer missed a pong; dropping the connection');
      this.ws.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
  }

  private onClose(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pingTimer) clearInterval(this.pingTimer);
    const pending = [...(this.inFlight ? [this.inFlight] : []), ...this.queue.splice(0)];
    this.inFlight = null;
    for (const c of pending) {
      if (c.timer) clearTimeout(c.timer);
      c.reject(new RpcClosedError(c.action, reason || `code ${code}`));
    }
    this.emit('close', code, reason);
  }
}
