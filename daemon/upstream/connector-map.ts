// The cloud's connector numbering. Connector k is a (charger, connector) pair that,
// once assigned, keeps its number forever: adding, removing or reordering chargers
// never renumbers what the cloud already knows. New pairs get the next free number.
import type { Db } from '../store/db.js';

export interface ConnectorRef {
  chargerId: string;
  connectorId: number;
}

export interface Assignment extends ConnectorRef {
  number: number;
}

/** Pure: the new assignments needed so that every wanted pair has a number. */
export function assignNumbers(existing: readonly Assignment[], wanted: readonly ConnectorRef[]): Assignment[] {
  const known = new Set(existing.map((a) => `${a.chargerId}\u0000${a.connectorId}`));
  let next = existing.reduce((m, a) => Math.max(m, a.number), 0) + 1;
  const added: Assignment[] = [];
  for (const w of wanted) {
    const key = `${w.chargerId}\u0000${w.connectorId}`;
    if (known.has(key)) continue;
    known.add(key);
    added.push({ ...w, number: next++ });
  }
  return added;
}

export class ConnectorMap {
  private byNumber = new Map<number, Assignment>();
  private byRef = new Map<string, number>();
  private readonly insert;

  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {
    this.insert = db.prepare('INSERT INTO cloud_connectors (number, charger_id, connector_id, assigned_at) VALUES (?, ?, ?, ?)');
    for (const a of db.prepare('SELECT number, charger_id AS chargerId, connector_id AS connectorId FROM cloud_connectors').all() as Assignment[]) this.remember(a);
  }

  private remember(a: Assignment): void {
    this.byNumber.set(a.number, a);
    this.byRef.set(`${a.chargerId}\u0000${a.connectorId}`, a.number);
  }

  /** Ensures numbers for these pairs (in this order); returns the ones newly assigned. */
  ensure(wanted: readonly ConnectorRef[]): Assignment[] {
    const added = assignNumbers([...this.byNumber.values()], wanted);
    if (added.length === 0) return added;
    this.db.transaction(() => {
      for (const a of added) this.insert.run(a.number, a.chargerId, a.connectorId, this.now());
    })();
    added.forEach((a) => this.remember(a));
    return added;
  }

  numberOf(chargerId: string, connectorId: number): number | undefined {
    return this.byRef.get(`${chargerId}\u0000${connectorId}`);
  }

  resolve(number: number): Assignment | undefined {
    return this.byNumber.get(number);
  }

  /** Every assigned connector, by number. */
  all(): Assignment[] {
    return [...this.byNumber.values()].sort((a, b) => a.number - b.number);
  }
}
