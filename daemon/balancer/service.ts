// The control loop: on every meter sample (or every period without a meter) it
// reads the chargers' state from the registry, plans the limits (plan.ts) and
// hands them to each charger's ChargerProfiles, which sends what changed. A step
// is synchronous and never waits for a charger.
import { EventEmitter } from 'node:events';
import type { ChargerConfig, Config } from '../config/types.js';
import type { Logger } from '../log.js';
import type { ChargerRegistry } from '../local/registry.js';
import type { ChargerSession, SmartChargingCapabilities } from '../local/session.js';
import { NoCaps, type CapsSource } from './caps.js';
import type { BalancerEvent, BalancerState } from './events.js';
import { FallbackBook } from './fallback-book.js';
import type { ExternalLimitChange, ExternalLimitHolder } from './external-limit.js';
import { PhaseSwitchLog } from './phase-switch.js';
import type { PhaseSwitchStore } from './switch-store.js';
import { ladderFromProbe, probeCharger, type ProbeReport } from './probe.js';
import { probeTarget } from './probe-target.js';
import type { ProbeReports } from './probe-store.js';
import type { MeterReadError, MeterService } from './meter-service.js';
import type { Paused } from './allocate.js';
import { plan, type BalancerMode, type BudgetSource, type Plan, type PlanConnector } from './plan.js';
import { profileLadder, stackLevels, unitsFor } from './profiles.js';
import { ChargerProfiles, type ConnectorWant } from './sender.js';
import { SendPacer } from './pacer.js';
import type { PerPhase } from './phases.js';
import { modeNotice, noticeLevel, pauseNotices, type ConnectorAfter, type Notice, type PausedConnector } from './transitions.js';
import { reportedCapA, tighter } from './reported-limits.js';
import { buildState, isCharging, measured, stateSignature, wiringOf, type Row, type Wiring } from './site-view.js';

export type { BalancerEvent, BalancerState } from './events.js';

export interface BalancerServiceOptions {
  grid: Config['site']['grid'];
  balancer: Config['balancer'];
  chargers: readonly ChargerConfig[];
  /** The control period, ms: the meter's poll interval, else 1000. */
  periodMs: number;
}

export interface BalancerServiceDeps {
  registry: ChargerRegistry;
  /** Omitted: no meter, a static budget (grid max − margin). Started and stopped with the service. */
  meter?: MeterService;
  caps?: CapsSource;
  /** balancer.externalLimit: fed from MQTT by main.ts. */
  externalLimit?: ExternalLimitHolder;
  /** Stored `probe charger` reports: they order each charger's ladder. */
  probeReports?: ProbeReports;
  /** The phase-switch history of running sessions, kept across restarts (without it: in memory only). */
  phaseSwitches?: PhaseSwitchStore;
  now?: () => number;
  log: Logger;
}

const capsKey = (c: SmartChargingCapabilities | null): string => JSON.stringify([c?.rateUnits, c?.maxStackLevel]);

/**
 * Default validity of a dynamic limit, s; refreshed at half, so a steady connector gets one
 * profile a minute. Why 120 s is safe for the main fuse: see README "Validity and refresh".
 */
export const DEFAULT_PROFILE_VALIDITY_S = 120;
/** A call to a charger is given up after this (or the validity, if shorter). */
const SEND_TIMEOUT_S = 30;

/** Least time between two control steps triggered by charger events (not meter samples). */
const EVENT_STEP_GAP_MS = 250;

