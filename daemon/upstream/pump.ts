// Drains the outbox to the cloud: in order, one CALL at a time, each row removed
// only after the cloud's answer is durably recorded (so at most the one message in
// flight at a crash is sent twice).
//
// What counts as a failure: only the cloud's refusal (a CALLERROR, or an answer that
// violates the schema) is retried with backoff up to upstream.maxAttempts, then the row
// is set aside as undeliverable, reported, and the queue moves on. No answer is not a
// refusal: a slow cloud is waited for on the live link (re-sending a StartTransaction
// there would book the transaction twice); only after deliveryTimeoutS without an
// answer does the site reconnect, and the message goes again on the new link.
import type { Logger } from '../log.js';
import type { UpstreamConfig } from '../config/types.js';
import type { ChargerRegistry } from '../local/registry.js';
import type { Store } from '../store/store.js';
import { RpcClosedError, RpcError, RpcTimeoutError } from '../ocpp/errors.js';
import type { OutboxRepository } from './outbox.js';
import type { CloudDialect } from './dialect.js';

export interface PumpDeps {
  outbox: OutboxRepository;
  dialect: CloudDialect;
  registry: ChargerRegistry;
  store: Store;
  log: Logger;
  config: UpstreamConfig;
  now: () => number;
  /** A transaction message: the line is held after its answer until releaseLine() (nothing else goes out before the answer is recorded). */
  call: (action: string, payload: unknown, timeoutMs?: number) => Promise<any>;
  releaseLine: () => void;
  isOnline: () => boolean;
  onEvent: (type: string, detail: Record<string, unknown>) => void;
  changed: () => void;
  /** Drops the link so that the message in flight is sent again after reconnecting. */
  reconnect: (reason: string) => void;
}

export class OutboxPump {
  private running = false;
  private again = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryWait: NodeJS.Timeout | null = null;
  /** After a failed merged call, the head is retried alone, so one bad row cannot poison its neighbours. */
  private lastFailedSeq = -1;
  delivered = 0;
  calls = 0;
  /** When the call in flight went out, while it is late (past callTimeoutS); null otherwise. */
  lateSince: number | null = null;

  constructor(private readonly deps: PumpDeps) {}

