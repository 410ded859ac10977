// What `site-controller status` prints, from snapshots: checks that never ran are
// "not checked" with the reason (never "ok"), timings carry no float noise, the
// meter's read error and paused connectors are shown.
import test from 'node:test';
import assert from 'node:assert/strict';
import { renderSnapshot } from '../../daemon/control/render.js';
import { buildSnapshot, healthStatus, meterStatus, roundTimings } from '../../daemon/control/snapshot.js';
import { EventEmitter } from 'node:events';
import { ChargerRegistry } from '../../daemon/local/registry.js';
import { ChargerSession } from '../../daemon/local/session.js';
import { uncheckedReason } from '../../daemon/health/checked.js';

const T0 = Date.parse('2026-11-21T10:00:00.000Z');

function snapshot(extra: Record<string, unknown>): Record<string, unknown> {
  return { site: 'S', uptimeS: 5, store: null, chargers: [], upstream: null, balancer: null, meter: null, health: null, telemetry: null, ...extra };
}

const health = (results: Record<string, unknown>, opts: { names?: string[]; skipped?: Record<string, string> } = {}) =>
  healthStatus({ results: () => results, names: opts.names, skipped: () => opts.skipped ?? {} });

test('uncheckedReason: which results checked nothing, and why', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp | null]> = [
    ['ntp', { method: 'none', reason: 'no time daemon answered (chronyc: not installed; timedatectl: not installed)', synchronised: null, alarm: null }, /no time daemon answered \(chronyc: not installed.*no health\.ntp\.servers to ask/],
    ['ntp', { method: 'none', synchronised: null, sntp: { server: 'pool.ntp.org', error: 'timed out' }, alarm: null }, /SNTP pool\.ntp\.org: timed out/],
    ['ntp', { method: 'chrony', synchronised: true, offsetMs: 0.2, alarm: null }, null],
    ['ntp', { method: 'sntp', synchronised: null, offsetMs: 3, alarm: null }, null],
    ['mtu', { probed: false, reason: 'ping not permitted', blackHole: false, alarm: null }, /ping not permitted/],
    ['mtu', { probed: false, blackHole: false, alarm: null }, /not probed/],
    ['mtu', { probed: true, pathMtu: 1428, blackHole: false, alarm: null }, null],
    ['system', { load1: 0.1, alarm: null }, null],
  ];
  for (const [name, r, want] of cases) {
    const got = uncheckedReason(name, r);
    if (want === null) assert.equal(got, null, `${name} ${JSON.stringify(r)}`);
    else assert.match(got ?? '', want, `${name} ${JSON.stringify(r)}`);
  }
});

test('status: ntp method none, mtu not probed, no modem and a check not run yet are "not checked" with the reason', () => {
  const h = health(
    {
      system: { ts: 'x', load1: 0.1, alarm: null },
      ntp: { ts: 'x', method: 'none', reason: 'no time daemon answered', synchronised: null, offsetMs: null, source: null, alarm: null },
      mtu: { ts: 'x', target: 'csms.example.com', probed: false, blackHole: false, reason: 'ping not permitted (no CAP_NET_RAW)', alarm: null },
    },
    { names: ['system', 'ntp', 'mtu', 'disk'], skipped: { modem: 'no modem configured (health.modem)' } },
  );
  // The JSON says so too.
  assert.deepEqual([(h.ntp as any).checked, (h.mtu as any).checked, (h.system as any).checked, (h.modem as any).checked], [false, false, true, false]);
  assert.match((h.mtu as any).reason, /ping not permitted/);

  const text = renderSnapshot(snapshot({ health: h }));
  assert.match(text, /^ {2}system +ok$/m);
  assert.match(text, /^ {2}ntp +not checked: no time daemon answered; no health\.ntp\.servers to ask$/m);
  assert.match(text, /^ {2}mtu +not checked: ping not permitted \(no CAP_NET_RAW\)$/m);
  assert.match(text, /^ {2}modem +not checked: no modem configured \(health\.modem\)$/m);
  assert.match(text, /^ {2}disk +not checked: not run yet$/m);
  assert.doesNotMatch(text, /ntp +ok|mtu +ok|modem +ok/);
});

