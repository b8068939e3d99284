// Influencers, key-person risk, and tiers and service: the practice-wide reports.
import { api } from '../api.js';
import {
  ROWS_AT_ONCE, append, empty, entityLink, errorBox, fmtMoney, fmtNumber, h, hashQuery, hashWith, longTable, pager, section, table, words,
} from '../dom.js';

function reasons(list) {
  return h('details', {}, h('summary', {}, 'reasons'),
    h('ul', { class: 'reasons' }, list.map((r) => h('li', { class: r.met ? 'met' : 'unmet' }, r.text))));
}

// -- influencers ---------------------------------------------------------------------------------
export async function influencersView(target, { me, isCurrent }) {
  const query = hashQuery();
  const tab = query.get('tab') === 'differences' ? 'differences' : 'ranked';
  const [run] = await api('/analytics/runs', { params: { limit: 1 } });
  if (!isCurrent()) return;
  append(target, h('h1', {}, 'Influencers'));
  const mayWrite = me.permissions.includes('write');
  if (!run) {
    append(target, empty('No scoring run yet.'), mayWrite ? runButton(target) : null);
    return;
  }
  append(target, h('p', { id: 'run-summary' },
    `Latest run ${run.started_at.slice(0, 16).replace('T', ' ')}: ${run.scored} scored; segments `,
    Object.entries(run.segment_counts).map(([segment, count]) => `${words(segment)} ${count}`).join(', '),
    `; ${run.differences} differ from the assigned segment. `, mayWrite ? runButton(target) : null),
  h('p', { class: 'tabs' },
    h('a', { href: hashWith('/influencers', {}), class: tab === 'ranked' ? 'current' : '' }, 'Ranked'), ' ',
    h('a', { id: 'tab-differences', href: hashWith('/influencers', { tab: 'differences' }), class: tab === 'differences' ? 'current' : '' }, `Differences (${run.differences})`)));
  const after = query.get('after') || 0;
  const page = await api(`/analytics/runs/${run.id}/${tab === 'ranked' ? 'scores' : 'differences'}`, { params: { after, limit: 50 } });
  if (!isCurrent()) return;
  const mayApply = tab === 'differences' && me.permissions.includes('apply_suggestions');
  const boxes = [];
  const rows = page.items.map((s) => {
    const box = mayApply ? h('input', { type: 'checkbox', class: 'choose', value: s.entity_id, 'aria-label': `apply to ${s.name}` }) : null;
    if (box) boxes.push(box);
    return h('tr', { dataset: { entity: s.entity_id } },
      mayApply ? h('td', {}, box) : null,
      h('td', { class: 'num' }, s.rank), h('td', {}, entityLink({ id: s.entity_id, kind: s.kind, name: s.name })),
      h('td', {}, words(s.kind)), h('td', { class: 'num' }, fmtNumber(s.composite)),
      h('td', { class: 'suggested' }, words(s.suggested_segment)), h('td', { class: 'assigned' }, words(s.assigned_segment)),
      h('td', {}, s.summary, reasons(s.reasons)));
  });
  const headers = [...(mayApply ? [''] : []), 'Rank', 'Name', 'Kind', 'Score', 'Suggested', 'Assigned', 'Why'];
  append(target, page.items.length ? table(headers, rows, { id: 'scores' }) : empty(tab === 'ranked' ? 'The run scored nobody.' : 'No differences.'),
    pager('/influencers', query, page.next_cursor));
  if (tab !== 'differences' || !page.items.length) return;
  if (!mayApply) {
    append(target, h('p', { class: 'notice', id: 'apply-refused' },
      `Your role (${words(me.role)}) may not apply suggested segments: practice managers and admins may.`));
    return;
  }
  const outcome = h('div', { id: 'apply-outcome', role: 'status' });
  const apply = h('button', { type: 'button', id: 'apply-chosen', onclick: async () => {
    const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
    outcome.replaceChildren();
    if (!chosen.length) { append(outcome, h('p', { class: 'error' }, 'Choose at least one suggestion.')); return; }
    apply.disabled = true;
    try {
      const done = await api(`/analytics/runs/${run.id}/apply`, { method: 'POST', body: { entity_ids: chosen } });
      append(outcome, h('p', { class: 'ok' }, `Applied ${done.applied} of ${done.requested} chosen suggestion(s)`,
        done.applied < done.requested ? ' (the rest were changed by hand since the run).' : '.'));
      for (const change of done.changes) {
        const row = target.querySelector(`tr[data-entity="${CSS.escape(change.entity_id)}"] td.assigned`);
        if (row) row.textContent = words(change.to_segment);
      }
    } catch (error) {
      append(outcome, errorBox(error));
    } finally {
      apply.disabled = false;
    }
  } }, 'Apply chosen suggestions');
  append(target, h('p', {}, apply), outcome);
}

