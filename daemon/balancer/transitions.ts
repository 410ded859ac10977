// From one control step to the next, what changed that an operator must hear
// about: the balancer's mode, and connectors held at 0 A or let go again. Pure:
// the service keeps what it announced last and logs/emits what these return, so
// a site that stays starved for an hour says so once, not once per step.
import type { PauseReason } from './allocate.js';
import type { BalancerEvent } from './events.js';
import type { BalancerMode } from './plan.js';

export type Notice = Omit<BalancerEvent, 'ts'>;

/** Modes in which some session gets less than it could: entering one is an alarm, leaving it clears it. */
const ALARM_MODES: ReadonlySet<BalancerMode> = new Set(['insufficient', 'fallback']);

const MODE_WORDS: Record<BalancerMode, string> = {
  normal: 'every charging session can have at least the minimum current',
  capped: "the cloud's limit binds: sessions get less than the site could give",
  fallback: 'no fresh meter sample: the chargers share balancer.fallbackBudgetA',
  insufficient: 'the budget cannot give every charging session the minimum current: some are paused',
};

const PAUSE_WORDS: Record<PauseReason, string> = {
  'no-room': 'no room for the minimum current on its phases next to higher-ranked sessions',
  'min-pause': 'held paused for balancer.minPauseS',
  'max-below-minimum': 'its maxCurrentA is below balancer.minCurrentA',
  'cap-below-minimum': "the cloud's limit for it is below balancer.minCurrentA",
  'invalid-phases': 'its phase wiring is invalid',
  unbalance: 'the minimum current on its phase would exceed site.grid.maxUnbalanceA between phases',
  rotated: 'it had its turn (balancer.rotationMinutes); a waiting session of the same priority charges now',
};

/** Why a session is held at 0 A, in an installer's words (status, events). */
export function pauseWords(reason: string): string {
  return (PAUSE_WORDS as Record<string, string>)[reason] ?? reason;
}

export function modeNotice(from: BalancerMode, to: BalancerMode): Notice | null {
  if (from === to) return null;
  const kind = ALARM_MODES.has(to) ? 'alarm' : ALARM_MODES.has(from) ? 'cleared' : 'info';
  return { type: 'mode-changed', mode: to, previousMode: from, kind, detail: MODE_WORDS[to] };
}

export interface PausedConnector {
  chargerId: string;
  connectorId: number;
  reason: PauseReason;
}

/** What a connector looks like after this step, for saying why it is no longer paused. */
export interface ConnectorAfter {
  charging: boolean;
  wantA: number | null;
}

/**
 * Paused and resumed connectors between two steps, keyed "chargerId/connectorId".
 * A change of reason alone (no-room, then min-pause before it resumes) is no news:
 * `status` shows the current reason.
 */
export function pauseNotices(
  before: ReadonlyMap<string, PausedConnector>,
  after: ReadonlyMap<string, PausedConnector>,
  connectors: ReadonlyMap<string, ConnectorAfter>,
): Notice[] {
  const out: Notice[] = [];
  for (const [key, p] of after) {
    if (before.has(key)) continue;
    out.push({ type: 'connector-paused', chargerId: p.chargerId, connectorId: p.connectorId, reason: p.reason, kind: 'alarm', detail: `held at 0 A: ${PAUSE_WORDS[p.reason]}` });
  }
  for (const [key, p] of before) {
    if (after.has(key)) continue;
    const now = connectors.get(key);
    const why = !now ? 'its charger is gone' : !now.charging ? 'its session ended' : `given ${now.wantA ?? 0} A`;
    out.push({ type: 'connector-resumed', chargerId: p.chargerId, connectorId: p.connectorId, kind: 'cleared', detail: `no longer paused: ${why}` });
  }
  return out;
}

/** The log level of a balancer event: warn when something is wrong, info when it is over or merely notable. */
export function noticeLevel(e: Notice): 'warn' | 'info' {
  if (e.kind) return e.kind === 'alarm' ? 'warn' : 'info';
  return e.type === 'meter-restored' ? 'info' : 'warn';
}
