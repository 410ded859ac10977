// The composition root: the only place that builds services and wires them
// together. Tests build a daemon with createDaemon() in a few lines.
import type { Config } from './config/types.js';
import { createLogger, type Logger } from './log.js';
import { Store } from './store/store.js';
import { ChargerRegistry } from './local/registry.js';
import { LocalServer } from './local/server.js';
import { registerHandlers } from './local/handlers.js';
import { configureCharger } from './local/configure.js';
import { LocalPolicyAuthorizer, type Authorizer } from './local/authorizer.js';

export interface DaemonDeps {
  log?: Logger;
  now?: () => number;
  /** Replaces the local authorization policy (the upstream service plugs in here). */
  authorizer?: Authorizer;
}

export interface Daemon {
  readonly config: Config;
  readonly store: Store;
  readonly registry: ChargerRegistry;
  readonly local: LocalServer;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createDaemon(config: Config, deps: DaemonDeps = {}): Daemon {
  const log = deps.log ?? createLogger('site-controller', { level: config.log.level });
  const now = deps.now ?? Date.now;
  const store = new Store(config.store.path, now);
  const registry = new ChargerRegistry();
  const authorizer = deps.authorizer ?? new LocalPolicyAuthorizer(config.local.authorization);
  const handlerDeps = { store, authorizer, registry, config: config.local, log, now };

  const local = new LocalServer({
    config: config.local,
    chargers: config.chargers,
    registry,
    log,
    now,
    onSession: (session) => {
      registerHandlers(session, handlerDeps);
      session.rpc.on('responded', (action: string) => {
        if (action === 'BootNotification') {
          void configureCharger(session, { store, registry, log, meterValueSampleIntervalS: config.local.meterValueSampleIntervalS });
        }
      });
    },
  });

  let stopped = false;
  return {
    config,
    store,
    registry,
    local,
    async start() {
      await local.start();
      log.info('started', { site: config.site.id, chargers: config.chargers.length, store: config.store.path });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await local.stop();
      await store.close();
      log.info('stopped');
    },
  };
}
