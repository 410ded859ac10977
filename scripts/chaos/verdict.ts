// The chaos run's verdict, as pure functions over what the chargers were told (accepted
// messages) and what the cloud booked (its received CALLs in arrival order).
//
// Messages are compared by content, not by id: the site renumbers connectors and
// transactions, and merges queued MeterValues (into one call, or into the Stop's
// transactionData). So the unit is an item: a Start (idTag, timestamp, meterStart), a Stop
// (timestamp, meterStop), or one meter sample (timestamp, energy register). The chargers'
// registers are offset per connector, so two connectors never report the same item.

export interface CloudCall {
  connection: number;
  action: string;
  payload: any;
}

export interface Verdict {
  seed: number;
  kills: number;
  chargers: number;
  /** How many of the chargers spoke OCPP 2.0.1. */
  v201?: number;
  /** The OCPP version the site spoke to the cloud (default ocpp1.6). */
  cloudProtocol?: string;
  killsByPhase: Record<string, number>;
  cloudDrops: number;
  /** Transaction messages the site answered with a CALLRESULT. */
  accepted: number;
  /** Accepted messages of which some item never reached the cloud. */
  lost: number;
  /** Cloud calls that repeated an item the cloud had already booked. */
  duplicates: number;
  /** Duplicates whose earlier copy was not the call in flight when a link broke. */
  duplicatesUnexplained: number;
  /** Messages the site set aside as undeliverable. */
  setAside: number;
  /** Messages the site refused with a CALLERROR (the charger gave up on them). */
  refused: number;
  seconds: number;
  ok: boolean;
  problems: string[];
}

