// The health service's scheduling and alarm logic with fake checks and a fake
// schedule (the test fires the ticks), plus one run on real node-cron to prove
// stop() releases its timers.
import test from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import cron from 'node-cron';
import { HealthService, alarmCodes, modemResult, checksFromConfig, type HealthCheck, type HealthEvent, type HealthResult } from '../../daemon/health/service.js';
import { cronForInterval, cronSchedule, type ScheduleFn } from '../../daemon/health/scheduler.js';
import { parseConfig } from '../../daemon/config/load.js';
import { silentLogger } from '../../daemon/log.js';

const TS = '2026-11-21T10:00:00.000Z';

/** A check whose runs the test finishes by hand. */
class FakeCheck extends EventEmitter implements HealthCheck {
  readonly pending: Array<(r: HealthResult) => void> = [];
  runs = 0;
  closed = false;
  constructor(readonly name: string) {
    super();
  }
  run(): Promise<HealthResult> {
    this.runs++;
    this.emit('run');
    return new Promise((resolve) => this.pending.push(resolve));
  }
  finish(alarm: string | null, extra: object = {}): void {
    this.pending.shift()!({ ts: TS, alarm, ...extra } as HealthResult);
  }
  close(): void {
    this.closed = true;
  }
}

/** A schedule the test drives: tick(name) is a cron firing. */
function fakeSchedule() {
  const ticks = new Map<string, () => void>();
  const stopped = new Set<string>();
  const expressions = new Map<string, string>();
  const schedule: ScheduleFn = (expression, tick, name) => {
    ticks.set(name, tick);
    expressions.set(name, expression);
    return { stop: () => void stopped.add(name) };
  };
  return { schedule, ticks, stopped, expressions, tick: (name: string) => ticks.get(`health:${name}`)!() };
}

test('cron expressions from intervals: even steps, staggered, rounded down when cron cannot be even', () => {
  assert.deepEqual(cronForInterval(5), { expression: '0-59/5 * * * * *', intervalS: 5 });
  assert.deepEqual(cronForInterval(60, 7), { expression: '7 0-59/1 * * * *', intervalS: 60 });
  assert.deepEqual(cronForInterval(300, 14), { expression: '14 0-59/5 * * * *', intervalS: 300 });
  assert.deepEqual(cronForInterval(3600, 21), { expression: '21 0 0-23/1 * * *', intervalS: 3600 });
  assert.deepEqual(cronForInterval(45), { expression: '0-59/30 * * * * *', intervalS: 30 });
  assert.deepEqual(cronForInterval(7 * 3600), { expression: '0 0 0-23/6 * * *', intervalS: 6 * 3600 });
  assert.deepEqual(cronForInterval(2 * 86_400), { expression: '0 0 0 * * *', intervalS: 86_400 });
  assert.equal(cronForInterval(10, 7).expression, '7-59/10 * * * * *');
  for (const s of [1, 5, 45, 60, 90, 300, 3600, 7200, 86_400]) assert.ok(cron.validate(cronForInterval(s, 13).expression), `interval ${s}`);
});

test('a tick while the previous run is still going is skipped and counted; the result is kept', async () => {
  const fake = fakeSchedule();
  const check = new FakeCheck('ntp');
  const svc = new HealthService([{ check, intervalS: 300 }], { log: silentLogger, schedule: fake.schedule, runAtStart: false });
  svc.start();
  assert.equal(fake.expressions.get('health:ntp'), '0 0-59/5 * * * *');
  fake.tick('ntp');
  await once(check, 'run');
  const skipped = once(svc['scheduler'], 'skipped');
  fake.tick('ntp');
  fake.tick('ntp');
  await skipped;
  assert.equal(check.runs, 1, 'no second run while the first is going');
  assert.equal(svc.stats().ntp!.skipped, 2);
  assert.equal(svc.stats().ntp!.running, true);

  const result = once(svc, 'result');
  check.finish(null, { synchronised: true });
  assert.deepEqual(await result, ['ntp', { ts: TS, alarm: null, synchronised: true }]);
  assert.deepEqual(svc.result('ntp'), { ts: TS, alarm: null, synchronised: true });
  assert.equal(svc.stats().ntp!.running, false);

  // The next tick runs again.
  fake.tick('ntp');
  await once(check, 'run');
  assert.equal(check.runs, 2);
  check.finish(null);
  await once(svc, 'result');
  assert.equal(svc.stats().ntp!.runs, 2);
  await svc.stop();
});

test('alarms become one event when they appear and one when they clear', async () => {
  const fake = fakeSchedule();
  const check = new FakeCheck('system');
  const svc = new HealthService([{ check, intervalS: 60 }], { log: silentLogger, schedule: fake.schedule, runAtStart: false });
  const events: HealthEvent[] = [];
  svc.on('event', (e) => events.push(e));
  svc.start();
  const run = async (alarm: string | null) => {
    fake.tick('system');
    await once(check, 'run');
    const done = once(svc, 'result');
    check.finish(alarm);
    await done;
  };
  await run('disk almost full: 12 MB (0.5 %) free on /var/lib/site-controller/site.db');
  await run('disk almost full: 11 MB (0.4 %) free on /var/lib/site-controller/site.db');
  await run('disk almost full: 10 MB (0.4 %) free on /x; CPU temperature 91 °C above 85 °C');
  await run(null);
  assert.deepEqual(
    events.map((e) => [e.type, e.code, e.source]),
    [
      ['alarm', 'disk-low', 'system'],
      ['alarm', 'temperature-high', 'system'],
      ['cleared', 'disk-low', 'system'],
      ['cleared', 'temperature-high', 'system'],
    ],
  );
  assert.match(events[0]!.message, /disk almost full/);
  await svc.stop();
});

