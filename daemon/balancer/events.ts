// What the balancer tells the rest of the daemon: its state (for `status` and the
// retained MQTT `balancer` topic) and its alarms (for the MQTT `events` topic).
import type { PerPhase } from './phases.js';
import type { BalancerMode } from './plan.js';
import type { RateUnit, ProfileForm } from './profiles.js';

export type BalancerEventType =
  | 'meter-lost' // no good sample for staleAfterMs: fallback budget
  | 'meter-restored' // a good sample again: back to normal
  | 'meter-error' // while stale, reads began failing for another reason (in `reason`)
  | 'mode-changed' // normal / capped / fallback / insufficient (`mode`, `previousMode`)
  | 'connector-paused' // a session held at 0 A (`reason`: see PauseReason)
  | 'connector-resumed' // no longer held at 0 A (given room, or its session or charger is gone)
  | 'profile-rejected' // a charger refused a form of the dynamic limit; the next is tried
  | 'fallback-rejected' // a charger refused the dead man's switch profile in every unit: its dynamic limit gets no end
  | 'fallback-unavailable' // no stack level free below the dynamic limit: no switch, the dynamic limit gets no end
  | 'charger-unbalanceable' // a charger refused every form: counted at its full max
  | 'smart-charging-off' // a charger configured with smartCharging false (reported once at start)
  | 'phases-switched' // a session was switched between 3 phases and 1 (phaseSwitching)
  | 'external-limit'; // the external limit was set, cleared, expired (`reason`), or a payload rejected

export interface BalancerEvent {
  type: BalancerEventType;
  ts: number;
  chargerId?: string;
  connectorId?: number;
  form?: ProfileForm;
  unit?: RateUnit;
  /** meter-lost / meter-error: the read error in the words of `probe meter`; connector-paused: why. */
  reason?: string;
  mode?: BalancerMode;
  previousMode?: BalancerMode;
  /** What a dashboard makes of it (MQTT `events` type); omitted: by its type (telemetry/payloads.ts). */
  kind?: 'alarm' | 'cleared' | 'info';
  detail?: string;
}

export interface ConnectorView {
  chargerId: string;
  connectorId: number;
  charging: boolean;
  /**
   * The charger reported this connector's status on its current connection. False after a
   * reconnect or a daemon restart until it does: a session there is taken as drawing up to its max.
   */
  confirmed: boolean;
  /** What the allocation wants for it now, A. */
  wantA: number | null;
  /** The limit decided for it (sent or being sent), A; null when none. */
  limitA: number | null;
  /** The limit the charger last accepted, A. */
  acceptedA: number | null;
  /** Why it is held at 0 while a car waits (PauseReason). */
  paused?: string;
  /** The same in words, for status and the web page. */
  pausedWhy?: string;
  /** Its dead man's switch share, A (0 while idle); null when it has none. */
  fallbackA?: number | null;
  /** Phase switching: the phase count asked for (numberPhases). */
  numberPhases?: 1 | 3;
}

export interface ChargerView {
  chargerId: string;
  /** false until configured, and for a charger that accepts no form. */
  managed: boolean;
  unbalanceable: boolean;
  form: ProfileForm | null;
  unit: RateUnit | null;
  fallbackA: number | null;
  fallbackInstalled: boolean;
  /** false: configured smartCharging false (reserved at its max, never sent profiles). */
  smartCharging: boolean;
  /** Its stored compatibility probe (`probe charger`), if any. */
  probe?: { at: string; summary: string } | null;
}

export interface BalancerState {
  ts: number;
  mode: BalancerMode;
  /** Where the budget came from: the meter, a static budget (no meter), or the fallback budget. */
  source: 'meter' | 'static' | 'fallback';
  /** A meter is configured and has no fresh sample. */
  stale: boolean;
  budgetA: PerPhase;
  headroomA: PerPhase;
  reservedA: PerPhase;
  evDrawA: PerPhase;
  nonEvA: PerPhase | null;
  /**
   * Per grid phase: a car there may still be following a changed limit (balancer.carReactionS,
   * or until its MeterValues show it did), so nonEvA is held rather than read from the meter.
   */
  settling: [boolean, boolean, boolean];
  meter: { ts: number; currentA: PerPhase; voltageV: PerPhase; powerW: number; importEnergyWh: number } | null;
  connectors: ConnectorView[];
  chargers: ChargerView[];
  /** balancer.externalLimit in force: A per phase and until when (ms); null: none. */
  externalLimit?: { maxCurrentA: PerPhase; until: number } | null;
}
