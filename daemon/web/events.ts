// The recent events the page (and `status --json`) shows, newest first: a bounded
// ring of the same normalised events telemetry publishes on MQTT `events`, kept
// whether or not MQTT is configured. Listeners only append (cheap, never throwing
// into the OCPP handlers that emit).
import { EventEmitter } from 'node:events';
import { eventPayload, type EventPayload } from '../telemetry/payloads.js';
import type { ChargerRegistry, RefusedEvent } from '../local/registry.js';
import type { ChargerSession } from '../local/session.js';

type Listener = (...args: any[]) => void;
interface Emitter {
  on(e: any, l: Listener): unknown;
  off(e: any, l: Listener): unknown;
}

export class RecentEvents extends EventEmitter<{ event: [EventPayload] }> {
  private readonly ring: EventPayload[] = [];
  private next = 0;
  private readonly offs: Array<() => void> = [];

  constructor(private readonly now: () => number = Date.now, readonly capacity = 100) {
    super();
  }

  push(source: string, e: unknown): void {
    let p: EventPayload;
    try {
      p = eventPayload(source, e, this.now());
    } catch {
      return;
    }
    if (this.ring.length < this.capacity) this.ring.push(p);
    else this.ring[this.next] = p;
    this.next = (this.next + 1) % this.capacity;
    this.emit('event', p);
  }

  /** Newest first, at most `limit`. */
  recent(limit = this.capacity): EventPayload[] {
    const out: EventPayload[] = [];
    const n = this.ring.length;
    for (let i = 1; i <= Math.min(limit, n); i++) out.push(this.ring[(this.next - i + n * 2) % n]!);
    return out;
  }

  /** Every 'event' a service emits, under its source name. */
  attach(source: string, emitter: Emitter): void {
    this.listen(emitter, 'event', (e: unknown) => this.push(source, e));
  }

  /** The chargers' comings and goings and refusals, in the words telemetry uses on MQTT. */
  attachRegistry(reg: ChargerRegistry): void {
    this.listen(reg, 'connected', (s: ChargerSession) => this.push('local', { type: 'info', code: 'charger-connected', charger: s.id, message: `charger ${s.id} connected` }));
    this.listen(reg, 'disconnected', (id: string, code: number, reason: string) =>
      this.push('local', { type: 'info', code: 'charger-disconnected', charger: id, closeCode: code, message: `charger ${id} disconnected (${code}${reason ? ` ${reason}` : ''})` }));
    this.listen(reg, 'refused', (e: RefusedEvent) =>
      this.push('local', { type: 'alarm', code: 'charger-refused', charger: e.chargerId, reason: e.reason, remote: e.remote, message: `charger ${e.chargerId} refused: ${e.message} (from ${e.remote})` }));
    this.listen(reg, 'transactionStarted', (s: ChargerSession, connectorId: number, txId: number) =>
      this.push('local', { type: 'info', code: 'transaction-started', charger: s.id, connector: connectorId, transactionId: txId, message: `charger ${s.id} connector ${connectorId}: transaction ${txId} started` }));
    this.listen(reg, 'transactionStopped', (s: ChargerSession, txId: number) =>
      this.push('local', { type: 'info', code: 'transaction-stopped', charger: s.id, transactionId: txId, message: `charger ${s.id}: transaction ${txId} stopped` }));
  }

  detach(): void {
    for (const off of this.offs.splice(0)) off();
  }

  private listen(emitter: Emitter, event: string, fn: Listener): void {
    const guarded: Listener = (...args) => {
      try {
        fn(...args);
      } catch {
        // An event we cannot describe is not worth a CALLERROR to a charger.
      }
    };
    emitter.on(event, guarded);
    this.offs.push(() => emitter.off(event, guarded));
  }
}