export class BalancerService extends EventEmitter<{ state: [BalancerState]; event: [BalancerEvent] }> {
  readonly meterService: MeterService | undefined;
  private readonly ctls = new Map<string, ChargerProfiles>();
  private readonly pacer = new SendPacer();
  private eventTimer: NodeJS.Timeout | undefined;
  /** Per charger id: capabilities and ladder position, kept across reconnects. */
  private readonly known = new Map<string, { caps: SmartChargingCapabilities | null; step: number; probeReported?: boolean }>();
  private readonly probing = new Set<string>();
  private readonly startedAt = new Map<string, number>();
  /** Per connector key: the limit in force when its latest MeterValues arrived. */
  private readonly limitAtMeasurement = new Map<string, number | null>();
  /** Per connector, the sample time of the last MeterValues currents passed to observed(). */
  private readonly currentSeenAt = new Map<string, number>();
  private pausedSince = new Map<string, { since: number; reason: Paused['reason'] }>();
  /** Rotation state per connector key (allocate's turns). */
  private turns = new Map<string, { queuedAt: number; runningSince?: number }>();
  private readonly switches: PhaseSwitchLog;
  /** The dead man's switch shares (fallback-book.ts). */
  private readonly fallback: FallbackBook;
  /** Non-EV load from the last quiet sample, held while limits are in transit (estimate.ts). */
  private trustedNonEv: PerPhase | null = null;
  private readonly offs: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private lastRunAt = -Infinity;
  private snapshot: BalancerState;
  private signature = '';
  /** What the log and `events` were last told: changes are announced once, not on every step. */
  private announcedMode: BalancerMode = 'normal';
  private announcedPaused = new Map<string, PausedConnector>();
  private running = false;
  private readonly now: () => number;
  private readonly caps: CapsSource;
  private readonly validityS: number;

  constructor(readonly opts: BalancerServiceOptions, private readonly deps: BalancerServiceDeps) {
    super();
    this.meterService = deps.meter;
    this.now = deps.now ?? Date.now;
    this.caps = deps.caps ?? new NoCaps();
    this.validityS = opts.balancer.profileValidityS ?? DEFAULT_PROFILE_VALIDITY_S;
    this.fallback = new FallbackBook(opts.balancer.fallbackBudgetA, opts.balancer.minCurrentA);
    this.switches = new PhaseSwitchLog({
      minIntervalMs: (opts.balancer.phaseSwitchMinIntervalS ?? 300) * 1000, maxPerSession: opts.balancer.phaseSwitchMaxPerSession ?? 10,
    }, deps.phaseSwitches);
    const zero: [number, number, number] = [0, 0, 0];
    this.snapshot = { ts: this.now(), mode: 'fallback', source: deps.meter ? 'fallback' : 'static', stale: !!deps.meter, budgetA: zero, headroomA: zero, reservedA: zero, evDrawA: zero, nonEvA: null, settling: [false, false, false], meter: null, connectors: [], chargers: [] };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.deps.phaseSwitches?.prune();
    this.announcedMode = 'normal';
    this.announcedPaused = new Map();
    const { registry } = this.deps;
    const reset = (id: string) => this.dropCtl(id);
    this.listen(registry, 'configured', (s: ChargerSession) => {
      this.dropCtl(s.id);
      // The ladder position is kept while the charger reports the same capabilities (a firmware update may change them).
      const prev = this.known.get(s.id);
      const same = !!prev && capsKey(prev.caps) === capsKey(s.capabilities);
      this.known.set(s.id, { caps: s.capabilities, step: same ? prev.step : 0 });
      this.schedule();
    });
    this.listen(registry, 'connected', (s: ChargerSession) => reset(s.id));
    this.listen(registry, 'meterValues', (s: ChargerSession, c: number) => {
      const key = `${s.id}/${c}`;
      const ctl = this.ctls.get(s.id);
      this.limitAtMeasurement.set(key, ctl?.limitRange(c)?.lowA ?? null);
      // Only a message that carried currents says where the car is now (live keeps older ones).
      const live = s.connectors.get(c)?.live;
      if (!ctl || live?.currentTs === undefined || live.currentTs === this.currentSeenAt.get(key)) return;
      this.currentSeenAt.set(key, live.currentTs);
      const drawA = measured(live, wiringOf(s).phases)?.filter((a): a is number => typeof a === 'number');
      if (drawA?.length) ctl.observed(c, Math.max(...drawA));
    });
    this.listen(registry, 'disconnected', (id: string) => (reset(id), this.schedule()));
    // A charger-reported limit (or its end) is acted on at once, not at the next sample.
    this.listen(registry, 'chargingLimit', () => this.schedule());
    // Session changes are acted on at once, meter or not: a new session's first limit (fast
    // admission) and the dead man's switch shares follow sessions, not the next sample.
    for (const e of ['status', 'transactionStarted', 'transactionStopped']) this.listen(registry, e, () => this.schedule());
    const ext = this.deps.externalLimit;
    if (ext) {
      const onExt = (c: ExternalLimitChange) => (this.externalEvent(c), this.schedule());
      ext.on('change', onExt);
      this.offs.push(() => ext.off('change', onExt));
    }
    // Reported once at start: these chargers are reserved at their max and never sent a profile.
    for (const c of this.opts.chargers) {
      if (c.smartCharging !== false) continue;
      this.event({
        type: 'smart-charging-off', chargerId: c.id, kind: 'info',
        detail: `charger ${c.id}: smartCharging false: reserved at its maxCurrentA (${c.maxCurrentA} A) while charging, never sent a profile, not covered by the fallback`,
      });
    }
    const caps = this.caps;
    if (caps.on && caps.off) {
      const onChange = () => this.schedule();
      caps.on('change', onChange);
      this.offs.push(() => caps.off!('change', onChange));
    }
    const m = this.meterService;
    if (m) {
      this.listen(m, 'sample', () => this.run());
      this.listen(m, 'stale', (at: number | null) => {
        const reason = m.currentError?.reason;
        const when = at === null ? 'no sample yet' : `last good sample at ${new Date(at).toISOString()}`;
        this.event({ type: 'meter-lost', reason, detail: reason ? `${reason} (${when})` : when });
        this.run();
      });
      // The meter service has logged the new reason already; while stale it is news on `events` too.
      this.listen(m, 'errorChanged', (e: MeterReadError) => {
        if (m.stale) this.event({ type: 'meter-error', reason: e.reason, detail: e.reason }, { log: false });
      });
      this.listen(m, 'restored', (_r: unknown, outageMs: number) => this.event({ type: 'meter-restored', detail: `after ${outageMs} ms` }));
      m.start();
    }
    // Without a meter this is the loop; with one it keeps refreshes and retries going while the meter is silent.
    this.timer = setInterval(() => {
      if (!this.meterService || this.now() - this.lastRunAt >= 1.5 * this.opts.periodMs) this.run();
    }, this.opts.periodMs);
    this.run();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    if (this.eventTimer) clearTimeout(this.eventTimer);
    this.offs.splice(0).forEach((off) => off());
    for (const id of [...this.ctls.keys()]) this.dropCtl(id);
    this.pacer.stop();
    await this.meterService?.stop();
  }

