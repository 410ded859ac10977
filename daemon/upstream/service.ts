// The one charge point the cloud sees. Keeps a single OCPP 1.6J link up (backoff
// with jitter, diagnostics per attempt), boots, heartbeats, reports every cloud
// connector's status, and drains the outbox in order, one CALL at a time.
import { EventEmitter } from 'node:events';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { UpstreamConfig } from '../config/types.js';
import type { ChargerRegistry } from '../local/registry.js';
import type { IdTagInfo } from '../ocpp/v16/types.js';
import { RpcConnection } from '../ocpp/rpc.js';
import { getProtocol } from '../ocpp/protocols.js';
import { openLink, backoffDelayMs, LinkError, type LinkTimings } from './link.js';
import { OutboxRepository } from './outbox.js';
import { ConnectorMap } from './connector-map.js';
import { AttemptLog, type AttemptRecord } from './attempts.js';
import { OutboxPump } from './pump.js';
import { SiteStatus } from './site-status.js';
import type { CloudDialect } from './dialect.js';
import { createDialect16 } from './v16/dialect.js';
import { createDialect201 } from './v201/dialect.js';
import { Tx201Repository } from './v201/tx-state.js';

export interface UpstreamDeps {
  config: UpstreamConfig;
  chargerOrder: Array<{ id: string; connectors: number }>;
  store: Store;
  registry: ChargerRegistry;
  log: Logger;
  now: () => number;
  firmwareVersion: string;
  /** Registers the cloud's commands on a new connection (routing lives elsewhere). */
  onConnection?: (rpc: RpcConnection) => void;
  random?: () => number;
}

export type LinkState = 'stopped' | 'connecting' | 'booting' | 'pending' | 'online' | 'waiting';

export interface UpstreamState {
  state: LinkState;
  /** The OCPP version the site speaks to the cloud. */
  protocol: 'ocpp1.6' | 'ocpp2.0.1';
  connected: boolean;
  since: number | null;
  roundTripMs: number | null;
  outboxDepth: number;
  oldestQueuedAgeS: number | null;
  undeliverable: number;
  reconnects: number;
  lastError: string | null;
  heartbeatIntervalS: number;
  /** How long the transaction message in flight has waited for the cloud's answer, once it is late (past callTimeoutS); else null. */
  awaitingAnswerS: number | null;
  /** The newest connect attempts, newest first: per-phase timings, or the phase and error of a failure. */
  attempts: AttemptRecord[];
}

export class UpstreamService extends EventEmitter {
  readonly outbox: OutboxRepository;
  readonly connectors: ConnectorMap;
  readonly attempts: AttemptLog;
  private rpc: RpcConnection | null = null;
  private linkState: LinkState = 'stopped';
  private since: number | null = null;
  private roundTripMs: number | null = null;
  private reconnects = 0;
  private failures = 0;
  private lastError: string | null = null;
  private heartbeatIntervalS = 300;
  private timer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  readonly pump: OutboxPump;
  readonly status: SiteStatus;
  readonly dialect: CloudDialect;
  readonly tx201: Tx201Repository;
  /** RequestStartTransactions (2.0.1 cloud) bound to the local transaction they produced, until its Started is numbered. */
  readonly remoteStarts = new Map<number, { remoteStartId: number; idToken?: { idToken: string; type: string } }>();
  private readonly log: Logger;
  private readonly companions: Array<{ start(): void; stop(): void }> = [];
  /** Why the next BootNotification happens (a 2.0.1 cloud is told). */
  private bootReason: 'PowerUp' | 'RemoteReset' | 'Triggered' = 'PowerUp';

