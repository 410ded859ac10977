// Charging profiles the cloud sends the site. They are never forwarded to chargers
// (only the balancer writes profiles); they become caps: ChargePointMaxProfile on
// connector 0 caps the whole site per phase, TxDefaultProfile / TxProfile cap
// connectors. Kept in SQLite so a restart keeps the cloud's limits; every change is
// written through the commit queue and resolves once durable, so the cloud is only
// told Accepted about what survives a power cut.
//
// A TxProfile belongs to one transaction: cloud_profiles.transaction_id holds the
// site's LOCAL transaction id (what chargers and the transactions table know; the
// cloud's id may not exist yet when the site is offline). A TxProfile whose
// transaction_id is NULL came with a RemoteStartTransaction the charger accepted and
// waits for the transaction it produces: the next StartTransaction on that connector
// created at or after received_at (when the cloud's command arrived) and within the
// binding window. It never caps anything while it waits, and is dropped when the
// window passes; a bound one is dropped when its transaction stops.
import type { Db } from '../store/db.js';
import type { ChargingProfile, ChargingSchedule } from '../ocpp/v16/types.js';

export interface StoredProfile {
  id: number;
  connectorNumber: number;
  purpose: ChargingProfile['chargingProfilePurpose'];
  stackLevel: number;
  /** TxProfile: the local transaction it caps; null while a RemoteStart's profile waits for it. */
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

/**
 * How long a RemoteStart's TxProfile waits for the transaction it starts: the
 * ConnectionTimeOut the cloud set (the charger gives up on the car after it) plus a
 * minute for a StartTransaction the charger queued while its link was down.
 */
export function bindWindowMs(connectionTimeOutS: number): number {
  return (connectionTimeOutS + 60) * 1000;
}

/** May a RemoteStart TxProfile received at `receivedAt` bind to a transaction created at `txCreatedAt`? */
export function bindable(receivedAt: number, txCreatedAt: number, windowMs: number): boolean {
  return txCreatedAt >= receivedAt && txCreatedAt <= receivedAt + windowMs;
}

/**
 * Whether a stored profile still means anything: a TxProfile waiting for its
 * transaction past the window, or bound to a transaction that no longer runs, is stale.
 */
export function isStale(p: Pick<StoredProfile, 'purpose' | 'transactionId' | 'receivedAt'>, now: number, windowMs: number, isRunning: (localTx: number) => boolean): boolean {
  if (p.purpose !== 'TxProfile') return false;
  if (p.transactionId === null) return now > p.receivedAt + windowMs;
  return !isRunning(p.transactionId);
}

export interface CloudProfilesDeps {
  db: Db;
  /** Runs fn in the store's next group commit; resolves once it is durable. */
  write: <T>(fn: () => T) => Promise<T>;
  now?: () => number;
  /** How long a RemoteStart TxProfile waits for its transaction (ms). */
  bindWindowMs: () => number;
  /** Does this local transaction still run? */
  isRunning: (localTx: number) => boolean;
  /** The local transactions on a charger connector created at or after `since`, oldest first. */
  startedSince: (chargerId: string, connectorId: number, since: number) => Array<{ id: number; createdAt: number }>;
}

export class CloudProfiles {
  private readonly q;
  private readonly now: () => number;
  private cache: StoredProfile[];

  constructor(private readonly d: CloudProfilesDeps) {
    const db = d.db;
    this.now = d.now ?? Date.now;
    this.q = {
      all: db.prepare('SELECT * FROM cloud_profiles ORDER BY id'),
      put: db.prepare(`INSERT INTO cloud_profiles (id, connector_number, purpose, stack_level, transaction_id, profile, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET connector_number = excluded.connector_number, purpose = excluded.purpose, stack_level = excluded.stack_level,
          transaction_id = excluded.transaction_id, profile = excluded.profile, received_at = excluded.received_at`),
      delSame: db.prepare('DELETE FROM cloud_profiles WHERE connector_number = ? AND purpose = ? AND stack_level = ? AND id != ?'),
      del: db.prepare('DELETE FROM cloud_profiles WHERE id = ?'),
      bind: db.prepare('UPDATE cloud_profiles SET transaction_id = ? WHERE id = ? AND transaction_id IS NULL'),
      delTx: db.prepare("DELETE FROM cloud_profiles WHERE purpose = 'TxProfile' AND transaction_id = ?"),
    };
    this.cache = this.load();
    // What went stale while the daemon was down (a window that passed, a transaction
    // that stopped): a plain write is enough, a lost delete is redone next start.
    const stale = this.cache.filter((p) => isStale(p, this.now(), d.bindWindowMs(), d.isRunning));
    if (stale.length > 0) {
      db.transaction(() => stale.forEach((p) => this.q.del.run(p.id)))();
      this.cache = this.load();
    }
  }