  /**
   * `probe charger ID`: tests what the connected charger accepts (probe.ts), stores the report
   * and starts its ladder afresh from it. Rejects when the charger is not connected.
   */
  async probe(chargerId: string): Promise<ProbeReport> {
    const s = this.deps.registry.all().find((x) => x.id === chargerId);
    if (!s) throw new Error(`charger ${chargerId} is not connected`);
    // Two probes at once (CLI and web page) would clear each other's test profiles mid-way.
    if (this.probing.has(s.id)) throw new Error(`a probe of charger ${s.id} is already running`);
    this.probing.add(s.id);
    const b = this.opts.balancer;
    const report = await probeCharger(probeTarget(s, this.ctls.get(s.id), this.deps.registry, {
      nominalVoltageV: this.opts.grid.nominalVoltageV, dynamicStackLevel: b.dynamicStackLevel, minCurrentA: b.minCurrentA, now: this.now,
    })).finally(() => this.probing.delete(s.id));
    this.deps.probeReports?.put(report);
    this.deps.log.info('charger probed', { charger: s.id, summary: report.summary });
    // The next step builds its ladder from the report.
    const k = this.known.get(s.id);
    if (k) (k.step = 0), (k.probeReported = false);
    this.dropCtl(s.id);
    if (k) k.step = 0;
    this.schedule();
    return report;
  }

  /** The stored probe summary of a charger, for status. */
  probeSummary(chargerId: string): { at: string; summary: string } | null {
    const r = this.deps.probeReports?.get(chargerId);
    return r ? { at: r.at, summary: r.summary } : null;
  }

  state(): BalancerState {
    return this.snapshot;
  }

  /** One control step now; normally driven by samples and the timer. */
  run(): void {
    if (!this.running) return;
    try {
      this.step();
    } catch (err) {
      // A bug here must not take the daemon (and every session) down; the profiles on the chargers expire safely.
      this.deps.log.error('balancer step failed', { err: (err as Error).stack ?? String(err) });
    }
  }

