// The 2.0.1 charger's queue of TransactionEvents (OCPP 2.0.1 E13/E14: transaction messages
// are delivered in order, kept while offline and re-sent after a reconnect). One event is
// sent at a time; one that got no answer (connection lost, timeout) is re-sent unchanged, so
// the CSMS sees the same transactionId and seqNo again and must recognise the duplicate. A
// CALLERROR counts as an attempt; after `attempts` of them the event is given up (E13.FR.04:
// MessageAttempts). No timers of its own: it moves on answers and on the socket's 'open'.
import { CallError, ConnectionClosedError } from '../sim-rpc.js';

export interface QueueRpc {
  readonly connected: boolean;
  call(action: string, payload: object): Promise<any>;
  on(event: 'open', fn: () => void): unknown;
}

interface Item {
  payload: object;
  errors: number;
  resolve: (res: any) => void;
  reject: (err: Error) => void;
}

export class TxEventQueue {
  private items: Item[] = [];
  private sending = false;

  constructor(
    private readonly rpc: QueueRpc,
    private readonly attempts: () => number,
  ) {
    // A reconnect sends what the last connection left unanswered, first.
    rpc.on('open', () => void this.pump());
  }

  /** Events not yet answered (in flight or waiting). */
  get length(): number {
    return this.items.length;
  }

  /** The payloads waiting, oldest first (for tests and status displays). */
  pending(): object[] {
    return this.items.map((i) => i.payload);
  }

  /** Queues one TransactionEvent; resolves with the CSMS's answer, whenever it comes. */
  push(payload: object): Promise<any> {
    return new Promise((resolve, reject) => {
      this.items.push({ payload, errors: 0, resolve, reject });
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.items.length > 0 && this.rpc.connected) {
        const item = this.items[0];
        try {
          const res = await this.rpc.call('TransactionEvent', item.payload);
          this.items.shift();
          item.resolve(res);
        } catch (err) {
          if (err instanceof ConnectionClosedError) break; // kept for the next 'open'
          if (!(err instanceof CallError)) continue; // no answer in time: the same event again
          if (++item.errors >= Math.max(1, this.attempts())) {
            this.items.shift();
            item.reject(err);
          }
        }
      }
    } finally {
      this.sending = false;
    }
  }
}
