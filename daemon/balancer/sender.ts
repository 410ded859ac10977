// The profiles of one charger: which limits it should carry, which it accepted,
// which form it takes, and one SetChargingProfile at a time to it. Each charger has
// its own ChargerProfiles, and nothing here is awaited by the control loop, so a
// slow or dead charger only ever delays itself.
import { RpcError } from '../ocpp/errors.js';
import type { SetChargingProfileRequest, SetChargingProfileResponse } from '../ocpp/v16/types.js';
import type { Logger } from '../log.js';
import type { BalancerEvent } from './events.js';
import { decideLimit, type LimitHistory, type LimitRules } from './limits.js';
import { dynamicProfile, fallbackProfile, refreshDue, type LadderStep, type RateUnit } from './profiles.js';
import { LIMIT_BOUND_TOLERANCE_A, type LimitRange } from './estimate.js';

export interface ConnectorWant {
  /** From the plan, A (0 when idle or paused). */
  wantA: number;
  charging: boolean;
  transactionId: number | null;
  /** Phases the car draws on, for W limits. */
  phases: 1 | 2 | 3;
  /** No increase now: a car on one of its phases may still be following a decrease (plan.increaseHeld). */
  holdIncrease?: boolean;
  /** Phase count to ask for in the profile (numberPhases), for chargers with phaseSwitching; undefined: none. */
  numberPhases?: 1 | 3;
}

export interface ChargerProfilesOptions {
  chargerId: string;
  ladder: readonly LadderStep[];
  fallbackUnits: readonly RateUnit[];
  stack: { fallback: number; dynamic: number; deadMansSwitch: boolean };
  chargerPhases: 1 | 3;
  nominalVoltageV: number;
  validityS: number;
  rules: LimitRules;
  /** How long a car may take to follow a new limit (see estimate.ts). */
  carReactionMs: number;
}

export interface SenderDeps {
  send(chargerId: string, req: SetChargingProfileRequest, timeoutMs: number): Promise<SetChargingProfileResponse>;
  now(): number;
  log: Logger;
  event(e: Omit<BalancerEvent, 'ts'>): void;
}

interface Slot {
  transactionId: number | null;
  phases: 1 | 2 | 3;
  numberPhases?: 1 | 3;
  /** A car wanted current at the last update: a new session's first limit is not an increase to wait for. */
  charging: boolean;
  decided: LimitHistory | null;
  acceptedA: number | null;
  acceptedAt: number;
  /** When the accepted profile lapses on the charger, ms; Infinity for one without an end. */
  acceptedUntil: number;
  /** Limits accepted before the current one, until the car has surely followed the change. */
  recent: Array<{ limitA: number; until: number }>;
  /**
   * When a MeterValues showed the car at or under the accepted limit (null: not since it was
   * accepted). From then on the higher limits in `recent` no longer bound its draw.
   */
  followedAt: number | null;
  inFlightA: number | null;
  dirty: boolean;
}

type Outcome = 'accepted' | 'rejected' | 'failed';
type Desired = Pick<ConnectorWant, 'wantA' | 'transactionId' | 'phases' | 'holdIncrease' | 'charging' | 'numberPhases'>;

/** The dead man's switch on one connector (0: the charger-wide default, always 0 A). */
interface FallbackSlot {
  wantA: number;
  acceptedA: number | null;
  dirty: boolean;
  inFlight: boolean;
}

/** What a charger without a dead man's switch does when the controller dies; said in its event. */
const NO_FALLBACK =
  'its dynamic limit is sent without an end, so if the site controller dies the last limit sent stays in force ' +
  '(a TxProfile only until its transaction ends) instead of a fallback share';

export class ChargerProfiles {
  step = 0;
  unbalanceable = false;
  /** Keyed by connector id; 0 for the 'charger' form. */
  private slots = new Map<number, Slot>();
  /**
   * The dead man's switch, per connector: its share of the fallback budget while it has a
   * session, 0 A while idle, and 0 A on connector 0 for any connector without its own.
   */
  private readonly fallback = { unit: 0, failed: false, slots: new Map<number, FallbackSlot>() };
  private wants = new Map<number, ConnectorWant>();
  private fallbackShares: ReadonlyMap<number, number> = new Map();
  private busy = false;
  private closed = false;
  private reportedNoSwitch = false;

