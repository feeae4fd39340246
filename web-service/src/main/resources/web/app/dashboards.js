import { h, append, clear, icon, loading, failure, empty, field, showErrors, modal, closeModal, copy, toast, fmtAgo, fmtTime, debounce } from './dom.js';
import { get, post, patch, del, can, teamPath, session } from './api.js';
import { go, href } from './router.js';
import { pageHead, roleNote } from './pipelines.js';
import { board } from './board.js';
import { WidgetView, TYPES } from './widgets.js';
import { timeWindow, rangeFrom } from './live.js';

export function dashboardsPage(main) {
  const body = h('div', loading('Loading dashboards…'));
  const create = () => newDashboard();
  clear(main,
    pageHead('Dashboards', 'Live views over your pipelines’ metrics.',
      can('member').ok ? h('button.btn.primary#new-dashboard', { type: 'button', onclick: create }, icon('plus'), 'New dashboard') : null),
    roleNote('member', 'Creating dashboards is hidden'),
    body);
  const load = async () => {
    try {
      const list = await get(teamPath('/dashboards'));
      if (!list.length) {
        return clear(body, empty('No dashboards yet', 'A dashboard shows line charts, bars, stat cards and tables of your metrics, updated live.',
          can('member').ok ? h('button.btn.primary', { type: 'button', onclick: create }, 'Create a dashboard') : null));
      }
      clear(body, h('div.cards', list.map((d) => h('a.card.dash-card', { href: href(`/t/${session.team.id}/dashboards/${d.id}`) },
        h('div.dash-card-top', icon('grid'), d.is_public ? h('span.badge.info', { title: 'Public link active until ' + fmtTime(d.public_link_expires_at) }, 'public') : null),
        h('h2', d.name),
        h('p.muted.small', `${d.widgets.length} ${d.widgets.length === 1 ? 'widget' : 'widgets'} · updated ${fmtAgo(d.updated_at)}`)))));
    } catch (e) { clear(body, failure(e, load)); }
  };
  load();
}

async function newDashboard() {
  const name = h('input', { required: true, 'data-field': 'name', autocomplete: 'off' });
  const slug = h('input', { required: true, 'data-field': 'slug', autocomplete: 'off' });
  name.addEventListener('input', () => { slug.value = name.value.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''); });
  const form = h('form#dashboard-form', { onsubmit: async (e) => {
    e.preventDefault();
    try {
      const d = await post(teamPath('/dashboards'), { name: name.value, slug: slug.value, layout: { columns: 12 } });
      closeModal(form);
      go(`/t/${session.team.id}/dashboards/${d.id}`);
    } catch (err) { showErrors(form, err); }
  } }, field('Name', name), field('Short name (in URLs)', slug), h('div.form-error', { role: 'alert' }),
  h('div.row.end', h('button.btn.primary', { type: 'submit' }, 'Create dashboard')));
  await modal('New dashboard', form);
}

export function dashboardPage(main, { id }, query) {
  let b = null;
  let closed = false;
  const render = async () => {
    if (b) { b.close(); b = null; }
    clear(main, loading('Loading dashboard…'));
    let d;
    try { d = await get(teamPath(`/dashboards/${id}`)); } catch (e) { return clear(main, failure(e, render)); }
    if (closed) return;
    const member = can('member');
    const admin = can('admin');
    let polls = 0;
    const gridBox = h('div.board');
    const addBtn = member.ok ? h('button.btn.primary#add-widget', { type: 'button', onclick: () => widgetEditor(d, null, render) }, icon('plus'), 'Add widget') : null;
    const head = h('header.page-head.board-head',
      h('div', h('nav.crumbs', { 'aria-label': 'Breadcrumb' }, h('a', { href: href(`/t/${session.team.id}/dashboards`) }, 'Dashboards'), ' / ', d.name),
        h('h1', d.name)),
      h('div.page-actions.board-actions'));
    clear(main, head, roleNote('member', 'Editing is hidden: you can watch this dashboard'), gridBox);
    b = board(gridBox, {
      dashboard: d,
      editable: member.ok,
      query,
      dataUrl: (w) => teamPath(`/dashboards/${id}/widgets/${w.id}/data`),
      livePath: `/api/teams/${session.team.id}/dashboards/${id}/live`,
      emptyState: empty('No widgets yet', member.ok ? 'Add a line chart, a bar chart, a stat card or a table.' : 'A member of the team can add widgets.', addBtn ? h('button.btn.primary', { type: 'button', onclick: () => widgetEditor(d, null, render) }, 'Add the first widget') : null),
      onEdit: (w) => widgetEditor(d, w, render),
      onDelete: async (w) => {
        const ok = await modal('Delete widget?', h('p', `“${w.title || 'Widget'}” is removed from this dashboard.`),
          [h('button.btn', { type: 'button', onclick: (e) => closeModal(e.target) }, 'Cancel'), h('button.btn.danger', { type: 'button', onclick: (e) => closeModal(e.target, 'yes') }, 'Delete')]);
        if (ok !== 'yes') return;
        try { await del(teamPath(`/dashboards/${id}/widgets/${w.id}`)); render(); } catch (e) { toast(e.message, 'error'); }
      },
      // Without the live endpoint, annotations come from the mapping versions, checked every few polls.
      onPoll: () => { if (++polls % 4 === 0) annotateActivations(d, b); },
      onMove: async (changes) => {
        try {
          await Promise.all(changes.map((c) => patch(teamPath(`/dashboards/${id}/widgets/${c.id}`), { position: c.position })));
        } catch (e) { toast('Layout not saved: ' + e.message, 'error'); }
      },
    });
    append(head.querySelector('.board-actions'), [b.controls,
      admin.ok ? h('button.btn#share', { type: 'button', onclick: () => share(d, render) }, icon('link'), d.is_public ? 'Shared' : 'Share') : null,
      addBtn]);
    annotateActivations(d, b);
  };
  render();
  return () => { closed = true; if (b) b.close(); };
}