const energyOf = (mv: any): string => {
  const sv = (mv?.sampledValue ?? []).find((s: any) => (s.measurand ?? 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register');
  return String(sv?.value);
};

export const startKey = (p: any): string => `start|${p.idTag}|${p.timestamp}|${p.meterStart}`;
export const stopKey = (p: any): string => `stop|${p.timestamp}|${p.meterStop}`;
export const sampleKey = (mv: any): string => `sample|${mv.timestamp}|${energyOf(mv)}`;

/** The items one transaction message carries (what the cloud must book exactly once). */
export function itemsOf(action: string, payload: any): string[] {
  switch (action) {
    case 'StartTransaction':
      return [startKey(payload)];
    case 'StopTransaction':
      return [stopKey(payload), ...(payload.transactionData ?? []).map(sampleKey)];
    case 'MeterValues':
      return payload.transactionId === undefined ? [] : (payload.meterValue ?? []).map(sampleKey);
    case 'TransactionEvent':
      return itemsOfCloudEvent201(payload);
    default:
      return [];
  }
}

/**
 * What a 2.0.1 cloud books from the site's TransactionEvent: as itemsOf201, except that a
 * Started's Transaction.Begin reading is its start (the startKey), not a sample: the site
 * writes the meterStart there, and a 2.0.1 charger's own reading of it comes in the next
 * Updated, where it is the sample the charger was answered for.
 */
function itemsOfCloudEvent201(payload: any): string[] {
  if (payload.eventType !== 'Started') return itemsOf201(payload);
  const mvs: any[] = payload.meterValue ?? [];
  const samples = mvs.filter((mv) => !(mv.sampledValue ?? []).some((s: any) => s.context === 'Transaction.Begin')).map(sampleKey);
  return [startKey({ idTag: payload.idToken?.idToken, timestamp: payload.timestamp, meterStart: registerIn(mvs, 'Transaction.Begin') }), ...samples];
}

/** The Wh register of a 2.0.1 MeterValue list in the given context (Transaction.Begin / End). */
const registerIn = (mvs: any[], context: string): string | undefined => {
  for (const mv of mvs) {
    const sv = (mv?.sampledValue ?? []).find((s: any) => s.context === context && (s.measurand ?? 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register');
    if (sv) return String(sv.value);
  }
  return undefined;
};

/**
 * The items a 2.0.1 TransactionEvent carries once the site turned it into the model's 1.6
 * messages (DESIGN "Two OCPP versions, one model"): Started → a Start (idToken as idTag, the
 * event's timestamp, the Transaction.Begin register); every sample it carries, Ended's in the
 * Stop's transactionData; Ended → a Stop (the event's timestamp, the Transaction.End register).
 * For idTokens of at most 20 characters in Wh, which is what the chaos chargers send.
 */
export function itemsOf201(payload: any): string[] {
  const mvs: any[] = payload.meterValue ?? [];
  const samples = mvs.map(sampleKey);
  if (payload.eventType === 'Started') return [startKey({ idTag: payload.idToken?.idToken, timestamp: payload.timestamp, meterStart: registerIn(mvs, 'Transaction.Begin') }), ...samples];
  if (payload.eventType === 'Ended') return [stopKey({ timestamp: payload.timestamp, meterStop: registerIn(mvs, 'Transaction.End') }), ...samples];
  return samples;
}

export interface LedgerFigures {
  lost: string[];
  duplicates: number;
  duplicatesUnexplained: string[];
}

/**
 * accepted: the items of each message the chargers got a CALLRESULT for.
 * calls: every CALL the cloud received, in arrival order.
 */
export function judgeLedger(accepted: string[][], calls: CloudCall[]): LedgerFigures {
  // The call in flight when a link broke is the last one the cloud received on that connection
  // (OCPP-J allows one outstanding CALL, and the site sends nothing else after a transaction
  // message's answer until it has recorded it): its answer may never have been recorded.
  const lastOnConn = new Map<number, number>();
  calls.forEach((c, i) => lastOnConn.set(c.connection, i));
  const firstSeen = new Map<string, number>(); // item → index of the latest call that carried it
  let duplicates = 0;
  const duplicatesUnexplained: string[] = [];
  calls.forEach((c, i) => {
    const items = itemsOf(c.action, c.payload);
    const repeated = items.filter((k) => firstSeen.has(k));
    if (repeated.length > 0) {
      duplicates++;
      const unexplained = repeated.filter((k) => lastOnConn.get(calls[firstSeen.get(k)!].connection) !== firstSeen.get(k));
      if (unexplained.length > 0) duplicatesUnexplained.push(`${c.action} on connection ${c.connection} repeats ${unexplained[0]} (${unexplained.length} item(s)) answered earlier`);
    }
    for (const k of items) firstSeen.set(k, i);
  });
  const lost = accepted.filter((items) => items.some((k) => !firstSeen.has(k))).map((items) => items.find((k) => !firstSeen.has(k))!);
  return { lost, duplicates, duplicatesUnexplained };
}

/** The promises: nothing lost, nothing set aside, at most one duplicate per broken link and only its call in flight. */
export function verdictProblems(v: Omit<Verdict, 'ok' | 'problems'>, figures: LedgerFigures): string[] {
  const problems: string[] = [];
  if (v.lost > 0) problems.push(`${v.lost} accepted message(s) never reached the cloud, e.g. ${figures.lost.slice(0, 3).join(', ')}`);
  if (v.setAside > 0) problems.push(`${v.setAside} message(s) set aside as undeliverable`);
  const interruptions = v.kills + v.cloudDrops;
  if (v.duplicates > interruptions) problems.push(`${v.duplicates} duplicate call(s) for ${interruptions} broken link(s) (at most one each)`);
  for (const d of figures.duplicatesUnexplained.slice(0, 5)) problems.push(`duplicate not in flight at a break: ${d}`);
  if (figures.duplicatesUnexplained.length > 5) problems.push(`... ${figures.duplicatesUnexplained.length - 5} more unexplained duplicates`);
  return problems;
}

/** The printed verdict: one `name value` line per figure, then the problems. */
export function formatVerdict(v: Verdict): string {
  const lines = [
    `chaos ${v.ok ? 'PASS' : 'FAIL'} seed=${v.seed}`,
    ...(v.v201 ? [`chargers ${v.chargers} (${v.v201} on OCPP 2.0.1)`] : []),
    ...(v.cloudProtocol === 'ocpp2.0.1' ? ['cloud OCPP 2.0.1'] : []),
    `kills ${v.kills} (${Object.entries(v.killsByPhase).map(([k, n]) => `${k} ${n}`).join(', ')})`,
    `cloud drops ${v.cloudDrops}`,
    `accepted ${v.accepted}`,
    `lost ${v.lost}`,
    `duplicates ${v.duplicates} (unexplained ${v.duplicatesUnexplained})`,
    `set aside ${v.setAside}`,
    `refused ${v.refused}`,
    `seconds ${v.seconds.toFixed(1)}`,
    ...v.problems.map((p) => `problem: ${p}`),
  ];
  if (!v.ok) lines.push(`reproduce: npm run test:chaos -- --seed ${v.seed} --kills ${v.kills} --chargers ${v.chargers}${v.v201 ? ` --v201 ${v.v201}` : ''}${v.cloudProtocol === 'ocpp2.0.1' ? ' --cloud-v201' : ''}`);
  return lines.join('\n');
}
