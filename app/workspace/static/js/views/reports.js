// Influencers, key-person risk, and tiers and service: the practice-wide reports.
import { api, everything } from '../api.js';
import { append, empty, entityLink, errorBox, fmtMoney, fmtNumber, h, hashQuery, hashWith, section, table, words } from '../dom.js';

function reasons(list) {
  return h('details', {}, h('summary', {}, 'reasons'),
    h('ul', { class: 'reasons' }, list.map((r) => h('li', { class: r.met ? 'met' : 'unmet' }, r.text))));
}

function pager(path, query, cursor) {
  const after = query.get('after');
  return h('p', { class: 'paging' },
    after ? h('a', { href: hashWith(path, { ...Object.fromEntries(query), after: '' }) }, '« First page') : null, ' ',
    cursor !== null && cursor !== undefined ? h('a', { class: 'next-page', href: hashWith(path, { ...Object.fromEntries(query), after: cursor }) }, 'Next page »') : null);
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
export async function riskView(target, { isCurrent }) {
  const risk = await api('/analytics/key-person-risk');
  if (!isCurrent()) return;
  append(target, h('h1', {}, 'Key-person risk'),
    h('p', { class: 'muted' }, 'People and relationships whose loss would cut clients off from every team member. On each map they wear a red halo (people) or a dashed line (relationships).'),
    section(`Key people (${risk.key_people.length})`, risk.key_people.length
      ? table(['Name', 'Kind', 'Clients cut off', 'Pieces left'], risk.key_people.map((p) => h('tr', {},
        h('td', {}, entityLink({ id: p.entity_id, kind: p.kind, name: p.name }), ' ', h('span', { class: 'badge risk' }, 'key person')),
        h('td', {}, words(p.kind)), h('td', { class: 'num' }, p.clients_cut_off), h('td', { class: 'num' }, p.pieces))), { id: 'key-people' })
      : empty('Nobody: every client stays reachable whoever leaves.')),
    section(`Bridges (${risk.bridges.length})`, risk.bridges.length
      ? table(['Relationship', 'Clients cut off'], risk.bridges.map((b) => h('tr', {},
        h('td', {}, b.sentence), h('td', { class: 'num' }, b.clients_cut_off))), { id: 'bridges' })
      : empty('No single relationship cuts a client off.')),
    h('p', { class: 'muted' }, `Graph read at ${risk.graph_read_at}.`));
}

// -- tiers and service -----------------------------------------------------------------------------
export async function serviceView(target, { isCurrent }) {
  const query = hashQuery();
  const [runs, overdue, upcoming, team] = await Promise.all([
    api('/tiers/runs', { params: { limit: 1 } }), api('/service/overdue'), api('/service/upcoming-dates', { params: { days: 30 } }),
    everything('/team-members'),
  ]);
  if (!isCurrent()) return;
  const run = runs[0];
  append(target, h('h1', {}, 'Tiers and service'));
  const tiers = section('Latest tier run');
  tiers.id = 'tier-run';
  append(target, tiers);
  if (!run) append(tiers, empty('No tier run yet (POST /tiers/runs, or `rapport tiers run`).'));
  else {
    const page = await api(`/tiers/runs/${run.id}/suggestions`, { params: { after: query.get('after') || 0, limit: 50 } });
    if (!isCurrent()) return;
    append(tiers, h('p', {}, `As of ${run.as_of}: ${run.clients} clients; `,
      Object.entries(run.tier_counts).map(([tier, count]) => `${tier} ${count}`).join(', '), `; ${run.differences} differ from the assigned tier.`),
    table(['Client', 'Suggested', 'Assigned', 'Service cost', 'Why'], page.items.map((s) => h('tr', { class: s.differs ? 'differs' : '' },
      h('td', {}, entityLink({ id: s.client_id, kind: 'client', name: s.name })), h('td', {}, s.suggested_tier || '–'),
      h('td', {}, s.assigned_tier || '–'), h('td', { class: 'num' }, fmtMoney(s.service_cost)), h('td', {}, s.summary, reasons(s.reasons))))),
    pager('/service', query, page.next_cursor));
  }
  const names = new Map(team.map((m) => [m.id, m.name]));
  const ownerBlock = (owner) => h('div', { class: 'owner' },
    h('h3', {}, owner.owner_id ? entityLink({ id: owner.owner_id, kind: 'team_member', name: owner.owner_name || names.get(owner.owner_id) || owner.owner_id }) : 'No owner',
      ` (${owner.clients.length})`),
    table(['Client', 'Tier', 'Touches done / due', 'Next review', 'Why overdue'], owner.clients.map((c) => h('tr', {},
      h('td', {}, entityLink({ id: c.client_id, kind: 'client', name: c.name })), h('td', {}, c.tier || '–'),
      h('td', { class: 'num' }, `${c.touches_done} / ${c.touches_due_to_date}`), h('td', {}, c.next_review || '–'),
      h('td', {}, c.overdue_reasons.join('; '))))));
  append(target, section('Overdue clients by owner', overdue.length
    ? h('div', { id: 'overdue' }, overdue.map(ownerBlock))
    : empty('Nobody is overdue.')));
  append(target, section('Important dates in the next 30 days', upcoming.length
    ? table(['On', 'In', 'Who', 'What', 'Notes'], upcoming.map((d) => h('tr', {},
      h('td', {}, d.on), h('td', {}, d.in_days === 0 ? 'today' : `${d.in_days} days`),
      h('td', {}, entityLink({ id: d.entity_id, kind: d.entity_kind, name: d.name || d.entity_id })),
      h('td', {}, words(d.kind)), h('td', {}, d.notes || ''))), { id: 'upcoming' })
    : empty('No important dates in the next 30 days.')));
}
