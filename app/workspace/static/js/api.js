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

// One request with the key; a refusal becomes an ApiError carrying the problem details.
async function request(path, { method = 'GET', params = {}, body, headers = {}, accept = 'application/json' } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, value);
  }
  const sent = { ...headers, Accept: accept, Authorization: `Bearer ${session.key}` };
  if (body !== undefined) sent['Content-Type'] = 'application/json';
  const response = await fetch(url, {
    method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit',
  });
  if (!response.ok) {
    const error = new ApiError(response.status, await response.json().catch(() => null));
    if (response.status === 401) onUnauthorised(error);
    throw error;
  }
  return response;
}

// `headers`: more request headers (an If-Match naming the version the page shows).
export async function api(path, options = {}) {
  const response = await request(path, options);
  if (response.status === 204) return null;
  return response.json().catch(() => null);
}

// A file the API makes (a CSV): its body, the name the API gives it, and the response's
// headers. A plain link cannot carry the key, so the page fetches it and saves it itself.
export async function apiFile(path, { params, accept = 'text/csv' } = {}) {
  const response = await request(path, { params, accept });
  const disposition = response.headers.get('Content-Disposition') || '';
  const filename = (/filename="([^"]+)"/.exec(disposition) || [])[1] || path.split('/').pop();
  return { blob: await response.blob(), filename, headers: response.headers };
}

// The values a GET endpoint's query parameter takes, read from the API's OpenAPI document (the
// enum it declares), so the page offers what the API accepts. Read once per page load.
let openapi = null;

export async function queryChoices(path, parameter) {
  openapi ??= api('/openapi.json').catch((error) => { openapi = null; throw error; });
  const spec = await openapi;
  const resolve = (schema) => (schema.$ref ? spec.components.schemas[schema.$ref.split('/').pop()] : schema);
  const declared = spec.paths[path].get.parameters.find((p) => p.name === parameter && p.in === 'query');
  for (const schema of [declared.schema, ...(declared.schema.anyOf || [])].map(resolve)) {
    if (schema.enum) return schema.enum;
  }
  throw new Error(`the API declares no choices for ${parameter} of ${path}`);
}

// Team members' names by id, asked for one by one as pages need them and kept for the page's
// life: a page names the owners it shows without loading the whole team.
const teamNames = new Map();

export async function teamMemberNames(ids) {
  const wanted = [...new Set(ids.filter((id) => id && !teamNames.has(id)))];
  await Promise.all(wanted.map((id) => api(`/team-members/${encodeURIComponent(id)}`)
    .then((member) => teamNames.set(id, member.name), (error) => { if (error.status !== 404) throw error; })));
  return teamNames;
}
