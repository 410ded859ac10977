// The site end of the 2.0.1 cloud simulator's tests: a plain `ws` client speaking OCPP-J
// frames by hand (so the simulator is checked by something other than itself), with
// bounded waits that name what they waited for, and a ping/pong barrier to prove that
// nothing was sent ("the pong follows every frame the server sent before it").
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { TestContext } from 'node:test';
import WebSocket from 'ws';
import { CloudSim201, type CloudSimOptions } from '../../scripts/sim/cloud201-sim.js';
import { within } from './until.js';

export const ID = 'SITE-201';
export const WAIT_MS = 10_000;
export const now = () => new Date().toISOString();
export const BOOT = { reason: 'PowerUp', chargingStation: { model: 'Gateway', vendorName: 'Acme', serialNumber: 'GW-1' } };
export const TAG = { idToken: 'TAG-1', type: 'ISO14443' };
export const energy = (wh: number) => [{ timestamp: now(), sampledValue: [{ value: wh, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }];
export const txEvent = (transactionId: string, eventType: string, seqNo: number, extra: object = {}) => ({
  eventType,
  timestamp: now(),
  triggerReason: eventType === 'Started' ? 'Authorized' : eventType === 'Ended' ? 'StopAuthorized' : 'MeterValuePeriodic',
  seqNo,
  transactionInfo: { transactionId, ...(eventType === 'Ended' ? { stoppedReason: 'Local' } : {}) },
  ...(eventType === 'Started' ? { evse: { id: 2, connectorId: 1 }, idToken: TAG } : {}),
  ...extra,
});

/** The site end: every frame from the cloud in arrival order, waited for by predicate (bounded). */
export class Site {
  private frames: any[] = [];
  private waiters: Array<{ match: (f: any) => boolean; resolve: (f: any) => void }> = [];
  private seq = 0;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString());
      const i = this.waiters.findIndex((w) => w.match(f));
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(f);
      else this.frames.push(f);
    });
  }

  static open(url: string, protocols = ['ocpp2.0.1'], password?: string): Promise<Site> {
    const headers: Record<string, string> = password ? { Authorization: `Basic ${Buffer.from(`${ID}:${password}`).toString('base64')}` } : {};
    const ws = new WebSocket(`${url}/${ID}`, protocols, { headers });
    return within(
      new Promise((resolve, reject) => {
        ws.once('open', () => resolve(new Site(ws)));
        ws.once('error', reject);
      }),
      `the site's WebSocket to ${url} to open`,
      WAIT_MS,
    );
  }

  next(label: string, match: (f: any) => boolean = () => true): Promise<any> {
    const i = this.frames.findIndex(match);
    if (i >= 0) return Promise.resolve(this.frames.splice(i, 1)[0]);
    return within(new Promise((resolve) => this.waiters.push({ match, resolve })), label, WAIT_MS);
  }

  get pending(): any[] {
    return this.frames;
  }

  /** Sends a CALL and resolves with the answer frame (CALLRESULT or CALLERROR). */
  call(action: string, payload: object, id = `s-${++this.seq}`): Promise<any[]> {
    this.ws.send(JSON.stringify([2, id, action, payload]));
    return this.next(`the cloud's answer to ${action} ${id}`, (f) => f[1] === id && f[0] !== 2);
  }

  /** A CALL that must get a CALLRESULT; gives its payload. */
  async ask(action: string, payload: object): Promise<any> {
    const f = await this.call(action, payload);
    assert.equal(f[0], 3, `${action} answered ${JSON.stringify(f)}`);
    return f[2];
  }

  /** The next command from the cloud. */
  command(action: string): Promise<any[]> {
    return this.next(`a ${action} command from the cloud`, (f) => f[0] === 2 && f[2] === action);
  }

  /** Resolves once every frame the server sent before now has arrived. */
  async barrier(): Promise<void> {
    this.ws.ping();
    await within(once(this.ws, 'pong'), 'the pong after a ping (barrier)', WAIT_MS);
  }
}

export async function setup(t: TestContext, opts: CloudSimOptions = {}) {
  const cloud = new CloudSim201(opts);
  await cloud.start();
  const sites: Site[] = [];
  t.after(async () => {
    for (const s of sites) s.ws.terminate();
    await cloud.stop();
  });
  const open = async (protocols?: string[], password?: string) => {
    const s = await Site.open(cloud.url, protocols, password);
    sites.push(s);
    return s;
  };
  return { cloud, open };
}