  constructor(private readonly deps: UpstreamDeps) {
    super();
    this.log = deps.log.child('upstream');
    const db = deps.store.db;
    this.outbox = new OutboxRepository(db, deps.now);
    this.connectors = new ConnectorMap(db, deps.now);
    this.attempts = new AttemptLog(db);
    this.tx201 = new Tx201Repository(db);
    // Same SQLite transaction as the journal row: stored means queued. Offline = stored while the link is not up.
    deps.store.transactions.onJournal((entry) => this.outbox.enqueue(entry, this.linkState !== 'online'));
    try {
      this.connectors.ensure(deps.chargerOrder.flatMap((c) => Array.from({ length: c.connectors }, (_, i) => ({ chargerId: c.id, connectorId: i + 1 }))));
    } catch (err) {
      // A full or read-only disk must not stop the daemon from starting: numbers are assigned when first needed.
      this.log.error('could not record the cloud connector numbers; will assign them when needed', { err: (err as Error).message });
    }
    const cloudConnector = (chargerId: string, connectorId: number) =>
      this.connectors.numberOf(chargerId, connectorId) ?? this.connectors.ensure([{ chargerId, connectorId }])[0].number;
    const common = { config: deps.config, outbox: this.outbox, tx201: this.tx201, cloudConnector, firmwareVersion: deps.firmwareVersion };
    this.dialect = deps.config.protocol === 'ocpp2.0.1'
      ? createDialect201({ ...common, createdAt: (id) => deps.store.transactions.get(id)?.created_at, remoteStarts: this.remoteStarts })
      : createDialect16(common);
    this.status = new SiteStatus({
      registry: deps.registry, connectors: this.connectors, log: this.log,
      send: (k, status, errorCode, info) => {
        const m = this.dialect.statusNotification(k, status, errorCode, info, new Date(deps.now()).toISOString());
        if (m) this.send(m.action, m.payload);
      },
    });
    this.pump = new OutboxPump({
      outbox: this.outbox, dialect: this.dialect, registry: deps.registry, log: this.log, config: deps.config,
      store: deps.store, now: deps.now,
      call: (action, payload, timeoutMs) => this.call(action, payload, timeoutMs, true),
      releaseLine: () => this.rpc?.releaseLine(),
      isOnline: () => this.linkState === 'online',
      onEvent: (type, detail) => this.emit('event', { type, ...detail }),
      changed: () => this.changed(),
      reconnect: (reason) => {
        const rpc = this.rpc;
        if (rpc) void rpc.close(1000, reason);
      },
    });
  }

  get online(): boolean {
    return this.linkState === 'online';
  }

  state(): UpstreamState {
    const { depth, oldestQueuedAt, undeliverable } = this.outbox.stats();
    return {
      state: this.linkState, protocol: this.dialect.protocol, connected: this.online, since: this.since, roundTripMs: this.roundTripMs,
      outboxDepth: depth, oldestQueuedAgeS: oldestQueuedAt === null ? null : Math.round((this.deps.now() - oldestQueuedAt) / 1000),
      undeliverable, reconnects: this.reconnects, lastError: this.lastError,
      heartbeatIntervalS: this.heartbeatIntervalS,
      awaitingAnswerS: this.pump.lateSince === null ? null : Math.round((this.deps.now() - this.pump.lateSince) / 1000),
      attempts: this.attempts.last(3),
    };
  }

  get heartbeatS(): number {
    return this.heartbeatIntervalS;
  }

  /** ChangeConfiguration HeartbeatInterval from the cloud: applies now and to the next boot's default. */
  setHeartbeatIntervalS(s: number): void {
    this.heartbeatIntervalS = s;
    if (this.heartbeat && this.rpc) {
      clearInterval(this.heartbeat);
      this.startHeartbeat(this.rpc);
    }
  }

  diagnostics(limit = 10): AttemptRecord[] {
    return this.attempts.last(limit);
  }

  /** A helper that runs while the link service runs (timers released in stop()). */
  attach(companion: { start(): void; stop(): void }): void {
    this.companions.push(companion);
  }

  start(): void {
    for (const c of this.companions) c.start();
    this.deps.registry.on('transactionStarted', this.kick);
    this.deps.registry.on('transactionStopped', this.kick);
    this.deps.registry.on('meterValues', this.kick);
    this.status.start();
    this.setState('connecting');
    void this.connect();
  }

  async stop(): Promise<void> {
    for (const c of this.companions) c.stop();
    this.deps.registry.off('transactionStarted', this.kick);
    this.deps.registry.off('transactionStopped', this.kick);
    this.deps.registry.off('meterValues', this.kick);
    this.status.stop();
    this.pump.stop();
    this.clearTimers();
    this.setState('stopped');
    const rpc = this.rpc;
    this.rpc = null;
    if (rpc) await rpc.close(1000, 'site controller stopping');
  }

