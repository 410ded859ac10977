// What a 2.0.1 charger said that the model's ConnectorState has no field for: each EVSE's
// connector statuses and charging state (from which the model status is derived), phases
// in use, an idToken given after the start, and the external charging limits it reported
// (NotifyChargingLimit: caps for the balancer). One per session, found by session, dropped
// with it: a limit is forgotten with the connection that reported it (see docs/ocpp201.md).
import type { ChargerSession } from '../session.js';
import type { ChargingState201, ConnectorStatus201 } from '../../ocpp/v201/mapping.js';
import type { LimitSchedule, ReportedLimit } from '../../balancer/reported-limits.js';
import type { ChargingLimit201 } from './wire.js';

export interface EvseState201 {
  /** connectorId → its last connectorStatus. */
  connectors: Map<number, ConnectorStatus201>;
  chargingState: ChargingState201 | undefined;
  numberOfPhasesUsed: number | undefined;
}

/** A 2.0.1 ChargingScheduleType, as far as a limit needs it (schema-validated before it gets here). */
export interface ChargingSchedule201 {
  startSchedule?: string;
  duration?: number;
  chargingRateUnit: 'A' | 'W';
  chargingSchedulePeriod: Array<{ startPeriod: number; limit: number; numberPhases?: number }>;
}

/** A NotifyChargingLimit as the model's ReportedLimit (the balancer's input). */
export function reportedLimitFrom201(req: ChargingLimit201, at: number): ReportedLimit {
  const schedules = ((req.chargingSchedule ?? []) as ChargingSchedule201[]).map((s): LimitSchedule => {
    const startMs = s.startSchedule === undefined ? undefined : Date.parse(s.startSchedule);
    return {
      // An unreadable start is taken as "now": the limit binds rather than being ignored.
      ...(startMs !== undefined && Number.isFinite(startMs) ? { startMs } : {}),
      ...(s.duration !== undefined ? { durationS: s.duration } : {}),
      unit: s.chargingRateUnit,
      periods: [...s.chargingSchedulePeriod]
        .sort((a, b) => a.startPeriod - b.startPeriod)
        .map((p) => ({ startS: p.startPeriod, limit: p.limit, ...(p.numberPhases !== undefined ? { numberPhases: p.numberPhases } : {}) })),
    };
  });
  const evseId = req.evseId ?? 0;
  return { evseId, source: req.chargingLimit.chargingLimitSource, isGridCritical: req.chargingLimit.isGridCritical, at, schedules };
}

export class V201State {
  readonly evses = new Map<number, EvseState201>();
  /** Charger's transactionId → the idTag given by an Updated event after the start (for the StopTransaction). */
  readonly lateIdTags = new Map<string, string>();

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
