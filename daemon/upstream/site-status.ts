// What the cloud sees of each connector: the owning charger's connector status,
// renumbered; Unavailable while the charger is not connected to the site. Sent on
// every change and for all connectors after every (re)connect, never queued.
import type { Logger } from '../log.js';
import type { ChargerRegistry } from '../local/registry.js';
import type { ChargerSession } from '../local/session.js';
import type { ConnectorMap } from './connector-map.js';

export interface SiteStatusDeps {
  registry: ChargerRegistry;
  connectors: ConnectorMap;
  log: Logger;
  /** Says connector k's status to the cloud, in the cloud's version (best effort, never queued). */
  send: (k: number, status: string, errorCode: string, info?: string) => void;
}

export class SiteStatus {
  constructor(private readonly deps: SiteStatusDeps) {}

  private readonly onStatus = (session: ChargerSession, connectorId: number) => {
    if (connectorId === 0) return;
    const number = this.deps.connectors.numberOf(session.id, connectorId) ?? this.deps.connectors.ensure([{ chargerId: session.id, connectorId }])[0].number;
    const c = session.connectors.get(connectorId);
    if (c) this.report(number, c.status, c.errorCode);
  };

  private readonly onDisconnected = (chargerId: string) => {
    for (const a of this.deps.connectors.all()) if (a.chargerId === chargerId) this.report(a.number, 'Unavailable', 'NoError', 'charger offline');
  };

  start(): void {
    this.deps.registry.on('status', this.onStatus);
    this.deps.registry.on('disconnected', this.onDisconnected);
  }

  stop(): void {
    this.deps.registry.off('status', this.onStatus);
    this.deps.registry.off('disconnected', this.onDisconnected);
  }

  /** The cloud's view of connector k now. */
  statusOf(number: number): { status: string; errorCode: string; info?: string } {
    const a = this.deps.connectors.resolve(number);
    const session = a ? this.deps.registry.get(a.chargerId) : undefined;
    if (!a || !session || !session.rpc.isOpen) return { status: 'Unavailable', errorCode: 'NoError', info: 'charger offline' };
    const c = session.connectors.get(a.connectorId);
    // Connected but not yet reported: say Unavailable rather than promise a free connector.
    return c && c.status !== 'Unknown' ? { status: c.status, errorCode: c.errorCode } : { status: 'Unavailable', errorCode: 'NoError' };
  }

  /** Connector 0 (the site) and every cloud connector, after a (re)connect or a TriggerMessage. */
  sendAll(): void {
    this.report(0, 'Available', 'NoError');
    for (const a of this.deps.connectors.all()) {
      const s = this.statusOf(a.number);
      this.report(a.number, s.status, s.errorCode, s.info);
    }
  }

  report(connectorId: number, status: string, errorCode: string, info?: string): void {
    this.deps.send(connectorId, status, errorCode, info);
  }
}
