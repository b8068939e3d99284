// Warm introductions: pick a target (and a team member, or every one); the k best chains are
// highlighted on the map in rank order, the rest faded, each told as sentences with its cost.
import { api, teamMemberNames } from '../api.js';
import { entityPicker } from '../picker.js';
import { drawPaths, highlightPaths, newCytoscape, pathColour } from '../map.js';
import { KIND_PATH, append, empty, entityLink, fmtNumber, h, hashQuery, hashWith, section } from '../dom.js';

export async function introductionsView(target, { isCurrent }) {
  const query = hashQuery();
  const targetId = query.get('target') || '';
  const fromId = query.get('from') || '';
  const k = Number(query.get('k') || 3);
  // The team member the chains start from is found by name (the team may be a thousand strong).
  const from = fromId ? { id: fromId, name: (await teamMemberNames([fromId])).get(fromId) || fromId } : null;
  if (!isCurrent()) return;
  let fromValue = fromId;
  const fromPicker = entityPicker({
    id: 'intro-from', path: '/team-members', placeholder: 'every team member, or type a name', chosen: from,
    clearLabel: 'from every team member', onChange: (member) => { fromValue = member ? member.id : ''; if (targetId) go(targetId); },
  });
  const kSelect = h('select', { id: 'intro-k' }, [1, 2, 3, 4, 5].map((n) => h('option', { value: n, selected: n === k }, `${n} best`)));
  const go = (targetValue) => { location.hash = hashWith('/introductions', { target: targetValue, from: fromValue, k: kSelect.value }); };
  const searchBox = h('input', { id: 'intro-search', type: 'search', placeholder: 'target: a person, client or provider', autocomplete: 'off' });
  const hits = h('ul', { class: 'hits', id: 'intro-hits' });
  const searchForm = h('form', { class: 'search' }, searchBox, h('button', { type: 'submit' }, 'Find'));
  searchForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = searchBox.value.trim();
    if (!name) return;
    const pages = await Promise.all(['people', 'clients', 'providers'].map((path) => api(`/${path}`, { params: { name, limit: 10 } })));
    hits.replaceChildren(...pages.flatMap((page, i) => page.items.map((item) => h('li', {},
      h('button', { type: 'button', class: 'link pick', onclick: () => go(item.id) }, item.name), ' ',
      h('span', { class: 'muted' }, ['person', 'client', 'provider'][i])))));
    if (!hits.children.length) append(hits, h('li', { class: 'muted' }, 'Nothing matches.'));
  });
  kSelect.addEventListener('change', () => { if (targetId) go(targetId); });
  append(target, h('h1', {}, 'Warm introductions'),
    section('Who to reach', searchForm, hits, h('p', {}, 'From ', fromPicker, ' ', kSelect)));
  if (!targetId) {
    append(target, empty('Pick a target to see the warmest chains of relationships to them.'));
    return;
  }
  const found = await api('/analytics/introductions', { params: { target_id: targetId, from_id: fromId, k } });
  if (!isCurrent()) return;
  append(target, h('h2', {}, 'To ', entityLink(found.target)));
  if (!found.paths.length) {
    append(target, empty('No chain of active relationships reaches them within 4 hops.'));
    return;
  }
  const segments = (await api('/categories/influencer-segments')).map((s) => s.code);
  const context = await api(`/${KIND_PATH[found.target.kind]}/${encodeURIComponent(found.target.id)}/network`, { params: { depth: 1 } });
  if (!isCurrent()) return;
  const mapElement = h('div', { class: 'cy', id: 'intro-map' });
  const list = h('ol', { class: 'paths', id: 'intro-paths' });
  const all = found.paths.map((_, rank) => rank);
  append(target, h('div', { class: 'map-area' }, mapElement, h('div', { class: 'card wide' }, list,
    h('button', { type: 'button', id: 'intro-all', onclick: () => select(all) }, 'Highlight all'))));
  const cy = newCytoscape(mapElement);
  const select = (ranks) => {
    highlightPaths(cy, found, ranks);
    [...list.children].forEach((item, rank) => item.classList.toggle('chosen', ranks.includes(rank)));
  };
  found.paths.forEach((path, rank) => {
    const swatch = h('span', { class: 'swatch' });
    swatch.style.backgroundColor = pathColour(rank);
    append(list, h('li', { class: 'path', onclick: () => select([rank]) },
      swatch, h('strong', {}, `From ${path.source.name}`), ` · ${path.hops} hop(s) · cost ${fmtNumber(path.cost)}`,
      h('ol', { class: 'steps' }, path.steps.map((step) => h('li', {}, step)))));
  });
  await drawPaths(cy, mapElement, found, context, segments);
  select(all);
}
