import { h, clear, icon, loading, failure, empty, field, showErrors, modal, closeModal, copy, toast, fmtTime, fmtAgo, fmtNumber } from './dom.js';
import { get, post, patch, del, session, can, teamPath, ApiError } from './api.js';
import { go, href } from './router.js';
import { pollingForm, p2pForm } from './sources.js';
import { replaysCard, replayQuarantine } from './replays.js';

export const PRESETS = [
  ['standard_webhooks', 'Standard Webhooks (Svix)'],
  ['github', 'GitHub'],
  ['stripe', 'Stripe'],
  ['slack', 'Slack'],
  ['shopify', 'Shopify'],
];

export function pageHead(title, sub, ...actions) {
  return h('header.page-head',
    h('div', h('h1', title), sub ? h('p.muted', sub) : null),
    h('div.page-actions', actions));
}

export function statusBadge(status) {
  return h('span.badge.status-' + status, { title: 'Pipeline status' }, h('span.dot', { 'aria-hidden': 'true' }), status);
}

/** A control the role may not use: hidden, and the reason said once on the page. */
export function gated(min, control) {
  const c = can(min);
  return c.ok ? control : null;
}
export function roleNote(min, what) {
  const c = can(min);
  return c.ok ? null : h('p.role-note', { role: 'note' }, icon('lock'), ` ${what} — ${c.reason}`);
}

export const TYPE_NAMES = { realtime: 'Webhook', polling: 'Polled API', p2p: 'From a pipeline' };

export function pipelinesPage(main) {
  const body = h('div', loading('Loading pipelines…'));
  let stopped = false;
  let timer = null;
  clear(main,
    pageHead('Pipelines', 'Where events come in, are kept and are mapped into time series.',
      gated('admin', h('button.btn.primary#new-pipeline', { type: 'button', onclick: () => createPipeline() }, icon('plus'), 'New pipeline'))),
    roleNote('admin', 'Creating and changing pipelines is hidden'),
    body);
  // Events/min and last event come from their own cheap endpoint, refreshed while the page is open.
  const rate = new Map();
  const last = new Map();
  const activity = async () => {
    if (stopped) return;
    try {
      const rows = await get(teamPath('/pipelines/activity'));
      for (const a of rows) {
        const r = rate.get(a.pipeline_id);
        const l = last.get(a.pipeline_id);
        if (r) { clear(r, fmtNumber(a.events_per_minute)); r.dataset.value = String(a.events_per_minute); r.classList.remove('muted'); }
        if (l) { clear(l, a.last_event_at ? fmtAgo(a.last_event_at) : h('span.muted', 'never')); l.title = a.last_event_at ? fmtTime(a.last_event_at) : 'No event received yet'; l.dataset.value = a.last_event_at || ''; }
      }
    } catch (e) {
      rate.forEach((c) => { if (!c.dataset.value) { clear(c, '—'); c.title = 'Could not read the ingest rate: ' + e.message; } });
      last.forEach((c) => { if (c.dataset.value === undefined) clear(c, '—'); });
    }
    if (!stopped) timer = setTimeout(activity, 15000);
  };
  const load = async () => {
    clear(body, loading('Loading pipelines…'));
    try {
      const list = await get(teamPath('/pipelines'));
      if (!list.length) {
        return clear(body, empty('No pipelines yet', 'A pipeline brings events in: a signed ingest URL for webhooks, an API Dash polls, or another pipeline’s points. Map them into metrics and watch them on a dashboard.',
          gated('admin', h('button.btn.primary', { type: 'button', onclick: () => createPipeline() }, 'Create the first pipeline'))));
      }
      rate.clear(); last.clear();
      clear(body, h('div.card.flush', h('table.table#pipelines-table',
        h('thead', h('tr', h('th', 'Name'), h('th', 'Type'), h('th', 'Status'), h('th.num', { title: 'Events received in the last whole minute' }, 'Events/min'), h('th', 'Last event'), h('th', 'Mapping'), h('th', 'Created'))),
        h('tbody', list.map((p) => {
          const r = h('td.num.muted.rate', { 'data-pipeline': p.id }, h('span.skeleton', { 'aria-label': 'Loading' }, '…'));
          const l = h('td.last-event', { 'data-pipeline': p.id }, h('span.skeleton', { 'aria-label': 'Loading' }, '…'));
          rate.set(p.id, r); last.set(p.id, l);
          return h('tr', { 'data-id': p.id },
            h('td', h('a.strong', { href: href(`/t/${session.team.id}/pipelines/${p.id}`) }, p.name)),
            h('td', TYPE_NAMES[p.type] || p.type, p.type === 'realtime' ? h('div.small.muted', presetName(p.signature_preset)) : null),
            h('td', statusBadge(p.status)),
            r, l,
            h('td', p.active_mapping_version ? 'v' + p.active_mapping_version : h('span.muted', 'none yet')),
            h('td', { title: fmtTime(p.inserted_at) }, fmtAgo(p.inserted_at)));
        })))));
      clearTimeout(timer);
      activity();
    } catch (e) { clear(body, failure(e, load)); }
  };
  load();
  return () => { stopped = true; clearTimeout(timer); };
}

