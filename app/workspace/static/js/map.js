// The relationship map: Cytoscape.js (vendored, canvas 2D) drawing ego networks, expansions
// with undo and collapse, referral trees and introduction paths.
import { api } from './api.js';
import { KIND_LABEL, KIND_PATH, append, clear, entityHref, h, words } from './dom.js';

// Colour by influencer segment; the defaults first, any segment a practice adds from the rest.
const SEGMENT_COLOURS = { critical: '#d62728', important: '#ff7f0e', standard: '#1f77b4' };
const SPARE_COLOURS = ['#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];
const NO_SEGMENT = '#b0b7bf';
const KIND_SHAPES = { client: 'round-rectangle', person: 'ellipse', team_member: 'diamond', provider: 'hexagon', division: 'triangle' };
const CATEGORY_COLOURS = { membership: '#6b7b8c', family: '#2ca02c', professional: '#9467bd', referral: '#e6550d', other: '#999999' };
const TIER_COLOURS = { AAA: '#7a5c00', AA: '#b8860b', A: '#daa520', B: '#4682b4', C: '#708090', D: '#a9a9a9' };
const PATH_COLOURS = ['#0a7d32', '#1565c0', '#8e24aa', '#c62828', '#ef6c00'];
export const PAGE = 25;

export function segmentColour(code, known = []) {
  if (!code) return NO_SEGMENT;
  if (SEGMENT_COLOURS[code]) return SEGMENT_COLOURS[code];
  const extra = known.filter((c) => !SEGMENT_COLOURS[c]);
  const at = Math.max(0, extra.indexOf(code));
  return SPARE_COLOURS[at % SPARE_COLOURS.length];
}

const STYLE = [
  { selector: 'node', style: {
    label: 'data(label)', 'background-color': 'data(colour)', shape: 'data(shape)', width: 22, height: 22,
    'font-size': 9, 'text-valign': 'bottom', 'text-margin-y': 3, 'text-wrap': 'wrap', 'text-max-width': 110,
    'border-width': 1, 'border-color': '#44505c', color: '#1d2730',
    'text-background-color': '#ffffff', 'text-background-opacity': 0.7, 'text-background-padding': 1,
  } },
  { selector: 'node[tierColour]', style: { 'border-width': 4, 'border-color': 'data(tierColour)' } },
  { selector: 'node.centre', style: { width: 34, height: 34, 'font-weight': 'bold' } },
  { selector: 'node.key-person', style: { 'underlay-color': '#d62728', 'underlay-opacity': 0.35, 'underlay-padding': 6, 'underlay-shape': 'ellipse' } },
  { selector: 'node.locked', style: { 'background-color': '#e0e0e0', 'border-style': 'dashed', 'border-color': '#777', shape: 'round-rectangle' } },
  { selector: 'node.expanded', style: { 'border-style': 'double', 'border-width': 5 } },
  { selector: 'node:selected', style: { 'overlay-color': '#1565c0', 'overlay-opacity': 0.25, 'overlay-padding': 5 } },
  { selector: 'edge', style: {
    width: 1.5, 'line-color': 'data(colour)', 'curve-style': 'bezier', 'target-arrow-shape': 'triangle',
    'target-arrow-color': 'data(colour)', 'arrow-scale': 0.7,
  } },
  { selector: 'edge[label]', style: { label: 'data(label)', 'font-size': 8, 'text-rotation': 'autorotate', color: '#333', 'text-background-color': '#fff', 'text-background-opacity': 0.8 } },
  { selector: 'edge.bridge', style: { 'line-style': 'dashed', width: 3 } },
  { selector: '.filtered', style: { display: 'none' } },
  { selector: '.faded', style: { opacity: 0.12 } },
  { selector: 'edge.on-path', style: { width: 'data(pathWidth)', 'line-color': 'data(pathColour)', 'target-arrow-color': 'data(pathColour)', 'z-index': 10 } },
  { selector: 'node.on-path', style: { 'border-width': 4, 'border-color': 'data(pathColour)', 'z-index': 10 } },
];

export function nodeData(node, segments) {
  const parts = [node.name];
  if (node.tier) parts.push(`[${node.tier}]`);
  return {
    id: node.id, name: node.name, kind: node.kind, depth: node.depth ?? 0, label: parts.join(' '),
    colour: segmentColour(node.influencer_segment, segments), shape: KIND_SHAPES[node.kind] || 'ellipse',
    tier: node.tier || undefined, tierColour: node.tier ? TIER_COLOURS[node.tier] : undefined,
    influencer_segment: node.influencer_segment || null, stage: node.stage || null, segment: node.segment || null,
  };
}

export function lockedData(id, depth = 0) {
  return { id, name: null, kind: null, depth, label: 'locked: restricted', colour: '#e0e0e0', shape: 'round-rectangle', locked: true };
}

export function edgeData(edge) {
  return {
    id: edge.id, source: edge.from_id, target: edge.to_id, category: edge.category, type: edge.type,
    sentence: edge.sentence, colour: CATEGORY_COLOURS[edge.category] || CATEGORY_COLOURS.other,
  };
}

export function newCytoscape(container) {
  return window.cytoscape({
    container, style: STYLE, wheelSensitivity: 0.3, minZoom: 0.05, maxZoom: 4, boxSelectionEnabled: false,
    // Faster drawing of big networks: hide labels and edges while panning and zooming.
    hideEdgesOnViewport: true, hideLabelsOnViewport: true, textureOnViewport: false,
  });
}

// Resolves once the map has run its layout and painted a frame; marks the element for tests and benches.
export function runLayout(cy, options, element) {
  element.dataset.mapState = 'layout';
  return new Promise((resolve) => {
    const layout = cy.layout({ animate: false, fit: true, padding: 24, ...options });
    layout.one('layoutstop', () => requestAnimationFrame(() => {
      // A handful of entities would fill the frame at a giant size: no closer than 1.3.
      if (cy.zoom() > 1.3) {
        cy.zoom(1.3);
        cy.center();
      }
      element.dataset.mapState = 'drawn';
      resolve();
    }));
    layout.run();
  });
}

function legend(segments, categories) {
  const swatch = (colour, cls = 'swatch') => {
    const el = h('span', { class: cls });
    el.style[cls === 'ring' ? 'color' : 'backgroundColor'] = colour;
    return el;
  };
  return h('div', { class: 'legend', id: 'map-legend' },
    h('div', {}, h('strong', {}, 'Influencer segment: '),
      segments.map((code) => h('span', { class: 'item' }, swatch(segmentColour(code, segments)), words(code))),
      h('span', { class: 'item' }, swatch(NO_SEGMENT), 'none')),
    h('div', {}, h('strong', {}, 'Kind: '),
      Object.entries(KIND_SHAPES).map(([kind, shape]) => h('span', { class: `item shape-${shape}` }, h('span', { class: 'shape' }), KIND_LABEL[kind]))),
    h('div', {}, h('strong', {}, 'Tier ring: '),
      Object.entries(TIER_COLOURS).map(([tier, colour]) => h('span', { class: 'item' }, swatch(colour, 'ring'), tier))),
    h('div', {}, h('strong', {}, 'Relationship: '),
      categories.map((category) => h('span', { class: 'item' }, swatch(CATEGORY_COLOURS[category] || CATEGORY_COLOURS.other, 'line'), words(category))),
      h('span', { class: 'item' }, h('span', { class: 'halo' }), 'key person (loss cuts clients off)'),
      h('span', { class: 'item' }, h('span', { class: 'dashed' }), 'bridge'),
      h('span', { class: 'item' }, h('span', { class: 'locked' }, 'locked'), ' restricted: outside what you may see'),
      h('span', { class: 'item' }, 'double border: expanded')));
}

// The ego network of one entity, expandable node by node.
export class EgoMap {
  constructor(root, { segments, categories }) {
    this.segments = segments;
    this.categories = categories;
    this.history = [];     // expansions, oldest first: { origin, nodes: [ids], edges: [ids] }
    this.pending = new Map(); // per expanded node: { remaining: [node], edges: [edge], total, truncated }
    this.hiddenCategories = new Set();
    this.depth = 1;
    this.banner = h('p', { class: 'banner', id: 'map-banner', role: 'status' });
    this.card = h('div', { class: 'card', id: 'map-card' }, h('p', { class: 'muted' }, 'Click an entity for its card; double-click to expand it.'));
    this.undoButton = h('button', { type: 'button', id: 'map-undo', disabled: true, onclick: () => this.undo() }, 'Undo expansion');
    this.depthSelect = h('select', { id: 'map-depth', onchange: () => this.load(this.centre, Number(this.depthSelect.value)) },
      [1, 2, 3].map((d) => h('option', { value: d }, `depth ${d}`)));
    const filters = h('span', { class: 'categories', id: 'map-categories' }, 'Show: ',
      categories.map((category) => h('label', {}, h('input', {
        type: 'checkbox', checked: true, value: category,
        onchange: (event) => { this.toggleCategory(category, event.target.checked); },
      }), ` ${words(category)} `)));
    this.container = h('div', { class: 'cy', id: 'map' });
    append(root, [
      h('div', { class: 'toolbar' }, this.depthSelect, ' ', this.undoButton, ' ', filters),
      this.banner,
      h('div', { class: 'map-area' }, this.container, this.card),
      legend(segments, categories),
    ]);
    this.cy = newCytoscape(this.container);
    this.cy.on('tap', 'node', (event) => this.showCard(event.target));
    this.cy.on('tap', 'edge', (event) => this.showEdge(event.target));
    this.cy.on('dbltap', 'node', (event) => this.expand(event.target.id()));
  }

  async load(centre, depth) {
    this.centre = centre;
    this.depth = depth;
    this.depthSelect.value = String(depth);
    this.history = [];
    this.pending.clear();
    const network = await api(`/${KIND_PATH[centre.kind]}/${encodeURIComponent(centre.id)}/network`, { params: { depth } });
    this.truncated = network.truncated;
    this.cy.elements().remove();
    this.cy.add([
      ...network.nodes.map((node) => ({ group: 'nodes', data: nodeData(node, this.segments), classes: node.id === centre.id ? 'centre' : '' })),
      ...network.edges.map((edge) => ({ group: 'edges', data: edgeData(edge) })),
    ]);
    this.applyFilter();
    await this.layout();
    this.describe();
  }

  layout() {
    return runLayout(this.cy, {
      name: 'concentric', concentric: (node) => 10 - node.data('depth'), levelWidth: () => 1, minNodeSpacing: 12,
    }, this.container);
  }

  node(id) {
    return this.cy.getElementById(id);
  }

  async expand(id) {
    const node = this.node(id);
    if (node.empty() || node.data('locked')) return;
    if (!this.pending.has(id)) {
      const network = await api(`/${KIND_PATH[node.data('kind')]}/${encodeURIComponent(id)}/network`, { params: { depth: 1, max_nodes: 2000 } });
      const neighbours = network.nodes.filter((n) => n.id !== id);
      this.pending.set(id, {
        remaining: neighbours.filter((n) => this.node(n.id).empty()), edges: network.edges,
        total: neighbours.length, truncated: network.truncated,
      });
    }
    await this.more(id);
  }

  // The next page of an expanded node's neighbours (25 at a time).
  async more(id) {
    const state = this.pending.get(id);
    const origin = this.node(id);
    const depth = origin.data('depth') + 1;
    const page = state.remaining.filter((n) => this.node(n.id).empty()).slice(0, PAGE);
    const taken = new Set(page.map((n) => n.id));
    state.remaining = state.remaining.filter((n) => !taken.has(n.id) && this.node(n.id).empty());
    const added = this.cy.add(page.map((n) => ({ group: 'nodes', data: nodeData({ ...n, depth }, this.segments) })));
    const edges = state.edges.filter((e) => this.node(e.id).empty() && !this.node(e.from_id).empty() && !this.node(e.to_id).empty());
    const addedEdges = this.cy.add(edges.map((e) => ({ group: 'edges', data: edgeData(e) })));
    this.history.push({ origin: id, nodes: added.map((n) => n.id()), edges: addedEdges.map((e) => e.id()), page });
    origin.addClass('expanded');
    this.applyFilter();
    await this.layout();
    this.describe();
    this.showCard(origin);
  }

  undo() {
    const last = this.history.pop();
    if (!last) return;
    this.removeExpansion(last);
    this.describe();
  }

  // Take back every expansion of this node, and those made later from what they added.
  collapse(id) {
    const gone = new Set([id]);
    const undone = this.history.filter((entry) => {
      if (!gone.has(entry.origin)) return false;
      entry.nodes.forEach((n) => gone.add(n));
      return true;
    });
    this.history = this.history.filter((entry) => !undone.includes(entry));
    undone.reverse().forEach((entry) => this.removeExpansion(entry));
    this.describe();
    this.showCard(this.node(id));
  }

  removeExpansion(entry) {
    const state = this.pending.get(entry.origin);
    this.cy.remove(this.cy.collection([...entry.nodes, ...entry.edges].map((i) => this.node(i)).filter((e) => e.nonempty())));
    if (state) state.remaining = [...entry.page, ...state.remaining];
    if (!this.history.some((e) => e.origin === entry.origin)) {
      this.node(entry.origin).removeClass('expanded');
      this.pending.delete(entry.origin);
    }
  }

  toggleCategory(category, shown) {
    if (shown) this.hiddenCategories.delete(category); else this.hiddenCategories.add(category);
    this.applyFilter();
    this.describe();
  }

  // Edges of hidden categories go; so does every entity (but the centre) left with no edge shown.
  applyFilter() {
    this.cy.batch(() => {
      this.cy.elements().removeClass('filtered');
      this.cy.edges().filter((e) => this.hiddenCategories.has(e.data('category'))).addClass('filtered');
      this.cy.nodes().filter((n) => n.id() !== this.centre.id && n.connectedEdges().nonempty()
        && n.connectedEdges().every((e) => e.hasClass('filtered'))).addClass('filtered');
    });
  }

  describe() {
    const shown = this.cy.nodes().not('.filtered').length;
    const onMap = this.cy.nodes().length;
    const waiting = [...this.pending.values()].reduce((sum, s) => sum + s.remaining.length, 0);
    const known = onMap + waiting;
    const lines = [`Showing ${shown} of ${known} entities`];
    if (shown < onMap) lines.push(` (${onMap - shown} hidden by the relationship filter)`);
    if (this.truncated) lines.push(`; the network within depth ${this.depth} is larger: the API stops at 500 entities`);
    append(clear(this.banner), lines.join(''));
    for (const [id, state] of this.pending) {
      if (!state.remaining.length) continue;
      const origin = this.node(id);
      const count = Math.min(PAGE, state.remaining.length);
      append(this.banner, h('span', { class: 'more' }, ` · ${origin.data('name')}: ${state.total - state.remaining.length} of ${state.total}${state.truncated ? '+' : ''} neighbours shown `,
        h('button', { type: 'button', class: 'more-button', onclick: () => this.more(id) }, `${count} more of ${state.remaining.length}`)));
    }
    this.undoButton.disabled = this.history.length === 0;
  }

  showCard(node) {
    const data = node.data();
    clear(this.card);
    if (data.locked) {
      append(this.card, h('h3', {}, 'Locked: restricted'), h('p', {}, 'An entity outside what you may see.'));
      return;
    }
    const rows = [['kind', KIND_LABEL[data.kind]], ['stage', data.stage], ['segment', data.segment], ['tier', data.tier],
      ['influencer segment', data.influencer_segment]].filter(([, v]) => v);
    append(this.card, 
      h('h3', {}, data.name),
      h('dl', {}, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, words(v))])),
      data.keyPerson ? h('p', { class: 'warning' }, `Key person: their loss would cut off ${data.keyPerson} client(s).`) : null,
      h('p', {},
        h('a', { href: entityHref(data.kind, data.id) }, 'Open page'), ' ',
        h('button', { type: 'button', class: 'expand-button', onclick: () => this.expand(data.id) }, 'Expand'), ' ',
        node.hasClass('expanded') ? h('button', { type: 'button', class: 'collapse-button', onclick: () => this.collapse(data.id) }, 'Collapse') : null));
  }

  showEdge(edge) {
    append(clear(this.card), h('h3', {}, words(edge.data('category'))), h('p', {}, edge.data('sentence')),
      edge.data('bridge') ? h('p', { class: 'warning' }, `Bridge: losing it cuts off ${edge.data('bridge')} client(s).`) : null);
  }

  // Key-person risk as badges: a red halo on key people, dashed bridges.
  markRisk(risk) {
    for (const person of risk.key_people) {
      const node = this.node(person.entity_id);
      if (node.nonempty()) node.addClass('key-person').data('keyPerson', person.clients_cut_off);
    }
    for (const bridge of risk.bridges) {
      const edge = this.node(bridge.relationship_id);
      if (edge.nonempty()) edge.addClass('bridge').data('bridge', bridge.clients_cut_off);
    }
    this.riskMarked = true;
  }
}

