// Home Assistant MQTT discovery (mqtt.homeAssistant): one retained config per entity,
// so the site, its meter and every charger connector appear in Home Assistant with no
// templates to write. The entities read the state topics telemetry already publishes
// (balancer, meter, upstream, chargers/<id>); availability follows `status`. Pure: the
// telemetry service publishes what this returns, and clears (empty retained payload)
// the configs of a previous run that are no longer in the list — a charger removed
// from the config disappears from Home Assistant at the next start.
import { createHash } from 'node:crypto';
import { topics as topicMap } from './topics.js';

export interface DiscoveryInput {
  discoveryPrefix: string;
  topicPrefix: string;
  siteId: string;
  version: string;
  chargers: ReadonlyArray<{ id: string; connectors: number }>;
  meter: boolean;
  upstream: boolean;
  balancer: boolean;
}

export interface DiscoveryMessage {
  topic: string;
  payload: Record<string, unknown>;
}

/** An id as the [a-zA-Z0-9_-] Home Assistant allows in node and object ids (and unique_ids stay readable). */
export function slug(s: string): string {
  const out = s.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '');
  return out === '' ? 'x' : out;
}

/** A Jinja string literal (a JSON string is one). */
const lit = (s: string) => JSON.stringify(s);

type Entity = {
  component: 'sensor' | 'binary_sensor';
  key: string;
  name: string;
  state: string;
  template: string;
  extra?: Record<string, unknown>;
};

const AMPS = { unit_of_measurement: 'A', device_class: 'current', state_class: 'measurement' };
const VOLTS = { unit_of_measurement: 'V', device_class: 'voltage', state_class: 'measurement' };

