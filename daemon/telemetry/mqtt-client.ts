// A best-effort MQTT publisher on mqtt.js. The daemon hands it state and events
// at any rate; it never blocks. What waits is held by the Outbox (bounded), and
// at most `maxInFlight` publishes are handed to mqtt.js at a time. It only calls
// mqtt.js publish() while connected, so mqtt.js's own offline queue (unbounded)
// stays empty. After every (re)connect it publishes `online` first and then every
// retained topic again, so a broker that lost its retained store (or a
// subscriber that missed changes) gets the whole picture back.
import { readFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../log.js';
import { errorMessage } from '../health/exec.js';
import { Outbox } from './outbox.js';

export interface PublisherOptions {
  url: string;
  username?: string;
  password?: string;
  /** PEM file paths (mqtts:// with a private CA, client-certificate auth). */
  ca?: string;
  cert?: string;
  key?: string;
  clientId: string;
  keepaliveS: number;
  /** Retained topic carrying online/offline; the Last Will goes there. */
  statusTopic: string;
  willPayload: string;
  maxQueuedEvents: number;
  maxInFlight?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  connectTimeoutMs?: number;
  log: Logger;
}

export interface PublisherStats {
  connected: boolean;
  connects: number;
  published: number;
  inFlight: number;
  queuedEvents: number;
  droppedEvents: number;
  pendingTopics: number;
  retainedTopics: number;
}


/** A retained payload that publishes an empty message: the broker forgets the topic's retained copy. */
export const CLEAR_RETAINED: unique symbol = Symbol('clear retained');

/** Strips credentials from a URL before it reaches a log line. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}

export class MqttPublisher extends EventEmitter<{ connect: []; disconnect: []; dropped: [total: number] }> {
  private client: MqttClient | undefined;
  private readonly outbox: Outbox;
  private inFlight = 0;
  /** Bumped on every disconnect, so callbacks of an earlier connection do not touch the counters. */
  private generation = 0;
  private flushScheduled = false;
  private up = false;
  private outageLogged = false;
  private stopping = false;
  private backoffMs: number;
  private readonly maxInFlight: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  readonly counters = { connects: 0, published: 0 };
  /** Topics read from the broker (e.g. balancer.externalLimit), re-subscribed on every connect (clean sessions). */
  private readonly subs = new Map<string, (payload: Buffer) => void>();

  constructor(private readonly opts: PublisherOptions) {
    super();
    this.outbox = new Outbox(opts.statusTopic, opts.maxQueuedEvents, opts.log);
    this.maxInFlight = opts.maxInFlight ?? 64;
    this.minBackoffMs = opts.reconnectMinMs ?? 1000;
    this.maxBackoffMs = Math.max(this.minBackoffMs, opts.reconnectMaxMs ?? 60_000);
    this.backoffMs = this.minBackoffMs;
  }

  get connected(): boolean {
    return this.up;
  }

  /** Connects in the background; returns at once whatever the broker does. */
  start(): void {
    if (this.client) return;
    const o = this.opts;
    const read = (file?: string) => (file ? readFileSync(file) : undefined);
    const options: IClientOptions = {
      clientId: o.clientId,
      username: o.username,
      password: o.password,
      ca: read(o.ca),
      cert: read(o.cert),
      key: read(o.key),
      keepalive: o.keepaliveS,
      clean: true,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
      reconnectPeriod: this.minBackoffMs,
      // A refused CONNECT (bad credentials, broker-side ACL) is retried like any
      // outage: the operator may fix the broker without touching the gateway.
      reconnectOnConnackError: true,
      queueQoSZero: false,
      will: { topic: o.statusTopic, payload: Buffer.from(o.willPayload), qos: 1, retain: true },
    };
    const client = mqtt.connect(o.url, options);
    this.client = client;
    client.on('connect', () => this.onConnect());
    client.on('message', (topic, payload) => {
      const fn = this.subs.get(topic);
      // A handler's bug must not take the MQTT client (and telemetry) down.
      if (fn) {
        try {
          fn(payload);
        } catch (err) {
          this.opts.log.error('MQTT message handler failed', { topic, err: (err as Error).message });
        }
      }
    });
    client.on('close', () => this.onClose());
    client.on('error', (err) => this.onError(err));
    // mqtt.js arms its timer with options.reconnectPeriod after each failed attempt;
    // raising it here, when an attempt starts, gives exponential backoff with jitter.
    client.on('reconnect', () => {
      this.backoffMs = Math.min(this.maxBackoffMs, this.backoffMs * 2);
      client.options.reconnectPeriod = Math.round(this.backoffMs * (0.8 + Math.random() * 0.4));
    });
  }

  /** Reads a topic (exact name, no wildcards); works across reconnects. */
  subscribe(topic: string, onMessage: (payload: Buffer) => void): void {
    this.subs.set(topic, onMessage);
    if (this.up) this.subscribeNow(topic);
  }

  private subscribeNow(topic: string): void {
    this.client?.subscribe(topic, { qos: 1 }, (err) => {
      if (err) this.opts.log.warn('MQTT subscribe failed', { topic, err: err.message });
      else this.opts.log.debug('MQTT subscribed', { topic });
    });
  }

  get droppedEvents(): number {
    return this.outbox.dropped;
  }

  /** Declares (or updates) a retained topic; `build` is called when it is sent, so only the latest state is ever held. */
  setRetained(topic: string, build: () => unknown): void {
    this.outbox.setRetained(topic, build);
    this.scheduleFlush();
  }

  /** A live value (not retained): the latest replaces any unsent one; nothing is kept while offline. */
  setLive(topic: string, payload: unknown): void {
    if (!this.up) return;
    this.outbox.setLive(topic, payload);
    this.scheduleFlush();
  }

  /** Queues an event (not retained); when the queue is full the oldest is dropped and counted. */
  pushEvent(topic: string, payload: unknown): void {
    if (this.outbox.pushEvent(topic, payload) > 0) this.emit('dropped', this.outbox.dropped);
    this.scheduleFlush();
  }

  stats(): PublisherStats {
    const o = this.outbox;
    return {
      connected: this.up,
      connects: this.counters.connects,
      published: this.counters.published,
      inFlight: this.inFlight,
      queuedEvents: o.queuedEvents,
      droppedEvents: o.dropped,
      pendingTopics: o.pendingTopics,
      retainedTopics: o.retainedTopics,
    };
  }

  /**
   * Clean stop: a retained `offlinePayload` on the status topic (the Will only
   * covers crashes), then DISCONNECT. Bounded: a broker that does not answer
   * within `timeoutMs` gets the socket closed.
   */
  async stop(offlinePayload?: string, timeoutMs = 2000): Promise<void> {
    const client = this.client;
    if (!client || this.stopping) return;
    this.stopping = true;
    const end = (force: boolean) => new Promise<void>((r) => client.end(force, {}, () => r()));
    if (this.up) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), timeoutMs)));
      if (offlinePayload !== undefined) {
        const acked = new Promise<void>((r) => client.publish(this.opts.statusTopic, offlinePayload, { qos: 1, retain: true }, () => r()));
        await Promise.race([acked, deadline]);
      }
      // DISCONNECT waits for unacknowledged publishes; a stalled broker gets the socket cut.
      if ((await Promise.race([end(false), deadline])) === 'late') client.stream?.destroy();
      clearTimeout(timer);
    } else {
      // Not connected: nothing to say, and mqtt.js finishes a forced end at once.
      await end(true);
    }
    this.up = false;
    this.outbox.clear();
  }

  private onConnect(): void {
    this.counters.connects++;
    this.backoffMs = this.minBackoffMs;
    if (this.client) this.client.options.reconnectPeriod = this.minBackoffMs;
    this.up = true;
    this.outageLogged = false;
    this.opts.log.info('MQTT connected', { url: safeUrl(this.opts.url), connects: this.counters.connects });
    // Everything retained goes again, status first so the Will's "offline" is replaced at once.
    this.outbox.markAllRetained();
    for (const topic of this.subs.keys()) this.subscribeNow(topic);
    this.emit('connect');
    this.scheduleFlush();
  }

  private onClose(): void {
    this.generation++;
    this.inFlight = 0;
    this.outbox.dropLive();
    if (!this.up) return;
    this.up = false;
    if (!this.stopping) {
      this.opts.log.warn('MQTT disconnected; publishing paused, retrying in the background', { url: safeUrl(this.opts.url) });
      this.outageLogged = true;
    }
    this.emit('disconnect');
  }

  private onError(err: Error): void {
    // One line per outage: the first failure says why; retries stay quiet.
    if (this.outageLogged || this.stopping) return this.opts.log.debug('MQTT error', { err: errorMessage(err) });
    this.outageLogged = true;
    this.opts.log.warn('MQTT broker unreachable; retrying in the background', { url: safeUrl(this.opts.url), err: errorMessage(err) });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || !this.up) return;
    this.flushScheduled = true;
    // setImmediate: updates made in the same turn (a burst of MeterValues) coalesce.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const client = this.client;
    while (client && this.up && !this.stopping && this.inFlight < this.maxInFlight) {
      const next = this.outbox.take();
      if (!next) return;
      let body: string;
      try {
        // An empty retained message deletes the broker's retained copy (a Home Assistant config withdrawn).
        body = next.payload === CLEAR_RETAINED ? '' : JSON.stringify(next.payload);
      } catch (err) {
        this.opts.log.warn('telemetry payload not serialisable: skipped', { topic: next.topic, err: errorMessage(err) });
        continue;
      }
      const gen = this.generation;
      this.inFlight++;
      client.publish(next.topic, body, { qos: next.qos, retain: next.retain }, () => {
        if (gen !== this.generation) return;
        this.inFlight--;
        this.counters.published++;
        this.scheduleFlush();
      });
    }
  }
}
