// A referral chain: the lineage up to the original source, and the tree downstream, drawn as a
// tree, each entity with its converted status, revenue and assets, and its subtree's totals.
import { api } from '../api.js';
import { newCytoscape, nodeData, runLayout } from '../map.js';
import { append, empty, fmtMoney, h, hashQuery, hashWith, section, entityLink } from '../dom.js';

export async function referralView(target, { match, isCurrent }) {
  const id = decodeURIComponent(match[1]);
  const depth = Number(hashQuery().get('depth') || 3);
  const [lineage, tree, segments] = await Promise.all([
    api(`/analytics/referrals/${encodeURIComponent(id)}/lineage`),
    api(`/analytics/referrals/${encodeURIComponent(id)}/tree`, { params: { depth } }),
    api('/categories/influencer-segments'),
  ]);
  if (!isCurrent()) return;
  const depthSelect = h('select', { id: 'tree-depth', onchange: () => { location.hash = hashWith(`/referrals/${encodeURIComponent(id)}`, { depth: depthSelect.value }); } },
    [1, 2, 3, 4, 5, 6, 8, 10].map((d) => h('option', { value: d, selected: d === depth }, `${d} levels`)));
  append(target, 
    h('h1', {}, 'Referral chain of ', entityLink({ id, kind: tree.kind, name: tree.name })),
    section('Lineage: who referred them, up to the source',
      lineage.chain.length
        ? h('ol', { id: 'lineage' }, lineage.chain.map((step) => h('li', {}, step.sentence)))
        : empty('Nobody referred them: they are an original source.'),
      lineage.sources.length && lineage.chain.length ? h('p', { class: 'muted' }, `${lineage.referrers.length} referral(s) upstream in all.`) : null),
    section('Referred downstream', h('p', {}, 'Depth ', depthSelect),
      totals(tree),
      tree.children.length ? h('div', { class: 'cy tree', id: 'tree-map' }) : null,
      tree.children.length ? h('ul', { class: 'tree-list', id: 'referral-tree' }, treeItem(tree)) : empty('They have referred nobody.'),
      tree.truncated ? h('p', { class: 'muted' }, 'Some referrals go deeper than shown: raise the depth.') : null),
  );
  if (tree.children.length) await drawTree(target.querySelector('#tree-map'), tree, segments.map((s) => s.code));
}

function totals(node) {
  return h('p', { class: 'totals' },
    `${node.downstream} referred downstream, ${node.converted} became clients; attributable revenue `,
    h('strong', {}, fmtMoney(node.attributable_revenue)), ', assets ', h('strong', {}, fmtMoney(node.attributable_assets_under_management)), '.');
}

// The tree holds only entities the reader may see (the API leaves the rest out, and their figures).
function treeItem(node) {
  return h('li', {}, entityLink({ id: node.entity_id, kind: node.kind, name: node.name }),
    node.converted_client ? h('span', { class: 'badge converted' }, 'converted client') : h('span', { class: 'badge' }, node.stage || node.kind),
    ` revenue ${fmtMoney(node.annual_revenue)}, assets ${fmtMoney(node.assets_under_management)}`,
    node.children.length ? h('span', { class: 'muted' }, ` · subtree: ${node.downstream} referred, ${node.converted} converted, revenue ${fmtMoney(node.attributable_revenue)}, assets ${fmtMoney(node.attributable_assets_under_management)}`) : null,
    node.children.length ? h('ul', {}, node.children.map(treeItem)) : null);
}

// The map draws the tree level by level up to this many entities (a large tree is no longer
// readable as a drawing, and its layout would hold the page for seconds); the list has them all.
const TREE_MAP_MOST = 250;

async function drawTree(element, tree, segments) {
  const cy = newCytoscape(element);
  const elements = [];
  let level = [[tree, null]];
  let drawn = 0;
  while (level.length && drawn < TREE_MAP_MOST) {
    const next = [];
    for (const [node, parentId] of level.slice(0, TREE_MAP_MOST - drawn)) {
      const id = node.entity_id;
      const data = nodeData({ id, kind: node.kind, name: node.name, depth: node.depth }, segments);
      data.label = [node.name, node.converted_client ? '✓ converted' : node.stage || '',
        node.children.length ? `subtree ${fmtMoney(node.attributable_revenue)} / ${fmtMoney(node.attributable_assets_under_management)}` : ''].filter(Boolean).join('\n');
      elements.push({ group: 'nodes', data });
      if (parentId) elements.push({ group: 'edges', data: { id: `${parentId}>${id}`, source: parentId, target: id, colour: '#e6550d' } });
      drawn += 1;
      next.push(...node.children.map((child) => [child, id]));
    }
    level = next;
  }
  const count = (node) => 1 + node.children.reduce((sum, child) => sum + count(child), 0);
  const total = count(tree);
  if (drawn < total) {
    element.before(h('p', { class: 'muted', id: 'tree-map-note' },
      `The map draws the first ${drawn} of ${total} entities, level by level; the list below has them all.`));
  }
  cy.add(elements);
  cy.getElementById(tree.entity_id).addClass('centre');
  await runLayout(cy, { name: 'breadthfirst', directed: true, roots: [tree.entity_id], spacingFactor: 1.1 }, element);
}
