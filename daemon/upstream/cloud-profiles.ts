// Charging profiles the cloud sends the site. They are never forwarded to chargers
// (only the balancer writes profiles); they become caps: ChargePointMaxProfile on
// connector 0 caps the whole site per phase, TxDefaultProfile / TxProfile cap
// connectors. Kept in SQLite so a restart keeps the cloud's limits.
import type { Db } from '../store/db.js';
import type { ChargingProfile, ChargingSchedule } from '../ocpp/v16/types.js';

export interface StoredProfile {
  id: number;
  connectorNumber: number;
  purpose: ChargingProfile['chargingProfilePurpose'];
  stackLevel: number;
  transactionId: number | null;
  profile: ChargingProfile;
  receivedAt: number;
}

/** The limit (A) a schedule sets at `now`, or null when none of its periods applies. */
export function limitAt(schedule: ChargingSchedule, start: number, now: number, voltsTimesPhases: number): number | null {
  const elapsedS = (now - start) / 1000;
  if (elapsedS < 0) return null;
  if (schedule.duration !== undefined && elapsedS >= schedule.duration) return null;
  let limit: number | null = null;
  for (const p of [...schedule.chargingSchedulePeriod].sort((a, b) => a.startPeriod - b.startPeriod)) {
    if (p.startPeriod > elapsedS) break;
    limit = p.limit;
  }
  if (limit === null) return null;
  return schedule.chargingRateUnit === 'W' ? limit / voltsTimesPhases : limit;
}

/** Where a profile's schedule starts counting: absolute → startSchedule; recurring → last period start; relative → `relativeStart`. */
export function scheduleStart(p: ChargingProfile, receivedAt: number, now: number, relativeStart: number): number {
  const s = p.chargingSchedule;
  const base = s.startSchedule ? Date.parse(s.startSchedule) : receivedAt;
  if (p.chargingProfileKind === 'Relative') return relativeStart;
  if (p.chargingProfileKind === 'Recurring') {
    const period = p.recurrencyKind === 'Weekly' ? 7 * 86_400_000 : 86_400_000;
    return base + Math.floor((now - base) / period) * period;
  }
  return base;
}

function valid(p: ChargingProfile, now: number): boolean {
  if (p.validFrom && Date.parse(p.validFrom) > now) return false;
  if (p.validTo && Date.parse(p.validTo) <= now) return false;
  return true;
}

export class CloudProfiles {
  private readonly q;
  private cache: StoredProfile[];

  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {
    this.q = {
      all: db.prepare('SELECT * FROM cloud_profiles ORDER BY id'),
      put: db.prepare(`INSERT INTO cloud_profiles (id, connector_number, purpose, stack_level, transaction_id, profile, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET connector_number = excluded.connector_number, purpose = excluded.purpose, stack_level = excluded.stack_level,
          transaction_id = excluded.transaction_id, profile = excluded.profile, received_at = excluded.received_at`),
      delSame: db.prepare('DELETE FROM cloud_profiles WHERE connector_number = ? AND purpose = ? AND stack_level = ? AND id != ?'),
      del: db.prepare('DELETE FROM cloud_profiles WHERE id = ?'),
    };
    this.cache = this.load();
  }

  private load(): StoredProfile[] {
    return (this.q.all.all() as any[]).map((r) => ({
      id: r.id, connectorNumber: r.connector_number, purpose: r.purpose, stackLevel: r.stack_level,
      transactionId: r.transaction_id, profile: JSON.parse(r.profile), receivedAt: r.received_at,
    }));
  }

  all(): StoredProfile[] {
    return this.cache;
  }

  /** Installs a profile; per OCPP one with the same purpose and stack level on that connector is replaced. */
  set(connectorNumber: number, profile: ChargingProfile): void {
    this.db.transaction(() => {
      this.q.delSame.run(connectorNumber, profile.chargingProfilePurpose, profile.stackLevel, profile.chargingProfileId);
      this.q.put.run(profile.chargingProfileId, connectorNumber, profile.chargingProfilePurpose, profile.stackLevel, profile.transactionId ?? null, JSON.stringify(profile), this.now());
    })();
    this.cache = this.load();
  }

  /** ClearChargingProfile semantics: by id, or by any combination of connector, purpose, stack level. Returns how many were removed. */
  clear(filter: { id?: number; connectorNumber?: number; purpose?: string; stackLevel?: number }): number {
    const gone = this.cache.filter((p) =>
      filter.id !== undefined
        ? p.id === filter.id
        : (filter.connectorNumber === undefined || p.connectorNumber === filter.connectorNumber) &&
          (filter.purpose === undefined || p.purpose === filter.purpose) &&
          (filter.stackLevel === undefined || p.stackLevel === filter.stackLevel),
    );
    this.db.transaction(() => gone.forEach((p) => this.q.del.run(p.id)))();
    this.cache = this.load();
    return gone.length;
  }

  /** The limit in A of the highest valid stack level of one purpose on one connector number at `now`. */
  limit(connectorNumber: number, purpose: StoredProfile['purpose'], opts: { voltsTimesPhases: number; now?: number; relativeStart?: number; cloudTransactionId?: number | null }): number | null {
    const now = opts.now ?? this.now();
    const candidates = this.cache
      .filter((p) => p.connectorNumber === connectorNumber && p.purpose === purpose && valid(p.profile, now))
      .filter((p) => purpose !== 'TxProfile' || p.transactionId === null || p.transactionId === opts.cloudTransactionId)
      .sort((a, b) => b.stackLevel - a.stackLevel);
    for (const p of candidates) {
      const start = scheduleStart(p.profile, p.receivedAt, now, opts.relativeStart ?? p.receivedAt);
      const l = limitAt(p.profile.chargingSchedule, start, now, opts.voltsTimesPhases);
      if (l !== null) return l;
    }
    return null;
  }
}
