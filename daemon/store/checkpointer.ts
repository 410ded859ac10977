// Keeps the WAL short without blocking the event loop: when the WAL file passes a
// size, a worker thread checkpoints it (see checkpoint-worker.ts). The main
// connection's own auto-checkpoint stays on at a much larger size, as a backstop if
// the worker ever fails.
import { Worker } from 'node:worker_threads';
import { statSync } from 'node:fs';

export interface CheckpointResult {
  ok: boolean;
  busy?: number;
  log?: number;
  checkpointed?: number;
  error?: string;
}

export class Checkpointer {
  private worker: Worker | null = null;
  private timer: NodeJS.Timeout | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (r: CheckpointResult) => void>();
  private inFlight = false;
  checkpoints = 0;
  lastError: string | null = null;

  constructor(private readonly dbPath: string, private readonly opts: { thresholdBytes?: number; intervalMs?: number } = {}) {}

  start(): void {
    this.worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), { workerData: { path: this.dbPath } });
    this.worker.on('message', (m: CheckpointResult & { id: number }) => {
      this.pending.get(m.id)?.(m);
      this.pending.delete(m.id);
    });
    this.worker.on('error', (err) => {
      this.lastError = err.message;
      for (const done of this.pending.values()) done({ ok: false, error: err.message });
      this.pending.clear();
      this.worker = null;
    });
    this.worker.unref();
    this.timer = setInterval(() => {
      if (!this.inFlight && this.walBytes() >= (this.opts.thresholdBytes ?? 1024 * 1024)) void this.checkpoint();
    }, this.opts.intervalMs ?? 1000);
    this.timer.unref();
  }

  walBytes(): number {
    try {
      return statSync(`${this.dbPath}-wal`).size;
    } catch {
      return 0;
    }
  }

  /** One checkpoint on the worker now. */
  checkpoint(mode: 'PASSIVE' | 'TRUNCATE' = 'PASSIVE'): Promise<CheckpointResult> {
    const worker = this.worker;
    if (!worker) return Promise.resolve({ ok: false, error: this.lastError ?? 'checkpointer not running' });
    const id = this.nextId++;
    this.inFlight = true;
    // Held while an answer is awaited, so the process does not exit from under it.
    worker.ref();
    return new Promise<CheckpointResult>((resolve) => {
      this.pending.set(id, (r) => {
        this.inFlight = false;
        worker.unref();
        if (r.ok) this.checkpoints++;
        else this.lastError = r.error ?? 'checkpoint failed';
        resolve(r);
      });
      worker.postMessage({ id, mode });
    });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    // Unref'd while running so it never keeps the process alive; ref'd now so we can wait for it.
    worker.ref();
    worker.postMessage('close');
    await exited;
  }
}
