// The store facade the services get injected: one database, one commit queue,
// the repositories. close() flushes pending work and checkpoints the WAL.
import { openDatabase, CommitQueue, type Db } from './db.js';
import { TransactionRepository } from './transactions.js';
import { ChargerRepository } from './chargers.js';
import { KvRepository } from './kv.js';
import { Checkpointer } from './checkpointer.js';

export class Store {
  readonly db: Db;
  readonly commits: CommitQueue;
  readonly transactions: TransactionRepository;
  readonly chargers: ChargerRepository;
  readonly kv: KvRepository;
  /** null for ":memory:". */
  readonly checkpointer: Checkpointer | null;

  constructor(path: string, now: () => number = Date.now) {
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

  /** Runs fn in the next group commit; resolves after it is on disk. */
  write<T>(fn: () => T): Promise<T> {
    return this.commits.run(fn);
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    await this.commits.close();
    await this.checkpointer?.stop();
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
  }
}
