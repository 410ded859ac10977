// A simulated OCPP 1.6J or 2.0.1 charger (option `protocol`) for tests, benchmarks and the demo. It is an independent
// client on `ws` (nothing from daemon/), so that it checks the daemon rather than sharing
// its assumptions. Cheap per instance: no timers unless a loop is started or a charging
// profile has a future change, so 500 of them fit in one Node process.
//
// Layers: sim-rpc.ts (OCPP-J framing, one CALL at a time) → sim-state.ts (connectors,
// outgoing messages, charging profiles) → this file (sessions, loops, answering the CSMS
// via sim-handlers.ts).
//
// OCPP 2.0.1 (`protocol: 'ocpp2.0.1'`): the same charger model and API, translated at the
// wire by v201/ (messages.ts, handlers.ts, mapping.ts, device-model.ts). EVSE k is connector
// k (connector 1 of it). Transactions are TransactionEvents with the charger's own string id
// (ConnectorState.transactionRef; `transactionId` stays the simulator's numeric handle), a
// seqNo per transaction, `offline: true` when created while disconnected, and a queue that
// survives disconnections and re-sends an unanswered event unchanged after reconnecting.
// 2.0.1 profiles are converted onto the same ProfileStore, so the draw follows them alike.
import { CallError } from './sim-rpc.js';
import { SimChargerState } from './sim-state.js';
import type { ChargingProfile } from './sim-profiles.js';
import { answerCall, type Answer } from './sim-handlers.js';
import { answerCall201 } from './v201/handlers.js';

export { CallError, CallTimeoutError, ConnectionClosedError, type UpgradeError } from './sim-rpc.js';
export type { SimChargerOptions, ConnectorState } from './sim-state.js';
export type { ChargingProfile, ClearFilter } from './sim-profiles.js';

/** Overrides the simulator's answer to one action; return undefined to fall back to it. */
export type CallOverride = (payload: any) => object | undefined | Promise<object | undefined>;

/**
 * Events: 'open'; 'close' (code, reason); 'call' (action, payload, messageId) for every
 * CALL the CSMS sends; 'limit' (connectorId, limitA | null) when a profile changes a
 * connector's limit or touches it; 'profile-rejected' (connectorId, profile, reason);
 * 'reset' (type); 'violation' (text) when the CSMS breaks OCPP-J; 'warning' (Error) when
 * a follow-up message (after RemoteStart, TriggerMessage, a loop...) failed.
 */
export class SimCharger extends SimChargerState {
  /** Every CALL the CSMS sent, oldest first (trimmed to options.receivedLimit). */
  readonly received: Array<{ action: string; payload: any }> = [];
  readonly reservations = new Map<number, { connectorId: number; idTag: string; expiryDate: string }>();
  readonly localList = { version: 0, entries: new Map<string, object>() };
  /** Connectors told Inoperative while charging: they turn Unavailable when the transaction ends. */
  readonly pendingInoperative = new Set<number>();
  private readonly starting = new Set<number>();
  private readonly overrides = new Map<string, CallOverride>();
  private meterTimer?: NodeJS.Timeout;
  private meterFromConfig = false;
  private heartbeatTimer?: NodeJS.Timeout;
  private heartbeatFromConfig = false;

  /** Replaces the built-in answer to `action` (e.g. to make RemoteStartTransaction fail). */
  handle(action: string, fn: CallOverride | undefined): void {
    if (fn) this.overrides.set(action, fn);
    else this.overrides.delete(action);
  }

  // ---- whole sessions, sequenced as a real charger does ------------------------------

  /**
   * The car is connected: Preparing (2.0.1: Occupied). A 2.0.1 station with TxStartPoint
   * EVConnected also opens the transaction now (Started, CablePluggedIn); the returned promise
   * then also waits for that event's answer.
   */
  async plugIn(connectorId: number, car: { carPhases?: 1 | 3; carMaxA?: number } = {}): Promise<any> {
    const conn = this.conn(connectorId);
    conn.carPhases = car.carPhases ?? conn.carPhases;
    conn.carMaxA = car.carMaxA ?? conn.carMaxA;
    conn.phasesUsed = this.usedPhases(connectorId, conn);
    const res = await this.statusChange(connectorId, 'Preparing');
    if (this.v201 && this.options.txStartPoint === 'EVConnected' && conn.transactionId === undefined) {
      this.advance(connectorId, conn);
      this.openTransaction(connectorId, conn);
      const started = this.v201.started(connectorId, undefined, Math.round(conn.energyWh), { triggerReason: 'CablePluggedIn' });
      if (this.connected) await started;
      else this.background(started);
    }
    return res;
  }

