// The API, called with the key the user signed in with. The key lives in sessionStorage only
// (gone when the tab closes), travels only in the Authorization header, never in a URL.

const KEY = 'rapport.apiKey';

export const session = {
  get key() { return sessionStorage.getItem(KEY); },
  set(key) { sessionStorage.setItem(KEY, key); },
  clear() { sessionStorage.removeItem(KEY); },
};

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `the API answered ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

// Called with each 401 (a revoked or unknown key): the app signs the user out.
let onUnauthorised = () => {};
export function whenUnauthorised(callback) { onUnauthorised = callback; }

export async function api(path, { method = 'GET', params = {}, body } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, value);
  }
  const headers = { Accept: 'application/json', Authorization: `Bearer ${session.key}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(url, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit',
  });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (response.status === 401) onUnauthorised(error);
    throw error;
  }
  return data;
}

// Every item of a cursor-paged list, up to `most`.
export async function everything(path, params = {}, most = 2000) {
  const items = [];
  let after;
  do {
    const page = await api(path, { params: { ...params, limit: 500, after } });
    items.push(...page.items);
    after = page.next_cursor;
  } while (after && items.length < most);
  return items;
}