  constructor(readonly opts: ChargerProfilesOptions, private readonly deps: SenderDeps) {}

  get form(): LadderStep | null {
    return this.unbalanceable ? null : (this.opts.ladder[this.step] ?? null);
  }

  /** The largest share it carries, and whether every share is installed as wanted. */
  get fallbackState(): { limitA: number | null; installed: boolean } {
    const slots = [...this.fallback.slots.values()];
    if (slots.length === 0) return { limitA: null, installed: false };
    return { limitA: Math.max(...slots.map((f) => f.wantA)), installed: !this.fallback.failed && slots.every((f) => f.acceptedA === f.wantA) };
  }

  /** One connector's fallback share (wanted) and whether the charger holds it. */
  fallbackOf(connectorId: number): { limitA: number | null; installed: boolean } {
    const f = this.fallback.slots.get(connectorId);
    return { limitA: f?.wantA ?? null, installed: !!f && f.acceptedA === f.wantA && !this.fallback.failed };
  }

  /** What the charger falls back to on this connector once a time-limited dynamic limit lapses. */
  private fallbackAcceptedFor(connectorId: number): number | null {
    return this.fallback.slots.get(connectorId)?.acceptedA ?? this.fallback.slots.get(0)?.acceptedA ?? null;
  }

  /**
   * Whether the dynamic limit may carry an end of validity: only while a dead man's switch
   * can be below it to fall back to. Without one, a limit that lapses leaves the charger
   * with no profile at all (its maximum) once the controller is gone, so the limit is sent
   * without an end and the last one stays in force. While the switch is still being sent,
   * the limit is time-limited: that is the normal case, and a refusal re-sends it.
   */
  private get timeLimited(): boolean {
    return this.opts.stack.deadMansSwitch && !this.fallback.failed;
  }

  /** A time-limited profile on a charger that has no fallback under it any more: to be replaced. */
  private lapsesWithoutFallback(slot: Slot): boolean {
    return !this.timeLimited && slot.acceptedA !== null && slot.acceptedUntil !== Infinity && slot.inFlightA === null;
  }

  /** Stops sending (the charger went away); a call in flight is left to settle. */
  close(): void {
    this.closed = true;
  }

