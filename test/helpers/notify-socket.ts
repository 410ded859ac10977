// A stand-in for systemd's end of NOTIFY_SOCKET: an AF_UNIX datagram socket that records each
// message. Node cannot bind one, so a few lines of python3 do (python3 is on every machine this
// project builds on). Like PID 1 it closes file descriptors passed with a message, which is what
// releases `systemd-notify` waiting on its BARRIER=1.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { createInterface } from 'node:readline';

const RECEIVER = `
import array, json, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps({"bound": sys.argv[1]}), flush=True)
while True:
    data, anc, flags, addr = s.recvmsg(65536, socket.CMSG_SPACE(64 * 4))
    for level, kind, cdata in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(cdata[: len(cdata) - len(cdata) % fds.itemsize])
            for fd in fds:
                os.close(fd)
    print(json.dumps({"msg": data.decode()}), flush=True)
`;

export interface NotifyMessage {
  /** The datagram's assignments, e.g. { READY: '1', STATUS: '...' }. */
  fields: Record<string, string>;
  at: number;
}

export class NotifyReceiver extends EventEmitter {
  readonly messages: NotifyMessage[] = [];
  private constructor(readonly path: string, private readonly proc: ChildProcess) {
    super();
  }

  static async start(path: string): Promise<NotifyReceiver> {
    const proc = spawn('python3', ['-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    const r = new NotifyReceiver(path, proc);
    const lines = createInterface({ input: proc.stdout! });
    const bound = new Promise<void>((resolve, reject) => {
      proc.once('exit', (code) => reject(new Error(`notify receiver exited with ${code} before binding ${path}`)));
      lines.on('line', (line) => {
        const m = JSON.parse(line) as { bound?: string; msg?: string };
        if (m.bound) return resolve();
        const fields: Record<string, string> = {};
        for (const kv of (m.msg ?? '').split('\n')) {
          const i = kv.indexOf('=');
          if (i > 0) fields[kv.slice(0, i)] = kv.slice(i + 1);
        }
        r.messages.push({ fields, at: Date.now() });
        r.emit('message');
      });
    });
    await withTimeout(bound, 10_000, `the notify receiver to bind ${path}`);
    return r;
  }

  /** Messages that carry `key` (e.g. WATCHDOG). */
  with(key: string): NotifyMessage[] {
    return this.messages.filter((m) => key in m.fields);
  }

  /** Resolves once `check` holds, re-checked on every message; rejects after `ms` naming `what`. */
  waitFor<T>(check: () => T | undefined | null | false, ms: number, what: string): Promise<T> {
    const p = new Promise<T>((resolve) => {
      const probe = () => {
        const v = check();
        if (!v) return;
        this.off('message', probe);
        resolve(v);
      };
      this.on('message', probe);
      probe();
    });
    return withTimeout(p, ms, what);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = once(this.proc, 'exit');
    this.proc.kill('SIGTERM');
    await exited;
  }
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
