// The simulated charger's state and the messages it sends: connectors, the energy
// register, charging profiles and the limit the car draws under them. SimCharger
// (charger-sim.ts) adds sessions, loops and the answers to the CSMS on top.
import { randomUUID } from 'node:crypto';
import { SimRpc } from './sim-rpc.js';
import { ProfileStore, type ChargingProfile, type ClearFilter } from './sim-profiles.js';
import { defaultConfiguration, profileProblem } from './sim-handlers.js';
import { Messages201, type StartExtra } from './v201/messages.js';
import { connectorStatus, type Readings } from './v201/mapping.js';

export interface SimChargerOptions {
  /** e.g. ws://127.0.0.1:9000/ocpp; the id is appended as the last path segment. */
  url: string;
  id: string;
  /** The OCPP version spoken (default ocpp1.6); offered as the only subprotocol unless `protocols` says otherwise. */
  protocol?: 'ocpp1.6' | 'ocpp2.0.1';
  /** HTTP Basic id:password; without it no Authorization header is sent. */
  password?: string;
  connectors?: number;
  phases?: 1 | 3;
  maxCurrentA?: number;
  callTimeoutMs?: number;
  vendor?: string;
  model?: string;
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; rejectUnauthorized?: boolean };
  protocols?: string[];
  /** Answer SetChargingProfile with Rejected (all, or those the predicate picks). */
  rejectProfiles?: boolean | ((req: { connectorId: number; csChargingProfiles: ChargingProfile }) => boolean);
  /** Value of ChargingScheduleAllowedChargingRateUnit; profiles in other units are Rejected. */
  allowedRateUnits?: 'Current' | 'Power' | 'Current,Power';
  /**
   * 2.0.1 TxCtrlr.TxStartPoint: Authorized (default) opens the transaction when the idToken is
   * accepted; EVConnected opens it at plug-in (Started CablePluggedIn, no idToken) and the
   * authorization is an Updated event. The car draws only once authorized.
   */
  txStartPoint?: 'Authorized' | 'EVConnected';
  /** Highest stack level accepted (ChargeProfileMaxStackLevel / SmartChargingCtrlr.ProfileStackLevel); default 10. */
  maxStackLevel?: number;
  /** Phase voltage for W <-> A and for energy counting. */
  voltage?: number;
  /** false: no smart charging at all (SetChargingProfile, ClearChargingProfile, GetCompositeSchedule: CALLERROR NotSupported). */
  smartCharging?: boolean;
  /** true: honours numberPhases in a profile period (ConnectorSwitch3to1PhaseSupported): the car then draws on that many phases. */
  phaseSwitching?: boolean;
  /** How many received CALLs `received` keeps (oldest dropped). */
  receivedLimit?: number;
}

export interface ConnectorState {
  status: string;
  transactionId?: number;
  /**
   * 2.0.1 only: the transactionId string the charger generated and sends. `transactionId` is
   * then the simulator's own handle of the transaction (1, 2, ... per charger).
   */
  transactionRef?: string;
  /** Effective limit from the installed charging profiles; null when none applies. */
  limitA: number | null;
  /** What the car draws per phase now: min(limit, car max, charger max) while in a transaction. */
  drawA: number;
  /** The connector's energy register (cumulative, like a real meter). */
  energyWh: number;
  carPhases: 1 | 3;
  carMaxA: number;
  /** Phases the car draws on now: its own, the charger's, and (phaseSwitching) the profile's numberPhases. */
  phasesUsed?: number;
}

export class SimChargerState extends SimRpc {
  readonly id: string;
  readonly phases: 1 | 3;
  readonly maxCurrentA: number;
  readonly voltage: number;
  readonly connectors = new Map<number, ConnectorState>();
  readonly configuration: Map<string, { value: string; readonly: boolean }>;
  readonly profiles: ProfileStore;
  /** Running transactions per connector. */
  readonly tx = new Map<number, { startedAt: number; idTag: string; awaitingAuth?: boolean }>();
  /** The 2.0.1 dialect's messages; undefined when speaking 1.6. */
  readonly v201?: Messages201;
  private localTxSeq = 0;
  private readonly meterAt = new Map<number, number>();
  private profileTimer?: NodeJS.Timeout;
  /** close() was called: a charger switched off arms no timer (a profile arriving during the close handshake did, and kept the test process alive for the profile's validity). */
  private switchedOff = false;

