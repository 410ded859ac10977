// The simulated cloud CSMS's server: listening, the upgrade (path, identity, Basic auth,
// forced refusals), outages (goDown / comeBack on the same port), failure knobs, and
// what was received. The convenience commands live in cloud-sim.ts.
import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { judgeUpgrade, listen, refuseUpgrade, type TlsOptions } from './cloud-http.js';
import { CloudLedger, type BootStatus } from './cloud-ledger.js';
import { CloudCallError, CloudConnection, realScheduler, type Outcome, type ReceivedCall, type Scheduler, type SentCommand } from './cloud-rpc.js';

/**
 * What differs between the OCPP versions the simulated cloud speaks: the answers and
 * the book behind them, and the checks of the commands it sends and of their answers.
 * The server mechanics (upgrade, outages, delays, failure knobs) are the same for all.
 */
export interface CloudProtocol {
  /** Subprotocols spoken unless CloudSimOptions.protocols says otherwise. */
  readonly protocols: string[];
  bootStatus: BootStatus;
  heartbeatIntervalS: number;
  /** Checks, books and answers one CALL from the site. */
  answer(conn: CloudConnection, call: ReceivedCall): Outcome;
  /** CALLERROR code for a malformed CALL frame (default FormationViolation, 1.6's spelling). */
  readonly frameErrorCode?: string;
  /** What is wrong with a command the cloud is about to send (a bug in the test), or null. */
  checkCommand(action: string, payload: object): string | null;
  /** What is wrong with the site's CALLRESULT to a command (recorded as an anomaly), or null. */
  checkResult(action: string, result: unknown): string | null;
}

export interface CloudSimOptions {
  port?: number; // 0 = a free port
  host?: string; // default 127.0.0.1
  path?: string; // default '/ocpp'; the site connects to <path>/<identity>
  identities?: Record<string, string | null>; // identity → password (null = no auth); omitted = any identity
  tls?: TlsOptions;
  bootStatus?: BootStatus; // default Accepted
  heartbeatIntervalS?: number; // default 300
  responseDelayMs?: number; // before every answer; also settable at run time
  /** 'close' (default): an outage closes the port; 'reset': it stays open and cuts every connection. */
  outage?: 'close' | 'reset';
  perMessageDeflate?: boolean;
  /** Subprotocols the cloud speaks (default ['ocpp1.6']); another list simulates a refused subprotocol. */
  protocols?: string[];
  firstTransactionId?: number; // default 1000
  callTimeoutMs?: number; // default for call(), 30 s
  /** Timer used for the response delay and command timeouts; tests inject one to need no clock. */
  schedule?: Scheduler;
}

/** Bound of waitFor / waitForConnection unless the caller gives one. */
export const DEFAULT_WAIT_MS = 30_000;

interface Rule {
  predicate: (call: ReceivedCall) => boolean;
  error?: { code: string; description: string };
  times?: number;
  process?: boolean;
}

interface Waiter<T> {
  match: (v: T) => boolean;
  resolve: (v: T) => void;
  reject: (e: Error) => void;
}

/**
 * Events: 'call' (ReceivedCall), 'connect' (identity, connection number), 'disconnect'
 * (identity, close code, connection number), 'anomaly' (text).
 */
export class CloudSimServer<P extends CloudProtocol = CloudLedger> extends EventEmitter {
  readonly received: ReceivedCall[] = [];
  readonly commands: SentCommand[] = [];
  readonly anomalies: string[] = [];
  responseDelayMs: number;
  readonly schedule: Scheduler;
  protected readonly ledger: P;
  private readonly opts: CloudSimOptions;
  private readonly conns = new Map<string, CloudConnection>();
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  private wss?: WebSocketServer;
  private _port = 0;
  private _connections = 0;
  private upgradeStatus: number | null = null;
  private down = false;
  private failRules: Rule[] = [];
  private dropRules: Rule[] = [];
  private callWaiters: Array<Waiter<ReceivedCall>> = [];
  private connWaiters: Array<Waiter<string>> = [];

