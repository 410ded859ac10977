// The SQLite store: WAL, versioned migrations, and a group-commit queue whose
// promises resolve only once the commit is on disk (see CommitQueue).
import Database from 'better-sqlite3';
import { mkdirSync, openSync, closeSync, statSync, fdatasync, chmodSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrations, type Migration } from './migrations.js';

export type Db = Database.Database;

export interface OpenOptions {
  path: string;
  /** For tests of upgrades; defaults to all known migrations. */
  migrations?: Migration[];
}

/**
 * The store holds id tags, transactions and the cloud's messages: only the service
 * user may read it. A directory we create is 0700 (an existing one, e.g. systemd's
 * StateDirectory, is left as its owner set it). The database file is created 0600
 * before SQLite opens it, and an older 0644 one is tightened; SQLite gives the -wal
 * and -shm files the database file's mode, whatever the umask.
 */
function privateFiles(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // Only created here ('wx'), never opened for writing: SQLite decides what to do with an existing file.
  if (!existsSync(path)) {
    try {
      closeSync(openSync(path, 'wx', 0o600));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  for (const f of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      if (statSync(f).mode & 0o077) chmodSync(f, 0o600);
    } catch {
      // Absent, or not ours to change (a copy opened read-only): SQLite reports what matters when it opens it.
    }
  }
}

export function openDatabase(opts: OpenOptions): Db {
  if (opts.path !== ':memory:') privateFiles(opts.path);
  const db = new Database(opts.path);
  db.pragma('journal_mode = WAL');
  // Durability comes from CommitQueue syncing the WAL before answering; see there.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, opts.migrations ?? migrations);
  return db;
}

export function migrate(db: Db, list: Migration[]): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version));
  const known = Math.max(0, ...list.map((m) => m.version));
  const newest = Math.max(0, ...applied);
  if (newest > known) {
    // A downgrade would write rows the old code does not understand: refuse loudly.
    throw new Error(`database schema version ${newest} is newer than this build knows (${known}); refusing to run an older site-controller on it`);
  }
  const done: number[] = [];
  for (const m of [...list].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    })();
    done.push(m.version);
  }
  return done;
}

interface Job {
  fn: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

interface Committed {
  job: Job;
  value: unknown;
}

/**
 * Group commit with durability off the event loop.
 *
 * Work queued in one turn of the event loop runs in one SQLite transaction, each
 * job in its own savepoint (a failing job rolls back alone). The database runs with
 * synchronous=NORMAL, so COMMIT itself does not fsync; instead the WAL file is
 * fdatasync'ed on libuv's thread pool and a job's promise resolves only after the
 * sync that followed its COMMIT has completed. That is the same guarantee as
 * synchronous=FULL (every committed frame is on disk before anyone is told), but
 * the 3-5 ms fsync no longer blocks the event loop, and commits made while one
 * sync is in flight share the next one.
 */
export class CommitQueue {
  private jobs: Job[] = [];
  private scheduled = false;
  private closed = false;
  /** Committed, waiting for the next WAL sync. */
  private unsynced: Committed[] = [];
  private syncing = false;
  private walFd: number | null = null;
  private walIno = 0;
  private readonly idleWaiters: Array<() => void> = [];
  commits = 0;
  syncs = 0;

  private readonly sql;

  /** walPath null: no file to sync (":memory:"), jobs resolve after COMMIT. */
  constructor(private readonly db: Db, private readonly walPath: string | null) {
    this.sql = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT job'),
      release: db.prepare('RELEASE job'),
      rollbackTo: db.prepare('ROLLBACK TO job'),
    };
  }

  run<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything queued now (synchronously) and starts its WAL sync. */
  flush(): void {
    this.scheduled = false;
    const jobs = this.jobs;
    this.jobs = [];
    if (jobs.length === 0) return;
    const outcomes: Array<{ ok: boolean; value: unknown }> = [];
    const sql = this.sql;
    try {
      // Prepared BEGIN/SAVEPOINT statements: db.transaction() builds wrapper functions
      // per call, which costs more than the insert itself at thousands of jobs a second.
      sql.begin.run();
      for (const job of jobs) {
        sql.savepoint.run();
        try {
          outcomes.push({ ok: true, value: job.fn() });
          sql.release.run();
        } catch (err) {
          if (!this.db.inTransaction) {
            // SQLite rolled the whole transaction back by itself (disk full, I/O error):
            // every job of this batch is undone, so every one fails with the real cause.
            for (const j of jobs) j.reject(err);
            return;
          }
          sql.rollbackTo.run();
          sql.release.run();
          outcomes.push({ ok: false, value: err });
        }
      }
      sql.commit.run();
      this.commits++;
    } catch (err) {
      if (this.db.inTransaction) sql.rollback.run();
      for (const job of jobs) job.reject(err);
      return;
    }
    jobs.forEach((job, i) => {
      if (outcomes[i].ok) this.unsynced.push({ job, value: outcomes[i].value });
      else job.reject(outcomes[i].value);
    });
    this.sync();
  }

  private walDescriptor(): number | null {
    if (this.walPath === null) return null;
    // Reopen if SQLite replaced the file (it does not while open, but be sure).
    try {
      const ino = statSync(this.walPath).ino;
      if (this.walFd !== null && ino === this.walIno) return this.walFd;
      if (this.walFd !== null) closeSync(this.walFd);
      this.walFd = openSync(this.walPath, 'r');
      this.walIno = ino;
      return this.walFd;
    } catch {
      this.walFd = null;
      return null;
    }
  }

  private sync(): void {
    if (this.syncing || this.unsynced.length === 0) return;
    const batch = this.unsynced;
    this.unsynced = [];
    const fd = this.walDescriptor();
    if (fd === null) {
      // The WAL file could not be opened (should not happen): make the commits durable
      // the blocking way, a full checkpoint, which syncs the WAL and the database file.
      if (this.walPath !== null) this.db.pragma('wal_checkpoint(FULL)');
      this.settle(batch, null);
      return;
    }
    this.syncing = true;
    fdatasync(fd, (err) => {
      this.syncing = false;
      this.syncs++;
      this.settle(batch, err);
      this.sync();
    });
  }

  private settle(batch: Committed[], err: Error | null): void {
    for (const c of batch) {
      if (err) c.job.reject(new Error(`store: could not make the commit durable: ${err.message}`));
      else c.job.resolve(c.value);
    }
    if (!this.syncing && this.unsynced.length === 0 && this.jobs.length === 0) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** Resolves when everything queued so far is committed and synced. */
  idle(): Promise<void> {
    if (this.jobs.length > 0) this.flush();
    if (!this.syncing && this.unsynced.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops accepting work; resolves once everything queued is committed and synced. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
    if (this.walFd !== null) {
      closeSync(this.walFd);
      this.walFd = null;
    }
  }
}
