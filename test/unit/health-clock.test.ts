import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseChronyTracking, parseTimedatectl, parseTimespanMs, parseTimesyncStatusOffset } from '../../daemon/health/clock-parse.js';
import { ClockCheck } from '../../daemon/health/clock.js';
import type { CommandRunner, RunResult } from '../../daemon/health/exec.js';

// Fixtures live in the source tree; compiled tests may sit in dist/ or elsewhere.
function fixturesDir(): string {
  for (const start of [dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    for (let d = start; dirname(d) !== d; d = dirname(d)) {
      if (existsSync(join(d, 'test', 'fixtures', 'health'))) return join(d, 'test', 'fixtures', 'health');
    }
  }
  throw new Error('test/fixtures/health not found');
}
const capture = (name: string): RunResult => JSON.parse(readFileSync(join(fixturesDir(), 'clock', `${name}.json`), 'utf8')) as RunResult;
const near = (actual: number | null, expected: number, eps = 1e-6) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < eps, `${actual} ≉ ${expected}`);

/** Answers each command line with a captured output; anything else is "not installed". */
function fakeRunner(answers: Record<string, RunResult>): CommandRunner & { calls: string[] } {
  const calls: string[] = [];
  const run = async (cmd: string, args: string[]) => {
    const line = [cmd, ...args].join(' ');
    calls.push(line);
    return answers[line] ?? { stdout: '', stderr: `${cmd}: not found`, code: null, failure: 'missing' as const };
  };
  return Object.assign(run, { calls });
}

const CHRONY = 'chronyc -c -n tracking';
const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);

test('chronyc tracking: synchronised, tiny offset (captured)', () => {
  const s = parseChronyTracking(capture('chronyc-tracking-synced').stdout);
  assert.deepEqual({ ...s, offsetMs: null }, { synchronised: true, offsetMs: null, source: '127.0.0.1', stratum: 4 });
  near(s.offsetMs, -0.001292); // "fast of NTP time": local clock ahead → negative
});

test('chronyc tracking: 2.5 s slow of NTP time is +2499.7 ms (captured)', () => {
  const s = parseChronyTracking(capture('chronyc-tracking-synced-slow').stdout);
  assert.equal(s.synchronised, true);
  near(s.offsetMs, 2499.688387);
});

test('chronyc tracking: not synchronised (captured)', () => {
  assert.deepEqual(parseChronyTracking(capture('chronyc-tracking-unsynced').stdout), {
    synchronised: false, offsetMs: null, source: null, stratum: null,
  });
});

test('chronyc tracking: non-CSV output is an error, not a guess', () => {
  assert.throws(() => parseChronyTracking(capture('chronyc-no-daemon').stdout), /no CSV line/);
  assert.throws(() => parseChronyTracking('A,B,C\n'), /expected 14 fields/);
});

test('timedatectl show / show-timesync variants', () => {
  const all = capture('timedatectl-show-timesync-all').stdout;
  assert.deepEqual(parseTimedatectl(capture('timedatectl-show-synced').stdout, all), {
    synchronised: true, offsetMs: null, source: '0.debian.pool.ntp.org (162.159.200.1)', stratum: 3, ntpEnabled: true,
  });
  const unsynced = parseTimedatectl(capture('timedatectl-show-unsynced').stdout, capture('timedatectl-show-timesync-no-server').stdout);
  assert.deepEqual(unsynced, { synchronised: false, offsetMs: null, source: null, stratum: null, ntpEnabled: true });
  assert.equal(parseTimedatectl(capture('timedatectl-show-ntp-disabled').stdout).ntpEnabled, false);
  assert.throws(() => parseTimedatectl('Timezone=UTC\n'), /NTPSynchronized/);
});

test('systemd time spans and the timesync-status offset', () => {
  const cases: [string, number | null][] = [
    ['-1.245ms', -1.245], ['+560us', 0.56], ['+1.5μs', 0.0015], ['1min 2.5s', 62_500], ['34min 8s', 2_048_000],
    ['-2s 500ms', -2500], ['bogus', null], ['', null], ['3 parsecs', null],
  ];
  for (const [text, ms] of cases) {
    const got = parseTimespanMs(text);
    if (ms === null) assert.equal(got, null, text);
    else near(got, ms, 1e-9);
  }
  near(parseTimesyncStatusOffset(capture('timedatectl-timesync-status').stdout), -1.245, 1e-9);
  assert.equal(parseTimesyncStatusOffset('Packet count: 0\n'), null);
});

test('ClockCheck: chrony answers, timedatectl is not asked', async () => {
  const run = fakeRunner({ [CHRONY]: capture('chronyc-tracking-synced') });
  const r = await new ClockCheck({ intervalS: 300, maxOffsetMs: 1000 }, { run, now: () => NOW }).run();
  assert.deepEqual(r, {
    ts: '2026-11-21T12:00:00.000Z', synchronised: true, offsetMs: -0.001, source: '127.0.0.1', method: 'chrony', stratum: 4, alarm: null,
  });
  assert.deepEqual(run.calls, [CHRONY]);
});

