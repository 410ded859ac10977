// The connected chargers. A new connection for an identity replaces the old one;
// other services (balancer, upstream, telemetry) listen to its events and send
// commands through it, getting a clear answer when a charger is offline.
import { EventEmitter } from 'node:events';
import type { ChargerSession, ChargerCommand, CommandRequest, CommandResponse } from './session.js';
import { FailureLimiter, RefusalBook, type Block, type Refusal, type RefusalReason, type UnknownCharger } from './admission.js';

export class ChargerOfflineError extends Error {
  constructor(readonly chargerId: string) {
    super(`charger ${chargerId} is not connected`);
    this.name = 'ChargerOfflineError';
  }
}

export interface ChargerEvents {
  connected: [session: ChargerSession];
  disconnected: [chargerId: string, code: number, reason: string];
  booted: [session: ChargerSession];
  configured: [session: ChargerSession];
  status: [session: ChargerSession, connectorId: number];
  meterValues: [session: ChargerSession, connectorId: number];
  transactionStarted: [session: ChargerSession, connectorId: number, transactionId: number];
  transactionStopped: [session: ChargerSession, transactionId: number, known: boolean];
  /** A charger reported or cleared an external charging limit (2.0.1 NotifyChargingLimit); evseId 0: the whole charger. */
  chargingLimit: [session: ChargerSession, evseId: number];
  /** A connection refused at admission; emitted once per change (see RefusalBook.record). */
  refused: [event: RefusedEvent];
  /** An address blocked after too many failed logins; once per block. */
  blocked: [block: Block];
}

export interface RefusedEvent {
  chargerId: string;
  reason: RefusalReason;
  message: string;
  remote: string;
  at: number;
  /** Whether the identity is in the config (false: an unknown id, or one admitted by allowUnknownChargers). */
  configured: boolean;
}

export class ChargerRegistry extends EventEmitter<ChargerEvents> {
  private readonly sessions = new Map<string, ChargerSession>();
  private readonly refusals = new RefusalBook();
  /** Failed logins per source address; kept here beside the refusals, so status and telemetry read both from one place. */
  readonly limiter = new FailureLimiter();

  get(id: string): ChargerSession | undefined {
    return this.sessions.get(id);
  }

  all(): ChargerSession[] {
    return [...this.sessions.values()];
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Registers a session; returns the one it replaces, which the caller closes. */
  attach(session: ChargerSession): ChargerSession | undefined {
    const old = this.sessions.get(session.id);
    this.sessions.set(session.id, session);
    session.rpc.once('close', (code: number, reason: string) => {
      // A replaced session closing must not mark its successor as gone.
      if (this.sessions.get(session.id) !== session) return;
      this.sessions.delete(session.id);
      this.emit('disconnected', session.id, code, reason);
    });
    this.emit('connected', session);
    return old;
  }

  /** Records a refused connection; returns whether it was news (then logged at warn and emitted as 'refused'). */
  refuse(chargerId: string, configured: boolean, r: Omit<Refusal, 'count'>): boolean {
    const news = this.refusals.record(chargerId, r);
    if (news) this.emit('refused', { chargerId, reason: r.reason, message: r.message, remote: r.remote, at: r.at, configured });
    return news;
  }

  lastRefusal(chargerId: string): Refusal | undefined {
    return this.refusals.lastRefusal(chargerId);
  }

  /** Unknown identities that knocked recently (most recent first, at most 20): often an installer's typo. */
  unknownChargers(): UnknownCharger[] {
    return this.refusals.unknown();
  }

  /** Addresses refused now for too many failed logins. */
  blockedAddresses(now: number): Block[] {
    return this.limiter.blocked(now);
  }

  /** Sends a command to a charger by id; rejects with ChargerOfflineError when it is not connected. */
  async send<A extends ChargerCommand>(chargerId: string, action: A, request: CommandRequest<A>, opts?: { timeoutMs?: number }): Promise<CommandResponse<A>> {
    const session = this.sessions.get(chargerId);
    if (!session || !session.rpc.isOpen) throw new ChargerOfflineError(chargerId);
    return session.send(action, request, opts);
  }
}
