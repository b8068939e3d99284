// Building the page without HTML strings: every name, note and figure goes in as a text
// node (Node.append of a string), never parsed as markup, so data cannot become markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = value;
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name === 'value' || name === 'checked' || name === 'selected' || name === 'disabled') el[name] = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

// Like Element.append, but skips null, undefined and false (so `cond ? x : null` adds nothing).
export function append(el, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

// The API's entity kinds and their collection paths.
export const KIND_PATH = {
  client: 'clients', person: 'people', team_member: 'team-members', provider: 'providers', division: 'divisions',
};
export const PATH_KIND = Object.fromEntries(Object.entries(KIND_PATH).map(([kind, path]) => [path, kind]));
export const KIND_LABEL = {
  client: 'client', person: 'person', team_member: 'team member', provider: 'provider', division: 'division',
};

export function entityHref(kind, id) {
  return `#/${KIND_PATH[kind]}/${encodeURIComponent(id)}`;
}

export function entityLink(ref) {
  if (!ref || !ref.id) return locked();
  return h('a', { href: entityHref(ref.kind, ref.id), class: 'entity' }, ref.name);
}

// An entity the caller may not see: shown, unnamed, as locked.
export function locked() {
  return h('span', { class: 'locked', title: 'outside what you may see' }, 'locked: restricted');
}

const money = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
const number = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 3 });

export function fmtMoney(value) {
  return value === null || value === undefined ? '–' : money.format(value);
}

export function fmtNumber(value) {
  return value === null || value === undefined ? '–' : number.format(value);
}

export function words(code) {
  return code === null || code === undefined ? '–' : String(code).replaceAll('_', ' ');
}

export function section(title, ...children) {
  return h('section', { class: 'panel' }, h('h2', {}, title), ...children);
}

export function table(headers, rows, attrs = {}) {
  return h('table', attrs,
    h('thead', {}, h('tr', {}, headers.map((title) => h('th', {}, title)))),
    h('tbody', {}, rows));
}

// A long list or table shows its first hundred rows; the rest come a hundred at a time, so a
// busy entity's thousands of relationships do not all go into the page at once.
export const ROWS_AT_ONCE = 100;

export function inPages(container, items, render) {
  const button = h('button', { type: 'button', class: 'show-more' });
  const showMore = () => {
    const shown = container.children.length;
    append(container, items.slice(shown, shown + ROWS_AT_ONCE).map(render));
    const left = items.length - container.children.length;
    button.hidden = left <= 0;
    button.textContent = `Show ${Math.min(ROWS_AT_ONCE, left)} more of ${left}`;
  };
  button.addEventListener('click', showMore);
  showMore();
  return [container, button];
}

export function longTable(headers, items, row, attrs = {}) {
  const [body, button] = inPages(h('tbody', {}), items, row);
  return [h('table', attrs, h('thead', {}, h('tr', {}, headers.map((title) => h('th', {}, title)))), body), button];
}

export function empty(text) {
  return h('p', { class: 'muted' }, text);
}

// Hands a file the page fetched (apiFile) to the browser's downloads, under the API's name for it.
export function saveFile({ blob, filename }) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function errorBox(error) {
  return h('p', { class: 'error', role: 'alert' }, error.message || String(error));
}

// The query string of the current hash route (#/path?a=1).
export function hashQuery() {
  const hash = location.hash.slice(1);
  const at = hash.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : hash.slice(at + 1));
}

export function hashWith(path, params) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') query.set(name, value);
  const text = query.toString();
  return `#${path}${text ? `?${text}` : ''}`;
}

// "« First page" and "Next page »" links for a list paged by the API's cursor (after=).
export function pager(path, query, cursor) {
  const after = query.get('after');
  return h('p', { class: 'paging' },
    after ? h('a', { href: hashWith(path, { ...Object.fromEntries(query), after: '' }) }, '« First page') : null, ' ',
    cursor !== null && cursor !== undefined ? h('a', { class: 'next-page', href: hashWith(path, { ...Object.fromEntries(query), after: cursor }) }, 'Next page »') : null);
}
