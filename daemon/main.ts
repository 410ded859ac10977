// The composition root: the only place that builds services and wires them
// together. Tests build a daemon with createDaemon() in a few lines.
import type { Config } from './config/types.js';
import { createLogger, type Logger } from './log.js';
import { Store } from './store/store.js';
import { ChargerRegistry } from './local/registry.js';
import { LocalServer } from './local/server.js';
import { dialectOf, DIALECT_PROTOCOLS } from './local/dialects.js';
import { onChargerConnect } from './local/connect.js';
import { LocalPolicyAuthorizer, type Authorizer } from './local/authorizer.js';
import { createHealthService, type HealthService } from './health/service.js';
import { TelemetryService } from './telemetry/service.js';
import { createUpstream, type Upstream } from './upstream/index.js';
import { VERSION } from './version.js';
import { createMeter, type BackoffOptions } from '../drivers/meters/index.js';
import { BalancerService } from './balancer/service.js';
import { ExternalLimitHolder } from './balancer/external-limit.js';
import { PhaseSwitchStore } from './balancer/switch-store.js';
import { ProbeReports } from './balancer/probe-store.js';
import { MeterService } from './balancer/meter-service.js';
import type { CapsSource } from './balancer/caps.js';
import { ControlServer, controlSocketPath } from './control/server.js';
import { buildSnapshot } from './control/snapshot.js';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { RecentEvents } from './web/events.js';
import { WebService } from './web/server.js';
import { probeMeterVia, probeModemVia } from './web/actions.js';

/** The Home Assistant discovery topics the last run announced (store kv), so a removed charger's are cleared. */
const HA_TOPICS_KEY = 'telemetry.homeAssistant.topics';

export interface DaemonDeps {
  log?: Logger;
  now?: () => number;
  /** Replaces the local authorization policy (the upstream service plugs in here). */
  authorizer?: Authorizer;
  /** What a Hard reset from the cloud does; the CLI exits so systemd restarts the service. */
  exitProcess?: () => void;
  /** The cloud's limits for the balancer (the upstream service plugs in here); none by default. */
  caps?: CapsSource;
  /** Reconnect backoff of the meter's bus (tests shorten it). */
  meterBackoff?: BackoffOptions;
  /** Where `site-controller status` finds the daemon; default: control.sock next to the store. */
  controlSocket?: string | null;
  /** Replaces the charger compatibility probe the web page's "test a charger" runs (tests); default: the balancer's `probe charger`. */
  probeCharger?: (chargerId: string) => Promise<object>;
}