test('ClockCheck: offset beyond maxOffsetMs and unsynchronised both alarm', async () => {
  const slow = await new ClockCheck({ intervalS: 1, maxOffsetMs: 1000 }, { run: fakeRunner({ [CHRONY]: capture('chronyc-tracking-synced-slow') }) }).run();
  assert.match(slow.alarm ?? '', /clock offset 2499\.688 ms exceeds 1000 ms \(chrony\)/);
  const unsynced = await new ClockCheck({ intervalS: 1, maxOffsetMs: 1000 }, { run: fakeRunner({ [CHRONY]: capture('chronyc-tracking-unsynced') }) }).run();
  assert.equal(unsynced.synchronised, false);
  assert.match(unsynced.alarm ?? '', /clock not synchronised \(chrony\)/);
});

test('ClockCheck: no chronyc → systemd-timesyncd with offset from timesync-status', async () => {
  const run = fakeRunner({
    'timedatectl show': capture('timedatectl-show-synced'),
    'timedatectl show-timesync --all': capture('timedatectl-show-timesync-all'),
    'timedatectl timesync-status': capture('timedatectl-timesync-status'),
  });
  const r = await new ClockCheck({ intervalS: 1, maxOffsetMs: 1000 }, { run }).run();
  assert.equal(r.method, 'timesyncd');
  assert.equal(r.synchronised, true);
  assert.equal(r.offsetMs, -1.245);
  assert.equal(r.source, '0.debian.pool.ntp.org (162.159.200.1)');
  assert.equal(r.alarm, null);
  assert.equal(r.reason, undefined);
});

test('ClockCheck: NTP switched off is named in the alarm', async () => {
  const run = fakeRunner({ 'timedatectl show': capture('timedatectl-show-ntp-disabled') });
  const r = await new ClockCheck({ intervalS: 1, maxOffsetMs: 1000 }, { run }).run();
  assert.equal(r.method, 'timesyncd');
  assert.match(r.alarm ?? '', /not synchronised \(timesyncd, NTP disabled\)/);
  assert.match(r.reason ?? '', /show-timesync: not installed/);
});

test('ClockCheck: neither daemon answers → unknown, with both reasons', async () => {
  const run = fakeRunner({ [CHRONY]: capture('chronyc-no-daemon'), 'timedatectl show': capture('timedatectl-no-systemd') });
  const r = await new ClockCheck({ intervalS: 1, maxOffsetMs: 1000 }, { run }).run();
  assert.equal(r.method, 'none');
  assert.equal(r.synchronised, null);
  assert.equal(r.offsetMs, null);
  assert.match(r.reason ?? '', /chronyc: 506 Cannot talk to daemon/);
  assert.match(r.reason ?? '', /timedatectl: System has not been booted with systemd/);
  assert.equal(r.alarm, null);
});

test('ClockCheck: without a daemon the SNTP sample is the measurement', async () => {
  const sntp = async (server: string) => ({ server, offsetMs: 12.3456, delayMs: 3.21, stratum: 2 });
  const r = await new ClockCheck({ intervalS: 1, maxOffsetMs: 1000, servers: ['ntp.example'] }, { run: fakeRunner({}), sntp }).run();
  assert.equal(r.method, 'sntp');
  assert.equal(r.offsetMs, 12.346);
  assert.equal(r.source, 'ntp.example');
  assert.deepEqual(r.sntp, { server: 'ntp.example', offsetMs: 12.346, delayMs: 3.21 });
  assert.match(r.reason ?? '', /chronyc: not installed; timedatectl: not installed/);
});

test('ClockCheck: SNTP cross-check catches a daemon synced to a wrong source', async () => {
  const sntp = async (server: string) => ({ server, offsetMs: -5000, delayMs: 20, stratum: 1 });
  const run = fakeRunner({ [CHRONY]: capture('chronyc-tracking-synced') });
  const r = await new ClockCheck({ intervalS: 1, maxOffsetMs: 1000, servers: ['a'] }, { run, sntp }).run();
  assert.equal(r.method, 'chrony');
  assert.match(r.alarm ?? '', /SNTP cross-check: clock off by -5000 ms against a/);
});

test('ClockCheck: every SNTP server failing is reported per server', async () => {
  const sntp = async (server: string) => {
    throw new Error(server === 'a' ? 'no reply within 2000 ms' : 'kiss-of-death RATE (stratum 0)');
  };
  const r = await new ClockCheck({ intervalS: 1, maxOffsetMs: 1000, servers: ['a', 'b'] }, { run: fakeRunner({}), sntp }).run();
  assert.equal(r.method, 'none');
  assert.deepEqual(r.sntp, { server: 'a, b', error: 'a: no reply within 2000 ms; b: kiss-of-death RATE (stratum 0)' });
});

test('ClockCheck.run never throws and never hangs', async () => {
  const broken: CommandRunner = async () => {
    throw new Error('spawn exploded');
  };
  const r1 = await new ClockCheck({ intervalS: 1, maxOffsetMs: 1000 }, { run: broken }).run();
  assert.match(r1.reason ?? '', /clock check failed: spawn exploded/);
  // A runner that never settles: the check's own budget (4 × 1 ms + 1 s here) answers.
  const hung: CommandRunner = () => new Promise(() => undefined);
  const r2 = await new ClockCheck({ intervalS: 1, maxOffsetMs: 1000 }, { run: hung, commandTimeoutMs: 1 }).run();
  assert.equal(r2.method, 'none');
  assert.match(r2.reason ?? '', /did not finish within 1004 ms/);
});