  kick(): void {
    if (this.stopped || this.retryTimer) return;
    if (this.running) {
      this.again = true;
      return;
    }
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryWait) clearTimeout(this.retryWait);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private retryLater(attempts: number): void {
    const delay = Math.min(60_000, 1000 * 2 ** Math.min(attempts, 6));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.kick();
    }, delay);
  }

  private async run(): Promise<void> {
    const d = this.deps;
    this.running = true;
    try {
      while (!this.stopped && d.isOnline()) {
        const rows = d.outbox.headRun(d.config.maxMergedMeterValues);
        const alone = rows[0]?.seq === this.lastFailedSeq;
        const plan = d.dialect.plan(rows, { alone });
        if (plan.kind === 'empty') {
          d.outbox.resync();
          d.changed();
          break;
        }
        if (plan.kind === 'setAside') {
          await d.store.write(() => d.outbox.setAside(plan.seq, plan.reason));
          d.log.error('transaction message set aside: undeliverable', { seq: plan.seq, reason: plan.reason });
          d.onEvent('message-undeliverable', { seq: plan.seq, reason: plan.reason });
          d.changed();
          continue;
        }
        if (plan.kind === 'nothingToSay') {
          await d.store.write(() => d.outbox.delivered(plan.seqs));
          d.log.debug('transaction message with nothing this cloud version can carry: not sent (kept in the journal)', { seqs: plan.seqs.join(','), reason: plan.reason });
          d.changed();
          continue;
        }
        // Numbered before the first send (2.0.1 seqNo), usually already by the previous delivery's commit.
        if (plan.fix) await d.store.write(plan.fix);
        let res: any;
        const sentAt = d.now();
        const late = setTimeout(() => {
          this.lateSince = sentAt;
          d.log.warn('the cloud has not answered a transaction message yet; waiting for it on this link, not sending it again',
            { seq: rows[0].seq, action: plan.action, waitedS: d.config.callTimeoutS, deliveryTimeoutS: d.config.deliveryTimeoutS });
          d.changed();
        }, d.config.callTimeoutS * 1000);
        try {
          this.calls++;
          res = await d.call(plan.action, plan.payload, d.config.deliveryTimeoutS * 1000);
        } catch (err) {
          // A refusal is recorded below; nothing about it needs the line held.
          d.releaseLine();
          // The link dropping is not the message's fault: it is sent again after reconnect.
          if (err instanceof RpcClosedError || !d.isOnline() || this.stopped) break;
          if (err instanceof RpcTimeoutError) {
            const reason = `no answer to ${plan.action} within ${d.config.deliveryTimeoutS} s`;
            d.log.warn('the cloud never answered a transaction message; reconnecting to send it again', { seq: rows[0].seq, action: plan.action, deliveryTimeoutS: d.config.deliveryTimeoutS });
            d.onEvent('upstream-unresponsive', { seq: rows[0].seq, action: plan.action, message: reason });
            d.reconnect(reason);
            break;
          }
          // Anything else that is not the cloud's refusal (e.g. the link went down between two calls) waits for the next kick.
          if (!(err instanceof RpcError)) break;
          const head = rows[0];
          this.lastFailedSeq = head.seq;
          const msg = (err as Error).message;
          const gaveUp = await d.store.write(() => {
            const out = d.outbox.failed(head.seq, msg, head.attempts, d.config.maxAttempts);
            // A numbered event is one message: its rows are set aside together, never re-sent in part under the same seqNo.
            if (out && d.dialect.fixedGroups) for (const s of plan.seqs) if (s !== head.seq) d.outbox.setAside(s, `part of refused event (seq ${head.seq}): ${msg}`);
            return out;
          });
          if (gaveUp) {
            d.log.error('transaction message undeliverable after retries; set aside', { seq: head.seq, action: plan.action, attempts: head.attempts + 1, err: msg, rows: plan.seqs.length });
            d.onEvent('message-undeliverable', { seq: head.seq, action: plan.action, reason: msg });
            d.changed();
            continue;
          }
          d.log.warn('cloud refused a transaction message; will retry', { seq: head.seq, action: head.action, attempt: head.attempts + 1, err: msg });
          this.retryLater(head.attempts);
          break;
        } finally {
          clearTimeout(late);
          if (this.lateSince !== null) {
            this.lateSince = null;
            d.changed();
          }
        }
        const answered = d.dialect.answered(plan, res);
        await this.recordDelivery(answered.record, d.dialect.fixedGroups ? () => this.numberNext() : undefined);
        if (answered.refusedStatus) this.stopRefused(plan.localTransactionId, answered.refusedStatus);
        this.delivered += plan.seqs.length;
        d.changed();
      }
    } catch (err) {
      if (!this.stopped) {
        d.log.error('outbox delivery failed', { err: (err as Error).message });
        this.retryLater(3);
      }
    } finally {
      this.running = false;
    }
    if (this.again) {
      this.again = false;
      this.kick();
    }
  }

  /**
   * The cloud has answered: record that durably before anything else is sent. If the store
   * cannot write (disk full), keep the answer and try again rather than sending the message
   * again later, which the cloud would book twice. Only a crash meanwhile re-sends it.
   */
  private async recordDelivery(write: () => void, alsoFirstTime?: () => void): Promise<void> {
    const d = this.deps;
    for (let attempt = 0; ; attempt++) {
      try {
        const done = d.store.write(write);
        // Queued in the same tick: the same commit and the same fsync as the delivery.
        if (attempt === 0 && alsoFirstTime) d.store.write(alsoFirstTime).catch(() => {});
        try {
          return await done;
        } finally {
          // Recorded (or the store is failing: then other calls must not wait for the disk).
          if (attempt === 0) d.releaseLine();
        }
      } catch (err) {
        if (this.stopped) throw err;
        if (attempt === 0) d.log.error('could not record the cloud\'s answer; retrying before sending anything else', { err: (err as Error).message });
        await new Promise<void>((resolve) => {
          this.retryWait = setTimeout(resolve, Math.min(30_000, 500 * 2 ** Math.min(attempt, 6)));
        });
        this.retryWait = null;
      }
    }
  }

  /**
   * Numbers the next event in the commit that records this delivery (it runs after it, so
   * it sees the head without the rows just delivered): the next send needs no commit of
   * its own. If this fails, the next plan numbers itself before sending.
   */
  private numberNext(): void {
    const d = this.deps;
    const next = d.dialect.plan(d.outbox.headRun(d.config.maxMergedMeterValues), { alone: false });
    if (next.kind === 'call' && next.fix) next.fix();
  }

  /** StopTransactionOnInvalidId: the cloud refused a replayed Start while the car may still charge. */
  private stopRefused(localId: number, status: string): void {
    const d = this.deps;
    const tx = d.store.transactions.get(localId);
    d.onEvent('start-refused-by-cloud', { transactionId: localId, status });
    if (!tx || tx.stopped_at !== null) return;
    d.log.warn('cloud refused a transaction that is still running; telling the charger to stop', { charger: tx.charger_id, tx: localId, status });
    d.registry.send(tx.charger_id, 'RemoteStopTransaction', { transactionId: localId }).then(
      (r) => d.log.info('charger answered the stop', { charger: tx.charger_id, tx: localId, status: r.status }),
      (err) => d.log.warn('could not tell the charger to stop', { charger: tx.charger_id, tx: localId, err: (err as Error).message }),
    );
  }
}
