// A cloud that is slow but connected is waited for, not given up on: no transaction
// message is set aside for slowness, and a StartTransaction is not sent again on the
// same link (each re-send books a new transaction in the cloud). Only a cloud that does
// not answer for deliveryTimeoutS gets the message again, after a reconnect.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startCloudSite, runTransaction, drained, IDENTITY } from '../helpers/upstream-site.js';
import { until } from '../helpers/until.js';

test('a cloud slower than callTimeoutS books every transaction once; nothing is set aside', async (t) => {
  const s = await startCloudSite({ upstream: { callTimeoutS: 0.3, maxAttempts: 2 } });
  t.after(() => s.stop());
  const up = s.site.daemon.upstream!.service;
  await until(() => up.online, [up, 'state']);
  const cp = await s.charger('CP-3');
  // Every answer now takes five times callTimeoutS.
  s.cloud.responseDelayMs = 1500;
  const late: number[] = [];
  const onState = (st: { awaitingAnswerS: number | null }) => st.awaitingAnswerS !== null && late.push(st.awaitingAnswerS);
  up.on('state', onState);
  t.after(() => up.off('state', onState));
  await runTransaction(cp, 1, 'TAG-1', 2);
  await runTransaction(cp, 1, 'TAG-2', 1);
  await drained(up);
  assert.equal(s.cloud.receivedOf('StartTransaction').length, 2, 'each Start sent once');
  assert.equal(s.cloud.transactions.size, 2, 'the cloud booked two transactions');
  assert.equal(s.cloud.receivedOf('StopTransaction').length, 2);
  assert.equal(up.state().undeliverable, 0, 'nothing set aside for slowness');
  assert.ok(late.length > 0, 'status showed that the cloud was late');
  assert.equal(up.state().awaitingAnswerS, null, 'and shows it no more once answered');
  assert.equal(up.state().reconnects, 0, 'the live link was kept');
  // OCPP-J lets a peer send its next CALL once the previous one timed out (the site's
  // best-effort StatusNotifications do); the simulator notes that, and nothing else may show.
  assert.deepEqual(s.cloud.anomalies.filter((a: string) => !a.includes('sent while an earlier CALL was still unanswered')), []);
});

test('a cloud that never answers on a live link: after deliveryTimeoutS the site reconnects and sends the message again', async (t) => {
  const s = await startCloudSite({ upstream: { callTimeoutS: 0.2, deliveryTimeoutS: 1 } });
  t.after(() => s.stop());
  const up = s.site.daemon.upstream!.service;
  await until(() => up.online, [up, 'state']);
  const events: any[] = [];
  up.on('event', (e) => events.push(e));
  const cp = await s.charger('CP-3');
  s.cloud.responseDelayMs = 60_000;
  // The cloud recovers as soon as the site has reconnected.
  s.cloud.once('connect', () => (s.cloud.responseDelayMs = 0));
  await runTransaction(cp, 1, 'TAG-1', 1);
  await drained(up);
  assert.ok(events.some((e) => e.type === 'upstream-unresponsive'), 'the unresponsive cloud is reported');
  assert.ok(up.state().reconnects >= 1);
  assert.equal(up.state().undeliverable, 0);
  const starts = s.cloud.receivedOf('StartTransaction');
  assert.ok(starts.length >= 2, 'the Start went again on the new link');
  assert.ok(new Set(starts.map((c: any) => c.connection)).size >= 2, 'on another connection, never twice on one');
  const tx = [...s.cloud.transactions.values()].find((x: any) => x.stopped) as any;
  assert.ok(tx, 'the transaction was completed in the cloud');
  assert.ok(s.cloud.connected(IDENTITY));
});
