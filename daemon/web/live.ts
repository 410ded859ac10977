// The page's live feed: Server-Sent Events. A change anywhere in the site marks the
// feed dirty; at most once per pushIntervalMs one status is built (once, whatever the
// number of pages) and written to every open page. A page that does not read (a phone
// that went to sleep on a slow link, a hostile client) is dropped once its unsent bytes
// pass the bound; it never makes the daemon wait or grow. The browser's EventSource
// reconnects by itself (after a drop, or after the daemon restarted).
// Frames: `status` (the whole status) when a page opens, then `patch` (diff.ts: what
// changed since the previous push), so a large site does not resend every charger.
import type { ServerResponse } from 'node:http';
import { diff } from './diff.js';

export interface LiveOptions {
  maxClients: number;
  maxBufferedBytes: number;
  pushIntervalMs: number;
  /** A comment line this often keeps proxies and phones from closing an idle feed. */
  keepaliveMs?: number;
  now?: () => number;
  /** Told the number of open pages whenever it changes (tests and stats await it). */
  onClients?: (clients: number) => void;
}

export interface LiveStats {
  clients: number;
  pushes: number;
  /** Size of the last patch frame written (what one page receives per update). */
  lastFrameBytes: number;
  /** Size of the last whole-status frame (what a page receives when it opens). */
  lastFullBytes: number;
  bytesSent: number;
  dropped: number;
  refused: number;
}

export class LiveFeed {
  private readonly clients = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private keepalive: NodeJS.Timeout | undefined;
  private lastPushAt = -Infinity;
  private readonly now: () => number;
  readonly counters = { pushes: 0, lastFrameBytes: 0, lastFullBytes: 0, bytesSent: 0, dropped: 0, refused: 0 };
  /** The status the open pages have (as plain JSON), and its whole-status frame once built. */
  private base: unknown = null;
  private baseFrame: string | null = null;

  constructor(private readonly build: () => unknown, private readonly opts: LiveOptions) {
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    const every = this.opts.keepaliveMs ?? 15_000;
    this.keepalive = setInterval(() => this.writeAll(': keepalive\n\n'), every);
    this.keepalive.unref();
  }

  /** Takes an accepted SSE request; false (and nothing written) when the page limit is reached. */
  add(res: ServerResponse): boolean {
    if (this.clients.size >= this.opts.maxClients) {
      this.counters.refused++;
      return false;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    this.clients.add(res);
    this.opts.onClients?.(this.clients.size);
    res.on('close', () => {
      if (this.clients.delete(res)) this.left();
    });
    res.socket?.setNoDelay(true);
    // A fresh page gets the status the others have (the base of the next patch), then changes.
    if (this.base === null) this.base = this.current();
    this.baseFrame ??= this.full(this.base);
    this.write(res, this.baseFrame);
    this.changed();
    return true;
  }

  /** Something changed: push within pushIntervalMs, coalescing whatever else changes meanwhile. */
  changed(): void {
    if (this.timer || this.clients.size === 0) return;
    const wait = Math.max(0, this.lastPushAt + this.opts.pushIntervalMs - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.push();
    }, wait);
  }

  stats(): LiveStats {
    return { clients: this.clients.size, ...this.counters };
  }

  stop(): void {
    clearTimeout(this.timer);
    clearInterval(this.keepalive);
    this.timer = this.keepalive = undefined;
    for (const res of this.clients) res.destroy();
    this.clients.clear();
    this.base = this.baseFrame = null;
  }

  private push(): void {
    if (this.clients.size === 0) return;
    this.lastPushAt = this.now();
    const next = this.current();
    const ops = diff(this.base, next);
    this.base = next;
    this.baseFrame = null;
    if (ops.length === 0) return;
    this.counters.pushes++;
    const f = `event: patch\ndata: ${JSON.stringify(ops)}\n\n`;
    this.counters.lastFrameBytes = Buffer.byteLength(f);
    this.writeAll(f);
  }

  /** The status as plain JSON: what a page holds (services may hand out objects they later change). */
  private current(): unknown {
    return JSON.parse(JSON.stringify(this.build()));
  }

  private full(status: unknown): string {
    const f = `event: status\ndata: ${JSON.stringify(status)}\n\n`;
    this.counters.lastFullBytes = Buffer.byteLength(f);
    return f;
  }

  /** A page left: with none left, the base is let go (the next page gets a fresh one). */
  private left(): void {
    this.opts.onClients?.(this.clients.size);
    if (this.clients.size === 0) {
      this.base = null;
      this.baseFrame = null;
    }
  }

  private writeAll(frame: string): void {
    for (const res of this.clients) this.write(res, frame);
  }

  private write(res: ServerResponse, frame: string): void {
    // writableLength: what this page has not taken yet. Past the bound it is dropped, not waited for.
    if (res.writableLength > this.opts.maxBufferedBytes) {
      this.counters.dropped++;
      this.clients.delete(res);
      res.destroy();
      this.left();
      return;
    }
    res.write(frame);
    this.counters.bytesSent += frame.length;
  }
}
