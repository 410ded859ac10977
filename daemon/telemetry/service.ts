// Telemetry: the site's state on the operator's MQTT broker, per the topic table
// of DESIGN.md. It listens to the other services and never talks back to them:
// listeners only mark topics dirty (cheap, never throwing), and the bounded
// publisher (mqtt-client.ts) sends when the broker lets it. So a broker that is
// down, slow or refusing costs charging nothing.
//
// Sources plug in through small interfaces (sources.ts), so the balancer, the
// upstream link and the meter publish as soon as main.ts has them to attach.
import { EventEmitter } from 'node:events';
import type { MqttConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { ChargerRegistry, RefusedEvent } from '../local/registry.js';
import type { Block } from '../local/admission.js';
import type { ChargerSession } from '../local/session.js';
import { errorMessage } from '../health/exec.js';
import { CLEAR_RETAINED, MqttPublisher, type PublisherStats } from './mqtt-client.js';
import { discoveryConfigs, staleTopics, type DiscoveryInput } from './homeassistant.js';
import { chargerPayload, eventPayload, meterPayload, statePayload, statusPayload, type ChargerLike } from './payloads.js';
import { Throttle } from './throttle.js';
import { OFFLINE_WILL, RETAINED, topics, type Topics } from './topics.js';
import type { HealthSource, MeterSource, SourceName, StateSource } from './sources.js';

export type { HealthSource, MeterSource, SourceName, StateSource } from './sources.js';

type Listener = (...args: any[]) => void;

export interface TelemetryDeps {
  siteId: string;
  registry: ChargerRegistry;
  /** Configured charger ids: published (as not connected) before they first connect. */
  chargerIds: string[];
  log: Logger;
  now?: () => number;
  /** Tests and the bench shorten the reconnect backoff. */
  reconnectMinMs?: number;
  /**
   * Home Assistant discovery (mqtt.homeAssistant): what to announce, the config topics
   * the previous run announced (cleared when no longer announced), and where to keep
   * this run's list once the broker took it.
   */
  homeAssistant?: { input: DiscoveryInput; previous: string[] | undefined; save(topics: string[]): void };
}

export type TelemetryConfig = MqttConfig & { topicPrefix: string };

/** Events: 'connect' / 'disconnect' on each broker transition (for status and tests). */
export class TelemetryService extends EventEmitter<{ connect: []; disconnect: [] }> {
  readonly topics: Topics;
  private readonly publisher: MqttPublisher;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly live: Throttle;
  private readonly statusThrottle: Throttle;
  /** The current session of each charger, or what is left of its last one, so a disconnected charger keeps its last state. */
  private readonly sessions = new Map<string, ChargerLike>();
  private readonly chargerBuilders = new Map<string, () => unknown>();
  /** Active connector faults by "charger#connector", so a fault reported again is not a new alarm. */
  private readonly faults = new Map<string, string>();
  private readonly unsubscribe: Array<() => void> = [];
  private connectedAt: number | undefined;
  private started = false;

  constructor(config: TelemetryConfig, private readonly deps: TelemetryDeps) {
    super();
    this.now = deps.now ?? Date.now;
    this.log = deps.log.child('telemetry');
    this.topics = topics(config.topicPrefix);
    this.live = new Throttle(config.meterIntervalS * 1000, this.now);
    this.statusThrottle = new Throttle(1000, this.now);
    this.publisher = new MqttPublisher({
      url: config.url,
      username: config.username,
      password: config.password,
      ca: config.ca,
      cert: config.cert,
      key: config.key,
      clientId: config.clientId ?? `site-controller-${deps.siteId}`,
      keepaliveS: config.keepaliveS,
      statusTopic: this.topics.status,
      willPayload: OFFLINE_WILL,
      maxQueuedEvents: config.maxQueuedEvents,
      reconnectMinMs: deps.reconnectMinMs,
      reconnectMaxMs: config.reconnectMaxS * 1000,
      log: this.log,
    });
    this.publisher.on('connect', () => {
      this.connectedAt = this.now();
      this.emit('connect');
    });
    this.publisher.on('disconnect', () => this.emit('disconnect'));
    this.publisher.on('dropped', () => this.statusThrottle.hit('status', () => this.markStatus()));
  }

  get connected(): boolean {
    return this.publisher.connected;
  }

  stats(): PublisherStats {
    return this.publisher.stats();
  }

  /** Reads a topic from the broker (balancer.externalLimit). */
  subscribe(topic: string, onMessage: (payload: Buffer) => void): void {
    this.publisher.subscribe(topic, onMessage);
  }

  /** Connects in the background and starts following the chargers. Never waits for the broker. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.markStatus();
    this.announceDiscovery();
    const reg = this.deps.registry;
    for (const id of this.deps.chargerIds) this.markCharger(id);
    for (const s of reg.all()) this.seen(s);
    this.listen(reg, 'connected', (s: ChargerSession) => {
      this.seen(s);
      this.event('local', { type: 'info', code: 'charger-connected', charger: s.id, message: `charger ${s.id} connected` });
    });
    this.listen(reg, 'disconnected', (id: string, code: number, reason: string) => {
      this.live.forget(id);
      // Keep the figures, not the closed socket behind them.
      const s = this.sessions.get(id);
      if (s) this.sessions.set(id, { connectors: s.connectors, connectedAt: s.connectedAt, lastSeenAt: s.lastSeenAt, boot: s.boot, protocol: s.protocol });
      this.markCharger(id);
      this.event('local', { type: 'info', code: 'charger-disconnected', charger: id, closeCode: code, message: `charger ${id} disconnected (${code}${reason ? ` ${reason}` : ''})` });
    });
    // Refusals are emitted once per change by the registry, so a charger retrying every few seconds is one event.
    this.listen(reg, 'refused', (e: RefusedEvent) => {
      // Only configured chargers have a retained topic: unknown identities are chosen by whoever connects.
      if (e.configured) this.markCharger(e.chargerId);
      this.event('local', { type: 'alarm', code: 'charger-refused', charger: e.chargerId, reason: e.reason, remote: e.remote, configured: e.configured, message: `charger ${e.chargerId} refused: ${e.message} (from ${e.remote})` });
    });
    this.listen(reg, 'blocked', (b: Block) => {
      this.event('local', { type: 'alarm', code: 'charger-login-blocked', address: b.address, until: new Date(b.until).toISOString(), message: `${b.failures} failed charger logins from ${b.address}: refused until ${new Date(b.until).toISOString()}` });
    });
    for (const name of ['booted', 'configured', 'transactionStarted', 'transactionStopped'] as const) {
      this.listen(reg, name, (s: ChargerSession) => this.seen(s));
    }
    this.listen(reg, 'status', (s: ChargerSession, connectorId: number) => {
      this.seen(s);
      const c = s.connectors.get(connectorId);
      if (c) this.faultChange(s.id, connectorId, c.errorCode, c.status);
    });
    // Live figures arrive with every MeterValues; publishing each would scale with the sampling interval.
    this.listen(reg, 'meterValues', (s: ChargerSession) => {
      this.sessions.set(s.id, s);
      this.live.hit(s.id, () => this.markCharger(s.id));
    });
    try {
      this.publisher.start();
    } catch (err) {
      // e.g. a CA file that vanished since the config was checked: no telemetry, but the site runs.
      this.log.error('MQTT telemetry could not start', { err: errorMessage(err) });
    }
  }

  /** Publishes the health service's results (retained, per check) and its alarm events. */
  attachHealth(health: HealthSource): void {
    for (const [name, result] of Object.entries(health.results())) this.publisher.setRetained(this.topics.health(name), () => result);
    this.listen(health, 'result', (name: string, result: unknown) => this.publisher.setRetained(this.topics.health(name), () => result));
    this.listen(health, 'event', (e: unknown) => this.event('health', e));
  }

  /**
   * Publishes a service's state() on its topic — retained for the balancer and the
   * upstream link, a rate-limited live stream for the meter — and its events on `events`.
   */
  attach(name: SourceName, source: StateSource): void {
    const topic = this.topics[name];
    const build = () => statePayload(source.state(), this.now());
    const publish = RETAINED[name] ? () => this.publisher.setRetained(topic, build) : () => this.publisher.setLive(topic, build());
    // The upstream link changes rarely and each change matters; meter and balancer change every sample.
    const rate = name === 'upstream' ? (f: () => void) => f() : (f: () => void) => this.live.hit(`source:${name}`, f);
    this.listen(source, 'state', () => rate(publish));
    this.listen(source, 'event', (e: unknown) => this.event(name, e));
    if (RETAINED[name]) publish();
  }

  /**
   * The grid meter on `meter`: a live stream (not retained), rate-limited to
   * meterIntervalS, sent at once when it turns stale or its reads fail for a new reason.
   * Its alarms come from the balancer (meter-lost / meter-error / meter-restored), so
   * none are raised here.
   */
  attachMeter(meter: MeterSource): void {
    const publish = () => this.publisher.setLive(this.topics.meter, meterPayload(meter.last, meter.stale, this.now(), meter.lastError ?? null));
    this.listen(meter, 'sample', () => this.live.hit('source:meter', publish));
    this.listen(meter, 'stale', publish);
    this.listen(meter, 'errorChanged', publish);
  }

  /** An event on `events` (not retained; bounded queue while the broker is away). */
  event(source: string, e: unknown): void {
    this.publisher.pushEvent(this.topics.events, eventPayload(source, e, this.now()));
  }

  /** Publishes a retained `offline` (with reason) and disconnects; releases every listener and timer. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    for (const off of this.unsubscribe.splice(0)) off();
    this.live.clear();
    this.statusThrottle.clear();
    const p = this.publisher;
    const offline = statusPayload('offline', this.now(), { droppedEvents: p.droppedEvents, connects: p.counters.connects, reason: 'stopped' });
    await this.publisher.stop(JSON.stringify(offline));
  }

  /** Retained discovery configs for Home Assistant, and empty ones for what the previous run announced and this one does not. */
  private announceDiscovery(): void {
    const ha = this.deps.homeAssistant;
    if (!ha) return;
    const configs = discoveryConfigs(ha.input);
    for (const topic of staleTopics(ha.previous, configs)) this.publisher.setRetained(topic, () => CLEAR_RETAINED);
    for (const m of configs) this.publisher.setRetained(m.topic, () => m.payload);
    // Kept once a broker took this connection's messages (the clears go out first, in the same flush).
    const save = () => {
      this.publisher.off('connect', save);
      try {
        ha.save(configs.map((m) => m.topic));
      } catch (err) {
        this.log.warn('could not keep the Home Assistant discovery topics', { err: errorMessage(err) });
      }
    };
    this.publisher.on('connect', save);
    this.unsubscribe.push(() => this.publisher.off('connect', save));
  }

  /** A connector fault is an alarm when it appears or changes, and cleared when the connector reports NoError again. */
  private faultChange(id: string, connectorId: number, errorCode: string, status: string): void {
    const key = `${id}#${connectorId}`;
    const before = this.faults.get(key);
    const where = { charger: id, connector: connectorId };
    if (errorCode !== 'NoError' && errorCode !== before) {
      this.faults.set(key, errorCode);
      this.event('local', { type: 'alarm', code: 'connector-fault', ...where, errorCode, message: `charger ${id} connector ${connectorId}: ${errorCode} (${status})` });
    } else if (errorCode === 'NoError' && before !== undefined) {
      this.faults.delete(key);
      this.event('local', { type: 'cleared', code: 'connector-fault', ...where, errorCode, message: `charger ${id} connector ${connectorId}: fault ${before} cleared (${status})` });
    }
  }

  private markStatus(): void {
    this.publisher.setRetained(this.topics.status, () => {
      const p = this.publisher;
      return statusPayload('online', this.now(), { since: this.connectedAt, droppedEvents: p.droppedEvents, connects: p.counters.connects });
    });
  }

  private seen(s: ChargerSession): void {
    this.sessions.set(s.id, s);
    this.markCharger(s.id);
  }

  private markCharger(id: string): void {
    let build = this.chargerBuilders.get(id);
    if (!build) {
      build = () => {
        const current = this.deps.registry.get(id);
        return chargerPayload(id, current ?? this.sessions.get(id), current !== undefined, this.now(), this.deps.registry.lastRefusal(id));
      };
      this.chargerBuilders.set(id, build);
    }
    this.publisher.setRetained(this.topics.charger(id), build);
  }

  /**
   * Subscribes with a guard: the registry emits inside OCPP handlers, so an
   * exception here would turn into a CALLERROR to a charger. Telemetry logs instead.
   */
  private listen(emitter: { on(e: any, l: Listener): unknown; off(e: any, l: Listener): unknown }, event: string, fn: Listener): void {
    const guarded: Listener = (...args) => {
      try {
        fn(...args);
      } catch (err) {
        this.log.warn('telemetry listener failed', { event, err: errorMessage(err) });
      }
    };
    emitter.on(event, guarded);
    this.unsubscribe.push(() => emitter.off(event, guarded));
  }
}