  private step(): void {
    const now = this.now();
    const b = this.opts.balancer;
    this.lastRunAt = now;
    const fresh = this.meterService?.fresh() ?? null;
    const source: BudgetSource = !this.meterService ? { kind: 'static' } : fresh ? { kind: 'meter', currentA: fresh.currentA } : { kind: 'fallback' };
    // The limits a car may still be following are judged against when the sample was taken.
    const sampleAt = fresh ? this.meterService?.lastGoodAt ?? undefined : undefined;
    const rows = this.deps.registry.all().map((s) => {
      const w = wiringOf(s);
      const ctl = this.ctlFor(s, w);
      const reportedCap = this.reportedCaps(s, w, now);
      const conns = Array.from({ length: w.connectors }, (_, i) => {
        const id = i + 1;
        const key = `${s.id}/${id}`;
        const st = s.connectors.get(id);
        const charging = isCharging(st);
        // Restored from the store and not yet reported on this connection: may be drawing up to its max.
        const confirmed = st?.confirmed ?? true;
        if (!charging) this.startedAt.delete(key);
        else if (!this.startedAt.has(key)) this.startedAt.set(key, now);
        if (!charging) (this.switches.end(key), this.turns.delete(key));
        const turn = this.turns.get(key);
        const switchable = s.config?.phaseSwitching === true && w.phases === 3 && charging;
        const pc: PlanConnector = {
          key, wiring: w, maxCurrentA: w.maxCurrentA, priority: w.priority, charging, sessionStartedAt: this.startedAt.get(key) ?? now,
          measuredA: charging ? measured(st?.live, w.phases) : null, limit: ctl?.limitRange(id, sampleAt) ?? null, limitAtMeasurementA: this.limitAtMeasurement.get(key),
          managed: !!ctl && !ctl.unbalanceable, capA: tighter(this.caps.connectorCapA(s.id, id, now), reportedCap(id)), pausedSince: this.pausedSince.get(key)?.since, pausedReason: this.pausedSince.get(key)?.reason,
          unconfirmed: charging && !confirmed, phaseSwitch: switchable ? this.switches.view(key, now, st?.transactionId ?? null) : undefined,
          queuedAt: turn?.queuedAt, runningSince: turn?.runningSince,
        };
        return { id, key, pc, txId: st?.transactionId ?? null, confirmed };
      });
      return { s, w, ctl, conns };
    });
    const p = plan({
      gridMaxA: this.opts.grid.maxCurrentA, marginA: this.opts.grid.safetyMarginA, fallbackBudgetA: this.opts.balancer.fallbackBudgetA,
      minCurrentA: this.opts.balancer.minCurrentA, minPauseMs: this.opts.balancer.minPauseS * 1000, siteCapA: this.caps.siteCapA(now),
      source, connectors: rows.flatMap((r) => r.conns.map((c) => c.pc)), now, heldNonEvA: this.trustedNonEv,
      maxUnbalanceA: this.opts.grid.maxUnbalanceA, rotationMs: (b.rotationMinutes ?? 15) * 60_000, externalLimitA: this.deps.externalLimit?.limitA(now),
    });
    this.trustedNonEv = p.trustedNonEvA;
    this.pausedSince = new Map(p.paused.map((x) => [x.key, { since: x.since, reason: x.reason }]));
    this.turns = p.turns;
    const txOf = new Map(rows.flatMap((r) => r.conns.map((c) => [c.key, c.txId] as const)));
    for (const [key, n] of p.numberPhases) {
      if (!this.switches.apply(key, n, now, txOf.get(key) ?? null)) continue;
      const [chargerId, connectorId] = [key.slice(0, key.lastIndexOf('/')), Number(key.slice(key.lastIndexOf('/') + 1))];
      const st = this.switches.get(key)!;
      this.event({ type: 'phases-switched', chargerId, connectorId, kind: 'info', detail: `to ${n} phase${n === 1 ? '' : 's'} (switch ${st.switches} of this session)` });
    }
    const shares = this.fallback.shares(rows.map((r) => ({
      id: r.s.id, wiring: r.w, managed: !!r.ctl && !r.ctl.unbalanceable,
      conns: r.conns.map((c) => ({ key: c.key, sessionStartedAt: c.pc.sessionStartedAt, session: c.pc.charging })),
    })));
    for (const { w, ctl, conns } of rows) {
      if (!ctl) continue;
      const wants = new Map<number, ConnectorWant>();
      for (const c of conns) {
        wants.set(c.id, {
          wantA: p.limitsA.get(c.key) ?? 0, charging: c.pc.charging, transactionId: c.txId,
          phases: (p.phases.get(c.key) ?? w.phases) as 1 | 2 | 3, holdIncrease: p.increaseHeld.has(c.key), numberPhases: p.numberPhases.get(c.key),
        });
      }
      ctl.update(wants, new Map(conns.map((c) => [c.id, shares.get(c.key) ?? 0])));
    }
    this.publish(now, source, p, rows);
  }