test('alarm texts of every check map to stable codes', () => {
  const codes = (source: string, alarm: string) => [...alarmCodes(source, alarm).keys()];
  assert.deepEqual(codes('ntp', 'clock not synchronised (chrony)'), ['clock-unsynced']);
  assert.deepEqual(codes('ntp', 'clock offset 2500 ms exceeds 1000 ms (chrony); SNTP cross-check: clock off by 2400 ms against pool'), ['clock-offset']);
  assert.deepEqual(codes('mtu', 'path MTU black hole towards csms: packets over 1400 bytes vanish without an ICMP error'), ['mtu-black-hole']);
  assert.deepEqual(codes('system', 'memory low: 3 % available'), ['memory-low']);
  assert.deepEqual(codes('modem', 'SIM pin-required; modem not registered (searching)'), ['sim-not-ready', 'modem-not-registered']);
  assert.deepEqual(codes('modem', 'modem unreachable: cannot open /dev/ttyUSB2'), ['modem-unreachable']);
  assert.deepEqual(codes('x', 'something new'), ['x-alarm']);
});

test('modem readings get an alarm when not registered, SIM not ready or the modem does not answer', () => {
  const base = { ts: Date.parse(TS), simState: 'ready', registration: 'home', ipAddresses: [], quality: 'good', errors: [] } as const;
  assert.equal(modemResult({ ...base, ipAddresses: [] , errors: [] }).alarm, null);
  assert.equal(modemResult({ ...base, ipAddresses: [], errors: [] }).ts, TS);
  assert.equal(modemResult({ ...base, registration: 'searching', ipAddresses: [], errors: [] }).alarm, 'modem not registered (searching)');
  assert.equal(modemResult({ ...base, simState: 'not-inserted', registration: 'not-registered', ipAddresses: [], errors: [] }).alarm, 'SIM not-inserted; modem not registered (not-registered)');
  assert.equal(modemResult({ ...base, simState: 'unknown', registration: 'unknown', ipAddresses: [], errors: ['cannot open /dev/ttyUSB9: ENOENT'] }).alarm, 'modem unreachable: cannot open /dev/ttyUSB9: ENOENT');
});

test('stop() stops every schedule, closes every check and drops results of runs still going', async () => {
  const fake = fakeSchedule();
  const a = new FakeCheck('ntp');
  const b = new FakeCheck('system');
  const svc = new HealthService([{ check: a, intervalS: 300 }, { check: b, intervalS: 60 }], { log: silentLogger, schedule: fake.schedule });
  const results: string[] = [];
  svc.on('result', (name) => results.push(name));
  const started = Promise.all([once(a, 'run'), once(b, 'run')]);
  svc.start();
  // runAtStart: each check runs once at start.
  await started;
  assert.equal(a.runs, 1);
  assert.equal(b.runs, 1);
  b.finish(null);
  await once(svc, 'result');
  await svc.stop();
  assert.deepEqual([...fake.stopped].sort(), ['health:ntp', 'health:system']);
  assert.ok(a.closed && b.closed);
  a.finish('clock not synchronised (chrony)'); // a run that outlived stop()
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(results, ['system']);
  assert.equal(svc.runNow('ntp'), false, 'nothing runs after stop');
});

test('on real node-cron: a 1 s check runs on its schedule and stop() leaves no task behind', async () => {
  const check = new FakeCheck('system');
  const before = cron.getTasks().size;
  const svc = new HealthService([{ check, intervalS: 1 }], { log: silentLogger, schedule: cronSchedule(silentLogger), runAtStart: false });
  svc.start();
  assert.equal(cron.getTasks().size, before + 1);
  // The first run comes from a cron tick, not from start().
  await once(check, 'run');
  check.finish(null);
  await once(svc, 'result');
  await svc.stop();
  assert.equal(cron.getTasks().size, before);
});

test('checks from config: MTU target defaults to the upstream host; no upstream, no MTU check', async () => {
  const yaml = (extra: string) => `site: { id: s }\nlocal: { allowUnknownChargers: true }\nchargers: []\nstore: { path: /tmp/x.db }\n${extra}`;
  const names = (extra: string) => {
    const checks = checksFromConfig(parseConfig(yaml(extra), 't.yaml'), silentLogger);
    for (const c of checks) void c.check.close?.();
    return checks.map((c) => [c.check.name, c.intervalS, (c.check as any).settings?.target]);
  };
  assert.deepEqual(names(''), [['system', 60, undefined], ['ntp', 300, undefined]]);
  const up = 'upstream: { url: "wss://csms.example.com:443/ocpp", identity: SITE, bootNotification: { chargePointVendor: V, chargePointModel: M } }\n';
  assert.deepEqual(names(up), [['system', 60, undefined], ['ntp', 300, undefined], ['mtu', 3600, 'csms.example.com']]);
  assert.deepEqual(names(up + 'health: { mtu: { target: 9.9.9.9, intervalS: 600 } }\n').at(-1), ['mtu', 600, '9.9.9.9']);
  assert.deepEqual(names('health: { modem: { device: /dev/null-modem, intervalS: 30 } }\n').map((c) => c[0]), ['system', 'ntp', 'modem']);
});