  /** Ends a running session (EVDisconnected) and reports Available. */
  async unplug(connectorId: number): Promise<any> {
    if (this.conn(connectorId).transactionId !== undefined) await this.stopCharging(connectorId, 'EVDisconnected');
    return this.statusChange(connectorId, 'Available');
  }

  /** May a session start on this connector now (no transaction or one awaiting authorization, none starting, usable)? */
  canStart(connectorId: number): boolean {
    const conn = this.connectors.get(connectorId);
    const free = conn?.transactionId === undefined || !!this.tx.get(connectorId)?.awaitingAuth;
    return !!conn && free && !this.starting.has(connectorId) && ['Available', 'Preparing', 'Reserved'].includes(conn.status);
  }

  /**
   * Preparing → (Authorize) → StartTransaction → Charging | SuspendedEVSE. An idTag the
   * CSMS does not accept ends the transaction again (StopTransactionOnInvalidId). Returns
   * the transaction id, or undefined when no session runs. In 2.0.1 (TransactionEvent
   * Started; the id is the simulator's handle, the wire id is the connector's transactionRef)
   * a session also starts while offline: its events wait in the queue.
   */
  async startCharging(
    connectorId: number,
    idTag: string,
    opts: { authorize?: boolean; profile?: ChargingProfile; remoteStartId?: number } = {},
  ): Promise<number | undefined> {
    if (!this.canStart(connectorId)) throw new Error(`${this.id}: connector ${connectorId} cannot start a session now`);
    const conn = this.conn(connectorId);
    // Marked before the first await so that a second RemoteStart meanwhile is Rejected.
    this.starting.add(connectorId);
    try {
      if (conn.status !== 'Preparing') await this.statusChange(connectorId, 'Preparing');
      if (opts.authorize) {
        const a = await this.authorize(idTag);
        if (this.idStatus(a) !== 'Accepted') return undefined;
      }
      let reservation = {};
      for (const [reservationId, r] of this.reservations) {
        if (r.connectorId !== connectorId || r.idTag !== idTag) continue;
        this.reservations.delete(reservationId);
        reservation = { reservationId };
      }
      const extra = { ...reservation, ...(opts.remoteStartId !== undefined ? { remoteStartId: opts.remoteStartId } : {}) };
      const offline = !!this.v201 && !this.connected;
      const answered = this.startTransaction(connectorId, idTag, undefined, extra);
      // 2.0.1 opens the transaction before the answer; 1.6 once the CSMS gave its id.
      let txId = conn.transactionId;
      if (offline) {
        // The answer comes after a reconnect; a refusal then ends the session as it would now.
        this.background(answered.then((res) => (conn.transactionId === txId ? this.stopIfRefused(connectorId, res) : false)));
      } else {
        const res = await answered;
        txId = conn.transactionId;
        if (txId === undefined) return undefined;
        if (await this.stopIfRefused(connectorId, res)) return undefined;
      }
      if (txId === undefined) return undefined;
      if (opts.profile) this.installProfile(connectorId, { ...opts.profile, transactionId: txId });
      await this.statusChange(connectorId, conn.drawA > 0 ? 'Charging' : 'SuspendedEVSE');
      return txId;
    } finally {
      this.starting.delete(connectorId);
    }
  }

  /** Ends the connector's session (DeAuthorized) when the CSMS refused its idTag; true if it did. */
  private async stopIfRefused(connectorId: number, res: any): Promise<boolean> {
    if (this.idStatus(res) === 'Accepted' || this.configuration.get('StopTransactionOnInvalidId')?.value !== 'true') return false;
    await this.stopCharging(connectorId, 'DeAuthorized');
    return true;
  }

