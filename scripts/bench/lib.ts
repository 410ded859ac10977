// Small tools shared by the benchmarks: result lines, percentiles, free ports,
// and CPU/RSS of a child process read from /proc (Linux, like the gateway).
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** One result line: `name value unit`, the format `npm run bench` promises. */
export function report(name: string, value: number, unit: string): void {
  const v = Number.isInteger(value) ? String(value) : value.toFixed(value >= 100 ? 1 : 3);
  process.stdout.write(`${name} ${v} ${unit}\n`);
}

export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

const TICKS = 100; // USER_HZ on Linux

export interface ProcSample {
  cpuS: number;
  rssBytes: number;
  at: number;
}

export function sampleProc(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuS = (Number(fields[11]) + Number(fields[12])) / TICKS;
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuS, rssBytes: rss ? Number(rss[1]) * 1024 : NaN, at: performance.now() };
}

/** CPU use between two samples, in % of one core. */
export function cpuPercent(a: ProcSample, b: ProcSample): number {
  return ((b.cpuS - a.cpuS) / ((b.at - a.at) / 1000)) * 100;
}

/** Starts a node script as a child and waits until it prints `ready`. */
export async function startChild(script: string, args: string[], readyPattern: RegExp): Promise<ChildProcess> {
  // BENCH_CPU_PROF_DIR=dir: the children write V8 CPU profiles there (to find where time goes).
  // BENCH_NODE_FLAGS="--trace-gc ...": extra node flags for the children.
  const prof = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : [];
  prof.push(...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []));
  const child = spawn(process.execPath, [...prof, script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (readyPattern.test(out)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${out}`)));
  });
  child.removeAllListeners('exit');
  child.stdout!.removeAllListeners('data');
  child.stderr!.removeAllListeners('data');
  if (process.env.BENCH_CHILD_OUTPUT) child.stdout!.on('data', (d: Buffer) => process.stderr.write(d));
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** Times one async call in ms. */
export async function timed<T>(fn: () => Promise<T>, into: number[]): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  into.push(performance.now() - t0);
  return r;
}

/** Connects and boots the simulated chargers; resolves once the daemon has configured every one of them. */
export async function connectConfigured(registry: { on(event: 'configured', fn: () => void): unknown; off(event: 'configured', fn: () => void): unknown }, sims: Array<{ connect(): Promise<void>; boot(): Promise<unknown> }>): Promise<void> {
  let n = 0;
  let done!: () => void;
  const configured = new Promise<void>((resolve) => (done = resolve));
  const on = () => ++n === sims.length && done();
  registry.on('configured', on);
  try {
    await Promise.all(sims.map(async (s) => (await s.connect(), await s.boot())));
    await configured;
  } finally {
    registry.off('configured', on);
  }
}
