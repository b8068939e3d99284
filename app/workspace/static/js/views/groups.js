// Groups of clients and people: the list, a new group (members picked by hand, or selected by a
// saved filter), a group's members in pages, adding and removing members by hand, deleting a
// group, and the mailing CSVs (of a group, and of a batch of service tasks).
import { api, apiFile, queryChoices } from '../api.js';
import { entityPicker } from '../picker.js';
import {
  append, empty, entityLink, errorBox, h, hashQuery, hashWith, pager, saveFile, section, table, words,
} from '../dom.js';
import { CHOICE_LABELS, choiceSelects, clientFieldChoices } from './lists.js';

const PAGE_SIZE = 50;
const WITHOUT_ADDRESS = 'Mailing-Without-Address';

// Fetches a mailing CSV, saves it, and says what it held back.
async function download(path, params, status) {
  status.replaceChildren();
  try {
    const file = await apiFile(path, { params });
    saveFile(file);
    const left = Number(file.headers.get(WITHOUT_ADDRESS) || 0);
    append(status, h('p', { class: 'ok' }, `Saved ${file.filename}`,
      left ? `; ${left} left out for want of a postal address.` : '.'));
  } catch (error) {
    append(status, errorBox(error));
  }
}

function redraw() {
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

// "clients: kind business, tier A"
function filterText(filter) {
  if (!filter) return 'none: members picked by hand only';
  const fields = Object.entries(filter).filter(([name, value]) => name !== 'entity_kind' && value !== null && value !== undefined);
  return `${filter.entity_kind === 'person' ? 'people' : 'clients'}: ${fields.map(([name, value]) => `${words(name)} ${words(value)}`).join(', ') || 'every one'}`;
}

// -- the list, a new group, and a batch of tasks' mailing ---------------------------------------
export async function groupsView(target, { me, isCurrent }) {
  const query = hashQuery();
  const mayWrite = me.permissions.includes('write');
  const [page, options, taskKinds] = await Promise.all([
    api('/groups', { params: { after: query.get('after'), limit: PAGE_SIZE } }),
    mayWrite ? clientFieldChoices() : null,
    queryChoices('/service/tasks/mailing.csv', 'kind'),
  ]);
  if (!isCurrent()) return;
  append(target, h('h1', {}, 'Groups'),
    section('Groups', page.items.length
      ? table(['Name', 'Members', 'Picked by hand', 'Saved filter', 'Description'], page.items.map((g) => h('tr', { dataset: { group: g.id } },
        h('td', {}, h('a', { href: `#/groups/${encodeURIComponent(g.id)}` }, g.name)), h('td', { class: 'num' }, g.members),
        h('td', { class: 'num' }, g.hand_picked), h('td', {}, filterText(g.filter)), h('td', {}, g.description || ''))), { id: 'group-list' })
      : empty('No groups yet.'), pager('/groups', query, page.next_cursor)),
    mayWrite ? newGroupForm(options) : h('p', { class: 'notice' }, `Your role (${words(me.role)}) may not create groups.`),
    tasksMailing(taskKinds));
}

function newGroupForm(options) {
  const name = h('input', { id: 'group-name', required: true, maxlength: 200, placeholder: 'Business owners' });
  const description = h('input', { id: 'group-description', placeholder: 'optional' });
  const entityKind = h('select', { id: 'group-filter-entity_kind' },
    h('option', { value: 'client' }, 'clients'), h('option', { value: 'person' }, 'people (by influencer segment only)'));
  const selects = choiceSelects(options, {}, 'group-filter');
  let owner = '';
  const ownerPicker = entityPicker({
    id: 'group-filter-owner', path: '/team-members', placeholder: 'any owner: type a name', chosen: null,
    onChange: (member) => { owner = member ? member.id : ''; },
  });
  const status = h('div', { id: 'group-create-outcome', role: 'status' });
  const form = h('form', { id: 'group-create', class: 'filters' },
    h('label', {}, 'Name ', name), h('label', {}, 'Description ', description),
    h('fieldset', {}, h('legend', {}, 'Members selected by a saved filter (leave every field at "any" to pick members by hand)'),
      h('label', {}, 'Of ', entityKind), Object.keys(options).map((field) => h('label', {}, `${CHOICE_LABELS[field]} `, selects[field])),
      h('label', {}, 'Owner ', ownerPicker)),
    h('button', { type: 'submit' }, 'Create group'), status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.replaceChildren();
    const fields = Object.fromEntries(Object.entries({ ...selects, owner_id: { value: owner } })
      .map(([field, control]) => [field, control.value]).filter(([, value]) => value));
    const body = { name: name.value.trim() };
    if (description.value.trim()) body.description = description.value.trim();
    if (Object.keys(fields).length) body.filter = { entity_kind: entityKind.value, ...fields };
    if (!body.name) {
      append(status, h('p', { class: 'error', role: 'alert' }, 'Give the group a name.'));
      return;
    }
    try {
      const group = await api('/groups', { method: 'POST', body });
      location.hash = `#/groups/${encodeURIComponent(group.id)}`;
    } catch (error) {
      append(status, errorBox(error));
    }
  });
  return section('New group', form);
}

