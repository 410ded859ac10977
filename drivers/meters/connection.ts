// Opening one modbus-serial client for a TCP endpoint or a serial line. The bus
// (bus.ts) owns when to open and close; this file only knows how.
import modbusSerial from 'modbus-serial';
import { classifyConnectionError, MeterConfigError } from './errors.js';
import type { DriverLogger } from './types.js';

// modbus-serial's typings describe `default` as the class; at runtime the module
// sets `module.exports.default = module.exports`, so this works under NodeNext.
const ModbusRTU = modbusSerial.default;
export type ModbusClient = InstanceType<typeof ModbusRTU>;

export interface TcpEndpoint { transport: 'tcp'; host: string; port: number }
export interface RtuEndpoint {
  transport: 'rtu';
  device: string;
  baudRate: number;
  parity: 'none' | 'even' | 'odd';
  dataBits: 7 | 8;
  stopBits: 1 | 2;
}
export type BusEndpoint = TcpEndpoint | RtuEndpoint;

/** Identifies a physical bus: requests to devices behind it must take turns. */
export function busKey(ep: BusEndpoint): string {
  return ep.transport === 'tcp' ? `tcp:${ep.host}:${ep.port}` : `rtu:${ep.device}`;
}

export function busLabel(ep: BusEndpoint): string {
  return ep.transport === 'tcp' ? `Modbus TCP ${ep.host}:${ep.port}` : `Modbus RTU ${ep.device} (${ep.baudRate} ${ep.dataBits}${ep.parity[0]!.toUpperCase()}${ep.stopBits})`;
}

// The internals of modbus-serial's RTUBufferedPort we rely on (it has no typings).
interface RtuBufferedPort {
  _buffer: Buffer;
  write(data: Buffer): void;
  on(event: 'error', listener: (err: Error) => void): unknown;
}
type RtuBufferedPortClass = new (path: string, options: object) => RtuBufferedPort;

function makeRtuPort(ep: RtuEndpoint, log: DriverLogger, label: string): RtuBufferedPort {
  const Port = (modbusSerial as unknown as { RTUBufferedPort?: RtuBufferedPortClass }).RTUBufferedPort;
  if (!Port) throw new MeterConfigError('Modbus RTU needs the serialport package, which is not installed');
  // RTUBufferedPort reassembles frames split across serial reads (plain connectRTU does not).
  const port = new Port(ep.device, { baudRate: ep.baudRate, parity: ep.parity, dataBits: ep.dataBits, stopBits: ep.stopBits });
  // RTU has no transaction ids: bytes still buffered when we send a request (a late
  // reply to a timed-out request, line noise) cannot be this request's answer, and
  // would otherwise be taken for it. Drop them before each request.
  const write = port.write.bind(port);
  port.write = (data: Buffer) => {
    port._buffer = Buffer.alloc(0);
    write(data);
  };
  // Serial errors before/after the client is attached must not crash the process.
  port.on('error', (err) => log.debug('modbus serial port error', { bus: label, error: err.message }));
  return port;
}

/**
 * Opens a client, or rejects with a ModbusConnectionError. The connect attempt
 * is bounded by `connectTimeoutMs` (a TCP connect to a dead host otherwise waits
 * for the OS, minutes); on timeout the half-open client is destroyed.
 */
export async function openClient(ep: BusEndpoint, connectTimeoutMs: number, log: DriverLogger, signal?: AbortSignal): Promise<ModbusClient> {
  const label = busLabel(ep);
  let client: ModbusClient;
  let opening: Promise<void>;
  try {
    if (ep.transport === 'tcp') {
      client = new ModbusRTU();
      // No client timeout before connecting: connectTCP would turn it into a socket idle timeout.
      opening = client.connectTCP(ep.host, { port: ep.port });
    } else {
      client = new ModbusRTU(makeRtuPort(ep, log, label));
      const c = client;
      opening = new Promise<void>((resolve, reject) => c.open((err: unknown) => (err ? reject(err) : resolve())));
    }
  } catch (err) {
    throw classifyConnectionError(err, label);
  }
  // Until the bus attaches its own listeners, a client error must not be unhandled.
  client.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const interrupted = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no connection within ${connectTimeoutMs} ms (ETIMEDOUT)`)), connectTimeoutMs);
    // The bus was closed while connecting: give up now rather than leave a timer behind.
    onAbort = () => reject(new Error('closed while connecting'));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([opening, interrupted]);
    return client;
  } catch (err) {
    opening.catch(() => undefined);
    await closeClient(client);
    throw classifyConnectionError(err, label);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

/** Closes a client whatever state it is in; never rejects. */
export function closeClient(client: ModbusClient): Promise<void> {
  return new Promise<void>((resolve) => {
    try {
      const port = (client as unknown as { _port?: { destroy?: unknown } })._port;
      // TcpPort has destroy() (no graceful FIN wait); RTUBufferedPort only close().
      if (port && typeof port.destroy === 'function') client.destroy(() => resolve());
      else if (port) client.close(() => resolve());
      else resolve();
    } catch {
      resolve();
    }
  });
}
