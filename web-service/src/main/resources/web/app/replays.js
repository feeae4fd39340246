// A pipeline's replays (docs/replay.md): the open one with its live progress and a cancel button, the ones
// before it, and starting one. The replay API is replay-service's, reached on this origin through
// web-service's forwarding routes (`/api/teams/{team}/pipelines/{p}/replays…`, docs/ui.md "Replays"); the
// progress arrives over `/api/teams/{team}/replays/live`. Admins and owners only, like the API.
import { h, clear, loading, failure, toast, fmtAgo, fmtNumber, fmtTime, modal, closeModal, icon, field, showErrors } from './dom.js';
import { get, post, teamPath, session, socket } from './api.js';

export const OPEN = ['queued', 'waiting_for_archive', 'running', 'cutting_over'];
const STATE_TEXT = {
  queued: 'queued', waiting_for_archive: 'waiting for the archive', running: 'running', cutting_over: 'cutting over',
  succeeded: 'succeeded', failed: 'failed', cancelled: 'cancelled',
};

/** Starts a replay of the pipeline (kind mapping or quarantine); resolves to the queued replay. */
export function startReplay(pipelineId, body) {
  return post(teamPath(`/pipelines/${pipelineId}/replays`), body);
}

/** Asks for a replay's cancellation, after a confirmation; resolves to the replay or null. */
export async function cancelReplay(pipelineId, r) {
  const ok = await modal('Cancel this replay?', h('div.stack',
    h('p', r.kind === 'quarantine'
      ? 'The quarantined events it has not re-mapped yet stay in quarantine.'
      : `Version ${r.target_version} will not become active: dashboards keep showing version ${r.from_version || 'the active one'}, untouched.`),
    ['running'].includes(r.state) ? h('p.small.muted', 'A running replay stops at its next checkpoint (within seconds).') : null),
  [h('button.btn', { type: 'button', onclick: (e) => closeModal(e.target) }, 'Keep it running'),
    h('button.btn.danger#confirm-cancel-replay', { type: 'button', onclick: (e) => closeModal(e.target, 'yes') }, 'Cancel replay')]);
  if (ok !== 'yes') return null;
  try {
    const after = await post(teamPath(`/pipelines/${pipelineId}/replays/${r.id}/cancel`));
    toast(after.state === 'cancelled' ? 'Replay cancelled' : 'The replay stops at its next checkpoint', 'ok');
    return after;
  } catch (e) { toast(e.message, 'error'); return null; }
}

/** One line of progress: state badge, objects, events, points, ETA, last error. */
export function progressLine(r) {
  const total = r.objects_total || 0;
  const facts = [
    r.cancel_requested && OPEN.includes(r.state) ? 'cancelling…' : null,
    total ? `${r.objects_done || 0} of ${total} objects` : null,
    r.events_read ? `${fmtNumber(r.events_read)} events` : null,
    r.points_written ? `${fmtNumber(r.points_written)} points` : null,
    r.eta_seconds && OPEN.includes(r.state) ? `about ${Math.round(r.eta_seconds)} s left` : null,
  ].filter(Boolean);
  return [
    h('span.badge.v-' + r.state, STATE_TEXT[r.state] || r.state),
    facts.length ? ' ' + facts.join(' · ') : '',
    r.last_error ? h('div.field-error', r.last_error) : null,
  ];
}

function what(r) {
  return r.kind === 'quarantine' ? `Quarantined events → v${r.target_version}` : `History → v${r.target_version}`;
}

/**
 * The pipeline page's replays card. `onChange` is called when a replay ends (the page may reload its
 * mapping version and quarantine).
 */