  constructor(readonly options: SimChargerOptions) {
    const headers: Record<string, string> = {};
    if (options.password !== undefined) {
      headers.Authorization = 'Basic ' + Buffer.from(`${options.id}:${options.password}`).toString('base64');
    }
    super({
      url: `${options.url.replace(/\/+$/, '')}/${encodeURIComponent(options.id)}`,
      protocols: options.protocols ?? [options.protocol ?? 'ocpp1.6'],
      headers,
      callTimeoutMs: options.callTimeoutMs ?? 30_000,
      formatViolation: options.protocol === 'ocpp2.0.1' ? 'RpcFrameworkError' : 'FormationViolation',
      tls: options.tls,
    });
    this.id = options.id;
    this.phases = options.phases ?? 3;
    this.maxCurrentA = options.maxCurrentA ?? 32;
    this.voltage = options.voltage ?? 230;
    const n = options.connectors ?? 2;
    for (let c = 1; c <= n; c++) {
      this.connectors.set(c, { status: 'Available', limitA: null, drawA: 0, energyWh: 0, carPhases: this.phases, carMaxA: this.maxCurrentA });
    }
    this.configuration = defaultConfiguration(n, options.allowedRateUnits ?? 'Current,Power');
    if (options.maxStackLevel !== undefined) this.configuration.get('ChargeProfileMaxStackLevel')!.value = String(options.maxStackLevel);
    if (options.phaseSwitching) this.configuration.set('ConnectorSwitch3to1PhaseSupported', { value: 'true', readonly: true });
    if (options.smartCharging === false) {
      // A charger without the SmartCharging feature profile: none of its keys, and it says so.
      for (const k of ['ChargeProfileMaxStackLevel', 'ChargingScheduleAllowedChargingRateUnit', 'ChargingScheduleMaxPeriods', 'MaxChargingProfilesInstalled']) this.configuration.delete(k);
      this.configuration.get('SupportedFeatureProfiles')!.value = 'Core,FirmwareManagement,LocalAuthListManagement,Reservation,RemoteTrigger';
    }
    this.profiles = new ProfileStore(this.phases, this.voltage);
    if (options.protocol === 'ocpp2.0.1') this.v201 = new Messages201(this);
  }

  /** Profiles installed now (the 2.0.1 device model's SmartChargingCtrlr.Entries). */
  get installedProfiles(): number {
    return this.profiles.size;
  }

  /** Hook for configuration changes (SimCharger makes its loops follow their intervals). */
  configChanged(_key: string): void {
    // nothing at this layer
  }

  /** The CSMS moved (e.g. restarted on another port): the next connect() goes to baseUrl/<id>. */
  retarget(baseUrl: string): void {
    this.setUrl(`${baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(this.id)}`);
  }

  // ---- charger-initiated messages -------------------------------------------------------

  async boot(extra: object = {}): Promise<any> {
    const res = this.v201 ? await this.v201.boot(extra) : await this.call('BootNotification', {
      chargePointVendor: (this.options.vendor ?? 'SimVendor').slice(0, 20),
      chargePointModel: (this.options.model ?? 'SimCharger').slice(0, 20),
      chargePointSerialNumber: this.id.slice(0, 25),
      firmwareVersion: 'sim-1.0',
      ...extra,
    });
    const hb = this.configuration.get('HeartbeatInterval')!;
    if (res?.status === 'Accepted' && Number.isInteger(res.interval) && res.interval > 0) hb.value = String(res.interval);
    return res;
  }

  heartbeat(): Promise<any> {
    return this.call('Heartbeat', {});
  }

  /** Sets the connector's status locally and reports it (2.0.1: a 1.6 name is mapped; Occupied is taken too). */
  status(connectorId: number, status: string, errorCode = 'NoError'): Promise<any> {
    const conn = this.connectors.get(connectorId);
    // The model keeps 1.6 names: a 2.0.1 Occupied is Preparing, or whatever the running session is in.
    if (conn && !(status === 'Occupied' && conn.transactionId !== undefined)) conn.status = status === 'Occupied' ? 'Preparing' : status;
    // A 2.0.1 station reports connectors of EVSEs only: there is no connector 0 to report.
    if (this.v201) return connectorId === 0 ? Promise.resolve(undefined) : this.v201.status(connectorId, status);
    return this.call('StatusNotification', { connectorId, status, errorCode, timestamp: new Date().toISOString() });
  }

  authorize(idTag: string): Promise<any> {
    return this.v201 ? this.v201.authorize(idTag) : this.call('Authorize', { idTag });
  }

