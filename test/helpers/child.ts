// Runs the built daemon as a real child process (as systemd would), so tests can
// kill -9 it and restart it on the same database.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../daemon/cli.js', import.meta.url));

export interface DaemonProcess {
  proc: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `site-controller run -c file` and resolves once it listens (port parsed from its log). */
export async function spawnDaemon(configFile: string, env: NodeJS.ProcessEnv = {}): Promise<DaemonProcess> {
  const proc = spawn(process.execPath, [CLI, 'run', '-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  const exited = once(proc, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening .*port=(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    exited.then(({ code }) => reject(new Error(`daemon exited with ${code} before listening:\n${out}`)));
  });
  return {
    proc,
    port,
    output: () => out,
    exited,
    async kill(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}
