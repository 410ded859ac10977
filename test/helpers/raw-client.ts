// A bare WebSocket client for tests that speak OCPP-J frames by hand, so the
// daemon's framing is checked by something other than its own RPC layer.
import WebSocket from 'ws';
import { once } from 'node:events';

export interface RawClient {
  ws: WebSocket;
  /** Sends a frame (array → JSON; string/Buffer as is). */
  send(frame: unknown[] | string | Buffer): void;
  /** The next frame the server sends, parsed. CALLs from the server are returned too. */
  next(): Promise<any[]>;
  /**
   * The next n answers (CALLRESULT / CALLERROR) to message id, in arrival order. Frames in between
   * (the daemon's own CALLs, answers to other ids) stay for next().
   */
  answersTo(id: string, n: number): Promise<any[][]>;
  /** Sends a CALL and waits for the frame with the same id (answering server CALLs with `answer`). */
  call(action: string, payload: unknown, id?: string): Promise<any[]>;
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

let seq = 0;

export async function connectRaw(url: string, opts: { protocols?: string[]; auth?: string; answer?: (action: string, payload: any) => unknown; wsOptions?: WebSocket.ClientOptions } = {}): Promise<RawClient> {
  const headers: Record<string, string> = {};
  if (opts.auth) headers.Authorization = 'Basic ' + Buffer.from(opts.auth).toString('base64');
  const ws = new WebSocket(url, opts.protocols ?? ['ocpp1.6'], { headers, ...opts.wsOptions });
  const inbox: any[][] = [];
  const waiters: Array<(f: any[]) => void> = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if (frame[0] === 2 && opts.answer) {
      const result = opts.answer(frame[2], frame[3]);
      if (result !== undefined) {
        ws.send(JSON.stringify([3, frame[1], result]));
        return;
      }
    }
    const w = waiters.shift();
    if (w) w(frame);
    else inbox.push(frame);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      const err = Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode });
      reject(err);
    });
  });
  const client: RawClient = {
    ws,
    send(frame) {
      ws.send(Array.isArray(frame) ? JSON.stringify(frame) : frame);
    },
    next() {
      const f = inbox.shift();
      if (f) return Promise.resolve(f);
      return new Promise((resolve, reject) => {
        waiters.push(resolve);
        closed.then(() => reject(new Error('connection closed while waiting for a frame')));
      });
    },
    async answersTo(id, n) {
      const answers: any[][] = [];
      const other: any[][] = [];
      try {
        while (answers.length < n) {
          const f = await client.next();
          (f[0] !== 2 && f[1] === id ? answers : other).push(f);
        }
      } finally {
        inbox.unshift(...other);
      }
      return answers;
    },
    async call(action, payload, id = `t${++seq}`) {
      client.send([2, id, action, payload]);
      for (;;) {
        const f = await client.next();
        if (f[1] === id) return f;
      }
    },
    closed,
    async close() {
      if (ws.readyState === ws.CLOSED) return;
      ws.close();
      await once(ws, 'close');
    },
  };
  return client;
}

/** Answers the site's post-boot configuration calls like a simple charger would. */
export function simpleChargerAnswers(action: string, payload: any): unknown {
  if (action === 'ChangeConfiguration') return { status: 'Accepted' };
  if (action === 'GetConfiguration') {
    const known: Record<string, string> = { ChargeProfileMaxStackLevel: '8', ChargingScheduleAllowedChargingRateUnit: 'Current', ChargingScheduleMaxPeriods: '24' };
    const keys: string[] = payload.key ?? Object.keys(known);
    return {
      configurationKey: keys.filter((k) => k in known).map((k) => ({ key: k, readonly: true, value: known[k] })),
      unknownKey: keys.filter((k) => !(k in known)),
    };
  }
  return undefined;
}
