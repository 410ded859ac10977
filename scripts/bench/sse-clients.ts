// A bench helper process: N pages following /api/events, in their own process so
// their reading costs the measured daemon nothing. Counts frames and bytes per page;
// on SIGTERM writes { frames, bytes } per page as JSON to the file named in argv.
import { request } from 'node:http';
import { writeFileSync } from 'node:fs';

const [url, count, out] = [process.argv[2]!, Number(process.argv[3] ?? 5), process.argv[4]!];
const pages = Array.from({ length: count }, () => ({ frames: 0, bytes: 0 }));
let open = 0;
pages.forEach((p) => {
  request(url, { headers: { accept: 'text/event-stream' } }, (res) => {
    if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
    if (++open === count) process.stdout.write('ready\n');
    let tail = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      p.bytes += Buffer.byteLength(d);
      // Count status and patch frames (not keepalives).
      const text = tail + d;
      p.frames += text.split('event: status\n').length - 1 + text.split('event: patch\n').length - 1;
      tail = text.slice(-20);
    });
  }).end();
});
process.on('SIGTERM', () => {
  writeFileSync(out, JSON.stringify(pages));
  process.exit(0);
});
