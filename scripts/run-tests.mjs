// Runs every compiled *.test.js under dist/test with node:test. Node 20's --test
// treats every file under a directory named "test" as a test file (helpers too),
// and has no glob support yet, so we list the test files ourselves.
//
// Nothing may hang the suite (issue 8 item 16): each test has node's --test-timeout,
// and each file runs in its own process group under a watchdog that kills the group
// (the file's daemons and simulators with it) when the file exceeds its bound. A file's
// output is printed in one piece when it ends, so two files running at once stay readable.
//
// Env: TEST_TIMEOUT_S (per test, default 120), TEST_FILE_TIMEOUT_S (per file, default 300),
// TEST_CONCURRENCY (files at once, default 2).
import { readdirSync, statSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'test');
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js')) files.push(p);
  }
})(root);
const filter = process.argv.slice(2);
const chosen = filter.length ? files.filter((f) => filter.some((s) => f.includes(s))) : files;
if (chosen.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

const num = (v, d) => (Number(v) > 0 ? Number(v) : d);
const testTimeoutMs = num(process.env.TEST_TIMEOUT_S, 120) * 1000;
const fileTimeoutMs = num(process.env.TEST_FILE_TIMEOUT_S, 300) * 1000;
const concurrency = num(process.env.TEST_CONCURRENCY, 2);

/** Runs one file; resolves with its outcome, never rejects, never outlives fileTimeoutMs. */
function runFile(file) {
  const name = relative(root, file);
  const started = Date.now();
  return new Promise((resolve) => {
    // detached: its own process group, so the watchdog can kill everything it started.
    const child = spawn(process.execPath, ['--test', `--test-timeout=${testTimeoutMs}`, '--test-reporter=spec', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    running.add(child.pid);
    const chunks = [];
    child.stdout.on('data', (d) => chunks.push(d));
    child.stderr.on('data', (d) => chunks.push(d));
    let timedOut = false;
    const watchdog = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, fileTimeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(watchdog);
      running.delete(child.pid);
      const seconds = (Date.now() - started) / 1000;
      let out = Buffer.concat(chunks).toString();
      if (timedOut) out += `\n✖ ${name}: killed after ${fileTimeoutMs / 1000} s (TEST_FILE_TIMEOUT_S); its output so far is above\n`;
      resolve({ name, ok: !timedOut && code === 0, code, signal, timedOut, seconds, out });
    });
  });
}

// Stop everything we started if the runner itself is interrupted.
const running = new Set();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const pid of running) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {}
    }
    process.exit(130);
  });
}

const queue = [...chosen];
const results = [];
async function worker() {
  while (queue.length > 0) {
    const file = queue.shift();
    const r = await runFile(file);
    process.stdout.write(`\n# ${r.name} (${r.seconds.toFixed(1)} s)\n${r.out}`);
    results.push(r);
  }
}
await Promise.all(Array.from({ length: Math.min(concurrency, chosen.length) }, worker));

const failed = results.filter((r) => !r.ok);
process.stdout.write(`\n# files ${results.length}, passed ${results.length - failed.length}, failed ${failed.length}\n`);
for (const r of failed) process.stdout.write(`#   FAILED ${r.name}${r.timedOut ? ' (file timeout)' : ` (exit ${r.code ?? r.signal})`}\n`);
process.exit(failed.length > 0 ? 1 : 0);
