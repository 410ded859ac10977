// Limits from the cloud, as inputs to the balancer (principle 3: the cloud's
// profiles are never forwarded raw). The upstream service will implement
// CapsSource from ChargePointMaxProfile / TxDefaultProfile / TxProfile; until then
// the site runs with no caps.
import { EventEmitter } from 'node:events';

export interface CapsSource {
  /** The site's cap, A per phase for all connectors together, at `now`; undefined: none. */
  siteCapA(now: number): number | undefined;
  /** A cap on one connector (1-based, as the charger numbers it), A; undefined: none. */
  connectorCapA(chargerId: string, connectorId: number, now: number): number | undefined;
  /** Optional: 'change' is emitted when a cap changes, so the balancer reacts before its next sample. */
  on?(event: 'change', listener: () => void): unknown;
  off?(event: 'change', listener: () => void): unknown;
}

/** No caps at all: a standalone site, or before the upstream service exists. */
export class NoCaps implements CapsSource {
  siteCapA(): undefined {
    return undefined;
  }
  connectorCapA(): undefined {
    return undefined;
  }
}

/** Caps set by hand; for tests, the demo and as a template for the upstream implementation. */
export class StaticCaps extends EventEmitter<{ change: [] }> implements CapsSource {
  private site: number | undefined;
  private readonly perConnector = new Map<string, number>();

  siteCapA(): number | undefined {
    return this.site;
  }

  connectorCapA(chargerId: string, connectorId: number): number | undefined {
    return this.perConnector.get(`${chargerId}/${connectorId}`);
  }

  setSiteCap(capA: number | undefined): void {
    this.site = capA;
    this.emit('change');
  }

  setConnectorCap(chargerId: string, connectorId: number, capA: number | undefined): void {
    const key = `${chargerId}/${connectorId}`;
    if (capA === undefined) this.perConnector.delete(key);
    else this.perConnector.set(key, capA);
    this.emit('change');
  }
}
