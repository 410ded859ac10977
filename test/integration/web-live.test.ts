// The page's live feed (Server-Sent Events) over real sockets: a fresh page gets the
// status at once and each change after it; the number of open pages is bounded; a page
// that stops reading is dropped once its unsent bytes pass the bound, while the others
// go on receiving (the daemon never waits for a browser).
import test from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { startSite } from '../helpers/daemon.js';
import { SimCharger } from '../../scripts/sim/charger-sim.js';
import { WebService } from '../../daemon/web/server.js';
import { createLogger } from '../../daemon/log.js';
import { until } from '../helpers/until.js';
import { req, sse } from '../helpers/web.js';

test('a page gets the status at once and every change after it; more pages than maxClients get 503', async (t) => {
  const site = await startSite({ logLevel: 'warn', overrides: { web: { listen: { host: '127.0.0.1', port: 0 }, maxClients: 2 } } });
  const sims: SimCharger[] = [];
  t.after(async () => {
    await Promise.all(sims.map((s) => s.close()));
    await site.stop();
  });
  const url = `http://127.0.0.1:${site.daemon.web!.port}/api/events`;
  const a = await sse(url);
  t.after(() => a.close());
  assert.equal(a.status, 200);
  assert.match(String(a.res.headers['content-type']), /text\/event-stream/);
  const first = await a.next(() => true, 0, 'the first status frame');
  assert.equal(first.chargers.find((c: any) => c.id === 'CP-1').connected, false);
  const b = await sse(url);
  t.after(() => b.close());
  const third = await req(url);
  assert.equal(third.status, 503);
  assert.match(third.json.error, /too many live pages/);
  assert.ok(third.headers['retry-after']);

  const sim = new SimCharger({ url: site.url, id: 'CP-1', password: 'secret-1', connectors: 2 });
  sims.push(sim);
  await sim.connect();
  await sim.boot();
  const from = a.frames.length;
  await sim.status(1, 'Charging');
  const seen = await a.next((s) => s.chargers.find((c: any) => c.id === 'CP-1').connectors.some((k: any) => k.connector === 1 && k.status === 'Charging'), from, 'a frame with CP-1 connector 1 Charging');
  assert.equal(seen.chargers.find((c: any) => c.id === 'CP-1').connected, true);
  // A closed page frees its place.
  b.close();
  await until(() => site.daemon.web!.stats().clients === 1, { label: 'the closed page to leave the feed' }, [site.daemon.web!, 'clients']);
  const c = await sse(url);
  t.after(() => c.close());
  assert.equal(c.status, 200);
});

test('a page that stops reading is dropped past maxBufferedKiB; the others keep receiving', async (t) => {
  const changes = new EventEmitter();
  let n = 0;
  const web = new WebService(
    { listen: { host: '127.0.0.1', port: 0 }, sessionTtlS: 600, maxClients: 5, maxBufferedKiB: 64, pushIntervalMs: 50 },
    { snapshot: () => ({ n, blob: String(n++ % 10).repeat(256 * 1024) }) /* 256 KiB changed per push */, changes: [[changes, ['change']]], log: createLogger('site-controller', { level: 'error', sink: () => {} }) },
  );
  await web.start();
  const url = `http://127.0.0.1:${web.port}/api/events`;
  const slow = await sse(url, {}, { read: false });
  const fast = await sse(url);
  const tick = setInterval(() => changes.emit('change'), 20);
  t.after(async () => {
    clearInterval(tick);
    slow.close();
    fast.close();
    await web.stop();
  });
  await until(() => web.stats().dropped >= 1, { label: 'the page that does not read to be dropped', timeoutMs: 60_000 }, [web, 'clients']);
  assert.equal(web.stats().clients, 1, 'only the reading page is left');
  const after = fast.frames.length;
  await fast.next(() => true, after, 'a frame on the reading page after the drop');
  assert.ok(web.stats().pushes > 0);
});
