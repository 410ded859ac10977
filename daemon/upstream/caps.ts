// The cloud's limits as caps for the balancer (site cap per phase, per-connector
// caps), and the site's answers that are computed from them: GetCompositeSchedule
// and triggered MeterValues. Emits 'change' when the cloud changes its profiles.
import { EventEmitter } from 'node:events';
import type { Config } from '../config/types.js';
import type { ChargerRegistry } from '../local/registry.js';
import type { GetCompositeScheduleResponse, SampledValue } from '../ocpp/v16/types.js';
import type { CloudProfiles } from './cloud-profiles.js';
import type { ConnectorMap } from './connector-map.js';

export interface CapsDeps {
  profiles: CloudProfiles;
  connectors: ConnectorMap;
  registry: ChargerRegistry;
  config: Config;
  now: () => number;
  /** The local transaction running on a charger connector (also while the charger is offline or has not said so since a restart). */
  runningTransaction: (chargerId: string, connectorId: number) => number | undefined;
  /** The balancer's current limit for a connector, when a balancer runs. */
  balancerLimitA?: (chargerId: string, connectorId: number) => number | undefined;
}

export class CloudCaps extends EventEmitter {
  constructor(private readonly d: CapsDeps) {
    super();
  }

  set balancerLimitA(fn: CapsDeps['balancerLimitA']) {
    this.d.balancerLimitA = fn;
  }

  private phasesOf(chargerId: string): number {
    return this.d.config.chargers.find((c) => c.id === chargerId)?.phases ?? 3;
  }

  /** ChargePointMaxProfile on connector 0, as A per phase; undefined when the cloud set none. */
  siteCapA(now = this.d.now()): number | undefined {
    const v = this.d.config.site.grid.nominalVoltageV;
    return this.d.profiles.limit(0, 'ChargePointMaxProfile', { voltsTimesPhases: v * 3, now }) ?? undefined;
  }

  /** The cloud's cap on one charger connector: its running transaction's TxProfile, else TxDefaultProfile on it, else on connector 0. */
  connectorCapA(chargerId: string, connectorId: number, now = this.d.now()): number | undefined {
    const k = this.d.connectors.numberOf(chargerId, connectorId);
    if (k === undefined) return undefined;
    const vp = this.d.config.site.grid.nominalVoltageV * this.phasesOf(chargerId);
    const localTx = this.d.runningTransaction(chargerId, connectorId);
    if (localTx !== undefined) {
      const tx = this.d.profiles.limit(k, 'TxProfile', { voltsTimesPhases: vp, now, localTransactionId: localTx });
      if (tx !== null) return tx;
    }
    return this.d.profiles.limit(k, 'TxDefaultProfile', { voltsTimesPhases: vp, now }) ?? this.d.profiles.limit(0, 'TxDefaultProfile', { voltsTimesPhases: vp, now }) ?? undefined;
  }

  /** What the cloud allows one charger connector (A per phase): its maximum, the cloud's connector cap and the site cap. */
  allowedA(chargerId: string, connectorId: number, now = this.d.now()): number {
    const max = this.d.config.chargers.find((c) => c.id === chargerId)?.maxCurrentA ?? this.d.config.site.grid.maxCurrentA;
    return Math.min(max, this.connectorCapA(chargerId, connectorId, now) ?? Infinity, this.siteCapA(now) ?? Infinity);
  }

  /** The balancer's limit for a connector now, when a balancer runs. */
  balancerA(chargerId: string, connectorId: number): number | undefined {
    return this.d.balancerLimitA?.(chargerId, connectorId);
  }

  compositeSchedule(k: number, durationS: number, unit: 'A' | 'W' = 'A'): GetCompositeScheduleResponse {
    const now = this.d.now();
    const grid = this.d.config.site.grid;
    let limitA: number;
    let phases = 3;
    if (k === 0) {
      limitA = Math.min(this.siteCapA(now) ?? Infinity, grid.maxCurrentA - grid.safetyMarginA);
    } else {
      const a = this.d.connectors.resolve(k);
      if (!a) return { status: 'Rejected' };
      phases = this.phasesOf(a.chargerId);
      const max = this.d.config.chargers.find((c) => c.id === a.chargerId)?.maxCurrentA ?? grid.maxCurrentA;
      limitA = Math.min(max, this.connectorCapA(a.chargerId, a.connectorId, now) ?? Infinity, this.siteCapA(now) ?? Infinity,
        this.d.balancerLimitA?.(a.chargerId, a.connectorId) ?? Infinity);
    }
    const limit = unit === 'W' ? Math.round(limitA * grid.nominalVoltageV * phases) : Math.floor(limitA * 10) / 10;
    return {
      status: 'Accepted', connectorId: k, scheduleStart: new Date(now).toISOString(),
      chargingSchedule: { duration: durationS, chargingRateUnit: unit, chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
    };
  }

  /** TriggerMessage MeterValues: the latest live values of one cloud connector (or all). */
  sendMeterValues(k: number | undefined, send: (action: string, payload: unknown) => void): void {
    const targets = k ? [this.d.connectors.resolve(k)].filter((a) => a !== undefined) : this.d.connectors.all();
    for (const a of targets) {
      const live = this.d.registry.get(a!.chargerId)?.connectors.get(a!.connectorId)?.live;
      const sampledValue: SampledValue[] = [];
      if (live?.energyWh != null) sampledValue.push({ value: String(live.energyWh), measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Trigger' });
      if (live?.powerW != null) sampledValue.push({ value: String(live.powerW), measurand: 'Power.Active.Import', unit: 'W', context: 'Trigger' });
      live?.currentA.forEach((c, i) => {
        if (c !== null) sampledValue.push({ value: String(c), measurand: 'Current.Import', phase: (['L1', 'L2', 'L3'] as const)[i], unit: 'A', context: 'Trigger' });
      });
      if (sampledValue.length === 0) continue;
      send('MeterValues', { connectorId: a!.number, meterValue: [{ timestamp: new Date(live!.ts || this.d.now()).toISOString(), sampledValue }] });
    }
  }
}
