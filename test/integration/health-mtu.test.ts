// The real probe against loopback, whose MTU the test can read itself.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { MtuCheck } from '../../daemon/health/mtu.js';

/** Can this process ping at all? Asked independently of the code under test. */
function canPing(): Promise<{ ok: boolean; why: string }> {
  return new Promise((resolve) => {
    execFile('ping', ['-n', '-c', '1', '-W', '2', '127.0.0.1'], { timeout: 10_000, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) => {
      if (!err) return resolve({ ok: true, why: '' });
      const e = err as NodeJS.ErrnoException;
      resolve({ ok: false, why: e.code === 'ENOENT' ? 'missing' : `${stdout}${stderr}` });
    });
  });
}

test('path MTU to 127.0.0.1 is the loopback MTU (capped at the IPv4 maximum of 65535)', async (t) => {
  const loMtu = Number(readFileSync('/sys/class/net/lo/mtu', 'utf8').trim());
  const r = await new MtuCheck({ target: '127.0.0.1', intervalS: 3600 }).run();
  assert.equal(r.interface, 'lo');
  assert.equal(r.interfaceMtu, loMtu);
  const pinger = await canPing();
  if (pinger.ok) {
    assert.equal(r.probed, true, r.reason);
    // An IPv4 packet's length field is 16 bits: 65535 is the most loopback can carry even when its MTU says 65536.
    assert.equal(r.pathMtu, Math.min(loMtu, 65535));
    assert.equal(r.blackHole, false);
    assert.equal(r.alarm, null);
    assert.ok((r.pings ?? 0) <= 3, `${r.pings} pings`);
  } else {
    // No usable ping here: the check must say so, precisely, instead of inventing a number.
    t.diagnostic(`ping unavailable on this machine (${pinger.why.trim().replace(/\s+/g, ' ')}); checking the reported reason`);
    assert.equal(r.probed, false);
    assert.equal(r.pathMtu, undefined);
    assert.match(r.reason ?? '', pinger.why === 'missing' ? /^ping is not installed/ : /ping not permitted/);
  }
});
