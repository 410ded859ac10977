// The last connect attempts to the cloud, kept in the store for `status` and
// telemetry: when each phase finished and where a failed attempt stopped.
import type { Db } from '../store/db.js';

export interface AttemptRecord {
  startedAt: number;
  outcome: 'connected' | 'failed';
  phase: string;
  error: string | null;
  dnsMs?: number;
  tcpMs?: number;
  tlsMs?: number;
  upgradeMs?: number;
  bootMs?: number;
  remoteAddress: string | null;
}

const KEEP = 50;
const RECENT = 10;

function withoutMissing(a: AttemptRecord): AttemptRecord {
  const r = a as unknown as Record<string, unknown>;
  for (const k of Object.keys(r)) if ((r[k] === null || r[k] === undefined) && k.endsWith('Ms')) delete r[k];
  return a;
}

export class AttemptLog {
  private readonly q;
  /** The newest few, in memory: state() reads them after every delivered call during replay. */
  private recent: AttemptRecord[];
  constructor(db: Db) {
    this.q = {
      insert: db.prepare(`INSERT INTO upstream_attempts (started_at, outcome, phase, error, dns_ms, tcp_ms, tls_ms, upgrade_ms, boot_ms, remote_address)
        VALUES (@startedAt, @outcome, @phase, @error, @dnsMs, @tcpMs, @tlsMs, @upgradeMs, @bootMs, @remoteAddress)`),
      trim: db.prepare(`DELETE FROM upstream_attempts WHERE id <= (SELECT max(id) FROM upstream_attempts) - ${KEEP}`),
      last: db.prepare(`SELECT started_at AS startedAt, outcome, phase, error, dns_ms AS dnsMs, tcp_ms AS tcpMs, tls_ms AS tlsMs,
        upgrade_ms AS upgradeMs, boot_ms AS bootMs, remote_address AS remoteAddress FROM upstream_attempts ORDER BY id DESC LIMIT ?`),
    };
    this.recent = this.query(RECENT);
  }

  /** Keeps the attempt in memory first, then in SQLite (which may throw, e.g. on a full disk). */
  record(a: AttemptRecord): void {
    // Timings to 0.1 ms: differences of performance.now() carry float noise (14.900000000000006).
    for (const k of ['dnsMs', 'tcpMs', 'tlsMs', 'upgradeMs', 'bootMs'] as const) if (typeof a[k] === 'number') a = { ...a, [k]: Math.round(a[k]! * 10) / 10 };
    this.recent = [withoutMissing({ ...a }), ...this.recent].slice(0, RECENT);
    this.q.insert.run({ dnsMs: null, tcpMs: null, tlsMs: null, upgradeMs: null, bootMs: null, ...a });
    this.q.trim.run();
  }

  /** Newest first; absent timings are left out. */
  last(limit: number): AttemptRecord[] {
    return limit <= RECENT ? this.recent.slice(0, limit) : this.query(limit);
  }

  private query(limit: number): AttemptRecord[] {
    return (this.q.last.all(limit) as Array<Record<string, unknown>>).map((r) => withoutMissing(r as unknown as AttemptRecord));
  }
}