/** Annotations where a mapping version of a widget's pipeline was activated (a replay's cut-over). */
async function annotateActivations(d, b) {
  const pipelines = [...new Set(d.widgets.map((w) => w.data_query?.pipeline_id).filter(Boolean))];
  for (const p of pipelines) {
    try {
      const versions = await get(teamPath(`/pipelines/${p}/mappings`));
      for (const v of versions) {
        if (v.activated_at && v.version > 1) b.annotate(p, { t: v.activated_at, kind: 'mapping_activated', mapping_version: v.version, text: `v${v.version} active` });
      }
    } catch { /* annotations are extra: a dashboard without them is still right */ }
  }
}

async function share(d, rerender) {
  const body = h('div.stack');
  const days = h('select#share-days', { 'aria-label': 'Link valid for' }, [[1, '1 day'], [7, '7 days'], [30, '30 days'], [90, '90 days'], [365, '1 year']].map(([v, l]) => h('option', { value: v, selected: v === 30 }, l)));
  const fill = (link) => clear(body,
    h('p', 'Anyone with the link can watch this dashboard, read-only, without signing in. Nothing else of the team is visible.'),
    link ? h('div.stack', h('p.callout.warn', icon('key'), ' Copy the link now: it is shown only once.'),
      h('div.copy-row', h('code#public-url', { tabindex: 0 }, link), h('button.btn', { type: 'button', onclick: () => copy(link, 'Link copied') }, icon('copy'), 'Copy'))) : null,
    d.is_public && !link ? h('p', h('span.badge.info', 'public'), ' A link is active until ', fmtTime(d.public_link_expires_at), '. Creating a new link replaces it.') : null,
    h('div.row', h('label.small', { for: 'share-days' }, 'Valid for'), days,
      h('button.btn.primary#create-link', { type: 'button', onclick: async () => {
        try {
          const r = await post(teamPath(`/dashboards/${d.id}/public-link`), { expires_in_days: Number(days.value) });
          d.is_public = true; d.public_link_expires_at = r.expires_at;
          fill(`${location.origin}/#/public/${encodeURIComponent(r.token)}`);
        } catch (e) { toast(e.message, 'error'); }
      } }, d.is_public ? 'Create a new link' : 'Create link'),
      d.is_public ? h('button.btn.danger#revoke-link', { type: 'button', onclick: async () => {
        try { await del(teamPath(`/dashboards/${d.id}/public-link`)); d.is_public = false; toast('Public link revoked', 'ok'); fill(null); } catch (e) { toast(e.message, 'error'); }
      } }, 'Revoke') : null));
  fill(null);
  await modal('Share “' + d.name + '”', body, [], { wide: true });
  rerender();
}

