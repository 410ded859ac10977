// What the simulated OCPP 2.0.1 cloud answers to the site's CALLs: every CALL is checked
// against the official request schema first (a violation is a CALLERROR and an anomaly,
// and nothing is booked), then the boot state (B02/B03: before an Accepted boot only what
// the cloud asked for may come), then answered; TransactionEvents go to the ledger.
// Anomalies other than schema violations are recorded and the CALL is still answered
// normally, so a test sees every problem at the end instead of a site stuck retrying.
import type { CloudProtocol } from './cloud-server.js';
import type { BootStatus } from './cloud-ledger.js';
import type { CloudConnection, Outcome, ReceivedCall } from './cloud-rpc.js';
import { schemas201, STATION_ACTIONS, type Schemas201 } from './cloud201-schemas.js';
import { TransactionLedger201, type IdToken201, type TransactionEventRequest } from './cloud201-ledger.js';

export type AuthorizationStatus201 =
  | 'Accepted'
  | 'Blocked'
  | 'ConcurrentTx'
  | 'Expired'
  | 'Invalid'
  | 'NoCredit'
  | 'NotAllowedTypeEVSE'
  | 'NotAtThisLocation'
  | 'NotAtThisTime'
  | 'Unknown';

export interface IdTokenInfo201 {
  status: AuthorizationStatus201;
  cacheExpiryDateTime?: string;
  chargingPriority?: number;
  language1?: string;
  language2?: string;
  evseId?: number[];
  groupIdToken?: IdToken201;
  personalMessage?: { format: 'ASCII' | 'HTML' | 'URI' | 'UTF8'; language?: string; content: string };
}

/**
 * Sent only when the cloud asked for them (GetBaseReport, GetReport, GetChargingProfiles,
 * ...), so allowed while the boot is Pending (B02.FR.02 lets the CSMS query a Pending station).
 */
const REQUESTED_REPORTS = new Set(['NotifyReport', 'ReportChargingProfiles', 'NotifyMonitoringReport', 'NotifyCustomerInformation', 'NotifyDisplayMessages']);
/** TriggerMessage names that are not action names. */
const TRIGGER_ACTION: Record<string, string> = {
  SignChargingStationCertificate: 'SignCertificate',
  SignV2GCertificate: 'SignCertificate',
  SignCombinedCertificate: 'SignCertificate',
};

/** The answer of each station → CSMS action whose response has required fields (others answer {}). */
export function fixedAnswer(action: string): object {
  switch (action) {
    case 'DataTransfer':
      return { status: 'UnknownVendorId' }; // the simulated cloud knows no vendor extensions
    case 'Get15118EVCertificate':
      return { status: 'Failed', exiResponse: '' };
    case 'GetCertificateStatus':
      return { status: 'Failed' };
    case 'SignCertificate':
      return { status: 'Rejected' }; // no PKI behind this cloud
    case 'NotifyEVChargingNeeds':
      return { status: 'Rejected' }; // no ISO 15118 scheduling behind this cloud
    case 'NotifyEVChargingSchedule':
      return { status: 'Accepted' };
    default:
      return {};
  }
}

export class Cloud201Protocol implements CloudProtocol {
  readonly protocols = ['ocpp2.0.1'];
  /** OCPP-J 2.0.1 §4.3: "Content of the call is not a valid RPC Request" (1.6's FormationViolation is gone). */
  readonly frameErrorCode = 'RpcFrameworkError';
  readonly book: TransactionLedger201;
  defaultIdToken: IdTokenInfo201 = { status: 'Accepted' };
  private readonly tokens = new Map<string, IdTokenInfo201>();
  private readonly schemas: Schemas201;

  constructor(
    public bootStatus: BootStatus,
    public heartbeatIntervalS: number,
    private readonly anomaly: (identity: string, text: string) => void,
    schemas: Schemas201 = schemas201(),
  ) {
    this.schemas = schemas;
    this.book = new TransactionLedger201(anomaly);
  }

  setIdToken(idToken: string, info: IdTokenInfo201): void {
    this.tokens.set(idToken, info);
  }

  idTokenInfo(idToken: IdToken201): IdTokenInfo201 {
    return structuredClone(this.tokens.get(idToken.idToken) ?? this.defaultIdToken);
  }

  answer(conn: Pick<CloudConnection, 'bootStatus' | 'triggered'>, call: ReceivedCall): Outcome {
    const { action, identity } = call;
    if (!STATION_ACTIONS.has(action)) {
      const code = this.schemas.has(action) ? 'NotSupported' : 'NotImplemented';
      const why = code === 'NotSupported' ? 'a CSMS → station action, sent by the station' : 'not an OCPP 2.0.1 action';
      this.anomaly(identity, `${action} ${call.messageId}: ${why} (${code})`);
      return { error: { code, description: `${action} is not accepted from a charging station` } };
    }
    const problem = this.schemas.check('Request', action, call.payload);
    if (problem) {
      this.anomaly(identity, `${action} ${call.messageId}: ${problem.code}: ${problem.text}`);
      return { error: { code: problem.code, description: problem.text } };
    }
    if (action !== 'BootNotification') this.checkBooted(conn, call);
    const p = call.payload;
    const currentTime = new Date().toISOString();
    switch (action) {
      case 'BootNotification':
        conn.bootStatus = this.bootStatus;
        return { result: { currentTime, interval: this.heartbeatIntervalS, status: this.bootStatus } };
      case 'Heartbeat':
        return { result: { currentTime } };
      case 'Authorize':
        return { result: { idTokenInfo: this.idTokenInfo(p.idToken) } };
      case 'TransactionEvent':
        this.book.record(identity, p as TransactionEventRequest, call.messageId);
        return { result: p.idToken ? { idTokenInfo: this.idTokenInfo(p.idToken) } : {} };
      default:
        return { result: fixedAnswer(action) };
    }
  }

  /** B02/B03: Pending allows what the cloud triggered or asked a report for; Rejected (or no boot) nothing. */
  private checkBooted(conn: Pick<CloudConnection, 'bootStatus' | 'triggered'>, call: ReceivedCall): void {
    if (conn.bootStatus === 'Accepted') return;
    if (conn.bootStatus === 'Pending') {
      if (REQUESTED_REPORTS.has(call.action)) return;
      for (const [name, a] of [[call.action, call.action], ...Object.entries(TRIGGER_ACTION)]) {
        if (a === call.action && conn.triggered.delete(name)) return;
      }
    }
    const why = conn.bootStatus === undefined ? 'no BootNotification yet on this connection' : `boot ${conn.bootStatus}`;
    this.anomaly(call.identity, `${call.action} ${call.messageId} before an Accepted BootNotification (${why})`);
  }

  checkCommand(action: string, payload: object): string | null {
    // An action without a schema goes out as given: a test of how the site answers NotImplemented.
    if (!this.schemas.has(action)) return null;
    const problem = this.schemas.check('Request', action, payload);
    return problem && `${problem.code}: ${problem.text}`;
  }

  checkResult(action: string, result: unknown): string | null {
    if (!this.schemas.has(action)) return null;
    const problem = this.schemas.check('Response', action, result);
    return problem && `${problem.code}: ${problem.text}`;
  }
}
