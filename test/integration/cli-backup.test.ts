// `site-controller backup` and `--version` as an operator runs them: a copy of the store taken
// while the daemon writes transactions, checked the way an operator would (integrity_check,
// the rows they know were committed), restored by the README's steps, and the version.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { makeTempDir, testConfigObject, writeConfig } from '../helpers/daemon.js';
import { connectRaw, simpleChargerAnswers, type RawClient } from '../helpers/raw-client.js';
import { spawnDaemon, CLI } from '../helpers/child.js';
import { withTimeout } from '../helpers/notify-socket.js';

const PKG = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Runs the CLI without blocking this process's event loop (the test's charger keeps writing). */
async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => { stdout += d; });
  proc.stderr.on('data', (d) => { stderr += d; });
  const [code] = await withTimeout(once(proc, 'exit'), 60_000, `site-controller ${args.join(' ')} to exit`);
  return { code: code as number | null, stdout, stderr };
}

test('--version prints the package version and exits 0', () => {
  for (const flag of ['--version', '-V']) {
    const r = spawnSync(process.execPath, [CLI, flag], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `site-controller ${PKG.version}\n`);
  }
});

test('backup while a charger writes transactions: the copy passes integrity_check, holds every transaction answered before it began, is 0600, and restores', async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // The charger's password comes from the service's environment, which an operator's shell lacks:
  // backup needs only store.path.
  const obj = testConfigObject(dir, { log: { level: 'info' } });
  obj.chargers[0].password = { env: 'SC_BACKUP_TEST_CP1' };
  const config = writeConfig(dir, obj);
  const daemonEnv = { SC_BACKUP_TEST_CP1: 'secret-1' };
  const daemon = await spawnDaemon(config, daemonEnv);
  t.after(() => daemon.kill('SIGKILL'));
  const cp = await connectRaw(`ws://127.0.0.1:${daemon.port}/ocpp/CP-1`, { auth: 'CP-1:secret-1', answer: simpleChargerAnswers });

  // Each answered Start/Stop is committed to disk (the daemon answers after the commit).
  const committed: number[] = [];
  let writing = true;
  let writeError: unknown;
  const oneTransaction = async (c: RawClient, i: number) => {
    const start = await c.call('StartTransaction', { connectorId: 1, idTag: 'TAG', meterStart: i * 10, timestamp: new Date().toISOString() });
    const txId = start[2].transactionId as number;
    await c.call('MeterValues', { connectorId: 1, transactionId: txId, meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: String(i * 10 + 5), measurand: 'Energy.Active.Import.Register' }] }] });
    const stop = await c.call('StopTransaction', { transactionId: txId, meterStop: i * 10 + 9, timestamp: new Date().toISOString() });
    assert.equal(stop[0], 3);
    committed.push(txId);
  };
  const writer = (async () => {
    for (let i = 0; writing; i++) await oneTransaction(cp, i);
  })().catch((err) => { writeError = err; });
  await withTimeout(new Promise<void>((resolve) => {
    const check = () => (committed.length >= 20 ? resolve() : setImmediate(check));
    check();
  }), 30_000, '20 committed transactions before the backup');

  const before = [...committed];
  const out = join(dir, 'backup.db');
  const shellEnv = { ...process.env, SC_BACKUP_TEST_CP1: undefined };
  const r = await cli(['backup', '-c', config, '-o', out], shellEnv);
  const duringBackup = committed.length - before.length;
  writing = false;
  await writer;
  assert.equal(writeError, undefined, `the daemon kept answering during the backup: ${String(writeError)}`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /integrity ok/);
  assert.ok(duringBackup > 0, 'transactions were committed while the backup ran');

  assert.equal(statSync(out).mode & 0o777, 0o600);
  assert.ok(!existsSync(`${out}-wal`) && !existsSync(`${out}-journal`), 'the backup is one file');
  const copy = new Database(out, { readonly: true });
  assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
  const ids = new Set((copy.prepare('SELECT id FROM transactions').all() as Array<{ id: number }>).map((row) => row.id));
  copy.close();
  for (const id of before) assert.ok(ids.has(id), `transaction ${id}, answered before the backup began, is in the copy`);

  // Restore as the README says: stop the service, copy the file over site.db, remove -wal/-shm, start.
  await cp.close();
  assert.equal((await daemon.kill('SIGTERM')).code, 0);
  const db = join(dir, 'site.db');
  copyFileSync(out, db);
  rmSync(`${db}-wal`, { force: true });
  rmSync(`${db}-shm`, { force: true });
  const restored = await spawnDaemon(config, daemonEnv);
  t.after(() => restored.kill('SIGKILL'));
  const again = await connectRaw(`ws://127.0.0.1:${restored.port}/ocpp/CP-1`, { auth: 'CP-1:secret-1', answer: simpleChargerAnswers });
  const next = await again.call('StartTransaction', { connectorId: 2, idTag: 'TAG', meterStart: 0, timestamp: new Date().toISOString() });
  assert.ok(next[2].transactionId > Math.max(...before), 'ids continue after the restored rows');
  await again.close();
  assert.equal((await restored.kill('SIGTERM')).code, 0);
});

test('backup: -o is required, a missing store is named, a failed backup leaves an existing file alone', async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = writeConfig(dir, testConfigObject(dir));
  const noOut = await cli(['backup', '-c', config], process.env);
  assert.equal(noOut.code, 2);
  assert.match(noOut.stderr, /-o FILE is required/);

  const out = join(dir, 'backup.db');
  writeFileSync(out, 'previous backup');
  const missing = await cli(['backup', '-c', config, '-o', out], process.env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, new RegExp(`no database at ${join(dir, 'site.db').replace(/[.]/g, '\\.')}`));
  assert.equal(readFileSync(out, 'utf8'), 'previous backup', 'a failed backup leaves the old file alone');
  assert.ok(!existsSync(join(dir, 'site.db')), 'backup never creates a store');
});
