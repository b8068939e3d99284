// A client's or person's page (any entity kind): details, members and roles, relationships as
// sentences both ways, touches, service requests, important dates, a client's service plan, and
// the relationship map.
import { api } from '../api.js';
import { EgoMap } from '../map.js';
import { servicePlan } from './work.js';
import {
  KIND_LABEL, PATH_KIND, append, empty, entityLink, fmtMoney, h, hashQuery, hashWith, inPages, section, table, words,
} from '../dom.js';

const HIDDEN_FIELDS = new Set(['id', 'name', 'version', 'members', 'owner', 'owner_id', 'reports_to_id', 'created_at', 'updated_at', 'external_id']);
const MONEY_FIELDS = new Set(['annual_revenue', 'assets_under_management', 'assets_held_elsewhere', 'estimated_size']);

export async function entityView(target, { match, isCurrent }) {
  const [, path, rawId] = match;
  const kind = PATH_KIND[path];
  const id = decodeURIComponent(rawId);
  const base = `/${path}/${encodeURIComponent(id)}`;
  const entity = await api(base);
  if (!isCurrent()) return;
  const withRecords = kind === 'client';
  const withDates = kind === 'client' || kind === 'person';
  const [relationships, touches, requests, dates, plan] = await Promise.all([
    api(`${base}/relationships`, { params: { include_ended: true } }),
    withRecords ? api(`${base}/touches`) : null,
    withRecords ? api(`${base}/service-requests`) : null,
    withDates ? api(`${base}/important-dates`) : null,
    withRecords ? servicePlan(id) : null,
  ]);
  if (!isCurrent()) return;

  append(target, 
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Search'), ' › ', KIND_LABEL[kind]),
    h('h1', { id: 'entity-name' }, entity.name),
    h('p', { class: 'actions' },
      h('a', { href: `#/referrals/${encodeURIComponent(id)}` }, 'Referral chain'), ' · ',
      h('a', { href: hashWith('/introductions', { target: id }) }, `Warm introductions to ${entity.name}`)),
  );
  const mapPanel = section('Relationship map');
  mapPanel.id = 'map-panel';
  append(target, h('div', { class: 'columns' },
    h('div', {}, details(entity, kind), kind === 'client' ? members(entity) : null),
    h('div', {}, relationshipLists(relationships))));
  append(target, mapPanel);
  if (withRecords) append(target, h('div', { class: 'columns' }, records('Touches', touches), records('Service requests', requests)));
  if (withDates) append(target, importantDates(dates));
  append(target, plan);

  const [segments, types] = await Promise.all([api('/categories/influencer-segments'), api('/relationship-types')]);
  if (!isCurrent()) return;
  const categories = [...new Set(types.map((t) => t.category))];
  const map = new EgoMap(mapPanel, { segments: segments.map((s) => s.code), categories });
  // The map's depth may come in the URL (#/clients/ID?depth=2), so a link can share it.
  const depth = Math.min(3, Math.max(1, Number(hashQuery().get('depth')) || 1));
  await map.load({ id, kind, name: entity.name }, depth);
  // Key-person risk badges come when the practice-wide answer does; the map does not wait.
  api('/analytics/key-person-risk').then((risk) => { if (isCurrent()) map.markRisk(risk); }).catch(() => {});
}

function details(entity, kind) {
  const rows = Object.entries(entity)
    .filter(([field, value]) => !HIDDEN_FIELDS.has(field) && value !== null && typeof value !== 'object')
    .map(([field, value]) => h('tr', {}, h('th', {}, words(field)),
      h('td', {}, MONEY_FIELDS.has(field) ? fmtMoney(value) : typeof value === 'boolean' ? (value ? 'yes' : 'no') : words(value))));
  if (entity.owner) rows.unshift(h('tr', {}, h('th', {}, 'owner'), h('td', {}, entityLink({ ...entity.owner, kind: 'team_member' }))));
  return section('Details', h('table', { class: 'details', id: 'details' }, h('tbody', {}, rows)),
    h('p', { class: 'muted' }, `A ${KIND_LABEL[kind]}; version ${entity.version}.`));
}

function members(client) {
  if (!client.members.length) return section('Members and roles', empty('No active members.'));
  return section('Members and roles', table(['Person', 'Role', 'Since'], client.members.map((m) => h('tr', {},
    h('td', {}, entityLink({ ...m.person, kind: 'person' })), h('td', {}, words(m.role)), h('td', {}, m.since || '–'))),
  { id: 'members' }));
}

function relationshipLists(relationships) {
  const active = relationships.filter((r) => r.relationship.active);
  const ended = relationships.filter((r) => !r.relationship.active);
  const item = (r) => {
    const other = r.direction === 'outgoing' ? r.relationship.reverse_sentence : r.relationship.sentence;
    const rel = r.relationship;
    return h('li', { class: `rel ${rel.category}` },
      h('span', { class: 'sentence' }, ...linkedSentence(r.sentence, r.other)),
      h('br'), h('span', { class: 'muted' }, `${other}`,
        rel.since ? ` · since ${rel.since}` : '', rel.until ? ` · until ${rel.until}` : '',
        rel.strength !== null && rel.strength !== undefined ? ` · strength ${rel.strength}` : ''));
  };
  return section('Relationships',
    active.length ? inPages(h('ul', { class: 'rels', id: 'relationships-active' }), active, item) : empty('No active relationships.'),
    h('h3', {}, 'History'),
    ended.length ? inPages(h('ul', { class: 'rels ended', id: 'relationships-history' }), ended, item) : empty('No ended relationships.'));
}

// "Jean Elliott is a Partner Contact at Elliott Household", the other entity's name a link.
function linkedSentence(sentence, other) {
  if (other.name && sentence.endsWith(other.name)) return [sentence.slice(0, -other.name.length), entityLink(other)];
  return [sentence, ' ', entityLink(other)];
}

function records(title, list) {
  if (!list.length) return section(title, empty(`No ${title.toLowerCase()} recorded.`));
  return section(title, table(['Date', 'Kind', 'Notes'], list.map((r) => h('tr', {},
    h('td', {}, r.date), h('td', {}, words(r.kind)), h('td', {}, r.notes || '')))));
}

function importantDates(dates) {
  if (!dates.length) return section('Important dates', empty('No important dates.'));
  return section('Important dates', table(['Date', 'Kind', 'Recurring', 'Notes'], dates.map((d) => h('tr', {},
    h('td', {}, d.date), h('td', {}, words(d.kind)), h('td', {}, d.recurring ? 'yearly' : 'once'), h('td', {}, d.notes || '')))));
}
