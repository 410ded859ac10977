// One Modbus bus (a TCP gateway or an RS-485 line): requests take turns through a
// queue, every request carries a timeout, and a lost connection is re-opened in
// the background with exponential backoff (never a tight loop). Meters on the
// same bus share one ModbusBus through acquireBus().
import { EventEmitter } from 'node:events';
import { busKey, busLabel, closeClient, openClient, type BusEndpoint, type ModbusClient } from './connection.js';
import { classifyRequestError, MeterConfigError, MeterError, ModbusConnectionError, ModbusFrameError, ModbusTimeoutError } from './errors.js';
import type { DriverLogger, FunctionCode } from './types.js';

export interface BackoffOptions { initialMs: number; maxMs: number }
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 200, maxMs: 10_000 };
/** Only catches a client that never calls back; modbus-serial's own timer fires first. */
const GUARD_SLACK_MS = 100;
/** Connect timeout of background reconnects (the backoff delay bounds their rate). */
const RECONNECT_TIMEOUT_MS = 2000;
/**
 * A TCP link can die without a FIN (gateway rebooted, cellular NAT dropped). After
 * this many timeouts in a row from units that answered before, reconnect.
 */
const TCP_TIMEOUTS_BEFORE_RECONNECT = 3;

export interface ReadRequest { unitId: number; functionCode: FunctionCode; address: number; count: number; timeoutMs: number }

type State = 'idle' | 'connecting' | 'open' | 'backoff' | 'closed';

// ModbusRTU is an EventEmitter at runtime; its typings only declare on().
const emitterOf = (client: ModbusClient): EventEmitter => client as unknown as EventEmitter;

export class ModbusBus {
  readonly label: string;
  /** 'open' on every (re)connection, 'down' when it is lost; tests and status views may listen. */
  readonly events = new EventEmitter();
  private state: State = 'idle';
  private client: ModbusClient | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private nextAttemptAt = 0;
  private lastError: MeterError | undefined;
  private abortInFlight: ((err: MeterError) => void) | undefined;
  private readonly closing = new AbortController();
  private readonly answeredUnits = new Set<number>();
  private consecutiveTimeouts = 0;
  users = 0;

  constructor(readonly endpoint: BusEndpoint, private readonly log: DriverLogger, private readonly backoff: BackoffOptions = DEFAULT_BACKOFF) {
    this.label = busLabel(endpoint);
    this.delayMs = backoff.initialMs;
  }

  get connected(): boolean { return this.state === 'open'; }

  /** Reads registers; queued behind any other request on this bus. Rejects with a MeterError. */
  readRegisters(req: ReadRequest): Promise<number[]> {
    const run = this.tail.then(() => this.execute(req));
    this.tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closing.abort();
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const closed = new ModbusConnectionError(`${this.label}: closed`);
    this.abortInFlight?.(closed);
    this.events.emit('closed');
    await this.dropClient();
    this.events.removeAllListeners();
  }

  private async execute(req: ReadRequest): Promise<number[]> {
    await this.ensureOpen(req.timeoutMs);
    const client = this.client;
    if (!client) throw new ModbusConnectionError(`${this.label}: closed`);
    const ctx = { bus: this.label, transport: this.endpoint.transport, ...req, unitAnsweredBefore: this.answeredUnits.has(req.unitId) };
    try {
      const data = await this.transact(client, req);
      if (data.length !== req.count) throw new ModbusFrameError('garbage', `${this.label} unit ${req.unitId}: asked for ${req.count} registers at ${req.address}, got ${data.length}`);
      this.answeredUnits.add(req.unitId);
      this.consecutiveTimeouts = 0;
      return data;
    } catch (raw) {
      const err = classifyRequestError(raw, ctx);
      if (err instanceof ModbusConnectionError) this.connectionLost(err);
      if (err instanceof ModbusTimeoutError && this.endpoint.transport === 'tcp'
        && ++this.consecutiveTimeouts >= TCP_TIMEOUTS_BEFORE_RECONNECT) {
        this.consecutiveTimeouts = 0;
        this.connectionLost(new ModbusConnectionError(`${this.label}: ${TCP_TIMEOUTS_BEFORE_RECONNECT} requests in a row unanswered; reconnecting`));
      }
      throw err;
    }
  }

