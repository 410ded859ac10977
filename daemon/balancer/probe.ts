// `site-controller probe charger ID`: what a connected charger really accepts, instead of
// guessing (evcc keeps eight manual quirk switches for this). Reads its smart-charging keys,
// measurands and phase labels, tries each SetChargingProfile form the balancer may use (the
// dynamic limit on the connector, on connector 0, as a TxProfile; amperes and watts; two stack
// levels) with a harmless limit (harmlessLimitA) on a profile id and
// stack level of its own, and clears each again by id, so what was there before is what stays.
// The report is stored, orders the balancer's ladder (probe-ladder) and is shown by `status`.
import type { SetChargingProfileRequest } from '../ocpp/v16/types.js';
import { dynamicProfile, type LadderStep, type ProfileForm, type RateUnit } from './profiles.js';

export const PROBE_KEYS = [
  'ChargeProfileMaxStackLevel', 'ChargingScheduleAllowedChargingRateUnit', 'ChargingScheduleMaxPeriods', 'MaxChargingProfilesInstalled',
  'ConnectorSwitch3to1PhaseSupported', 'NumberOfConnectors', 'MeterValuesSampledData', 'MeterValuesAlignedData', 'ConnectorPhaseRotation',
  'SmartChargingEnabled' /* not a 1.6 core key, but some chargers have it */,
];

/** Profile ids the probe uses: never the balancer's (90_000-92_999), so clearing them touches nothing else. */
export const PROBE_PROFILE_ID = 93_000;
/** How long a probe profile would stand if the clear were lost, s. */
const PROBE_VALIDITY_S = 60;

export interface ProbeTry {
  form: ProfileForm;
  unit: RateUnit;
  stackLevel: number;
  connectorId: number;
  limit: number;
  /** Accepted / Rejected / NotSupported (a CALLERROR's code) / timeout...; "skipped: why" when not tried. */
  result: string;
  cleared?: string;
}

export interface ProbeReport {
  chargerId: string;
  protocol: string;
  at: string;
  keys: Record<string, string>;
  unknownKeys: string[];
  /** From MeterValuesSampledData. */
  measurands: string[];
  /** Phases with Current.Import in the charger's latest MeterValues (its own L1..L3). */
  phasesReported: string[];
  tries: ProbeTry[];
  /** The forms it accepted, in the balancer's order of preference: what the ladder uses. */
  accepted: LadderStep[];
  summary: string;
}

export interface ProbeTarget {
  id: string;
  protocol: string;
  connectors: number;
  phases: 1 | 3;
  nominalVoltageV: number;
  /** Per connector: a session runs, its transaction id (1.6 model), and the limit it has now (A; null: none known). */
  connector(id: number): { charging: boolean; transactionId: number | null; limitA: number | null; phasesReported: number[] };
  dynamicStackLevel: number;
  minCurrentA: number;
  send(action: 'GetConfiguration' | 'SetChargingProfile' | 'ClearChargingProfile', req: object, timeoutMs: number): Promise<any>;
  now(): number;
}

/**
 * A limit that cannot hurt, whatever the balancer does meanwhile: 0 A where nothing charges or
 * the connector is paused; for a charging one the minimum current, never more than it has now.
 * The probe's profile sits above the balancer's for a moment (until it is cleared, at most its
 * 60 s validity), so it must not exceed a decrease the balancer may send during the probe; the
 * price is that a charging car runs at the minimum for the few seconds of the probe.
 */
export function harmlessLimitA(c: { charging: boolean; limitA: number | null }, minCurrentA: number): number {
  if (!c.charging) return 0;
  return c.limitA === null ? minCurrentA : Math.min(c.limitA, minCurrentA);
}

