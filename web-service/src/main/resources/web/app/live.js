// The live dashboard client (docs/live.md): one WebSocket per open dashboard; snapshot / delta (with a
// drop_before folded in when the range slid) / drop_before / annotation / heartbeat frames; resume with
// epoch + seq after a reconnect; back-off.
// Where the server has no live endpoint (the upgrade is refused before it opens), each widget is refreshed
// from the widget data endpoint every few seconds instead, so the dashboard moves either way.
import { socket } from './api.js';

export const RANGES = [
  ['PT5M', 'Last 5 minutes'], ['PT15M', 'Last 15 minutes'], ['PT1H', 'Last hour'], ['PT6H', 'Last 6 hours'],
  ['PT24H', 'Last 24 hours'], ['P7D', 'Last 7 days'], ['P30D', 'Last 30 days'],
];

const UNIT = { S: 1, M: 60, H: 3600, D: 86400 };
export function seconds(iso) {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso || '');
  if (!m) return 900;
  return (+m[1] || 0) * UNIT.D + (+m[2] || 0) * UNIT.H + (+m[3] || 0) * UNIT.M + (+m[4] || 0);
}

/** The range in the URL: {last} (relative, slides) or {from, to} (absolute). */
export function rangeFrom(query) {
  if (query.get('from') && query.get('to')) return { from: query.get('from'), to: query.get('to') };
  return { last: query.get('range') || 'PT15M' };
}

export function timeWindow(range) {
  if (range.last) { const to = new Date(); return { from: new Date(to.getTime() - seconds(range.last) * 1000).toISOString(), to: to.toISOString() }; }
  return { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() };
}

/**
 * @param path the live endpoint
 * @param handlers {snapshot(widgetId, data, range), delta(widgetId, series), dropBefore(widgetId, t),
 *   annotation(frame), status(state, detail), poll()} — poll() refreshes every widget over HTTP
 */
export function connectLive(path, range, handlers, { pollSeconds = 3 } = {}) {
  let ws = null;
  let epoch = null;
  let seq = null;
  let attempts = 0;
  let opened = false;
  let stopped = false;
  let retry = null;
  let poller = null;
  let pinger = null;
  let lastFrame = 0;
  let current = range;
  const failing = new Set(); // widgets whose last word from the stream was snapshot_unavailable

  const status = (s, d) => handlers.status && handlers.status(s, d);

  const startPolling = () => {
    if (poller || stopped) return;
    status('polling', 'Refreshing every ' + pollSeconds + ' s');
    handlers.poll();
    poller = setInterval(() => handlers.poll(), pollSeconds * 1000);
  };
  const stopPolling = () => { if (poller) { clearInterval(poller); poller = null; } };

  const subscribe = () => {
    const msg = { type: 'subscribe', range: current };
    if (epoch != null && seq != null) msg.resume = { epoch, seq };
    ws.send(JSON.stringify(msg));
  };

  const open = () => {
    if (stopped) return;
    opened = false;
    ws = socket(path);
    ws.onopen = () => {
      opened = true;
      failing.clear();
      attempts = 0;
      stopPolling();
      lastFrame = Date.now();
      subscribe();
      status('live', 'Live');
      pinger = setInterval(() => {
        if (Date.now() - lastFrame > 45000) { ws.close(4000, 'no heartbeat'); return; }
        if (ws.readyState === 1) ws.send('{"type":"ping"}');
      }, 20000);
    };
    ws.onmessage = (m) => {
      lastFrame = Date.now();
      let f;
      try { f = JSON.parse(m.data); } catch { return; }
      if (f.type === 'error') {
        // A widget's snapshot that could not be read: the error stands until that widget's snapshot arrives.
        if (f.widget_id) failing.add(f.widget_id);
        status('error', f.message);
        return;
      }
      if (f.seq != null) {
        if (f.epoch !== epoch) { epoch = f.epoch; seq = null; }
        if (seq != null && f.seq !== seq + 1 && f.type !== 'snapshot') {
          // A gap: ask again from the last frame we have; the server answers with what we missed or a snapshot.
          seq = f.seq - 1 > seq ? seq : f.seq;
          ws.close(4001, 'gap');
          return;
        }
        seq = f.seq;
      }
      switch (f.type) {
        case 'snapshot':
          handlers.snapshot(f.widget_id, f.data, f.range);
          if (failing.delete(f.widget_id) && failing.size === 0) status('live', 'Live');
          break;
        case 'delta':
          handlers.delta(f.widget_id, f.series, f.mapping_version);
          // A slide of the relative range folded into the delta: after its buckets are merged.
          if (f.drop_before) handlers.dropBefore(f.widget_id, f.drop_before);
          break;
        case 'drop_before': handlers.dropBefore(f.widget_id, f.t); break;
        case 'annotation': handlers.annotation(f); break;
        default: break; // heartbeat, pong
      }
    };
    ws.onclose = (ev) => {
      clearInterval(pinger);
      if (stopped) return;
      if (ev.code === 4403) { status('ended', 'This public link was revoked or has expired.'); stopped = true; return; }
      if (ev.code === 4404) { status('ended', 'This dashboard was deleted.'); stopped = true; return; }
      if (!opened) startPolling(); // no live endpoint (or not reachable): keep the charts moving over HTTP
      else status('reconnecting', 'Reconnecting…');
      attempts++;
      const base = ev.code === 1013 ? 5000 : 1000;
      const delay = Math.min(30000, base * 2 ** Math.min(attempts, 5)) * (0.75 + Math.random() * 0.5);
      retry = setTimeout(open, opened ? delay : Math.max(delay, 15000));
    };
  };
  open();

  return {
    setRange(r) {
      current = r;
      epoch = null; seq = null;
      if (ws && ws.readyState === 1) subscribe();
      if (poller) handlers.poll();
    },
    close() { stopped = true; clearTimeout(retry); clearInterval(pinger); stopPolling(); if (ws) ws.close(1000); },
  };
}