  /**
   * The new wanted limits of every connector and their fallback shares (connector id → A;
   * a connector not listed gets 0); sends what changed.
   */
  update(wants: Map<number, ConnectorWant>, fallback: ReadonlyMap<number, number> | number): void {
    const now = this.deps.now();
    // A number: that share on every connector with a session (tests, simple callers).
    const fallbackA = typeof fallback === 'number' ? new Map([...wants].filter(([, w]) => w.charging).map(([id]) => [id, fallback])) : fallback;
    this.wants = wants;
    if (!this.opts.stack.deadMansSwitch && !this.reportedNoSwitch && this.form) {
      this.reportedNoSwitch = true;
      const { dynamic } = this.opts.stack;
      this.deps.event({
        type: 'fallback-unavailable', chargerId: this.opts.chargerId,
        detail: `charger ${this.opts.chargerId}: no stack level below ${dynamic} for a dead man's switch (ChargeProfileMaxStackLevel); ${NO_FALLBACK}`,
      });
    }
    this.fallbackShares = fallbackA;
    if (this.opts.stack.deadMansSwitch) {
      for (const id of [0, ...wants.keys()]) {
        const wantA = id === 0 ? 0 : (fallbackA.get(id) ?? 0);
        const f = this.fallback.slots.get(id);
        if (!f) this.fallback.slots.set(id, { wantA, acceptedA: null, dirty: !this.fallback.failed, inFlight: false });
        else if (f.wantA !== wantA) (f.wantA = wantA), (f.dirty = !this.fallback.failed);
      }
    }
    const form = this.form;
    if (form) {
      const desired = this.desired(form.form, wants);
      for (const id of this.slots.keys()) if (!desired.has(id)) this.slots.delete(id);
      for (const [id, d] of desired) {
        let slot = this.slots.get(id);
        if (!slot || slot.transactionId !== d.transactionId) {
          // A new session needs its own TxProfile; its decisions start afresh.
          slot = { transactionId: d.transactionId, phases: d.phases, numberPhases: d.numberPhases, charging: false, decided: null, acceptedA: null, acceptedAt: 0, acceptedUntil: Infinity, recent: [], followedAt: null, inFlightA: null, dirty: false };
          this.slots.set(id, slot);
        }
        // Fast admission: a session that just began gets its first limit now, not after the
        // increase interval (that paces raising running sessions, not admitting new ones).
        if (d.charging && !slot.charging && slot.decided !== null && d.wantA > slot.decided.limitA) slot.decided = null;
        slot.charging = d.charging;
        if (slot.phases !== d.phases) (slot.phases = d.phases), (slot.dirty = true);
        if (slot.numberPhases !== d.numberPhases) (slot.numberPhases = d.numberPhases), (slot.dirty = true);
        const wantA = d.holdIncrease && slot.decided ? Math.min(d.wantA, slot.decided.limitA) : d.wantA;
        const next = decideLimit(slot.decided, wantA, now, this.opts.rules);
        if (slot.decided === null || next.limitA !== slot.decided.limitA) {
          slot.decided = { limitA: next.limitA, changedAt: now };
          slot.dirty = true;
        } else if (this.lapsesWithoutFallback(slot)) {
          slot.dirty = true;
        } else if (d.charging && slot.acceptedUntil !== Infinity && slot.inFlightA === null && refreshDue(slot.acceptedAt, this.opts.validityS, now)) {
          // Only where a car is: an idle connector's 0 A may lapse to the dead man's switch
          // share, which is safe for every connector at once. That keeps an idle site quiet.
          // A limit without an end needs no refresh.
          slot.dirty = true;
        }
      }
    }
    this.pump();
  }

  /**
   * The least and the most the car on this connector may be drawing under our limits
   * now: the accepted limit (the fallback once its validity ran out), plus any limit
   * accepted before it or decided since, for carReactionMs (the car may still be
   * following the change). Null when no limit of ours is known.
   */
  limitRange(connectorId: number, sampleAt?: number): LimitRange | null {
    const slot = this.form ? this.slots.get(this.form.form === 'charger' ? 0 : connectorId) : undefined;
    if (!slot) return null;
    const now = this.deps.now();
    const values: number[] = [];
    if (slot.acceptedA !== null) {
      const expired = now >= slot.acceptedUntil;
      const fallbackA = this.fallbackAcceptedFor(this.form?.form === 'charger' ? 0 : connectorId);
      values.push(expired && fallbackA !== null ? fallbackA : slot.acceptedA);
    }
    slot.recent = slot.recent.filter((r) => r.until > now);
    // A meter sample taken after the car was seen under its limit cannot show it at a higher,
    // earlier one; an older sample still may (it is judged with the full range).
    const followed = slot.followedAt !== null && sampleAt !== undefined && sampleAt >= slot.followedAt;
    for (const r of slot.recent) if (!followed || r.limitA <= slot.acceptedA!) values.push(r.limitA);
    const d = slot.decided;
    if (d && d.limitA !== slot.acceptedA && now - d.changedAt < this.opts.carReactionMs) values.push(d.limitA);
    return values.length > 0 ? { lowA: Math.min(...values), highA: Math.max(...values), targetA: d?.limitA ?? slot.acceptedA ?? undefined } : null;
  }

