// HTTP for the web page's tests: one request with any headers (node:http, so Host and
// Origin can be set as a hostile page would), and a Server-Sent Events reader that
// awaits frames with a bound.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { within } from './until.js';
import { apply, type Op } from '../../daemon/web/diff.js';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
}

export function req(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer; ca?: string } = {}): Promise<Answer> {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return within(
    new Promise<Answer>((resolve, reject) => {
      const r = send(u, { method: opts.method ?? 'GET', headers: opts.headers, ca: opts.ca }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: any;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      });
      r.on('error', reject);
      r.end(opts.body);
    }),
    `${opts.method ?? 'GET'} ${url}`,
  );
}

/** An open SSE stream: the status after every frame (a whole `status`, or the last one with a `patch` applied); `next` awaits the first one after index `from`. */
export interface Sse {
  status: number;
  frames: any[];
  next(match?: (s: any) => boolean, from?: number, label?: string): Promise<any>;
  close(): void;
  req: ClientRequest;
  res: IncomingMessage;
}

export function sse(url: string, headers: Record<string, string> = {}, opts: { read?: boolean } = {}): Promise<Sse> {
  return within(
    new Promise<Sse>((resolve, reject) => {
      const r = httpRequest(new URL(url), { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        const frames: any[] = [];
        const waiters: Array<() => void> = [];
        let buf = '';
        if (opts.read === false) res.pause();
        res.on('data', (c: Buffer) => {
          buf += c.toString('utf8');
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
            const whole = /^event: status$/m.test(block);
            if ((whole || /^event: patch$/m.test(block)) && data) {
              const parsed = JSON.parse(data);
              frames.push(whole ? parsed : apply(structuredClone(frames[frames.length - 1]), parsed as Op[]));
              for (const w of waiters.splice(0)) w();
            }
          }
        });
        res.on('error', () => {});
        resolve({
          status: res.statusCode ?? 0,
          frames,
          req: r,
          res,
          next(match = () => true, from = 0, label = 'an SSE status frame') {
            return within(
              new Promise<any>((done) => {
                const check = () => {
                  for (let k = from; k < frames.length; k++) if (match(frames[k])) return done(frames[k]);
                  waiters.push(check);
                };
                check();
              }),
              label,
            );
          },
          close() {
            r.destroy();
          },
        });
      });
      r.on('error', reject);
      r.end();
    }),
    `SSE ${url}`,
  );
}
