// What the simulated cloud answers to the site's CALLs, and the book it keeps: transaction
// ids, per-transaction message lists, and the anomalies a real CSMS would choke on
// (messages for unknown or stopped transactions, malformed payloads, CALLs before an
// accepted boot). Anomalies are recorded and the CALL is still answered normally, so a
// test sees every problem at the end instead of a site stuck retrying.
import { checkPayload, CLOUD_COMMANDS, COMMAND_RESULTS, isObject, SITE_REQUESTS } from './cloud-payloads.js';
import type { Outcome, ReceivedCall } from './cloud-rpc.js';

export type IdTagStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';
export type BootStatus = 'Accepted' | 'Pending' | 'Rejected';

export interface IdTagInfo {
  status: IdTagStatus;
  expiryDate?: string;
  parentIdTag?: string;
}

export interface CloudTransaction {
  id: number;
  identity: string;
  connectorId: number;
  idTag: string;
  meterStart: number;
  timestamp: string;
  /** StartTransaction, then MeterValues / StopTransaction naming this id, in arrival order. */
  messages: ReceivedCall[];
  stopped: boolean;
}

/** The per-connection state the ledger needs (a CloudConnection provides it). */
export interface BootState {
  bootStatus?: string;
  triggered: Set<string>;
}

export interface LedgerOptions {
  firstTransactionId: number;
  bootStatus: BootStatus;
  heartbeatIntervalS: number;
}

export class CloudLedger {
  readonly protocols = ['ocpp1.6'];
  readonly transactions = new Map<number, CloudTransaction>();
  bootStatus: BootStatus;
  heartbeatIntervalS: number;
  defaultIdTag: IdTagInfo = { status: 'Accepted' };
  private readonly idTags = new Map<string, IdTagInfo>();
  private nextTransactionId: number;

  constructor(
    opts: LedgerOptions,
    private readonly anomaly: (identity: string, text: string) => void,
  ) {
    this.bootStatus = opts.bootStatus;
    this.heartbeatIntervalS = opts.heartbeatIntervalS;
    this.nextTransactionId = opts.firstTransactionId;
  }

  setIdTag(idTag: string, info: IdTagInfo): void {
    this.idTags.set(idTag, info);
  }

  idTagInfo(idTag: string): IdTagInfo {
    return { ...(this.idTags.get(idTag) ?? this.defaultIdTag) };
  }

  /** The 1.6 simulator sends what the test gives it (its tests send malformed commands on purpose). */
  checkCommand(): string | null {
    return null;
  }

  checkResult(action: string, result: unknown): string | null {
    const spec = COMMAND_RESULTS[action];
    const problem = spec && isObject(result) ? checkPayload(spec, result) : null;
    return problem ? `${problem.code}: ${problem.text}` : null;
  }

  /** Checks, books and answers one CALL from the site. */
  answer(conn: BootState, call: ReceivedCall): Outcome {
    const { action, identity } = call;
    const spec = SITE_REQUESTS[action];
    if (!spec) {
      const code = CLOUD_COMMANDS.has(action) ? 'NotSupported' : 'NotImplemented';
      this.anomaly(identity, `${action} ${call.messageId}: not a charge point → Central System action (${code})`);
      return { error: { code, description: `${action} is not accepted from a charge point` } };
    }
    const problem = checkPayload(spec, call.payload);
    if (problem) {
      this.anomaly(identity, `${action} ${call.messageId}: ${problem.code}: ${problem.text}`);
      return { error: { code: problem.code, description: problem.text } };
    }
    if (action !== 'BootNotification') this.checkBooted(conn, call);
    const p = call.payload;
    const now = new Date().toISOString();
    switch (action) {
      case 'BootNotification':
        conn.bootStatus = this.bootStatus;
        return { result: { status: this.bootStatus, currentTime: now, interval: this.heartbeatIntervalS } };
      case 'Heartbeat':
        return { result: { currentTime: now } };
      case 'Authorize':
        return { result: { idTagInfo: this.idTagInfo(p.idTag) } };
      case 'StartTransaction':
        return { result: this.start(call) };
      case 'StopTransaction':
        this.stop(call);
        return { result: p.idTag === undefined ? {} : { idTagInfo: this.idTagInfo(p.idTag) } };
      case 'MeterValues':
        if (p.transactionId !== undefined) this.meterValues(call);
        return { result: {} };
      case 'DataTransfer':
        // The simulated cloud knows no vendor extensions.
        return { result: { status: 'UnknownVendorId' } };
      default:
        // StatusNotification, DiagnosticsStatusNotification, FirmwareStatusNotification.
        return { result: {} };
    }
  }

  /**
   * OCPP 1.6 §4.2: a charge point whose boot is Pending may only send what the CSMS
   * triggered; Rejected (or no boot at all on this connection) allows nothing else.
   */
  private checkBooted(conn: BootState, call: ReceivedCall): void {
    if (conn.bootStatus === 'Accepted') return;
    if (conn.bootStatus === 'Pending' && conn.triggered.delete(call.action)) return;
    const why = conn.bootStatus === undefined ? 'no BootNotification yet on this connection' : `boot ${conn.bootStatus}`;
    this.anomaly(call.identity, `${call.action} ${call.messageId} before an Accepted BootNotification (${why})`);
  }

  private start(call: ReceivedCall): object {
    const p = call.payload;
    if (p.connectorId < 1) this.anomaly(call.identity, `StartTransaction ${call.messageId} on connector ${p.connectorId} (must be ≥ 1)`);
    // A real CSMS assigns an id even when it refuses the tag; the charge point then stops.
    const id = this.nextTransactionId++;
    call.transactionId = id;
    this.transactions.set(id, {
      id,
      identity: call.identity,
      connectorId: p.connectorId,
      idTag: p.idTag,
      meterStart: p.meterStart,
      timestamp: p.timestamp,
      messages: [call],
      stopped: false,
    });
    return { transactionId: id, idTagInfo: this.idTagInfo(p.idTag) };
  }

  private stop(call: ReceivedCall): void {
    const p = call.payload;
    call.transactionId = p.transactionId;
    const tx = this.known(call);
    if (!tx) return;
    if (tx.stopped) this.anomaly(call.identity, `StopTransaction ${call.messageId} for transaction ${tx.id}, already stopped`);
    if (p.meterStop < tx.meterStart) {
      this.anomaly(call.identity, `StopTransaction ${call.messageId}: meterStop ${p.meterStop} < meterStart ${tx.meterStart} of transaction ${tx.id}`);
    }
    tx.stopped = true;
    tx.messages.push(call);
  }

  private meterValues(call: ReceivedCall): void {
    const p = call.payload;
    call.transactionId = p.transactionId;
    const tx = this.known(call);
    if (!tx) return;
    if (tx.stopped) this.anomaly(call.identity, `MeterValues ${call.messageId} for transaction ${tx.id} after its StopTransaction`);
    if (p.connectorId !== tx.connectorId) {
      this.anomaly(call.identity, `MeterValues ${call.messageId}: connector ${p.connectorId}, but transaction ${tx.id} is on ${tx.connectorId}`);
    }
    tx.messages.push(call);
  }

  /** The transaction a message names, if this cloud gave out that id to that identity. */
  private known(call: ReceivedCall): CloudTransaction | undefined {
    const tx = this.transactions.get(call.transactionId!);
    if (tx && tx.identity === call.identity) return tx;
    this.anomaly(call.identity, `${call.action} ${call.messageId} for unknown transaction ${call.transactionId}`);
    return undefined;
  }
}
