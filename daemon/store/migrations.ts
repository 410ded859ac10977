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
  {
    version: 2,
    name: 'upstream: connector numbers, outbox, transaction map, authorization, cloud profiles, link attempts',
    sql: `
      -- The cloud's connector k is a stable (charger, connector) pair; numbers are never reused.
      CREATE TABLE cloud_connectors (
        number INTEGER PRIMARY KEY,
        charger_id TEXT NOT NULL,
        connector_id INTEGER NOT NULL,
        assigned_at INTEGER NOT NULL,
        UNIQUE (charger_id, connector_id)
      );
      -- Transaction messages waiting for the cloud, in journal order. Filled in the same
      -- SQLite transaction as the journal row; a row leaves only once the cloud answered.
      CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        journal_seq INTEGER NOT NULL,
        transaction_id INTEGER,
        charger_id TEXT NOT NULL,
        action TEXT NOT NULL,
        payload TEXT NOT NULL,
        queued_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        state TEXT NOT NULL DEFAULT 'queued'  -- queued | undeliverable
      );
      CREATE INDEX outbox_queued ON outbox (state, seq);
      -- Local transaction id (what chargers know) -> the cloud's id.
      CREATE TABLE cloud_transactions (
        transaction_id INTEGER PRIMARY KEY REFERENCES transactions(id),
        cloud_transaction_id INTEGER,
        id_tag_status TEXT,
        sent_at INTEGER NOT NULL
      );
      CREATE INDEX cloud_transactions_cloud_id ON cloud_transactions (cloud_transaction_id);
      CREATE TABLE auth_list (
        id_tag TEXT PRIMARY KEY COLLATE NOCASE,
        status TEXT NOT NULL,
        expiry_date TEXT,
        parent_id_tag TEXT
      );
      CREATE TABLE auth_cache (
        id_tag TEXT PRIMARY KEY COLLATE NOCASE,
        status TEXT NOT NULL,
        expiry_date TEXT,
        parent_id_tag TEXT,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE cloud_profiles (
        id INTEGER PRIMARY KEY,
        connector_number INTEGER NOT NULL,
        purpose TEXT NOT NULL,
        stack_level INTEGER NOT NULL,
        transaction_id INTEGER,
        profile TEXT NOT NULL,
        received_at INTEGER NOT NULL
      );
      CREATE TABLE upstream_attempts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at INTEGER NOT NULL,
        outcome TEXT NOT NULL,          -- connected | failed
        phase TEXT,                     -- dns | tcp | tls | upgrade | subprotocol | boot | connected
        error TEXT,
        dns_ms REAL, tcp_ms REAL, tls_ms REAL, upgrade_ms REAL, boot_ms REAL,
        remote_address TEXT
      );
    `,
  },
  {
    version: 3,
    name: 'exactly-once journal, reservations',
    sql: `
      -- A charger re-sends a transaction message we committed but never answered (we died in
      -- between). content_key identifies such a retry of a MeterValues (charger, transaction,
      -- timestamps, values) in O(1) through the unique index; NULL for other messages.
      ALTER TABLE transaction_messages ADD COLUMN content_key TEXT;
      CREATE UNIQUE INDEX transaction_messages_content ON transaction_messages (content_key) WHERE content_key IS NOT NULL;
      -- 0: kept locally for audit only, never sent to the cloud (e.g. a conflicting second Stop).
      ALTER TABLE transaction_messages ADD COLUMN forwarded INTEGER NOT NULL DEFAULT 1;
      -- Reservations the cloud made through the site, kept until they expire, are cancelled or used.
      CREATE TABLE reservations (
        reservation_id INTEGER PRIMARY KEY,
        connector_number INTEGER NOT NULL,
        charger_id TEXT NOT NULL,
        connector_id INTEGER NOT NULL,
        id_tag TEXT NOT NULL,
        parent_id_tag TEXT,
        expiry_date TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'TxProfiles bound to local transaction ids',
    sql: `
      -- cloud_profiles.transaction_id of a TxProfile now holds the site's local transaction
      -- id (a RemoteStart's profile has no cloud id yet). Convert what earlier versions
      -- stored (the cloud's id); one without a known local transaction becomes NULL, which
      -- the daemon treats as a RemoteStart profile whose window passed and deletes.
      UPDATE cloud_profiles SET transaction_id =
        (SELECT c.transaction_id FROM cloud_transactions c WHERE c.cloud_transaction_id = cloud_profiles.transaction_id ORDER BY c.transaction_id DESC LIMIT 1)
      WHERE purpose = 'TxProfile' AND transaction_id IS NOT NULL;
    `,
  },
  {
    version: 5,
    name: 'OCPP 2.0.1 transactions: the charger\'s transaction id and its events',
    sql: `
      -- A 2.0.1 charger names its transactions with strings; the site keeps its own integer id
      -- (what the cloud and the rest of the daemon see) and the charger's string beside it.
      ALTER TABLE transactions ADD COLUMN charger_tx_id TEXT;
      CREATE UNIQUE INDEX transactions_charger_tx ON transactions (charger_id, charger_tx_id) WHERE charger_tx_id IS NOT NULL;
      -- Every TransactionEvent as the charger sent it (what 1.6 cannot carry stays here), and
      -- how a re-sent one is recognised: same charger, transaction and seqNo. applied = 0: a
      -- repeat of a seqNo with other content, kept for audit and not applied to the model.
      CREATE TABLE charger_tx_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        charger_id TEXT NOT NULL,
        charger_tx_id TEXT NOT NULL,
        seq_no INTEGER NOT NULL,
        event_type TEXT NOT NULL,
        transaction_id INTEGER REFERENCES transactions(id),
        content_key TEXT NOT NULL,
        payload TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        applied INTEGER NOT NULL DEFAULT 1
      );
      CREATE INDEX charger_tx_events_seq ON charger_tx_events (charger_id, charger_tx_id, seq_no);
    `,
  },
  {
    version: 6,
    name: 're-sent MeterValues found among the newest rows of their transaction',
    sql: `
      -- A unique index over every content key of the journal cost ~30 % of the peak message
      -- rate; the re-send check now reads the newest rows of the transaction (existing index).
      DROP INDEX transaction_messages_content;
    `,
  },
  {
    version: 7,
    name: 'upstream OCPP 2.0.1: offline flag and stable seqNo groups in the outbox, per-transaction seqNo state',
    sql: `
      -- Whether the cloud link was down when the message was stored (2.0.1 "offline": true).
      ALTER TABLE outbox ADD COLUMN offline INTEGER NOT NULL DEFAULT 0;
      -- The seqNo of the TransactionEvent a row starts, fixed before the first send, and the
      -- last outbox row of its transaction that event carries: after a crash the same rows go
      -- again as the same event (a duplicate, never a repeat with other content). Only the
      -- first row of a group is written (one UPDATE per event, not one per merged row).
      ALTER TABLE outbox ADD COLUMN seq_no INTEGER;
      ALTER TABLE outbox ADD COLUMN group_last INTEGER;
      -- A 2.0.1 cloud's view of each local transaction: the next seqNo, whether Started was
      -- delivered, and the RequestStartTransaction it answered.
      CREATE TABLE cloud201_transactions (
        transaction_id INTEGER PRIMARY KEY REFERENCES transactions(id),
        next_seq_no INTEGER NOT NULL,
        started INTEGER NOT NULL DEFAULT 0,
        synthesized INTEGER NOT NULL DEFAULT 0,
        remote_start_id INTEGER,
        remote_id_token TEXT, -- JSON: the cloud's IdToken of that RequestStartTransaction
        id_token_status TEXT
      );
    `,
  },
  {
    version: 8,
    name: 'charger compatibility probe reports (probe charger)',
    sql: `
      -- The latest report of \`site-controller probe charger ID\` per charger: which profile forms it
      -- accepts. The balancer's ladder starts from it; \`status\` shows its summary.
      CREATE TABLE charger_probes (
        charger_id TEXT PRIMARY KEY,
        probed_at INTEGER NOT NULL,
        report TEXT NOT NULL
      );
    `,
  },
  {
    version: 9,
    name: 'phase switching history per session',
    sql: `
      -- How often a session was switched between 3 phases and 1, and when last: the limits
      -- (balancer.phaseSwitchMaxPerSession, phaseSwitchMinIntervalS) protect contactors and cars,
      -- and must hold across a restart of the daemon, not start again with each one. A row
      -- exists only for a session that was switched; it goes when the session ends.
      CREATE TABLE phase_switches (
        transaction_id INTEGER PRIMARY KEY REFERENCES transactions(id),
        phases INTEGER NOT NULL,
        last_switch_at INTEGER NOT NULL,
        switches INTEGER NOT NULL
      );
    `,
  },
];