function tasksMailing(kinds) {
  const kind = h('select', { id: 'tasks-mailing-kind' }, kinds.map((k) => h('option', { value: k, selected: k === 'holiday_card' }, words(k))));
  const from = h('input', { id: 'tasks-mailing-from', type: 'date', required: true });
  const to = h('input', { id: 'tasks-mailing-to', type: 'date', required: true });
  const status = h('div', { id: 'tasks-mailing-outcome', role: 'status' });
  const form = h('form', { id: 'tasks-mailing', class: 'filters' },
    h('label', {}, 'Tasks of kind ', kind), h('label', {}, 'due from ', from), h('label', {}, 'to ', to),
    h('button', { type: 'submit' }, 'Download mailing CSV'), status);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    download('/service/tasks/mailing.csv', { kind: kind.value, from: from.value, to: to.value }, status);
  });
  return section('Mailing for a batch of open tasks (holiday cards, newsletters, birthdays)', form);
}

// -- one group -------------------------------------------------------------------------------------
export async function groupView(target, { match, me, isCurrent }) {
  const id = decodeURIComponent(match[1]);
  const base = `/groups/${encodeURIComponent(id)}`;
  const query = hashQuery();
  const [group, page] = await Promise.all([api(base), api(`${base}/members`, { params: { after: query.get('after'), limit: PAGE_SIZE } })]);
  if (!isCurrent()) return;
  const mayWrite = me.permissions.includes('write');
  // Each change names the version shown, so a change made meanwhile elsewhere is refused (412), not overwritten.
  const ifMatch = { 'If-Match': `"${group.version}"` };
  const status = h('div', { id: 'group-outcome', role: 'status' });
  const change = async (request) => {
    status.replaceChildren();
    try {
      await request();
      redraw();
    } catch (error) {
      append(status, errorBox(error));
    }
  };
  const remove = (member) => h('button', { type: 'button', class: 'link remove', onclick: () => change(
    () => api(`${base}/members/${encodeURIComponent(member.id)}`, { method: 'DELETE', headers: ifMatch })) }, 'remove');
  const rows = page.items.map((m) => h('tr', { dataset: { member: m.id } },
    h('td', {}, entityLink(m)), h('td', {}, words(m.kind)),
    h('td', {}, [m.hand_picked ? 'by hand' : null, m.by_filter ? 'by filter' : null].filter(Boolean).join(', ')),
    mayWrite ? h('td', {}, m.hand_picked ? remove(m) : null) : null));
  const mailingStatus = h('div', { id: 'group-mailing-outcome', role: 'status' });
  append(target,
    h('p', { class: 'crumbs' }, h('a', { href: '#/groups' }, 'Groups'), ' › group'),
    h('h1', { id: 'group-name' }, group.name),
    group.description ? h('p', {}, group.description) : null,
    h('p', { id: 'group-summary' }, `${group.members} member(s), ${group.hand_picked} picked by hand. Saved filter: ${filterText(group.filter)}.`),
    h('p', { class: 'actions' },
      h('button', { type: 'button', id: 'group-mailing', onclick: () => download(`${base}/mailing.csv`, {}, mailingStatus) }, 'Download mailing CSV'),
      mayWrite ? deleteButton(base, group, ifMatch, status) : null),
    mailingStatus, status,
    section('Members', rows.length
      ? table(['Name', 'Kind', 'How', mayWrite ? '' : null].filter((t) => t !== null), rows, { id: 'group-members' })
      : empty('No members you may see.'), pager(`/groups/${encodeURIComponent(id)}`, query, page.next_cursor)),
    mayWrite ? section('Add members by hand', addMembers(base, ifMatch, change)) : null);
}

// Deleting asks once more in the page (a dialog would stop the page), then goes back to the list.
function deleteButton(base, group, ifMatch, status) {
  const sure = h('span', { hidden: true, id: 'group-delete-confirm' }, `Delete “${group.name}”? Its members stay. `,
    h('button', { type: 'button', id: 'group-delete-yes', onclick: async () => {
      status.replaceChildren();
      try {
        await api(base, { method: 'DELETE', headers: ifMatch });
        location.hash = '#/groups';
      } catch (error) {
        append(status, errorBox(error));
      }
    } }, 'Delete'), ' ',
    h('button', { type: 'button', class: 'link', onclick: () => { sure.hidden = true; } }, 'Keep it'));
  return [' ', h('button', { type: 'button', id: 'group-delete', onclick: () => { sure.hidden = false; } }, 'Delete group…'), ' ', sure];
}

// A client or a person, found by name, added at once.
function addMembers(base, ifMatch, change) {
  const add = (entity) => entity && change(
    () => api(`${base}/members`, { method: 'POST', headers: ifMatch, body: { entity_ids: [entity.id] } }));
  return h('p', {},
    entityPicker({ id: 'group-add-client', path: '/clients', placeholder: 'a client: type a name', chosen: null, onChange: add }), ' ',
    entityPicker({ id: 'group-add-person', path: '/people', placeholder: 'a person: type a name', chosen: null, onChange: add }));
}
