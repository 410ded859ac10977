// A scripted modem on the far end of a pty pair: it reads AT commands, echoes
// them until ATE0 (as real modems do after power-up), and answers from a table.
import { EventEmitter, once } from 'node:events';
import { SerialPort } from 'serialport';

/**
 * Lines to send, the final result included ('OK', 'ERROR', '+CME ERROR: 10');
 * lines that are not part of the answer (URCs) can sit anywhere in between.
 * 'silent' never answers.
 */
export type SimAnswer = string[] | 'silent' | ((command: string) => string[] | 'silent');

export class ModemSim extends EventEmitter {
  /** Every command received, in order, as sent (without CR). */
  readonly received: string[] = [];
  echo = true;
  private buffer = '';

  private constructor(
    private readonly port: SerialPort,
    private readonly answers: Map<string, SimAnswer>,
  ) {
    super();
    port.on('data', (chunk: Buffer) => this.onData(chunk.toString('latin1')));
    // The pty vanishing under the sim is part of some tests; nothing to do then.
    port.on('error', () => {});
  }

  static async open(path: string, answers: Record<string, SimAnswer>): Promise<ModemSim> {
    const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    const table = new Map(Object.entries(answers).map(([k, v]) => [k.toUpperCase(), v]));
    return new ModemSim(port, table);
  }

  setAnswer(command: string, answer: SimAnswer): void {
    this.answers.set(command.toUpperCase(), answer);
  }

  /** Resolves with the next received command equal to `command` (any command if omitted). */
  async nextCommand(command?: string): Promise<string> {
    for (;;) {
      const [got] = (await once(this, 'command')) as [string];
      if (command === undefined || got.toUpperCase() === command.toUpperCase()) return got;
    }
  }

  /** An unsolicited line, framed like a real one. */
  sendUrc(line: string): void {
    this.port.write(`\r\n${line}\r\n`);
  }

  async close(): Promise<void> {
    if (!this.port.isOpen) return;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }

  private onData(data: string): void {
    this.buffer += data;
    let cr: number;
    while ((cr = this.buffer.indexOf('\r')) >= 0) {
      const command = this.buffer.slice(0, cr).replace(/\n/g, '').trim();
      this.buffer = this.buffer.slice(cr + 1);
      if (command !== '') this.handle(command);
    }
  }

  private handle(command: string): void {
    this.received.push(command);
    if (this.echo) this.port.write(`${command}\r`);
    const lines = this.answerFor(command);
    if (lines !== 'silent') this.port.write(lines.map((l) => `\r\n${l}\r\n`).join(''));
    this.emit('command', command);
  }

  private answerFor(command: string): string[] | 'silent' {
    const scripted = this.answers.get(command.toUpperCase());
    if (scripted !== undefined) return typeof scripted === 'function' ? scripted(command) : scripted;
    const upper = command.toUpperCase();
    if (upper === 'ATE0' || upper === 'ATE1') {
      this.echo = upper === 'ATE1';
      return ['OK'];
    }
    if (upper === 'AT' || upper === 'AT+CMEE=1') return ['OK'];
    return ['ERROR'];
  }
}
