// A socat pseudo-terminal pair whose device paths stay the same across restarts,
// so a test can make the "modem" vanish (stop) and come back (start) the way a
// USB modem re-enumerates under the same /dev/serial/by-id name.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RestartablePty {
  /** The engine's end. */
  a: string;
  /** The scripted modem's end. */
  b: string;
  /** Starts socat (again); resolves once both paths exist. */
  start(): Promise<void>;
  /** Kills socat: both paths vanish and open ports see a hang-up. */
  stop(): Promise<void>;
  /** stop() and remove the directory. */
  dispose(): Promise<void>;
}

export async function openRestartablePty(): Promise<RestartablePty> {
  const dir = mkdtempSync(join(tmpdir(), 'sc-modem-pty-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  let proc: ChildProcess | undefined;

  const start = async () => {
    if (proc) throw new Error('socat already running');
    const p = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    proc = p;
    await new Promise<void>((resolve, reject) => {
      let log = '';
      p.once('error', reject);
      p.once('exit', (code) => reject(new Error(`socat exited with ${code}: ${log}`)));
      p.stderr!.on('data', (d: Buffer) => {
        log += d.toString();
        if (log.includes('starting data transfer loop') && existsSync(a) && existsSync(b)) resolve();
      });
    });
    p.removeAllListeners('exit');
    p.stderr!.removeAllListeners('data');
    p.stderr!.resume();
  };

  const stop = async () => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
  };

  await start();
  return {
    a,
    b,
    start,
    stop,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
