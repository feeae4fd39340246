// Widget views over one model of buckets per label set. Data is replaced bucket by bucket (a snapshot
// replaces all, a delta replaces or appends buckets), then drawn at most once per animation frame with
// uPlot's setData, so a chart never goes blank while data streams in.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h, clear, fmtNumber, fmtAgo } from './dom.js';

export const PALETTE = ['#4f46e5', '#0891b2', '#059669', '#d97706', '#dc2626', '#7c3aed', '#0d9488', '#db2777'];
export const TYPES = [['line_chart', 'Line chart'], ['bar_chart', 'Bar chart'], ['stat_card', 'Stat card'], ['table', 'Table']];

const key = (labels) => JSON.stringify(Object.keys(labels || {}).sort().map((k) => [k, labels[k]]));
const labelText = (labels) => Object.entries(labels || {}).map(([k, v]) => `${k}=${v}`).join(', ');

/** One series: timestamps (seconds) and values, sorted by time. */
class Series {
  constructor(labels) { this.labels = labels || {}; this.ts = []; this.vs = []; }
  upsert(t, v) {
    const ts = this.ts;
    const n = ts.length;
    if (!n || t > ts[n - 1]) { ts.push(t); this.vs.push(v); return; }
    if (t === ts[n - 1]) { this.vs[n - 1] = v; return; }
    let lo = 0, hi = n;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (ts[mid] < t) lo = mid + 1; else hi = mid; }
    if (ts[lo] === t) this.vs[lo] = v; else { ts.splice(lo, 0, t); this.vs.splice(lo, 0, v); }
  }
  dropBefore(t) {
    let i = 0;
    while (i < this.ts.length && this.ts[i] < t) i++;
    if (i) { this.ts.splice(0, i); this.vs.splice(0, i); }
  }
}

export class WidgetView {
  /** @param el the widget body; @param widget {type, title, data_query, config} */
  constructor(el, widget) {
    this.el = el;
    this.widget = widget;
    this.series = new Map();
    this.annotations = [];
    this.range = null;
    this.plot = null;
    this.pending = false;
    this.state = 'loading';
    this.points = 0;
    this.resizer = new ResizeObserver(() => this.resize());
    this.resizer.observe(el);
    clear(el, h('div.widget-state', h('span.spinner', { 'aria-hidden': 'true' }), 'Loading…'));
  }

  /** A whole answer of the widget data endpoint (SeriesResult). */
  snapshot(result, range) {
    this.series.clear();
    this.range = range || (result && { from: result.from, to: result.to });
    for (const s of (result && result.series) || []) {
      const ser = new Series(s.labels);
      for (const p of s.points) ser.upsert(Date.parse(p.t) / 1000, p.v);
      this.series.set(key(s.labels), ser);
    }
    this.meta = result;
    this.state = 'ready';
    this.schedule();
  }

  delta(series) {
    for (const s of series || []) {
      const k = key(s.labels);
      let ser = this.series.get(k);
      if (!ser) { ser = new Series(s.labels); this.series.set(k, ser); }
      for (const p of s.points) ser.upsert(Date.parse(p.t) / 1000, p.v);
    }
    this.state = 'ready';
    this.schedule();
  }

  dropBefore(t) {
    const s = Date.parse(t) / 1000;
    for (const ser of this.series.values()) ser.dropBefore(s);
    this.schedule();
  }

  annotate(a) {
    if (this.annotations.some((x) => x.t === a.t && x.kind === a.kind)) return;
    this.annotations.push(a);
    this.el.dataset.annotations = String(this.annotations.length);
    this.schedule(true);
  }

  error(e) {
    if (this.state === 'ready') { this.el.dataset.stale = 'true'; return; } // keep the last data on screen
    this.state = 'error';
    clear(this.el, h('div.widget-state.error', { role: 'alert' }, e && e.message ? e.message : 'Cannot load data'));
    this.plot = null;
  }

