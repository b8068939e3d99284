// Search across kinds, and the client list with filters and pages.
import { api, queryChoices, teamMemberNames } from '../api.js';
import { entityPicker } from '../picker.js';
import { append, empty, entityLink, fmtMoney, h, hashQuery, hashWith, section, table, words } from '../dom.js';

const SEARCHED = [['clients', 'Clients'], ['people', 'People'], ['providers', 'Providers'], ['team-members', 'Team members']];

export async function searchView(target) {
  const query = hashQuery().get('q') || '';
  const input = h('input', { id: 'search', type: 'search', value: query, placeholder: 'A name, or part of one', autocomplete: 'off' });
  const form = h('form', { class: 'search', role: 'search' }, input, h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = hashWith('/', { q: input.value.trim() });
  });
  append(target, h('h1', {}, 'Find a client, person, provider or team member'), form);
  input.focus();
  if (!query) return;
  const results = h('div', { id: 'results' });
  append(target, results);
  const pages = await Promise.all(SEARCHED.map(([path]) => api(`/${path}`, { params: { name: query, limit: 20 } })));
  let found = 0;
  SEARCHED.forEach(([, title], i) => {
    const items = pages[i].items;
    found += items.length;
    if (!items.length) return;
    append(results, section(title, h('ul', { class: 'hits' }, items.map((item) => h('li', {},
      entityLink({ ...item, kind: kindOf(SEARCHED[i][0]) }),
      ' ', h('span', { class: 'muted' }, detailOf(item)))))),
    pages[i].next_cursor ? empty('More match: type more of the name.') : null);
  });
  if (!found) append(results, empty(`Nothing matches “${query}”.`));
}

function kindOf(path) {
  return { clients: 'client', people: 'person', providers: 'provider', 'team-members': 'team_member' }[path];
}

function detailOf(item) {
  return [item.kind, item.role, item.stage].filter(Boolean).map(words).join(' · ');
}

// -- the client list ---------------------------------------------------------------------------
// The client fields a list is filtered by (and a group's saved filter selects by), each with the
// values the API takes: [value, label] pairs.
export const CHOICE_LABELS = { kind: 'Kind', stage: 'Stage', segment: 'Segment', tier: 'Tier', influencer_segment: 'Influencer segment' };

export async function clientFieldChoices() {
  const [kinds, stages, segments, influencer, templates] = await Promise.all([
    queryChoices('/clients', 'kind'), api('/categories/stages'), api('/categories/segments'),
    api('/categories/influencer-segments'), api('/service/templates'),
  ]);
  return {
    kind: kinds.map((kind) => [kind, words(kind)]),
    stage: stages.map((c) => [c.code, c.label]),
    segment: segments.map((c) => [c.code, c.label]),
    tier: templates.map((t) => [t.tier, t.tier]),
    influencer_segment: influencer.map((c) => [c.code, c.label]),
  };
}

// One select per field ("any kind", then each value), ids `${prefix}-${field}`.
export function choiceSelects(options, chosen, prefix) {
  return Object.fromEntries(Object.entries(options).map(([name, choices]) => [name, h('select', { id: `${prefix}-${name}` },
    h('option', { value: '' }, `any ${CHOICE_LABELS[name].toLowerCase()}`),
    choices.map(([value, label]) => h('option', { value, selected: value === chosen[name] }, label)))]));
}

const FILTERS = ['name', 'owner_id', 'kind', 'stage', 'segment', 'tier', 'influencer_segment'];
const PAGE_SIZE = 50;

export async function clientListView(target, { isCurrent }) {
  const query = hashQuery();
  const chosen = Object.fromEntries(FILTERS.map((name) => [name, query.get(name) || '']));
  const after = query.get('after') || undefined;
  // A page size in the URL (limit=) is kept while paging.
  const limit = query.get('limit') || undefined;
  const [page, options, owner] = await Promise.all([
    api('/clients', { params: { ...chosen, after, limit: limit || PAGE_SIZE } }), clientFieldChoices(),
    chosen.owner_id ? teamMemberNames([chosen.owner_id]).then((names) => ({ id: chosen.owner_id, name: names.get(chosen.owner_id) || chosen.owner_id })) : null,
  ]);
  if (!isCurrent()) return;
  const controls = {
    name: h('input', { id: 'filter-name', type: 'search', value: chosen.name, placeholder: 'name contains' }),
    // The owner is found by name (a practice may have a thousand team members), kept by id.
    owner_id: h('input', { type: 'hidden', value: chosen.owner_id }),
    ...choiceSelects(options, chosen, 'filter'),
  };
  const ownerPicker = entityPicker({
    id: 'filter-owner', path: '/team-members', placeholder: 'owner: type a name', chosen: owner, clearLabel: 'any owner',
    onChange: (member) => { controls.owner_id.value = member ? member.id : ''; form.requestSubmit(); },
  });
  const form = h('form', { class: 'filters' },
    h('label', {}, 'Name ', controls.name),
    h('label', {}, 'Owner ', ownerPicker), controls.owner_id,
    Object.keys(options).map((name) => h('label', {}, `${CHOICE_LABELS[name]} `, controls[name])),
    h('button', { type: 'submit' }, 'Filter'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = hashWith('/clients', { ...Object.fromEntries(FILTERS.map((name) => [name, controls[name].value.trim()])), limit: query.get('limit') });
  });
  for (const name of Object.keys(options)) controls[name].addEventListener('change', () => form.requestSubmit());

  const owners = await teamMemberNames(page.items.map((c) => c.owner_id));
  if (!isCurrent()) return;
  const rows = page.items.map((c) => h('tr', {},
    h('td', {}, entityLink({ ...c, kind: 'client' })), h('td', {}, words(c.kind)), h('td', {}, words(c.stage)),
    h('td', {}, words(c.segment)), h('td', {}, c.tier || '–'), h('td', {}, words(c.influencer_segment)),
    h('td', {}, c.owner_id ? owners.get(c.owner_id) || '–' : '–'),
    h('td', { class: 'num' }, fmtMoney(c.annual_revenue)), h('td', { class: 'num' }, fmtMoney(c.assets_under_management))));
  const paging = h('p', { class: 'paging' },
    after ? h('a', { id: 'first-page', href: hashWith('/clients', { ...chosen, limit }) }, '« First page') : null, ' ',
    page.next_cursor ? h('a', { id: 'next-page', href: hashWith('/clients', { ...chosen, limit, after: page.next_cursor }) }, 'Next page »') : null);
  append(target, h('h1', {}, 'Clients'), form,
    page.items.length
      ? table(['Name', 'Kind', 'Stage', 'Segment', 'Tier', 'Influencer segment', 'Owner', 'Revenue', 'Assets'], rows, { id: 'client-list' })
      : empty('No client matches these filters.'),
    paging);
}
