// Type=notify as systemd sees it: the real daemon process with NOTIFY_SOCKET pointing at a
// datagram socket the test owns. READY=1 only once chargers can connect, WATCHDOG=1 while the
// daemon runs, STOPPING=1 on SIGTERM; without NOTIFY_SOCKET nothing is sent and nothing breaks.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, testConfigObject, writeConfig } from '../helpers/daemon.js';
import { connectRaw } from '../helpers/raw-client.js';
import { spawnDaemon, CLI } from '../helpers/child.js';
import { NotifyReceiver, withTimeout } from '../helpers/notify-socket.js';

test('under systemd: READY=1 once chargers can connect, WATCHDOG=1 every WATCHDOG_USEC/2, STOPPING=1 on SIGTERM', async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = writeConfig(dir, testConfigObject(dir, { log: { level: 'info' } }));
  const receiver = await NotifyReceiver.start(join(dir, 'notify.sock'));
  t.after(() => receiver.stop());

  // 400 ms watchdog: a ping every 200 ms.
  const proc = spawn(process.execPath, [CLI, 'run', '-c', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NOTIFY_SOCKET: receiver.path, WATCHDOG_USEC: '400000' },
  });
  let out = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  const exited = once(proc, 'exit');
  t.after(() => { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL'); });

  const ready = await receiver.waitFor(() => receiver.with('READY')[0], 20_000, 'READY=1 from the daemon');
  assert.equal(ready.fields.READY, '1');
  // The moment READY arrives the store exists and the port in STATUS takes a charger at once:
  // READY did not come before listening.
  assert.ok(existsSync(join(dir, 'site.db')), 'the store is open when READY=1 arrives');
  const port = Number(/port (\d+)/.exec(ready.fields.STATUS ?? '')?.[1]);
  assert.ok(port > 0, `STATUS names the port: ${ready.fields.STATUS}`);
  const cp = await connectRaw(`ws://127.0.0.1:${port}/ocpp/CP-1`, { auth: 'CP-1:secret-1' });
  const boot = await cp.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  assert.equal(boot[2].status, 'Accepted');

  // Periodic pings: three more after READY, each well within the 400 ms watchdog.
  const readyIndex = receiver.messages.indexOf(ready);
  const after = () => receiver.messages.slice(readyIndex + 1).filter((m) => 'WATCHDOG' in m.fields);
  const pings = await receiver.waitFor(() => after().length >= 3 && after(), 10_000, 'three WATCHDOG=1 after READY=1');
  assert.ok(pings.every((m) => m.fields.WATCHDOG === '1'));

  proc.kill('SIGTERM');
  const stopping = await receiver.waitFor(() => receiver.with('STOPPING')[0], 10_000, 'STOPPING=1 after SIGTERM');
  assert.equal(stopping.fields.STOPPING, '1');
  assert.ok(receiver.messages.indexOf(stopping) > readyIndex);
  const [code] = await withTimeout(exited, 20_000, 'the daemon to exit after SIGTERM');
  assert.equal(code, 0, out);
  await cp.closed;
  assert.doesNotMatch(out, /systemd notify failed/);
});

test('without NOTIFY_SOCKET nothing is sent and the daemon runs as before', async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = writeConfig(dir, testConfigObject(dir, { log: { level: 'debug' } }));
  const daemon = await spawnDaemon(config, { NOTIFY_SOCKET: undefined, WATCHDOG_USEC: '400000' });
  t.after(() => daemon.kill('SIGKILL'));
  const cp = await connectRaw(`ws://127.0.0.1:${daemon.port}/ocpp/CP-1`, { auth: 'CP-1:secret-1' });
  await cp.call('Heartbeat', {});
  const exit = await daemon.kill('SIGTERM');
  assert.equal(exit.code, 0);
  assert.doesNotMatch(daemon.output(), /systemd/);
});

test('a NOTIFY_SOCKET nobody listens on is reported once and breaks nothing', async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = writeConfig(dir, testConfigObject(dir, { log: { level: 'info' } }));
  const daemon = await spawnDaemon(config, { NOTIFY_SOCKET: join(dir, 'nobody.sock'), WATCHDOG_USEC: '200000' });
  t.after(() => daemon.kill('SIGKILL'));
  const cp = await connectRaw(`ws://127.0.0.1:${daemon.port}/ocpp/CP-1`, { auth: 'CP-1:secret-1' });
  await cp.call('Heartbeat', {});
  // The failed READY=1 is logged; the watchdog's identical failures are not repeated.
  await withTimeout(new Promise<void>((resolve) => {
    const check = () => { if (/systemd notify failed/.test(daemon.output())) resolve(); };
    daemon.proc.stderr!.on('data', check);
    check();
  }), 10_000, 'the notify failure in the log');
  const exit = await daemon.kill('SIGTERM');
  assert.equal(exit.code, 0);
  assert.equal(daemon.output().match(/systemd notify failed/g)?.length, 1, daemon.output());
});
