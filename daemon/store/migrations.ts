// Schema migrations, applied in order and recorded in schema_migrations. Never edit
// a released migration: add a new one, because gateways in the field upgrade in place.
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'chargers, connectors, transactions, journal, kv',
    sql: `
      CREATE TABLE kv (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE chargers (
        id TEXT PRIMARY KEY,
        vendor TEXT, model TEXT, serial_number TEXT, firmware_version TEXT,
        iccid TEXT, imsi TEXT, meter_type TEXT, meter_serial_number TEXT,
        booted_at INTEGER, last_seen_at INTEGER,
        config_json TEXT,
        firmware_status TEXT, diagnostics_status TEXT
      );
      CREATE TABLE connectors (
        charger_id TEXT NOT NULL,
        connector_id INTEGER NOT NULL,
        status TEXT NOT NULL,
        error_code TEXT NOT NULL,
        info TEXT, vendor_id TEXT, vendor_error_code TEXT,
        status_at TEXT,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (charger_id, connector_id)
      );
      -- AUTOINCREMENT: ids handed to chargers are never reused, even after rows are deleted.
      CREATE TABLE transactions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        charger_id TEXT NOT NULL,
        connector_id INTEGER NOT NULL,
        id_tag TEXT NOT NULL,
        auth_status TEXT NOT NULL,
        meter_start_wh INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        reservation_id INTEGER,
        meter_stop_wh INTEGER,
        stopped_at TEXT,
        stop_reason TEXT,
        stop_id_tag TEXT,
        created_at INTEGER NOT NULL,
        stop_recorded_at INTEGER
      );
      CREATE INDEX transactions_open ON transactions (charger_id, connector_id) WHERE stopped_at IS NULL;
      CREATE INDEX transactions_start_key ON transactions (charger_id, connector_id, started_at);
      -- Every transaction message a charger was told is accepted, in arrival order.
      -- transaction_id is NULL for a message naming a transaction we do not know.
      CREATE TABLE transaction_messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        transaction_id INTEGER REFERENCES transactions(id),
        charger_id TEXT NOT NULL,
        action TEXT NOT NULL,
        payload TEXT NOT NULL,
        received_at INTEGER NOT NULL
      );
      CREATE INDEX transaction_messages_tx ON transaction_messages (transaction_id, seq);
    `,
  },
];
