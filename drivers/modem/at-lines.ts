// Pure rules for reading the modem's byte stream: where lines end, which line
// ends a command, and which lines belong to the command's answer versus being
// unsolicited result codes (URCs) that just happened to arrive meanwhile.
//
// THE ANSWER RULE (tested in test/unit/modem-at-lines.test.ts):
//   1. A line equal to the command itself is its echo and is dropped.
//   2. OK / ERROR / +CME ERROR: / +CMS ERROR: end the command (NO CARRIER, BUSY,
//      NO ANSWER, NO DIALTONE too, but only for ATD/ATA).
//   3. An extended command `AT+NAME...` (or `AT$NAME`, `AT^NAME`) owns only lines
//      that start with its own prefix `+NAME:` — everything else is a URC.
//   4. Commands whose answer is bare text (ATI, AT+CGSN, AT+CGMI, AT+CGMM, AT+CGMR,
//      AT+CIMI, AT+GSN, AT+GMI, AT+GMM, AT+GMR) also own lines that do not start
//      with '+' or a known bare URC word; lines starting with '+' are still URCs,
//      except the few extra prefixes such a command is known to print (+GCAP: in ATI).
//   5. With no command pending, every line is a URC.
// Limitation: a URC with the command's own prefix (a `+CEREG: 1` URC during
// AT+CEREG?) cannot be told apart by the line alone; parsers skip URC-shaped
// lines where the forms differ (see parseRegistration).

export type FinalResult =
  | { kind: 'ok' }
  | { kind: 'error' }
  | { kind: 'cme'; detail: string }
  | { kind: 'cms'; detail: string }
  | { kind: 'dial'; text: string };

/** Splits a byte stream into lines; CR, LF and CRLF all end a line, empty lines vanish. */
export class LineSplitter {
  private tail = '';
  push(chunk: string): string[] {
    const parts = (this.tail + chunk).split(/\r\n|\r|\n/);
    this.tail = parts.pop() ?? '';
    return parts.map((l) => l.trim()).filter((l) => l !== '');
  }
  reset(): void {
    this.tail = '';
  }
}

/** The final result code `line` is, for `command`; undefined for any other line. */
export function finalResult(line: string, command = ''): FinalResult | undefined {
  if (line === 'OK') return { kind: 'ok' };
  if (line === 'ERROR') return { kind: 'error' };
  const cme = /^\+CME ERROR:\s*(.*)$/.exec(line);
  if (cme) return { kind: 'cme', detail: cme[1]!.trim() };
  const cms = /^\+CMS ERROR:\s*(.*)$/.exec(line);
  if (cms) return { kind: 'cms', detail: cms[1]!.trim() };
  // Call-progress words end only dial/answer commands; elsewhere they are URCs.
  if (/^AT[DA]/i.test(command.trim()) && /^(NO CARRIER|BUSY|NO ANSWER|NO DIALTONE)$/.test(line)) {
    return { kind: 'dial', text: line };
  }
  return undefined;
}

/** `AT+CSQ` → `+CSQ:`, `AT+QENG="servingcell"` → `+QENG:`, `ATI` → undefined. */
export function responsePrefix(command: string): string | undefined {
  const m = /^AT([+$^][A-Z0-9_]+)/i.exec(command.trim());
  return m ? `${m[1]!.toUpperCase()}:` : undefined;
}

const BARE_ANSWER_COMMANDS = /^AT(I\d*|\+CGSN|\+CGMI|\+CGMM|\+CGMR|\+CIMI|\+GSN|\+GMI|\+GMM|\+GMR)$/i;

/** Extra prefixed lines that bare-answer commands are known to print. */
const BARE_EXTRA_PREFIXES: ReadonlyArray<[RegExp, string]> = [[/^ATI\d*$/i, '+GCAP:']];

/** Bare-text URCs that must never be taken for a bare answer. */
const BARE_URC = /^(RING|RDY|SMS DONE|SMS Ready|Call Ready|PB DONE|NO CARRIER|POWERED DOWN|NORMAL POWER DOWN)\b/i;

export function hasBareAnswer(command: string): boolean {
  return BARE_ANSWER_COMMANDS.test(command.trim());
}

export type LineClass = 'echo' | 'final' | 'answer' | 'urc';

/** Classifies one received line while `command` (or nothing) is pending. */
export function classifyLine(line: string, command: string | undefined): LineClass {
  if (command === undefined) return 'urc';
  const cmd = command.trim();
  if (line.toUpperCase() === cmd.toUpperCase()) return 'echo';
  if (finalResult(line, cmd)) return 'final';
  const prefix = responsePrefix(cmd);
  if (prefix && startsWithPrefix(line, prefix)) return 'answer';
  if (hasBareAnswer(cmd)) {
    for (const [re, extra] of BARE_EXTRA_PREFIXES) if (re.test(cmd) && startsWithPrefix(line, extra)) return 'answer';
    if (!line.startsWith('+') && !BARE_URC.test(line)) return 'answer';
  }
  return 'urc';
}

/** Case-insensitive prefix match; some firmwares omit the space after the colon. */
function startsWithPrefix(line: string, prefix: string): boolean {
  return line.slice(0, prefix.length).toUpperCase() === prefix;
}
