import { h, clear, icon, loading, failure, empty, field, showErrors, modal, closeModal, copy, toast, fmtTime, fmtAgo } from './dom.js';
import { get, post, del, session, can, teamPath, ApiError } from './api.js';
import { go, href } from './router.js';

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

export function pipelinesPage(main) {
  const body = h('div', loading('Loading pipelines…'));
  clear(main,
    pageHead('Pipelines', 'Where events come in, are kept and are mapped into time series.',
      gated('admin', h('button.btn.primary#new-pipeline', { type: 'button', onclick: () => createPipeline() }, icon('plus'), 'New pipeline'))),
    roleNote('admin', 'Creating and changing pipelines is hidden'),
    body);
  const load = async () => {
    clear(body, loading('Loading pipelines…'));
    try {
      const list = await get(teamPath('/pipelines'));
      if (!list.length) {
        return clear(body, empty('No pipelines yet', 'A pipeline gives you a signed ingest URL. Send it JSON events, map them into metrics and watch them on a dashboard.',
          gated('admin', h('button.btn.primary', { type: 'button', onclick: () => createPipeline() }, 'Create the first pipeline'))));
      }
      clear(body, h('div.card.flush', h('table.table',
        h('thead', h('tr', h('th', 'Name'), h('th', 'Type'), h('th', 'Status'), h('th', 'Signature'), h('th', 'Mapping'), h('th', 'Created'))),
        h('tbody', list.map((p) => h('tr',
          h('td', h('a.strong', { href: href(`/t/${session.team.id}/pipelines/${p.id}`) }, p.name)),
          h('td', p.type),
          h('td', statusBadge(p.status)),
          h('td', presetName(p.signature_preset)),
          h('td', p.active_mapping_version ? 'v' + p.active_mapping_version : h('span.muted', 'none yet')),
          h('td', { title: fmtTime(p.inserted_at) }, fmtAgo(p.inserted_at))))))));
    } catch (e) { clear(body, failure(e, load)); }
  };
  load();
}

export function presetName(p) { return (PRESETS.find(([k]) => k === p) || [p, p || '—'])[1]; }

async function createPipeline() {
  const name = h('input', { required: true, 'data-field': 'name', autocomplete: 'off' });
  const preset = h('select', { 'data-field': 'signature_preset' }, PRESETS.map(([k, l]) => h('option', { value: k }, l)));
  const form = h('form#pipeline-form', { onsubmit: async (e) => {
    e.preventDefault();
    try {
      const r = await post(teamPath('/pipelines'), { name: name.value, type: 'realtime', signature_preset: preset.value });
      closeModal(form);
      await showSecret('Pipeline created', r.secret, r.curl_example);
      go(`/t/${session.team.id}/pipelines/${r.pipeline.id}`);
    } catch (err) { showErrors(form, err); }
  } },
  field('Name', name, 'For example “Stripe payments” or “Sensors, floor 2”.'),
  field('How senders sign their requests', preset),
  h('p.small.muted', 'Polled and pipeline-to-pipeline sources are set up through the API for now.'),
  h('div.form-error', { role: 'alert' }),
  h('div.row.end', h('button.btn.primary', { type: 'submit' }, 'Create pipeline')));
  await modal('New pipeline', form);
}

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
  const render = async () => {
    clear(main, loading('Loading pipeline…'));
    let p;
    try { p = await get(teamPath(`/pipelines/${id}`)); } catch (e) { return clear(main, failure(e, render)); }
    if (stop) return;
    const admin = can('admin');
    const act = async (label, fn) => { try { await fn(); toast(label, 'ok'); render(); } catch (e) { toast(e.message, 'error'); } };
    clear(main,
      h('nav.crumbs', { 'aria-label': 'Breadcrumb' }, h('a', { href: href(`/t/${session.team.id}/pipelines`) }, 'Pipelines'), ' / ', p.name),
      pageHead(p.name, null,
        statusBadge(p.status),
        admin.ok ? (p.status === 'paused'
          ? h('button.btn#resume', { type: 'button', onclick: () => act('Pipeline resumed', () => post(teamPath(`/pipelines/${id}/resume`))) }, icon('play'), 'Resume')
          : h('button.btn#pause', { type: 'button', onclick: () => act('Pipeline paused', () => post(teamPath(`/pipelines/${id}/pause`))) }, icon('pause'), 'Pause')) : null,
        h('a.btn.primary#edit-mapping', { href: href(`/t/${session.team.id}/pipelines/${id}/mapping`) }, icon('edit'), admin.ok ? 'Edit mapping' : 'View mapping'),
        admin.ok ? h('button.btn.danger#delete-pipeline', { type: 'button', onclick: () => confirmDelete(p) }, icon('trash'), 'Delete') : null),
      roleNote('admin', 'Pausing, deleting and secrets are hidden'),
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
      pollingStatus(p),
      h('div.grid-2', recentEvents(p, admin), quarantine(p)),
      sinksCard(p, admin));
  };
  render();
  return () => { stop = true; };
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

function quarantine(p) {
  const box = h('div', loading());
  get(teamPath(`/pipelines/${p.id}/quarantine?limit=20`)).then((rows) => {
    if (!rows.length) return clear(box, h('p.muted', 'Nothing in quarantine: every event mapped.'));
    clear(box, h('table.table.compact', h('thead', h('tr', h('th', 'Received'), h('th', 'Version'), h('th', 'Why'))),
      h('tbody', rows.map((q) => h('tr', h('td', fmtAgo(q.received_at)), h('td', 'v' + q.mapping_version),
        h('td', (Array.isArray(q.errors) ? q.errors : [q.errors]).map((e) => h('div', e && e.field ? h('code', e.field) : null, ' ', e && (e.reason || e.code) || JSON.stringify(e)))))))),
    h('p.small.muted', 'Quarantined events are replayed with the replay API (replay-service) once the mapping is fixed.'));
  }).catch((e) => clear(box, failure(e)));
  return h('section.card', h('h2', 'Quarantine'), box);
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
