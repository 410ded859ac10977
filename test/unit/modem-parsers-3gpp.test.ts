// 3GPP TS 27.007 answer parsers, table-tested with answers in the formats the
// spec and the Quectel / SIMCom manuals print (values are our own).
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  parseCesq,
  parseCgpaddr,
  parseCops,
  parseCpin,
  parseCsq,
  parseRegistration,
  simStateFromCme,
} from '../../drivers/modem/parsers/3gpp.js';
import { detectVendor, parseAti, parseBareValue, parseImei } from '../../drivers/modem/parsers/identity.js';

test('AT+CSQ: rssi index to dBm, 99 unknown', () => {
  const table: Array<[string, ReturnType<typeof parseCsq>]> = [
    ['+CSQ: 0,0', { rssiDbm: -113, ber: 0 }],
    ['+CSQ: 17,3', { rssiDbm: -79, ber: 3 }],
    ['+CSQ: 31,99', { rssiDbm: -51, ber: undefined }],
    ['+CSQ: 99,99', { rssiDbm: undefined, ber: undefined }],
    ['+CSQ:20,99', { rssiDbm: -73, ber: undefined }],
  ];
  for (const [line, expected] of table) assert.deepEqual(parseCsq([line]), expected, line);
  assert.throws(() => parseCsq([]), /no \+CSQ: line/);
});

test('AT+CESQ: indices to dBm / dB, 99 and 255 unknown', () => {
  const table: Array<[string, ReturnType<typeof parseCesq>]> = [
    ['+CESQ: 99,99,255,255,22,41', { rxlevDbm: undefined, rscpDbm: undefined, rsrqDb: -9, rsrpDbm: -100 }],
    ['+CESQ: 99,99,255,255,0,97', { rxlevDbm: undefined, rscpDbm: undefined, rsrqDb: -20, rsrpDbm: -44 }],
    ['+CESQ: 99,99,255,255,34,1', { rxlevDbm: undefined, rscpDbm: undefined, rsrqDb: -3, rsrpDbm: -140 }],
    ['+CESQ: 99,99,255,255,255,255', { rxlevDbm: undefined, rscpDbm: undefined, rsrqDb: undefined, rsrpDbm: undefined }],
    ['+CESQ: 40,0,255,255,255,255', { rxlevDbm: -71, rscpDbm: undefined, rsrqDb: undefined, rsrpDbm: undefined }],
    ['+CESQ: 99,99,45,30,255,255', { rxlevDbm: undefined, rscpDbm: -76, rsrqDb: undefined, rsrpDbm: undefined }],
  ];
  for (const [line, expected] of table) assert.deepEqual(parseCesq([line]), expected, line);
});

test('AT+CEREG? / AT+CREG? / AT+C5GREG?: stat to registration, location and access technology', () => {
  const table: Array<[string[], '+CEREG' | '+CREG' | '+C5GREG', Record<string, unknown>]> = [
    [['+CEREG: 0,1'], '+CEREG', { registration: 'home', stat: 1 }],
    [['+CEREG: 2,5,"2F11","0A1B2C03",7'], '+CEREG', { registration: 'roaming', stat: 5, areaCode: '2F11', cellId: '0A1B2C03', accessTechnology: 'LTE' }],
    [['+CEREG: 2,2'], '+CEREG', { registration: 'searching', stat: 2 }],
    [['+CEREG: 0,3'], '+CEREG', { registration: 'denied', stat: 3 }],
    [['+CEREG: 0,0'], '+CEREG', { registration: 'not-registered', stat: 0 }],
    [['+CEREG: 0,4'], '+CEREG', { registration: 'unknown', stat: 4 }],
    [['+CEREG: 3,3,"2F11","0A1B2C03",7,0,15'], '+CEREG', { registration: 'denied', stat: 3, areaCode: '2F11', cellId: '0A1B2C03', accessTechnology: 'LTE' }],
    [['+CEREG: 2,1,"2f11","0a1b2c03",13'], '+CEREG', { registration: 'home', stat: 1, areaCode: '2F11', cellId: '0A1B2C03', accessTechnology: 'NR5G-NSA' }],
    [['+CREG: 2,1,"3C2A","5F1D",0'], '+CREG', { registration: 'home', stat: 1, areaCode: '3C2A', cellId: '5F1D', accessTechnology: 'GSM' }],
    [['+CREG: 0,6'], '+CREG', { registration: 'home', stat: 6 }],
    [['+C5GREG: 2,1,"6E2A00","1F0A3B12C",11'], '+C5GREG', { registration: 'home', stat: 1, areaCode: '6E2A00', cellId: '1F0A3B12C', accessTechnology: 'NR5G-SA' }],
    // A same-prefix URC that slipped into the answer is skipped: it has no <n>.
    [['+CEREG: 5', '+CEREG: 0,1'], '+CEREG', { registration: 'home', stat: 1 }],
    [['+CEREG: 1,"2F11","0A1B2C03",7', '+CEREG: 2,5,"2F11","0A1B2C03",7'], '+CEREG', { registration: 'roaming', stat: 5 }],
  ];
  for (const [lines, prefix, expected] of table) {
    const got = parseRegistration(lines, prefix) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(expected)) assert.equal(got[k], v, `${lines.join(' | ')}: ${k}`);
  }
  assert.throws(() => parseRegistration(['+CEREG: 1'], '+CEREG'), /no \+CEREG: <n>,<stat> line/);
});

