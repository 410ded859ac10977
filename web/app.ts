// The installer's page: renders /api/status (the same object `site-controller status
// --json` prints) and follows /api/events (Server-Sent Events) for live updates. Plain
// DOM; every text goes in through textContent, so a charger id or an error message is
// never markup.
type J = any;

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
let csrf: string | null = null;
let source: EventSource | null = null;
let last: J = null;

type Child = Node | string | number | null | undefined | false;
function h(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'number' ? String(c) : c);
  return el;
}

const dash = '–';
const num = (v: unknown, digits = 1) => (typeof v === 'number' && Number.isFinite(v) ? (Math.round(v * 10 ** digits) / 10 ** digits).toString() : dash);
const amps = (v: unknown) => (typeof v === 'number' ? `${num(v)} A` : dash);
const kwh = (wh: unknown) => (typeof wh === 'number' ? `${num(wh / 1000, 2)} kWh` : dash);
const time = (iso: unknown) => (typeof iso === 'string' ? new Date(iso).toLocaleTimeString() : dash);
const phase = (v: unknown, i: number) => (Array.isArray(v) ? v[i] : v && typeof v === 'object' ? (v as J)[`L${i + 1}`] ?? (v as J)[i] : undefined);
const ago = (s: unknown) => (typeof s === 'number' ? (s < 120 ? `${s} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`) : dash);

function row(cells: Child[], head = false, numeric: number[] = []): HTMLElement {
  return h('tr', {}, ...cells.map((c, i) => h(head ? 'th' : 'td', numeric.includes(i) ? { class: 'num' } : {}, c)));
}

function fill(el: HTMLElement, ...children: Child[]): void {
  el.replaceChildren(...(children.filter((c) => c !== null && c !== undefined && c !== false) as Array<Node | string>).map((c) => (typeof c === 'number' ? String(c) : c)));
}

function badge(el: HTMLElement, text: string, cls: 'ok' | 'warn' | 'bad' | ''): void {
  el.textContent = text;
  el.className = `badge ${cls}`;
}

function dl(pairs: Array<[string, Child]>): HTMLElement[] {
  return pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? dash)]);
}

const MODE_CLASS: Record<string, 'ok' | 'warn' | 'bad'> = { normal: 'ok', capped: 'warn', fallback: 'bad', insufficient: 'bad' };

function modeWhy(s: J): string {
  const b = s.balancer;
  if (!b) return 'No chargers configured: nothing to balance.';
  const paused = (b.connectors ?? []).filter((c: J) => c.paused).length;
  const parts: string[] = [];
  if (b.source === 'static') parts.push('No meter configured: static budget from the grid limit.');
  if (b.source === 'meter') parts.push('Budget from the meter.');
  if (b.source === 'fallback') parts.push(`Meter has no fresh reading: the fallback budget applies${s.meter?.lastError ? ` (${s.meter.lastError})` : ''}.`);
  if (b.mode === 'capped') parts.push('A limit from the cloud or an external limit caps the site.');
  if (b.mode === 'insufficient') parts.push('Not every session can get its minimum current.');
  if (paused) parts.push(`${paused} session(s) paused.`);
  return parts.join(' ');
}

function renderGrid(s: J): void {
  const b = s.balancer;
  const g = s.grid;
  const m = b?.meter ?? null;
  const rows = [row(['Phase', 'Grid limit', 'Meter', 'EV draw', 'Other load', 'Budget'], true)];
  for (let i = 0; i < 3; i++) {
    rows.push(row([`L${i + 1}`, amps(g?.maxCurrentA), amps(phase(m?.currentA, i)), amps(phase(b?.evDrawA, i)), `${amps(phase(b?.nonEvA, i))}${b?.settling?.[i] ? ' (held: a car is still following a new limit)' : ''}`, amps(phase(b?.budgetA, i))], false, [1, 2, 3, 4, 5]));
  }
  fill($('grid'), ...rows);
  const mode = b?.mode ?? 'none';
  badge($('mode'), mode, MODE_CLASS[mode] ?? '');
  $('mode-why').textContent = modeWhy(s);
  const me = s.meter;
  $('meter-line').textContent = me
    ? `Meter: ${me.stale ? 'STALE' : 'fresh'}, last reading ${time(me.lastSampleAt)}${m ? `, ${num(m.powerW / 1000, 2)} kW, ${kwh(m.importEnergyWh)} imported` : ''}${me.lastError ? `; last error: ${me.lastError} (${time(me.lastErrorAt)})` : ''}`
    : 'No meter configured.';
}