  /**
   * A MeterValues from this connector arrived (drawA: its highest phase current). A car
   * measured at or under the accepted limit has followed it: limits it was coming down from
   * are over for it, so a step in the non-EV load seen in the next meter sample is read as
   * what it is, not held as a car that may still be slowing down (see estimate.ts). A
   * sample taken before the cut and delivered after it can only show a car that drew no
   * more than the new limit anyway. Not for the 'charger' form: one car's reading says
   * nothing of the others sharing the limit.
   */
  observed(connectorId: number, drawA: number): void {
    if (!this.form || this.form.form === 'charger' || !Number.isFinite(drawA)) return;
    const slot = this.slots.get(connectorId);
    if (slot && slot.acceptedA !== null && drawA <= slot.acceptedA + LIMIT_BOUND_TOLERANCE_A) slot.followedAt = this.deps.now();
  }

  view(connectorId: number): { limitA: number | null; acceptedA: number | null } {
    const slot = this.slots.get(this.form?.form === 'charger' ? 0 : connectorId);
    return { limitA: slot?.decided?.limitA ?? null, acceptedA: slot?.acceptedA ?? null };
  }

  private desired(form: LadderStep['form'], wants: Map<number, ConnectorWant>): Map<number, Desired> {
    const out = new Map<number, Desired>();
    if (form === 'charger') {
      // One limit for every connector: the lowest any session may have, so no
      // connector gets more than the allocation gave it (and 0 when none charges).
      const charging = [...wants.values()].filter((w) => w.charging);
      const wantA = charging.length > 0 ? Math.min(...charging.map((w) => w.wantA)) : 0;
      const phases = charging.length > 0 ? (Math.min(...charging.map((w) => w.phases)) as 1 | 2 | 3) : this.opts.chargerPhases;
      const numberPhases = charging.find((w) => w.numberPhases !== undefined)?.numberPhases;
      out.set(0, { wantA, transactionId: null, phases, numberPhases, holdIncrease: [...wants.values()].some((w) => w.holdIncrease), charging: charging.length > 0 });
      return out;
    }
    for (const [id, w] of wants) {
      // Idle connectors carry 0, so a car that starts waits for its share instead of taking the charger's max.
      const common = { phases: w.phases, numberPhases: w.numberPhases, holdIncrease: w.holdIncrease, charging: w.charging };
      if (form === 'connector') out.set(id, { wantA: w.charging ? w.wantA : 0, transactionId: null, ...common });
      else if (w.transactionId !== null) out.set(id, { wantA: w.wantA, transactionId: w.transactionId, ...common });
    }
    return out;
  }

  private pump(): void {
    if (this.busy || this.closed) return;
    const job = this.nextJob();
    if (!job) return;
    this.busy = true;
    let outcome: Outcome = 'failed';
    this.deps
      .send(this.opts.chargerId, job.req, this.opts.validityS * 1000)
      .then(
        (res): string => {
          outcome = res.status === 'Accepted' ? 'accepted' : 'rejected';
          return `status ${res.status}`;
        },
        (err: Error): string => {
          // A CALLERROR (NotSupported, a constraint violation...) is the charger's no;
          // offline, timeout or a closed socket say nothing about the form.
          outcome = err instanceof RpcError ? 'rejected' : 'failed';
          if (outcome === 'failed') this.deps.log.debug('SetChargingProfile failed', { charger: this.opts.chargerId, err: err.message });
          return err.message;
        },
      )
      .then((why) => {
        this.busy = false;
        job.settle(outcome, why);
        // After a transient failure the next control step retries: no hot loop against a dead link.
        if (outcome !== 'failed') this.pump();
      });
  }

  private nextJob(): { req: SetChargingProfileRequest; settle: (o: Outcome, why: string) => void } | undefined {
    const form = this.form;
    const dirty = form ? [...this.slots].filter(([, s]) => s.dirty && s.decided !== null) : [];
    // Decreases first: they protect the fuse. Then the dead man's switch, then the rest.
    // Then the dead man's switch where it comes down (or is not known to be installed: a time-limited
    // limit must not lapse to nothing), then the rest, and the switch where it goes up last.
    const decrease = dirty.find(([, s]) => s.decided!.limitA < (s.acceptedA ?? Infinity));
    if (decrease) return this.dynamicJob(form!, decrease);
    const fb = this.fallback.failed ? [] : [...this.fallback.slots].filter(([, f]) => f.dirty && !f.inFlight);
    const fbDown = fb.find(([, f]) => f.wantA < (f.acceptedA ?? Infinity));
    if (fbDown) return this.fallbackJob(fbDown[0], fbDown[1]);
    if (dirty[0] && form) return this.dynamicJob(form, dirty[0]);
    if (fb[0]) return this.fallbackJob(fb[0][0], fb[0][1]);
    return undefined;
  }

