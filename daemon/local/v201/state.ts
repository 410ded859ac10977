// What a 2.0.1 charger said that the model's ConnectorState has no field for: each EVSE's
// connector statuses and charging state (from which the model status is derived), phases
// in use, an idToken given after the start, and the external charging limits it reported
// (NotifyChargingLimit). One per session, found by session, dropped with it.
import type { ChargerSession } from '../session.js';
import type { ChargingState201, ConnectorStatus201 } from '../../ocpp/v201/mapping.js';

export interface EvseState201 {
  /** connectorId → its last connectorStatus. */
  connectors: Map<number, ConnectorStatus201>;
  chargingState: ChargingState201 | undefined;
  numberOfPhasesUsed: number | undefined;
}

export interface ExternalLimit201 {
  source: string;
  isGridCritical: boolean | undefined;
  /** As the charger sent it (2.0.1 ChargingScheduleType[]); not yet an input to the balancer. */
  schedules: unknown[];
  at: number;
}

export class V201State {
  readonly evses = new Map<number, EvseState201>();
  /** Charger's transactionId → the idTag given by an Updated event after the start (for the StopTransaction). */
  readonly lateIdTags = new Map<string, string>();
  /** `${evseId}/${source}` → the limit; evseId 0 for the whole station. */
  readonly limits = new Map<string, ExternalLimit201 & { evseId: number }>();

  evse(id: number): EvseState201 {
    let e = this.evses.get(id);
    if (!e) this.evses.set(id, (e = { connectors: new Map(), chargingState: undefined, numberOfPhasesUsed: undefined }));
    return e;
  }
}

const states = new WeakMap<ChargerSession, V201State>();

export function v201State(session: ChargerSession): V201State {
  let s = states.get(session);
  if (!s) states.set(session, (s = new V201State()));
  return s;
}
