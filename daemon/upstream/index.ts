// Assembles the upstream side: the link service, the cloud's commands, the
// authorization seam for the local CSMS, and the caps the balancer reads.
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { Config } from '../config/types.js';
import type { ChargerRegistry } from '../local/registry.js';
import type { GetCompositeScheduleResponse } from '../ocpp/v16/types.js';
import { UpstreamService } from './service.js';
import { AuthStore, UpstreamAuthorizer } from './auth.js';
import { CloudProfiles, bindWindowMs } from './cloud-profiles.js';
import { SiteConfiguration } from './site-config.js';
import { registerRoutes } from './routes.js';
import { CloudCaps } from './caps.js';
import { Reservations } from './reservations.js';
import { registerRoutes201, type PendingRemoteStart } from './v201/routes.js';
import { siteVariables } from './v201/device-model.js';
import { localIdOfRef, transactionRef } from './v201/dialect.js';
import { bindable } from './cloud-profiles.js';
import { LimitReporter } from './v201/charging-limits.js';

export interface UpstreamDepsIn {
  config: Config;
  store: Store;
  registry: ChargerRegistry;
  log: Logger;
  now: () => number;
  firmwareVersion: string;
  /** Hard reset: exit so systemd restarts the service (chargers keep charging meanwhile). */
  exitProcess?: () => void;
}

export interface Upstream {
  service: UpstreamService;
  authorizer: UpstreamAuthorizer;
  caps: CloudCaps;
  auth: AuthStore;
  profiles: CloudProfiles;
  reservations: Reservations;
}

