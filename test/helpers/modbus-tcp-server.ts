// A real Modbus TCP server (modbus-serial's ServerTCP) on a free loopback port,
// serving register images per unit id (see modbus-vector.ts).
import { createServer } from 'node:net';
import { once } from 'node:events';
import { ServerTCP } from 'modbus-serial';
import type { RegisterImage } from './modbus-images.js';
import { servedImages, type ServedImages } from './modbus-vector.js';

export interface TestModbusTcpServer {
  readonly host: string;
  readonly port: number;
  readonly served: ServedImages;
  /** Closes the listener and drops connected clients. */
  stop(): Promise<void>;
  /** Listens again on the same port after stop(). */
  start(): Promise<void>;
}

export async function freeLoopbackPort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export async function startModbusTcpServer(units: Map<number, RegisterImage>): Promise<TestModbusTcpServer> {
  const host = '127.0.0.1';
  const port = await freeLoopbackPort();
  const { state, vector } = servedImages(units);
  let server: ServerTCP | undefined;
  const handle: TestModbusTcpServer = {
    host,
    port,
    served: state,
    async start() {
      // unitID 255: accept every unit id and let the vector decide who answers.
      const s = new ServerTCP(vector, { host, port, unitID: 255 });
      s.on('socketError', () => undefined);
      await new Promise<void>((resolve, reject) => {
        s.on('initialized', () => resolve());
        s.on('serverError', (err) => reject(err));
      });
      server = s;
    },
    async stop() {
      const s = server;
      server = undefined;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
  await handle.start();
  return handle;
}
