// Home Assistant discovery configs as a table: which entities exist for which config,
// their topics, unique ids, device grouping and availability; and which configs of a
// previous run are cleared.
import test from 'node:test';
import assert from 'node:assert/strict';
import { discoveryConfigs, slug, staleTopics, type DiscoveryInput } from '../../daemon/telemetry/homeassistant.js';

const BASE: DiscoveryInput = {
  discoveryPrefix: 'homeassistant', topicPrefix: 'site-controller/site-1', siteId: 'site-1', version: '1.2.3',
  chargers: [{ id: 'CP-1', connectors: 2 }, { id: 'CP-2', connectors: 1 }], meter: true, upstream: true, balancer: true,
};

const ids = (input: DiscoveryInput) => discoveryConfigs(input).map((m) => m.payload.unique_id as string);

test('entity counts follow the configured parts of the site', () => {
  const table: Array<[string, Partial<DiscoveryInput>, number]> = [
    // site: 3 budget + 3 EV current + mode; upstream: 3; meter: 3 current + 3 voltage + power + energy + stale;
    // per charger: connected + per connector (status, current, energy, limit).
    ['everything', {}, 7 + 3 + 9 + (1 + 2 * 4) + (1 + 4)],
    ['no cloud', { upstream: false }, 7 + 9 + 9 + 5],
    ['no meter', { meter: false }, 7 + 3 + 9 + 5],
    ['no balancer (no chargers)', { balancer: false, chargers: [] }, 3 + 9],
    ['one charger, no cloud, no meter', { upstream: false, meter: false, chargers: [{ id: 'A', connectors: 1 }] }, 7 + 5],
  ];
  for (const [name, over, n] of table) assert.equal(discoveryConfigs({ ...BASE, ...over }).length, n, name);
});

test('topics, unique ids, devices and availability', () => {
  const all = discoveryConfigs(BASE);
  const u = ids(BASE);
  assert.equal(new Set(u).size, u.length, 'unique_ids are unique');
  for (const m of all) {
    assert.match(m.topic, /^homeassistant\/(sensor|binary_sensor)\/site_controller_site-1\/[A-Za-z0-9_-]+\/config$/);
    assert.equal(m.payload.availability_topic, 'site-controller/site-1/status');
    assert.equal(m.payload.availability_template, '{{ value_json.state }}');
    assert.equal(m.payload.payload_available, 'online');
    assert.match(m.payload.state_topic as string, /^site-controller\/site-1\/(balancer|meter|upstream|chargers\/CP-[12])$/);
    assert.ok(typeof m.payload.value_template === 'string' && (m.payload.value_template as string).length > 0);
  }
  const byId = new Map(all.map((m) => [m.payload.unique_id as string, m.payload]));
  const budget = byId.get('site_controller_site-1_site_budget_l2')!;
  assert.equal(budget.state_topic, 'site-controller/site-1/balancer');
  assert.equal(budget.value_template, '{{ value_json.budgetA[1] }}');
  assert.equal(budget.unit_of_measurement, 'A');
  assert.deepEqual((budget.device as any).identifiers, ['site_controller_site-1']);
  // The meter belongs to the site's device; each charger is its own device, via the site.
  assert.deepEqual((byId.get('site_controller_site-1_meter_current_l1')!.device as any).identifiers, ['site_controller_site-1']);
  const status = byId.get('site_controller_site-1_CP-1_c2_status')!;
  assert.equal(status.state_topic, 'site-controller/site-1/chargers/CP-1');
  assert.deepEqual((status.device as any).identifiers, ['site_controller_site-1_CP-1']);
  assert.equal((status.device as any).via_device, 'site_controller_site-1');
  assert.match(status.value_template as string, /value_json\.connectors\["2"\]\.status/);
  const limit = byId.get('site_controller_site-1_CP-2_c1_limit')!;
  assert.equal(limit.state_topic, 'site-controller/site-1/balancer');
  assert.match(limit.value_template as string, /selectattr\('chargerId', 'eq', "CP-2"\) \| selectattr\('connectorId', 'eq', 1\)/);
  const energy = byId.get('site_controller_site-1_CP-1_c1_energy')!;
  assert.equal(energy.state_class, 'total_increasing');
  assert.equal(energy.unit_of_measurement, 'kWh');
  assert.equal(byId.get('site_controller_site-1_site_link')!.device_class, 'connectivity');
});

test('charger ids with characters Home Assistant does not allow stay distinct', () => {
  assert.equal(slug('CP 1/ä'), 'CP_1');
  assert.equal(slug('///'), 'x');
  const input = { ...BASE, chargers: [{ id: 'CP/1', connectors: 1 }, { id: 'CP_1', connectors: 1 }, { id: 'CP 1', connectors: 1 }] };
  const u = ids(input);
  assert.equal(new Set(u).size, u.length);
  for (const m of discoveryConfigs(input)) assert.match(m.topic, /^homeassistant\/[a-z_]+\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+\/config$/);
  // The state topic of CP/1 is its percent-encoded topic level.
  assert.ok(discoveryConfigs(input).some((m) => m.payload.state_topic === 'site-controller/site-1/chargers/CP%2F1'));
});

test('a custom discovery prefix; stale topics are the previous minus the current', () => {
  const custom = discoveryConfigs({ ...BASE, discoveryPrefix: 'ha/' });
  assert.ok(custom.every((m) => m.topic.startsWith('ha/')));
  const before = discoveryConfigs(BASE).map((m) => m.topic);
  const after = discoveryConfigs({ ...BASE, chargers: [{ id: 'CP-1', connectors: 2 }] });
  const gone = staleTopics(before, after);
  assert.equal(gone.length, 5, "CP-2's connected + one connector's 4 entities");
  assert.ok(gone.every((t) => t.includes('/CP-2_')));
  assert.deepEqual(staleTopics(undefined, after), []);
  assert.deepEqual(staleTopics([...before, ...before], discoveryConfigs(BASE)), []);
});
