// The connected chargers. A new connection for an identity replaces the old one;
// other services (balancer, upstream, telemetry) listen to its events and send
// commands through it, getting a clear answer when a charger is offline.
import { EventEmitter } from 'node:events';
import type { ChargerSession, ChargerCommand, CommandRequest, CommandResponse } from './session.js';

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
}

export class ChargerRegistry extends EventEmitter<ChargerEvents> {
  private readonly sessions = new Map<string, ChargerSession>();

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

  /** Sends a command to a charger by id; rejects with ChargerOfflineError when it is not connected. */
  async send<A extends ChargerCommand>(chargerId: string, action: A, request: CommandRequest<A>, opts?: { timeoutMs?: number }): Promise<CommandResponse<A>> {
    const session = this.sessions.get(chargerId);
    if (!session || !session.rpc.isOpen) throw new ChargerOfflineError(chargerId);
    return session.send(action, request, opts);
  }
}
