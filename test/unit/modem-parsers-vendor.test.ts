// Quectel and SIMCom extension parsers. Fixtures follow the field layouts of the
// Quectel EC2x / RM5xxQ / RM520N and SIMCom SIM7600 / SIM7080 / SIM8200 AT
// manuals and of answers published in open-source modem tools; values are ours.
import test from 'node:test';
import assert from 'node:assert/strict';
import { parseQcsq, parseQeng, parseQnwinfo } from '../../drivers/modem/parsers/quectel.js';
import { parseCpsi } from '../../drivers/modem/parsers/simcom.js';

test('AT+QENG="servingcell": one-line LTE, NR5G-SA, GSM, and the search / limited-service states', () => {
  const table: Array<[string, string[], Record<string, unknown>]> = [
    [
      'LTE, EC2x layout (no CQI / tx power)',
      ['+QENG: "servingcell","NOCONN","LTE","FDD",262,02,1B2C3D4,301,6300,20,5,5,7A1F,-102,-12,-71,8,26'],
      { state: 'NOCONN', accessTechnology: 'LTE', plmn: '26202', cellId: '1B2C3D4', band: 'B20', rsrpDbm: -102, rsrqDb: -12, rssiDbm: -71, sinrDb: 8 },
    ],
    [
      'LTE, RM5xx layout with "-" srxlev',
      ['+QENG: "servingcell","CONNECT","LTE","TDD",460,00,A1B2C03,55,38950,40,5,5,2F11,-88,-9,-60,18,12,230,-'],
      { state: 'CONNECT', accessTechnology: 'LTE', plmn: '46000', cellId: 'A1B2C03', band: 'B40', rsrpDbm: -88, rsrqDb: -9, rssiDbm: -60, sinrDb: 18 },
    ],
    [
      'NR5G-SA: TAC before ARFCN',
      ['+QENG: "servingcell","NOCONN","NR5G-SA","TDD",310,260,1F0A3B12C,412,6E2A00,520110,41,12,-84,-11,21,1,-'],
      { state: 'NOCONN', accessTechnology: 'NR5G-SA', plmn: '310260', cellId: '1F0A3B12C', band: 'n41', rsrpDbm: -84, rsrqDb: -11, sinrDb: 21 },
    ],
    [
      'NR5G-SA with "-" level fields',
      ['+QENG: "servingcell","NOCONN","NR5G-SA","FDD",234,15,3A1C22B01,88,4E20,431050,1,6,-,-,17,0,-'],
      { accessTechnology: 'NR5G-SA', band: 'n1', rsrpDbm: undefined, rsrqDb: undefined, sinrDb: 17 },
    ],
    [
      'GSM: identity only',
      ['+QENG: "servingcell","NOCONN","GSM",262,01,3C2A,5F1D,27,60,0,-72,0,-,-,25,25,1,-,-,-,-,-,-,-,-,-,-'],
      { accessTechnology: 'GSM', plmn: '26201', cellId: '5F1D', rsrpDbm: undefined },
    ],
    ['SEARCH: no cell at all', ['+QENG: "servingcell","SEARCH"'], { state: 'SEARCH', noService: true, accessTechnology: undefined }],
    [
      'LIMSRV: camped, limited service, levels still reported',
      ['+QENG: "servingcell","LIMSRV","LTE","FDD",262,03,4D2E10F,120,1444,3,5,5,60A3,-118,-17,-88,-3,2'],
      { state: 'LIMSRV', noService: true, accessTechnology: 'LTE', rsrpDbm: -118, sinrDb: -3 },
    ],
  ];
  for (const [name, lines, expected] of table) {
    const got = parseQeng(lines) as Record<string, unknown>;
    for (const [k, v] of Object.entries(expected)) assert.equal(got[k], v, `${name}: ${k}`);
  }
});

test('AT+QENG="servingcell": EN-DC multi-line answer reports the LTE anchor and the NR leg', () => {
  const got = parseQeng([
    '+QENG: "servingcell","NOCONN"',
    '+QENG: "LTE","FDD",262,01,2FAA03,87,1300,3,5,5,B1E3,-95,-11,-66,12,9,-,-',
    // Some firmwares drop the space after the colon on this line.
    '+QENG:"NR5G-NSA",262,01,371,-89,14,-11,632448,78,12,1',
  ]);
  assert.deepEqual(got, {
    state: 'NOCONN',
    accessTechnology: 'NR5G-NSA',
    plmn: '26201',
    cellId: '2FAA03',
    band: 'B3+n78',
    rsrpDbm: -95,
    rsrqDb: -11,
    rssiDbm: -66,
    sinrDb: 12,
    nr: { rsrpDbm: -89, sinrDb: 14, rsrqDb: -11, band: 'n78' },
  });
});

test('AT+QENG="servingcell": an EN-DC answer whose NR line is empty is plain LTE', () => {
  for (const nsa of ['+QENG: "NR5G-NSA",', '+QENG: "NR5G-NSA",262,01,-,-,-,-,-,-,-,-']) {
    const got = parseQeng(['+QENG: "servingcell","NOCONN"', '+QENG: "LTE","FDD",262,01,2FAA03,87,1300,3,5,5,B1E3,-95,-11,-66,12,9,-,-', nsa]);
    assert.equal(got.accessTechnology, 'LTE', nsa);
    assert.equal(got.band, 'B3', nsa);
    assert.equal(got.nr, undefined, nsa);
  }
  assert.throws(() => parseQeng(['+QENG: "neighbourcell intra","LTE",1300,87,-11,-95,-66,0,37,7,16,6,44']), /no \+QENG: "servingcell"/);
});