  schedule(force) {
    if (force && this.plot) this.plot.redraw(false, false);
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.draw(); });
  }

  draw() {
    const t0 = performance.now();
    delete this.el.dataset.stale;
    const list = [...this.series.values()].filter((s) => s.ts.length);
    this.points = list.reduce((a, s) => a + s.ts.length, 0);
    this.el.dataset.points = String(this.points);
    const type = this.widget.type;
    if (!list.length) {
      this.destroyPlot();
      clear(this.el, h('div.widget-state.empty', h('strong', 'No data in this range'), h('span.small', 'Points appear here as soon as events are mapped.')));
      this.el.dataset.last = '';
      return;
    }
    const last = list[0].vs[list[0].vs.length - 1];
    this.el.dataset.last = String(last);
    if (type === 'stat_card') this.drawStat(list);
    else if (type === 'table') this.drawTable(list);
    else this.drawChart(list, type === 'bar_chart');
    const ms = performance.now() - t0;
    performance.mark('dash:widget-drawn', { detail: { id: this.widget.id, ms, points: this.points } });
    if (!window.__dashFirstChart) { window.__dashFirstChart = performance.now(); performance.mark('dash:first-chart'); }
  }

  aligned(list) {
    // Union of the series' timestamps (a k-way merge of sorted arrays), values aligned to it.
    const idx = list.map(() => 0);
    const xs = [];
    for (;;) {
      let min = Infinity;
      for (let i = 0; i < list.length; i++) if (idx[i] < list[i].ts.length && list[i].ts[idx[i]] < min) min = list[i].ts[idx[i]];
      if (min === Infinity) break;
      xs.push(min);
      for (let i = 0; i < list.length; i++) if (list[i].ts[idx[i]] === min) idx[i]++;
    }
    const data = [xs];
    for (const s of list) {
      const ys = new Array(xs.length).fill(null);
      let j = 0;
      for (let i = 0; i < xs.length && j < s.ts.length; i++) if (s.ts[j] === xs[i]) ys[i] = s.vs[j++];
      data.push(ys);
    }
    return data;
  }

  drawChart(list, bars) {
    const data = this.aligned(list);
    const sig = list.map((s) => key(s.labels)).join('|') + (bars ? 'b' : 'l');
    const { width, height } = this.size();
    if (this.plot && this.sig === sig) {
      this.plot.setData(data);
      return;
    }
    this.destroyPlot();
    this.sig = sig;
    const annotations = this.annotations;
    const opts = {
      width, height,
      legend: { show: list.length > 1 || !!labelText(list[0].labels), live: false },
      cursor: { points: { size: 6 }, drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [
        { stroke: '#64748b', grid: { stroke: '#eef1f5', width: 1 }, ticks: { stroke: '#e2e8f0' } },
        { stroke: '#64748b', grid: { stroke: '#eef1f5', width: 1 }, ticks: { show: false }, size: 48, values: (u, v) => v.map((x) => fmtNumber(x)) },
      ],
      series: [{}].concat(list.map((s, i) => ({
        label: labelText(s.labels) || this.widget.data_query?.metric || 'value',
        stroke: PALETTE[i % PALETTE.length],
        width: 2,
        fill: bars ? PALETTE[i % PALETTE.length] + 'cc' : (list.length === 1 ? PALETTE[0] + '14' : undefined),
        points: { show: false },
        spanGaps: false,
        paths: bars ? uPlot.paths.bars({ size: [0.7, 40], gap: 1 }) : undefined,
      }))),
      hooks: { draw: [(u) => drawAnnotations(u, annotations)] },
    };
    clear(this.el);
    this.plot = new uPlot(opts, data, this.el);
  }

  drawStat(list) {
    // One series: its last bucket; several: their last buckets summed (count, sum) or averaged.
    const agg = this.widget.data_query?.aggregation || 'avg';
    const lastOf = (s) => s.vs[s.vs.length - 1];
    const vals = list.map(lastOf);
    const v = agg === 'count' || agg === 'sum' ? vals.reduce((a, b) => a + b, 0) : vals.reduce((a, b) => a + b, 0) / vals.length;
    const s0 = list[0];
    // The change over the range: from the first bucket with a value to the last one. Without an earlier
    // value (one bucket, or only gaps before it) there is no change to show, nor from zero.
    const fin = (x) => x != null && Number.isFinite(x);
    let lastIdx = s0.vs.length - 1;
    while (lastIdx >= 0 && !fin(s0.vs[lastIdx])) lastIdx--;
    let firstIdx = 0;
    while (firstIdx < lastIdx && !fin(s0.vs[firstIdx])) firstIdx++;
    const first = firstIdx < lastIdx ? s0.vs[firstIdx] : null;
    const change = first != null && fin(first) && first !== 0 ? ((s0.vs[lastIdx] - first) / Math.abs(first)) * 100 : null;
    if (!this.statEl) {
      this.destroyPlot();
      this.valueEl = h('div.stat-value');
      this.changeEl = h('div.stat-change');
      this.sparkEl = h('div.spark', { 'aria-hidden': 'true' });
      this.statEl = h('div.stat', h('div.stat-main', this.valueEl, this.changeEl), this.sparkEl);
      clear(this.el, this.statEl);
    }
    this.valueEl.textContent = fmtNumber(v);
    this.valueEl.dataset.value = String(v);
    const rounded = change == null ? null : Math.round(change * 10) / 10;
    this.changeEl.className = 'stat-change ' + (rounded == null || rounded === 0 ? 'flat' : rounded > 0 ? 'up' : 'down');
    this.changeEl.dataset.change = rounded == null ? '' : String(rounded);
    this.changeEl.title = agg + ' · latest bucket' + (rounded == null ? '; no earlier value in the range to compare with' : ', compared with the first bucket of the range');
    this.changeEl.textContent = rounded == null ? '—' : rounded === 0 ? 'No change over the range' : `${rounded > 0 ? '▲' : '▼'} ${Math.abs(rounded).toFixed(1)}% over the range`;
    const data = [s0.ts.slice(), s0.vs.slice()];
    const { width } = this.size();
    const sh = Math.max(30, Math.min(60, this.el.clientHeight - 70));
    if (this.spark && this.spark.width === width) this.spark.setData(data);
    else {
      if (this.spark) this.spark.destroy();
      this.spark = new uPlot({ width, height: sh, legend: { show: false }, cursor: { show: false }, scales: { x: { time: false } }, axes: [{ show: false }, { show: false }],
        series: [{}, { stroke: PALETTE[0], width: 2, fill: PALETTE[0] + '1f', points: { show: false } }] }, data, this.sparkEl);
    }
  }

  drawTable(list) {
    this.destroyPlot();
    const rows = list.map((s) => ({ labels: s.labels, t: s.ts[s.ts.length - 1], v: s.vs[s.vs.length - 1], min: Math.min(...s.vs), max: Math.max(...s.vs) }))
      .sort((a, b) => b.t - a.t).slice(0, 100);
    clear(this.el, h('div.table-wrap', { tabindex: 0, role: 'region', 'aria-label': (this.widget.title || 'Table') + ' data' }, h('table.table.compact',
      h('thead', h('tr', h('th', 'Series'), h('th.right', 'Latest'), h('th.right', 'Min'), h('th.right', 'Max'), h('th', 'At'))),
      h('tbody', rows.map((r) => h('tr', h('td', labelText(r.labels) || this.widget.data_query?.metric || 'all'),
        h('td.right.strong', fmtNumber(r.v)), h('td.right', fmtNumber(r.min)), h('td.right', fmtNumber(r.max)), h('td', fmtAgo(new Date(r.t * 1000).toISOString()))))))));
  }

  size() {
    return { width: Math.max(120, this.el.clientWidth), height: Math.max(80, this.el.clientHeight - (this.series.size > 1 ? 34 : 8)) };
  }

  resize() {
    if (this.plot) { const { width, height } = this.size(); this.plot.setSize({ width, height }); }
    if (this.spark) { this.spark.destroy(); this.spark = null; this.statEl = null; this.schedule(); }
  }

  destroyPlot() {
    if (this.plot) { this.plot.destroy(); this.plot = null; this.sig = null; }
    if (this.spark) { this.spark.destroy(); this.spark = null; }
    this.statEl = null;
  }

  destroy() { this.resizer.disconnect(); this.destroyPlot(); }
}

function drawAnnotations(u, list) {
  if (!list.length) return;
  const { ctx } = u;
  const { top, height, left, width } = u.bbox;
  ctx.save();
  ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
  for (const a of list) {
    const x = u.valToPos(Date.parse(a.t) / 1000, 'x', true);
    if (x < left || x > left + width) continue;
    ctx.strokeStyle = a.kind === 'replay_failed' ? '#dc2626' : '#7c3aed';
    ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
    ctx.lineWidth = devicePixelRatio;
    ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + height); ctx.stroke();
    ctx.fillStyle = ctx.strokeStyle;
    ctx.fillText(a.text || (a.mapping_version ? 'v' + a.mapping_version : a.kind), x + 4 * devicePixelRatio, top + 12 * devicePixelRatio);
  }
  ctx.restore();
}
