// OCPP-J RPC framing (OCPP-J 1.6 §4) for the simulated charger, written directly on `ws`.
// It deliberately shares nothing with daemon/ocpp: the simulator is the independent peer
// that checks the daemon, so a framing bug in the daemon must not be mirrored here.
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import WebSocket, { type RawData } from 'ws';

/** A CALLERROR answer from the CSMS. */
export class CallError extends Error {
  constructor(
    readonly action: string,
    readonly code: string,
    readonly description: string,
    readonly details: unknown,
  ) {
    super(`${action}: CALLERROR ${code}${description ? ` (${description})` : ''}`);
    this.name = 'CallError';
  }
}

export class CallTimeoutError extends Error {
  constructor(readonly action: string, readonly timeoutMs: number) {
    super(`${action}: no answer within ${timeoutMs} ms`);
    this.name = 'CallTimeoutError';
  }
}

export class ConnectionClosedError extends Error {
  constructor(readonly action: string, detail: string) {
    super(`${action}: ${detail}`);
    this.name = 'ConnectionClosedError';
  }
}

/** Error of connect() when the server refuses the upgrade (401, 404, ...). */
export interface UpgradeError extends Error {
  statusCode: number;
}

export interface RpcConnectOptions {
  url: string;
  protocols: string[];
  headers: Record<string, string>;
  callTimeoutMs: number;
  /** The CALLERROR code for a frame that is no valid CALL: 1.6 says FormationViolation, 2.0.1 RpcFrameworkError. */
  formatViolation?: string;
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; rejectUnauthorized?: boolean };
}

interface Pending {
  id: string;
  action: string;
  payload: object;
  resolve: (v: any) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

// Ids only need to be unique per connection; a per-process random prefix keeps them
// distinguishable across reconnects and processes in logs, and stays far below 36 chars.
const ID_PREFIX = randomBytes(3).toString('hex') + '-';

/**
 * Events: 'open', 'close' (code, reason), 'violation' (text) for frames from the CSMS
 * that break OCPP-J, 'error' only if someone listens (a benchmark with 500 chargers must
 * not die on one socket error).
 */
export class SimRpc extends EventEmitter {
  /** Everything the CSMS did that OCPP-J forbids, as human-readable lines. */
  readonly violations: string[] = [];
  protected ws?: WebSocket;
  private seq = 0;
  private queue: Pending[] = [];
  private inflight?: Pending;

