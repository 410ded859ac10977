// Running external commands (chronyc, timedatectl, ping, ip) for the health
// checks. The runner never rejects: a missing binary, a timeout or a crash all
// come back as a result, because a health check must report, not throw.
import { execFile } from 'node:child_process';

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit code; null when the process did not exit by itself (not found, timeout, signal). */
  code: number | null;
  /** Set when the command could not run to completion. */
  failure?: 'missing' | 'timeout' | 'error';
}

export type CommandRunner = (cmd: string, args: string[], opts: { timeoutMs: number }) => Promise<RunResult>;

/** Default runner: execFile with a hard timeout and the C locale, so outputs parse the same everywhere. */
export const execRunner: CommandRunner = (cmd, args, { timeoutMs }) =>
  new Promise<RunResult>((resolve) => {
    let settled = false;
    const finish = (r: RunResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      resolve(r);
    };
    // execFile kills the child at timeoutMs, but its callback waits for stdio to
    // close; a grandchild holding the pipe open must not hang the check.
    const guard = setTimeout(() => finish({ stdout: '', stderr: `${cmd}: no exit after ${timeoutMs} ms`, code: null, failure: 'timeout' }), timeoutMs + 1000);
    guard.unref();
    const child = execFile(
      cmd,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1 << 20, env: { ...process.env, LC_ALL: 'C', LANG: 'C' } },
      (err, stdout, stderr) => {
        if (!err) return finish({ stdout, stderr, code: 0 });
        const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null; code?: number | string };
        if (e.code === 'ENOENT') return finish({ stdout, stderr: stderr || `${cmd}: not found`, code: null, failure: 'missing' });
        if (e.killed) return finish({ stdout, stderr: stderr || `${cmd}: timed out after ${timeoutMs} ms`, code: null, failure: 'timeout' });
        if (typeof e.code === 'number') return finish({ stdout, stderr, code: e.code });
        finish({ stdout, stderr: stderr || e.message, code: null, failure: 'error' });
      },
    );
    child.on('error', () => undefined); // reported through the callback above
  });

/** First non-empty line of a command's error output, for human-readable reasons. */
export function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Resolves to `fallback()` when `work` has not settled within `ms`. The work
 * goes on in the background (its own timeouts end it); the caller gets an answer.
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, fallback: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(fallback());
      } catch (err) {
        reject(err); // a fallback may throw to turn the timeout into an error
      }
    }, ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

export function isoTs(ms: number): string {
  return new Date(ms).toISOString();
}
