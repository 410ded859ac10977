// What the frame trace hides: secrets set or reported inside OCPP frames, and nothing
// an operator needs to read (idTags, ordinary keys).
import test from 'node:test';
import assert from 'node:assert/strict';
import { redactSecrets, REDACTED } from '../../daemon/ocpp/redact.js';

const R = REDACTED;

test('secrets in frames are hidden; everything else is left as it was', () => {
  const table: Array<[string, unknown, unknown]> = [
    ['1.6 ChangeConfiguration AuthorizationKey',
      [2, 'a', 'ChangeConfiguration', { key: 'AuthorizationKey', value: 'k3y' }],
      [2, 'a', 'ChangeConfiguration', { key: 'AuthorizationKey', value: R }]],
    ['BasicAuthPassword as a 1.6 key',
      [2, 'a', 'ChangeConfiguration', { key: 'BasicAuthPassword', value: 'pw' }],
      [2, 'a', 'ChangeConfiguration', { key: 'BasicAuthPassword', value: R }]],
    ['an ordinary key keeps its value',
      [2, 'a', 'ChangeConfiguration', { key: 'HeartbeatInterval', value: '300' }],
      [2, 'a', 'ChangeConfiguration', { key: 'HeartbeatInterval', value: '300' }]],
    ['GetConfiguration answer reporting the key',
      [3, 'a', { configurationKey: [{ key: 'AuthorizationKey', readonly: false, value: 'k3y' }, { key: 'NumberOfConnectors', readonly: true, value: '2' }] }],
      [3, 'a', { configurationKey: [{ key: 'AuthorizationKey', readonly: false, value: R }, { key: 'NumberOfConnectors', readonly: true, value: '2' }] }]],
    ['2.0.1 SetVariables BasicAuthPassword',
      [2, 'a', 'SetVariables', { setVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: 'pw' }] }],
      [2, 'a', 'SetVariables', { setVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: R }] }]],
    ['a property named password, any depth',
      [2, 'a', 'DataTransfer', { vendorId: 'v', data: { user: 'u', password: 'pw', adminPassword: 'x' } }],
      [2, 'a', 'DataTransfer', { vendorId: 'v', data: { user: 'u', password: R, adminPassword: R } }]],
    ['idTags are identifiers, not secrets (SendLocalList, Authorize)',
      [2, 'a', 'SendLocalList', { listVersion: 2, updateType: 'Full', localAuthorizationList: [{ idTag: 'TAG-1', idTagInfo: { status: 'Accepted' } }] }],
      [2, 'a', 'SendLocalList', { listVersion: 2, updateType: 'Full', localAuthorizationList: [{ idTag: 'TAG-1', idTagInfo: { status: 'Accepted' } }] }]],
    ['2.0.1 idToken stays readable',
      [2, 'a', 'Authorize', { idToken: { idToken: 'TAG-1', type: 'ISO14443' } }],
      [2, 'a', 'Authorize', { idToken: { idToken: 'TAG-1', type: 'ISO14443' } }]],
  ];
  for (const [name, frame, want] of table) {
    const before = JSON.stringify(frame);
    assert.deepEqual(redactSecrets(frame), want, name);
    assert.equal(JSON.stringify(frame), before, `${name}: the frame itself is not modified`);
  }
});

test('a frame without secrets is returned as is (no copy)', () => {
  const frame = [2, 'a', 'Heartbeat', {}];
  assert.equal(redactSecrets(frame), frame);
});
