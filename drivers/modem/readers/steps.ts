// Runs the commands of one reading so that a failing command costs only its own
// field: the failure becomes a line in `errors` and the reading goes on. When
// the port is gone or the modem has stopped answering, the rest of the reading
// is skipped instead of piling up one identical error (and one timeout) per command.
import { AtCmeError, AtCommandError, AtError, AtPortClosedError, AtTimeoutError } from '../errors.js';
import type { AtClient } from '../types.js';

/** Two silent commands in a row: the modem is hung, not just slow on one command. */
const MAX_CONSECUTIVE_TIMEOUTS = 2;

const SKIPPED = new Error('skipped: the reading was abandoned earlier');

export class ReadingSteps {
  private readonly recorded: string[] = [];
  /** Why the rest of the reading was skipped, said once, after the errors that led to it. */
  private abandonNote?: string;
  private abandoned = false;
  private consecutiveTimeouts = 0;
  constructor(readonly at: AtClient) {}

  /** The parsed answer, or undefined with the failure recorded. */
  async required<T>(command: string, parse: (lines: string[]) => T): Promise<T | undefined> {
    try {
      return parse(await this.send(command));
    } catch (err) {
      this.record(command, err);
      return undefined;
    }
  }

  /**
   * For commands a modem may simply not implement (AT+CESQ on a 2G module,
   * AT+C5GREG? on LTE-only ones): ERROR / CME 3-4 mean "not here" and are not
   * recorded; timeouts, lost ports and unparsable answers still are.
   */
  async optional<T>(command: string, parse: (lines: string[]) => T): Promise<T | undefined> {
    try {
      return parse(await this.send(command));
    } catch (err) {
      if (!isUnsupported(err)) this.record(command, err);
      return undefined;
    }
  }

  /** The raw outcome, for commands whose error is itself an answer (AT+CPIN? → CME 10). */
  async attempt(command: string): Promise<{ lines: string[] } | { error: unknown }> {
    try {
      return { lines: await this.send(command) };
    } catch (error) {
      return { error };
    }
  }

  record(command: string, err: unknown): void {
    if (err !== SKIPPED) this.recorded.push(describe(command, err));
  }

  get errors(): string[] {
    return this.abandonNote ? [...this.recorded, this.abandonNote] : [...this.recorded];
  }

  private async send(command: string): Promise<string[]> {
    if (this.abandoned) throw SKIPPED;
    try {
      const lines = await this.at.send(command);
      this.consecutiveTimeouts = 0;
      return lines;
    } catch (err) {
      if (err instanceof AtTimeoutError) this.consecutiveTimeouts++;
      else if (err instanceof AtError) this.consecutiveTimeouts = 0;
      if (err instanceof AtPortClosedError) this.abandoned = true;
      if (this.consecutiveTimeouts >= MAX_CONSECUTIVE_TIMEOUTS) {
        this.abandoned = true;
        this.abandonNote = `modem stopped answering (${MAX_CONSECUTIVE_TIMEOUTS} commands in a row); the rest of this reading was skipped`;
      }
      throw err;
    }
  }
}

export function isUnsupported(err: unknown): boolean {
  return err instanceof AtCommandError || (err instanceof AtCmeError && (err.code === 3 || err.code === 4));
}

/** Engine errors already name the command; parser errors get it prefixed. */
export function describe(command: string, err: unknown): string {
  if (err instanceof AtError) return err.message;
  return `${command}: ${err instanceof Error ? err.message : String(err)}`;
}