  /** The authorization status in an Authorize or transaction answer, in either version. */
  idStatus(res: any): string | undefined {
    // A 2.0.1 TransactionEvent answer without idTokenInfo leaves the token as it was (accepted).
    return this.v201 ? (res?.idTokenInfo?.status ?? (res && !('idTokenInfo' in res) ? 'Accepted' : undefined)) : res?.idTagInfo?.status;
  }

  /**
   * A status the charger moves to by itself (session steps). 1.6 reports every change; a 2.0.1
   * station reports only a change of connectorStatus (Preparing/Charging/Finishing are all
   * Occupied) and, offline, keeps it for the next report instead of failing.
   */
  statusChange(connectorId: number, status: string): Promise<any> {
    if (!this.v201) return this.status(connectorId, status);
    const conn = this.connectors.get(connectorId);
    if (conn) conn.status = status;
    const want = connectorStatus(status);
    if (!this.connected || this.v201.reported.get(connectorId) === want) return Promise.resolve(undefined);
    return this.v201.status(connectorId, status);
  }

  /** StartTransaction; on an answer with a transactionId the connector carries it. */
  async startTransaction(connectorId: number, idTag: string, meterStartWh?: number, extra: object & StartExtra = {}): Promise<any> {
    const conn = this.conn(connectorId);
    this.advance(connectorId, conn);
    if (this.v201) {
      const open = this.tx.get(connectorId);
      // Opened at plug-in (TxStartPoint EVConnected): the authorization goes as an Updated event.
      if (open?.awaitingAuth) {
        this.tx.set(connectorId, { ...open, idTag, awaitingAuth: false });
        this.refreshLimits();
        return this.v201.authorized(connectorId, idTag, extra);
      }
      if (conn.transactionId !== undefined) throw new Error(`${this.id}: connector ${connectorId} already has a transaction`);
      this.openTransaction(connectorId, conn, idTag);
      return this.v201.started(connectorId, idTag, meterStartWh ?? Math.round(conn.energyWh), extra);
    }
    const res = await this.call('StartTransaction', {
      connectorId,
      idTag,
      meterStart: meterStartWh ?? Math.round(conn.energyWh),
      timestamp: new Date().toISOString(),
      ...extra,
    });
    if (Number.isInteger(res?.transactionId)) {
      conn.transactionId = res.transactionId;
      this.tx.set(connectorId, { startedAt: Date.now(), idTag });
      this.refreshLimits();
    }
    return res;
  }

  /** One MeterValues with the connector's present readings (or those given). */
  async meterValues(
    connectorId: number,
    transactionId?: number,
    opts: { energyWh?: number; currentA?: number; powerW?: number; offeredA?: number; context?: string; timestamp?: string } = {},
  ): Promise<any> {
    const conn = this.conn(connectorId);
    this.advance(connectorId, conn);
    const context = opts.context ?? 'Sample.Periodic';
    if (this.v201) {
      const r = this.readings(connectorId, opts);
      // In a transaction the sample is a TransactionEvent Updated (queued like every transaction event).
      if (conn.transactionId !== undefined && (transactionId === undefined || transactionId === conn.transactionId)) {
        return this.v201.updated(connectorId, context === 'Trigger' ? 'Trigger' : 'MeterValuePeriodic', r, context, opts.timestamp);
      }
      return this.v201.meterValues(connectorId, r, context, opts.timestamp);
    }
    const amps = opts.currentA ?? conn.drawA;
    const used = this.usedPhases(connectorId, conn);
    const sv = (measurand: string, value: string, unit: string, phase?: string) => ({
      value,
      context,
      measurand,
      ...(phase ? { phase } : {}),
      location: 'Outlet',
      unit,
    });
    const sampledValue = [
      sv('Energy.Active.Import.Register', String(Math.round(opts.energyWh ?? conn.energyWh)), 'Wh'),
      sv('Power.Active.Import', String(Math.round(opts.powerW ?? amps * this.voltage * used)), 'W'),
    ];
    // The charger reports its own L1..L3; a 1-phase car draws on L1 only.
    for (let ph = 1; ph <= this.phases; ph++) sampledValue.push(sv('Current.Import', (ph <= used ? amps : 0).toFixed(1), 'A', `L${ph}`));
    const offered = opts.offeredA ?? Math.min(conn.limitA ?? this.maxCurrentA, this.maxCurrentA);
    sampledValue.push(sv('Current.Offered', offered.toFixed(1), 'A'));
    const txId = transactionId ?? conn.transactionId;
    return this.call('MeterValues', {
      connectorId,
      ...(txId !== undefined ? { transactionId: txId } : {}),
      meterValue: [{ timestamp: opts.timestamp ?? new Date().toISOString(), sampledValue }],
    });
  }

