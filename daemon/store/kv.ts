// A small key-value table for site state that is not worth a table of its own
// (e.g. counters, last-known versions). Values are JSON.
import type { Db } from './db.js';

export class KvRepository {
  private readonly q;
  constructor(db: Db, private readonly now: () => number = Date.now) {
    this.q = {
      get: db.prepare('SELECT value FROM kv WHERE key = ?'),
      set: db.prepare('INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at'),
      del: db.prepare('DELETE FROM kv WHERE key = ?'),
    };
  }

  get<T>(key: string): T | undefined {
    const row = this.q.get.get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  set(key: string, value: unknown): void {
    this.q.set.run(key, JSON.stringify(value), this.now());
  }

  delete(key: string): void {
    this.q.del.run(key);
  }
}
