// Config for issue 13: the new keys validate, garbage is refused with the key named, and
// `check` warns when the dead man's switch cannot carry the expected sessions.
import test from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, ConfigError } from '../../daemon/config/load.js';

const chargers = (n: number, extra = '') => `chargers:\n${Array.from({ length: n }, (_, i) => `  - { id: CP-${i}, password: aaaaaaaaaaaaaaaaaaaa${extra} }`).join('\n')}\n`;
const warnings = (yaml: string): string[] => {
  const out: string[] = [];
  parseConfig(yaml, 'test.yaml', { onWarning: (w) => out.push(w) });
  return out;
};

test('check warns when fallbackBudgetA cannot give minCurrentA to the expected sessions', () => {
  assert.deepEqual(warnings(`site: { id: s }\n${chargers(2)}`), [], '16 A carries 2 sessions at 6 A');
  const w = warnings(`site: { id: s }\n${chargers(3)}`);
  assert.equal(w.length, 1);
  assert.match(w[0]!, /^balancer\.fallbackBudgetA: 16 A per phase gives only 2 of 3 sessions \(one per charger; set balancer\.expectedSessions/);
  assert.deepEqual(warnings(`site: { id: s }\n${chargers(3)}balancer: { expectedSessions: 2 }\n`), [], 'said: 2 sessions are expected');
  assert.match(warnings(`site: { id: s }\n${chargers(1)}balancer: { expectedSessions: 5, fallbackBudgetA: 24 }\n`)[0]!, /gives only 4 of 5 expected sessions \(balancer\.expectedSessions\)/);
  assert.deepEqual(warnings(`site: { id: s }\n${chargers(3, ', smartCharging: false')}`), [], 'chargers without profiles are not counted');
});

test('issue 13 keys: valid values load, garbage names the key', () => {
  const c = parseConfig(`site: { id: s, grid: { maxUnbalanceA: 20 } }\n${chargers(1, ', phaseSwitching: true')}balancer: { rotationMinutes: 0, externalLimit: { mqttTopic: a/set/limit } }\nmqtt: { url: "mqtt://127.0.0.1:1" }\n`, 't.yaml');
  assert.equal(c.site.grid.maxUnbalanceA, 20);
  assert.equal(c.chargers[0]!.phaseSwitching, true);
  assert.equal(c.chargers[0]!.smartCharging, true, 'default');
  assert.equal(c.balancer.rotationMinutes, 0);
  assert.equal(c.balancer.phaseSwitchMinIntervalS, 300);
  assert.equal(c.balancer.externalLimit?.maxValidForS, 86400);
  const bad: Array<[string, RegExp]> = [
    ['site: { id: s, grid: { maxUnbalanceA: -1 } }\n', /site\.grid\.maxUnbalanceA/],
    [`site: { id: s }\n${chargers(1, ', smartCharging: maybe')}`, /chargers\[0\]\.smartCharging/],
    ['site: { id: s }\nbalancer: { externalLimit: { mqttTopic: "a/#" } }\n', /balancer\.externalLimit\.mqttTopic/],
    ['site: { id: s }\nbalancer: { externalLimit: {} }\n', /balancer\.externalLimit/],
    ['site: { id: s }\nbalancer: { rotationMinutes: "15" }\n', /balancer\.rotationMinutes/],
  ];
  for (const [yaml, want] of bad) {
    assert.throws(() => parseConfig(yaml, 't.yaml'), (e: unknown) => e instanceof ConfigError && want.test(e.message), yaml);
  }
});
