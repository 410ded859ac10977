// Reservations the cloud made through the site (ReserveNow a charger accepted). They
// outlive the upstream connection and the daemon: the charger keeps its reservation
// whatever happens to our link, so CancelReservation must still find its owner. A
// reservation is gone when its expiryDate passes (pruned on the next write and at
// start), when the charger accepted its cancellation, or when the charger used it
// (a StartTransaction carrying its reservationId). Writes resolve once durable.
import type { Db } from '../store/db.js';

export interface Reservation {
  reservationId: number;
  connectorNumber: number;
  chargerId: string;
  connectorId: number;
  idTag: string;
  parentIdTag: string | null;
  expiryDate: string;
  createdAt: number;
}

/** A reservation counts until its expiryDate; one without a parsable date never counted. */
export function isLive(r: Pick<Reservation, 'expiryDate'>, now: number): boolean {
  const t = Date.parse(r.expiryDate);
  return Number.isFinite(t) && t > now;
}

export class Reservations {
  private readonly q;

  constructor(
    db: Db,
    /** Runs fn in the store's next group commit; resolves once it is durable. */
    private readonly write: <T>(fn: () => T) => Promise<T>,
    private readonly now: () => number = Date.now,
  ) {
    this.q = {
      get: db.prepare(`SELECT reservation_id AS reservationId, connector_number AS connectorNumber, charger_id AS chargerId, connector_id AS connectorId,
        id_tag AS idTag, parent_id_tag AS parentIdTag, expiry_date AS expiryDate, created_at AS createdAt FROM reservations WHERE reservation_id = ?`),
      all: db.prepare('SELECT reservation_id AS reservationId, expiry_date AS expiryDate FROM reservations'),
      put: db.prepare(`INSERT INTO reservations (reservation_id, connector_number, charger_id, connector_id, id_tag, parent_id_tag, expiry_date, created_at)
        VALUES (@reservationId, @connectorNumber, @chargerId, @connectorId, @idTag, @parentIdTag, @expiryDate, @createdAt)
        ON CONFLICT (reservation_id) DO UPDATE SET connector_number = excluded.connector_number, charger_id = excluded.charger_id,
          connector_id = excluded.connector_id, id_tag = excluded.id_tag, parent_id_tag = excluded.parent_id_tag,
          expiry_date = excluded.expiry_date, created_at = excluded.created_at`),
      del: db.prepare('DELETE FROM reservations WHERE reservation_id = ?'),
    };
    // Expired while the daemon was down: a plain delete, a lost one is redone next start.
    db.transaction(() => this.pruneNow())();
  }

  /** Deletes expired reservations (call inside a write); returns how many. */
  private pruneNow(): number {
    const now = this.now();
    const expired = (this.q.all.all() as Array<Pick<Reservation, 'reservationId' | 'expiryDate'>>).filter((r) => !isLive(r, now));
    for (const r of expired) this.q.del.run(r.reservationId);
    return expired.length;
  }

  /** The live reservation with that id; an expired one is treated as gone. */
  get(reservationId: number): Reservation | undefined {
    const r = this.q.get.get(reservationId) as Reservation | undefined;
    return r && isLive(r, this.now()) ? r : undefined;
  }

  /** Records (or, same id, replaces) a reservation the charger accepted; prunes expired ones in the same commit. */
  put(r: Omit<Reservation, 'createdAt'>): Promise<void> {
    return this.write(() => {
      this.pruneNow();
      this.q.put.run({ ...r, createdAt: this.now() });
    });
  }

  /** Forgets a reservation (cancelled or used); resolves with whether there was one. */
  async remove(reservationId: number): Promise<boolean> {
    if (!this.q.get.get(reservationId)) return false;
    return this.write(() => this.q.del.run(reservationId).changes > 0);
  }
}
