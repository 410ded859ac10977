// A simulated OCPP 2.0.1 cloud CSMS: the site connects as one charging station (subprotocol
// ocpp2.0.1 only), every CALL and every answer to the cloud's commands is checked against
// the official OCA 2.0.1 schemas, and every TransactionEvent is booked in a ledger that
// flags seqNo gaps, repeats, unknown transaction ids and events after Ended.
//
//   const cloud = new CloudSim201({ identities: { 'SITE-001': 'secret' } });
//   await cloud.start();                  // cloud.url = ws://127.0.0.1:<port>/ocpp
//   await cloud.waitForConnection('SITE-001');
//   await cloud.requestStartTransaction('SITE-001', { idToken: 'TAG-1', remoteStartId: 7, evseId: 2 });
//   const r = cloud.ledgerReport();       // gaps / repeats / unknown empty, duplicates <= kills
//
// Server mechanics (identities, Basic auth, TLS, outages, delays, failAction,
// dropConnectionAfter, waitFor, call) are the 1.6 simulator's (cloud-server.ts); answers in
// cloud201-answers.ts, the ledger in cloud201-ledger.ts, schemas in cloud201-schemas.ts.
import { CloudSimServer, DEFAULT_WAIT_MS, type CloudSimOptions } from './cloud-server.js';
import { Cloud201Protocol, type AuthorizationStatus201, type IdTokenInfo201 } from './cloud201-answers.js';
import type { Cloud201Transaction, IdToken201, LedgerReport } from './cloud201-ledger.js';
import type { ReceivedCall } from './cloud-rpc.js';

export { CloudCallError, type ReceivedCall, type SentCommand, type Scheduler } from './cloud-rpc.js';
export type { CloudSimOptions } from './cloud-server.js';
export type { BootStatus } from './cloud-ledger.js';
export type { AuthorizationStatus201, IdTokenInfo201 } from './cloud201-answers.js';
export type * from './cloud201-ledger.js';

export interface Evse201 {
  id: number;
  connectorId?: number;
}
export type IdTokenType201 = 'Central' | 'eMAID' | 'ISO14443' | 'ISO15693' | 'KeyCode' | 'Local' | 'MacAddress' | 'NoAuthorization';
/** A bare string is an idToken of type Central (what a CSMS issues for a remote start). */
export type IdTokenArg = string | IdToken201;
export type MessageTrigger201 =
  | 'BootNotification'
  | 'LogStatusNotification'
  | 'FirmwareStatusNotification'
  | 'Heartbeat'
  | 'MeterValues'
  | 'SignChargingStationCertificate'
  | 'SignV2GCertificate'
  | 'StatusNotification'
  | 'TransactionEvent'
  | 'SignCombinedCertificate'
  | 'PublishFirmwareStatusNotification';
export interface ChargingProfileCriterion201 {
  chargingProfilePurpose?: 'ChargingStationExternalConstraints' | 'ChargingStationMaxProfile' | 'TxDefaultProfile' | 'TxProfile';
  stackLevel?: number;
  chargingProfileId?: number[];
  chargingLimitSource?: Array<'EMS' | 'Other' | 'SO' | 'CSO'>;
}
export interface ComponentVariable201 {
  component: { name: string; instance?: string; evse?: Evse201 };
  variable: { name: string; instance?: string };
}
export type GetVariableData201 = ComponentVariable201 & { attributeType?: 'Actual' | 'Target' | 'MinSet' | 'MaxSet' };
export type SetVariableData201 = GetVariableData201 & { attributeValue: string };

/** Drops undefined optional fields, so payloads carry only what the caller gave. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
const token = (t: IdTokenArg): IdToken201 => (typeof t === 'string' ? { idToken: t, type: 'Central' } : t);

interface Collector {
  reject: (e: Error) => void;
}

/** The 2.0.1 cloud simulator with one method per CSMS → station command; each resolves with the CALLRESULT payload. */
export class CloudSim201 extends CloudSimServer<Cloud201Protocol> {
  private collectors = new Set<Collector>();

  constructor(opts: CloudSimOptions = {}) {
    super(opts, (anomaly) => new Cloud201Protocol(opts.bootStatus ?? 'Accepted', opts.heartbeatIntervalS ?? 300, anomaly));
  }

