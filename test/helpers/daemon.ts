// Builds a daemon for a test in a few lines: a temp dir for its SQLite file, a free
// loopback port, config from YAML text merged with what the test needs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseConfig } from '../../daemon/config/load.js';
import { createDaemon, type Daemon, type DaemonDeps } from '../../daemon/main.js';
import { createLogger, type LogLevel } from '../../daemon/log.js';
import type { Config } from '../../daemon/config/types.js';

export interface TestSite {
  dir: string;
  dbPath: string;
  config: Config;
  daemon: Daemon;
  url: string;
  logs: string[];
  stop(): Promise<void>;
}

/** A config object for tests: port 0, store in dir, overrides deep-merged at section level. */
export function testConfigObject(dir: string, overrides: Record<string, any> = {}): Record<string, any> {
  const base: Record<string, any> = {
    site: { id: 'test-site' },
    local: { listen: { host: '127.0.0.1', port: 0 }, pingIntervalS: 0 },
    chargers: [
      { id: 'CP-1', password: 'secret-1', connectors: 2 },
      { id: 'CP-2', password: 'secret-2', connectors: 1, phases: 1, phaseRotation: 'L2' },
    ],
    store: { path: join(dir, 'site.db') },
    log: { level: 'debug' },
  };
  for (const [k, v] of Object.entries(overrides)) {
    base[k] = v !== null && typeof v === 'object' && !Array.isArray(v) && typeof base[k] === 'object' && !Array.isArray(base[k]) ? { ...base[k], ...v } : v;
  }
  return base;
}

export function writeConfig(dir: string, obj: Record<string, any>): string {
  const file = join(dir, 'config.yaml');
  // 0600: the test configs carry inline passwords, and the daemon refuses those in a file others can read.
  writeFileSync(file, stringify(obj), { mode: 0o600 });
  return file;
}

export function makeTempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sc-test-'));
}

export async function startSite(opts: { dir?: string; overrides?: Record<string, any>; deps?: DaemonDeps; logLevel?: LogLevel } = {}): Promise<TestSite> {
  const dir = opts.dir ?? makeTempDir();
  const config = parseConfig(stringify(testConfigObject(dir, opts.overrides)), 'test.yaml');
  const logs: string[] = [];
  const log = createLogger('site-controller', { level: opts.logLevel ?? 'debug', levels: config.log.levels, sink: (line) => logs.push(line) });
  const daemon = createDaemon(config, { log, ...opts.deps });
  await daemon.start();
  const scheme = config.local.tls ? 'wss' : 'ws';
  return {
    dir,
    dbPath: config.store.path,
    config,
    daemon,
    logs,
    url: `${scheme}://127.0.0.1:${daemon.local.port}${config.local.path}`,
    async stop() {
      await daemon.stop();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
