// The system check on the machine running the tests: sane ranges, not exact values.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemCheck } from '../../daemon/health/system.js';

test('system check reads this machine', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sc-health-'));
  // The store file does not exist yet: its directory's filesystem is measured.
  const check = new SystemCheck({ intervalS: 60 }, join(dir, 'not-yet', 'site.db'));
  t.after(() => {
    check.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const r = await check.run();
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  assert.ok(!Number.isNaN(Date.parse(r.ts)));
  assert.ok(r.memTotalBytes > 0 && r.memAvailableBytes > 0 && r.memAvailableBytes <= r.memTotalBytes);
  assert.ok(r.memAvailablePercent > 0 && r.memAvailablePercent <= 100);
  assert.ok(r.diskTotalBytes !== null && r.diskFreeBytes !== null && r.diskFreeBytes > 0 && r.diskFreeBytes <= r.diskTotalBytes);
  assert.ok(r.diskFreePercent !== null && r.diskFreePercent > 0 && r.diskFreePercent <= 100);
  assert.ok(r.uptimeS > 0);
  assert.ok(r.cpuCount >= 1);
  for (const load of [r.load1, r.load5, r.load15]) assert.ok(load >= 0);
  assert.ok(r.cpuPercent === null || (r.cpuPercent >= 0 && r.cpuPercent <= 100));
  assert.ok(r.tempC === null || (r.tempC > 0 && r.tempC < 150), `tempC ${r.tempC}`);
  assert.ok(r.processRssBytes > 1024 * 1024);
  for (const v of [r.eventLoopDelayP50Ms, r.eventLoopDelayP99Ms, r.eventLoopDelayMaxMs]) assert.ok(v === null || v >= 0);

  // A second run reports what happened since the first: a 60 ms block of the
  // loop must show in its maximum.
  await new Promise<void>((resolve) => setImmediate(resolve));
  const until = Date.now() + 60;
  while (Date.now() < until) {
    /* block the event loop on purpose */
  }
  // The sampler is an overdue timer now; timers run before the next check phase.
  await new Promise<void>((resolve) => setImmediate(resolve));
  const r2 = await check.run();
  assert.ok(r2.eventLoopDelayMaxMs !== null && r2.eventLoopDelayMaxMs >= 30, `max ${r2.eventLoopDelayMaxMs}`);
});
