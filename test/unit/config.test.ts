// Config errors an installer will meet, with the exact `path: message` they see.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseConfig, loadConfigFile, ConfigError } from '../../daemon/config/load.js';

const MIN = 'site: { id: s1 }\n';

function problems(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(yaml, 'test.yaml', { env });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

test('the minimal config is valid and filled with the documented defaults', () => {
  const c = parseConfig(MIN, 'min.yaml');
  assert.equal(c.local.listen.port, 9000);
  assert.equal(c.local.path, '/ocpp');
  assert.equal(c.local.heartbeatIntervalS, 300);
  assert.equal(c.site.grid.maxCurrentA, 63);
  assert.equal(c.balancer.minCurrentA, 6);
  assert.equal(c.store.path, '/var/lib/site-controller/site.db');
  assert.equal(c.upstream, undefined);
  assert.equal(c.meter, undefined);
});

const TABLE: Array<[string, string, string[]]> = [
  ['a charger max below 6 A', 'chargers:\n  - { id: A, password: p }\n  - { id: B, password: p, maxCurrentA: 3 }\n', ['chargers[1].maxCurrentA: must be >= 6']],
  ['a typo in a key', 'local:\n  heartbeatIntervallS: 60\n', ['local.heartbeatIntervallS: unknown key']],
  ['an unknown section', 'loadbalancer: {}\n', ['loadbalancer: unknown key']],
  ['a wrong type', 'local:\n  heartbeatIntervalS: soon\n', ['local.heartbeatIntervalS: must be integer']],
  ['a bad enum', 'chargers:\n  - { id: A, password: p, phases: 2 }\n', ['chargers[0].phases: must be one of: 1, 3']],
  ['a missing site id', 'site: {}\n', ['site.id: is required']],
  ['a duplicate charger', 'chargers:\n  - { id: A, password: p }\n  - { id: a, password: q }\n', ['chargers[1].id: duplicate of chargers[0].id (a)']],
  ['a charger without password', 'chargers:\n  - { id: A }\n', ['chargers[0].password: is required unless local.allowUnknownChargers or local.tls.requireClientCert is set']],
  ['a 3-phase rotation on a 1-phase charger', 'chargers:\n  - { id: A, password: p, phases: 1, phaseRotation: L2L3L1 }\n', ['chargers[0].phaseRotation: must be one of L1, L2, L3 for a 1-phase charger']],
  ['a fallback budget above the fuse', 'site: { id: s1, grid: { maxCurrentA: 20 } }\nbalancer: { fallbackBudgetA: 25 }\n', ['balancer.fallbackBudgetA: must not exceed site.grid.maxCurrentA - safetyMarginA (18); a fallback above the fuse fails open']],
  ['a tcp meter without host', 'meter: { model: sdm630, transport: tcp }\n', ['meter.host: is required for transport tcp']],
  ['a bad secret shape', 'chargers:\n  - { id: A, password: { vault: x } }\n', ['chargers[0].password: must be a string, { file: PATH } or { env: NAME }']],
  ['an unset secret variable', 'chargers:\n  - { id: A, password: { env: NOT_SET_ANYWHERE } }\n', ['chargers[0].password: environment variable NOT_SET_ANYWHERE is not set']],
  ['a missing secret file', 'chargers:\n  - { id: A, password: { file: /nonexistent/secret } }\n', ['chargers[0].password: cannot read secret file /nonexistent/secret: ENOENT']],
];

for (const [what, yaml, expected] of TABLE) {
  test(`config error: ${what}`, () => {
    const text = yaml.startsWith('site:') ? yaml : MIN + yaml;
    assert.deepEqual(problems(text), expected);
  });
}

test('every problem is reported in one pass', () => {
  const p = problems(MIN + 'local:\n  port: 1\nchargers:\n  - { id: A, maxCurrentA: 1 }\n  - { id: A, password: p }\n');
  assert.deepEqual(p.sort(), [
    'chargers[0].maxCurrentA: must be >= 6',
    'chargers[0].password: is required unless local.allowUnknownChargers or local.tls.requireClientCert is set',
    'chargers[1].id: duplicate of chargers[0].id (A)',
    'local.port: unknown key',
  ]);
});

test('YAML syntax errors and duplicate keys name the line', () => {
  assert.match(problems('site:\n  id: a\n  id: b\n')[0], /^line 3, column 3: .*[Mm]ap keys must be unique/);
  assert.match(problems('site: [\n')[0], /^line \d+, column \d+: /);
  assert.deepEqual(problems('- just\n- a list\n'), ['(top level): must be a mapping of sections (site, local, chargers, ...)']);
});

test('secrets come from env and files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sc-cfg-'));
  try {
    writeFileSync(join(dir, 'pw'), 'from-file\n', { mode: 0o600 });
    const c = parseConfig(`${MIN}chargers:\n  - { id: A, password: { file: ${join(dir, 'pw')} } }\n  - { id: B, password: { env: CP_B_PW } }\n`, 't.yaml', { env: { CP_B_PW: 'from-env' } });
    assert.equal(c.chargers[0].password, 'from-file');
    assert.equal(c.chargers[1].password, 'from-env');
    assert.throws(() => loadConfigFile(join(dir, 'missing.yaml')), /missing\.yaml: invalid configuration[\s\S]*cannot read the file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the shipped configs are valid: default and annotated example', () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const def = loadConfigFile(join(root, 'config/default.yaml'));
  assert.equal(def.local.listen.port, 9000);
  assert.equal(def.store.path, './data/site.db');
  assert.equal(def.upstream, undefined);
  const example = parseConfig(execFileSync('cat', [join(root, 'config/site-controller.example.yaml')]).toString(), 'example', {
    env: { CLOUD_PASSWORD: 'x' }, readFile: () => 'secret',
  });
  assert.ok(example.chargers.length >= 2);
  assert.ok(example.meter && example.upstream && example.mqtt);
});

test('site-controller check: exit 0 for valid, 1 with path: message lines for invalid', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sc-cfg-'));
  try {
    const cli = fileURLToPath(new URL('../../daemon/cli.js', import.meta.url));
    writeFileSync(join(dir, 'good.yaml'), MIN);
    const good = spawnSync(process.execPath, [cli, 'check', '-c', join(dir, 'good.yaml')]);
    assert.equal(good.status, 0);
    assert.match(good.stdout.toString(), /valid/);
    writeFileSync(join(dir, 'bad.yaml'), MIN + 'chargers:\n  - { id: A, password: p, maxCurrentA: 3 }\n');
    const bad = spawnSync(process.execPath, [cli, 'check', '-c', join(dir, 'bad.yaml')]);
    assert.equal(bad.status, 1);
    assert.equal(bad.stdout.toString(), 'chargers[0].maxCurrentA: must be >= 6\n');
    assert.match(bad.stderr.toString(), /bad\.yaml: 1 problem/);
    // The env variable picks the file when -c is absent.
    const viaEnv = spawnSync(process.execPath, [cli, 'check'], { env: { ...process.env, SITE_CONTROLLER_CONFIG: join(dir, 'good.yaml') } });
    assert.equal(viaEnv.status, 0);
    const usage = spawnSync(process.execPath, [cli, 'frobnicate']);
    assert.equal(usage.status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