function runButton(target) {
  const button = h('button', { type: 'button', id: 'start-run', onclick: async () => {
    button.disabled = true;
    try {
      await api('/analytics/runs', { method: 'POST', body: {} });
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    } catch (error) {
      append(target, errorBox(error));
      button.disabled = false;
    }
  } }, 'Start a new scoring run');
  return button;
}

// -- key-person risk -------------------------------------------------------------------------------
// The clients a key person or bridge would cut off, by name: the first few at once, the rest
// (of the first 50 the API lists) drawn when opened, so a practice-wide list stays light.
const NAMED_AT_ONCE = 3;

function cutOff(found) {
  const named = found.cut_off_clients;
  const link = (c) => entityLink({ id: c.id, kind: 'client', name: c.name });
  const first = named.slice(0, NAMED_AT_ONCE).flatMap((c, i) => [i ? ', ' : '', link(c)]);
  const unlisted = found.clients_cut_off - named.length;
  const cell = h('td', { class: 'cut-off' }, first);
  if (named.length > NAMED_AT_ONCE) {
    const rest = h('span', {});
    const more = h('details', { ontoggle: () => { if (more.open && !rest.childNodes.length) append(rest, named.slice(NAMED_AT_ONCE).flatMap((c) => [', ', link(c)])); } },
      h('summary', {}, `and ${named.length - NAMED_AT_ONCE} more`), rest);
    append(cell, more);
  }
  if (unlisted > 0) append(cell, h('span', { class: 'muted' }, ` (and ${unlisted} not listed)`));
  return cell;
}

export async function riskView(target, { isCurrent }) {
  const risk = await api('/analytics/key-person-risk');
  if (!isCurrent()) return;
  append(target, h('h1', {}, 'Key-person risk'),
    h('p', { class: 'muted' }, 'People and relationships whose loss would cut clients off from every team member. On each map they wear a red halo (people) or a dashed line (relationships).'),
    section(`Key people (${risk.key_people.length})`, risk.key_people.length
      ? longTable(['Name', 'Kind', 'Clients cut off', 'Which', 'Pieces left'], risk.key_people, (p) => h('tr', {},
        h('td', {}, entityLink({ id: p.entity_id, kind: p.kind, name: p.name }), ' ', h('span', { class: 'badge risk' }, 'key person')),
        h('td', {}, words(p.kind)), h('td', { class: 'num' }, p.clients_cut_off), cutOff(p), h('td', { class: 'num' }, p.pieces)), { id: 'key-people' })
      : empty('Nobody: every client stays reachable whoever leaves.')),
    section(`Bridges (${risk.bridges.length})`, risk.bridges.length
      ? longTable(['Relationship', 'Clients cut off', 'Which'], risk.bridges, (b) => h('tr', {},
        h('td', {}, b.sentence), h('td', { class: 'num' }, b.clients_cut_off), cutOff(b)), { id: 'bridges' })
      : empty('No single relationship cuts a client off.')),
    h('p', { class: 'muted' }, `Graph read at ${risk.graph_read_at}.`));
}

