// Charging profiles as a 1.6 charger keeps them (OCPP 1.6 §3.13): installed per connector,
// replaced by id or by (purpose, stackLevel), and evaluated at a point in time. Pure
// bookkeeping with explicit timestamps, so the charger and the tests can ask "what is the
// limit at t" and "when does it next change" without timers of their own.

export type ProfilePurpose = 'ChargePointMaxProfile' | 'TxDefaultProfile' | 'TxProfile';

export interface SchedulePeriod {
  startPeriod: number;
  limit: number;
  numberPhases?: number;
}

export interface ChargingProfile {
  chargingProfileId: number;
  transactionId?: number;
  stackLevel: number;
  chargingProfilePurpose: ProfilePurpose;
  chargingProfileKind: 'Absolute' | 'Recurring' | 'Relative';
  recurrencyKind?: 'Daily' | 'Weekly';
  validFrom?: string;
  validTo?: string;
  chargingSchedule: {
    duration?: number;
    startSchedule?: string;
    chargingRateUnit: 'A' | 'W';
    chargingSchedulePeriod: SchedulePeriod[];
    minChargingRate?: number;
  };
}

interface Installed {
  connectorId: number;
  profile: ChargingProfile;
  installedAt: number;
  validFrom: number;
  validTo: number;
  /** startSchedule in ms, when given. */
  startAt?: number;
  periods: SchedulePeriod[];
}

export interface ClearFilter {
  id?: number;
  connectorId?: number;
  chargingProfilePurpose?: ProfilePurpose;
  stackLevel?: number;
}

const DAY_MS = 86_400_000;

function parseTime(s: string | undefined, dflt: number): number {
  if (s === undefined) return dflt;
  const t = Date.parse(s);
  return Number.isNaN(t) ? dflt : t;
}

export class ProfileStore {
  private items: Installed[] = [];

  /** `phases` and `voltage` turn W limits into A when a period does not say its phases. */
  constructor(
    private readonly phases: number,
    private readonly voltage: number,
  ) {}

  get size(): number {
    return this.items.length;
  }

  /** What is installed, for tests and status displays. */
  list(): Array<{ connectorId: number; profile: ChargingProfile }> {
    return this.items.map((i) => ({ connectorId: i.connectorId, profile: i.profile }));
  }

  /** Would installing this profile on this connector push the count above `max`? */
  wouldExceed(connectorId: number, p: ChargingProfile, max: number): boolean {
    return this.items.filter((i) => !this.replacedBy(i, connectorId, p)).length + 1 > max;
  }

  install(connectorId: number, profile: ChargingProfile, now: number): void {
    this.items = this.items.filter((i) => !this.replacedBy(i, connectorId, profile));
    const s = profile.chargingSchedule;
    this.items.push({
      connectorId,
      profile,
      installedAt: now,
      validFrom: parseTime(profile.validFrom, -Infinity),
      validTo: parseTime(profile.validTo, Infinity),
      startAt: s.startSchedule === undefined ? undefined : parseTime(s.startSchedule, now),
      periods: [...s.chargingSchedulePeriod].sort((a, b) => a.startPeriod - b.startPeriod),
    });
  }

  /** Removes matching profiles (by id alone when an id is given); returns the connectors touched. */
  clear(f: ClearFilter): number[] {
    const touched = new Set<number>();
    this.items = this.items.filter((i) => {
      const match =
        f.id !== undefined
          ? i.profile.chargingProfileId === f.id
          : (f.connectorId === undefined || i.connectorId === f.connectorId) &&
            (f.chargingProfilePurpose === undefined || i.profile.chargingProfilePurpose === f.chargingProfilePurpose) &&
            (f.stackLevel === undefined || i.profile.stackLevel === f.stackLevel);
      if (match) touched.add(i.connectorId);
      return !match;
    });
    return [...touched];
  }

  /** A TxProfile lives only as long as its transaction (§3.13.2). */
  removeTxProfiles(connectorId: number): boolean {
    return this.clear({ connectorId, chargingProfilePurpose: 'TxProfile' }).length > 0;
  }

  /**
   * The limit in A for a connector at time t, or null when no profile applies:
   * TxProfile, else TxDefaultProfile (connector's own, else connector 0's), each the
   * highest stack level whose schedule is running at t; then capped by the
   * ChargePointMaxProfile. Connector 0 gets the cap alone.
   */
  limitAt(connectorId: number, t: number, txStart?: number): number | null {
    const cap = this.pick(t, txStart, (i) => i.profile.chargingProfilePurpose === 'ChargePointMaxProfile');
    let own: number | undefined;
    if (connectorId > 0) {
      own =
        this.pick(t, txStart, (i) => i.profile.chargingProfilePurpose === 'TxProfile' && i.connectorId === connectorId) ??
        this.pick(
          t,
          txStart,
          (i) =>
            i.profile.chargingProfilePurpose === 'TxDefaultProfile' && (i.connectorId === connectorId || i.connectorId === 0),
        );
    }
    if (own === undefined && cap === undefined) return null;
    return Math.min(own ?? Infinity, cap ?? Infinity);
  }