  /** The ledger, keyed by transactionInfo.transactionId. */
  get transactions(): Map<string, Cloud201Transaction> {
    return this.ledger.book.transactions;
  }

  /** Gaps (recomputed now), repeats, unknown ids, duplicates and every anomaly of the ledger. */
  ledgerReport(): LedgerReport {
    return this.ledger.book.report();
  }

  /** idTokenInfo answered for this idToken value (Authorize and TransactionEvent). */
  setIdTokenStatus(idToken: string, status: AuthorizationStatus201, extra: Omit<IdTokenInfo201, 'status'> = {}): void {
    this.ledger.setIdToken(idToken, { status, ...extra });
  }
  /** idTokenInfo for tokens without setIdTokenStatus (default Accepted). */
  setDefaultIdTokenStatus(status: AuthorizationStatus201, extra: Omit<IdTokenInfo201, 'status'> = {}): void {
    this.ledger.defaultIdToken = { status, ...extra };
  }

  override async stop(): Promise<void> {
    const err = new Error('CloudSim201 stopped');
    for (const c of this.collectors) c.reject(err);
    await super.stop();
  }

  /**
   * All reportData of the NotifyReport parts with this requestId (past or future), in
   * seqNo order, once the part with tbc false arrived and no seqNo before it is missing.
   * An exact re-send of a part counts once.
   */
  awaitReport(requestId: number, timeoutMs = DEFAULT_WAIT_MS): Promise<object[]> {
    return this.collect(`NotifyReport parts of requestId ${requestId} up to tbc false`, timeoutMs, () => {
      const parts = new Map<number, any>();
      for (const c of this.answered('NotifyReport', requestId)) if (!parts.has(c.payload.seqNo)) parts.set(c.payload.seqNo, c.payload);
      const last = [...parts.values()].find((p) => !p.tbc);
      if (!last) return undefined;
      const all = [...parts.keys()].sort((a, b) => a - b);
      if (all.length !== last.seqNo + 1 || all[all.length - 1] !== last.seqNo) return undefined;
      return all.flatMap((n) => parts.get(n).reportData ?? []);
    });
  }

  /** The ReportChargingProfiles payloads with this requestId (past or future), once one with tbc false arrived. */
  awaitChargingProfiles(requestId: number, timeoutMs = DEFAULT_WAIT_MS): Promise<Array<{ evseId: number; chargingLimitSource: string; chargingProfile: object[]; tbc?: boolean }>> {
    return this.collect(`ReportChargingProfiles of requestId ${requestId} up to tbc false`, timeoutMs, () => {
      const parts = this.answered('ReportChargingProfiles', requestId).map((c) => c.payload);
      return parts.some((p) => !p.tbc) ? parts : undefined;
    });
  }

  requestStartTransaction(identity: string, r: { idToken: IdTokenArg; remoteStartId: number; evseId?: number; groupIdToken?: IdToken201; chargingProfile?: object }): Promise<any> {
    return this.call(identity, 'RequestStartTransaction', defined({ ...r, idToken: token(r.idToken) }));
  }

  requestStopTransaction(identity: string, transactionId: string): Promise<any> {
    return this.call(identity, 'RequestStopTransaction', { transactionId });
  }

  unlockConnector(identity: string, evseId: number, connectorId: number): Promise<any> {
    return this.call(identity, 'UnlockConnector', { evseId, connectorId });
  }

  changeAvailability(identity: string, operationalStatus: 'Operative' | 'Inoperative', evse?: Evse201): Promise<any> {
    return this.call(identity, 'ChangeAvailability', defined({ operationalStatus, evse }));
  }

  reset(identity: string, type: 'Immediate' | 'OnIdle', evseId?: number): Promise<any> {
    return this.call(identity, 'Reset', defined({ type, evseId }));
  }

  triggerMessage(identity: string, requestedMessage: MessageTrigger201, evse?: Evse201): Promise<any> {
    return this.call(identity, 'TriggerMessage', defined({ requestedMessage, evse }));
  }

