// The short seeded chaos run inside `npm test` (the long one is `npm run test:chaos`):
// the daemon as a real process, kill -9'd at seeded instants while chargers re-send what
// was not answered and the cloud drops and turns slow. A failure prints the seed to replay.
import test from 'node:test';
import assert from 'node:assert/strict';
import { runChaos } from '../../scripts/chaos/run.js';
import { formatVerdict } from '../../scripts/chaos/verdict.js';

const SEED = Number(process.env.CHAOS_SEED ?? 20261128);

test(`chaos, short: 6 kill -9s (seed ${SEED}): nothing lost, nothing set aside, duplicates only from calls in flight`, { timeout: 240_000 }, async () => {
  const lines: string[] = [];
  const v = await runChaos({ seed: SEED, kills: 6, chargers: 2, killEveryMs: [100, 900], drainTimeoutMs: 45_000, log: (l) => lines.push(l) });
  const report = `${lines.join('\n')}\n${formatVerdict(v)}\nthis test alone: CHAOS_SEED=${SEED} node scripts/run-tests.mjs integration/chaos`;
  assert.equal(v.kills, 6, report);
  assert.ok(v.accepted > 0, `no transaction message was accepted at all\n${report}`);
  assert.equal(v.lost, 0, report);
  assert.equal(v.setAside, 0, report);
  assert.equal(v.duplicatesUnexplained, 0, report);
  assert.ok(v.ok, report);
});
