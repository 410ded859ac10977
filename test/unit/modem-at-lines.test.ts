// The answer rule of drivers/modem/at-lines.ts, line by line.
import test from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter, classifyLine, finalResult, hasBareAnswer, responsePrefix } from '../../drivers/modem/at-lines.js';

test('responsePrefix: extended commands own their +NAME: lines; basic ones have none', () => {
  const table: Array<[string, string | undefined]> = [
    ['AT+CSQ', '+CSQ:'],
    ['AT+CEREG?', '+CEREG:'],
    ['AT+QENG="servingcell"', '+QENG:'],
    ['at+cops?', '+COPS:'],
    ['AT+CGPADDR=1', '+CGPADDR:'],
    ['AT$QCRMCALL=1,1', '$QCRMCALL:'],
    ['AT^SYSINFO', '^SYSINFO:'],
    ['ATI', undefined],
    ['ATE0', undefined],
  ];
  for (const [command, prefix] of table) assert.equal(responsePrefix(command), prefix, command);
});

test('finalResult: OK, ERROR, CME and CMS end a command; call-progress words only end ATD/ATA', () => {
  assert.deepEqual(finalResult('OK'), { kind: 'ok' });
  assert.deepEqual(finalResult('ERROR'), { kind: 'error' });
  assert.deepEqual(finalResult('+CME ERROR: 10'), { kind: 'cme', detail: '10' });
  assert.deepEqual(finalResult('+CME ERROR: SIM not inserted'), { kind: 'cme', detail: 'SIM not inserted' });
  assert.deepEqual(finalResult('+CMS ERROR: 500'), { kind: 'cms', detail: '500' });
  assert.deepEqual(finalResult('NO CARRIER', 'ATD*99#'), { kind: 'dial', text: 'NO CARRIER' });
  assert.equal(finalResult('NO CARRIER', 'AT+CSQ'), undefined);
  assert.equal(finalResult('OKAY'), undefined);
  assert.equal(finalResult('+CSQ: 20,99'), undefined);
});

test('classifyLine: the explicit answer rule', () => {
  const table: Array<[line: string, command: string | undefined, expected: string]> = [
    // 1. echo
    ['AT+CSQ', 'AT+CSQ', 'echo'],
    ['at+csq', 'AT+CSQ', 'echo'],
    // 2. finals
    ['OK', 'AT+CSQ', 'final'],
    ['+CME ERROR: 3', 'AT+CSQ', 'final'],
    // 3. prefixed commands own only their prefix
    ['+CSQ: 20,99', 'AT+CSQ', 'answer'],
    ['+CSQ:20,99', 'AT+CSQ', 'answer'],
    ['+CEREG: 1', 'AT+CSQ', 'urc'],
    ['+QIURC: "recv",0,4', 'AT+QENG="servingcell"', 'urc'],
    ['+QENG: "servingcell","NOCONN"', 'AT+QENG="servingcell"', 'answer'],
    ['RING', 'AT+CSQ', 'urc'],
    ['some text', 'AT+CSQ', 'urc'],
    ['+CEREG: 5', 'ATE0', 'urc'],
    // 4. bare-answer commands own bare lines, not '+' lines nor bare URC words
    ['867698041234567', 'AT+CGSN', 'answer'],
    ['+CGSN: "867698041234567"', 'AT+CGSN', 'answer'],
    ['+CEREG: 1', 'AT+CGSN', 'urc'],
    ['RING', 'AT+CGSN', 'urc'],
    ['Quectel', 'ATI', 'answer'],
    ['Revision: EG25GGBR07A08M2G', 'ATI', 'answer'],
    ['+GCAP: +CGSM', 'ATI', 'answer'],
    ['+CREG: 2', 'ATI', 'urc'],
    ['SIMCOM INCORPORATED', 'AT+CGMI', 'answer'],
    // 5. nothing pending
    ['+CSQ: 20,99', undefined, 'urc'],
    ['OK', undefined, 'urc'],
  ];
  for (const [line, command, expected] of table) {
    assert.equal(classifyLine(line, command), expected, `${JSON.stringify(line)} during ${command}`);
  }
});

test('hasBareAnswer lists the identity commands only', () => {
  for (const c of ['ATI', 'ATI0', 'AT+CGSN', 'AT+CGMI', 'AT+CGMM', 'AT+CGMR', 'AT+CIMI', 'AT+GSN']) assert.ok(hasBareAnswer(c), c);
  for (const c of ['AT+CSQ', 'AT+CGSN=1', 'ATE0', 'AT+CPIN?']) assert.ok(!hasBareAnswer(c), c);
});

test('LineSplitter: CR, LF and CRLF end lines, blank lines vanish, partial lines wait for the rest', () => {
  const s = new LineSplitter();
  assert.deepEqual(s.push('AT+CSQ\r\r\n+CS'), ['AT+CSQ']);
  assert.deepEqual(s.push('Q: 20,99\r\n\r\nOK'), ['+CSQ: 20,99']);
  assert.deepEqual(s.push('\r\n'), ['OK']);
  assert.deepEqual(s.push('\n\nRING\n'), ['RING']);
  s.push('half a li');
  s.reset();
  assert.deepEqual(s.push('ne\r\n'), ['ne']);
});
