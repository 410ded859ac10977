// The short seeded chaos run with a mixed site: one OCPP 1.6 and one OCPP 2.0.1 charger
// behind the 1.6 cloud, the daemon kill -9'd at seeded instants while the 2.0.1 charger's
// queue re-sends its unanswered TransactionEvent after each reconnect. The verdict is the
// same as for 1.6 (matched by content: Start, Stop, samples): nothing lost, nothing set
// aside, duplicates only from calls in flight. A failure prints the seed to replay.
import test from 'node:test';
import assert from 'node:assert/strict';
import { runChaos } from '../../scripts/chaos/run.js';
import { formatVerdict } from '../../scripts/chaos/verdict.js';

const SEED = Number(process.env.CHAOS_SEED ?? 20261201);

test(`chaos with a 2.0.1 charger, short: 5 kill -9s (seed ${SEED}): nothing lost, nothing set aside, duplicates only from calls in flight`, { timeout: 240_000 }, async () => {
  const lines: string[] = [];
  const v = await runChaos({ seed: SEED, kills: 5, chargers: 2, v201: 1, killEveryMs: [100, 900], drainTimeoutMs: 45_000, log: (l) => lines.push(l) });
  const report = `${lines.join('\n')}\n${formatVerdict(v)}\nthis test alone: CHAOS_SEED=${SEED} node scripts/run-tests.mjs integration/chaos-v201`;
  assert.equal(v.v201, 1, report);
  assert.equal(v.kills, 5, report);
  assert.ok(v.accepted > 0, `no transaction message was accepted at all\n${report}`);
  assert.equal(v.lost, 0, report);
  assert.equal(v.setAside, 0, report);
  assert.equal(v.duplicatesUnexplained, 0, report);
  assert.ok(v.ok, report);
});

test(`chaos behind a 2.0.1 cloud, short: 5 kill -9s (seed ${SEED}): nothing lost, the cloud's ledger clean (no seqNo gap, repeat or unknown id)`, { timeout: 240_000 }, async () => {
  const lines: string[] = [];
  const v = await runChaos({ seed: SEED, kills: 5, chargers: 2, v201: 1, cloudProtocol: 'ocpp2.0.1', killEveryMs: [100, 900], drainTimeoutMs: 45_000, log: (l) => lines.push(l) });
  const report = `${lines.join('\n')}\n${formatVerdict(v)}\nthis test alone: CHAOS_SEED=${SEED} node scripts/run-tests.mjs integration/chaos-v201`;
  assert.equal(v.cloudProtocol, 'ocpp2.0.1', report);
  assert.ok(v.accepted > 0, `no transaction message was accepted at all\n${report}`);
  assert.equal(v.lost, 0, report);
  assert.equal(v.setAside, 0, report);
  assert.equal(v.duplicatesUnexplained, 0, report);
  assert.ok(v.ok, report);
});