export function presetName(p) { return (PRESETS.find(([k]) => k === p) || [p, p || '—'])[1]; }

/** The form of a new pipeline, or of an existing one's settings (`p`): type-specific fields, API errors at their fields. */
async function pipelineForm(p) {
  const editing = !!p;
  let others = [];
  try { others = (await get(teamPath('/pipelines'))).filter((x) => !p || x.id !== p.id); } catch { others = []; }
  const name = h('input', { required: true, 'data-field': 'name', autocomplete: 'off', value: p ? p.name : '' });
  const type = h('select#pipeline-type', { 'data-field': 'type', disabled: editing },
    [['realtime', 'Webhook: senders POST events to a signed URL'], ['polling', 'Polled API: Dash fetches an HTTP or GraphQL API'], ['p2p', 'From a pipeline: another pipeline’s mapped points']]
      .map(([v, l]) => h('option', { value: v, selected: v === (p ? p.type : 'realtime') }, l)));
  // A stored preset the list does not offer (none, generic HMAC set through the API) stays choosable, so saving
  // other settings never changes it.
  const presets = p && p.signature_preset && !PRESETS.some(([k]) => k === p.signature_preset) ? [...PRESETS, [p.signature_preset, p.signature_preset]] : PRESETS;
  const preset = h('select', { 'data-field': 'signature_preset' }, presets.map(([k, l]) => h('option', { value: k, selected: p && p.signature_preset === k }, l)));
  const presetField = field('How senders sign their requests', preset);
  const polling = pollingForm(p && p.type === 'polling' ? p : null);
  const p2p = p2pForm(p && p.type === 'p2p' ? p : null, others);
  const testOut = h('div#source-test', { role: 'status', 'aria-live': 'polite' });
  const testBtn = h('button.btn#test-source', { type: 'button', onclick: async () => {
    let v;
    try { v = polling.value(); } catch (err) { return showErrors(form, err); }
    clear(testOut, loading('Fetching the first page…'));
    testBtn.disabled = true;
    try {
      // A dry run needs a pipeline to run under: an existing one's, or none yet (then only the form's checks).
      if (!editing) { clear(testOut, h('p.small.muted', 'Create the pipeline first; its page has “Test source” with the mapping applied.')); return; }
      const r = await post(teamPath(`/pipelines/${p.id}/poll/test`), { source_type: v.source_type, source_config: v.source_config });
      showErrors(form, null);
      clear(testOut, h('p.callout.ok', `HTTP ${r.status} from ${r.url}: ${r.records} records` + (r.has_next_page ? ', more pages follow' : '') + (r.mapping ? ` · the mapping maps ${r.mapping.mapped}, quarantines ${r.mapping.quarantined}` : '')));
    } catch (err) {
      showErrors(form, err);
      clear(testOut, h('p.callout.bad', err.message));
    } finally { testBtn.disabled = false; }
  } }, 'Test source');
  const sourceBox = h('div');
  const sync = () => {
    presetField.classList.toggle('hidden', type.value !== 'realtime');
    clear(sourceBox,
      type.value === 'polling' ? [polling.el, editing ? h('div.row', testBtn, testOut) : null] : null,
      type.value === 'p2p' ? p2p.el : null);
  };
  type.addEventListener('change', sync);
  sync();
  const form = h('form#pipeline-form', { novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    let body = { name: name.value };
    try {
      if (type.value === 'polling') Object.assign(body, polling.value());
      if (type.value === 'p2p') Object.assign(body, p2p.value());
    } catch (err) { return showErrors(form, err); }
    if (!editing) body.type = type.value;
    if (type.value === 'realtime' && (!editing || preset.value !== p.signature_preset)) body.signature_preset = preset.value;
    const submit = form.querySelector('button[type=submit]');
    submit.disabled = true;
    try {
      if (editing) {
        await patch(teamPath(`/pipelines/${p.id}`), body);
        closeModal(form, 'saved');
        toast('Pipeline saved', 'ok');
      } else {
        const r = await post(teamPath('/pipelines'), body);
        closeModal(form, 'saved');
        if (r.secret) await showSecret('Pipeline created', r.secret, r.curl_example); else toast('Pipeline created', 'ok');
        go(`/t/${session.team.id}/pipelines/${r.pipeline.id}`);
      }
    } catch (err) { showErrors(form, err); } finally { submit.disabled = false; }
  } },
  field('Name', name, 'For example “Stripe payments” or “Sensors, floor 2”.'),
  field('Where events come from', type, editing ? 'The type of a pipeline cannot change.' : null),
  presetField,
  sourceBox,
  h('div.form-error', { role: 'alert' }),
  h('div.row.end', h('button.btn.primary', { type: 'submit' }, editing ? 'Save' : 'Create pipeline')));
  return modal(editing ? 'Settings of ' + p.name : 'New pipeline', form, [], { wide: true });
}