test('an alarm is shown as such even when the check is partial', () => {
  const h = health({ ntp: { method: 'chrony', synchronised: false, alarm: 'clock not synchronised (chrony)' } });
  assert.match(renderSnapshot(snapshot({ health: h })), /ntp +ALARM clock not synchronised/);
});

test('timings: rounded to 0.1 ms in the JSON, whole ms on screen from 10 ms up', () => {
  const attempt = { startedAt: T0, outcome: 'connected', phase: 'connected', error: null, dnsMs: 0.30000000000000004, tcpMs: 1.25, tlsMs: 31.040000000000006, upgradeMs: 14.900000000000006, remoteAddress: '203.0.113.7:443' };
  const rounded = roundTimings(attempt);
  assert.deepEqual([rounded.dnsMs, rounded.tcpMs, rounded.tlsMs, rounded.upgradeMs, rounded.startedAt], [0.3, 1.3, 31, 14.9, T0]);
  const upstream = { state: 'online', connected: true, since: T0, roundTripMs: 84.10000000000001, reconnects: 0, outboxDepth: 0, oldestQueuedAgeS: null, undeliverable: 0, lastError: null, attempts: [attempt] };
  const text = renderSnapshot(snapshot({ upstream }));
  assert.doesNotMatch(text.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'TIME'), /\d\.\d{2,}/, text);
  assert.match(text, /rtt 84 ms/);
  assert.match(text, /\(dns 0\.3, tcp 1\.3, tls 31, upgrade 15 ms\)/);
});

test('meter: stale with the read error in probe meter\'s words; after recovery the last error with its time', () => {
  const reason = 'Modbus TCP 127.0.0.1:502 unit 7: no answer from unit id 7 within 1000 ms — wrong unit id? (reading 74 register(s) at 0 (0x0000) with function 4)';
  const stale = meterStatus({ stale: true, lastGoodAt: null, lastError: { reason, since: T0, at: T0 + 5000 }, counters: { reads: 6, failures: 6 } });
  assert.deepEqual(stale, { stale: true, lastSampleAt: null, lastError: reason, lastErrorSince: '2026-11-21T10:00:00.000Z', lastErrorAt: '2026-11-21T10:00:05.000Z', reads: 6, failures: 6 });
  const text = renderSnapshot(snapshot({ meter: stale }));
  assert.match(text, /^meter: STALE \(no sample yet\)$/m);
  assert.ok(text.includes(`  failing since 2026-11-21T10:00:00.000Z: ${reason}`), text);

  const ok = meterStatus({ stale: false, lastGoodAt: T0 + 9000, lastError: { reason, since: T0, at: T0 + 5000 }, counters: { reads: 9, failures: 6 } });
  const text2 = renderSnapshot(snapshot({ meter: ok }));
  assert.match(text2, /^meter: ok, last sample 2026-11-21T10:00:09\.000Z$/m);
  assert.match(text2, /last read error 2026-11-21T10:00:05\.000Z: .*wrong unit id\?/);
});

test('balancer: a paused connector shows why, an unbalanceable charger says so', () => {
  const balancer = {
    mode: 'insufficient', source: 'meter', stale: false, budgetA: [10, 10, 10], evDrawA: [10, 10, 10],
    connectors: [
      { chargerId: 'CP-A', connectorId: 1, charging: true, limitA: 10, acceptedA: 10 },
      { chargerId: 'CP-B', connectorId: 1, charging: true, limitA: 0, acceptedA: 0, paused: 'no-room' },
    ],
    chargers: [{ chargerId: 'CP-X', unbalanceable: true }],
  };
  const text = renderSnapshot(snapshot({ balancer }));
  assert.match(text, /balancer: insufficient/);
  assert.match(text, /CP-B\/1: limit 0 A \(accepted 0 A\) paused: no-room/);
  assert.match(text, /CP-X: accepts no charging profile; counted at its max/);
});