/** Add or edit a widget, with a live preview of its data while editing. */
async function widgetEditor(d, w, rerender) {
  let pipelines = [];
  try { pipelines = await get(teamPath('/pipelines')); } catch (e) { return toast(e.message, 'error'); }
  const q = (w && w.data_query) || {};
  const title = h('input#w-title', { 'data-field': 'title', value: w ? w.title : '', autocomplete: 'off' });
  const type = h('select#w-type', { 'data-field': 'type' }, TYPES.map(([k, l]) => h('option', { value: k, selected: (w ? w.type : 'line_chart') === k }, l)));
  const pipe = h('select#w-pipeline', { 'data-field': 'data_query.pipeline_id' }, pipelines.map((p) => h('option', { value: p.id, selected: q.pipeline_id === p.id }, p.name)));
  const metric = h('input#w-metric', { 'data-field': 'data_query.metric', list: 'metric-list', value: q.metric || '', autocomplete: 'off' });
  const metricList = h('datalist#metric-list');
  let metricTouched = false;
  ['focus', 'input'].forEach((e) => metric.addEventListener(e, () => { metricTouched = true; }));
  const agg = h('select#w-aggregation', { 'data-field': 'data_query.aggregation' }, ['avg', 'sum', 'min', 'max', 'count', 'last'].map((a) => h('option', { value: a, selected: (q.aggregation || 'avg') === a }, a)));
  const labels = h('input#w-labels', { 'data-field': 'data_query.labels', placeholder: 'site=berlin, room=a', value: Object.entries(q.labels || {}).map(([k, v]) => `${k}=${v}`).join(', '), autocomplete: 'off' });
  const bucket = h('select#w-bucket', { 'data-field': 'data_query.bucket' }, [['', 'Automatic'], ['PT10S', '10 s'], ['PT1M', '1 min'], ['PT5M', '5 min'], ['PT1H', '1 hour'], ['P1D', '1 day']].map(([v, l]) => h('option', { value: v, selected: (q.bucket || '') === v }, l)));
  const previewEl = h('div.widget-body.preview-body#widget-preview');
  const previewCard = h('section.widget.preview', h('div.widget-head', h('h3.widget-title', 'Preview'), h('span.widget-sub', 'last 15 minutes')), previewEl);
  let view = null;

  const parseLabels = () => Object.fromEntries(labels.value.split(',').map((s) => s.trim()).filter(Boolean).map((s) => s.split('=').map((x) => x.trim())).filter((x) => x.length === 2 && x[0]));
  const dataQuery = () => {
    const out = { pipeline_id: pipe.value, metric: metric.value.trim(), aggregation: agg.value, labels: parseLabels() };
    if (bucket.value) out.bucket = bucket.value;
    return out;
  };
  const suggest = async () => {
    const p = pipelines.find((x) => x.id === pipe.value);
    clear(metricList);
    if (!p || !p.active_mapping_version) return;
    try {
      const v = await get(teamPath(`/pipelines/${p.id}/mappings/${p.active_mapping_version}`));
      clear(metricList, (v.document.metrics || []).map((m) => h('option', { value: m })));
      // The first metric fills an empty field, but never one the user has been in (focused or typed): the answer comes
      // late, and a value set under the caret was joined to what was typed next ("temperaturetemperature").
      if (!metric.value && !metricTouched && v.document.metrics && v.document.metrics.length) { metric.value = v.document.metrics[0]; refresh(); }
    } catch { /* suggestions only */ }
  };
  const refresh = debounce(async () => {
    if (view) view.destroy();
    view = new WidgetView(previewEl, { type: type.value, data_query: dataQuery() });
    if (!pipe.value || !metric.value.trim()) return view.error({ message: 'Choose a pipeline and a metric' });
    const win = timeWindow({ last: 'PT15M' });
    const dq = dataQuery();
    try {
      const r = await post(teamPath(`/pipelines/${dq.pipeline_id}/series`), { metric: dq.metric, labels: dq.labels, aggregation: dq.aggregation, bucket: dq.bucket, from: win.from, to: win.to });
      view.snapshot(r, win);
    } catch (e) { view.error(e); }
  }, 250);
  [type, pipe, agg, bucket].forEach((c) => c.addEventListener('change', refresh));
  [metric, labels].forEach((c) => c.addEventListener('input', refresh));
  pipe.addEventListener('change', suggest);

  const form = h('form.widget-form#widget-form', { onsubmit: async (e) => {
    e.preventDefault();
    const body = { type: type.value, title: title.value || metric.value, data_query: dataQuery() };
    try {
      if (w) await patch(teamPath(`/dashboards/${d.id}/widgets/${w.id}`), body);
      else {
        const y = d.widgets.reduce((a, x) => Math.max(a, (x.position?.y || 0) + (x.position?.h || 4)), 0);
        body.position = { x: 0, y, w: type.value === 'stat_card' ? 4 : 6, h: type.value === 'stat_card' ? 3 : 4 };
        await post(teamPath(`/dashboards/${d.id}/widgets`), body);
      }
      closeModal(form, 'saved');
    } catch (err) { showErrors(form, err); }
  } },
  h('div.editor-split',
    h('div.stack', field('Title', title), field('Show as', type),
      pipelines.length ? field('Pipeline', pipe) : h('p.callout.warn', 'Create a pipeline first.'),
      field('Metric', metric, 'A metric of the pipeline’s active mapping.'), metricList,
      h('div.grid-2', field('Aggregation', agg), field('Bucket', bucket)),
      field('Only labels', labels, 'Optional: label=value pairs, comma separated.')),
    previewCard),
  h('div.form-error', { role: 'alert' }),
  h('div.row.end', h('button.btn', { type: 'button', onclick: () => closeModal(form) }, 'Cancel'), h('button.btn.primary#save-widget', { type: 'submit' }, w ? 'Save widget' : 'Add widget')));
  const done = modal(w ? 'Edit widget' : 'Add widget', form, [], { wide: true });
  suggest();
  refresh();
  const r = await done;
  if (view) view.destroy();
  if (r === 'saved') rerender();
}

export { rangeFrom };