async function createPipeline() { await pipelineForm(null); }

/** A new secret is shown exactly once: say so, offer to copy it. */
export async function showSecret(title, secret, curl) {
  if (!secret) return;
  await modal(title, h('div.stack',
    h('p.callout.warn', icon('key'), ' Copy this secret now. It is stored encrypted and will not be shown again.'),
    h('div.copy-row', h('code.secret#secret-value', { tabindex: 0 }, secret.value),
      h('button.btn', { type: 'button', onclick: () => copy(secret.value, 'Secret copied') }, icon('copy'), 'Copy')),
    secret.expires_at ? h('p.small.muted', 'Expires ' + fmtTime(secret.expires_at)) : null,
    curl ? h('div', h('h3', 'Try it: a signed request, ready to paste'),
      h('pre.code#curl-example', { tabindex: 0 }, curl),
      h('button.btn', { type: 'button', onclick: () => copy(curl, 'Example copied') }, icon('copy'), 'Copy example'),
      h('p.small.muted', 'The signature in this example is valid for the pipeline’s timestamp tolerance (5 minutes by default).')) : null),
  [h('button.btn.primary', { type: 'button', onclick: (e) => closeModal(e.target, 'ok') }, 'I have copied it')], { wide: true });
}

export function pipelinePage(main, { id }) {
  let stop = false;
  let replays = null;
  const render = async () => {
    if (replays) { replays.close(); replays = null; }
    clear(main, loading('Loading pipeline…'));
    let p;
    try { p = await get(teamPath(`/pipelines/${id}`)); } catch (e) { return clear(main, failure(e, render)); }
    if (stop) return;
    replays = can('admin').ok ? replaysCard(p, { onChange: () => render() }) : null;
    const admin = can('admin');
    const act = async (label, fn) => { try { await fn(); toast(label, 'ok'); render(); } catch (e) { toast(e.message, 'error'); } };
    clear(main,
      h('nav.crumbs', { 'aria-label': 'Breadcrumb' }, h('a', { href: href(`/t/${session.team.id}/pipelines`) }, 'Pipelines'), ' / ', p.name),
      pageHead(p.name, null,
        statusBadge(p.status),
        admin.ok ? (p.status === 'paused'
          ? h('button.btn#resume', { type: 'button', onclick: () => act('Pipeline resumed', () => post(teamPath(`/pipelines/${id}/resume`))) }, icon('play'), 'Resume')
          : h('button.btn#pause', { type: 'button', onclick: () => act('Pipeline paused', () => post(teamPath(`/pipelines/${id}/pause`))) }, icon('pause'), 'Pause')) : null,
        admin.ok ? h('button.btn#edit-settings', { type: 'button', onclick: async () => { if (await pipelineForm(p) === 'saved') render(); } }, icon('edit'), p.type === 'realtime' ? 'Settings' : 'Source settings') : null,
        h('a.btn.primary#edit-mapping', { href: href(`/t/${session.team.id}/pipelines/${id}/mapping`) }, icon('edit'), admin.ok ? 'Edit mapping' : 'View mapping'),
        admin.ok ? h('button.btn.danger#delete-pipeline', { type: 'button', onclick: () => confirmDelete(p) }, icon('trash'), 'Delete') : null),
      roleNote('admin', 'Settings, pausing, deleting, secrets and replays are hidden'),
      p.status_reason ? h('p.callout.warn', p.status_reason) : null,
      h('div.grid-2',
        h('section.card', h('h2', 'Ingest'),
          h('p.muted', 'Senders POST JSON here, signed with one of the pipeline’s secrets (' + presetName(p.signature_preset) + ').'),
          h('div.copy-row', h('code#ingest-url', { tabindex: 0 }, p.ingest_url), h('button.btn', { type: 'button', onclick: () => copy(p.ingest_url, 'URL copied') }, icon('copy'), 'Copy')),
          h('dl.facts',
            h('dt', 'Type'), h('dd', p.type),
            h('dt', 'Timestamp tolerance'), h('dd', p.timestamp_tolerance_seconds + ' s'),
            h('dt', 'Dedupe window'), h('dd', p.dedupe_window_seconds + ' s'),
            h('dt', 'Retention'), h('dd', p.retention_days ? p.retention_days + ' days' : 'forever'),
            h('dt', 'Active mapping'), h('dd', p.active_mapping_version ? 'version ' + p.active_mapping_version : 'none yet'))),
        secretsCard(p, admin, render)),
      sourceCard(p, admin),
      pollingStatus(p),
      h('div.grid-2', recentEvents(p, admin), quarantine(p, admin, (r) => replays && replays.upsert(r))),
      replays,
      sinksCard(p, admin));
  };
  render();
  return () => { stop = true; if (replays) replays.close(); };
}