  /** Soft reset from the cloud: drop the session and boot again. */
  async restartSession(): Promise<void> {
    this.bootReason = 'RemoteReset';
    const rpc = this.rpc;
    if (rpc) await rpc.close(1000, 'soft reset');
  }

  /** Sends a CALL to the cloud if online; rejects otherwise (callers decide what offline means). */
  call<T = any>(action: string, payload: unknown, timeoutMs?: number, holdLine?: boolean): Promise<T> {
    if (!this.rpc || !this.rpc.isOpen) return Promise.reject(new Error('cloud link is down'));
    return this.rpc.call<T>(action, payload, { timeoutMs, holdLine });
  }

  /** Best-effort CALL for state messages that are not queued (status, heartbeat). */
  private send(action: string, payload: unknown): void {
    if (this.linkState !== 'online') return;
    this.call(action, payload).catch((err) => this.log.debug('state message not delivered', { action, err: (err as Error).message }));
  }

  /** timeoutMs bounds the whole wait, time queued behind other calls included: a charger is waiting. */
  async authorizeOnline(idTag: string, timeoutMs: number, token?: { idToken: string; type: string }): Promise<IdTagInfo> {
    if (!this.rpc || !this.rpc.isOpen) throw new Error('cloud link is down');
    const r = await this.rpc.call('Authorize', this.dialect.authorizeRequest(idTag, token), { timeoutMs, countFromQueue: true });
    return this.dialect.authorizeAnswer(r);
  }

  private readonly kick = () => this.pump.kick();

  /** A method, not a field compare: state changes while we await, which narrowing cannot see. */
  private stopped(): boolean {
    return this.linkState === 'stopped';
  }

  private setState(s: LinkState): void {
    if (this.linkState === s) return;
    this.linkState = s;
    this.changed();
  }

  private changed(): void {
    this.emit('state', this.state());
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.timer = this.heartbeat = null;
  }

  private async connect(): Promise<void> {
    if (this.linkState === 'stopped') return;
    const cfg = this.deps.config;
    const startedAt = this.deps.now();
    let timings: LinkTimings = {};
    try {
      const link = await openLink({
        url: cfg.url, identity: cfg.identity, password: cfg.password, ca: cfg.ca, cert: cfg.cert, key: cfg.key, ciphers: cfg.ciphers,
        protocol: cfg.protocol, handshakeTimeoutMs: cfg.handshakeTimeoutS * 1000, maxPayload: 16 * 1024 * 1024,
      });
      timings = link.timings;
      if (this.stopped()) return void link.ws.close();
      const rpc = new RpcConnection(link.ws, {
        protocol: getProtocol(cfg.protocol)!, log: this.log, peer: 'cloud', callTimeoutMs: cfg.callTimeoutS * 1000, pingIntervalMs: cfg.pingIntervalS * 1000,
      });
      this.rpc = rpc;
      this.deps.onConnection?.(rpc);
      rpc.once('close', (code: number, reason: string) => this.onClose(rpc, code, reason));
      this.setState('booting');
      const t0 = performance.now();
      const boot = await this.boot(rpc);
      timings.bootMs = Math.round((performance.now() - t0) * 10) / 10;
      if (this.stopped()) return;
      this.roundTripMs = timings.bootMs;
      this.recordAttempt({ startedAt, outcome: boot === 'Rejected' ? 'failed' : 'connected', phase: boot === 'Rejected' ? 'boot' : 'connected', error: boot === 'Rejected' ? 'BootNotification Rejected' : null, ...timings, remoteAddress: link.remoteAddress });
      if (boot === 'Rejected') {
        this.lastError = 'BootNotification Rejected';
        this.emit('event', { type: 'upstream-boot-rejected' });
        await rpc.close(1000, 'boot rejected');
        return;
      }
    } catch (err) {
      if (this.stopped()) return;
      const e = err instanceof LinkError ? err : new LinkError('boot', (err as Error).message, timings);
      this.lastError = `${e.phase}: ${e.message}`;
      this.recordAttempt({ startedAt, outcome: 'failed', phase: e.phase, error: e.message, ...e.timings, remoteAddress: null });
      // Log the first failure of a streak at warn, the retries at debug: no log flood during an outage.
      if (this.failures === 0) this.log.warn('cloud link attempt failed', { phase: e.phase, err: e.message });
      else this.log.debug('cloud link attempt failed', { phase: e.phase, err: e.message });
      const rpc = this.rpc;
      // With a socket open, its close handler schedules the reconnect.
      if (rpc && rpc.isOpen) await rpc.close(1000, 'boot failed');
      else if (!rpc) this.scheduleReconnect();
    }
  }

