// Checks that JSON Schema cannot express (cross-field rules). Also fills the
// defaults that depend on other keys. Each rule explains itself in its message.
import type { Config } from './types.js';

const ROTATIONS_1P = ['L1', 'L2', 'L3'];
const ROTATIONS_3P = ['L1L2L3', 'L2L3L1', 'L3L1L2'];
const CUSTOM_REQUIRED = ['currentL1', 'currentL2', 'currentL3', 'voltageL1', 'voltageL2', 'voltageL3', 'powerTotal', 'importEnergy'];

export function semanticProblems(config: Config): string[] {
  const problems: string[] = [];
  const local = config.local;
  const mtls = local.tls?.requireClientCert === true;
  if (mtls && !local.tls?.ca) problems.push('local.tls.ca: is required when requireClientCert is true (client certificates are checked against it)');

  const seen = new Map<string, number>();
  config.chargers.forEach((c, i) => {
    const prev = seen.get(c.id.toLowerCase());
    if (prev !== undefined) problems.push(`chargers[${i}].id: duplicate of chargers[${prev}].id (${c.id})`);
    else seen.set(c.id.toLowerCase(), i);
    if (c.password === undefined && !local.allowUnknownChargers && !mtls) {
      problems.push(`chargers[${i}].password: is required unless local.allowUnknownChargers or local.tls.requireClientCert is set`);
    }
    if (c.phaseRotation === undefined) c.phaseRotation = c.phases === 1 ? 'L1' : 'L1L2L3';
    const allowed = c.phases === 1 ? ROTATIONS_1P : ROTATIONS_3P;
    if (!allowed.includes(c.phaseRotation)) {
      problems.push(`chargers[${i}].phaseRotation: must be one of ${allowed.join(', ')} for a ${c.phases}-phase charger`);
    }
  });

  const grid = config.site.grid;
  const usable = grid.maxCurrentA - grid.safetyMarginA;
  if (usable <= 0) problems.push(`site.grid.safetyMarginA: must be below site.grid.maxCurrentA (${grid.maxCurrentA})`);
  if (config.balancer.fallbackBudgetA > usable) {
    problems.push(`balancer.fallbackBudgetA: must not exceed site.grid.maxCurrentA - safetyMarginA (${usable}); a fallback above the fuse fails open`);
  }

  const m = config.meter;
  if (m) {
    if (m.transport === 'tcp' && !m.host) problems.push('meter.host: is required for transport tcp');
    if (m.transport === 'rtu' && !m.device) problems.push('meter.device: is required for transport rtu');
    if (m.model === 'custom') {
      for (const k of CUSTOM_REQUIRED) if (!m.registers?.[k]) problems.push(`meter.registers.${k}: is required for model custom`);
    } else if (m.registers) {
      problems.push(`meter.registers: only allowed with model custom (model ${m.model} has a built-in register map)`);
    }
    if (m.staleAfterMs <= m.pollIntervalMs) problems.push(`meter.staleAfterMs: must be longer than meter.pollIntervalMs (${m.pollIntervalMs})`);
  }
  // The page shows the whole site and runs commissioning actions: beyond this machine it needs a login.
  const web = config.web;
  if (web && !isLoopbackHost(web.listen.host) && !(web.users && web.users.length > 0)) {
    problems.push(`web.users: is required when web.listen.host is not a loopback address (${web.listen.host}); without users anyone on the network sees the site and runs its commissioning actions`);
  }
  web?.users?.forEach((u, i) => {
    const j = web.users!.findIndex((v) => v.name === u.name);
    if (j !== i) problems.push(`web.users[${i}].name: duplicate of web.users[${j}].name (${u.name})`);
  });
  if (config.mqtt && config.mqtt.topicPrefix === undefined) config.mqtt.topicPrefix = `site-controller/${config.site.id}`;
  return problems;
}

/** The OCPP 1.6 security whitepaper: a charger's Basic-auth password has at least 16 characters. */
export const MIN_CHARGER_PASSWORD = 16;

/** Shortest web page password that `check` does not warn about. */
export const MIN_WEB_PASSWORD = 12;

/** What is allowed but weak: reported by `check` and logged at start, never refused. Runs on the resolved config. */
export function semanticWarnings(config: Config): string[] {
  const out: string[] = [];
  config.chargers.forEach((c, i) => {
    const n = c.password === undefined ? undefined : [...c.password].length;
    if (n !== undefined && n < MIN_CHARGER_PASSWORD) {
      out.push(`chargers[${i}].password: ${n} characters; the OCPP security whitepaper asks for at least ${MIN_CHARGER_PASSWORD}`);
    }
  });
  // The page shows the whole site and runs commissioning actions; the login limit slows guessing, it does not stop it.
  config.web?.users?.forEach((u, i) => {
    const n = [...String(u.password ?? '')].length;
    if (n > 0 && n < MIN_WEB_PASSWORD) out.push(`web.users[${i}].password: ${n} characters; use at least ${MIN_WEB_PASSWORD}`);
  });
  const b = config.balancer;
  // Unset: one session per charger that takes profiles (a site where every charger is in use).
  const managed = config.chargers.filter((c) => c.smartCharging !== false).length;
  const expected = b.expectedSessions ?? managed;
  const fit = Math.floor(b.fallbackBudgetA / b.minCurrentA + 1e-9);
  if (expected > 0 && fit < expected) {
    const which = b.expectedSessions === undefined ? `sessions (one per charger; set balancer.expectedSessions to say otherwise)` : `expected sessions (balancer.expectedSessions)`;
    out.push(
      `balancer.fallbackBudgetA: ${b.fallbackBudgetA} A per phase gives only ${fit} of ${expected} ${which} the minimum of ` +
        `${b.minCurrentA} A once the controller is gone; the others stop until it is back`,
    );
  }
  if (config.mqtt === undefined && b.externalLimit) out.push('balancer.externalLimit: set, but there is no mqtt section to receive it from');
  return out;
}

/** 127.0.0.0/8, ::1 and localhost: only this machine reaches them. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}