test('refusals: an offline charger shows why it was last turned away; unknown ids and blocked addresses are listed', () => {
  const text = renderSnapshot(snapshot({
    chargers: [
      { id: 'CP-1', connected: false, connectors: [], lastRefusal: { at: '2026-11-21T10:00:00.000Z', reason: 'password', message: 'wrong password', remote: '10.0.0.5:51000', count: 7 } },
      { id: 'CP-2', connected: true, connectors: [], lastRefusal: { at: '2026-11-21T09:00:00.000Z', reason: 'password', message: 'wrong password', remote: '10.0.0.6:1', count: 1 } },
    ],
    admission: {
      unknownChargers: [{ id: 'CP-01', count: 3, firstAt: '2026-11-21T09:59:00.000Z', lastAt: '2026-11-21T10:00:00.000Z', remote: '10.0.0.9:4000' }],
      blocked: [{ address: '10.0.0.5', until: '2026-11-21T10:01:00.000Z', refusedWhileBlocked: 2 }],
    },
  }));
  assert.match(text, /CP-1 +OFFLINE\n    last refused 2026-11-21T10:00:00.000Z from 10\.0\.0\.5:51000: wrong password \(7 times\)/);
  assert.doesNotMatch(text, /CP-2[^\n]*\n    last refused/, 'a connected charger is not shown as refused');
  assert.match(text, /unknown charger id CP-01 tried 3 times .*a typo\?/);
  assert.match(text, /address 10\.0\.0\.5 blocked until 2026-11-21T10:01:00\.000Z/);
});

test('each charger\'s OCPP version: in the JSON as the subprotocol, on screen as OCPP 1.6 / OCPP 2.0.1; none for one never connected', () => {
  const registry = new ChargerRegistry();
  const session = (id: string, protocol: string) => {
    const rpc = Object.assign(new EventEmitter(), { isOpen: true, protocol });
    const s = new ChargerSession(id, undefined, rpc as any, '10.0.0.7:40000', T0);
    s.boot = { vendor: 'ACME', model: 'Wallbox', firmwareVersion: '1.2.3' };
    registry.attach(s);
  };
  session('CP-OLD', 'ocpp1.6');
  session('CP-NEW', 'ocpp2.0.1');
  const charger = (id: string) => ({ id, connectors: 1, maxCurrentA: 32, phases: 3, phaseRotation: 'L1L2L3', priority: 0 }) as any;
  const snap = buildSnapshot({ siteId: 'S', startedAt: T0, now: () => T0 + 1000, chargers: [charger('CP-OLD'), charger('CP-NEW'), charger('CP-NEVER')], registry }) as any;
  const byId = Object.fromEntries(snap.chargers.map((c: any) => [c.id, c]));
  assert.equal(byId['CP-OLD'].protocol, 'ocpp1.6');
  assert.equal(byId['CP-NEW'].protocol, 'ocpp2.0.1');
  assert.equal(byId['CP-NEVER'].protocol, undefined);
  // What `status --json` prints: a charger with no session has no protocol key at all.
  assert.equal('protocol' in JSON.parse(JSON.stringify(byId['CP-NEVER'])), false);

  const text = renderSnapshot(JSON.parse(JSON.stringify(snap)));
  assert.match(text, /^ {2}CP-OLD +connected OCPP 1\.6 +ACME Wallbox fw 1\.2\.3$/m);
  assert.match(text, /^ {2}CP-NEW +connected OCPP 2\.0\.1 ACME Wallbox fw 1\.2\.3$/m);
  assert.match(text, /^ {2}CP-NEVER +OFFLINE$/m);
  // The vendor column lines up whatever the version.
  const col = (id: string) => text.split('\n').find((l) => l.includes(id))!.indexOf('ACME');
  assert.equal(col('CP-OLD'), col('CP-NEW'));
});