  /** StopTransaction → Finishing (→ Unavailable when an Inoperative was scheduled). */
  async stopCharging(connectorId: number, reason = 'Local'): Promise<any> {
    const conn = this.conn(connectorId);
    const txId = conn.transactionId;
    if (txId === undefined) throw new Error(`${this.id}: no transaction on connector ${connectorId}`);
    const open = this.tx.get(connectorId);
    const idTag = open?.awaitingAuth ? undefined : open?.idTag;
    this.advance(connectorId, conn);
    // 2.0.1: the Ended event is queued; offline the session still ends now and it goes later.
    const ended = this.stopTransaction(txId, Math.round(conn.energyWh), { idTag, reason });
    const res = this.v201 && !this.connected ? (this.background(ended), undefined) : await ended;
    await this.statusChange(connectorId, 'Finishing');
    if (this.pendingInoperative.delete(connectorId)) await this.statusChange(connectorId, 'Unavailable');
    return res;
  }

  // ---- optional loops (none runs unless started) ------------------------------------------

  /** MeterValues for every running transaction; interval defaults to MeterValueSampleInterval. */
  startMeterValues(intervalMs?: number): void {
    this.stopMeterValues();
    this.meterFromConfig = intervalMs === undefined;
    const ms = intervalMs ?? Number(this.configuration.get('MeterValueSampleInterval')?.value) * 1000;
    if (!(ms > 0)) return;
    // unref is safe: without an open socket (which holds the event loop) there is nothing to send.
    this.meterTimer = setInterval(() => {
      // Skip a round rather than pile MeterValues up behind a slow CSMS.
      if (!this.connected || this.pendingCalls + (this.v201?.queue.length ?? 0) > this.connectors.size) return;
      for (const [c, conn] of this.connectors) {
        if (conn.transactionId !== undefined) this.background(this.meterValues(c));
      }
    }, ms).unref();
  }

  stopMeterValues(): void {
    clearInterval(this.meterTimer);
    this.meterTimer = undefined;
  }

  /** Heartbeats while idle; interval defaults to HeartbeatInterval (set by the boot answer). */
  startHeartbeat(intervalMs?: number): void {
    this.stopHeartbeat();
    this.heartbeatFromConfig = intervalMs === undefined;
    const ms = intervalMs ?? Number(this.configuration.get('HeartbeatInterval')?.value) * 1000;
    if (!(ms > 0)) return;
    this.heartbeatTimer = setInterval(() => {
      if (this.connected && this.pendingCalls === 0) this.background(this.heartbeat());
    }, ms).unref();
  }

  stopHeartbeat(): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  /** Called after ChangeConfiguration so that running loops follow their interval keys. */
  override configChanged(key: string): void {
    if (key === 'MeterValueSampleInterval' && this.meterTimer && this.meterFromConfig) this.startMeterValues();
    if (key === 'HeartbeatInterval' && this.heartbeatTimer && this.heartbeatFromConfig) this.startHeartbeat();
  }

  /** Stops the loops and the profile timer, then closes the socket (resolves once closed). */
  override close(code?: number, reason?: string): Promise<void> {
    this.stopMeterValues();
    this.stopHeartbeat();
    return super.close(code, reason);
  }

  // ---- answering the CSMS -----------------------------------------------------------------

  protected override onCall(id: string, action: string, payload: any): void {
    const limit = this.options.receivedLimit ?? 10_000;
    this.received.push({ action, payload });
    // Trimmed in batches so that a long benchmark neither grows without bound nor shifts per CALL.
    if (this.received.length > 2 * limit) this.received.splice(0, this.received.length - limit);
    this.emit('call', action, payload, id);
    const override = this.overrides.get(action);
    const answerOf = this.v201 ? answerCall201 : answerCall;
    if (!override) return this.answer(id, action, answerOf(this, action, payload));
    Promise.resolve()
      .then(() => override(payload))
      .then(
        (result) => this.answer(id, action, result === undefined ? answerOf(this, action, payload) : { result }),
        // An override may refuse with a CallError (or any error carrying a string .code).
        (err: any) =>
          this.answer(id, action, {
            error: typeof err?.code === 'string' ? err.code : 'InternalError',
            description: err instanceof CallError ? err.description : String(err?.message ?? err),
          }),
      );
  }

  private answer(id: string, action: string, a: Answer): void {
    if ('error' in a) {
      // A malformed request is the CSMS's fault; an action we lack is not.
      if (a.error !== 'NotImplemented' && a.error !== 'NotSupported') this.violation(`${action}: ${a.error}: ${a.description}`);
      return this.replyError(id, a.error, a.description);
    }
    this.reply(id, a.result);
    // Follow-ups go after the CALLRESULT, as 1.6 orders (StartTransaction after RemoteStart's Accepted).
    if (a.after) this.background(a.after());
  }
}
