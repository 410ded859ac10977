// upstream.authorizeTimeoutS bounds a charger's whole wait for Authorize, counted from
// when its request reaches the site: behind a call the slow cloud is holding, the
// Authorize expires in the queue, is never sent stale, and the offline decision answers.
import test from 'node:test';
import { within as bounded } from '../helpers/until.js';
import assert from 'node:assert/strict';
import { startCloudSite, drained, IDENTITY } from '../helpers/upstream-site.js';

/** The shared bounded wait, with this file's argument order. */
const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> => bounded(p, what, ms);

test('an Authorize queued behind a slow cloud call is answered from the local list and never reaches the cloud', async (t) => {
  // callTimeoutS well above the cloud's delay: the outbox call holds the line until answered.
  const s = await startCloudSite({ upstream: { authorizeTimeoutS: 1, callTimeoutS: 10 } });
  t.after(() => s.stop());
  await within(s.cloud.waitFor((c) => c.action === 'BootNotification'), 10_000, 'the site to boot at the cloud');
  // The cloud would answer Accepted for any tag; the local list says Blocked, so the answer names its source.
  assert.equal((await s.cloud.sendLocalList(IDENTITY, 1, 'Full', [
    { idTag: 'LISTED', idTagInfo: { status: 'Blocked' } },
    { idTag: 'STARTER', idTagInfo: { status: 'Accepted' } },
  ])).status, 'Accepted');
  const cp = await s.charger('CP-3');
  const service = s.site.daemon.upstream!.service;
  await within(drained(service), 10_000, 'the outbox to drain after boot');

  s.cloud.responseDelayMs = 2500;
  const tx = (await cp.startTransaction(1, 'STARTER', 1000)).transactionId as number;
  await within(s.cloud.waitFor((c) => c.action === 'StartTransaction'), 10_000, 'the StartTransaction at the slow cloud');
  // The cloud now holds the one outstanding call; the charger asks about a tag.
  const answer = await within(cp.authorize('LISTED'), 10_000, "the charger's Authorize answer");
  assert.equal(answer.idTagInfo.status, 'Blocked', 'answered from the local list, not by the cloud (Accepted)');
  assert.deepEqual(s.cloud.receivedOf('Authorize'), [], 'the cloud saw the Authorize before the charger had its answer');

  // Once the slow call is answered, the expired Authorize must not go out after it.
  s.cloud.responseDelayMs = 0;
  await within(drained(service), 10_000, 'the outbox to drain');
  await within(cp.stopTransaction(tx, 1100), 10_000, 'the StopTransaction answer');
  await within(s.cloud.waitFor((c) => c.action === 'StopTransaction'), 10_000, 'the StopTransaction at the cloud');
  assert.deepEqual(s.cloud.receivedOf('Authorize'), [], 'a stale Authorize was sent after it expired');
});
