// The store facade the services get injected: one database, one commit queue,
// the repositories. close() flushes pending work and checkpoints the WAL.
import { EventEmitter } from 'node:events';
import { openDatabase, CommitQueue, type Db } from './db.js';
import { TransactionRepository } from './transactions.js';
import { ChargerRepository } from './chargers.js';
import { KvRepository } from './kv.js';
import { Checkpointer } from './checkpointer.js';

/** A write failed because of the storage itself (full, read-only, I/O), not because of one job's data. */
export function isStorageFault(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN|CORRUPT|NOTADB|PROTOCOL)/.test(code)) return true;
  return err instanceof Error && err.message.startsWith('store: could not make the commit durable');
}

export interface StoreFault {
  code: string;
  message: string;
  since: number;
}

export interface StoreEvent {
  type: 'alarm' | 'cleared';
  code: 'store-write-failed';
  message: string;
  sqliteCode?: string;
}

function describeFault(code: string, message: string): string {
  if (code === 'SQLITE_FULL') return `the store's disk is full (${message})`;
  if (code.startsWith('SQLITE_READONLY')) return `the store is read-only (${message})`;
  if (code.startsWith('SQLITE_IOERR')) return `I/O error on the store's disk (${message})`;
  return message;
}

/**
 * Events: 'event' (StoreEvent) once when writes start failing for a storage reason, and
 * once when a write succeeds again. While it lasts, transaction messages are refused with
 * a CALLERROR (the charger keeps them and sends them again), nothing is lost.
 */
export class Store extends EventEmitter<{ event: [StoreEvent] }> {
  readonly db: Db;
  readonly commits: CommitQueue;
  readonly transactions: TransactionRepository;
  readonly chargers: ChargerRepository;
  readonly kv: KvRepository;
  /** null for ":memory:". */
  readonly checkpointer: Checkpointer | null;

  private faultState: StoreFault | null = null;

  constructor(path: string, private readonly now: () => number = Date.now) {
    super();
    this.db = openDatabase({ path });
    this.commits = new CommitQueue(this.db, path === ':memory:' ? null : `${path}-wal`);
    this.transactions = new TransactionRepository(this.db, now);
    this.chargers = new ChargerRepository(this.db, now);
    this.kv = new KvRepository(this.db, now);
    this.checkpointer = path === ':memory:' ? null : new Checkpointer(path);
    if (this.checkpointer) {
      // The worker checkpoints from 1 MB of WAL; the main thread only from ~80 MB, as a backstop.
      this.db.pragma('wal_autocheckpoint = 20000');
      this.checkpointer.start();
    }
  }

  /**
   * Runs fn in the next group commit; resolves after it is on disk. `transaction`: a
   * charger's transaction message. Any write failing for a storage reason raises the fault;
   * only a transaction message stored again clears it (a small write that fits in a free
   * page says nothing about a full disk, and would make the alarm flap).
   */
  write<T>(fn: () => T, kind: 'transaction' | 'other' = 'other'): Promise<T> {
    const p = this.commits.run(fn);
    p.then(kind === 'transaction' ? this.wrote : undefined, this.writeFailed);
    return p;
  }

  /** The storage fault in force (writes failing since), or null. */
  get fault(): StoreFault | null {
    return this.faultState;
  }

  private readonly wrote = (): void => {
    const f = this.faultState;
    if (!f) return;
    this.faultState = null;
    this.emit('event', { type: 'cleared', code: 'store-write-failed', message: `transaction messages are stored again (failing since ${new Date(f.since).toISOString()}: ${f.message})` });
  };

  private readonly writeFailed = (err: unknown): void => {
    if (this.faultState || !isStorageFault(err)) return;
    const code = String((err as { code?: unknown }).code ?? 'durability');
    const message = describeFault(code, (err as Error).message);
    this.faultState = { code, message, since: this.now() };
    this.emit('event', { type: 'alarm', code: 'store-write-failed', sqliteCode: code, message: `${message}: chargers' transaction messages are refused with a CALLERROR until it is fixed` });
  };

  async close(): Promise<void> {
    if (!this.db.open) return;
    await this.commits.close();
    await this.checkpointer?.stop();
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
  }
}