  private load(): StoredProfile[] {
    return (this.q.all.all() as any[]).map((r) => ({
      id: r.id, connectorNumber: r.connector_number, purpose: r.purpose, stackLevel: r.stack_level,
      transactionId: r.transaction_id, profile: JSON.parse(r.profile), receivedAt: r.received_at,
    }));
  }

  /** Durable write, then the cache reloads from what was committed (also when the write failed). */
  private async change<T>(fn: () => T): Promise<T> {
    try {
      return await this.d.write(fn);
    } finally {
      this.cache = this.load();
    }
  }

  all(): StoredProfile[] {
    return this.cache;
  }

  /**
   * Installs a profile; per OCPP one with the same purpose and stack level on that
   * connector is replaced. A TxProfile needs `localTransactionId` (SetChargingProfile
   * during a transaction), or `remoteStart` (its charger accepted a RemoteStart at
   * `receivedAt`; bound at once if that transaction already started).
   */
  set(connectorNumber: number, profile: ChargingProfile, opts: { localTransactionId?: number; remoteStart?: { chargerId: string; connectorId: number; receivedAt: number } } = {}): Promise<void> {
    return this.change(() => {
      let tx = opts.localTransactionId ?? null;
      const rs = opts.remoteStart;
      const receivedAt = rs?.receivedAt ?? this.now();
      if (rs) {
        // The charger may have started before this write ran (it sends StartTransaction
        // right after its Accepted); that transaction is then already in the table.
        const started = this.d.startedSince(rs.chargerId, rs.connectorId, rs.receivedAt).find((t) => bindable(rs.receivedAt, t.createdAt, this.d.bindWindowMs()));
        tx = started?.id ?? null;
      }
      this.q.delSame.run(connectorNumber, profile.chargingProfilePurpose, profile.stackLevel, profile.chargingProfileId);
      this.q.put.run(profile.chargingProfileId, connectorNumber, profile.chargingProfilePurpose, profile.stackLevel, tx, JSON.stringify(profile), receivedAt);
    });
  }

  /**
   * A transaction started on cloud connector k: the RemoteStart TxProfiles waiting
   * there for it are bound to it. Resolves with how many were bound.
   */
  async transactionStarted(connectorNumber: number, localTx: number, txCreatedAt: number): Promise<number> {
    const window = this.d.bindWindowMs();
    const waiting = this.cache.filter((p) => p.purpose === 'TxProfile' && p.connectorNumber === connectorNumber && p.transactionId === null && bindable(p.receivedAt, txCreatedAt, window));
    if (waiting.length === 0) return 0;
    return this.change(() => waiting.reduce((n, p) => n + this.q.bind.run(localTx, p.id).changes, 0));
  }

  /** A transaction stopped: its TxProfiles go with it. Resolves with how many were dropped. */
  async transactionStopped(localTx: number): Promise<number> {
    if (!this.cache.some((p) => p.purpose === 'TxProfile' && p.transactionId === localTx)) return 0;
    return this.change(() => this.q.delTx.run(localTx).changes);
  }

  /** ClearChargingProfile semantics: by id, or by any combination of connector, purpose, stack level. Resolves with how many were removed. */
  async clear(filter: { id?: number; connectorNumber?: number; purpose?: string; stackLevel?: number }): Promise<number> {
    const gone = this.cache.filter((p) =>
      filter.id !== undefined
        ? p.id === filter.id
        : (filter.connectorNumber === undefined || p.connectorNumber === filter.connectorNumber) &&
          (filter.purpose === undefined || p.purpose === filter.purpose) &&
          (filter.stackLevel === undefined || p.stackLevel === filter.stackLevel),
    );
    if (gone.length === 0) return 0;
    await this.change(() => gone.forEach((p) => this.q.del.run(p.id)));
    return gone.length;
  }

  /**
   * The limit in A of the highest valid stack level of one purpose on one connector
   * number at `now`. A TxProfile counts only for the local transaction it is bound to.
   */
  limit(connectorNumber: number, purpose: StoredProfile['purpose'], opts: { voltsTimesPhases: number; now?: number; relativeStart?: number; localTransactionId?: number | null }): number | null {
    const now = opts.now ?? this.now();
    const candidates = this.cache
      .filter((p) => p.connectorNumber === connectorNumber && p.purpose === purpose && valid(p.profile, now))
      .filter((p) => purpose !== 'TxProfile' || (p.transactionId !== null && p.transactionId === opts.localTransactionId))
      .sort((a, b) => b.stackLevel - a.stackLevel);
    for (const p of candidates) {
      const start = scheduleStart(p.profile, p.receivedAt, now, opts.relativeStart ?? p.receivedAt);
      const l = limitAt(p.profile.chargingSchedule, start, now, opts.voltsTimesPhases);
      if (l !== null) return l;
    }
    return null;
  }
}