  /**
   * Diagnostics are best-effort: a full or read-only disk must not turn a connect attempt
   * into an exception (it used to crash the daemon on every reconnect). In memory they stay.
   */
  private recordAttempt(a: AttemptRecord): void {
    try {
      this.attempts.record(a);
    } catch (err) {
      this.log.warn('could not store the connection attempt (diagnostics only)', { err: (err as Error).message });
    }
  }

  /** BootNotification until Accepted (Pending: again after the interval) or Rejected. */
  private async boot(rpc: RpcConnection): Promise<'Accepted' | 'Rejected'> {
    for (;;) {
      const res = this.dialect.bootAnswer(await rpc.call('BootNotification', this.dialect.bootNotification(this.bootReason)));
      const interval = res.intervalS;
      if (res.status === 'Accepted') {
        this.bootReason = 'PowerUp';
        this.heartbeatIntervalS = interval;
        this.online_(rpc);
        return 'Accepted';
      }
      if (res.status === 'Rejected') return 'Rejected';
      this.setState('pending');
      await new Promise<void>((resolve) => {
        this.timer = setTimeout(resolve, interval * 1000);
        rpc.once('close', () => resolve());
      });
      if (!rpc.isOpen) throw new LinkError('boot', 'closed while boot was pending', {});
    }
  }

  private online_(rpc: RpcConnection): void {
    this.failures = 0;
    this.since = this.deps.now();
    this.lastError = null;
    this.setState('online');
    this.log.info('cloud link up', { identity: this.deps.config.identity, heartbeatS: this.heartbeatIntervalS });
    this.emit('event', { type: 'upstream-up' });
    this.startHeartbeat(rpc);
    this.status.sendAll();
    this.pump.kick();
  }

  private startHeartbeat(rpc: RpcConnection): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => void this.sendHeartbeat(rpc), this.heartbeatIntervalS * 1000);
    this.heartbeat.unref();
  }

  /** A Heartbeat that also measures the link's round trip. */
  async sendHeartbeat(rpc: RpcConnection | null = this.rpc): Promise<void> {
    if (!rpc) return;
    const t0 = performance.now();
    try {
      await rpc.call('Heartbeat', {});
      this.roundTripMs = Math.round((performance.now() - t0) * 10) / 10;
    } catch {
      // A missed heartbeat shows as a dropped link through ping/pong; nothing to do here.
    }
  }

  /** TriggerMessage BootNotification: boot again on the open link. */
  async reboot(): Promise<void> {
    this.bootReason = 'Triggered';
    if (this.rpc && this.online) await this.boot(this.rpc).catch(() => {});
  }

  private onClose(rpc: RpcConnection, code: number, reason: string): void {
    if (this.rpc !== rpc) return;
    this.rpc = null;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    if (this.linkState === 'stopped') return;
    const wasOnline = this.linkState === 'online';
    this.since = null;
    this.lastError = `closed: ${code}${reason ? ` ${reason}` : ''}`;
    if (wasOnline) {
      this.log.warn('cloud link down', { code, reason: reason || undefined });
      this.emit('event', { type: 'upstream-down', code, reason });
    }
    this.reconnects++;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.linkState === 'stopped' || this.linkState === 'waiting') return;
    this.setState('waiting');
    const { minS, maxS } = this.deps.config.reconnect;
    const delay = backoffDelayMs(this.failures++, minS * 1000, maxS * 1000, this.deps.random);
    this.timer = setTimeout(() => {
      this.setState('connecting');
      void this.connect();
    }, delay);
  }
}
