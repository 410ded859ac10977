// Limits a charger reports that come from outside the site (OCPP 2.0.1 NotifyChargingLimit:
// a local EMS, the grid operator, the charger's owner): the charger enforces them itself, so
// current the balancer assigns above them would stay unused while the other chargers could
// have had it. They become per-connector caps beside the cloud's (caps.ts). Pure: the dialect
// records them per session (local/v201/state.ts), the service reads them on every step.

/** One schedule of a reported limit, in the model's terms (times in ms / s, unit A or W). */
export interface LimitSchedule {
  /** Absolute start, ms; undefined: from when the charger reported it. */
  startMs?: number;
  /** How long it stands, s; undefined: until cleared. */
  durationS?: number;
  unit: 'A' | 'W';
  /** Ascending startS; the limit of the last period started applies. */
  periods: ReadonlyArray<{ startS: number; limit: number; numberPhases?: number }>;
}

export interface ReportedLimit {
  /** 0: the whole charger (every EVSE together), else EVSE k = connector k. */
  evseId: number;
  /** Who set it (2.0.1 chargingLimitSource: EMS, SO, CSO, Other). */
  source: string;
  isGridCritical?: boolean;
  /** When the charger reported it, ms. */
  at: number;
  /** Several schedules: all of them bind. None: the report carried no schedule, and caps nothing. */
  schedules: readonly LimitSchedule[];
}

/**
 * A schedule's limit at `now` as A per phase; undefined when it is not in force (not started,
 * ended, or before its first period). W is turned into A over the period's numberPhases, else
 * over the charger's phases: dividing by as many phases as the charger can use gives the least
 * current per phase it lets through for that power, so the cap never credits more than it allows.
 */
export function scheduleLimitA(s: LimitSchedule, reportedAt: number, now: number, ctx: { voltageV: number; chargerPhases: number }): number | undefined {
  const start = s.startMs ?? reportedAt;
  const elapsedS = (now - start) / 1000;
  if (elapsedS < 0 || (s.durationS !== undefined && elapsedS >= s.durationS)) return undefined;
  let period: LimitSchedule['periods'][number] | undefined;
  for (const p of s.periods) if (p.startS <= elapsedS) period = p;
  if (!period) return undefined;
  // A limit that is no number caps to 0: a broken input never reads as "no limit".
  const limit = Number.isFinite(period.limit) ? Math.max(0, period.limit) : 0;
  if (s.unit === 'A') return limit;
  const phases = period.numberPhases ?? ctx.chargerPhases;
  return limit / (ctx.voltageV * Math.max(1, phases));
}

/** The least of the limits of a report in force now; undefined when none is. */
export function reportedLimitA(l: ReportedLimit, now: number, ctx: { voltageV: number; chargerPhases: number }): number | undefined {
  let least: number | undefined;
  for (const s of l.schedules) {
    const a = scheduleLimitA(s, l.at, now, ctx);
    if (a !== undefined && (least === undefined || a < least)) least = a;
  }
  return least;
}

export interface ConnectorCapContext {
  connectorId: number;
  /** Connectors of this charger that may be drawing now (a charger-wide limit is shared among them); at least 1 is assumed. */
  chargingConnectors: number;
  voltageV: number;
  chargerPhases: number;
  now: number;
}

/**
 * The cap the charger's reports put on one connector, A per phase; undefined: none. A limit on
 * its EVSE applies as it is; a limit on the whole charger is split evenly over the connectors
 * that may be drawing, so their sum on any phase stays within it (a share unused by one car is
 * not lent to the other: the price of expressing it as per-connector caps).
 */
export function reportedCapA(limits: Iterable<ReportedLimit>, c: ConnectorCapContext): number | undefined {
  let cap: number | undefined;
  const ctx = { voltageV: c.voltageV, chargerPhases: c.chargerPhases };
  for (const l of limits) {
    if (l.evseId !== 0 && l.evseId !== c.connectorId) continue;
    let a = reportedLimitA(l, c.now, ctx);
    if (a === undefined) continue;
    if (l.evseId === 0) a /= Math.max(1, c.chargingConnectors);
    if (cap === undefined || a < cap) cap = a;
  }
  return cap;
}

/** The tighter of two caps (undefined: none). */
export function tighter(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
