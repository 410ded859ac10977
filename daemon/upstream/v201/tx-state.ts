// What a 2.0.1 cloud knows of each local transaction: the next seqNo to give, whether its
// Started was delivered (or is a Started made up from the journal after a protocol change),
// and the cloud's remoteStartId it answers. Rows are written in the same store commit as the
// outbox rows they number, so the seqNo sequence survives kill -9 without gaps or repeats.
import type { Db } from '../../store/db.js';

export interface Tx201State {
  transactionId: number;
  nextSeqNo: number;
  /** The cloud answered the Started event. */
  started: boolean;
  /** seqNo 0 went to a Started made up from the journal (the start was delivered under 1.6). */
  synthesized: boolean;
  remoteStartId: number | null;
  /** The cloud's own IdToken of that RequestStartTransaction (the charger may have been given a shortened idTag). */
  remoteIdToken: { idToken: string; type: string } | null;
  idTokenStatus: string | null;
}

export class Tx201Repository {
  private readonly q;

  constructor(db: Db) {
    this.q = {
      get: db.prepare('SELECT transaction_id, next_seq_no, started, synthesized, remote_start_id, remote_id_token, id_token_status FROM cloud201_transactions WHERE transaction_id = ?'),
      upsert: db.prepare(`INSERT INTO cloud201_transactions (transaction_id, next_seq_no, synthesized, remote_start_id) VALUES (?, ?, ?, ?)
        ON CONFLICT (transaction_id) DO UPDATE SET next_seq_no = excluded.next_seq_no,
          synthesized = MAX(synthesized, excluded.synthesized), remote_start_id = COALESCE(excluded.remote_start_id, remote_start_id)`),
      bind: db.prepare(`INSERT INTO cloud201_transactions (transaction_id, next_seq_no, remote_start_id, remote_id_token) VALUES (?, 0, ?, ?)
        ON CONFLICT (transaction_id) DO UPDATE SET remote_start_id = excluded.remote_start_id, remote_id_token = excluded.remote_id_token`),
      started: db.prepare('UPDATE cloud201_transactions SET started = 1, id_token_status = ? WHERE transaction_id = ?'),
    };
  }

  get(transactionId: number): Tx201State | undefined {
    const r = this.q.get.get(transactionId) as any;
    if (!r) return undefined;
    return {
      transactionId: r.transaction_id, nextSeqNo: r.next_seq_no, started: r.started === 1, synthesized: r.synthesized === 1,
      remoteStartId: r.remote_start_id, remoteIdToken: r.remote_id_token ? JSON.parse(r.remote_id_token) : null, idTokenStatus: r.id_token_status,
    };
  }

  /** seqNo `seqNo` is now given away: the next one is seqNo + 1. */
  used(transactionId: number, seqNo: number, opts: { synthesized?: boolean; remoteStartId?: number } = {}): void {
    this.q.upsert.run(transactionId, seqNo + 1, opts.synthesized ? 1 : 0, opts.remoteStartId ?? null);
  }

  /** The transaction answers the cloud's RequestStartTransaction `remoteStartId` (recorded with its start). */
  bindRemoteStart(transactionId: number, remoteStartId: number, idToken: { idToken: string; type: string }): void {
    this.q.bind.run(transactionId, remoteStartId, JSON.stringify({ idToken: idToken.idToken, type: idToken.type }));
  }

  markStarted(transactionId: number, idTokenStatus: string | null): void {
    this.q.started.run(idTokenStatus, transactionId);
  }
}
