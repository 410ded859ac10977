// Logs where operators look: under systemd every line carries its syslog priority so
// `journalctl -p warning` filters; in a terminal or a file there is no prefix; and no line
// names its component or phase twice (`balancer: balancer:`, `dns: DNS:`).
import test, { type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import WebSocket from 'ws';
import { CLI } from '../helpers/child.js';
import { makeTempDir, startSite, testConfigObject, writeConfig } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';
import { SimCharger } from '../../scripts/sim/charger-sim.js';
import { renderSnapshot } from '../../daemon/control/render.js';
import type { BalancerEvent } from '../../daemon/balancer/events.js';

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/**
 * Runs `site-controller run` as systemd would: with `journal`, JOURNAL_STREAM is set to the
 * device and inode of the process's actual stderr (computed by a shell from /proc, the way
 * systemd passes its journal socket's); with a string, that value; with null, unset.
 * A charger with a wrong password makes a warning; then SIGTERM. Returns stderr.
 */
async function runDaemon(t: TestContext, journal: 'journal' | string | null): Promise<string> {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = writeConfig(dir, testConfigObject(dir, { log: { level: 'debug', levels: { ocpp: 'trace' } } }));
  const env: NodeJS.ProcessEnv = { ...process.env, JOURNAL_STREAM: journal === 'journal' || journal === null ? undefined : journal };
  const script = journal === 'journal'
    ? 'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) && export JOURNAL_STREAM && exec "$@"'
    : 'exec "$@"';
  const proc = spawn('sh', ['-c', script, 'sh', process.execPath, CLI, 'run', '-c', config], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const exited = once(proc, 'exit');
  t.after(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  let err = '';
  const seen = (re: RegExp) => new Promise<RegExpExecArray>((resolve, reject) => {
    const check = () => {
      const m = re.exec(err);
      if (m) {
        proc.stderr!.off('data', check);
        resolve(m);
      }
    };
    proc.stderr!.on('data', check);
    exited.then(() => reject(new Error(`daemon exited before printing ${re}:\n${err}`)));
    check();
  });
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const [, port] = await within(seen(/listening .*port=(\d+)/), 10_000, 'the daemon to listen');
  const ws = new WebSocket(`ws://CP-1:wrong@127.0.0.1:${port}/ocpp/CP-1`, ['ocpp1.6']);
  ws.on('error', () => {}); // refused with 401: expected
  await within(seen(/refused: wrong password/), 5000, 'the refusal to be logged');
  ws.terminate();
  proc.kill('SIGTERM');
  const [code] = await within(exited, 10_000, 'the daemon to exit on SIGTERM');
  assert.equal(code, 0, err);
  return err;
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

test('under journald (JOURNAL_STREAM is our stderr) every line starts with its priority', { timeout: 30_000 }, async (t) => {
  const out = lines(await runDaemon(t, 'journal'));
  const want: Record<string, string> = { error: '<3>', warn: '<4>', info: '<6>', debug: '<7>', trace: '<7>' };
  for (const l of out) {
    const m = /^(<\d>)(\w+) /.exec(l);
    assert.ok(m, `line without a priority prefix: ${l}`);
    assert.equal(m[1], want[m[2]], l);
  }
  assert.ok(out.some((l) => l.startsWith('<4>warn local: refused: wrong password')), 'the warning is <4>');
  assert.ok(out.some((l) => l.startsWith('<6>info site-controller: started')), 'info is <6>');
});

test('without the journal there is no prefix: JOURNAL_STREAM unset, or naming another stream', { timeout: 30_000 }, async (t) => {
  for (const journal of [null, '1:1']) {
    const out = lines(await runDaemon(t, journal));
    assert.ok(out.some((l) => l.startsWith('warn local: refused: wrong password')), `JOURNAL_STREAM=${journal}: the warning is there, unprefixed`);
    assert.deepEqual(out.filter((l) => /^<\d>/.test(l)), [], `JOURNAL_STREAM=${journal}`);
  }
});

test('no log line or status line says its component or phase twice', { timeout: 30_000 }, async (t) => {
  const site = await startSite({
    logLevel: 'debug',
    overrides: {
      site: { grid: { maxCurrentA: 40, safetyMarginA: 2, nominalVoltageV: 230 } },
      chargers: [{ id: 'CP-X', password: 'pw-x', connectors: 1, maxCurrentA: 16 }],
      balancer: { fallbackBudgetA: 16, increaseIntervalS: 0.3, profileValidityS: 4, carReactionS: 0.3 },
      // Nothing resolves: the cloud link fails in phase dns.
      upstream: { url: 'ws://no-such-host.invalid/ocpp', identity: 'SITE-1', password: 'p', reconnect: { minS: 5, maxS: 5 }, pingIntervalS: 0 },
    },
  });
  // A charger that takes no profile: the balancer reports it (that printed `balancer: balancer:`).
  const sim = new SimCharger({ url: site.url, id: 'CP-X', password: 'pw-x', connectors: 1, phases: 3, maxCurrentA: 16, rejectProfiles: true });
  t.after(async () => {
    await sim.close();
    await site.stop();
  });
  const balancer = site.daemon.balancer!;
  const events: BalancerEvent[] = [];
  balancer.on('event', (e) => events.push(e));
  const service = site.daemon.upstream!.service;
  await within(until(() => service.diagnostics(1).length > 0, [service, 'state']), 10_000, 'the first cloud link attempt');
  await within(sim.connect().then(() => sim.boot()), 5000, 'CP-X to boot');
  await within(until(() => events.some((e) => e.type === 'profile-rejected'), [balancer, 'event']), 10_000, 'CP-X to be reported refusing a profile');

  const status = renderSnapshot(site.daemon.snapshot());
  const doubled = /(?:^|[\s(])([a-z][\w-]*): \1:/i;
  assert.ok(site.logs.some((l) => l.startsWith('warn balancer: profile-rejected charger=CP-X')), site.logs.join('\n'));
  assert.deepEqual(site.logs.filter((l) => doubled.test(l)), []);
  assert.deepEqual(status.split('\n').filter((l) => doubled.test(l)), []);
  assert.match(status, /no-such-host\.invalid/, 'status names the host the lookup failed for');
});