/** Where a polled or p2p pipeline's events come from (the source config is shown to admins only). */
function sourceCard(p, admin) {
  if (p.type === 'realtime') return null;
  const sc = p.source_config || {};
  if (p.type === 'p2p') {
    return h('section.card#source', h('h2', 'Source'), h('dl.facts',
      h('dt', 'Source pipeline'), h('dd', h('a', { href: href(`/t/${session.team.id}/pipelines/${p.source_pipeline_id}`) }, h('code.small', String(p.source_pipeline_id).slice(0, 8)))),
      h('dt', 'Metrics'), h('dd', admin.ok ? ((sc.metrics || []).join(', ') || 'all') : '—'),
      h('dt', 'Labels'), h('dd', admin.ok ? (Object.entries(sc.labels || {}).map(([k, v]) => `${k}=${v}`).join(', ') || 'any') : '—')));
  }
  return h('section.card#source', h('h2', 'Source'), admin.ok ? h('dl.facts',
    h('dt', 'API'), h('dd', (p.source_type || 'http').toUpperCase() + ' · every ' + p.interval_seconds + ' s'),
    h('dt', 'URL'), h('dd', h('code.small#source-url', sc.url || '—')),
    h('dt', 'Authentication'), h('dd', (sc.auth && sc.auth.type) || 'none'),
    h('dt', 'Pagination'), h('dd', (sc.pagination && sc.pagination.type) || 'none'))
    : h('p.muted', `Polled every ${p.interval_seconds} s. The source’s URL and credentials are shown to admins and owners.`));
}

