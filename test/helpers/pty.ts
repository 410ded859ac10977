// A pair of connected pseudo-terminals made by socat, standing in for a serial
// cable: the device under test opens `a`, the scripted peer opens `b`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PtyPair {
  a: string;
  b: string;
  /** Kills socat: both ends vanish, as when a USB adapter is unplugged. */
  close(): Promise<void>;
}

export async function openPtyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'sc-pty-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const proc: ChildProcess = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`socat exited with ${code}: ${err}`)));
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      // socat logs "starting data transfer loop" once both ptys exist.
      if (err.includes('starting data transfer loop') && existsSync(a) && existsSync(b)) resolve();
    });
  });
  proc.removeAllListeners('exit');
  proc.stderr!.removeAllListeners('data');
  proc.stderr!.resume();
  return {
    a,
    b,
    close: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) {
          rmSync(dir, { recursive: true, force: true });
          return resolve();
        }
        proc.once('exit', () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        proc.kill('SIGTERM');
      }),
  };
}
