// The work queue: a team member's open service tasks (a manager's include their reports'),
// overdue, due this week and coming up, filtered by kind and client; complete, skip with a
// reason, or reassign each. Also a client's service plan, shown on the client's page.
import { api, queryChoices, teamMemberNames } from '../api.js';
import { entityPicker } from '../picker.js';
import {
  ROWS_AT_ONCE, append, clear, empty, entityLink, errorBox, h, hashQuery, hashWith, longTable, section, words,
} from '../dom.js';

const SECTIONS = [['overdue', 'Overdue'], ['this_week', 'Due this week'], ['coming_up', 'Coming up']];

// "birthday of Rose Elliott", "holiday card".
function taskName(task) {
  return `${words(task.kind)}${task.subject_name ? ` of ${task.subject_name}` : ''}`;
}

function clientLink(task) {
  return entityLink({ id: task.client_id, kind: 'client', name: task.client_name || task.client_id });
}

export async function workView(target, { me, isCurrent }) {
  const query = hashQuery();
  const chosen = { member: query.get('member') || '', kind: query.get('kind') || '', client: query.get('client') || '' };
  const go = (changes) => { location.hash = hashWith('/work', { ...chosen, ...changes }); };
  const [kinds, reports, client, names] = await Promise.all([
    queryChoices('/work/queue', 'kind'),
    me.team_member_id ? api('/team-members', { params: { reports_to_id: me.team_member_id, limit: ROWS_AT_ONCE } }) : { items: [] },
    // The chosen client by name; one the caller may not see stays an id.
    chosen.client ? api(`/clients/${encodeURIComponent(chosen.client)}`).catch((error) => {
      if (error.status !== 404) throw error;
      return { id: chosen.client, name: chosen.client };
    }) : null,
    teamMemberNames([chosen.member]),
  ]);
  if (!isCurrent()) return;

  // Whose queue: the caller's own (with everyone below them), one of their reports', or any
  // team member's found by name.
  const whose = h('select', { id: 'work-member', onchange: () => go({ member: whose.value }) },
    h('option', { value: '' }, 'mine'),
    reports.items.map((m) => h('option', { value: m.id, selected: m.id === chosen.member }, m.name)),
    chosen.member && !reports.items.some((m) => m.id === chosen.member)
      ? h('option', { value: chosen.member, selected: true }, names.get(chosen.member) || chosen.member) : null);
  const memberPicker = entityPicker({
    id: 'work-member-find', path: '/team-members', placeholder: 'or find a team member', chosen: null,
    onChange: (member) => go({ member: member ? member.id : '' }),
  });
  const kindSelect = h('select', { id: 'work-kind', onchange: () => go({ kind: kindSelect.value }) },
    h('option', { value: '' }, 'any kind'), kinds.map((kind) => h('option', { value: kind, selected: kind === chosen.kind }, words(kind))));
  const clientPicker = entityPicker({
    id: 'work-client', path: '/clients', placeholder: 'any client: type a name', chosen: client, clearLabel: 'any client',
    onChange: (picked) => go({ client: picked ? picked.id : '' }),
  });
  const outcome = h('div', { id: 'work-outcome', role: 'status' });
  const queue = h('div', { id: 'work-queue' });
  append(target, h('h1', {}, 'Work'),
    h('form', { class: 'filters', onsubmit: (event) => event.preventDefault() },
      h('label', {}, 'Whose queue ', whose), memberPicker,
      h('label', {}, 'Kind ', kindSelect), h('label', {}, 'Client ', clientPicker)),
    outcome, queue);

  const mayChange = me.permissions.includes('write');
  const params = { member_id: chosen.member, kind: chosen.kind, client_id: chosen.client };
  const draw = async () => {
    const pages = await Promise.all(SECTIONS.map(([name]) => api('/work/queue', { params: { ...params, section: name } })));
    if (!isCurrent()) return;
    const [first] = pages;
    const below = first.team_member_ids.length - 1;
    append(clear(queue), h('p', { id: 'work-summary' },
      `Work queue of ${first.team_member_name}${below ? ` and ${below} below them` : ''}, ${first.today}: `,
      `${first.counts.overdue} overdue, ${first.counts.this_week} due this week (to ${first.week_end}), `,
      `${first.counts.coming_up} coming up (to ${first.horizon}).`),
    mayChange ? null : h('p', { class: 'notice', id: 'work-read-only' },
      `Your role (${words(me.role)}) may read the queue but not complete, skip or reassign tasks.`),
    SECTIONS.map(([name, title], i) => queueSection(name, title, pages[i], { ...params, section: name }, mayChange, act)));
  };
  // After each action the queue is read again (counts and sections), then what happened is said
  // above it (so the message comes with the updated list).
  const act = async (work, done) => {
    outcome.replaceChildren();
    let message;
    try {
      message = done(await work());
    } catch (error) {
      append(outcome, errorBox(error));
      return;
    }
    await draw().catch((error) => append(outcome, errorBox(error)));
    append(outcome, h('p', { class: 'ok' }, message));
  };
  await draw();
}

