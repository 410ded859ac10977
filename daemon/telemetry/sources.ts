// What telemetry needs of the services it publishes: small structural
// interfaces, so a service plugs in by having state() and emitting events,
// without telemetry importing it (data flows one way: services → telemetry).
import type { MeterErrorLike, MeterSample } from './payloads.js';

type Listener = (...args: any[]) => void;

/** A service with a state to publish: the balancer, the upstream link, the meter. */
export interface StateSource {
  state(): unknown;
  on(event: 'state' | 'event', listener: Listener): unknown;
  off(event: 'state' | 'event', listener: Listener): unknown;
}

/** The health service as telemetry sees it. */
export interface HealthSource {
  results(): Record<string, unknown>;
  on(event: 'result' | 'event', listener: Listener): unknown;
  off(event: 'result' | 'event', listener: Listener): unknown;
}

export type SourceName = 'balancer' | 'upstream' | 'meter';

/** The grid meter's polling service as telemetry sees it (the balancer's MeterService). */
export interface MeterSource {
  readonly last: MeterSample | null;
  readonly stale: boolean;
  /** The last failed read (see meterPayload). */
  readonly lastError?: MeterErrorLike | null;
  on(event: 'sample' | 'stale' | 'errorChanged', listener: Listener): unknown;
  off(event: 'sample' | 'stale' | 'errorChanged', listener: Listener): unknown;
}