export function createUpstream(d: UpstreamDepsIn): Upstream {
  const cfg = d.config.upstream!;
  const log = d.log.child('upstream');
  const auth = new AuthStore(d.store.db, d.store.kv, d.now);
  const write = <T>(fn: () => T): Promise<T> => d.store.write(fn);
  const txs = d.store.transactions;
  const openOn = (chargerId: string, connectorId: number) => txs.openFor(chargerId).filter((t) => t.connector_id === connectorId);
  // The charger's word first; the store's open transactions when it has not spoken since a restart.
  const runningTransaction = (chargerId: string, connectorId: number): number | undefined =>
    d.registry.get(chargerId)?.connectors.get(connectorId)?.transactionId ?? openOn(chargerId, connectorId).at(-1)?.id;
  const siteConfig = new SiteConfiguration({
    kv: d.store.kv,
    numberOfConnectors: () => service.connectors.all().length,
    heartbeatIntervalS: () => service.heartbeatS,
    setHeartbeatIntervalS: (s) => service.setHeartbeatIntervalS(s),
    allowOfflineTxForUnknownId: cfg.offlineAuthorization.allowUnknownIdTags,
  });
  const profiles = new CloudProfiles({
    db: d.store.db,
    write,
    now: d.now,
    bindWindowMs: () => bindWindowMs(siteConfig.connectionTimeOutS()),
    isRunning: (id) => txs.get(id)?.stopped_at === null,
    startedSince: (chargerId, connectorId, since) => openOn(chargerId, connectorId).filter((t) => t.created_at >= since).map((t) => ({ id: t.id, createdAt: t.created_at })),
  });
  const reservations = new Reservations(d.store.db, write, d.now);
  const service = new UpstreamService({
    config: cfg,
    chargerOrder: d.config.chargers.map((c) => ({ id: c.id, connectors: c.connectors })),
    store: d.store,
    registry: d.registry,
    log: d.log,
    now: d.now,
    firmwareVersion: d.firmwareVersion,
    onConnection: (rpc) => (cfg.protocol === 'ocpp2.0.1' ? registerRoutes201(rpc, route201Deps) : registerRoutes(rpc, routeDeps)),
  });
  // 2.0.1: a RequestStartTransaction per cloud connector, until a transaction for its idTag starts there.
  const pendingRemoteStarts = new Map<number, PendingRemoteStart>();
  // Bound in the SQLite transaction that stores the StartTransaction: durable with it, and
  // before the outbox can number the Started (it may run before any registry event).
  if (cfg.protocol === 'ocpp2.0.1') {
    txs.onJournal((entry) => {
      if (entry.action !== 'StartTransaction' || entry.transactionId === null) return;
      const p = entry.payload as { connectorId: number; idTag: string };
      const k = service.connectors.numberOf(entry.chargerId, p.connectorId);
      const pending = k === undefined ? undefined : pendingRemoteStarts.get(k);
      if (k === undefined || !pending || pending.idTag.toLowerCase() !== p.idTag.toLowerCase()) return;
      pendingRemoteStarts.delete(k);
      if (!bindable(pending.receivedAt, entry.receivedAt, bindWindowMs(siteConfig.connectionTimeOutS()))) return;
      service.tx201.bindRemoteStart(entry.transactionId, pending.remoteStartId, pending.idToken);
      service.remoteStarts.set(entry.transactionId, { remoteStartId: pending.remoteStartId, idToken: pending.idToken });
    });
  }
  const caps = new CloudCaps({ profiles, connectors: service.connectors, registry: d.registry, config: d.config, now: d.now, runningTransaction });
  const failed = (what: string) => (err: Error) => log.error(what, { err: err.message });
  // A RemoteStart's TxProfile binds to the transaction it produced and ends with it;
  // a reservation the charger used (StartTransaction with its id) is gone.
  d.registry.on('transactionStarted', (session, connectorId, transactionId) => {
    const row = txs.get(transactionId);
    const k = service.connectors.numberOf(session.id, connectorId);
    if (!row) return;
    if (k !== undefined) {
      profiles.transactionStarted(k, transactionId, row.created_at).then((n) => {
        if (n > 0) caps.emit('change');
      }, failed('binding a TxProfile failed'));
    }
    const used = row.reservation_id === null ? undefined : reservations.get(row.reservation_id);
    if (used && used.chargerId === session.id) void reservations.remove(used.reservationId).catch(failed('removing a used reservation failed'));
  });
  d.registry.on('transactionStopped', (_session, transactionId) => {
    profiles.transactionStopped(transactionId).then((n) => {
      if (n > 0) caps.emit('change');
    }, failed('dropping a TxProfile failed'));
  });
  const routeDeps = {
    registry: d.registry,
    connectors: service.connectors,
    outbox: service.outbox,
    status: service.status,
    profiles,
    reservations,
    auth,
    siteConfig,
    write,
    now: d.now,
    runningTransaction,
    log,
    vendorId: cfg.bootNotification.chargePointVendor,
    chargerOfTransaction: (localId: number) => {
      const tx = d.store.transactions.get(localId);
      return tx && tx.stopped_at === null ? tx.charger_id : undefined;
    },
    reset: (type: 'Soft' | 'Hard') => {
      log.warn('reset requested by the cloud', { type });
      if (type === 'Hard' && d.exitProcess) d.exitProcess();
      else void service.restartSession();
    },
    trigger: (message: string, k?: number) => {
      switch (message) {
        case 'BootNotification':
          return void service.reboot();
        case 'Heartbeat':
          return void service.sendHeartbeat();
        case 'StatusNotification':
          if (k) {
            const s = service.status.statusOf(k);
            return service.status.report(k, s.status, s.errorCode, s.info);
          }
          return service.status.sendAll();
        case 'MeterValues':
          return caps.sendMeterValues(k, (a, p) => service.call(a, p).catch(() => {}));
        case 'DiagnosticsStatusNotification':
          return void service.call('DiagnosticsStatusNotification', { status: 'Idle' }).catch(() => {});
        case 'FirmwareStatusNotification':
          return void service.call('FirmwareStatusNotification', { status: 'Idle' }).catch(() => {});
      }
    },
    compositeSchedule: (k: number, durationS: number, unit?: 'A' | 'W'): GetCompositeScheduleResponse => caps.compositeSchedule(k, durationS, unit),
    profilesChanged: () => caps.emit('change'),
  };
  const refOf = (localId: number) => transactionRef(localId, txs.get(localId)?.created_at ?? 0);
  const route201Deps = {
    ...routeDeps,
    siteVariables: () => siteVariables(siteConfig, () => service.connectors.all().map((a) => ({ id: a.number, status: service.status.statusOf(a.number).status }))),
    localIdOfRef: (ref: string) => {
      const id = localIdOfRef(ref);
      return id !== undefined && txs.get(id) && refOf(id) === ref ? id : undefined;
    },
    transactionRef: refOf,
    remoteStartPending: (k: number, start: PendingRemoteStart) => pendingRemoteStarts.set(k, start),
    remoteStartRefused: (k: number, start: PendingRemoteStart) => {
      if (pendingRemoteStarts.get(k) === start) pendingRemoteStarts.delete(k);
    },
    transactionStatus: (localId?: number) => ({
      messagesInQueue: localId === undefined ? service.outbox.stats().depth > 0 : service.outbox.queuedFor(localId),
      ...(localId === undefined ? {} : { ongoing: txs.get(localId)?.stopped_at === null }),
    }),
    send: (action: string, payload: unknown) => void service.call(action, payload).catch((err) => log.debug('report not delivered', { action, err: (err as Error).message })),
    liveMeterValues: (k: number | undefined, send: (p: { connectorId: number; meterValue: any[] }) => void) => caps.sendMeterValues(k, (_a, p) => send(p as { connectorId: number; meterValue: any[] })),
    statusOf: (k: number) => service.status.statusOf(k),
    triggerTransactionEvents: (k: number | undefined) => {
      const targets = k === undefined ? service.connectors.all() : [service.connectors.resolve(k)].filter((a) => a !== undefined);
      let n = 0;
      for (const a of targets) {
        const localId = runningTransaction(a!.chargerId, a!.connectorId);
        if (localId === undefined || txs.get(localId)?.stopped_at !== null) continue;
        let meterValue: unknown[] = [];
        caps.sendMeterValues(a!.number, (_action, p) => (meterValue = (p as { meterValue: unknown[] }).meterValue));
        const status = d.registry.get(a!.chargerId)?.connectors.get(a!.connectorId)?.status;
        const payload = { connectorId: a!.connectorId, transactionId: localId, meterValue, extra: { triggerReason: 'Trigger', ...(status ? { status } : {}) } };
        n++;
        d.store.write(() => txs.meterValues(a!.chargerId, localId, payload), 'transaction').then((r) => {
          if (r.known && !r.duplicate) txs.committed(localId, r.contentKey);
          service.pump.kick();
        }, failed('a triggered TransactionEvent was not stored'));
      }
      return n;
    },
  };
  if (cfg.protocol === 'ocpp2.0.1') {
    const reporter = new LimitReporter({
      evses: () => service.connectors.all().map((a) => ({
        k: a.number,
        running: d.registry.get(a.chargerId)?.connectors.get(a.connectorId)?.transactionId != null,
        balancerA: caps.balancerA(a.chargerId, a.connectorId),
        allowedA: caps.allowedA(a.chargerId, a.connectorId),
      })),
      online: () => service.online,
      send: route201Deps.send,
      now: d.now,
    });
    service.attach(reporter);
    service.on('event', (e: { type: string }) => {
      if (e.type === 'upstream-up') reporter.reconnected();
    });
  }
  const authorizer = new UpstreamAuthorizer(auth, service, {
    allowUnknownIdTags: cfg.offlineAuthorization.allowUnknownIdTags,
    onlineTimeoutMs: cfg.authorizeTimeoutS * 1000,
    log,
    now: d.now,
  });
  return { service, authorizer, caps, auth, profiles, reservations };
}