function queueSection(name, title, page, params, mayChange, act) {
  const body = h('tbody', {});
  const more = h('button', { type: 'button', class: 'show-more' });
  let cursor = page.next_cursor;
  const add = (items) => {
    append(body, items.map((task) => taskRow(task, mayChange, act)));
    more.hidden = !cursor;
    more.textContent = `Show ${page.counts[name] - body.children.length} more`;
  };
  more.addEventListener('click', async () => {
    more.disabled = true;
    const next = await api('/work/queue', { params: { ...params, after: cursor } });
    cursor = next.next_cursor;
    more.disabled = false;
    add(next.items);
  });
  add(page.items);
  const panel = section(`${title} (${page.counts[name]})`, page.items.length
    ? [h('table', { id: `work-${name}` }, h('thead', {}, h('tr', {},
      ['Due', 'Client', 'Task', 'For', 'What produced it', mayChange ? 'Actions' : null].filter(Boolean).map((t) => h('th', {}, t)))), body), more]
    : empty('Nothing here.'));
  panel.id = `section-${name}`;
  return panel;
}

function taskRow(task, mayChange, act) {
  return h('tr', { dataset: { task: task.id } },
    h('td', {}, task.due), h('td', {}, clientLink(task)), h('td', { class: 'kind' }, taskName(task)),
    h('td', {}, task.assignee_name || '–'), h('td', { class: 'muted' }, task.source),
    mayChange ? h('td', { class: 'actions' }, taskActions(task, act)) : null);
}

function taskActions(task, act) {
  const path = `/service/tasks/${encodeURIComponent(task.id)}`;
  const what = `${taskName(task)} for ${task.client_name || task.client_id}`;
  const complete = h('button', { type: 'button', class: 'complete', onclick: () => act(
    () => api(`${path}/complete`, { method: 'POST', body: {} }),
    (done) => `Done: ${what}; a touch logged on ${done.done_on}.`) }, 'Done');
  const reason = h('input', { type: 'text', class: 'reason', maxlength: 500, placeholder: 'why skip it', 'aria-label': `why skip ${what}` });
  const skip = h('form', { class: 'skip' }, reason, h('button', { type: 'submit' }, 'Skip'));
  skip.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!reason.value.trim()) {
      // The API refuses it too; here the page says so before asking.
      act(async () => { throw new Error(`Say why you skip the ${what}: a reason is needed.`); });
      return;
    }
    act(() => api(`${path}/skip`, { method: 'POST', body: { reason: reason.value.trim() } }),
      (skipped) => `Skipped: ${what} (${skipped.reason}).`);
  });
  const reassign = entityPicker({
    id: `reassign-${task.id}`, path: '/team-members', placeholder: 'give to: type a name', chosen: null,
    onChange: (member) => member && act(
      () => api(`${path}/reassign`, { method: 'POST', body: { assignee_id: member.id } }),
      () => `Reassigned: ${what}, to ${member.name}.`),
  });
  return [complete, h('details', { class: 'task-more' }, h('summary', {}, 'skip or reassign'), skip, reassign)];
}

// -- a client's service plan (on the client's page) -------------------------------------------------
export async function servicePlan(clientId) {
  const tasks = await api(`/clients/${encodeURIComponent(clientId)}/service-plan`);
  const names = await teamMemberNames(tasks.map((t) => t.assignee_id));
  const status = (t) => (t.status === 'done' ? `done on ${t.done_on}` : t.status === 'skipped' ? `skipped: ${t.reason}` : 'open');
  const panel = section('Service plan', h('p', {}, h('a', { href: hashWith('/work', { client: clientId }) }, 'This client in the work queue')),
    tasks.length
      ? longTable(['Due', 'Task', 'Status', 'For', 'What produced it'], tasks, (t) => h('tr', { class: t.status, dataset: { task: t.id } },
        h('td', {}, t.due), h('td', {}, taskName(t)), h('td', { class: 'status' }, status(t)),
        h('td', {}, t.assignee_id ? names.get(t.assignee_id) || '–' : '–'), h('td', { class: 'muted' }, t.source)), { id: 'service-plan' })
      : empty('No service plan: the client has no tier, or plans have not been generated (POST /service/plans, or `rapport work plan`).'));
  panel.id = 'service-plan-panel';
  return panel;
}
