// What the site knows about each charger and connector: boot identity, last seen,
// smart-charging configuration, per-connector status. Not on the durable path.
import type { Db } from './db.js';

export interface ChargerRow {
  id: string;
  vendor: string | null;
  model: string | null;
  serial_number: string | null;
  firmware_version: string | null;
  iccid: string | null;
  imsi: string | null;
  meter_type: string | null;
  meter_serial_number: string | null;
  booted_at: number | null;
  last_seen_at: number | null;
  config_json: string | null;
  firmware_status: string | null;
  diagnostics_status: string | null;
}

export interface ConnectorRow {
  charger_id: string;
  connector_id: number;
  status: string;
  error_code: string;
  info: string | null;
  vendor_id: string | null;
  vendor_error_code: string | null;
  status_at: string | null;
  updated_at: number;
}

export interface BootInfo {
  vendor: string;
  model: string;
  serialNumber?: string;
  firmwareVersion?: string;
  iccid?: string;
  imsi?: string;
  meterType?: string;
  meterSerialNumber?: string;
}

export interface StatusInput {
  connectorId: number;
  status: string;
  errorCode: string;
  info?: string;
  vendorId?: string;
  vendorErrorCode?: string;
  timestamp?: string;
}

export class ChargerRepository {
  private readonly q;
  constructor(db: Db, private readonly now: () => number = Date.now) {
    this.q = {
      ensure: db.prepare('INSERT INTO chargers (id) VALUES (?) ON CONFLICT (id) DO NOTHING'),
      boot: db.prepare(`UPDATE chargers SET vendor = @vendor, model = @model, serial_number = @serialNumber, firmware_version = @firmwareVersion,
        iccid = @iccid, imsi = @imsi, meter_type = @meterType, meter_serial_number = @meterSerialNumber, booted_at = @at, last_seen_at = @at WHERE id = @id`),
      seen: db.prepare('UPDATE chargers SET last_seen_at = ? WHERE id = ?'),
      config: db.prepare('UPDATE chargers SET config_json = ? WHERE id = ?'),
      firmware: db.prepare('UPDATE chargers SET firmware_status = ? WHERE id = ?'),
      diagnostics: db.prepare('UPDATE chargers SET diagnostics_status = ? WHERE id = ?'),
      get: db.prepare('SELECT * FROM chargers WHERE id = ?'),
      all: db.prepare('SELECT * FROM chargers ORDER BY id'),
      status: db.prepare(`INSERT INTO connectors (charger_id, connector_id, status, error_code, info, vendor_id, vendor_error_code, status_at, updated_at)
        VALUES (@chargerId, @connectorId, @status, @errorCode, @info, @vendorId, @vendorErrorCode, @timestamp, @at)
        ON CONFLICT (charger_id, connector_id) DO UPDATE SET status = excluded.status, error_code = excluded.error_code, info = excluded.info,
          vendor_id = excluded.vendor_id, vendor_error_code = excluded.vendor_error_code, status_at = excluded.status_at, updated_at = excluded.updated_at`),
      connectors: db.prepare('SELECT * FROM connectors WHERE charger_id = ? ORDER BY connector_id'),
    };
  }

  ensure(id: string): void {
    this.q.ensure.run(id);
  }

  recordBoot(id: string, info: BootInfo): void {
    this.ensure(id);
    this.q.boot.run({
      id, at: this.now(), vendor: info.vendor, model: info.model, serialNumber: info.serialNumber ?? null,
      firmwareVersion: info.firmwareVersion ?? null, iccid: info.iccid ?? null, imsi: info.imsi ?? null,
      meterType: info.meterType ?? null, meterSerialNumber: info.meterSerialNumber ?? null,
    });
  }

  touch(id: string): void {
    this.q.seen.run(this.now(), id);
  }

  setConfiguration(id: string, keys: Record<string, string>): void {
    // A charger that never booted here (reconnected after a gateway swap) has no row yet.
    this.ensure(id);
    this.q.config.run(JSON.stringify(keys), id);
  }

  setFirmwareStatus(id: string, status: string): void {
    this.q.firmware.run(status, id);
  }

  setDiagnosticsStatus(id: string, status: string): void {
    this.q.diagnostics.run(status, id);
  }

  recordStatus(id: string, s: StatusInput): void {
    this.ensure(id);
    this.q.status.run({
      chargerId: id, connectorId: s.connectorId, status: s.status, errorCode: s.errorCode, info: s.info ?? null,
      vendorId: s.vendorId ?? null, vendorErrorCode: s.vendorErrorCode ?? null, timestamp: s.timestamp ?? null, at: this.now(),
    });
  }

  get(id: string): ChargerRow | undefined {
    return this.q.get.get(id) as ChargerRow | undefined;
  }

  all(): ChargerRow[] {
    return this.q.all.all() as ChargerRow[];
  }

  connectors(id: string): ConnectorRow[] {
    return this.q.connectors.all(id) as ConnectorRow[];
  }
}
