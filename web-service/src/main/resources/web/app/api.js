// The REST API of web-service, same origin, with the browser session cookie (docs/api.md).

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.error = body && body.error;
    this.fields = (body && body.fields) || [];
  }
}

let onSignedOut = () => {};
export function whenSignedOut(fn) { onSignedOut = fn; }

export async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', redirect: 'manual', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, { error: 'network', message: 'The server cannot be reached. Check your connection and try again.' });
  }
  // An ended session makes the server answer with a redirect to the sign-in page (or 401 without a session).
  if (res.type === 'opaqueredirect' || res.status === 401) {
    onSignedOut();
    throw new ApiError(401, { error: 'unauthorized', message: 'Your session has ended. Sign in again.' });
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!res.ok) throw new ApiError(res.status, json || { message: `HTTP ${res.status}` });
  return json;
}

export const get = (p) => api('GET', p);
export const post = (p, b = {}) => api('POST', p, b);
export const patch = (p, b) => api('PATCH', p, b);
export const put = (p, b) => api('PUT', p, b);
export const del = (p) => api('DELETE', p);

/** The session: who is signed in, their teams, the current team and role. */
export const session = { me: null, teams: [], team: null };

export const ROLES = ['viewer', 'member', 'admin', 'owner'];

/** Whether the current role reaches `min`; else the reason, said to the user next to the control. */
export function can(min) {
  const role = session.team ? session.team.role : 'viewer';
  const ok = ROLES.indexOf(role) >= ROLES.indexOf(min);
  return { ok, reason: ok ? '' : `Needs the ${min} role or higher; you are ${article(role)} ${role} in this team.` };
}

function article(w) { return /^[aeiou]/.test(w) ? 'an' : 'a'; }

export function teamPath(rest = '') { return `/api/teams/${session.team.id}${rest}`; }

/** Opens a WebSocket on this origin. */
export function socket(path) {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return new WebSocket(`${proto}//${location.host}${path}`);
}