export interface Daemon {
  readonly config: Config;
  readonly store: Store;
  readonly registry: ChargerRegistry;
  readonly local: LocalServer;
  /** The load balancer; undefined when the config has no chargers. */
  readonly balancer: BalancerService | undefined;
  /** undefined without an `upstream` section (standalone site). */
  readonly upstream: Upstream | undefined;
  readonly health: HealthService;
  /** undefined without an `mqtt` section. */
  readonly telemetry: TelemetryService | undefined;
  /** The installer's web page; undefined without a `web` section. */
  readonly web: WebService | undefined;
  /** The recent events (what the page and `status --json` show). */
  readonly events: RecentEvents;
  /** What `site-controller status --json` prints. */
  snapshot(): Record<string, unknown>;
  /** `probe charger ID` and the web page's "test a charger": the compatibility report (rejects when not connected). */
  probeCharger(chargerId: string): Promise<object>;
  /** balancer.externalLimit, when configured with an mqtt section. */
  readonly externalLimit: ExternalLimitHolder | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createDaemon(config: Config, deps: DaemonDeps = {}): Daemon {
  const log = deps.log ?? createLogger('site-controller', { level: config.log.level, levels: config.log.levels });
  const now = deps.now ?? Date.now;
  const store = new Store(config.store.path, now);
  const registry = new ChargerRegistry();
  // With a cloud, the upstream decides authorization (online, else local list and cache).
  const upstream = config.upstream ? createUpstream({ config, store, registry, log, now, firmwareVersion: VERSION, exitProcess: deps.exitProcess }) : undefined;
  const authorizer = deps.authorizer ?? upstream?.authorizer ?? new LocalPolicyAuthorizer(config.local.authorization);
  const handlerDeps = { store, authorizer, registry, config: config.local, log, now, journalStateChanges: config.upstream?.protocol === 'ocpp2.0.1' };

  const local = new LocalServer({
    config: config.local,
    chargers: config.chargers,
    registry,
    log,
    now,
    // Every version a dialect serves (2.0.1 preferred when a charger offers both).
    protocols: DIALECT_PROTOCOLS,
    onSession: (session) => {
      const dialect = dialectOf(session);
      dialect.register(session, handlerDeps);
      // Model commands name local transaction ids; a 2.0.1 charger knows its own string ids.
      session.chargerTxIdOf = (id) => store.transactions.chargerTxIdOf(id) ?? undefined;
      // On every connect, not only after a boot: a charger that merely reconnected may have a car charging.
      onChargerConnect(session, {
        store, registry, log, now, meterValueSampleIntervalS: config.local.meterValueSampleIntervalS, bootGraceMs: config.local.bootGraceS * 1000,
        configure: dialect.configure,
      });
    },
  });

  // Health and telemetry only observe: they run beside charging and never block it.
  const health = createHealthService(config, { log, now });
  const telemetry = config.mqtt
    ? new TelemetryService(config.mqtt, {
        siteId: config.site.id, registry, chargerIds: config.chargers.map((c) => c.id), log, now,
        homeAssistant: config.mqtt.homeAssistant && {
          input: {
            discoveryPrefix: config.mqtt.homeAssistant.discoveryPrefix, topicPrefix: config.mqtt.topicPrefix, siteId: config.site.id, version: VERSION,
            chargers: config.chargers, meter: !!config.meter, upstream: !!config.upstream, balancer: config.chargers.length > 0 || config.local.allowUnknownChargers,
          },
          previous: store.kv.get<string[]>(HA_TOPICS_KEY),
          save: (topics) => store.kv.set(HA_TOPICS_KEY, topics),
        },
      })
    : undefined;
  telemetry?.attachHealth(health);

  // balancer.externalLimit: an EMS / grid operator lowers the grid limit over MQTT (the telemetry connection).
  const extCfg = config.balancer.externalLimit;
  const externalLimit = extCfg && telemetry
    ? new ExternalLimitHolder({ source: `mqtt:${extCfg.mqttTopic}`, maxValidForS: extCfg.maxValidForS ?? 86_400, now })
    : undefined;
  if (externalLimit && extCfg) telemetry!.subscribe(extCfg.mqttTopic, (payload) => externalLimit.accept(payload));
  // The balancer: on the meter's samples when one is configured, else a static budget on a timer.
  let balancer: BalancerService | undefined;
  if (config.chargers.length > 0 || config.local.allowUnknownChargers) {
    const m = config.meter;
    const meterLog = log.child('meter');
    const meter = m && new MeterService(createMeter(m, meterLog, deps.meterBackoff && { backoff: deps.meterBackoff }), {
      pollIntervalMs: m.pollIntervalMs, staleAfterMs: m.staleAfterMs, now, log: meterLog,
    });
    balancer = new BalancerService(
      { grid: config.site.grid, balancer: config.balancer, chargers: config.chargers, periodMs: m?.pollIntervalMs ?? 1000 },
      { registry, meter, caps: deps.caps ?? upstream?.caps, now, log: log.child('balancer'), externalLimit, probeReports: new ProbeReports(store.db),
        phaseSwitches: new PhaseSwitchStore(store.db, (fn) => store.write(fn), log.child('balancer')) },
    );
  }
  // `probe charger ID` (CLI through the control socket, and the web page's "test a charger" button).
  const probeCharger = async (chargerId: string): Promise<object> => {
    if (!balancer) throw new Error('no balancer: the config has no chargers');
    if (typeof chargerId !== 'string' || chargerId === '') throw new Error('probe-charger needs a charger id');
    return balancer.probe(chargerId);
  };

  // The cloud's GetCompositeSchedule answers with what the balancer gives a connector now.
  if (upstream && balancer) {
    const b = balancer;
    upstream.caps.balancerLimitA = (chargerId, connectorId) =>
      b.state().connectors.find((c) => c.chargerId === chargerId && c.connectorId === connectorId)?.limitA ?? undefined;
  }

  // A storage fault (disk full, read-only, I/O) is said once when it starts and once when it ends.
  const storeLog = log.child('store');
  store.on('event', (e) => {
    if (e.type === 'alarm') storeLog.error(e.message, { code: e.sqliteCode });
    else storeLog.info(e.message);
    telemetry?.event('store', e);
  });

  // Telemetry publishes each service that exists in this configuration.
  if (telemetry) {
    if (balancer) telemetry.attach('balancer', balancer);
    if (balancer?.meterService) telemetry.attachMeter(balancer.meterService);
    if (upstream) telemetry.attach('upstream', upstream.service);
  }

  // The recent events for the page and `status`, whether or not MQTT is configured.
  const events = new RecentEvents(now);
  events.attachRegistry(registry);
  events.attach('store', store);
  events.attach('health', health);
  if (balancer) events.attach('balancer', balancer);
  if (upstream) events.attach('upstream', upstream.service);

  const startedAt = now();
  const snapshot = () => buildSnapshot({
    siteId: config.site.id, startedAt, now, chargers: config.chargers, registry, upstream, balancer, health, telemetry, store, events,
    grid: config.site.grid, transaction: (id) => store.transactions.get(id),
  });

  // The installer's page: the same snapshot, pushed on every change of the services it shows.
  const meterService = balancer?.meterService;
  const web = config.web
    ? new WebService(config.web, {
        snapshot, log: log.child('web'), now,
        changes: [
          [registry, ['connected', 'disconnected', 'refused', 'blocked', 'booted', 'configured', 'status', 'meterValues', 'transactionStarted', 'transactionStopped']],
          [events, ['event']], [health, ['result']],
          ...(balancer ? [[balancer, ['state']] as [typeof balancer, string[]]] : []),
          ...(upstream ? [[upstream.service, ['state']] as [typeof upstream.service, string[]]] : []),
          ...(meterService ? [[meterService, ['sample', 'stale', 'errorChanged']] as [typeof meterService, string[]]] : []),
        ],
        probeMeter: () => probeMeterVia(meterService, config.meter ? config.meter.staleAfterMs + config.meter.timeoutMs : 0),
        probeModem: () => probeModemVia(health, ((config.health.modem?.commandTimeoutMs ?? 2000) * 10)),
        probeCharger: deps.probeCharger ?? probeCharger,
        kv: store.kv,
      })
    : undefined;
  const socketPath = deps.controlSocket === undefined ? (config.store.path === ':memory:' ? null : controlSocketPath(config.store.path)) : deps.controlSocket;
  // The daemon's own event-loop delay: what every charger's answer waits behind. `loop` returns
  // it since the previous `loop` (benchmarks read it around their measuring window).
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  const readLoop = () => {
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    const r = { p50Ms: ms(loopDelay.percentile(50)), p99Ms: ms(loopDelay.percentile(99)), maxMs: ms(loopDelay.max), samples: loopDelay.count };
    loopDelay.reset();
    return r;
  };
  const control = socketPath
    ? new ControlServer(socketPath, (req) => (req.cmd === 'status' ? snapshot() : req.cmd === 'loop' ? readLoop()
      : req.cmd === 'probe-charger' ? probeCharger(req.id as string) : { error: `unknown command ${req.cmd}` }), log.child('control'))
    : null;

  let stopped = false;
  return {
    config,
    store,
    registry,
    local,
    balancer,
    upstream,
    health,
    telemetry,
    web,
    events,
    snapshot,
    probeCharger,
    externalLimit,
    async start() {
      await local.start();
      await control?.start();
      await web?.start();
      loopDelay.enable();
      balancer?.start();
      upstream?.service.start();
      telemetry?.start();
      health.start();
      log.info('started', { site: config.site.id, chargers: config.chargers.length, store: config.store.path });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await web?.stop();
      // Telemetry first, so its clean `offline` goes out while the site is still whole.
      await telemetry?.stop();
      await health.stop();
      await upstream?.service.stop();
      await balancer?.stop();
      externalLimit?.stop();
      await local.stop();
      await control?.stop();
      loopDelay.disable();
      events.detach();
      await store.close();
      log.info('stopped');
    },
  };
}
