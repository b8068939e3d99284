// Choosing one entity by typing part of its name: the API's name filter answers, a page of
// ten at a time, so a practice with a thousand team members never loads them all for a list.
import { api } from './api.js';
import { append, errorBox, h } from './dom.js';

const WAIT_MS = 250;

// `chosen`: the entity chosen now ({ id, name }) or null; `onChange(entity or null)`.
export function entityPicker({ id, path, placeholder, chosen, clearLabel, onChange }) {
  const input = h('input', { id, type: 'search', placeholder, autocomplete: 'off', value: chosen ? chosen.name : '' });
  const hits = h('ul', { class: 'hits picker-hits', id: `${id}-hits` });
  let asked = 0;
  let timer = null;
  const search = async () => {
    const name = input.value.trim();
    const token = ++asked;
    if (!name) {
      hits.replaceChildren();
      return;
    }
    let page;
    try {
      page = await api(path, { params: { name, limit: 10 } });
    } catch (error) {
      if (token === asked) hits.replaceChildren(h('li', {}, errorBox(error)));
      return;
    }
    if (token !== asked) return;
    hits.replaceChildren(...page.items.map((item) => h('li', {}, h('button', {
      type: 'button', class: 'link pick', onclick: () => { hits.replaceChildren(); input.value = item.name; onChange(item); },
    }, item.name))));
    if (!page.items.length) append(hits, h('li', { class: 'muted' }, 'Nothing matches.'));
    if (page.next_cursor) append(hits, h('li', { class: 'muted' }, 'More match: type more of the name.'));
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, WAIT_MS);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter') return;
    event.preventDefault(); // in a form: Enter searches, it does not submit
    clearTimeout(timer);
    search();
  });
  return h('span', { class: 'picker' }, input,
    chosen ? h('button', { type: 'button', class: 'link', id: `${id}-clear`, onclick: () => onChange(null) }, clearLabel) : null,
    hits);
}