function secretsCard(p, admin, rerender) {
  const overlap = h('select#overlap', { 'aria-label': 'Old secrets stay valid for' },
    [['3600', '1 hour'], ['86400', '1 day'], ['604800', '7 days'], ['0', 'no overlap']].map(([v, l]) => h('option', { value: v, selected: v === '86400' }, l)));
  return h('section.card', h('h2', 'Signing secrets'),
    p.secrets && p.secrets.length ? h('table.table.compact',
      h('thead', h('tr', h('th', 'Secret'), h('th', 'Created'), h('th', 'Expires'), h('th', 'State'), admin.ok ? h('th', h('span.sr-only', 'Actions')) : null)),
      h('tbody', p.secrets.map((s) => h('tr',
        h('td', h('code', '••••' + s.hint)),
        h('td', fmtAgo(s.inserted_at)),
        h('td', s.expires_at ? fmtTime(s.expires_at) : 'never'),
        h('td', s.active ? h('span.badge.ok', 'active') : h('span.badge', s.revoked_at ? 'revoked' : 'expired')),
        admin.ok ? h('td.right', s.active ? h('button.btn.small.danger', { type: 'button', onclick: async () => {
          const ok = await modal('Revoke this secret?', h('p', 'Requests signed with ••••' + s.hint + ' are refused from now on.'),
            [h('button.btn', { type: 'button', onclick: (e) => closeModal(e.target) }, 'Cancel'), h('button.btn.danger', { type: 'button', onclick: (e) => closeModal(e.target, 'yes') }, 'Revoke')]);
          if (ok !== 'yes') return;
          try { await del(teamPath(`/pipelines/${p.id}/secrets/${s.id}`)); toast('Secret revoked', 'ok'); rerender(); } catch (e) { toast(e.message, 'error'); }
        } }, 'Revoke') : null) : null)))) : h('p.muted', 'No secrets.'),
    admin.ok ? h('div.row', h('label.small', { for: 'overlap' }, 'Old secrets stay valid for'), overlap,
      h('button.btn#rotate', { type: 'button', onclick: async () => {
        try {
          const r = await post(teamPath(`/pipelines/${p.id}/secrets`), { overlap_seconds: Number(overlap.value) });
          await showSecret('New secret', r.secret || r, r.curl_example);
          rerender();
        } catch (e) { toast(e.message, 'error'); }
      } }, icon('key'), 'Rotate')) : null);
}

function recentEvents(p, admin) {
  const box = h('div', admin.ok ? loading('Reading the newest events…') : h('p.muted', 'Recent raw events are shown to admins and owners (they read the live stream).'));
  if (admin.ok) {
    const base = teamPath(`/pipelines/${p.id}/mappings`);
    (p.active_mapping_version
      ? get(`${base}/${p.active_mapping_version}`).then((v) => post(`${base}/preview`, { document: v.document, limit: 10 }))
      : post(`${base}/infer`, { limit: 10 }).then((r) => r.preview))
      .then((r) => {
        if (!r.entries.length) return clear(box, h('p.muted', 'No events received yet. Send one with the signed example.'));
        clear(box, h('table.table.compact', h('thead', h('tr', h('th', 'Received'), h('th', 'Event'), h('th', 'Points'))),
          h('tbody', r.entries.map((e) => h('tr', h('td', fmtAgo(e.received_at)), h('td', h('code.small', String(e.event_id).slice(0, 8))),
            h('td', e.ok ? e.points.length : h('span.badge.bad', 'would fail')))))));
      })
      .catch((e) => clear(box, e instanceof ApiError && e.status === 400 ? h('p.muted', 'No events received yet. Send one with the signed example.') : failure(e)));
  }
  return h('section.card#recent-events', h('h2', 'Recent events'), box);
}

function quarantine(p, admin, onStarted) {
  const box = h('div', loading());
  const action = h('div');
  get(teamPath(`/pipelines/${p.id}/quarantine?limit=20`)).then((rows) => {
    if (!rows.length) return clear(box, h('p.muted', 'Nothing in quarantine: every event mapped.'));
    if (admin.ok && p.active_mapping_version) {
      clear(action, h('button.btn.small#replay-quarantine', { type: 'button', onclick: () => replayQuarantine(p, rows.length < 20 ? rows.length : null, onStarted) }, icon('play'), 'Replay quarantined events'));
    }
    clear(box, h('table.table.compact', h('thead', h('tr', h('th', 'Received'), h('th', 'Version'), h('th', 'Why'))),
      h('tbody', rows.map((q) => h('tr', h('td', fmtAgo(q.received_at)), h('td', 'v' + q.mapping_version),
        h('td', (Array.isArray(q.errors) ? q.errors : [q.errors]).map((e) => h('div', e && e.field ? h('code', e.field) : null, ' ', e && (e.reason || e.code) || JSON.stringify(e)))))))),
    h('p.small.muted', admin.ok ? 'Fix the mapping, then replay the quarantined events: what maps now leaves the quarantine.' : 'Admins replay quarantined events once the mapping is fixed.'));
  }).catch((e) => clear(box, failure(e)));
  return h('section.card#quarantine', h('div.row.between', h('h2', 'Quarantine'), action), box);
}