  /** Per connector: the cap of the limits the charger itself reported (2.0.1 NotifyChargingLimit), if any stands. */
  private reportedCaps(s: ChargerSession, w: Wiring, now: number): (connectorId: number) => number | undefined {
    const limits = [...s.reportedLimits.values()];
    if (limits.length === 0) return () => undefined;
    let charging = 0;
    for (let id = 1; id <= w.connectors; id++) if (isCharging(s.connectors.get(id))) charging++;
    const ctx = { chargingConnectors: charging, voltageV: this.opts.grid.nominalVoltageV, chargerPhases: w.phases, now };
    return (connectorId) => reportedCapA(limits, { ...ctx, connectorId });
  }

  /** Every change of the external limit is an event; a rejected payload is an alarm. */
  private externalEvent(c: ExternalLimitChange): void {
    const detail = c.kind === 'set' ? `external limit ${c.maxCurrentA.join('/')} A per phase until ${new Date(c.until).toISOString()}`
      : c.kind === 'rejected' ? `external limit payload rejected, nothing changed: ${c.error}`
      : `external limit ${c.kind}: back to site.grid.maxCurrentA (${this.opts.grid.maxCurrentA} A)`;
    this.event({ type: 'external-limit', kind: c.kind === 'rejected' ? 'alarm' : 'info', reason: c.kind, detail });
  }

  private ctlFor(s: ChargerSession, w: Wiring): ChargerProfiles | undefined {
    const existing = this.ctls.get(s.id);
    if (existing) return existing;
    // Only once it is configured: after its boot was accepted (1.6 wants no CALLs before), or, for a
    // charger that reconnected without booting, after the boot grace (local/connect.ts). Until then a
    // charging connector of it is counted at its full max (plan.ts), never limited to 0 A.
    if (s.capabilities === null) return undefined;
    // smartCharging false: never sent a profile; plan.ts reserves it at its max (managed: false).
    if (s.config?.smartCharging === false) return undefined;
    // Capabilities can be known a moment before 'configured' arrives (the store write between):
    // remember the ladder position from now on, so that event does not start the ladder afresh.
    if (!this.known.has(s.id)) this.known.set(s.id, { caps: s.capabilities, step: 0 });
    const known = this.known.get(s.id);
    const caps = s.capabilities;
    const b = this.opts.balancer;
    const defaultLadder = profileLadder(caps.rateUnits);
    const report = this.deps.probeReports?.get(s.id) ?? null;
    const ladder = ladderFromProbe(report, defaultLadder) ?? defaultLadder;
    const ctl = new ChargerProfiles(
      {
        chargerId: s.id, ladder, fallbackUnits: unitsFor(caps.rateUnits),
        stack: stackLevels({ fallback: b.fallbackStackLevel, dynamic: b.dynamicStackLevel }, caps.maxStackLevel),
        chargerPhases: w.phases, nominalVoltageV: this.opts.grid.nominalVoltageV, validityS: this.validityS,
        rules: { increaseIntervalMs: b.increaseIntervalS * 1000, minIncreaseA: 1 }, carReactionMs: b.carReactionS * 1000,
      },
      {
        send: (id, req, timeoutMs) => this.pacer.run(() => this.deps.registry.send(id, 'SetChargingProfile', req, { timeoutMs: Math.min(timeoutMs, SEND_TIMEOUT_S * 1000) })),
        now: this.now, log: this.deps.log,
        // A charger found to take no profile is reserved at its max from the very next step, not the next sample.
        event: (e) => (this.event(e), e.type === 'charger-unbalanceable' && this.schedule()),
      },
    );
    ctl.step = known?.step ?? 0;
    ctl.unbalanceable = ctl.step >= ctl.opts.ladder.length;
    if (ladder.length === 0 && !known?.probeReported) {
      // Known from its probe: no form to try. Treated like a charger with smartCharging false, and said so.
      if (known) known.probeReported = true;
      this.event({ type: 'charger-unbalanceable', chargerId: s.id, detail: `its probe (${report?.at}) found no SetChargingProfile form it accepts; reserved at its full max` });
    }
    this.ctls.set(s.id, ctl);
    return ctl;
  }

