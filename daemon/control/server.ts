// The local control socket `site-controller status` talks to: a Unix socket next to
// the store, one JSON request per line, one JSON answer per line. Only the service
// user (and root) can open it (mode 0600).
import { createServer, Socket, type Server } from 'node:net';
import { chmodSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from '../log.js';

export function controlSocketPath(storePath: string): string {
  return join(dirname(storePath), 'control.sock');
}

/** One request line: `cmd` and, for some commands, arguments (e.g. probe-charger's `id`). May answer later (a Promise). */
export type ControlHandler = (request: { cmd: string; [arg: string]: unknown }) => unknown;

export class ControlServer {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly path: string, private readonly handler: ControlHandler, private readonly log: Logger) {}

  async start(): Promise<void> {
    // A socket file left by a crash would make listen fail with EADDRINUSE: remove it, but only
    // when nothing answers there. Removing a running daemon's socket would leave that daemon
    // unreachable for `status` while it goes on charging cars.
    if (await someoneListens(this.path)) throw new Error(`another site-controller is running (it answers on ${this.path}); stop it first`);
    rmSync(this.path, { force: true });
    const server = createServer((sock) => this.onConnection(sock));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => resolve());
    });
    chmodSync(this.path, 0o600);
    this.server = server;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    if (!server) return; // never listened: the file, if any, is not ours
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }

  private onConnection(sock: Socket): void {
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      if (buf.length > 65536) return void sock.destroy();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let answer: unknown;
        try {
          const req = JSON.parse(line) as { cmd?: unknown };
          answer = req !== null && typeof req === 'object' && typeof req.cmd === 'string' ? this.handler(req as { cmd: string }) : { error: 'request must be {"cmd": "..."}' };
        } catch (err) {
          answer = { error: err instanceof SyntaxError ? 'request is not JSON' : (err as Error).message };
          if (!(err instanceof SyntaxError)) this.log.error('control request failed', { err: (err as Error).message });
        }
        if (answer instanceof Promise) {
          // A long command (probe-charger) answers when done; its failure is the answer, never a crash.
          answer.then(
            (a) => !sock.destroyed && sock.write(JSON.stringify(a) + '\n'),
            (err: Error) => !sock.destroyed && sock.write(JSON.stringify({ error: err.message }) + '\n'),
          );
        } else sock.write(JSON.stringify(answer) + '\n');
      }
    });
  }
}

/** Whether a process accepts connections on this socket path (a full backlog counts as yes). */
function someoneListens(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = new Socket();
    const done = (yes: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(yes);
    };
    const timer = setTimeout(() => done(true), timeoutMs);
    sock.once('error', () => done(false));
    sock.connect(path, () => done(true));
  });
}

/** Why there is no daemon to ask, in words that say what to look at. */
function notRunning(err: NodeJS.ErrnoException, path: string): string {
  if (err.code === 'ENOENT') return `the daemon is not running (no control socket at ${path})`;
  if (err.code === 'ECONNREFUSED') return `the daemon is not running (stale control socket ${path}: nothing listens on it)`;
  if (err.code === 'EACCES') return `permission denied on ${path} (run as the service user or root)`;
  return err.message;
}

/** Client side: one request, one answer. */
export function queryControl(path: string, cmd: string, timeoutMs = 5000, args: Record<string, unknown> = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = new Socket();
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer from ${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(notRunning(err, path)));
    });
    sock.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      sock.end();
      try {
        resolve(JSON.parse(buf.slice(0, nl)));
      } catch (err) {
        reject(err);
      }
    });
    sock.connect(path, () => sock.write(JSON.stringify({ ...args, cmd }) + '\n'));
  });
}