export async function probeCharger(t: ProbeTarget, timeoutMs = 10_000): Promise<ProbeReport> {
  const keys: Record<string, string> = {};
  let unknownKeys: string[] = [];
  try {
    const r = await t.send('GetConfiguration', { key: PROBE_KEYS }, timeoutMs);
    for (const k of r.configurationKey ?? []) if (k.value !== undefined) keys[k.key] = String(k.value);
    unknownKeys = r.unknownKey ?? [];
  } catch (err) {
    unknownKeys = [`(GetConfiguration failed: ${(err as Error).message})`];
  }
  const maxStack = Number.parseInt(keys.ChargeProfileMaxStackLevel ?? '', 10);
  const top = Number.isFinite(maxStack) ? maxStack : t.dynamicStackLevel + 1;
  // Above the balancer's dynamic level where possible (so the charger must weigh it against the
  // balancer's own), and the highest level it claims: both are levels the balancer may need.
  const levels = [...new Set([Math.min(t.dynamicStackLevel + 1, top), top])].filter((l) => l >= 0);
  const conns = Array.from({ length: t.connectors }, (_, i) => ({ id: i + 1, ...t.connector(i + 1) }));
  const tries: ProbeTry[] = [];
  let seq = 0;
  for (const form of ['connector', 'charger', 'transaction'] as const) {
    for (const unit of ['A', 'W'] as const) {
      for (const stackLevel of levels) {
        const target = form === 'transaction' ? conns.find((c) => c.charging && c.transactionId !== null) : conns[0];
        const charging = conns.filter((c) => c.charging);
        // On connector 0 the limit applies to all: the lowest any charging connector has (0 when none charges).
        const limitA = form === 'charger'
          ? (charging.length ? Math.min(...charging.map((c) => harmlessLimitA(c, t.minCurrentA))) : 0)
          : target ? harmlessLimitA(target, t.minCurrentA) : 0;
        const connectorId = form === 'charger' ? 0 : (target?.id ?? 1);
        const phases = (target?.phasesReported.length || t.phases) as 1 | 3;
        const tryRow: ProbeTry = { form, unit, stackLevel, connectorId, limit: unit === 'A' ? limitA : Math.floor(limitA * t.nominalVoltageV * phases), result: '' };
        tries.push(tryRow);
        if (!target && form === 'transaction') {
          tryRow.result = 'skipped: no session running (start one and probe again to test TxProfile)';
          continue;
        }
        const req = dynamicProfile({
          form, unit, connectorId, transactionId: target?.transactionId ?? null, limitA, phases, nominalVoltageV: t.nominalVoltageV,
          stackLevel, validityS: PROBE_VALIDITY_S, now: t.now(),
        });
        const id = PROBE_PROFILE_ID + seq++;
        const probeReq: SetChargingProfileRequest = { ...req, csChargingProfiles: { ...req.csChargingProfiles, chargingProfileId: id } };
        try {
          const r = await t.send('SetChargingProfile', probeReq, timeoutMs);
          tryRow.result = r.status;
        } catch (err) {
          const e = err as Error & { code?: string };
          tryRow.result = e.code ? `${e.code}: ${e.message}` : `failed: ${e.message}`;
        }
        // Cleared whatever the answer: a charger that said Rejected may have kept it anyway.
        try {
          const r = await t.send('ClearChargingProfile', { id }, timeoutMs);
          tryRow.cleared = r.status;
        } catch (err) {
          tryRow.cleared = `failed: ${(err as Error).message} (lapses by itself after ${PROBE_VALIDITY_S} s)`;
        }
      }
    }
  }
  const accepted: LadderStep[] = [];
  for (const form of ['connector', 'charger', 'transaction'] as const) {
    for (const unit of ['A', 'W'] as const) {
      const rows = tries.filter((x) => x.form === form && x.unit === unit && !x.result.startsWith('skipped'));
      if (rows.length && rows.every((x) => x.result === 'Accepted')) accepted.push({ form, unit });
    }
  }
  const measurands = (keys.MeterValuesSampledData ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  const phasesReported = [...new Set(conns.flatMap((c) => c.phasesReported))].sort().map((i) => `L${i + 1}`);
  return {
    chargerId: t.id, protocol: t.protocol, at: new Date(t.now()).toISOString(), keys, unknownKeys, measurands, phasesReported, tries, accepted,
    summary: summarize(accepted, tries, measurands),
  };
}

function summarize(accepted: readonly LadderStep[], tries: readonly ProbeTry[], measurands: readonly string[]): string {
  const parts: string[] = [];
  parts.push(accepted.length ? `accepts ${accepted.map((s) => `${s.form}/${s.unit}`).join(', ')}` : 'accepts no profile form: balanced as a charger without smart charging');
  const skipped = tries.some((x) => x.result.startsWith('skipped'));
  if (skipped) parts.push('TxProfile not tested (no session)');
  if (!measurands.some((m) => m.startsWith('Current.Import'))) parts.push('reports no Current.Import (the balancer estimates its draw from its limit)');
  return parts.join('; ');
}

/**
 * The balancer's ladder from a stored report: the forms it accepted first (in the usual
 * order), then those not tested, never those it refused; none at all when it accepted no form.
 * null: no report, keep the default.
 */
export function ladderFromProbe(report: Pick<ProbeReport, 'tries' | 'accepted'> | null, defaultLadder: readonly LadderStep[]): LadderStep[] | null {
  if (!report) return null;
  // Refused every form it was offered: the untested ones (TxProfile without a session) are no better bet.
  if (report.accepted.length === 0) return [];
  const key = (s: LadderStep) => `${s.form}/${s.unit}`;
  const tested = new Set(report.tries.filter((x) => !x.result.startsWith('skipped')).map((x) => `${x.form}/${x.unit}`));
  const ok = new Set(report.accepted.map(key));
  return [...defaultLadder.filter((s) => ok.has(key(s))), ...defaultLadder.filter((s) => !tested.has(key(s)))];
}
