// The workspace shell: sign-in, the header, and hash routes (each view has its own URL).
import { api, session, whenUnauthorised } from './api.js';
import { append, clear, errorBox, h, words } from './dom.js';
import { clientListView, searchView } from './views/lists.js';
import { entityView } from './views/entity.js';
import { referralView } from './views/referrals.js';
import { introductionsView } from './views/introductions.js';
import { influencersView, riskView, serviceView } from './views/reports.js';
import { workView } from './views/work.js';
import { groupView, groupsView } from './views/groups.js';

const routes = [
  [/^\/$/, searchView],
  [/^\/clients$/, clientListView],
  [/^\/(clients|people|team-members|providers|divisions)\/([^/]+)$/, entityView],
  [/^\/referrals\/([^/]+)$/, referralView],
  [/^\/introductions$/, introductionsView],
  [/^\/influencers$/, influencersView],
  [/^\/risk$/, riskView],
  [/^\/service$/, serviceView],
  [/^\/work$/, workView],
  [/^\/groups$/, groupsView],
  [/^\/groups\/([^/]+)$/, groupView],
];

const main = document.getElementById('view');
const who = document.getElementById('who');
const nav = document.getElementById('nav');
let me = null;
let rendering = 0;

function showSignIn(message) {
  me = null;
  nav.hidden = true;
  clear(who);
  const input = h('input', {
    id: 'api-key', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, placeholder: 'rpk_…',
  });
  // No name on the input and method post: even without this script the key never reaches a URL.
  const form = h('form', { id: 'sign-in', class: 'panel narrow', method: 'post' },
    h('h1', {}, 'Sign in'),
    h('p', {}, 'Paste your API key. It is kept in this browser tab only, until you sign out or close the tab.'),
    h('label', { for: 'api-key' }, 'API key'), input,
    h('button', { type: 'submit' }, 'Sign in'),
    message ? h('p', { class: 'error', role: 'alert' }, message) : null);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    session.set(input.value.trim());
    await start();
  });
  append(clear(main), form);
  input.focus();
}

function showWho() {
  append(clear(who), 
    h('span', { id: 'signed-in-as' }, 'Signed in as ', h('strong', {}, me.name), ' · ', h('span', { class: 'role' }, words(me.role))),
    h('button', { type: 'button', id: 'sign-out', class: 'link', onclick: signOut }, 'Sign out'));
  nav.hidden = false;
}

function signOut() {
  session.clear();
  showSignIn();
}

async function start() {
  if (!session.key) return showSignIn();
  try {
    me = await api('/me');
  } catch (error) {
    session.clear();
    return showSignIn(error.status === 401 ? 'That key was not accepted (unknown, malformed or revoked).' : error.message);
  }
  showWho();
  await render();
}

async function render() {
  if (!me) return;
  const hash = location.hash.slice(1) || '/';
  const path = hash.split('?')[0];
  const token = ++rendering;
  for (const link of nav.querySelectorAll('a')) {
    link.classList.toggle('current', link.getAttribute('href').slice(1) === path);
  }
  for (const [pattern, view] of routes) {
    const match = pattern.exec(path);
    if (!match) continue;
    const target = h('div', { class: 'view' });
    append(clear(main), target);
    // data-view-state: 'loading' until the view has drawn what it waits for, then 'ready' (or
    // 'failed'); data-route: the route it shows. Tests and benches wait on these, not on a clock.
    target.dataset.route = hash;
    target.dataset.viewState = 'loading';
    try {
      await view(target, { match, me, isCurrent: () => token === rendering });
      target.dataset.viewState = 'ready';
    } catch (error) {
      if (token === rendering && error.status !== 401) append(target, errorBox(error));
      target.dataset.viewState = 'failed';
    }
    return;
  }
  append(clear(main), h('p', { class: 'error' }, 'No such page. '), h('a', { href: '#/' }, 'Back to search'));
}

whenUnauthorised(() => {
  session.clear();
  showSignIn('Your key is no longer accepted: sign in again.');
});
window.addEventListener('hashchange', render);
start();