export function replaysCard(p, { onChange } = {}) {
  const body = h('div', loading('Loading replays…'));
  const actions = h('div.row');
  const card = h('section.card#replays', h('div.row.between', h('h2', 'Replays'), actions), body);
  let list = [];
  let pending = null;
  let ws = null;
  let stopped = false;
  let retry = null;

  const render = () => {
    const open = list.find((r) => OPEN.includes(r.state));
    clear(actions,
      pending && !list.some((r) => r.kind === 'mapping' && r.target_version === pending && OPEN.includes(r.state))
        ? h('button.btn.small#start-replay', { type: 'button', disabled: !!open, title: open ? 'Another replay of this pipeline is open' : null, onclick: () => startMapping() },
          icon('play'), `Replay history into v${pending}`)
        : null);
    if (!list.length) {
      return clear(body, h('div.state.empty.compact',
        h('h3', 'No replays yet'),
        h('p', 'A replay runs when a new mapping version is saved (history is re-derived, then dashboards switch at once), or when you replay the quarantined events after fixing the mapping.')));
    }
    const bar = (r) => {
      const b = h('progress', { max: Math.max(1, r.objects_total || 0), value: r.state === 'succeeded' ? Math.max(1, r.objects_total || 0) : (r.objects_done || 0), 'aria-label': 'Replay progress' });
      return b;
    };
    clear(body,
      open ? h('div.replay-open#replay-open', { 'data-state': open.state, 'data-id': open.id },
        h('div.row.between', h('strong', what(open)),
          h('button.btn.small.danger#cancel-replay', { type: 'button', disabled: open.state === 'cutting_over' || !!open.cancel_requested,
            title: open.state === 'cutting_over' ? 'A replay that is cutting over can no longer be cancelled' : null,
            onclick: async () => { const r = await cancelReplay(p.id, open); if (r) upsert(r); } }, icon('close'), 'Cancel')),
        bar(open),
        h('div.small#open-replay-state', progressLine(open)),
        h('p.small.muted', open.kind === 'quarantine'
          ? 'Events that map now are written and leave the quarantine; the rest stay with their new reason.'
          : 'Dashboards keep showing the active version until the cut-over, then switch at once.')) : null,
      h('table.table.compact#replay-history',
        h('thead', h('tr', h('th', 'Replay'), h('th', 'State'), h('th', 'Events'), h('th', 'Started'), h('th', 'Finished'))),
        h('tbody', list.slice(0, 10).map((r) => h('tr', { 'data-id': r.id },
          h('td', what(r), r.window_from || r.window_to ? h('div.small.muted', `${fmtTime(r.window_from)} → ${fmtTime(r.window_to)}`) : null),
          h('td', h('span.badge.v-' + r.state, STATE_TEXT[r.state] || r.state)),
          h('td', r.events_read != null ? fmtNumber(r.events_read) : '—'),
          h('td', { title: fmtTime(r.created_at) }, fmtAgo(r.started_at || r.created_at)),
          h('td', r.finished_at ? fmtAgo(r.finished_at) : '—'))))));
  };

  const upsert = (r) => {
    if (r.pipeline_id && r.pipeline_id !== p.id) return;
    const i = list.findIndex((x) => x.id === r.id);
    const wasOpen = i >= 0 && OPEN.includes(list[i].state);
    if (i >= 0) list[i] = { ...list[i], ...r }; else list = [r, ...list];
    list.sort((a, b) => String(b.created_at || '').localeCompare(String(a.created_at || '')));
    render();
    // Only a replay that succeeded changed the pipeline (a new active version, a smaller quarantine).
    if (wasOpen && r.state === 'succeeded' && onChange) onChange(r);
    // A cancelled or failed mapping replay also ended its version: read the versions again.
    else if (wasOpen && !OPEN.includes(r.state)) load(true);
  };

  const startMapping = async () => {
    try { upsert(await startReplay(p.id, { kind: 'mapping', target_version: pending })); toast('Replay queued', 'ok'); } catch (e) { toast(e.message, 'error'); }
  };

  const connect = () => {
    if (stopped) return;
    ws = socket(`/api/teams/${session.team.id}/replays/live`);
    ws.onmessage = (m) => { try { upsert(JSON.parse(m.data)); } catch { /* not a replay */ } };
    // The table is the truth: after a drop, read it again and reconnect a little later.
    ws.onclose = (ev) => { if (!stopped && ev.code !== 1000) retry = setTimeout(() => { load(true); connect(); }, 5000); };
  };

  const load = async (quiet) => {
    if (!quiet) clear(body, loading('Loading replays…'));
    try {
      const [replays, versions] = await Promise.all([
        get(teamPath(`/pipelines/${p.id}/replays`)),
        get(teamPath(`/pipelines/${p.id}/mappings`)).catch(() => []),
      ]);
      const pv = versions.find((v) => v.status === 'pending');
      pending = pv ? pv.version : null;
      list = replays;
      render();
    } catch (e) { if (!quiet) clear(body, failure(e, () => load())); }
  };

  load();
  connect();
  card.upsert = upsert;
  card.close = () => { stopped = true; clearTimeout(retry); if (ws) ws.close(1000); };
  return card;
}

/** "Replay quarantined events": confirm, optionally within a received-time window, start. */
export async function replayQuarantine(p, count, onStarted) {
  const from = h('input#rq-from', { type: 'datetime-local', 'data-field': 'from' });
  const to = h('input#rq-to', { type: 'datetime-local', 'data-field': 'to' });
  const form = h('form#replay-quarantine-form.stack', { onsubmit: async (e) => {
    e.preventDefault();
    const body = { kind: 'quarantine' };
    if (from.value) body.from = new Date(from.value).toISOString();
    if (to.value) body.to = new Date(to.value).toISOString();
    try {
      const r = await startReplay(p.id, body);
      closeModal(form, 'ok');
      toast('Replay of the quarantined events queued', 'ok');
      if (onStarted) onStarted(r);
    } catch (err) { showErrors(form, err); }
  } },
  h('p', `The ${count ? count + (count === 1 ? ' event' : ' events') : 'events'} in quarantine for version ${p.active_mapping_version} are read again from the archive and mapped with it. What maps now is written and leaves the quarantine; the rest stays, with its new reason.`),
  h('div.grid-2',
    field('Received from (optional)', from),
    field('Received before (optional)', to)),
  h('div.form-error', { role: 'alert' }),
  h('div.row.end', h('button.btn', { type: 'button', onclick: (e) => closeModal(e.target) }, 'Cancel'),
    h('button.btn.primary#confirm-replay-quarantine', { type: 'submit' }, icon('play'), 'Replay quarantined events')));
  await modal('Replay quarantined events', form);
}