// Introduction paths: the target's neighbourhood faded, the k best chains drawn in rank colours.
export async function drawPaths(cy, element, found, context, segments) {
  cy.elements().remove();
  const elements = new Map();
  const add = (element) => { if (!elements.has(element.data.id)) elements.set(element.data.id, element); };
  for (const node of context.nodes) add({ group: 'nodes', data: nodeData(node, segments) });
  for (const edge of context.edges) add({ group: 'edges', data: edgeData(edge) });
  found.paths.forEach((path, rank) => {
    const ids = path.entities.map((entity, at) => (entity ? entity.id : `restricted-${rank}-${at}`));
    path.entities.forEach((entity, at) => {
      if (entity) add({ group: 'nodes', data: nodeData({ ...entity, depth: 2 }, segments) });
      else add({ group: 'nodes', data: lockedData(ids[at], 2), classes: 'locked' });
    });
    path.relationship_ids.forEach((id, at) => add({ group: 'edges', data: {
      id: id || `restricted-edge-${rank}-${at}`, source: ids[at], target: ids[at + 1], colour: '#999', sentence: path.steps[at],
    } }));
  });
  cy.add([...elements.values()]);
  cy.getElementById(found.target.id).addClass('centre');
  await runLayout(cy, { name: 'concentric', concentric: (n) => (n.id() === found.target.id ? 10 : n.degree()), levelWidth: () => 2, minNodeSpacing: 14 }, element);
}

export function highlightPaths(cy, found, ranks) {
  cy.batch(() => {
    cy.elements().removeClass('on-path').addClass('faded');
    // Lowest rank last, so the best chain is drawn on top.
    for (const rank of [...ranks].sort((a, b) => b - a)) {
      const path = found.paths[rank];
      const ids = path.entities.map((entity, at) => (entity ? entity.id : `restricted-${rank}-${at}`));
      const colour = PATH_COLOURS[rank % PATH_COLOURS.length];
      const width = Math.max(2.5, 7 - rank * 1.5);
      ids.forEach((id) => cy.getElementById(id).removeClass('faded').addClass('on-path').data('pathColour', colour));
      path.relationship_ids.forEach((id, at) => cy.getElementById(id || `restricted-edge-${rank}-${at}`)
        .removeClass('faded').addClass('on-path').data({ pathColour: colour, pathWidth: width }));
    }
  });
}

export function pathColour(rank) {
  return PATH_COLOURS[rank % PATH_COLOURS.length];
}