function compat(view: J, c: J): string {
  if (!view) return c.connected ? 'not configured yet' : dash;
  if (view.unbalanceable) return 'accepts no charging profile: reserved at its maximum';
  const units = Array.isArray(c.rateUnits) && c.rateUnits.length ? ` (charger offers ${c.rateUnits.join(', ')})` : '';
  return `${view.managed ? `profiles in ${view.unit === 'W' ? 'W' : 'A'}${view.form ? `, ${view.form}` : ''}` : 'not managed'}${units}; fallback ${view.fallbackInstalled ? `installed (${amps(view.fallbackA)})` : 'not installed'}`;
}

function renderChargers(s: J): void {
  const byConn = new Map<string, J>((s.balancer?.connectors ?? []).map((c: J) => [`${c.chargerId}/${c.connectorId}`, c]));
  const views = new Map<string, J>((s.balancer?.chargers ?? []).map((c: J) => [c.chargerId, c]));
  const out: HTMLElement[] = [];
  for (const c of s.chargers ?? []) {
    const state = h('span', { class: `badge ${c.connected ? 'ok' : 'bad'}` }, c.connected ? 'connected' : 'not connected');
    const head = h('h3', {}, `${c.id} `, state, c.protocol ? ` ${c.protocol}` : '', c.vendor ? ` · ${c.vendor} ${c.model ?? ''}` : '', c.configured ? '' : ' (not in the config)');
    const r = c.lastRefusal;
    const refusal = r ? h('p', { class: 'refusal' }, `Refused ${time(r.at)}: ${r.reason}${r.message ? ` — ${r.message}` : ''}${r.remote ? ` (from ${r.remote})` : ''}`) : null;
    const conns = [row(['#', 'Cloud #', 'Status', 'Session', 'Current', 'Energy', 'Limit', 'Accepted'], true)];
    for (const k of c.connectors ?? []) {
      const bc = byConn.get(`${c.id}/${k.connector}`);
      const sess = k.session ? `${k.session.idTag} since ${time(k.session.startedAt)}` : k.transactionId != null ? `transaction ${k.transactionId}` : dash;
      const current = Array.isArray(k.currentA) ? k.currentA.map((x: unknown) => num(x)).join(' / ') + ' A' : amps(k.currentA);
      const status = `${k.status}${k.errorCode && k.errorCode !== 'NoError' ? ` (${k.errorCode})` : ''}${bc?.paused ? ` — paused: ${bc.paused}` : ''}`;
      const accepted = bc ? (bc.acceptedA === null ? 'not yet' : bc.acceptedA === bc.limitA ? 'yes' : amps(bc.acceptedA)) : dash;
      conns.push(row([k.connector, k.cloudConnector ?? dash, status, sess, current, k.session ? kwh(k.session.energyWh) : kwh(k.energyWh), amps(bc?.limitA), accepted], false, [4, 5, 6]));
    }
    const meta = h('p', { class: 'small' }, `Compatibility: ${compat(views.get(c.id), c)}`, c.connected ? ` · last seen ${ago(c.lastSeenAgoS)}` : '');
    out.push(h('div', { class: 'charger', 'data-charger': c.id }, head, refusal, meta, c.connectors?.length ? h('div', { class: 'scroll' }, h('table', {}, ...conns)) : null));
  }
  for (const u of s.admission?.unknownChargers ?? []) {
    out.push(h('p', { class: 'refusal' }, `Unknown charger ${u.id} tried to connect from ${u.remote} (${u.count} times, last ${time(u.lastAt)}): not in the config`));
  }
  fill($('chargers'), ...(out.length ? out : [h('p', { class: 'muted' }, 'No chargers configured or connected.')]));
  const sel = $<HTMLSelectElement>('probe-charger-id');
  const ids = (s.chargers ?? []).filter((c: J) => c.connected).map((c: J) => c.id as string);
  if (sel.options.length !== ids.length || ids.some((id: string, i: number) => sel.options[i]!.value !== id)) {
    const keep = sel.value;
    fill(sel, ...ids.map((id: string) => h('option', { value: id }, id)));
    if (ids.includes(keep)) sel.value = keep;
  }
}

