// The transport's own limit: a bare `ws` server that answers every CALL with an
// empty CALLRESULT, no validation, no storage. Run as a child by the benchmark.
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2] ?? 0);
const wss = new WebSocketServer({ port, host: '127.0.0.1', handleProtocols: (p) => (p.has('ocpp1.6') ? 'ocpp1.6' : false) });
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if (frame[0] === 2) ws.send(JSON.stringify([3, frame[1], {}]));
  });
});
wss.on('listening', () => process.stdout.write(`ready ${(wss.address() as { port: number }).port}\n`));
process.on('SIGTERM', () => wss.close(() => process.exit(0)));