  private dynamicJob(form: LadderStep, pick: [number, Slot]): { req: SetChargingProfileRequest; settle: (o: Outcome, why: string) => void } {
    const [connectorId, slot] = pick;
    const limitA = slot.decided!.limitA;
    const step = this.step;
    const now = this.deps.now();
    const validityS = this.timeLimited ? this.opts.validityS : null;
    const req = dynamicProfile({
      form: form.form, unit: form.unit, connectorId, transactionId: slot.transactionId, limitA, phases: slot.phases, numberPhases: slot.numberPhases,
      nominalVoltageV: this.opts.nominalVoltageV, stackLevel: this.opts.stack.dynamic, validityS, now,
    });
    slot.dirty = false;
    slot.inFlightA = limitA;
    return {
      req,
      settle: (outcome, why) => {
        slot.inFlightA = null;
        if (outcome === 'accepted') {
          if (slot.acceptedA !== null && slot.acceptedA !== limitA) slot.recent.push({ limitA: slot.acceptedA, until: this.deps.now() + this.opts.carReactionMs });
          slot.acceptedA = limitA;
          slot.followedAt = null;
          slot.acceptedAt = now;
          slot.acceptedUntil = validityS === null ? Infinity : now + validityS * 1000;
        }
        else if (outcome === 'failed') slot.dirty = true;
        else if (step === this.step) this.nextForm(connectorId, form, why);
      },
    };
  }

  private fallbackJob(connectorId: number, slot: FallbackSlot): { req: SetChargingProfileRequest; settle: (o: Outcome, why: string) => void } {
    const f = this.fallback;
    const limitA = slot.wantA;
    const unit = this.opts.fallbackUnits[f.unit]!;
    const unitAt = f.unit;
    slot.dirty = false;
    slot.inFlight = true;
    // No phase count: fallbackProfile sizes a W switch for one phase, whatever the charger or car.
    const req = fallbackProfile({ connectorId, unit, limitA, nominalVoltageV: this.opts.nominalVoltageV, stackLevel: this.opts.stack.fallback, now: this.deps.now() });
    return {
      req,
      settle: (outcome, why) => {
        slot.inFlight = false;
        if (outcome === 'accepted') slot.acceptedA = limitA;
        else if (outcome === 'failed') slot.dirty = true;
        else if (f.failed) return;
        else if (unitAt !== f.unit) slot.dirty = true; // refused in a unit already given up: retry in the new one
        else if (++f.unit < this.opts.fallbackUnits.length) for (const x of f.slots.values()) (x.dirty = true), (x.acceptedA = null);
        else {
          f.failed = true;
          // What was sent time-limited would lapse to nothing: re-send it without an end (pump follows).
          for (const slot of this.slots.values()) if (this.lapsesWithoutFallback(slot)) slot.dirty = true;
          this.deps.event({ type: 'fallback-rejected', chargerId: this.opts.chargerId, detail: `charger ${this.opts.chargerId} refused the dead man's switch (${why}); ${NO_FALLBACK}` });
        }
      },
    };
  }

  /** The charger refused this form: remember it and try the next, or give up on it. */
  private nextForm(connectorId: number, refused: LadderStep, why: string): void {
    this.deps.event({ type: 'profile-rejected', chargerId: this.opts.chargerId, connectorId, form: refused.form, unit: refused.unit, detail: why });
    this.step++;
    this.slots.clear();
    if (this.step >= this.opts.ladder.length) {
      this.unbalanceable = true;
      this.deps.event({ type: 'charger-unbalanceable', chargerId: this.opts.chargerId, detail: 'no form of SetChargingProfile accepted; counted at its full max' });
      return;
    }
    this.update(this.wants, this.fallbackShares);
  }
}
