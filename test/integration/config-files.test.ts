// Files that hold secrets: refused when other users can read them (or only warned
// behind SITE_CONTROLLER_ALLOW_WORLD_READABLE=1), `check` warns about short charger
// passwords, the store is private to the service user, and `status` needs no secret.
import test from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { loadConfigFile, ConfigError } from '../../daemon/config/load.js';
import { makeTempDir, startSite, testConfigObject, writeConfig } from '../helpers/daemon.js';
import { spawnDaemon, CLI } from '../helpers/child.js';

const run = promisify(execFile);
const mode = (p: string) => statSync(p).mode & 0o777;
const ALLOW = 'SITE_CONTROLLER_ALLOW_WORLD_READABLE';

function problemsOf(path: string, env: NodeJS.ProcessEnv = {}, warnings: string[] = []): string[] {
  try {
    loadConfigFile(path, { env, onWarning: (w) => warnings.push(w) });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

/** The CLI as an installer runs it; resolves with exit code and output (never rejects on exit 1). */
async function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout: string; stderr: string; killed?: boolean };
    if (e.killed) throw new Error(`site-controller ${args.join(' ')} did not finish within 20 s`);
    return { code: e.code ?? -1, stdout: e.stdout, stderr: e.stderr };
  }
}

test('a config file with inline secrets, a secret file or a TLS key readable by others is refused, naming the file and the fix', (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, stringify(testConfigObject(dir)), { mode: 0o644 });
  chmodSync(file, 0o644);
  assert.deepEqual(problemsOf(file), [`(config file): ${file} contains secrets and is readable by other users (mode 644); run: chmod 640 ${file}`]);
  chmodSync(file, 0o640);
  assert.deepEqual(problemsOf(file), []);

  const pw = join(dir, 'cp1.secret');
  writeFileSync(pw, 'a-long-enough-password-1\n');
  chmodSync(pw, 0o604);
  const key = join(dir, 'local.key');
  const cert = join(dir, 'local.pem');
  writeFileSync(key, 'not really a key');
  writeFileSync(cert, 'a certificate is public');
  chmodSync(key, 0o644);
  chmodSync(cert, 0o644);
  const obj = testConfigObject(dir, { local: { tls: { cert, key } }, chargers: [{ id: 'CP-1', password: { file: pw }, connectors: 1 }] });
  writeFileSync(file, stringify(obj));
  assert.deepEqual(problemsOf(file).sort(), [
    `chargers[0].password: secret file ${pw} is readable by other users (mode 604); run: chmod 640 ${pw}`,
    `local.tls.key: ${key} is readable by other users (mode 644); run: chmod 640 ${key}`,
  ]);

  // The documented switch turns the refusals into warnings.
  const warnings: string[] = [];
  assert.deepEqual(problemsOf(file, { [ALLOW]: '1' }, warnings), []);
  assert.equal(warnings.length, 2);
  assert.ok(warnings.every((w) => /readable by other users.*chmod 640/.test(w)), warnings.join('\n'));
});

test('a config without secrets may be world-readable: the shipped default.yaml loads as git checks it out', () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const file = join(root, 'config/default.yaml');
  assert.ok(mode(file) & 0o004, 'the checkout is world-readable, as from a fresh clone');
  assert.deepEqual(problemsOf(file), []);
});

test('check warns (exit 0) about charger passwords shorter than 16 characters', async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = writeConfig(dir, testConfigObject(dir, { chargers: [
    { id: 'CP-1', password: 'short-1', connectors: 1 },
    { id: 'CP-2', password: 'sixteen-chars-ok', connectors: 1 },
  ] }));
  const r = await cli(['check', '-c', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /valid/);
  assert.match(r.stderr, /warning: chargers\[0\]\.password: 7 characters; the OCPP security whitepaper asks for at least 16/);
  assert.doesNotMatch(r.stderr, /chargers\[1\]/);
});

test('the store directory is created 0700 and the database files 0600, also under umask 022; an old 0644 database is tightened', async (t) => {
  const old = process.umask(0o022);
  t.after(() => process.umask(old));
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const storeDir = join(dir, 'store');
  const site = await startSite({ dir, overrides: { store: { path: join(storeDir, 'site.db') } } });
  t.after(() => site.stop());
  assert.equal(mode(storeDir).toString(8), '700');
  for (const f of ['site.db', 'site.db-wal', 'site.db-shm']) {
    assert.ok(existsSync(join(storeDir, f)), `${f} exists while the daemon runs`);
    assert.equal(mode(join(storeDir, f)).toString(8), '600', f);
  }
  await site.stop();

  chmodSync(join(storeDir, 'site.db'), 0o644);
  const again = await startSite({ dir, overrides: { store: { path: join(storeDir, 'site.db') } } });
  t.after(() => again.stop());
  assert.equal(mode(join(storeDir, 'site.db')).toString(8), '600');
});

test('status needs no secret: it works without the environment variable the config names', async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = writeConfig(dir, testConfigObject(dir, {
    log: { level: 'info' },
    chargers: [{ id: 'CP-1', password: { env: 'SC_TEST_CP1_PASSWORD' }, connectors: 1 }],
  }));
  const daemon = await spawnDaemon(file, { SC_TEST_CP1_PASSWORD: 'from-the-service-environment' });
  t.after(() => daemon.kill('SIGKILL'));
  const env = { ...process.env };
  delete env.SC_TEST_CP1_PASSWORD;
  const r = await cli(['status', '--json', '-c', file], env);
  assert.equal(r.code, 0, `status failed: ${r.stderr}`);
  const snap = JSON.parse(r.stdout);
  assert.equal(snap.site, 'test-site');
  assert.deepEqual(snap.chargers.map((c: any) => c.id), ['CP-1']);
  // Without the variable, check still names it: only status is spared.
  const checked = await cli(['check', '-c', file], env);
  assert.equal(checked.code, 1);
  assert.match(checked.stdout, /SC_TEST_CP1_PASSWORD is not set/);
});
