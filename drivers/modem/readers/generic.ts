// The 3GPP part of a reading, which every driver starts from: identity, SIM,
// registration, operator, CSQ/CESQ levels and PDP addresses.
import { AtCmeError } from '../errors.js';
import {
  parseCesq,
  parseCgpaddr,
  parseCops,
  parseCpin,
  parseCsq,
  parseRegistration,
  simStateFromCme,
  type RegistrationInfo,
} from '../parsers/3gpp.js';
import { parseAti, parseBareValue, parseImei, type Identity } from '../parsers/identity.js';
import type { RadioInfo, Registration, SimState } from '../types.js';
import type { ReadingSteps } from './steps.js';

export interface GenericPart {
  identity: Identity;
  simState: SimState;
  registration: Registration;
  operator?: string;
  radio: RadioInfo;
  ipAddresses: string[];
}

export async function readGeneric(steps: ReadingSteps): Promise<GenericPart> {
  const identity = await readIdentity(steps);
  const simState = await readSim(steps);
  const reg = await readRegistration(steps);
  const cops = await steps.required('AT+COPS?', parseCops);
  const csq = await steps.required('AT+CSQ', parseCsq);
  const cesq = await steps.optional('AT+CESQ', parseCesq);
  const contexts = (await steps.required('AT+CGPADDR', parseCgpaddr)) ?? [];
  return {
    identity,
    simState,
    registration: reg?.registration ?? 'unknown',
    operator: cops?.operator,
    radio: {
      accessTechnology: reg?.accessTechnology ?? cops?.accessTechnology,
      cellId: reg?.cellId,
      // CSQ's RSSI when it has one; on GSM-only modems CESQ's RxLev is the same figure.
      rssiDbm: csq?.rssiDbm ?? cesq?.rxlevDbm,
      rsrpDbm: cesq?.rsrpDbm,
      rsrqDb: cesq?.rsrqDb,
    },
    ipAddresses: contexts.flatMap((c) => [c.ipv4, c.ipv6].filter((a): a is string => a !== undefined)),
  };
}

/** ATI first (one command, often all three facts); CGMI / CGMM / CGSN fill what it lacked. */
async function readIdentity(steps: ReadingSteps): Promise<Identity> {
  const ati = await steps.attempt('ATI');
  const id: Identity = 'lines' in ati ? parseAti(ati.lines) : {};
  if (!id.manufacturer) id.manufacturer = await steps.required('AT+CGMI', parseBareValue);
  if (!id.model) id.model = await steps.required('AT+CGMM', parseBareValue);
  if (!id.imei) id.imei = await steps.required('AT+CGSN', parseImei);
  return id;
}

async function readSim(steps: ReadingSteps): Promise<SimState> {
  const res = await steps.attempt('AT+CPIN?');
  if ('lines' in res) {
    try {
      return parseCpin(res.lines);
    } catch (err) {
      steps.record('AT+CPIN?', err);
      return 'unknown';
    }
  }
  // CME 10/11/12 are the SIM's state, not a failed reading.
  if (res.error instanceof AtCmeError) {
    const state = simStateFromCme(res.error.code, res.error.reason);
    if (state === 'not-inserted' || state === 'pin-required' || state === 'puk-required') return state;
    steps.record('AT+CPIN?', res.error);
    return state;
  }
  steps.record('AT+CPIN?', res.error);
  return 'unknown';
}

const RANK: Record<Registration, number> = { home: 5, roaming: 5, searching: 3, denied: 2, 'not-registered': 1, unknown: 0 };

/**
 * EPS (CEREG), 5GS (C5GREG) and CS/GSM (CREG) registration are alternatives: the
 * modem is registered if any says so (an NR SA modem shows CEREG 0). Failures
 * are recorded only when no variant answered at all.
 */
async function readRegistration(steps: ReadingSteps): Promise<RegistrationInfo | undefined> {
  const answers: RegistrationInfo[] = [];
  const failures: Array<[string, unknown]> = [];
  for (const [command, prefix] of [
    ['AT+CEREG?', '+CEREG'],
    ['AT+C5GREG?', '+C5GREG'],
    ['AT+CREG?', '+CREG'],
  ] as const) {
    const res = await steps.attempt(command);
    if ('error' in res) {
      if (command !== 'AT+C5GREG?') failures.push([command, res.error]);
      continue;
    }
    try {
      answers.push(parseRegistration(res.lines, prefix));
    } catch (err) {
      failures.push([command, err]);
    }
  }
  if (answers.length === 0) {
    for (const [command, err] of failures) steps.record(command, err);
    return undefined;
  }
  return answers.reduce((best, r) => (RANK[r.registration] > RANK[best.registration] ? r : best));
}
