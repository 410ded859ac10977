// systemd notify: what the environment asks for (table), and the notifier's order, silence and
// error reporting with a recording sender instead of systemd-notify.
import test from 'node:test';
import assert from 'node:assert/strict';
import { notifySettings, SystemdNotifier, type NotifySend } from '../../daemon/notify.js';
import { createLogger } from '../../daemon/log.js';
import { withTimeout } from '../helpers/notify-socket.js';

test('notifySettings: socket and watchdog interval from the environment', () => {
  const rows: Array<[string, NodeJS.ProcessEnv, { socket: string | null; watchdogIntervalMs: number | null }]> = [
    ['not under systemd', {}, { socket: null, watchdogIntervalMs: null }],
    ['empty socket', { NOTIFY_SOCKET: '' }, { socket: null, watchdogIntervalMs: null }],
    ['watchdog without socket is ignored', { WATCHDOG_USEC: '30000000' }, { socket: null, watchdogIntervalMs: null }],
    ['socket, no watchdog', { NOTIFY_SOCKET: '/run/systemd/notify' }, { socket: '/run/systemd/notify', watchdogIntervalMs: null }],
    ['abstract socket', { NOTIFY_SOCKET: '@/org/freedesktop/systemd1/notify/1' }, { socket: '@/org/freedesktop/systemd1/notify/1', watchdogIntervalMs: null }],
    ['WatchdogSec=30: ping every 15 s', { NOTIFY_SOCKET: '/n', WATCHDOG_USEC: '30000000' }, { socket: '/n', watchdogIntervalMs: 15000 }],
    ['watchdog for this pid', { NOTIFY_SOCKET: '/n', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' }, { socket: '/n', watchdogIntervalMs: 15000 }],
    ['watchdog for another pid (inherited)', { NOTIFY_SOCKET: '/n', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, { socket: '/n', watchdogIntervalMs: null }],
    ['garbage WATCHDOG_USEC', { NOTIFY_SOCKET: '/n', WATCHDOG_USEC: 'soon' }, { socket: '/n', watchdogIntervalMs: null }],
    ['zero WATCHDOG_USEC', { NOTIFY_SOCKET: '/n', WATCHDOG_USEC: '0' }, { socket: '/n', watchdogIntervalMs: null }],
    ['tiny watchdog still pings', { NOTIFY_SOCKET: '/n', WATCHDOG_USEC: '1' }, { socket: '/n', watchdogIntervalMs: 1 }],
  ];
  for (const [name, env, want] of rows) assert.deepEqual(notifySettings(env, 42), want, name);
});

function recorder() {
  const sent: string[][] = [];
  const lines: string[] = [];
  const log = createLogger('systemd', { sink: (l) => lines.push(l) });
  return { sent, lines, log };
}

test('without NOTIFY_SOCKET the notifier sends nothing and starts no timer', async () => {
  const r = recorder();
  const n = new SystemdNotifier({ socket: null, watchdogIntervalMs: null }, { log: r.log, send: async (a) => { r.sent.push(a); } });
  n.startWatchdog();
  await n.ready('x');
  await n.stopping();
  await n.stop();
  assert.deepEqual(r.sent, []);
  assert.equal(n.enabled, false);
});

test('messages go out one at a time and in order, even when the first is slow', async () => {
  const r = recorder();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  const send: NotifySend = async (a) => {
    r.sent.push(a);
    if (a[0] === 'READY=1') await gate;
  };
  const n = new SystemdNotifier({ socket: '/n', watchdogIntervalMs: null }, { log: r.log, send });
  const ready = n.ready('serving 2 chargers on port 9000');
  const stopping = n.stopping();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(r.sent, [['READY=1', 'STATUS=serving 2 chargers on port 9000']], 'STOPPING waits for READY');
  release();
  await Promise.all([ready, stopping]);
  assert.deepEqual(r.sent.map((a) => a[0]), ['READY=1', 'STOPPING=1']);
});

test('a failing sender is logged once per reason, and recovery once', async () => {
  const r = recorder();
  let fail = true;
  const n = new SystemdNotifier({ socket: '/n', watchdogIntervalMs: null }, {
    log: r.log,
    send: async () => { if (fail) throw new Error('Failed to notify init system: No such file or directory'); },
  });
  await n.ready();
  await n.stopping();
  await n.stopping();
  assert.equal(r.lines.filter((l) => l.includes('systemd notify failed')).length, 1, r.lines.join('\n'));
  fail = false;
  await n.stopping();
  assert.equal(r.lines.filter((l) => l.includes('works again')).length, 1);
});

test('watchdog pings repeat from the event loop, never two at once, and end with stop()', async () => {
  const r = recorder();
  let inFlight = 0;
  let maxInFlight = 0;
  let pings = 0;
  let onPing = () => {};
  const send: NotifySend = async (a) => {
    assert.deepEqual(a, ['WATCHDOG=1']);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    // Slower than the 5 ms interval: ticks meanwhile must not start a second helper.
    await new Promise((resolve) => setTimeout(resolve, 20));
    inFlight--;
    pings++;
    onPing();
  };
  const n = new SystemdNotifier({ socket: '/n', watchdogIntervalMs: 5 }, { log: r.log, send });
  n.startWatchdog();
  await withTimeout(new Promise<void>((resolve) => { onPing = () => { if (pings >= 3) resolve(); }; }), 5000, 'three watchdog pings');
  await n.stop();
  assert.equal(maxInFlight, 1);
  // stop() cleared the interval: were it left running, this test file would never exit.
});