  /**
   * 2.0.1: the station opens a transaction with an id of its own. Without an idTag it waits
   * for authorization (TxStartPoint EVConnected) and the car does not draw yet.
   */
  protected openTransaction(connectorId: number, conn: ConnectorState, idTag?: string): void {
    conn.transactionId = ++this.localTxSeq;
    conn.transactionRef = randomUUID();
    this.tx.set(connectorId, { startedAt: Date.now(), idTag: idTag ?? '', ...(idTag === undefined ? { awaitingAuth: true } : {}) });
    this.refreshLimits();
  }

  /** The connector's present readings (what a MeterValues reports), overridable per field. */
  readings(connectorId: number, opts: { energyWh?: number; currentA?: number; powerW?: number; offeredA?: number } = {}): Readings {
    const conn = this.conn(connectorId);
    const amps = opts.currentA ?? conn.drawA;
    const used = this.usedPhases(connectorId, conn);
    const currentsA: number[] = [];
    // The charger reports its own L1..L3; a 1-phase car draws on L1 only.
    for (let ph = 1; ph <= this.phases; ph++) currentsA.push(ph <= used ? amps : 0);
    return {
      energyWh: opts.energyWh ?? conn.energyWh,
      powerW: opts.powerW ?? amps * this.voltage * used,
      currentsA,
      offeredA: opts.offeredA ?? Math.min(conn.limitA ?? this.maxCurrentA, this.maxCurrentA),
    };
  }

  /**
   * StopTransaction (2.0.1: TransactionEvent Ended); the connector's transaction (and its
   * TxProfile) end when it is sent. `transactionId` is the simulator's handle in 2.0.1 too.
   */
  stopTransaction(transactionId: number, meterStopWh: number, opts: { idTag?: string; reason?: string; transactionData?: object[] } = {}): Promise<any> {
    let ended: { c: number; ref?: string } | undefined;
    for (const [c, conn] of this.connectors) {
      if (conn.transactionId !== transactionId) continue;
      this.advance(c, conn);
      ended = { c, ref: conn.transactionRef };
      conn.transactionId = undefined;
      conn.transactionRef = undefined;
      this.tx.delete(c);
      this.profiles.removeTxProfiles(c);
      this.refreshLimits();
    }
    if (this.v201) {
      if (!ended?.ref) return Promise.reject(new Error(`${this.id}: no transaction ${transactionId}`));
      return this.v201.ended(ended.c, ended.ref, meterStopWh, opts.reason ?? 'Local', opts.idTag);
    }
    return this.call('StopTransaction', {
      transactionId,
      meterStop: meterStopWh,
      timestamp: new Date().toISOString(),
      ...(opts.idTag !== undefined ? { idTag: opts.idTag } : {}),
      ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
      ...(opts.transactionData !== undefined ? { transactionData: opts.transactionData } : {}),
    });
  }

  // ---- smart charging ---------------------------------------------------------------------

  /** Installs a profile as SetChargingProfile would; the answer status. */
  installProfile(connectorId: number, profile: ChargingProfile): 'Accepted' | 'Rejected' {
    const why = profileProblem(this, connectorId, profile);
    if (why) {
      this.emit('profile-rejected', connectorId, profile, why);
      return 'Rejected';
    }
    this.profiles.install(connectorId, profile, Date.now());
    this.refreshLimits([connectorId]);
    return 'Accepted';
  }

  clearProfiles(filter: ClearFilter): 'Accepted' | 'Unknown' {
    const touched = this.profiles.clear(filter);
    this.refreshLimits(touched);
    return touched.length > 0 ? 'Accepted' : 'Unknown';
  }

  /** GetCompositeSchedule's answer: the profiles' limits over the window, capped by the hardware. */
  compositeSchedule(connectorId: number, durationS: number, unit: 'A' | 'W' = 'A'): object {
    if (connectorId !== 0 && !this.connectors.has(connectorId)) return { status: 'Rejected' };
    const now = Date.now();
    const start = new Date(now).toISOString();
    const factor = unit === 'W' ? this.voltage * this.phases : 1;
    const periods: Array<{ startPeriod: number; limit: number }> = [];
    for (const s of this.profiles.steps(connectorId, now, durationS, this.tx.get(connectorId)?.startedAt)) {
      const limit = Math.round(Math.min(s.limitA ?? Infinity, this.maxCurrentA) * factor * 10) / 10;
      if (periods.at(-1)?.limit !== limit) periods.push({ startPeriod: Math.round((s.at - now) / 1000), limit });
    }
    return {
      status: 'Accepted',
      connectorId,
      scheduleStart: start,
      chargingSchedule: { duration: durationS, startSchedule: start, chargingRateUnit: unit, chargingSchedulePeriod: periods },
    };
  }