function renderCloud(s: J): void {
  const u = s.upstream;
  if (!u) {
    badge($('cloud-state'), 'standalone', '');
    fill($('cloud'), ...dl([['Cloud', 'none configured (standalone site)']]));
    fill($('attempts'));
    return;
  }
  badge($('cloud-state'), u.connected ? 'connected' : u.state ?? 'down', u.connected ? 'ok' : 'bad');
  fill($('cloud'), ...dl([
    ['State', `${u.state}${u.since ? ` since ${time(new Date(u.since).toISOString())}` : ''}`],
    ['Protocol', u.protocol ?? 'ocpp1.6'],
    ['Round trip', u.roundTripMs != null ? `${num(u.roundTripMs, 0)} ms` : dash],
    ['Outbox', `${u.outboxDepth} queued${u.oldestQueuedAgeS != null ? `, oldest ${ago(u.oldestQueuedAgeS)}` : ''}`],
    ['Undeliverable', String(u.undeliverable ?? 0)],
    ['Last error', u.lastError ?? dash],
  ]));
  const rows = [row(['When', 'Result', 'Timings / failure'], true)];
  for (const a of u.attempts ?? []) {
    const timings = Object.entries(a).filter(([k, v]) => /Ms$/.test(k) && typeof v === 'number').map(([k, v]) => `${k.replace(/Ms$/, '')} ${num(v, 0)} ms`).join(', ');
    const when = typeof a.startedAt === 'number' ? new Date(a.startedAt).toISOString() : a.startedAt;
    rows.push(row([time(when), a.outcome === 'failed' ? `failed in ${a.phase}` : 'connected', a.outcome === 'failed' ? String(a.error ?? dash) : timings || dash]));
  }
  fill($('attempts'), ...(rows.length > 1 ? rows : []));
}

function healthLine(name: string, r: J): Child {
  if (!r || r.checked === false) return h('span', { class: 'muted' }, `not checked${r?.reason ? ` (${r.reason})` : ''}`);
  const fields = Object.entries(r).filter(([k, v]) => !['checked', 'alarm', 'ts', 'at'].includes(k) && v !== null && typeof v !== 'object').slice(0, 8);
  const show = (k: string, v: unknown) => (typeof v === 'number' && /Bytes$/.test(k) ? `${num(v / 1e9, 1)} GB` : typeof v === 'number' ? num(v) : String(v));
  const text = fields.map(([k, v]) => `${k.replace(/Bytes$/, '')} ${show(k, v)}`).join(', ');
  return h('span', {}, r.alarm ? h('strong', { class: 'bad' }, `${r.alarm} · `) : h('span', { class: 'ok' }, 'ok · '), text || name);
}

function renderHealth(s: J): void {
  const entries = Object.entries(s.health ?? {}) as Array<[string, J]>;
  fill($('health'), ...(entries.length ? dl(entries.map(([k, v]) => [k, healthLine(k, v)])) : dl([['Health', 'not checked']])));
}

function renderEvents(s: J): void {
  const items = (s.events ?? []).map((e: J) => h('li', { class: e.type === 'alarm' ? 'bad' : e.type === 'cleared' ? 'ok' : '' }, `${time(e.ts)} ${e.type === 'alarm' ? 'ALARM ' : ''}${e.message}`));
  fill($('events'), ...(items.length ? items : [h('li', { class: 'muted' }, 'No events since the daemon started.')]));
}

function render(s: J): void {
  last = s;
  $('site').textContent = s.site ?? '';
  renderGrid(s);
  renderChargers(s);
  renderCloud(s);
  renderHealth(s);
  renderEvents(s);
  $('updated').textContent = `Updated ${new Date().toLocaleTimeString()} · daemon up ${ago(s.uptimeS).replace(' ago', '')}`;
}

/** A probe's answer as a table when it lists what was tried, else as name/value pairs. */
function renderResult(title: string, r: J): HTMLElement {
  const parts: Child[] = [h('h3', {}, title, ' ', h('span', { class: `badge ${r?.ok === false ? 'bad' : 'ok'}` }, r?.ok === false ? 'failed' : 'done'))];
  // Readable for an installer: numbers to 3 decimals, a time stamp as a time, a list of numbers as L1 / L2 / L3.
  const n3 = (x: number) => String(Math.round(x * 1000) / 1000);
  const flat = (v: unknown, k = ''): string => {
    if (typeof v === 'number') return (k === 'ts' || k.endsWith('At')) && v > 1e12 ? new Date(v).toLocaleTimeString() : n3(v);
    if (Array.isArray(v) && v.every((x) => typeof x === 'number' || x === null)) return v.map((x) => (x === null ? dash : n3(x))).join(' / ');
    return v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v ?? dash);
  };
  for (const [k, v] of Object.entries(r ?? {})) {
    if (k === 'ok') continue;
    if (Array.isArray(v) && v.length && typeof v[0] === 'object') {
      const cols = [...new Set(v.flatMap((x: J) => Object.keys(x)))];
      parts.push(h('p', {}, k), h('div', { class: 'scroll' }, h('table', {}, row(cols, true), ...v.map((x: J) => row(cols.map((c) => flat(x[c], c)))))));
    } else if (v !== null && typeof v === 'object') {
      parts.push(h('p', {}, k), h('dl', {}, ...dl(Object.entries(v).map(([a, b]) => [a, flat(b, a)]))));
    } else parts.push(h('dl', {}, ...dl([[k, flat(v, k)]])));
  }
  return h('div', { class: 'result' }, ...parts);
}

