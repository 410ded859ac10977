// The shipped unit file as systemd judges it: `systemd-analyze verify` has nothing to say about
// it, and `systemd-analyze security` scores it at most 3.0. verify checks that ExecStart's binary
// exists, so it runs on a copy pointing at this machine's node and this checkout.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const UNIT = join(REPO, 'systemd', 'site-controller.service');

function unitCopy(t: { after: (fn: () => void) => void }): { file: string; text: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sc-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const text = readFileSync(UNIT, 'utf8').replaceAll('/usr/bin/node', process.execPath).replaceAll('/opt/site-controller', REPO);
  const file = join(dir, 'site-controller.service');
  writeFileSync(file, text);
  return { file, text };
}

/** Directives of one section, as `Key=value` strings (comments and blank lines dropped). */
function section(text: string, name: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^\[(.+)\]$/.exec(line);
    if (m) current = m[1];
    else if (current === name) out.push(line);
  }
  return out;
}

test('systemd-analyze verify prints nothing about the unit', (t) => {
  const { file } = unitCopy(t);
  const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
  assert.equal(r.error, undefined, 'systemd-analyze runs (package systemd)');
  const about = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.includes('site-controller.service'));
  assert.deepEqual(about, []);
  assert.equal(r.status, 0, r.stderr);
});

test('systemd-analyze security scores the unit 3.0 or better', (t) => {
  const { file } = unitCopy(t);
  const r = spawnSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', file], { encoding: 'utf8' });
  const m = /Overall exposure level for site-controller\.service: (\d+(?:\.\d+)?)/.exec(r.stdout);
  assert.ok(m, `a score in:\n${r.stdout}\n${r.stderr}`);
  const score = Number(m[1]);
  assert.ok(score <= 3.0, `exposure ${score} (<= 3.0 wanted):\n${r.stdout.split('\n').filter((l) => l.startsWith('✗')).join('\n')}`);
});

test('the unit: Type=notify with a watchdog, start limits in [Unit], room for hundreds of chargers, serial ports allowed', (t) => {
  const { text } = unitCopy(t);
  const unit = section(text, 'Unit');
  const service = section(text, 'Service');
  assert.ok(unit.includes('StartLimitIntervalSec=120') && unit.includes('StartLimitBurst=10'));
  assert.ok(!service.some((l) => l.startsWith('StartLimit')), 'no StartLimit* left in [Service]');
  for (const want of ['Type=notify', 'NotifyAccess=all', 'WatchdogSec=30', 'LimitNOFILE=65536', 'UMask=0077', 'SupplementaryGroups=dialout']) {
    assert.ok(service.includes(want), want);
  }
  // Serial devices of the meter and the modem stay reachable inside the device allow-list.
  for (const dev of ['ttyS', 'ttyUSB', 'ttyACM', 'ttyAMA']) assert.ok(service.includes(`DeviceAllow=char-${dev} rw`), dev);
  assert.ok(!service.includes('PrivateDevices=true'), 'a private /dev has no serial ports');
  // V8's JIT needs writable-then-executable pages.
  assert.ok(!service.some((l) => l.startsWith('MemoryDenyWriteExecute=')));
  // ping (MTU check) calls capset/setuid when dropping privileges: @privileged must stay allowed.
  assert.ok(!service.some((l) => l.startsWith('SystemCallFilter=~') && l.includes('@privileged')));
});