  override connect(): Promise<void> {
    this.switchedOff = false;
    return super.connect();
  }

  override close(code?: number, reason?: string): Promise<void> {
    this.switchedOff = true;
    clearTimeout(this.profileTimer);
    this.profileTimer = undefined;
    return super.close(code, reason);
  }

  /** Recomputes every connector's limit; emits 'limit' when it changed or the connector was touched. */
  protected refreshLimits(touched: Iterable<number> = []): void {
    const force = new Set(touched);
    const now = Date.now();
    for (const [c, conn] of this.connectors) {
      const raw = this.profiles.limitAt(c, now, this.tx.get(c)?.startedAt);
      const limitA = raw === null ? null : Math.round(raw * 10) / 10;
      const changed = limitA !== conn.limitA;
      conn.limitA = limitA;
      this.updateDraw(c, conn);
      if (changed || force.has(c) || force.has(0)) this.emit('limit', c, limitA);
    }
    this.armProfileTimer(now);
  }

  /**
   * One timer per charger at the next instant a limit may change (validFrom/validTo, a
   * period boundary). Not unref'd: a charger whose CSMS is gone must still fall back to
   * its lower-stack profile when the short-lived one expires; close() clears it.
   */
  private armProfileTimer(now: number): void {
    clearTimeout(this.profileTimer);
    this.profileTimer = undefined;
    if (this.profiles.size === 0 || this.switchedOff) return;
    let next = Infinity;
    for (const c of this.connectors.keys()) {
      next = Math.min(next, this.profiles.nextChange(now, c, this.tx.get(c)?.startedAt) ?? Infinity);
    }
    if (next === Infinity) return;
    this.profileTimer = setTimeout(() => {
      this.profileTimer = undefined;
      this.refreshLimits();
    }, Math.min(next - now + 1, 2 ** 31 - 1));
  }

  /** Phases the car on this connector draws on now (see ConnectorState.phasesUsed). */
  usedPhases(c: number, conn: ConnectorState = this.conn(c)): number {
    let n = Math.min(conn.carPhases, this.phases);
    if (this.options.phaseSwitching) {
      const asked = this.profiles.numberPhasesAt(c, Date.now(), this.tx.get(c)?.startedAt);
      if (asked !== undefined) n = Math.min(n, asked);
    }
    return n;
  }

  private updateDraw(c: number, conn: ConnectorState): void {
    this.advance(c, conn);
    conn.phasesUsed = this.usedPhases(c, conn);
    conn.drawA = conn.transactionId === undefined || this.tx.get(c)?.awaitingAuth ? 0 : Math.max(0, Math.min(conn.limitA ?? Infinity, conn.carMaxA, this.maxCurrentA));
    // Like a real charger, report being paused by (or resumed from) the CSMS's limit.
    if (conn.transactionId !== undefined && (conn.status === 'Charging' || conn.status === 'SuspendedEVSE')) {
      const want = conn.drawA > 0 ? 'Charging' : 'SuspendedEVSE';
      if (want === conn.status) return;
      conn.status = want;
      // Deferred so that the CALLRESULT of the SetChargingProfile that caused it goes first.
      // 2.0.1 tells it as a TransactionEvent (queued, so also offline); 1.6 as a StatusNotification.
      const v201 = this.v201;
      if (v201) queueMicrotask(() => this.background(v201.updated(c, 'ChargingStateChanged', this.readings(c))));
      else if (this.connected) queueMicrotask(() => this.background(this.status(c, want)));
    }
  }

  /** Integrates the energy register up to now at the present draw. */
  protected advance(c: number, conn: ConnectorState): void {
    const now = Date.now();
    const last = this.meterAt.get(c) ?? now;
    conn.energyWh += (conn.drawA * this.voltage * this.usedPhases(c, conn) * (now - last)) / 3_600_000;
    this.meterAt.set(c, now);
  }

  protected conn(connectorId: number): ConnectorState {
    const conn = this.connectors.get(connectorId);
    if (!conn) throw new Error(`${this.id}: no connector ${connectorId}`);
    return conn;
  }

  /** Runs a follow-up message without letting its failure become an unhandled rejection. */
  background(p: Promise<unknown>): void {
    p.catch((err: Error) => this.emit('warning', err));
  }
}
