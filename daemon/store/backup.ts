// `site-controller backup`: an online copy of the store while the daemon runs.
//
// The CLI opens the database itself, read-only, rather than asking the daemon: in WAL mode a
// reader never blocks the daemon's writers, and a backup still works when the daemon is down.
// The copy is made in ONE backup step (all pages), i.e. inside one read transaction: stepping
// a few pages at a time would restart from scratch each time the daemon commits, and under a
// steady stream of meter values might never finish. The result is a snapshot as of that step.
import Database from 'better-sqlite3';
import { readFileSync, renameSync, rmSync, chmodSync, existsSync, statSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { storePathFromConfig } from '../config/load.js';

export function readStorePath(configFile: string): string {
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch (err) {
    throw new Error(`${configFile}: cannot read the file: ${(err as Error).message}`);
  }
  try {
    return storePathFromConfig(text);
  } catch (err) {
    throw new Error(`${configFile}: ${(err as Error).message}`);
  }
}

export interface BackupResult {
  output: string;
  pages: number;
  bytes: number;
  /** Rows of the transactions table in the copy (what an operator cares about most). */
  transactions: number;
}

/**
 * Copies the database at `source` to `output` (mode 0600), checks the copy with
 * PRAGMA integrity_check and only then moves it into place: `output` is either the old file
 * or a complete, verified copy, never half a backup.
 */
export async function backupStore(source: string, output: string): Promise<BackupResult> {
  if (!existsSync(source)) throw new Error(`no database at ${source} (store.path)`);
  const tmp = join(dirname(output), `.${basename(output)}.tmp-${process.pid}`);
  // The copy holds every transaction and idTag: nobody but its owner reads it, not even for
  // the moment between create and chmod.
  const oldUmask = process.umask(0o077);
  let src: Database.Database | undefined;
  try {
    // readonly: the CLI never writes the live store. fileMustExist: no empty db is conjured up
    // at a mistyped path. (Run as root, SQLite gives any -shm it creates to the db's owner.)
    src = new Database(source, { readonly: true, fileMustExist: true });
    src.pragma('busy_timeout = 5000');
    // First step (0 pages) sizes the job; the callback then asks for everything in one step.
    const progress = await src.backup(tmp, { progress: () => 0x7fffffff });
    src.close();
    src = undefined;
    chmodSync(tmp, 0o600);
    const copy = new Database(tmp);
    let transactions = 0;
    try {
      // A self-contained single file: rollback journal mode, so no -wal/-shm travel with it.
      // The daemon switches a restored file back to WAL when it opens it.
      copy.pragma('journal_mode = DELETE');
      const check = copy.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new Error(`the copy failed PRAGMA integrity_check: ${String(check)}`);
      const hasTx = copy.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'transactions'").get();
      if (hasTx) transactions = (copy.prepare('SELECT COUNT(*) AS n FROM transactions').get() as { n: number }).n;
    } finally {
      copy.close();
    }
    renameSync(tmp, output);
    return { output, pages: progress.totalPages, bytes: statSync(output).size, transactions };
  } catch (err) {
    src?.close();
    rmSync(tmp, { force: true });
    rmSync(`${tmp}-journal`, { force: true });
    throw err;
  } finally {
    process.umask(oldUmask);
  }
}
