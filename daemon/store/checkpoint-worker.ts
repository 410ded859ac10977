// Runs SQLite WAL checkpoints on a worker thread with its own connection. A
// checkpoint copies the WAL into the database file and fsyncs it: 15-20 ms on the
// development disk, far more on a gateway's eMMC. On the main thread that stalled
// every charger's answer; here it runs beside them (WAL allows a concurrent checkpointer).
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database((workerData as { path: string }).path);
db.pragma('busy_timeout = 1000');
db.pragma('synchronous = NORMAL');

parentPort!.on('message', (msg: { id: number; mode: 'PASSIVE' | 'TRUNCATE' } | 'close') => {
  if (msg === 'close') {
    db.close();
    parentPort!.close();
    return;
  }
  try {
    const [r] = db.pragma(`wal_checkpoint(${msg.mode})`) as Array<{ busy: number; log: number; checkpointed: number }>;
    parentPort!.postMessage({ id: msg.id, ok: true, ...r });
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, ok: false, error: (err as Error).message });
  }
});
