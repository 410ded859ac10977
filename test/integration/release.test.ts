// The release path an installer takes, against a throwaway root (a prefix in a temp dir),
// never the machine running the tests: package two versions, install the first, fill the
// config, upgrade (the store is backed up first), install again (nothing changes), roll
// back, and run the installed `site-controller` from the prefix each time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { REPO_ROOT, fillTemplate, templateText } from '../helpers/template.js';

const V1 = '9.1.0-test';
const V2 = '9.2.0-test';
let tmp = '';
let root = '';
const unpacked: Record<string, string> = {};
// The node running the tests is the one install.sh and the installed command find on PATH.
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };

interface Run { code: number; out: string }

function run(cmd: string, args: string[], what: string, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err && (err as { killed?: boolean }).killed) return reject(new Error(`${what} did not finish within ${timeoutMs / 1000} s:\n${stdout}${stderr}`));
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
    });
  });
}

async function ok(cmd: string, args: string[], what: string): Promise<string> {
  const r = await run(cmd, args, what);
  assert.equal(r.code, 0, `${what} failed:\n${r.out}`);
  return r.out;
}

const base = () => join(root, 'opt/site-controller');
const link = (name: string) => readlinkSync(join(base(), name));
const installed = () => join(root, 'usr/local/bin/site-controller');
const configFile = () => join(root, 'etc/site-controller/config.yaml');
const store = () => join(root, 'var/lib/site-controller/site.db');
const backups = () => (existsSync(join(dirname(store()), 'backups')) ? readdirSync(join(dirname(store()), 'backups')) : []);
const install = (version: string, ...args: string[]) =>
  run('bash', [join(unpacked[version], 'install.sh'), '--prefix', root, ...args], `install.sh ${args.join(' ')} of ${version}`);
/** The version the installed tree reports, loaded through `current` as the command loads it. */
const currentVersion = () =>
  ok(process.execPath, ['--input-type=module', '-e', `import { VERSION } from ${JSON.stringify(join(base(), 'current/dist/daemon/version.js'))}; console.log(VERSION)`], 'reading the current version').then((s) => s.trim());

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'sc-release-'));
  root = join(tmp, 'root');
  const out = join(tmp, 'out');
  // Both packages from the same build, differing in version only (as two releases would).
  const [p1, p2] = await Promise.all([V1, V2].map((v) => ok(process.execPath, [join(REPO_ROOT, 'scripts/package.mjs'), '--out', out, '--version', v], `packaging ${v}`)));
  for (const [v, printed] of [[V1, p1], [V2, p2]]) {
    const tarball = join(out, readdirSync(out).find((f) => f.startsWith(`site-controller-${v}-`))!);
    assert.ok(printed.includes(`site-controller-${v}-${process.platform}-${process.arch}-node${process.versions.node.split('.')[0]}.tar.gz`), printed);
    const x = join(tmp, `x-${v}`);
    mkdirSync(x);
    await ok('tar', ['-xzf', tarball, '-C', x], `unpacking ${tarball}`);
    unpacked[v] = join(x, `site-controller-${v}`);
  }
});

after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('the tarball holds what a gateway needs and no tests', () => {
  const dir = unpacked[V1];
  for (const f of ['dist/daemon/cli.js', 'dist/daemon/config/schema.json', 'dist/web/index.html', 'dist/web/app.js', 'dist/web/style.css', 'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
    'systemd/site-controller.service', 'config/schema.json', 'config/site-controller.minimal.yaml', 'config/site-controller.example.yaml',
    'install.sh', 'README.md', 'docs/design.md', 'docs/troubleshooting.md', 'RELEASE']) {
    assert.ok(existsSync(join(dir, f)), `${f} is in the tarball`);
  }
  assert.ok(!existsSync(join(dir, 'dist/test')), 'compiled tests stay out');
  assert.ok(!existsSync(join(dir, 'node_modules/typescript')), 'dev dependencies are pruned');
  assert.equal(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version, V1);
  assert.match(readFileSync(join(dir, 'RELEASE'), 'utf8'), new RegExp(`^nodeAbi=${process.versions.modules}$`, 'm'));
});

