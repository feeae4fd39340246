// Hash routes: every page has a URL, and its view state (time range, live, kiosk...) is in the query part,
// so a reload or a shared link restores the same view. Hash routes need no server fallback.

const routes = [];

export function route(pattern, render) {
  const keys = [];
  const re = new RegExp('^' + pattern.replace(/:(\w+)/g, (_, k) => { keys.push(k); return '([^/]+)'; }) + '/?$');
  routes.push({ re, keys, render });
}

export function current() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = raw.split('?');
  return { path, query: new URLSearchParams(query) };
}

export function match(path) {
  for (const r of routes) {
    const m = r.re.exec(path);
    if (m) {
      const params = {};
      r.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1])));
      return { render: r.render, params };
    }
  }
  return null;
}

export function go(path, query) {
  const q = query && [...new URLSearchParams(query)].length ? '?' + new URLSearchParams(query) : '';
  location.hash = '#' + path + q;
}

/** Updates the query of the current URL without a navigation (view state only). */
export function setQuery(updates) {
  const { path, query } = current();
  for (const [k, v] of Object.entries(updates)) {
    if (v == null || v === '' || v === false) query.delete(k);
    else query.set(k, v === true ? '1' : v);
  }
  const q = [...query].length ? '?' + query : '';
  history.replaceState(null, '', '#' + path + q);
}

export function href(path) { return '#' + path; }