// -- tiers and service -----------------------------------------------------------------------------
// Three sections, each drawn when its own answer comes: on a large practice the overdue report
// and the important dates take seconds, and the tier run need not wait for them.
export async function serviceView(target, { isCurrent }) {
  const query = hashQuery();
  append(target, h('h1', {}, 'Tiers and service'));
  const tiers = section('Latest tier run');
  tiers.id = 'tier-run';
  const overduePanel = section('Overdue clients by owner', loading());
  const datesPanel = section('Important dates in the next 30 days', loading());
  append(target, tiers, overduePanel, datesPanel);
  await Promise.all([
    tierRun(tiers, query, isCurrent),
    filled(overduePanel, api('/service/overdue'), isCurrent, (overdue) => {
      if (!overdue.length) return empty('Nobody is overdue.');
      // A few overdue clients are shown at once; many, owner by owner as each is opened.
      const few = overdue.reduce((sum, owner) => sum + owner.clients.length, 0) <= ROWS_AT_ONCE;
      return h('div', { id: 'overdue' }, overdue.map((owner) => ownerBlock(owner, few)));
    }),
    filled(datesPanel, api('/service/upcoming-dates', { params: { days: 30 } }), isCurrent, (upcoming) => (upcoming.length
      ? longTable(['On', 'In', 'Who', 'What', 'Notes'], upcoming, (d) => h('tr', {},
        h('td', {}, d.on), h('td', {}, d.in_days === 0 ? 'today' : `${d.in_days} days`),
        h('td', {}, entityLink({ id: d.entity_id, kind: d.entity_kind, name: d.name || d.entity_id })),
        h('td', {}, words(d.kind)), h('td', {}, d.notes || '')), { id: 'upcoming' })
      : empty('No important dates in the next 30 days.'))),
  ]);
}

function loading() {
  return h('p', { class: 'muted loading' }, 'Loading…');
}

// Puts what `draw` makes of the answer in place of the panel's "Loading…" (or the error).
async function filled(panel, answer, isCurrent, draw) {
  let content;
  try {
    const value = await answer;
    if (!isCurrent()) return;
    content = draw(value);
  } catch (error) {
    if (!isCurrent()) return;
    content = errorBox(error);
  }
  panel.querySelector('.loading').replaceWith(...[content].flat());
}

async function tierRun(panel, query, isCurrent) {
  const [run] = await api('/tiers/runs', { params: { limit: 1 } });
  if (!isCurrent()) return;
  if (!run) {
    append(panel, empty('No tier run yet (POST /tiers/runs, or `rapport tiers run`).'));
    return;
  }
  const page = await api(`/tiers/runs/${run.id}/suggestions`, { params: { after: query.get('after') || 0, limit: 50 } });
  if (!isCurrent()) return;
  append(panel, h('p', {}, `As of ${run.as_of}: ${run.clients} clients; `,
    Object.entries(run.tier_counts).map(([tier, count]) => `${tier} ${count}`).join(', '), `; ${run.differences} differ from the assigned tier.`),
  table(['Client', 'Suggested', 'Assigned', 'Service cost', 'Why'], page.items.map((s) => h('tr', { class: s.differs ? 'differs' : '' },
    h('td', {}, entityLink({ id: s.client_id, kind: 'client', name: s.name })), h('td', {}, s.suggested_tier || '–'),
    h('td', {}, s.assigned_tier || '–'), h('td', { class: 'num' }, fmtMoney(s.service_cost)), h('td', {}, s.summary, reasons(s.reasons))))),
  pager('/service', query, page.next_cursor));
}

// One owner's overdue clients: the owner and a count, the clients drawn when opened (an owner
// of a large practice may have thousands).
function ownerBlock(owner, open) {
  const name = owner.owner_id ? entityLink({ id: owner.owner_id, kind: 'team_member', name: owner.owner_name || owner.owner_id }) : 'No owner';
  const block = h('details', { class: 'owner', open, dataset: { owner: owner.owner_id || '' } },
    h('summary', {}, h('strong', {}, name), ` (${owner.clients.length})`));
  block.addEventListener('toggle', () => {
    if (!block.open || block.querySelector('table')) return;
    append(block, longTable(['Client', 'Tier', 'Touches done / due', 'Next review', 'Why overdue'], owner.clients, (c) => h('tr', {},
      h('td', {}, entityLink({ id: c.client_id, kind: 'client', name: c.name })), h('td', {}, c.tier || '–'),
      h('td', { class: 'num' }, `${c.touches_done} / ${c.touches_due_to_date}`), h('td', {}, c.next_review || '–'),
      h('td', {}, c.overdue_reasons.join('; ')))));
  });
  return block;
}