export function discoveryConfigs(input: DiscoveryInput): DiscoveryMessage[] {
  const t = topicMap(input.topicPrefix);
  const site = slug(input.siteId);
  const node = `site_controller_${site}`;
  const siteDevice = { identifiers: [node], name: `Site ${input.siteId}`, manufacturer: 'site-controller', model: 'site gateway', sw_version: input.version };
  const common = {
    availability_topic: t.status,
    availability_template: '{{ value_json.state }}',
    payload_available: 'online',
    payload_not_available: 'offline',
    origin: { name: 'site-controller', sw_version: input.version },
  };
  const out: DiscoveryMessage[] = [];
  const add = (device: Record<string, unknown>, objectPrefix: string, e: Entity) => {
    const objectId = `${objectPrefix}_${e.key}`;
    out.push({
      topic: `${input.discoveryPrefix.replace(/\/+$/, '')}/${e.component}/${node}/${objectId}/config`,
      payload: { name: e.name, unique_id: `${node}_${objectId}`, state_topic: e.state, value_template: e.template, device, ...common, ...e.extra },
    });
  };

  const phases = [0, 1, 2];
  if (input.balancer) {
    for (const i of phases) add(siteDevice, 'site', { component: 'sensor', key: `budget_l${i + 1}`, name: `Budget L${i + 1}`, state: t.balancer, template: `{{ value_json.budgetA[${i}] }}`, extra: AMPS });
    for (const i of phases) add(siteDevice, 'site', { component: 'sensor', key: `ev_current_l${i + 1}`, name: `EV current L${i + 1}`, state: t.balancer, template: `{{ value_json.evDrawA[${i}] }}`, extra: AMPS });
    add(siteDevice, 'site', { component: 'sensor', key: 'mode', name: 'Balancer mode', state: t.balancer, template: '{{ value_json.mode }}', extra: { device_class: 'enum', options: ['normal', 'capped', 'fallback', 'insufficient'] } });
  }
  if (input.upstream) {
    add(siteDevice, 'site', { component: 'sensor', key: 'outbox_depth', name: 'Cloud outbox depth', state: t.upstream, template: '{{ value_json.outboxDepth }}', extra: { unit_of_measurement: 'messages', state_class: 'measurement' } });
    add(siteDevice, 'site', { component: 'sensor', key: 'link_state', name: 'Cloud link state', state: t.upstream, template: '{{ value_json.state }}' });
    add(siteDevice, 'site', { component: 'binary_sensor', key: 'link', name: 'Cloud link', state: t.upstream, template: "{{ 'ON' if value_json.connected else 'OFF' }}", extra: { device_class: 'connectivity' } });
  }
  if (input.meter) {
    for (const i of phases) add(siteDevice, 'meter', { component: 'sensor', key: `current_l${i + 1}`, name: `Grid current L${i + 1}`, state: t.meter, template: `{{ value_json.currentA[${i}] if value_json.currentA else None }}`, extra: AMPS });
    for (const i of phases) add(siteDevice, 'meter', { component: 'sensor', key: `voltage_l${i + 1}`, name: `Grid voltage L${i + 1}`, state: t.meter, template: `{{ value_json.voltageV[${i}] if value_json.voltageV else None }}`, extra: VOLTS });
    add(siteDevice, 'meter', { component: 'sensor', key: 'power', name: 'Grid power', state: t.meter, template: '{{ value_json.powerW }}', extra: { unit_of_measurement: 'W', device_class: 'power', state_class: 'measurement' } });
    add(siteDevice, 'meter', { component: 'sensor', key: 'energy', name: 'Grid import energy', state: t.meter, template: '{{ (value_json.importEnergyWh / 1000) if value_json.importEnergyWh is number else None }}', extra: { unit_of_measurement: 'kWh', device_class: 'energy', state_class: 'total_increasing' } });
    add(siteDevice, 'meter', { component: 'binary_sensor', key: 'stale', name: 'Meter stale', state: t.meter, template: "{{ 'ON' if value_json.stale else 'OFF' }}", extra: { device_class: 'problem' } });
  }

  for (const c of input.chargers) {
    // Two ids that differ only in characters the slug drops (CP/1, CP_1) must not share unique_ids.
    const cid = slug(c.id) === c.id ? c.id : `${slug(c.id)}_${createHash('sha256').update(c.id).digest('hex').slice(0, 6)}`;
    const device = { identifiers: [`${node}_${cid}`], name: `Charger ${c.id}`, manufacturer: 'site-controller', model: 'OCPP charger', via_device: node };
    const state = t.charger(c.id);
    add(device, cid, { component: 'binary_sensor', key: 'connected', name: 'Connected', state, template: "{{ 'ON' if value_json.connected else 'OFF' }}", extra: { device_class: 'connectivity' } });
    for (let n = 1; n <= c.connectors; n++) {
      const conn = `value_json.connectors[${lit(String(n))}]`;
      const has = `${lit(String(n))} in value_json.connectors`;
      const pfx = `${cid}_c${n}`;
      add(device, pfx, { component: 'sensor', key: 'status', name: `Connector ${n} status`, state, template: `{{ ${conn}.status if ${has} else 'Unknown' }}` });
      add(device, pfx, { component: 'sensor', key: 'current', name: `Connector ${n} current`, state, template: `{{ (${conn}.currentA | reject('none') | max) if ${has} and ${conn}.currentA else 0 }}`, extra: AMPS });
      add(device, pfx, { component: 'sensor', key: 'energy', name: `Connector ${n} energy`, state, template: `{{ (${conn}.energyWh / 1000) if ${has} and ${conn}.energyWh is number else None }}`, extra: { unit_of_measurement: 'kWh', device_class: 'energy', state_class: 'total_increasing' } });
      if (input.balancer) {
        const pick = `value_json.connectors | selectattr('chargerId', 'eq', ${lit(c.id)}) | selectattr('connectorId', 'eq', ${n}) | map(attribute='limitA') | list`;
        add(device, pfx, { component: 'sensor', key: 'limit', name: `Connector ${n} limit`, state: t.balancer, template: `{% set l = ${pick} %}{{ l[0] if l and l[0] is not none else None }}`, extra: AMPS });
      }
    }
  }
  return out;
}

/** Config topics of an earlier run that this run does not publish: to be cleared. */
export function staleTopics(previous: readonly string[] | undefined, current: readonly DiscoveryMessage[]): string[] {
  const now = new Set(current.map((m) => m.topic));
  return [...new Set(previous ?? [])].filter((t) => typeof t === 'string' && !now.has(t));
}
