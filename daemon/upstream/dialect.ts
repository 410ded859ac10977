// The cloud side's protocol seam. The link, the outbox pump, status reporting and the
// authorizer are the same for every cloud; a CloudDialect says how the model (journal
// rows in the 1.6 shapes, model statuses, idTags) is spoken to a cloud of one OCPP
// version, and how that cloud's answers are read back into the model. The cloud's
// commands are the other half of the seam: ./routes.ts (1.6) and ./v201/routes.ts.
import type { IdTagInfo } from '../ocpp/v16/types.js';
import type { OutboxRow } from './outbox.js';

export interface DeliveryCall {
  kind: 'call';
  action: string;
  payload: unknown;
  /** Outbox rows this call delivers (none for a call made up from the journal). */
  seqs: number[];
  localTransactionId: number;
  /**
   * Store writes that make this call repeatable (2.0.1: the seqNo fixed on its rows). The
   * pump commits them before the first send, so a re-send after a crash is the same event.
   */
  fix?: () => void;
}

export type Delivery =
  | DeliveryCall
  | { kind: 'setAside'; seq: number; reason: string }
  /** Rows this version has no words for: delivered without a call (kept in the journal). */
  | { kind: 'nothingToSay'; seqs: number[]; reason: string }
  | { kind: 'empty' };

export interface Answered {
  /** Runs in the store's next commit: removes the delivered rows and records what the answer says. */
  record: () => void;
  /** The cloud refused the idTag of a transaction start (StopTransactionOnInvalidId applies). */
  refusedStatus?: string;
}

export interface CloudDialect {
  readonly protocol: 'ocpp1.6' | 'ocpp2.0.1';
  /** Whether a delivered group of rows is fixed before sending (then a refused group is set aside whole). */
  readonly fixedGroups: boolean;
  /** reason: why the site boots (2.0.1 says it; 1.6 cannot). */
  bootNotification(reason: 'PowerUp' | 'RemoteReset' | 'Triggered'): unknown;
  /** The boot answer as status and heartbeat interval (s). */
  bootAnswer(res: any): { status: 'Accepted' | 'Pending' | 'Rejected'; intervalS: number };
  /** What the cloud is told about cloud connector k (0: the site); null when the version has no such message. */
  statusNotification(k: number, status: string, errorCode: string, info: string | undefined, timestamp: string): { action: string; payload: unknown } | null;
  /** An Authorize request for a tag and its answer in the model's terms. */
  authorizeRequest(idTag: string, token?: { idToken: string; type: string }): unknown;
  authorizeAnswer(res: any): IdTagInfo;
  /** What to send next from the head of the outbox. `alone`: the head failed in a merged call before. */
  plan(rows: readonly OutboxRow[], opts: { alone: boolean }): Delivery;
  answered(call: DeliveryCall, res: any): Answered;
}