/** Polling status of a polled pipeline (`GET …/poll`, docs/polling.md), and "poll now" for admins. */
function pollingStatus(p) {
  if (p.type !== 'polling') return null;
  const box = h('div', loading());
  const load = () => get(teamPath(`/pipelines/${p.id}/poll`)).then((s) => clear(box,
    h('dl.facts',
      h('dt', 'State'), h('dd', h('span.badge.v-' + (s.state === 'running' ? 'running' : s.state === 'paused' ? 'pending' : 'active'), s.state)),
      h('dt', 'Every'), h('dd', (s.interval_seconds || p.interval_seconds || '—') + ' s'),
      h('dt', 'Last poll'), h('dd', s.last_polled_at ? `${fmtAgo(s.last_polled_at)} · ${s.last_status || '—'} · ${s.last_records} records, ${s.last_pages} pages` : 'never'),
      h('dt', 'Next poll'), h('dd', s.next_poll_at ? fmtAgo(s.next_poll_at) : '—'),
      h('dt', 'Totals'), h('dd', `${s.total_polls} polls · ${s.total_records} records` + (s.late_polls ? ` · ${s.late_polls} late` : '')),
      s.last_error ? [h('dt', 'Last error'), h('dd.field-error', `${s.last_error} (${fmtAgo(s.last_error_at)}${s.consecutive_failures ? `, ${s.consecutive_failures} failures in a row` : ''})`)] : null),
    can('admin').ok ? h('button.btn.small#poll-now', { type: 'button', onclick: async () => {
      try { await post(teamPath(`/pipelines/${p.id}/poll/now`)); toast('The next poll starts now', 'ok'); setTimeout(load, 1500); } catch (e) { toast(e.message, 'error'); }
    } }, 'Poll now') : null)).catch((e) => clear(box, failure(e)));
  load();
  return h('section.card#polling', h('h2', 'Polling'), box);
}

function sinksCard(p, admin) {
  if (!admin.ok) return null;
  const box = h('div', loading());
  get(teamPath(`/pipelines/${p.id}/sinks`)).then((list) => {
    if (!list.length) return clear(box, h('p.muted', 'No sinks: mapped points stay in Dash. Sinks (webhook, Slack, e-mail) are configured through the API.'));
    clear(box, h('table.table.compact', h('thead', h('tr', h('th', 'Type'), h('th', 'Target'), h('th', 'State'))),
      h('tbody', list.map((s) => h('tr', h('td', s.type), h('td', h('code.small', JSON.stringify(s.config))), h('td', s.enabled ? h('span.badge.ok', 'enabled') : h('span.badge', 'disabled')))))));
  }).catch((e) => clear(box, failure(e)));
  return h('section.card#sinks', h('h2', 'Sinks'), box);
}

async function confirmDelete(p) {
  const input = h('input', { autocomplete: 'off', 'aria-label': 'Pipeline name' });
  const btn = h('button.btn.danger#confirm-delete', { type: 'button', disabled: true, onclick: async (e) => {
    try { await del(teamPath(`/pipelines/${p.id}`)); closeModal(e.target); toast('Pipeline deleted', 'ok'); go(`/t/${session.team.id}/pipelines`); } catch (err) { toast(err.message, 'error'); }
  } }, 'Delete pipeline');
  input.addEventListener('input', () => { btn.disabled = input.value !== p.name; });
  await modal('Delete ' + p.name + '?', h('div.stack',
    h('p', 'Ingest stops at once and its mapping versions and secrets are removed. Raw events already archived stay in Bronze.'),
    field('Type the pipeline’s name to confirm', input)),
  [h('button.btn', { type: 'button', onclick: (e) => closeModal(e.target) }, 'Cancel'), btn]);
}