  private transact(client: ModbusClient, req: ReadRequest): Promise<number[]> {
    return new Promise<number[]>((resolve, reject) => {
      let settled = false;
      const settle = (err: unknown, data?: number[]): void => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        this.abortInFlight = undefined;
        if (err) reject(err); else resolve(data!);
      };
      const guard = setTimeout(() => settle(Object.assign(new Error('Timed out'), { errno: 'ETIMEDOUT' })), req.timeoutMs + GUARD_SLACK_MS);
      this.abortInFlight = (err) => settle(err);
      client.setID(req.unitId);
      client.setTimeout(req.timeoutMs);
      const reading = req.functionCode === 3
        ? client.readHoldingRegisters(req.address, req.count)
        : client.readInputRegisters(req.address, req.count);
      reading.then((res) => settle(undefined, res.data), (err: unknown) => settle(err));
    });
  }

  private async ensureOpen(timeoutMs: number): Promise<void> {
    if (this.state === 'closed') throw new ModbusConnectionError(`${this.label}: closed`);
    if (this.state === 'open') return;
    if (this.state === 'idle') {
      // First use: connect now so the very first read reports the exact failure.
      this.state = 'connecting';
      await this.attempt(timeoutMs, true);
      return;
    }
    await this.waitForOpen(timeoutMs);
  }

  /** Waits for the background reconnect, but no longer than one request's timeout. */
  private waitForOpen(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (err?: MeterError): void => {
        clearTimeout(timer);
        this.events.off('open', onOpen).off('connect-failed', onFail).off('closed', onFail);
        if (err) reject(err); else resolve();
      };
      const onOpen = (): void => done();
      const onFail = (): void => done(this.notConnectedError());
      const timer = setTimeout(onFail, timeoutMs);
      this.events.on('open', onOpen).on('connect-failed', onFail).on('closed', onFail);
    });
  }

  private notConnectedError(): MeterError {
    if (this.state === 'closed') return new ModbusConnectionError(`${this.label}: closed`);
    const retry = this.state === 'backoff' ? `; next attempt in ${Math.max(0, this.nextAttemptAt - Date.now())} ms` : '; reconnecting';
    return new ModbusConnectionError(`${this.lastError?.message ?? `${this.label}: not connected`}${retry}`, { cause: this.lastError });
  }

  /** One connection attempt; on failure schedules the next one. */
  private async attempt(connectTimeoutMs: number, rethrow: boolean): Promise<void> {
    try {
      const client = await openClient(this.endpoint, connectTimeoutMs, this.log, this.closing.signal);
      if (this.state === 'closed') { await closeClient(client); return; }
      this.client = client;
      emitterOf(client).removeAllListeners('error');
      client.on('error', (err: unknown) => this.connectionLost(new ModbusConnectionError(`${this.label}: ${String((err as Error)?.message ?? err)}`)));
      client.on('close', () => this.connectionLost(new ModbusConnectionError(this.endpoint.transport === 'tcp'
        ? `${this.label}: connection closed by the device or gateway`
        : `${this.label}: serial port closed (adapter unplugged?)`)));
      this.state = 'open';
      this.delayMs = this.backoff.initialMs;
      this.log.info('modbus connected', { bus: this.label });
      this.events.emit('open');
    } catch (raw) {
      if (this.state === 'closed') return;
      const err = raw instanceof MeterError ? raw : new ModbusConnectionError(`${this.label}: ${String(raw)}`);
      this.lastError = err;
      this.scheduleReconnect();
      this.events.emit('connect-failed', err);
      if (rethrow) throw err;
    }
  }

  private connectionLost(err: ModbusConnectionError): void {
    if (this.state !== 'open') return;
    this.lastError = err;
    this.log.warn('modbus connection lost', { bus: this.label, error: err.message });
    this.abortInFlight?.(err);
    void this.dropClient();
    this.scheduleReconnect();
    this.events.emit('down', err);
  }

  private scheduleReconnect(): void {
    if (this.state === 'closed') return;
    this.state = 'backoff';
    const delayMs = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.backoff.maxMs);
    this.nextAttemptAt = Date.now() + delayMs;
    this.log.debug('modbus reconnect scheduled', { bus: this.label, delayMs, error: this.lastError?.message });
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.state !== 'backoff') return;
      this.state = 'connecting';
      void this.attempt(RECONNECT_TIMEOUT_MS, false);
    }, delayMs);
  }

  private async dropClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    emitterOf(client).removeAllListeners('close');
    await closeClient(client);
  }
}

const buses = new Map<string, ModbusBus>();

function sameEndpoint(a: BusEndpoint, b: BusEndpoint): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The shared bus for an endpoint; release it with releaseBus() when done. */
export function acquireBus(endpoint: BusEndpoint, log: DriverLogger, backoff?: BackoffOptions): ModbusBus {
  const key = busKey(endpoint);
  let bus = buses.get(key);
  if (bus && !sameEndpoint(bus.endpoint, endpoint)) {
    throw new MeterConfigError(`${busLabel(endpoint)}: already open with other settings (${bus.label}); devices on one line must share them`);
  }
  if (!bus) {
    bus = new ModbusBus(endpoint, log, backoff);
    buses.set(key, bus);
  }
  bus.users++;
  return bus;
}

export async function releaseBus(bus: ModbusBus): Promise<void> {
  bus.users--;
  if (bus.users > 0) return;
  if (buses.get(busKey(bus.endpoint)) === bus) buses.delete(busKey(bus.endpoint));
  await bus.close();
}
