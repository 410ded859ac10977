// Where the phase-switch history of running sessions lives (migration 9), so the hysteresis
// and the per-session bound hold across a restart. Reads are synchronous (the control step is);
// writes go through the store's group commit and are rare (a switch at most every few minutes).
import type { Db } from '../store/db.js';
import type { Logger } from '../log.js';
import type { SwitchPersistence, SwitchState } from './phase-switch.js';

export class PhaseSwitchStore implements SwitchPersistence {
  private readonly q;

  constructor(db: Db, private readonly write: (fn: () => unknown) => Promise<unknown>, private readonly log: Logger) {
    this.q = {
      get: db.prepare('SELECT phases, last_switch_at, switches FROM phase_switches WHERE transaction_id = ?'),
      set: db.prepare(`INSERT INTO phase_switches (transaction_id, phases, last_switch_at, switches) VALUES (?, ?, ?, ?)
        ON CONFLICT (transaction_id) DO UPDATE SET phases = excluded.phases, last_switch_at = excluded.last_switch_at, switches = excluded.switches`),
      del: db.prepare('DELETE FROM phase_switches WHERE transaction_id = ?'),
      // Sessions that ended while the daemon was not running to see it.
      prune: db.prepare('DELETE FROM phase_switches WHERE transaction_id IN (SELECT id FROM transactions WHERE stopped_at IS NOT NULL)'),
    };
  }

  load(transactionId: number): SwitchState | undefined {
    const r = this.q.get.get(transactionId) as { phases: number; last_switch_at: number; switches: number } | undefined;
    if (!r || (r.phases !== 1 && r.phases !== 3)) return undefined;
    return { phases: r.phases, lastSwitchAt: r.last_switch_at, switches: r.switches };
  }

  save(transactionId: number, s: SwitchState): void {
    this.persist('save', () => this.q.set.run(transactionId, s.phases, s.lastSwitchAt, s.switches));
  }

  forget(transactionId: number): void {
    this.persist('forget', () => this.q.del.run(transactionId));
  }

  prune(): void {
    this.persist('prune', () => this.q.prune.run());
  }

  private persist(what: string, fn: () => unknown): void {
    // Lost only with the disk: then the limits restart with the daemon, as before this table.
    this.write(fn).catch((err: Error) => this.log.warn('could not store the phase-switch history', { what, err: err.message }));
  }
}
