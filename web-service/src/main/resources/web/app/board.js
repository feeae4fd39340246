// A dashboard's grid of widgets (gridstack), its time range and live updates; used by the team's
// dashboard page and by the public read-only view.
import { GridStack } from 'gridstack';
import 'gridstack/dist/gridstack.min.css';
import { h, clear, icon, debounce } from './dom.js';
import { post } from './api.js';
import { setQuery } from './router.js';
import { WidgetView } from './widgets.js';
import { connectLive, RANGES, rangeFrom, timeWindow } from './live.js';

/**
 * @param opts {dashboard, editable, dataUrl(widget), livePath, query, onEdit(widget), onDelete(widget), onMove(changes), head(controls)}
 * @returns {controls, grid, close()}
 */
export function board(container, opts) {
  const d = opts.dashboard;
  let range = rangeFrom(opts.query);
  let liveOn = opts.query.get('live') !== '0';
  const views = new Map();
  let live = null;
  let rangeSeq = 0; // range changes: an answer for an earlier range is dropped

  const statusEl = h('span.live-status#live-status', { role: 'status' });
  // One "Live" on screen: while the stream is live the pressed Live toggle says so (its dot turns green) and
  // the status line stays empty; it speaks only when there is something else to say (connecting, paused...).
  let liveBtn = null;
  const setStatus = (s, detail) => {
    statusEl.className = 'live-status ' + s;
    statusEl.dataset.state = s;
    if (liveBtn) liveBtn.dataset.state = s;
    if (s === 'live') { clear(statusEl, h('span.sr-only', 'Receiving live updates')); return; }
    clear(statusEl, h('span.dot', { 'aria-hidden': 'true' }), detail || s);
  };

  // --- time range picker: relative presets, or an absolute range ---
  const picker = h('select#range', { 'aria-label': 'Time range' },
    RANGES.map(([v, l]) => h('option', { value: v, selected: range.last === v }, l)),
    h('option', { value: 'custom', selected: !range.last }, 'Custom range…'));
  const toLocal = (iso) => { const t = new Date(iso); return new Date(t.getTime() - t.getTimezoneOffset() * 60000).toISOString().slice(0, 16); };
  const w0 = timeWindow(range);
  const fromIn = h('input#range-from', { type: 'datetime-local', 'aria-label': 'From', value: toLocal(w0.from) });
  const toIn = h('input#range-to', { type: 'datetime-local', 'aria-label': 'To', value: toLocal(w0.to) });
  const apply = h('button.btn.small', { type: 'button', onclick: () => setRange({ from: new Date(fromIn.value).toISOString(), to: new Date(toIn.value).toISOString() }) }, 'Apply');
  const custom = h('span.custom-range' + (range.last ? '.hidden' : ''), fromIn, h('span.muted', '→'), toIn, apply);
  picker.addEventListener('change', () => {
    if (picker.value === 'custom') { custom.classList.remove('hidden'); fromIn.focus(); return; }
    custom.classList.add('hidden');
    setRange({ last: picker.value });
  });
  liveBtn = h('button.btn.toggle#live-toggle', { type: 'button', 'aria-pressed': String(liveOn), title: 'Live updates on or off', onclick: () => {
    liveOn = !liveOn;
    liveBtn.setAttribute('aria-pressed', String(liveOn));
    setQuery({ live: liveOn ? null : '0' });
    restart();
  } }, h('span.dot', { 'aria-hidden': 'true' }), 'Live');
  const kioskBtn = h('button.btn.icon-only#kiosk', { type: 'button', 'aria-label': 'Full screen (kiosk mode)', title: 'Full screen', onclick: () => {
    const on = !document.body.classList.contains('kiosk');
    document.body.classList.toggle('kiosk', on);
    setQuery({ kiosk: on ? '1' : null });
    if (on && document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
    if (!on && document.fullscreenElement) document.exitFullscreen().catch(() => {});
    setTimeout(() => views.forEach((v) => v.resize()), 50);
  } }, icon('expand'));
  const onKey = (e) => { if (e.key === 'Escape' && document.body.classList.contains('kiosk') && !document.fullscreenElement) kioskBtn.click(); };
  // Escape in full screen is the browser's: it leaves full screen without a keydown, so follow that too.
  const onFullscreen = () => { if (!document.fullscreenElement && document.body.classList.contains('kiosk')) kioskBtn.click(); };
  document.addEventListener('keydown', onKey);
  document.addEventListener('fullscreenchange', onFullscreen);
  const controls = h('div.board-controls', statusEl, picker, custom, liveBtn, kioskBtn);

  function setRange(r) {
    range = r;
    rangeSeq++;
    setQuery(r.last ? { range: r.last === 'PT15M' ? null : r.last, from: null, to: null } : { range: null, from: r.from, to: r.to });
    if (live) live.setRange(range); else refreshAll();
    if (!liveOn) refreshAll();
  }

  // --- the grid ---
  if (!d.widgets.length) {
    clear(container, opts.emptyState || h('div.state.empty', h('h3', 'This dashboard has no widgets yet')));
    setStatus('idle', 'No widgets');
    return { controls, views, annotate() {}, close() { document.removeEventListener('keydown', onKey); document.removeEventListener('fullscreenchange', onFullscreen); } };
  }
  const gridEl = h('div.grid-stack');
  clear(container, gridEl);
  const grid = GridStack.init({
    column: 12, cellHeight: 76, margin: 8, float: false, animate: false,
    staticGrid: !opts.editable, handle: '.widget-head', columnOpts: { breakpoints: [{ w: 700, c: 1 }] },
  }, gridEl);

  for (const w of d.widgets) addWidget(w);

  function addWidget(w) {
    const pos = w.position || {};
    const body = h('div.widget-body', { 'data-widget': w.id, 'data-type': w.type });
    const head = h('div.widget-head',
      h('h3.widget-title', w.title || w.data_query?.metric || 'Widget'),
      h('span.widget-sub', [w.data_query?.metric, w.data_query?.aggregation].filter(Boolean).join(' · ')),
      opts.editable ? h('span.widget-actions',
        h('button.icon-btn', { type: 'button', 'aria-label': 'Edit widget ' + (w.title || ''), onclick: () => opts.onEdit(w) }, icon('edit')),
        h('button.icon-btn', { type: 'button', 'aria-label': 'Delete widget ' + (w.title || ''), onclick: () => opts.onDelete(w) }, icon('trash'))) : null);
    const card = h('section.widget', { 'aria-label': w.title || 'Widget' }, head, body);
    const item = grid.addWidget({ x: pos.x ?? 0, y: pos.y ?? 0, w: pos.w ?? 6, h: pos.h ?? 4, id: w.id, minW: 2, minH: 2 });
    item.querySelector('.grid-stack-item-content').append(card);
    views.set(w.id, new WidgetView(body, w));
  }

  if (opts.editable) {
    grid.on('change', debounce((ev, items) => {
      const changes = (items || []).map((it) => ({ id: it.id, position: { x: it.x, y: it.y, w: it.w, h: it.h } }));
      if (changes.length) opts.onMove(changes);
    }, 400));
  }

  // --- data: live frames, or the data endpoint ---
  // Each widget shows the newest answer it has: an answer of the data endpoint is dropped only when a later
  // request's answer, or a live frame since the request went out, is on screen already, or the range changed
  // (an earlier version dropped every answer but the last request's, so with answers slower than the 3 s poll
  // interval a widget stayed "Loading…" for good). One poll at a time: a poll due while one is out is skipped.
  let pollSeq = 0;
  let closed = false;
  let polling = null;
  const answered = new Map(); // widget id -> the latest request whose answer it shows
  const liveSeen = new Map(); // widget id -> live frames applied (snapshot, delta)
  async function refreshAll() {
    const my = ++pollSeq;
    const ranged = rangeSeq;
    const win = timeWindow(range);
    await Promise.all(d.widgets.map(async (w) => {
      const v = views.get(w.id);
      const seen = liveSeen.get(w.id) || 0;
      try {
        const data = await post(opts.dataUrl(w), { from: win.from, to: win.to });
        if (closed || ranged !== rangeSeq || my < (answered.get(w.id) || 0) || (liveSeen.get(w.id) || 0) !== seen) return;
        answered.set(w.id, my);
        v.snapshot(data, win);
      } catch (e) { if (!closed && ranged === rangeSeq) v.error(e); }
    }));
  }
  function poll() {
    if (polling) return;
    polling = refreshAll().finally(() => { polling = null; });
  }
  const fromLive = (id, apply) => {
    const v = views.get(id);
    if (!v) return;
    liveSeen.set(id, (liveSeen.get(id) || 0) + 1);
    apply(v);
  };

  function restart() {
    if (live) { live.close(); live = null; }
    if (!d.widgets.length) { setStatus('idle', 'No widgets'); return; }
    if (!liveOn || !range.last) {
      setStatus('paused', liveOn ? 'Fixed range' : 'Paused');
      refreshAll();
      return;
    }
    setStatus('connecting', 'Connecting…');
    refreshAll(); // first paint from HTTP, so nothing waits for the socket
    live = connectLive(opts.livePath, range, {
      snapshot: (id, data, r) => fromLive(id, (v) => v.snapshot(data, r)),
      delta: (id, series) => fromLive(id, (v) => v.delta(series)),
      dropBefore: (id, t) => views.get(id)?.dropBefore(t),
      annotation: (f) => d.widgets.forEach((w) => { if (w.data_query?.pipeline_id === f.pipeline_id) views.get(w.id)?.annotate(f); }),
      status: setStatus,
      poll: () => { poll(); if (opts.onPoll) opts.onPoll(); },
    });
  }
  restart();

  return {
    controls,
    views,
    annotate(pipelineId, a) { d.widgets.forEach((w) => { if (w.data_query?.pipeline_id === pipelineId) views.get(w.id)?.annotate(a); }); },
    close() {
      if (live) live.close();
      closed = true;
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('fullscreenchange', onFullscreen);
      views.forEach((v) => v.destroy());
      grid.destroy(false);
    },
  };
}