test('install, fill the config, upgrade with a store backup, install again, roll back', async () => {
  // Fresh install.
  let r = await install(V1);
  assert.equal(r.code, 0, r.out);
  assert.equal(link('current'), V1);
  assert.ok(!existsSync(join(base(), 'previous')), 'a first install has no previous version');
  assert.equal(statSync(configFile()).mode & 0o777, 0o640, 'the config is installed 0640');
  assert.equal(readFileSync(configFile(), 'utf8'), templateText(), 'the config is the minimal template');
  assert.match(r.out, /not creating the system user/, 'users and groups are left alone under a prefix');
  assert.match(r.out, /site\.id: must be string/, 'install.sh shows what is left to fill');
  const unit = readFileSync(join(root, 'etc/systemd/system/site-controller.service'), 'utf8');
  assert.match(unit, /^ExecStart=.*\/opt\/site-controller\/current\/dist\/daemon\/cli\.js run/m, 'the unit runs the current version');

  // The command on PATH runs the installed version: it names what to fill, then accepts the filled file.
  r = await run(installed(), ['check', '-c', configFile()], 'installed site-controller check');
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /chargers\[0\]\.password/);
  writeFileSync(configFile(), fillTemplate(templateText()));
  await ok(installed(), ['check', '-c', configFile()], 'installed site-controller check of the filled config');
  assert.equal(await currentVersion(), V1);

  // A store with a committed row still in the WAL, held open as a running daemon would.
  mkdirSync(dirname(store()), { recursive: true });
  const db = new Database(store());
  try {
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE sessions (id INTEGER PRIMARY KEY, note TEXT)');
    db.prepare('INSERT INTO sessions (note) VALUES (?)').run('charged before the upgrade');

    // Upgrade.
    r = await install(V2);
    assert.equal(r.code, 0, r.out);
    assert.equal(link('current'), V2);
    assert.equal(link('previous'), V1);
    assert.equal(await currentVersion(), V2);
    assert.equal(readFileSync(configFile(), 'utf8'), fillTemplate(templateText()), 'the filled config is kept');
    assert.equal(statSync(configFile()).mode & 0o777, 0o640);
    const made = backups();
    assert.equal(made.length, 1, `one backup: ${made.join(', ')}`);
    assert.match(made[0], new RegExp(`^site-${V1.replace(/\./g, '\\.')}-\\d{8}T\\d{6}Z\\.db$`));
    const backupFile = join(dirname(store()), 'backups', made[0]);
    assert.equal(statSync(backupFile).mode & 0o777, 0o600, 'the backup is readable by its owner only');
    assert.equal(readFileSync(join(base(), 'last-backup'), 'utf8').trim(), backupFile);
    const copy = new Database(backupFile, { readonly: true });
    try {
      assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
      assert.deepEqual(copy.prepare('SELECT note FROM sessions').all(), [{ note: 'charged before the upgrade' }]);
    } finally {
      copy.close();
    }
  } finally {
    db.close();
  }
  await ok(installed(), ['check', '-c', configFile()], 'installed site-controller check after the upgrade');

  // The same version again changes nothing: no new backup, previous still the old version.
  r = await install(V2);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /already unpacked/);
  assert.match(r.out, /nothing changed: the service is left as it is/, 'a repeated install does not restart the service');
  assert.equal(link('current'), V2);
  assert.equal(link('previous'), V1);
  assert.equal(backups().length, 1, 'no second backup');

  // Roll back.
  r = await install(V2, '--rollback');
  assert.equal(r.code, 0, r.out);
  assert.equal(link('current'), V1);
  assert.equal(await currentVersion(), V1);
  assert.match(r.out, /restore .*backups\/site-/, 'the rollback says which backup restores the store if the old version refuses it');
  await ok(installed(), ['check', '-c', configFile()], 'installed site-controller check after the rollback');
  assert.ok(existsSync(join(base(), V2)), 'the version rolled back from stays on disk');

  // A second rollback does not toggle back to the version just left.
  r = await install(V2, '--rollback');
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /nothing to roll back to/);
  assert.equal(link('current'), V1);
  assert.equal(readdirSync(base()).filter((f) => f.startsWith('.')).length, 0, 'no temporary names left behind');
});

test('a tarball built for another Node ABI is refused before anything is installed', async () => {
  const other = join(tmp, 'other-abi');
  cpSync(unpacked[V1], other, { recursive: true, verbatimSymlinks: true });
  const release = join(other, 'RELEASE');
  writeFileSync(release, readFileSync(release, 'utf8').replace(/^nodeAbi=.*$/m, 'nodeAbi=1').replace(/^node=.*$/m, 'node=v0.1.0'));
  const prefix = join(tmp, 'root-other');
  const r = await run('bash', [join(other, 'install.sh'), '--prefix', prefix], 'install.sh of a foreign tarball');
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /built for .* Node v0\.1\.0 \(ABI 1\); this machine runs .* \(ABI \d+\)/);
  assert.ok(!existsSync(join(prefix, 'opt/site-controller/current')), 'nothing was switched');
});
