// The modem as a health check, against a scripted modem on a socat pty pair:
// lost registration becomes an alarm event, a +CEREG URC triggers a reading
// before the next tick, stop() closes the port. And `probe modem` on the CLI.
import test from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { HealthService, ModemCheck, type HealthEvent } from '../../daemon/health/service.js';
import type { ScheduleFn } from '../../daemon/health/scheduler.js';
import { silentLogger } from '../../daemon/log.js';
import { openRestartablePty } from '../helpers/modem-pty.js';
import { ModemSim, type SimAnswer } from '../helpers/modem-sim.js';
import { makeTempDir, testConfigObject, writeConfig } from '../helpers/daemon.js';
import { CLI } from '../helpers/child.js';

const REGISTERED: Record<string, SimAnswer> = {
  ATI: ['Manufacturer: Sierra Wireless, Incorporated', 'Model: EM7455', 'Revision: SWI9X30C_02.33.03.00', 'IMEI: 359072061234562', 'OK'],
  'AT+CPIN?': ['+CPIN: READY', 'OK'],
  'AT+CEREG?': ['+CEREG: 0,1', 'OK'],
  'AT+CREG?': ['+CREG: 0,1', 'OK'],
  'AT+COPS?': ['+COPS: 0,0,"Telekom.de",7', 'OK'],
  'AT+CSQ': ['+CSQ: 24,99', 'OK'],
  'AT+CESQ': ['+CESQ: 99,99,255,255,20,45', 'OK'],
  'AT+CGPADDR': ['+CGPADDR: 1,"100.80.1.2"', 'OK'],
};

const noSchedule: ScheduleFn = () => ({ stop() {} });

test('modem check: registration lost (announced by URC) is read at once and raised as an alarm; stop() closes the port', async (t) => {
  const pty = await openRestartablePty();
  t.after(() => pty.dispose());
  const sim = await ModemSim.open(pty.b, REGISTERED);
  t.after(() => sim.close());
  const check = new ModemCheck({ device: pty.a, baudRate: 115200, intervalS: 60, driver: 'generic', commandTimeoutMs: 500 }, silentLogger);
  const svc = new HealthService([{ check, intervalS: 60 }], { log: silentLogger, schedule: noSchedule });
  const events: HealthEvent[] = [];
  svc.on('event', (e) => events.push(e));
  const first = once(svc, 'result');
  svc.start();
  const [, reading] = (await first) as [string, any];
  assert.equal(reading.registration, 'home');
  assert.equal(reading.operator, 'Telekom.de');
  assert.equal(reading.alarm, null);
  assert.match(reading.ts, /^\d{4}-\d\d-\d\dT/);

  // The network drops us: the modem says so unprompted, the service reads at once.
  sim.setAnswer('AT+CEREG?', ['+CEREG: 0,2', 'OK']);
  sim.setAnswer('AT+CREG?', ['+CREG: 0,2', 'OK']);
  const second = once(svc, 'result');
  sim.sendUrc('+CEREG: 2');
  const [, lost] = (await second) as [string, any];
  assert.equal(lost.registration, 'searching');
  assert.equal(lost.alarm, 'modem not registered (searching)');
  assert.deepEqual(events.map((e) => [e.type, e.code, e.source]), [['alarm', 'modem-not-registered', 'modem']]);
  assert.equal(svc.stats().modem!.runs, 2);

  await svc.stop();
  // The port is free again: the probe (which opens it exclusively) can use it.
  await sim.close();
});

test('probe modem: one reading printed and exit 0; a missing device or section: the reason and exit 1', async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pty = await openRestartablePty();
  t.after(() => pty.dispose());
  const sim = await ModemSim.open(pty.b, REGISTERED);
  t.after(() => sim.close());
  const run = async (overrides: Record<string, any>) => {
    const file = writeConfig(dir, testConfigObject(dir, overrides));
    const child = spawn(process.execPath, [CLI, 'probe', 'modem', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const [code] = await once(child, 'exit');
    return { code, out, err };
  };

  const ok = await run({ health: { modem: { device: pty.a, driver: 'generic', commandTimeoutMs: 500 } } });
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /^registration\s+home \(LTE\) on Telekom\.de$/m);
  assert.match(ok.out, /^IMEI\s+359072061234562$/m);

  const missing = await run({ health: { modem: { device: `${dir}/ttyUSB9` } } });
  assert.equal(missing.code, 1);
  assert.ok(missing.err.includes(`${dir}/ttyUSB9`), missing.err);

  const none = await run({});
  assert.equal(none.code, 1);
  assert.match(none.err, /health\.modem is not configured/);
});
