import { h, clear, icon, loading } from './dom.js';
import { ApiError } from './api.js';
import { board } from './board.js';

/** The public, read-only view of a shared dashboard: no sign-in, nothing but the dashboard. */
export function publicPage(app, { token }, query) {
  let b = null;
  let closed = false;
  clear(app, h('div.center', loading('Loading dashboard…')));
  (async () => {
    let d;
    try {
      const res = await fetch(`/public/dashboards/${encodeURIComponent(token)}`, { headers: { Accept: 'application/json' }, credentials: 'omit' });
      if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
      d = await res.json();
    } catch (e) {
      return clear(app, h('div.center', h('div.state.error.card', { role: 'alert' }, h('div.brand', icon('dash'), h('span', 'Dash')),
        h('h1', e.status === 404 || e.status === 403 ? 'This link does not work' : 'The dashboard cannot be shown'),
        h('p', e.status === 404 || e.status === 403 ? 'It may have been revoked or it has expired. Ask whoever shared it for a new one.'
          : e.status === 429 ? 'Too many requests for this link right now. Try again in a minute.' : e.message))));
    }
    if (closed) return;
    const gridBox = h('div.board');
    const main = h('main#main.main.public-main', { tabindex: '-1' },
      h('header.page-head.board-head', h('div', h('div.brand.small-brand', icon('dash'), h('span', 'Dash')), h('h1', d.name),
        h('p.small.muted', icon('lock'), ' Public read-only view')), h('div.page-actions.board-actions')),
      gridBox);
    clear(app, main);
    b = board(gridBox, {
      dashboard: d,
      editable: false,
      query,
      dataUrl: (w) => `/public/dashboards/${encodeURIComponent(token)}/widgets/${w.id}/data`,
      livePath: `/public/dashboards/${encodeURIComponent(token)}/live`,
    });
    main.querySelector('.board-actions').append(b.controls);
  })();
  return () => { closed = true; if (b) b.close(); };
}