  /** protocol: builds the version's answers (default: the OCPP 1.6 ledger). */
  constructor(opts: CloudSimOptions = {}, protocol?: (anomaly: (identity: string, text: string) => void) => P) {
    super();
    this.opts = opts;
    this.responseDelayMs = opts.responseDelayMs ?? 0;
    this.schedule = opts.schedule ?? realScheduler;
    const anomaly = (identity: string, text: string): void => this.recordAnomaly(identity, text);
    this.ledger = protocol
      ? protocol(anomaly)
      : (new CloudLedger(
          { firstTransactionId: opts.firstTransactionId ?? 1000, bootStatus: opts.bootStatus ?? 'Accepted', heartbeatIntervalS: opts.heartbeatIntervalS ?? 300 },
          anomaly,
        ) as unknown as P);
  }

  get port(): number {
    return this._port;
  }
  get url(): string {
    const host = !this.opts.host || this.opts.host === '0.0.0.0' ? '127.0.0.1' : this.opts.host;
    return `${this.opts.tls ? 'wss' : 'ws'}://${host}:${this._port}${this.basePath}`;
  }
  get frameErrorCode(): string | undefined {
    return this.ledger.frameErrorCode;
  }
  get connectionCount(): number {
    return this._connections;
  }
  /** Status answered to the next BootNotifications (Pending → Accepted flows). */
  get bootStatus(): BootStatus {
    return this.ledger.bootStatus;
  }
  set bootStatus(s: BootStatus) {
    this.ledger.bootStatus = s;
  }
  get heartbeatIntervalS(): number {
    return this.ledger.heartbeatIntervalS;
  }
  set heartbeatIntervalS(s: number) {
    this.ledger.heartbeatIntervalS = s;
  }