test('AT+COPS?: operator and access technology; bare mode when not registered', () => {
  assert.deepEqual(parseCops(['+COPS: 0,0,"Vodafone.de",7']), { mode: 0, operator: 'Vodafone.de', accessTechnology: 'LTE' });
  assert.deepEqual(parseCops(['+COPS: 1,2,"26202",13']), { mode: 1, operator: '26202', accessTechnology: 'NR5G-NSA' });
  assert.deepEqual(parseCops(['+COPS: 0,0,"T-Mobile US",11']), { mode: 0, operator: 'T-Mobile US', accessTechnology: 'NR5G-SA' });
  assert.deepEqual(parseCops(['+COPS: 0,0,"Orange F, Pro",2']), { mode: 0, operator: 'Orange F, Pro', accessTechnology: 'UMTS' });
  assert.deepEqual(parseCops(['+COPS: 0']), { mode: 0, operator: undefined, accessTechnology: undefined });
  assert.deepEqual(parseCops(['+COPS: 2']), { mode: 2, operator: undefined, accessTechnology: undefined });
});

test('AT+CPIN?: SIM states, and CME errors that are SIM states', () => {
  const table: Array<[string, string]> = [
    ['+CPIN: READY', 'ready'],
    ['+CPIN: SIM PIN', 'pin-required'],
    ['+CPIN: SIM PUK', 'puk-required'],
    ['+CPIN: PH-SIM PIN', 'pin-required'],
    ['+CPIN: SIM PIN2', 'ready'],
    ['+CPIN: SIM PUK2', 'ready'],
    ['+CPIN: PH-NET PUK', 'puk-required'],
  ];
  for (const [line, expected] of table) assert.equal(parseCpin([line]), expected, line);
  assert.equal(simStateFromCme(10), 'not-inserted');
  assert.equal(simStateFromCme(undefined, 'SIM not inserted'), 'not-inserted');
  assert.equal(simStateFromCme(11), 'pin-required');
  assert.equal(simStateFromCme(12), 'puk-required');
  assert.equal(simStateFromCme(13), 'error');
  assert.equal(simStateFromCme(14), 'unknown');
});

test('AT+CGPADDR: IPv4 and IPv6 per context, in the forms firmwares print', () => {
  const table: Array<[string[], ReturnType<typeof parseCgpaddr>]> = [
    [['+CGPADDR: 1,"10.172.31.4"'], [{ cid: 1, ipv4: '10.172.31.4' }]],
    [['+CGPADDR: 1,10.172.31.4'], [{ cid: 1, ipv4: '10.172.31.4' }]],
    [['+CGPADDR: 1,"10.172.31.4","32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.1"'], [{ cid: 1, ipv4: '10.172.31.4', ipv6: '2001:db8::1' }]],
    [['+CGPADDR: 1,"10.172.31.4 32.1.13.184.18.52.0.0.0.0.0.0.0.0.0.1"'], [{ cid: 1, ipv4: '10.172.31.4', ipv6: '2001:db8:1234::1' }]],
    [['+CGPADDR: 2,"2001:DB8:ABCD::42"'], [{ cid: 2, ipv6: '2001:db8:abcd::42' }]],
    [['+CGPADDR: 1,"0.0.0.0","0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"'], [{ cid: 1 }]],
    [['+CGPADDR: 1'], [{ cid: 1 }]],
    [['+CGPADDR: 1,"100.64.7.9"', '+CGPADDR: 2,"10.0.0.2"', '+CGPADDR: 3,""'], [{ cid: 1, ipv4: '100.64.7.9' }, { cid: 2, ipv4: '10.0.0.2' }, { cid: 3 }]],
    [[], []],
  ];
  for (const [lines, expected] of table) assert.deepEqual(parseCgpaddr(lines), expected, lines.join(' | '));
});

test('identity: ATI in both shapes, bare values, IMEI check, vendor detection', () => {
  assert.deepEqual(parseAti(['Quectel', 'EG25', 'Revision: EG25GGBR07A08M2G']), { manufacturer: 'Quectel', model: 'EG25', revision: 'EG25GGBR07A08M2G' });
  assert.deepEqual(
    parseAti(['Manufacturer: SIMCOM INCORPORATED', 'Model: SIMCOM_SIM7600G-H', 'Revision: LE20B04SIM7600G22', 'IMEI: 862636051234560', '+GCAP: +CGSM']),
    { manufacturer: 'SIMCOM INCORPORATED', model: 'SIMCOM_SIM7600G-H', revision: 'LE20B04SIM7600G22', imei: '862636051234560' },
  );
  assert.equal(parseBareValue(['Quectel']), 'Quectel');
  assert.equal(parseBareValue(['+CGMI: "Telit"']), 'Telit');
  assert.equal(parseImei(['867698041234567']), '867698041234567');
  assert.throws(() => parseImei(['ERROR-ish']), /not an IMEI/);
  assert.equal(detectVendor('Quectel RM500Q-GL'), 'quectel');
  assert.equal(detectVendor('SIMCOM INCORPORATED SIMCOM_SIM7600G-H'), 'simcom');
  assert.equal(detectVendor('SIM7080G'), 'simcom');
  assert.equal(detectVendor('Sierra Wireless, Incorporated EM7455'), 'generic');
});
