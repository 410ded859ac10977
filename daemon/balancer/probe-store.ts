// Where probe reports live: one row per charger (the latest), in SQLite (migration 7).
import type { Db } from '../store/db.js';
import type { ProbeReport } from './probe.js';

export class ProbeReports {
  private readonly q;
  private readonly cache = new Map<string, ProbeReport | null>();

  constructor(db: Db) {
    this.q = {
      get: db.prepare('SELECT report FROM charger_probes WHERE charger_id = ?'),
      set: db.prepare('INSERT INTO charger_probes (charger_id, probed_at, report) VALUES (?, ?, ?) ON CONFLICT (charger_id) DO UPDATE SET probed_at = excluded.probed_at, report = excluded.report'),
    };
  }

  /** The latest report; a row that does not parse reads as none (and is replaced by the next probe). */
  get(chargerId: string): ProbeReport | null {
    if (this.cache.has(chargerId)) return this.cache.get(chargerId)!;
    const row = this.q.get.get(chargerId) as { report: string } | undefined;
    let report: ProbeReport | null = null;
    try {
      report = row ? (JSON.parse(row.report) as ProbeReport) : null;
    } catch {
      report = null;
    }
    this.cache.set(chargerId, report);
    return report;
  }

  put(report: ProbeReport): void {
    this.q.set.run(report.chargerId, Date.parse(report.at), JSON.stringify(report));
    this.cache.set(report.chargerId, report);
  }
}