  /** A new session, or none: forget what was sent (the charger may have lost it), keep what it accepts. */
  private dropCtl(id: string): void {
    const ctl = this.ctls.get(id);
    if (!ctl) return;
    ctl.close();
    this.ctls.delete(id);
    const k = this.known.get(id);
    if (k) k.step = ctl.step;
  }

  private publish(ts: number, source: BudgetSource, p: Plan, rows: Row[]): void {
    this.snapshot = buildState(ts, source, !!this.meterService, this.meterService?.last ?? null, p, rows);
    for (const c of this.snapshot.chargers) c.probe = this.probeSummary(c.chargerId);
    const ext = this.deps.externalLimit?.view();
    this.snapshot.externalLimit = ext ? { maxCurrentA: ext.maxCurrentA, until: ext.until } : null;
    this.announce(p, rows);
    const sig = stateSignature(this.snapshot);
    if (sig !== this.signature) {
      this.signature = sig;
      this.emit('state', this.snapshot);
    }
  }

  /** Mode changes and paused/resumed connectors since the last step: one line and one event each. */
  private announce(p: Plan, rows: Row[]): void {
    // Before the meter's first sample, and in the moment between a missed sample and `stale`, the
    // step runs on the fallback budget without the meter being lost: that is no mode worth a line.
    const mode = p.mode === 'fallback' && !this.meterService?.stale ? this.announcedMode : p.mode;
    const notices: Notice[] = [];
    const changed = modeNotice(this.announcedMode, mode);
    if (changed) notices.push(changed);
    this.announcedMode = mode;
    const where = new Map<string, { chargerId: string; connectorId: number }>();
    const after = new Map<string, ConnectorAfter>();
    for (const { s, conns } of rows) {
      for (const c of conns) {
        where.set(c.key, { chargerId: s.id, connectorId: c.id });
        after.set(c.key, { charging: c.pc.charging, wantA: p.limitsA.get(c.key) ?? null });
      }
    }
    const paused = new Map<string, PausedConnector>();
    for (const x of p.paused) {
      const w = where.get(x.key);
      if (w) paused.set(x.key, { ...w, reason: x.reason });
    }
    notices.push(...pauseNotices(this.announcedPaused, paused, after));
    this.announcedPaused = paused;
    for (const n of notices) this.event(n);
  }

  private event(e: Notice, opts: { log?: boolean } = {}): void {
    const full: BalancerEvent = { ...e, ts: this.now() };
    if (opts.log !== false) {
      // The logger names the component (balancer): the message is the event's type alone.
      this.deps.log[noticeLevel(e)](e.type, {
        charger: e.chargerId, connector: e.connectorId, form: e.form, unit: e.unit, mode: e.mode, from: e.previousMode,
        reason: e.reason && e.detail?.includes(e.reason) ? undefined : e.reason, detail: e.detail,
      });
    }
    this.emit('event', full);
  }

  private schedule(): void {
    if (!this.running || this.immediate || this.eventTimer) return;
    // Coalesces a burst of charger events into one step, and at most one such step per
    // EVENT_STEP_GAP_MS: on a large site status changes arrive many times a second, and a
    // step over hundreds of chargers costs milliseconds of event loop each time.
    const wait = this.lastRunAt + EVENT_STEP_GAP_MS - this.now();
    if (wait > 0) {
      this.eventTimer = setTimeout(() => {
        this.eventTimer = undefined;
        this.run();
      }, wait);
      return;
    }
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.run();
    });
  }

  private listen(emitter: EventEmitter<any> | ChargerRegistry | MeterService, event: string, fn: (...args: any[]) => void): void {
    const e = emitter as EventEmitter;
    e.on(event, fn);
    this.offs.push(() => e.off(event, fn));
  }
}
