// `npm run package`: the release tarball for this machine's architecture and Node ABI.
//
// It contains what a gateway needs and nothing to build: dist/ (without the tests),
// production node_modules with the native addons already built (better-sqlite3's addon
// is tied to the Node major it was built for, so the tarball name and RELEASE say which),
// the systemd unit, the config schema, a minimal config template, the annotated example,
// the docs and install.sh. Run it on a machine with the gateway's architecture and Node
// major (or in an emulated container of it).
//
//   node scripts/package.mjs [--out DIR] [--version V]
//
// --out defaults to release/; --version overrides package.json's (pre-releases, tests).
// Needs a build (npm run package builds first) and an installed node_modules.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function parse(argv) {
  const opts = { out: join(root, 'release'), version: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--out' && v) opts.out = resolve(v), i++;
    else if (a === '--version' && v) opts.version = v, i++;
    else throw new Error(`usage: node scripts/package.mjs [--out DIR] [--version V] (got ${a})`);
  }
  return opts;
}

// An addon compiled here (node-gyp) leaves its objects, static libraries, makefiles and,
// for better-sqlite3, the SQLite sources next to the .node file: 30 MB a gateway never
// reads. Only build/Release/*.node (what `bindings` loads) is kept.
function trimNativeBuilds(modules) {
  for (const pkg of readdirSync(modules)) {
    const pkgDir = join(modules, pkg);
    if (pkg.startsWith('@')) {
      if (statSync(pkgDir).isDirectory()) trimNativeBuilds(pkgDir);
      continue;
    }
    const build = join(pkgDir, 'build');
    if (!existsSync(join(build, 'config.gypi'))) continue;
    for (const entry of readdirSync(build)) if (entry !== 'Release') rmSync(join(build, entry), { recursive: true, force: true });
    const release = join(build, 'Release');
    if (existsSync(release)) {
      for (const entry of readdirSync(release)) if (!entry.endsWith('.node') || entry.startsWith('test_')) rmSync(join(release, entry), { recursive: true, force: true });
    }
    // Sources only needed to compile (better-sqlite3: deps/ is the SQLite amalgamation).
    for (const entry of ['deps', 'src']) if (existsSync(join(pkgDir, entry, '..', 'binding.gyp'))) rmSync(join(pkgDir, entry), { recursive: true, force: true });
  }
}

function main() {
  const opts = parse(process.argv.slice(2));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const version = opts.version ?? pkg.version;
  if (!/^[0-9A-Za-z][0-9A-Za-z.+_-]*$/.test(version)) throw new Error(`version ${version}: letters, digits and . + _ - only (it names a directory)`);
  // A tarball for a Node the package does not support would install and then fail on the gateway.
  const engines = /^>=(\d+)(?: <(\d+))?$/.exec(pkg.engines?.node ?? '');
  const major = Number(process.versions.node.split('.')[0]);
  if (engines && (major < Number(engines[1]) || (engines[2] && major >= Number(engines[2])))) {
    throw new Error(`Node ${process.version} is outside engines.node (${pkg.engines.node}): package with a supported Node (docs/operations.md)`);
  }
  if (!existsSync(join(root, 'dist/daemon/cli.js'))) throw new Error('dist/ is missing: run npm run build first (npm run package does)');
  if (!existsSync(join(root, 'node_modules'))) throw new Error('node_modules is missing: run npm ci first');

  const stage = mkdtempSync(join(tmpdir(), 'site-controller-package-'));
  try {
    const name = `site-controller-${version}`;
    const dir = join(stage, name);
    mkdirSync(dir);

    // The compiled tests stay behind: a gateway runs the daemon, not the suite.
    const distTest = join(root, 'dist', 'test');
    cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true, filter: (src) => src !== distTest && !src.startsWith(distTest + sep) });

    // Production dependencies: a copy of the installed tree (native addons already built
    // for this Node), pruned of dev dependencies offline against the lockfile.
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, version }, null, 2) + '\n');
    cpSync(join(root, 'package-lock.json'), join(dir, 'package-lock.json'));
    cpSync(realpathSync(join(root, 'node_modules')), join(dir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
    execFileSync('npm', ['prune', '--omit=dev', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    trimNativeBuilds(join(dir, 'node_modules'));
    // The addon must load with this Node, or the tarball would be useless on the gateway.
    execFileSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], { cwd: dir, stdio: 'inherit' });

    mkdirSync(join(dir, 'config'));
    cpSync(join(root, 'daemon/config/schema.json'), join(dir, 'config/schema.json'));
    cpSync(join(root, 'config/site-controller.minimal.yaml'), join(dir, 'config/site-controller.minimal.yaml'));
    cpSync(join(root, 'config/site-controller.example.yaml'), join(dir, 'config/site-controller.example.yaml'));
    mkdirSync(join(dir, 'systemd'));
    cpSync(join(root, 'systemd/site-controller.service'), join(dir, 'systemd/site-controller.service'));
    cpSync(join(root, 'README.md'), join(dir, 'README.md'));
    cpSync(join(root, 'docs'), join(dir, 'docs'), { recursive: true });
    cpSync(join(root, 'scripts/install.sh'), join(dir, 'install.sh'));
    chmodSync(join(dir, 'install.sh'), 0o755);

    // install.sh reads this (key=value) to refuse a tarball built for another machine.
    const release = {
      name: 'site-controller',
      version,
      platform: process.platform,
      arch: process.arch,
      nodeAbi: process.versions.modules,
      node: process.version,
      built: new Date().toISOString(),
    };
    writeFileSync(join(dir, 'RELEASE'), Object.entries(release).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');

    mkdirSync(opts.out, { recursive: true });
    const tarball = join(opts.out, `${name}-${process.platform}-${process.arch}-node${major}.tar.gz`);
    // Owned by root in the archive, so extracting as root does not hand files to a build user.
    execFileSync('tar', ['-czf', tarball, '--owner=0', '--group=0', '--numeric-owner', '-C', stage, name], { stdio: 'inherit' });
    process.stdout.write(`${relative(process.cwd(), tarball) || tarball}\n`);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

try {
  main();
} catch (err) {
  process.stderr.write(`package: ${err.message}\n`);
  process.exit(1);
}