async function api(path: string, init: RequestInit = {}): Promise<J> {
  const res = await fetch(path, { credentials: 'same-origin', ...init, headers: { 'content-type': 'application/json', ...(csrf ? { 'x-csrf-token': csrf } : {}), ...(init.headers ?? {}) } });
  const body = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
  if (res.status === 401) showLogin();
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

async function probe(title: string, path: string, button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  fill($('probe-result'), h('p', {}, `${title}: running…`));
  try {
    fill($('probe-result'), renderResult(title, await api(path, { method: 'POST', body: '{}' })));
  } catch (err) {
    fill($('probe-result'), renderResult(title, { ok: false, error: (err as Error).message }));
  } finally {
    button.disabled = false;
  }
}

function setLive(state: 'connecting' | 'live' | 'reconnecting'): void {
  const el = $('live');
  el.dataset.state = state;
  el.textContent = state;
}

function follow(): void {
  source?.close();
  last = null;
  setLive('connecting');
  source = new EventSource('/api/events');
  source.addEventListener('status', (e) => {
    setLive('live');
    render(JSON.parse((e as MessageEvent).data));
  });
  // What changed since the previous frame (daemon/web/diff.ts): applied to our copy.
  source.addEventListener('patch', (e) => {
    if (last === null) return;
    setLive('live');
    render(applyPatch(last, JSON.parse((e as MessageEvent).data)));
  });
  // EventSource reconnects by itself (the daemon restarted, or dropped a slow page); a 401 closes it.
  source.onerror = () => {
    setLive('reconnecting');
    if (source?.readyState === EventSource.CLOSED) setTimeout(() => void boot(), 2000);
  };
}

/** [path, value] sets, [path] deletes; the same rules as the daemon's diff.ts. */
function applyPatch(target: J, ops: Array<[Array<string | number>, unknown?]>): J {
  for (const op of ops) {
    const path = op[0];
    if (path.length === 0) {
      target = op[1];
      continue;
    }
    let o = target;
    for (const k of path.slice(0, -1)) o = o[k];
    const key = path[path.length - 1]!;
    if (op.length === 1) delete o[key];
    else o[key] = op[1];
  }
  return target;
}

function showLogin(): void {
  source?.close();
  source = null;
  $('main').hidden = true;
  $('logout').hidden = true;
  $('login').hidden = false;
}

async function boot(): Promise<void> {
  let session: J;
  try {
    session = await api('/api/session');
  } catch {
    setLive('reconnecting');
    setTimeout(() => void boot(), 2000);
    return;
  }
  csrf = session.csrf;
  if (session.loginRequired && !session.user) return showLogin();
  $('login').hidden = true;
  $('main').hidden = false;
  $('logout').hidden = !session.loginRequired;
  follow();
}

$('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = e.target as HTMLFormElement;
  const data = new FormData(form);
  try {
    await api('/api/login', { method: 'POST', body: JSON.stringify({ name: data.get('name'), password: data.get('password') }) });
    $('login-error').textContent = '';
    form.reset();
    await boot();
  } catch (err) {
    $('login-error').textContent = (err as Error).message;
  }
});
$('logout').addEventListener('click', async () => {
  await api('/api/logout', { method: 'POST', body: '{}' }).catch(() => undefined);
  csrf = null;
  showLogin();
});
$('probe-meter').addEventListener('click', (e) => void probe('Meter probe', '/api/probe/meter', e.currentTarget as HTMLButtonElement));
$('probe-modem').addEventListener('click', (e) => void probe('Modem probe', '/api/probe/modem', e.currentTarget as HTMLButtonElement));
$('probe-charger').addEventListener('click', (e) => {
  const id = $<HTMLSelectElement>('probe-charger-id').value;
  if (!id) return fill($('probe-result'), h('p', { class: 'error' }, 'No connected charger to test.'));
  void probe(`Charger ${id} compatibility`, `/api/probe/charger/${encodeURIComponent(id)}`, e.currentTarget as HTMLButtonElement);
});
void boot();
