// A tiny OCPP 2.0.1 CSMS for the charger simulator's tests, written on `ws`: every frame in
// either direction is checked against the official OCA 2.0.1 schemas (the charger's CALLs
// and answers, and the test's own CALLs so that what the tests send is what a CSMS may send).
// Waits are bounded and name what they waited for.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { SCHEMA_ROOT, SchemaValidator } from '../../daemon/ocpp/validator.js';

const WAIT_MS = 10_000;
let validator: SchemaValidator | undefined;
/** Loaded once per process: compiling 128 schemas takes a moment. */
export const schemas201 = (): SchemaValidator => (validator ??= new SchemaValidator(join(SCHEMA_ROOT, 'ocpp2.0.1')));

export class Peer201 {
  /** Every schema violation seen, in either direction (a test asserts it stays empty). */
  readonly invalid: string[] = [];
  private frames: unknown[] = [];
  private waiters: Array<{ match: (f: any) => boolean; resolve: (f: unknown) => void }> = [];
  /** Action of each CALL the test sent, by id, to validate the charger's answer. */
  private sent = new Map<string, string>();
  private seq = 0;

  constructor(
    readonly ws: WebSocket,
    readonly req: IncomingMessage,
  ) {
    ws.on('message', (data) => {
      let f: unknown;
      try {
        f = JSON.parse(data.toString());
      } catch {
        f = data.toString();
      }
      this.check(f);
      const i = this.waiters.findIndex((w) => w.match(f));
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(f);
      else this.frames.push(f);
    });
  }

  private check(f: any): void {
    if (!Array.isArray(f)) return void this.invalid.push(`not a frame: ${String(f).slice(0, 80)}`);
    let err = null;
    if (f[0] === 2) err = schemas201().request(f[2], f[3]);
    else if (f[0] === 3 && this.sent.has(f[1])) err = schemas201().response(this.sent.get(f[1])!, f[2]);
    if (err) this.invalid.push(`${f[0] === 2 ? "CALL" : "answer"}: ${err.message}`);
  }

  /** The first frame (received or coming) that `match` accepts; fails after a bound naming `what`. */
  next(what: string, match: (f: any) => boolean = () => true, timeoutMs = WAIT_MS): Promise<any> {
    const i = this.frames.findIndex(match);
    if (i >= 0) return Promise.resolve(this.frames.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const w = {
        match,
        resolve: (f: unknown) => {
          clearTimeout(timer);
          resolve(f);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Frames received and not yet taken, for asserting that nothing else came. */
  get queued(): unknown[] {
    return [...this.frames];
  }

  async expectCall(action: string): Promise<{ id: string; payload: any }> {
    const f = await this.next(`a CALL ${action}`);
    assert.equal(f[0], 2, `expected a CALL ${action}, got ${JSON.stringify(f)}`);
    assert.equal(f[2], action, `expected a CALL ${action}, got ${JSON.stringify(f)}`);
    return { id: f[1], payload: f[3] };
  }

  /** Expects a CALL of `action`, answers it with `result`, gives its payload. */
  async answer(action: string, result: object): Promise<any> {
    const { id, payload } = await this.expectCall(action);
    this.result(id, action, result);
    return payload;
  }

  /** Answers a TransactionEvent (the empty answer is the usual one). */
  answerTx(result: object = {}): Promise<any> {
    return this.answer('TransactionEvent', result);
  }

  result(id: string, action: string, payload: object): void {
    const err = schemas201().response(action, payload);
    assert.equal(err, null, `the test's own ${action} answer is invalid: ${err?.message}`);
    this.ws.send(JSON.stringify([3, id, payload]));
  }

  /** Sends a CALL (which must itself be valid 2.0.1); resolves with the charger's answer frame. */
  async call(action: string, payload: object): Promise<any[]> {
    const err = schemas201().request(action, payload);
    assert.equal(err, null, `the test's own ${action} is invalid: ${err?.message}`);
    return this.callRaw(action, payload);
  }

  /** Sends a CALL without checking it (for malformed requests). */
  callRaw(action: string, payload: unknown): Promise<any[]> {
    const id = `csms-${++this.seq}`;
    this.sent.set(id, action);
    this.ws.send(JSON.stringify([2, id, action, payload]));
    return this.next(`the answer to ${action}`, (f) => Array.isArray(f) && f[0] !== 2 && f[1] === id);
  }

  /** Sends a CALL and gives the CALLRESULT payload (fails on a CALLERROR). */
  async ask(action: string, payload: object): Promise<any> {
    const f = await this.call(action, payload);
    assert.equal(f[0], 3, `${action} answered ${JSON.stringify(f)}`);
    return f[2];
  }
}

export async function startCsms201() {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (protocols) => (protocols.has('ocpp2.0.1') ? 'ocpp2.0.1' : false),
  });
  await once(wss, 'listening');
  const ready: Peer201[] = [];
  const waiting: Array<(p: Peer201) => void> = [];
  wss.on('connection', (ws, req) => {
    const p = new Peer201(ws, req);
    const w = waiting.shift();
    if (w) w(p);
    else ready.push(p);
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ocpp`,
    /** The next connection; bounded. */
    accept(timeoutMs = WAIT_MS): Promise<Peer201> {
      if (ready.length > 0) return Promise.resolve(ready.shift()!);
      return new Promise((resolve, reject) => {
        const w = (p: Peer201) => {
          clearTimeout(timer);
          resolve(p);
        };
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(w), 1);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for a charger to connect`));
        }, timeoutMs);
        waiting.push(w);
      });
    },
    close(): Promise<void> {
      for (const c of wss.clients) c.terminate();
      return new Promise((r) => wss.close(() => r()));
    },
  };
}
