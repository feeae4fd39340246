// #/bench/stream: the browser benchmark of docs/benchmarks.md. A line chart of 4 series x 10,000 points is
// drawn by the same WidgetView the dashboards use, then 10 points/s stream in for a while; frame times
// come from requestAnimationFrame. Results land in window.__bench for the browser test to read.
import { h, clear } from './dom.js';
import { WidgetView } from './widgets.js';

export function benchPage(app, query) {
  const n = Number(query.get('points') || 10000);
  const seconds = Number(query.get('seconds') || 10);
  const body = h('div.widget-body');
  const card = h('section.widget.bench-widget', h('div.widget-head', h('h3.widget-title', `4 series × ${n} points`)), body);
  clear(app, h('main.main', h('h1', 'Chart benchmark'), card));
  const now = Math.floor(Date.now() / 1000);
  const series = [0, 1, 2, 3].map((s) => ({ labels: { s: String(s) },
    points: Array.from({ length: n }, (_, i) => ({ t: new Date((now - n + i) * 1000).toISOString(), v: Math.sin(i / 200 + s) * 10 + s * 5 + Math.random() })) }));
  const q = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))] || 0; };
  // Baseline, in the same page and run: frames of the idle page for 2 s, before the chart exists.
  const idle = [];
  let prev = performance.now();
  const idleEnd = prev + 2000;
  const idleTick = (ts) => { idle.push(ts - prev); prev = ts; if (ts < idleEnd) requestAnimationFrame(idleTick); else run(); };
  requestAnimationFrame(idleTick);
  function run() {
  const view = new WidgetView(body, { id: 'bench', type: 'line_chart', data_query: { metric: 'bench' } });
  const t0 = performance.now();
  view.snapshot({ series }, null);
  requestAnimationFrame(() => requestAnimationFrame(() => {
    const render = performance.now() - t0;
    const frames = [];
    const draws = [];
    let last = performance.now();
    let t = now;
    const end = last + seconds * 1000;
    const stream = setInterval(() => {
      t += 1;
      view.delta([0, 1, 2, 3].map((s) => ({ labels: { s: String(s) }, points: [{ t: new Date(t * 1000).toISOString(), v: Math.random() * 10 + s * 5 }] })));
    }, 100);
    const obs = new PerformanceObserver((l) => l.getEntries().forEach((e) => e.detail && draws.push(e.detail.ms)));
    obs.observe({ entryTypes: ['mark'] });
    const tick = (ts) => {
      frames.push(ts - last);
      last = ts;
      if (ts < end) requestAnimationFrame(tick);
      else {
        clearInterval(stream);
        obs.disconnect();
        window.__bench = { idle_frame_p50_ms: q(idle, 0.5), idle_frame_p99_ms: q(idle, 0.99), points: n * 4, render_ms: render, frames: frames.length, frame_p50_ms: q(frames, 0.5), frame_p99_ms: q(frames, 0.99),
          draw_p50_ms: q(draws, 0.5), draw_p99_ms: q(draws, 0.99), draws: draws.length };
        document.title = 'bench done';
      }
    };
    requestAnimationFrame(tick);
  }));
  }
}