  reserveNow(identity: string, r: { id: number; expiryDateTime: string; idToken: IdTokenArg; evseId?: number; connectorType?: string; groupIdToken?: IdToken201 }): Promise<any> {
    return this.call(identity, 'ReserveNow', defined({ ...r, idToken: token(r.idToken) }));
  }

  cancelReservation(identity: string, reservationId: number): Promise<any> {
    return this.call(identity, 'CancelReservation', { reservationId });
  }

  setChargingProfile(identity: string, evseId: number, chargingProfile: object): Promise<any> {
    return this.call(identity, 'SetChargingProfile', { evseId, chargingProfile });
  }

  clearChargingProfile(
    identity: string,
    c: { chargingProfileId?: number; chargingProfileCriteria?: { evseId?: number; chargingProfilePurpose?: ChargingProfileCriterion201['chargingProfilePurpose']; stackLevel?: number } } = {},
  ): Promise<any> {
    return this.call(identity, 'ClearChargingProfile', defined({ ...c }));
  }

  /** Then awaitChargingProfiles(requestId) when the answer is Accepted (NoProfiles sends no report). */
  getChargingProfiles(identity: string, requestId: number, chargingProfile: ChargingProfileCriterion201, evseId?: number): Promise<any> {
    return this.call(identity, 'GetChargingProfiles', defined({ requestId, evseId, chargingProfile }));
  }

  getCompositeSchedule(identity: string, evseId: number, duration: number, chargingRateUnit?: 'A' | 'W'): Promise<any> {
    return this.call(identity, 'GetCompositeSchedule', defined({ duration, chargingRateUnit, evseId }));
  }

  getVariables(identity: string, getVariableData: GetVariableData201[]): Promise<any> {
    return this.call(identity, 'GetVariables', { getVariableData });
  }

  setVariables(identity: string, setVariableData: SetVariableData201[]): Promise<any> {
    return this.call(identity, 'SetVariables', { setVariableData });
  }

  /** Then awaitReport(requestId) when the answer is Accepted. */
  getBaseReport(identity: string, requestId: number, reportBase: 'ConfigurationInventory' | 'FullInventory' | 'SummaryInventory'): Promise<any> {
    return this.call(identity, 'GetBaseReport', { requestId, reportBase });
  }

  sendLocalList(
    identity: string,
    versionNumber: number,
    updateType: 'Differential' | 'Full',
    localAuthorizationList?: Array<{ idToken: IdToken201; idTokenInfo?: IdTokenInfo201 }>,
  ): Promise<any> {
    return this.call(identity, 'SendLocalList', defined({ versionNumber, updateType, localAuthorizationList }));
  }

  getLocalListVersion(identity: string): Promise<any> {
    return this.call(identity, 'GetLocalListVersion', {});
  }

  clearCache(identity: string): Promise<any> {
    return this.call(identity, 'ClearCache', {});
  }

  dataTransfer(identity: string, vendorId: string, messageId?: string, data?: unknown): Promise<any> {
    return this.call(identity, 'DataTransfer', defined({ vendorId, messageId, data }));
  }

  getTransactionStatus(identity: string, transactionId?: string): Promise<any> {
    return this.call(identity, 'GetTransactionStatus', defined({ transactionId }));
  }

  /** CALLs of action for requestId that the cloud accepted (a part refused by the schema check is not a part). */
  private answered(action: string, requestId: number): ReceivedCall[] {
    return this.received.filter((c) => c.action === action && !c.error && !c.dropped && c.payload.requestId === requestId);
  }

  /** Re-evaluates done() on every CALL until it gives a value; bounded, named in the timeout error. */
  private collect<T>(label: string, timeoutMs: number, done: () => T | undefined): Promise<T> {
    const now = done();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const finish = (err: Error | null, value?: T): void => {
        clearTimeout(timer);
        this.off('call', onCall);
        this.collectors.delete(collector);
        if (err) reject(err);
        else resolve(value!);
      };
      const onCall = (): void => {
        const v = done();
        if (v !== undefined) finish(null, v);
      };
      const collector: Collector = { reject: (e) => finish(e) };
      const timer = setTimeout(() => finish(new Error(`CloudSim201: timed out after ${timeoutMs} ms waiting for ${label}`)), timeoutMs);
      this.collectors.add(collector);
      this.on('call', onCall);
    });
  }
}