  async start(): Promise<void> {
    if (this.wss) throw new Error('CloudSim already started');
    const protocols = this.opts.protocols ?? this.ledger.protocols;
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: this.opts.perMessageDeflate ?? false,
      // The site's preference order wins among what the cloud speaks; none → no header.
      handleProtocols: (offered) => [...offered].find((p) => protocols.includes(p)) ?? false,
    });
    await this.listen(this.opts.port ?? 0);
  }

  /** Closes everything; pending waiters and commands are rejected. */
  async stop(): Promise<void> {
    await this.goDown('close');
    const err = new Error('CloudSim stopped');
    for (const w of [...this.callWaiters, ...this.connWaiters]) w.reject(err);
    this.callWaiters = [];
    this.connWaiters = [];
    this.wss?.close();
    this.wss = undefined;
  }

  /**
   * An outage: every connection goes away at once (no close handshake). By default the
   * listening socket closes too (connections refused); with `outage: 'reset'` it stays
   * open and cuts each new connection, so the port cannot be taken by another process
   * meanwhile (tests that run in parallel and come back on the same port).
   */
  async goDown(mode: 'close' | 'reset' = this.opts.outage ?? 'close'): Promise<void> {
    const server = mode === 'reset' ? undefined : this.server;
    if (mode === 'reset') this.down = true;
    else this.server = undefined;
    for (const c of this.conns.values()) c.ws.terminate();
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Ends an outage: listens again on the same port. */
  async comeBack(): Promise<void> {
    if (!this.wss) throw new Error('CloudSim not started');
    this.down = false;
    if (!this.server) await this.listen(this._port);
  }

  /** Answers the next upgrades with this HTTP status (401, 404, 503, ...) until null. */
  setUpgradeStatus(status: number | null): void {
    this.upgradeStatus = status;
  }

  /** Matching CALLs get this CALLERROR (and are not booked) until clearFailures(). */
  failAction(predicate: (call: ReceivedCall) => boolean, error: { code: string; description?: string } = { code: 'InternalError' }): void {
    this.failRules.push({ predicate, error: { code: error.code, description: error.description ?? 'simulated failure' } });
  }

  /**
   * The next `times` (default 1) matching CALLs terminate the socket instead of being
   * answered. With process (default true) the cloud books the CALL first, like a real
   * cloud whose answer was lost on the way; false = lost before it reached the cloud.
   */
  dropConnectionAfter(predicate: (call: ReceivedCall) => boolean, opts: { times?: number; process?: boolean } = {}): void {
    this.dropRules.push({ predicate, times: opts.times ?? 1, process: opts.process ?? true });
  }

  clearFailures(): void {
    this.failRules = [];
    this.dropRules = [];
  }

  receivedOf(action: string): ReceivedCall[] {
    return this.received.filter((c) => c.action === action);
  }

  connected(identity: string): boolean {
    return this.conns.get(identity)?.open ?? false;
  }

  /** Resolves on the next connection of identity, or now if it is connected; rejects after timeoutMs. */
  waitForConnection(identity: string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    if (this.connected(identity)) return Promise.resolve();
    return this.bounded('connWaiters', (id: string) => id === identity, `a connection of ${identity}`, timeoutMs).then(() => undefined);
  }

  /**
   * Resolves with the first received CALL (past or future) that matches. Bounded (a test
   * must never hang): rejects after timeoutMs with an error naming `label` (default: the
   * predicate's source).
   */
  waitFor(predicate: (call: ReceivedCall) => boolean, opts: { label?: string; timeoutMs?: number } = {}): Promise<ReceivedCall> {
    const past = this.received.find(predicate);
    if (past) return Promise.resolve(past);
    const label = opts.label ?? `a CALL matching ${String(predicate).replace(/\s+/g, ' ').slice(0, 120)}`;
    return this.bounded('callWaiters', predicate, label, opts.timeoutMs ?? DEFAULT_WAIT_MS);
  }

  private bounded<T>(key: 'callWaiters' | 'connWaiters', match: (v: T) => boolean, label: string, timeoutMs: number): Promise<T> {
    const list = () => this[key] as unknown as Array<Waiter<T>>;
    return new Promise<T>((resolve, reject) => {
      const w: Waiter<T> = {
        match,
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      // The lists are replaced (filtered) as waiters resolve, so look the list up when the time is up.
      const timer = setTimeout(() => {
        (this as any)[key] = list().filter((x) => x !== w);
        reject(new Error(`CloudSim: timed out after ${timeoutMs} ms waiting for ${label}`));
      }, timeoutMs);
      list().push(w);
    });
  }

  /** Sends a command to the site; resolves with its CALLRESULT, rejects with CloudCallError (.code). */
  call(identity: string, action: string, payload: object, timeoutMs = this.opts.callTimeoutMs ?? 30_000): Promise<any> {
    const bad = this.ledger.checkCommand(action, payload);
    if (bad) return Promise.reject(new Error(`CloudSim: refusing to send an invalid ${action}: ${bad}`));
    return this.callUnchecked(identity, action, payload, timeoutMs);
  }

  /** call() without checking the command first: for tests of how the site answers a malformed command. */
  callUnchecked(identity: string, action: string, payload: object, timeoutMs = this.opts.callTimeoutMs ?? 30_000): Promise<any> {
    const conn = this.conns.get(identity);
    if (!conn?.open) return Promise.reject(new CloudCallError(action, 'NotConnected', `${identity} is not connected`));
    const cmd: SentCommand = { at: Date.now(), identity, connection: conn.number, messageId: '', action, payload };
    this.commands.push(cmd);
    return conn.call(cmd, timeoutMs).then((result) => {
      const problem = this.ledger.checkResult(action, result);
      if (problem) this.recordAnomaly(identity, `${action} answer ${cmd.messageId}: ${problem}`);
      // Pending boot: what the cloud triggered may be sent before the boot is Accepted.
      if (action === 'TriggerMessage' && result?.status === 'Accepted') conn.triggered.add((payload as any).requestedMessage);
      return result;
    });
  }

  private get basePath(): string {
    return (this.opts.path ?? '/ocpp').replace(/\/+$/, '');
  }

  private async listen(port: number): Promise<void> {
    const { server, port: bound } = await listen({
      port,
      host: this.opts.host ?? '127.0.0.1',
      tls: this.opts.tls,
      onSocket: (s) => {
        // 'reset' outage: the port stays ours, every connection is cut at once.
        if (this.down) return void s.destroy();
        this.sockets.add(s);
        s.once('close', () => this.sockets.delete(s));
      },
      onUpgrade: (req, socket, head) => {
        socket.on('error', () => socket.destroy()); // a site hanging up mid-upgrade is not our problem
        const verdict = judgeUpgrade(req, this.basePath, this.opts.identities, this.upgradeStatus);
        if ('status' in verdict) return refuseUpgrade(socket, verdict.status, verdict.headers);
        this.wss!.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, verdict.identity));
      },
    });
    this.server = server;
    this._port = bound;
  }

  private onConnection(ws: WebSocket, identity: string): void {
    if (!ws.protocol) {
      // What a strict CSMS does when no subprotocol is in common: close right after the handshake.
      this.recordAnomaly(identity, 'connected without a common OCPP subprotocol');
      return ws.close(1002, 'no supported subprotocol');
    }
    const conn = new CloudConnection(ws, identity, ++this._connections, this);
    // A site that reconnects before we noticed its old socket died replaces it.
    this.conns.get(identity)?.ws.terminate();
    this.conns.set(identity, conn);
    ws.on('error', () => {}); // 'close' follows; a reset socket is an ordinary outage here
    ws.once('close', (code) => {
      conn.closed(`connection closed (${code})`);
      if (this.conns.get(identity) === conn) this.conns.delete(identity);
      this.emit('disconnect', identity, code, conn.number);
    });
    this.emit('connect', identity, conn.number);
    this.connWaiters = this.connWaiters.filter((w) => !(w.match(identity) && (w.resolve(identity), true)));
  }

  /** ConnectionOwner: record, apply knobs, then let the ledger answer. */
  onCall(conn: CloudConnection, call: ReceivedCall): Outcome | undefined {
    this.received.push(call);
    let drop: Rule | undefined;
    let outcome: Outcome | undefined;
    try {
      drop = this.dropRules.find((r) => r.predicate(call));
      if (drop) {
        if (--drop.times! <= 0) this.dropRules.splice(this.dropRules.indexOf(drop), 1);
        if (drop.process) this.ledger.answer(conn, call);
        call.dropped = true;
      } else {
        const fail = this.failRules.find((r) => r.predicate(call));
        outcome = fail ? { error: fail.error! } : this.ledger.answer(conn, call);
      }
    } catch (err) {
      // A throwing test predicate (or a simulator bug) must not take the server down.
      this.recordAnomaly(call.identity, `simulator error on ${call.action} ${call.messageId}: ${String(err)}`);
      drop = undefined;
      call.dropped = undefined;
      outcome = { error: { code: 'InternalError', description: 'cloud simulator error' } };
    }
    if (outcome && 'result' in outcome) call.result = outcome.result;
    else if (outcome) call.error = outcome.error;
    this.emit('call', call);
    this.callWaiters = this.callWaiters.filter((w) => !(w.match(call) && (w.resolve(call), true)));
    if (drop) conn.ws.terminate();
    return outcome;
  }

  /** ConnectionOwner: framing problems found by a connection. */
  anomaly(conn: CloudConnection, text: string): void {
    this.recordAnomaly(conn.identity, text);
  }

  protected recordAnomaly(identity: string, text: string): void {
    const line = `${identity}: ${text}`;
    this.anomalies.push(line);
    this.emit('anomaly', line);
  }
}
