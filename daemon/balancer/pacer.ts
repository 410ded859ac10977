// Hands SetChargingProfile calls to the sockets a few at a time. With hundreds of
// chargers a control step can want hundreds of calls; written in one go they held
// the event loop for 100+ ms, and every charger's answer waited behind them. The
// pacer writes a chunk, lets the event loop breathe (setImmediate), writes the next.
// Calls arrive already ordered by urgency per charger; the pacer keeps that order.
export type SendFn<T> = () => Promise<T>;

export class SendPacer {
  private readonly queue: Array<{ go: () => void; fail: (e: Error) => void }> = [];
  private scheduled = false;
  private stopped = false;

  constructor(private readonly perTurn = 25) {}

  /** Runs fn when its turn comes; resolves or rejects with fn's outcome. */
  run<T>(fn: SendFn<T>): Promise<T> {
    if (this.stopped) return Promise.reject(new Error('balancer stopped'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ go: () => void fn().then(resolve, reject), fail: reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // The first chunk goes in this turn: a lone decrease is not delayed at all.
        queueMicrotask(() => this.drain());
      }
    });
  }

  private drain(): void {
    for (let i = 0; i < this.perTurn && this.queue.length > 0; i++) this.queue.shift()!.go();
    if (this.queue.length > 0 && !this.stopped) setImmediate(() => this.drain());
    else this.scheduled = false;
  }

  stop(): void {
    this.stopped = true;
    for (const q of this.queue.splice(0)) q.fail(new Error('balancer stopped'));
  }
}