test('AT+QNWINFO: technology, band and PLMN; EN-DC two lines; no service', () => {
  const table: Array<[string[], Record<string, unknown>]> = [
    [['+QNWINFO: "FDD LTE","26202","LTE BAND 20",6300'], { accessTechnology: 'LTE', band: 'B20', plmn: '26202' }],
    [['+QNWINFO: "FDD LTE","46001","LTE BAND 3",1650', '+QNWINFO: "TDD NR5G","46001","NR5G BAND 78",627264'], { accessTechnology: 'NR5G-NSA', band: 'B3+n78' }],
    [['+QNWINFO: "FDD NR5G","310260","NR5G BAND 71",126490'], { accessTechnology: 'NR5G-SA', band: 'n71' }],
    [['+QNWINFO: "EDGE","26201","GSM 900",62'], { accessTechnology: 'EDGE', band: 'GSM 900' }],
    [['+QNWINFO: No Service'], { noService: true, accessTechnology: undefined, band: undefined }],
  ];
  for (const [lines, expected] of table) {
    const got = parseQnwinfo(lines) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(expected)) assert.equal(got[k], v, `${lines.join(' | ')}: ${k}`);
  }
});

test('AT+QCSQ: LTE SINR in fifths of a dB from -20, NR SINR in dB, no service', () => {
  const table: Array<[string[], Record<string, unknown>]> = [
    [['+QCSQ: "LTE",-68,-97,155,-10'], { accessTechnology: 'LTE', rssiDbm: -68, rsrpDbm: -97, sinrDb: 11, rsrqDb: -10 }],
    [['+QCSQ: "CAT-M1",-80,-110,60,-14'], { accessTechnology: 'CAT-M1', rsrpDbm: -110, sinrDb: -8 }],
    [['+QCSQ: "NR5G-SA",-79,26,-11'], { accessTechnology: 'NR5G-SA', rsrpDbm: -79, sinrDb: 26, rsrqDb: -11 }],
    [['+QCSQ: "LTE",-61,-90,170,-9', '+QCSQ: "NR5G-NSA",-85,19,-12'], { accessTechnology: 'NR5G-NSA', rsrpDbm: -90, sinrDb: 14, rsrqDb: -9 }],
    [['+QCSQ: "GSM",-75'], { accessTechnology: 'GSM', rssiDbm: -75, rsrpDbm: undefined }],
    [['+QCSQ: "NOSERVICE"'], { noService: true, rsrpDbm: undefined }],
  ];
  for (const [lines, expected] of table) {
    const got = parseQcsq(lines) as Record<string, unknown>;
    for (const [k, v] of Object.entries(expected)) assert.equal(got[k], v, `${lines.join(' | ')}: ${k}`);
  }
});

test('AT+CPSI?: LTE, NR5G-SA, EN-DC, GSM, CAT-M and no service', () => {
  const table: Array<[string, string[], Record<string, unknown>]> = [
    [
      'LTE: tenths, RSSNR index',
      ['+CPSI: LTE,Online,262-02,0x6A2B,27446795,311,EUTRAN-BAND20,6300,5,5,-112,-1031,-702,14'],
      { accessTechnology: 'LTE', plmn: '26202', cellId: '1A2CE0B', band: 'B20', rsrqDb: -11.2, rsrpDbm: -103.1, rssiDbm: -70.2, sinrDb: 8 },
    ],
    [
      'NR5G-SA: RSRP before RSRQ',
      ['+CPSI: NR5G_SA,Online,310-260,0x3E8A,5127839,502,NR5G_BAND41,520110,-815,-105,215'],
      { accessTechnology: 'NR5G-SA', plmn: '310260', cellId: '4E3E9F', band: 'n41', rsrpDbm: -81.5, rsrqDb: -10.5, sinrDb: 21.5 },
    ],
    [
      'EN-DC: LTE anchor plus NR5G_NSA line',
      ['+CPSI: LTE,Online,460-01,0x1F40,123456789,77,EUTRAN-BAND3,1650,5,5,-95,-905,-610,17', '+CPSI: NR5G_NSA,644,NR5G_BAND78,627264,-880,-110,120'],
      { accessTechnology: 'NR5G-NSA', cellId: '75BCD15', band: 'B3+n78', rsrpDbm: -90.5, rsrqDb: -9.5, sinrDb: 14 },
    ],
    [
      'GSM: RxLev in dBm, "<arfcn> <band>"',
      ['+CPSI: GSM,Online,262-01,0x3c2a,24349,62 EGSM 900,-71,0,35-35'],
      { accessTechnology: 'GSM', plmn: '26201', cellId: '5F1D', band: 'EGSM 900', rssiDbm: -71, rsrpDbm: undefined },
    ],
    [
      'CAT-M1 (SIM7080)',
      ['+CPSI: LTE CAT-M1,Online,262-01,0x3A6F,26812161,250,EUTRAN-BAND20,6300,5,5,-130,-1120,-780,9'],
      { accessTechnology: 'LTE-M', cellId: '1991F01', rsrpDbm: -112, rsrqDb: -13, sinrDb: -2 },
    ],
    ['no service', ['+CPSI: NO SERVICE,Online'], { noService: true, accessTechnology: undefined }],
  ];
  for (const [name, lines, expected] of table) {
    const got = parseCpsi(lines) as Record<string, unknown>;
    for (const [k, v] of Object.entries(expected)) assert.equal(got[k], v, `${name}: ${k}`);
  }
  assert.throws(() => parseCpsi([]), /no \+CPSI: line/);
});
