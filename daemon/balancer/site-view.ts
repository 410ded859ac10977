// Between the local CSMS's sessions and the balancer: how a charger is wired, which
// connectors count as charging, what they measure; and the state snapshot built
// from a plan and the chargers' profile senders.
import type { ChargerConfig } from '../config/types.js';
import type { ChargerSession } from '../local/session.js';
import type { LiveMeasurements } from '../local/live.js';
import { mayBeCharging } from '../local/connectors.js';
import type { BalancerState, ChargerView, ConnectorView } from './events.js';
import type { BudgetSource, Plan, PlanConnector } from './plan.js';
import { pauseWords } from './transitions.js';
import type { ChargerProfiles } from './sender.js';
import type { MeterReading } from '../../drivers/meters/index.js';

export type Wiring = Pick<ChargerConfig, 'connectors' | 'maxCurrentA' | 'phases' | 'phaseRotation' | 'priority'>;

/** A session may run there: an open transaction, or Charging / SuspendedEV / SuspendedEVSE (restored state included). */
export const isCharging = mayBeCharging;

/** A charger admitted by allowUnknownChargers: assume the config defaults, 3-phase on all phases. */
export function wiringOf(s: ChargerSession): Wiring {
  if (s.config) return s.config;
  return { connectors: s.numberOfConnectors ?? Math.max(1, ...s.connectors.keys()), maxCurrentA: 32, phases: 3, phaseRotation: 'L1L2L3', priority: 0 };
}

/** Per-phase currents from MeterValues; an unphased value is split over the phases (errs low, which is safe). */
export function measured(live: LiveMeasurements | undefined, phases: number): Array<number | null> | null {
  if (!live) return null;
  if (live.currentA.some((a) => a !== null)) return live.currentA;
  return live.currentUnphasedA === null ? null : Array.from({ length: phases }, () => live.currentUnphasedA! / phases);
}

export interface Row {
  s: ChargerSession;
  w: Wiring;
  ctl?: ChargerProfiles;
  /** confirmed: see ConnectorState.confirmed (true where nothing was restored). */
  conns: Array<{ id: number; key: string; pc: PlanConnector; confirmed: boolean }>;
}

export function buildState(ts: number, source: BudgetSource, hasMeter: boolean, last: MeterReading | null, p: Plan, rows: readonly Row[]): BalancerState {
  const reasons = new Map(p.paused.map((x) => [x.key, x.reason]));
  const connectors: ConnectorView[] = rows.flatMap(({ s, ctl, conns }) => conns.map((c) => ({
    chargerId: s.id, connectorId: c.id, charging: c.pc.charging, confirmed: c.confirmed, wantA: p.limitsA.get(c.key) ?? null,
    ...(ctl ? ctl.view(c.id) : { limitA: null, acceptedA: null }), paused: reasons.get(c.key),
    ...(reasons.has(c.key) ? { pausedWhy: pauseWords(reasons.get(c.key)!) } : {}),
    fallbackA: ctl && !ctl.unbalanceable ? ctl.fallbackOf(c.id).limitA : null,
    ...(p.numberPhases.has(c.key) ? { numberPhases: p.numberPhases.get(c.key) } : {}),
  })));
  const chargers: ChargerView[] = rows.map(({ s, ctl }) => ({
    chargerId: s.id, managed: !!ctl && !ctl.unbalanceable, unbalanceable: !!ctl?.unbalanceable, form: ctl?.form?.form ?? null,
    unit: ctl?.form?.unit ?? null, fallbackA: ctl?.fallbackState.limitA ?? null, fallbackInstalled: !!ctl?.fallbackState.installed,
    smartCharging: s.config?.smartCharging !== false,
  }));
  return {
    ts, mode: p.mode, source: source.kind, stale: hasMeter && source.kind === 'fallback',
    budgetA: p.budgetA, headroomA: p.headroomA, reservedA: p.reservedA, evDrawA: p.evDrawA, nonEvA: p.nonEvA, settling: p.settling,
    meter: last && { ts: last.ts, currentA: last.currentA, voltageV: last.voltageV, powerW: last.powerW, importEnergyWh: last.importEnergyWh },
    connectors, chargers,
  };
}

/** What makes a new 'state' worth emitting: budgets to the ampere, so meter noise does not publish every second. */
export function stateSignature(st: BalancerState): string {
  return JSON.stringify([
    st.mode, st.source, st.budgetA.map(Math.round), st.connectors.map((c) => [c.charging, c.confirmed, c.limitA, c.paused, c.fallbackA, c.numberPhases]), st.chargers, st.externalLimit,
  ]);
}