  /**
   * The numberPhases of the period in force for a connector at t (TxProfile, else TxDefaultProfile,
   * as limitAt picks them); undefined when none applies or it says none.
   */
  numberPhasesAt(connectorId: number, t: number, txStart?: number): number | undefined {
    if (connectorId <= 0) return undefined;
    const own = this.pickItem(t, txStart, (i) => i.profile.chargingProfilePurpose === 'TxProfile' && i.connectorId === connectorId) ??
      this.pickItem(t, txStart, (i) => i.profile.chargingProfilePurpose === 'TxDefaultProfile' && (i.connectorId === connectorId || i.connectorId === 0));
    if (!own) return undefined;
    const elapsedS = (t - this.startOf(own, t, txStart)) / 1000;
    let period: SchedulePeriod | undefined;
    for (const p of own.periods) {
      if (p.startPeriod > elapsedS) break;
      period = p;
    }
    return period?.numberPhases;
  }

  private pickItem(t: number, txStart: number | undefined, match: (i: Installed) => boolean): Installed | undefined {
    let best: Installed | undefined;
    for (const i of this.items) {
      if (!match(i) || this.valueAt(i, t, txStart) === undefined) continue;
      const lvl = i.profile.stackLevel;
      if (!best || lvl > best.profile.stackLevel || (lvl === best.profile.stackLevel && best.connectorId === 0)) best = i;
    }
    return best;
  }

  /** The first instant after `after` at which limitAt(connectorId) may change. */
  nextChange(after: number, connectorId: number, txStart?: number): number | undefined {
    let next = Infinity;
    const consider = (x: number) => {
      if (x > after && x < next) next = x;
    };
    for (const i of this.items) {
      if (i.connectorId !== connectorId && i.connectorId !== 0) continue;
      consider(i.validFrom);
      consider(i.validTo);
      const start = this.startOf(i, after, txStart);
      const starts = i.profile.chargingProfileKind === 'Recurring' ? [start, start + this.cycle(i)] : [start];
      for (const s of starts) {
        for (const p of i.periods) consider(s + p.startPeriod * 1000);
        if (i.profile.chargingSchedule.duration !== undefined) consider(s + i.profile.chargingSchedule.duration * 1000);
      }
    }
    return next === Infinity ? undefined : next;
  }

  /** Steps of limitAt over [from, from + durationS): each where the limit changes. */
  steps(connectorId: number, from: number, durationS: number, txStart?: number): Array<{ at: number; limitA: number | null }> {
    const end = from + durationS * 1000;
    const out: Array<{ at: number; limitA: number | null }> = [];
    // Bounded so that a dense recurring schedule cannot spin for long.
    for (let t: number | undefined = from, n = 0; t !== undefined && t < end && n < 1000; n++) {
      const limitA = this.limitAt(connectorId, t, txStart);
      if (out.length === 0 || out[out.length - 1].limitA !== limitA) out.push({ at: t, limitA });
      t = this.nextChange(t, connectorId, txStart);
    }
    return out;
  }

  private replacedBy(i: Installed, connectorId: number, p: ChargingProfile): boolean {
    return (
      i.profile.chargingProfileId === p.chargingProfileId ||
      (i.connectorId === connectorId &&
        i.profile.chargingProfilePurpose === p.chargingProfilePurpose &&
        i.profile.stackLevel === p.stackLevel)
    );
  }

  /** Highest stack level among matching profiles with a running period; ties go to the connector's own. */
  private pick(t: number, txStart: number | undefined, match: (i: Installed) => boolean): number | undefined {
    let best: Installed | undefined;
    let value: number | undefined;
    for (const i of this.items) {
      if (!match(i)) continue;
      const v = this.valueAt(i, t, txStart);
      if (v === undefined) continue;
      const lvl = i.profile.stackLevel;
      if (!best || lvl > best.profile.stackLevel || (lvl === best.profile.stackLevel && best.connectorId === 0)) {
        best = i;
        value = v;
      }
    }
    return value;
  }

  private valueAt(i: Installed, t: number, txStart: number | undefined): number | undefined {
    if (t < i.validFrom || t >= i.validTo) return undefined;
    const elapsedS = (t - this.startOf(i, t, txStart)) / 1000;
    const s = i.profile.chargingSchedule;
    if (elapsedS < 0 || (s.duration !== undefined && elapsedS >= s.duration)) return undefined;
    let period: SchedulePeriod | undefined;
    for (const p of i.periods) {
      if (p.startPeriod > elapsedS) break;
      period = p;
    }
    if (!period) return undefined;
    if (s.chargingRateUnit === 'A') return period.limit;
    return period.limit / (this.voltage * (period.numberPhases ?? this.phases));
  }

  /** When the schedule's period 0 began for the cycle that contains t. */
  private startOf(i: Installed, t: number, txStart: number | undefined): number {
    switch (i.profile.chargingProfileKind) {
      case 'Relative':
        // Relative to the transaction; the site cap and idle connectors count from installation.
        return i.profile.chargingProfilePurpose !== 'ChargePointMaxProfile' && txStart !== undefined ? txStart : i.installedAt;
      case 'Recurring': {
        const base = i.startAt ?? i.installedAt;
        const cycle = this.cycle(i);
        return base + Math.floor((t - base) / cycle) * cycle;
      }
      default:
        return i.startAt ?? i.installedAt;
    }
  }

  private cycle(i: Installed): number {
    return i.profile.recurrencyKind === 'Weekly' ? 7 * DAY_MS : DAY_MS;
  }
}
