// What waits to be published, in bounded memory whatever the broker does:
//  - one payload builder per retained topic (latest wins; built when taken, so
//    a topic updated a thousand times while offline costs one closure),
//  - one latest payload per live (non-retained) topic,
//  - at most `maxEvents` events (the oldest dropped and counted).
// The order of take(): the status topic first (it replaces the Will's
// "offline"), then events (ordered), then retained state, then live values.
import type { Logger } from '../log.js';
import { errorMessage } from '../health/exec.js';

export interface Outgoing {
  topic: string;
  payload: unknown;
  qos: 0 | 1;
  retain: boolean;
}

type Build = () => unknown;

export class Outbox {
  private readonly retained = new Map<string, Build>();
  private readonly dirty = new Set<string>();
  private readonly live = new Map<string, unknown>();
  private events: Array<{ topic: string; payload: unknown }> = [];
  dropped = 0;

  constructor(private readonly statusTopic: string, private readonly maxEvents: number, private readonly log: Logger) {}

  get queuedEvents(): number {
    return this.events.length;
  }

  get pendingTopics(): number {
    return this.dirty.size + this.live.size;
  }

  get retainedTopics(): number {
    return this.retained.size;
  }

  setRetained(topic: string, build: Build): void {
    this.retained.set(topic, build);
    this.dirty.add(topic);
  }

  setLive(topic: string, payload: unknown): void {
    this.live.set(topic, payload);
  }

  /** Returns how many events were dropped to make room (0 or more). */
  pushEvent(topic: string, payload: unknown): number {
    this.events.push({ topic, payload });
    const over = this.events.length - this.maxEvents;
    if (over <= 0) return 0;
    this.events.splice(0, over);
    this.dropped += over;
    return over;
  }

  /** After a (re)connect: every retained topic goes again, status first. */
  markAllRetained(): void {
    this.dirty.clear();
    if (this.retained.has(this.statusTopic)) this.dirty.add(this.statusTopic);
    for (const t of this.retained.keys()) this.dirty.add(t);
  }

  /** Live values are only worth sending while connected. */
  dropLive(): void {
    this.live.clear();
  }

  clear(): void {
    this.events = [];
    this.live.clear();
    this.dirty.clear();
  }

  take(): Outgoing | undefined {
    if (this.dirty.has(this.statusTopic)) {
      const status = this.build(this.statusTopic);
      if (status) return status;
    }
    const ev = this.events.shift();
    if (ev) return { ...ev, qos: 1, retain: false };
    for (const topic of this.dirty) {
      const built = this.build(topic);
      if (built) return built;
    }
    for (const [topic, payload] of this.live) {
      this.live.delete(topic);
      return { topic, payload, qos: 0, retain: false };
    }
    return undefined;
  }

  /** Takes a dirty retained topic and builds its payload now, so it is the latest state. */
  private build(topic: string): Outgoing | undefined {
    this.dirty.delete(topic);
    const build = this.retained.get(topic);
    if (!build) return undefined;
    try {
      return { topic, payload: build(), qos: 1, retain: true };
    } catch (err) {
      this.log.warn('telemetry payload failed to build: skipped', { topic, err: errorMessage(err) });
      return undefined;
    }
  }
}
