import test from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SYSTEM_THRESHOLDS, systemAlarms, type SystemResult } from '../../daemon/health/system.js';

const MB = 1024 * 1024;
const healthy: SystemResult = {
  ts: '2026-11-21T12:00:00.000Z', load1: 0.2, load5: 0.1, load15: 0.1, cpuPercent: 3, cpuCount: 4,
  memTotalBytes: 1024 * MB, memAvailableBytes: 600 * MB, memAvailablePercent: 58.6,
  diskPath: '/var/lib/site-controller/site.db', diskTotalBytes: 16_000 * MB, diskFreeBytes: 8000 * MB, diskFreePercent: 50,
  tempC: 55, uptimeS: 3600, processRssBytes: 80 * MB,
  eventLoopDelayP50Ms: 0.1, eventLoopDelayP99Ms: 2, eventLoopDelayMaxMs: 5, alarm: null,
};
const t = { ...DEFAULT_SYSTEM_THRESHOLDS };

test('default thresholds are the documented ones', () => {
  assert.deepEqual(DEFAULT_SYSTEM_THRESHOLDS, { diskFreeMinPercent: 5, diskFreeMinBytes: 200 * MB, tempMaxC: 85, memAvailableMinPercent: 5 });
});

test('system alarms: each limit on its own, and together', () => {
  assert.equal(systemAlarms(healthy, t), null);
  // small disk: 10 % free but only 150 MB
  assert.match(systemAlarms({ ...healthy, diskTotalBytes: 1500 * MB, diskFreeBytes: 150 * MB, diskFreePercent: 10 }, t) ?? '', /disk almost full: 150 MB \(10 %\) free on \/var\/lib/);
  // big disk: 4 % free is still gigabytes, but the percentage limit applies
  assert.match(systemAlarms({ ...healthy, diskTotalBytes: 500_000 * MB, diskFreeBytes: 20_000 * MB, diskFreePercent: 4 }, t) ?? '', /disk almost full/);
  assert.equal(systemAlarms({ ...healthy, tempC: 85 }, t), null);
  assert.match(systemAlarms({ ...healthy, tempC: 85.5 }, t) ?? '', /CPU temperature 85.5 °C above 85 °C/);
  assert.equal(systemAlarms({ ...healthy, tempC: null }, t), null);
  assert.match(systemAlarms({ ...healthy, memAvailablePercent: 4.9 }, t) ?? '', /memory low: 4.9 % available/);
  const all = systemAlarms({ ...healthy, tempC: 90, memAvailablePercent: 1, diskFreeBytes: 1, diskFreePercent: 0 }, t) ?? '';
  assert.equal(all.split('; ').length, 3);
});

test('thresholds can be overridden', () => {
  assert.match(systemAlarms(healthy, { ...t, tempMaxC: 50 }) ?? '', /above 50 °C/);
  assert.equal(systemAlarms({ ...healthy, diskFreeBytes: 150 * MB, diskFreePercent: 1 }, { ...t, diskFreeMinBytes: 100 * MB, diskFreeMinPercent: 0.5 }), null);
});