  constructor(private rpc: RpcConnectOptions) {
    super();
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Points the next connect() at another URL (a restarted CSMS on another port). */
  protected setUrl(url: string): void {
    this.rpc.url = url;
  }

  /** The subprotocol the server picked ('' before open). */
  get protocol(): string {
    return this.ws?.protocol ?? '';
  }

  connect(): Promise<void> {
    if (this.ws && this.ws.readyState !== WebSocket.CLOSED) {
      return Promise.reject(new Error('connect(): socket already open or opening'));
    }
    const { url, protocols, headers, callTimeoutMs, tls } = this.rpc;
    return new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(url, protocols, {
        headers,
        perMessageDeflate: false,
        // Not tied to short call timeouts used in tests: a loaded host may take a while to accept.
        handshakeTimeout: Math.max(callTimeoutMs, 10_000),
        ...tls,
      });
      this.ws = ws;
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        reject(err);
      };
      // With a listener here ws leaves the refused request to us; we want the status code.
      ws.once('unexpected-response', (_req, res) => {
        const err = new Error(`upgrade refused: HTTP ${res.statusCode}`) as UpgradeError;
        err.statusCode = res.statusCode ?? 0;
        res.resume();
        fail(err);
        ws.terminate();
      });
      ws.once('open', () => {
        settled = true;
        this.emit('open');
        resolve();
      });
      ws.on('error', (err) => {
        if (!settled) fail(err);
        else if (this.listenerCount('error') > 0) this.emit('error', err);
      });
      ws.once('close', (code, reason) => {
        fail(new Error(`connection closed during handshake (${code})`));
        if (this.ws === ws) this.failAll(`connection closed (${code})`);
        this.emit('close', code, reason.toString());
      });
      ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    });
  }

  /** Sends a CALL; CALLs go out one at a time, in order (OCPP-J §4.1.1). */
  call<T = any>(action: string, payload: object): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (!this.connected) {
        reject(new ConnectionClosedError(action, 'not connected'));
        return;
      }
      this.queue.push({ id: ID_PREFIX + (++this.seq).toString(36), action, payload, resolve, reject });
      this.pump();
    });
  }

  /** Number of CALLs sent or waiting to be sent and not yet answered. */
  get pendingCalls(): number {
    return this.queue.length + (this.inflight ? 1 : 0);
  }

  /** Sends bytes as they are; a Buffer goes as a binary frame unless binary=false. */
  sendRaw(data: string | Buffer, binary = typeof data !== 'string'): void {
    this.ws?.send(data, { binary });
  }

  close(code = 1000, reason = ''): Promise<void> {
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else if (ws.readyState === WebSocket.OPEN) ws.close(code, reason);
    });
  }

  /** Drops the TCP connection without a close handshake, like a power cut. */
  terminate(): void {
    this.ws?.terminate();
  }

  /** Answers an incoming CALL; the default knows no action. Subclasses override. */
  protected onCall(id: string, action: string, _payload: any): void {
    this.replyError(id, 'NotImplemented', `${action} is not implemented`);
  }

  protected reply(id: string, payload: object): void {
    this.sendFrame([3, id, payload]);
  }

  protected replyError(id: string, code: string, description = '', details: object = {}): void {
    this.sendFrame([4, id, code, description, details]);
  }

  protected violation(text: string): void {
    this.violations.push(text);
    this.emit('violation', text);
  }

  private sendFrame(frame: unknown[]): void {
    if (this.connected) this.ws!.send(JSON.stringify(frame));
  }

  private pump(): void {
    if (this.inflight || this.queue.length === 0 || !this.connected) return;
    const p = this.queue.shift()!;
    this.inflight = p;
    p.timer = setTimeout(() => this.settle(p, new CallTimeoutError(p.action, this.rpc.callTimeoutMs)), this.rpc.callTimeoutMs);
    this.ws!.send(JSON.stringify([2, p.id, p.action, p.payload]));
  }

  /** Ends the in-flight CALL and lets the next one go. */
  private settle(p: Pending, err: Error | null, result?: unknown): void {
    if (this.inflight !== p) return;
    clearTimeout(p.timer);
    this.inflight = undefined;
    if (err) p.reject(err);
    else p.resolve(result);
    this.pump();
  }

  private failAll(detail: string): void {
    const all = this.inflight ? [this.inflight, ...this.queue] : this.queue;
    this.inflight = undefined;
    this.queue = [];
    for (const p of all) {
      clearTimeout(p.timer);
      p.reject(new ConnectionClosedError(p.action, detail));
    }
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (isBinary) return this.violation('binary frame (OCPP-J uses text frames)');
    const text = data.toString();
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return this.violation(`unparsable frame: ${text.slice(0, 80)}`);
    }
    if (!Array.isArray(msg) || typeof msg[1] !== 'string') {
      return this.violation(`not an OCPP-J message: ${text.slice(0, 80)}`);
    }
    const [type, id] = msg as [unknown, string];
    if (id.length > 36) this.violation(`message id longer than 36 chars: ${id.slice(0, 40)}…`);
    if (type === 2) {
      const [, , action, payload] = msg;
      if (msg.length !== 4 || typeof action !== 'string' || !isObject(payload)) {
        this.violation(`malformed CALL: ${text.slice(0, 80)}`);
        return this.replyError(id, this.rpc.formatViolation ?? 'FormationViolation', 'CALL must be [2, id, action, {payload}]');
      }
      return this.onCall(id, action, payload);
    }
    if (type !== 3 && type !== 4) return this.violation(`unknown message type ${String(type)}`);
    const p = this.inflight;
    if (!p || p.id !== id) return this.violation(`answer to unknown or expired CALL id ${id}`);
    if (type === 3) {
      if (msg.length !== 3 || !isObject(msg[2])) this.violation(`malformed CALLRESULT to ${p.action}`);
      return this.settle(p, null, msg[2]);
    }
    if (msg.length !== 5 || typeof msg[2] !== 'string') this.violation(`malformed CALLERROR to ${p.action}`);
    this.settle(p, new CallError(p.action, String(msg[2]), String(msg[3] ?? ''), msg[4]));
  }
}

export function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
