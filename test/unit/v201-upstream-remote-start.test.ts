// A remote start from a 2.0.1 cloud answered by a 2.0.1 charger: the Started the cloud gets carries
// the cloud's own IdToken (E02), not the 20-character idTag the charger was given (found while
// writing docs/translation.md; failed before the fix).
import test from 'node:test';
import assert from 'node:assert/strict';
import type { OutboxRow } from '../../daemon/upstream/outbox.js';
import { planEvent, type Plan201Context } from '../../daemon/upstream/v201/plan.js';
import { idTagOf } from '../../daemon/ocpp/v201/mapping.js';

const ctx = (o: Partial<Plan201Context>): Plan201Context => ({
  state: () => undefined,
  startDeliveredElsewhere: () => undefined,
  transactionRef: (id) => `${id}-abc`,
  cloudConnector: (_c, k) => k,
  remoteStartOf: () => undefined,
  maxMergedMeterValues: 10,
  foldIntoStop: false,
  tagSeqNo: () => {},
  used: () => {},
  ...o,
});

// A 2.0.1 cloud's RequestStartTransaction carries an idToken of up to 36 characters and any type.
// The model shortens it to a 20-character idTag, and a 2.0.1 charger is asked to start with
// {that idTag, Central}; its Started then carries that token, which the site passes on as the
// charger's own. The cloud sees a token it never issued (E02: the Started of a remote start
// carries the IdToken of the RequestStartTransaction). The cloud's token must win for a bound start.
test('a remote start bound to a 2.0.1 charger\'s transaction: the Started carries the cloud\'s own idToken, not the shortened one the charger got', () => {
  const cloudToken = { idToken: 'NL-ABC-C12345678-X-0000001', type: 'eMAID' };
  const chargerEcho = { idToken: idTagOf(cloudToken), type: 'Central' };
  assert.notEqual(chargerEcho.idToken, cloudToken.idToken, 'the token is longer than a 1.6 idTag');
  const row: OutboxRow = {
    seq: 1, transactionId: 7, chargerId: 'CP', action: 'StartTransaction', queuedAt: 0, attempts: 0, offline: false, seqNo: null, groupLast: null,
    payload: { connectorId: 1, idTag: chargerEcho.idToken, meterStart: 0, timestamp: '2026-11-28T10:00:00.000Z', extra: { idToken: chargerEcho, triggerReason: 'RemoteStart' } },
  };
  const p = planEvent([row], ctx({ remoteStartOf: () => ({ remoteStartId: 9, idToken: cloudToken }) }), { alone: false });
  assert.ok(p.kind === 'call');
  assert.equal((p.payload as any).transactionInfo.remoteStartId, 9);
  assert.deepEqual((p.payload as any).idToken, cloudToken);
});
