import { h, clear, icon, loading, failure, empty, toast, fmtAgo, fmtNumber, debounce, modal, closeModal } from './dom.js';
import { get, post, can, teamPath, session, socket, ApiError } from './api.js';
import { href } from './router.js';
import { pageHead, roleNote } from './pipelines.js';
import { progressLine, cancelReplay, OPEN } from './replays.js';
import { pointerRanges, rangeOf, lineCol, syntaxError, diffLines } from './jsonpos.js';

const SKELETON = { fields: [{ name: 'value', path: '/value', type: 'number' }], metrics: ['value'], labels: [] };

export function mappingPage(main, { id }) {
  let closed = false;
  let ws = null;
  const teardown = () => { closed = true; if (ws) ws.close(1000); };
  (async () => {
    clear(main, loading('Loading mapping…'));
    let p, versions;
    try {
      [p, versions] = await Promise.all([get(teamPath(`/pipelines/${id}`)), get(teamPath(`/pipelines/${id}/mappings`))]);
    } catch (e) { return clear(main, failure(e, () => mappingPage(main, { id }))); }
    if (closed) return;
    const admin = can('admin');
    const base = teamPath(`/pipelines/${id}/mappings`);
    const active = versions.find((v) => v.version === p.active_mapping_version);
    const activeText = active ? JSON.stringify(active.document, null, 2) : '';
    const start = activeText || JSON.stringify(SKELETON, null, 2);

    const area = h('textarea#mapping-text.code-input', { spellcheck: 'false', 'aria-label': 'Mapping document (JSON)', readonly: !admin.ok, rows: 22, autocomplete: 'off' });
    area.value = start;
    const backdrop = h('pre.backdrop', { 'aria-hidden': 'true' });
    const gutter = h('div.gutter', { 'aria-hidden': 'true' });
    const editor = h('div.editor', gutter, h('div.editor-body', backdrop, area));
    const status = h('div.validity#validity', { role: 'status', 'aria-live': 'polite' });
    const problems = h('ul.problems#problems');
    const panel = h('div.panel-body');
    const progress = h('div#replay-progress');

    let lastProblems = [];
    const paint = (marks) => {
      const text = area.value;
      const parts = [];
      let at = 0;
      for (const m of [...marks].sort((a, b) => a.start - b.start)) {
        if (m.start < at) continue;
        parts.push(text.slice(at, m.start), h('mark.err', { title: m.reason }, text.slice(m.start, Math.max(m.end, m.start + 1)) || ' '));
        at = Math.max(m.end, m.start + 1);
      }
      parts.push(text.slice(at) + '\n');
      clear(backdrop, parts);
      const lines = text.split('\n').length;
      const bad = new Set(marks.map((m) => lineCol(text, m.start).line));
      clear(gutter, Array.from({ length: lines }, (_, k) => h('div' + (bad.has(k + 1) ? '.bad' : ''), String(k + 1))));
      backdrop.scrollTop = area.scrollTop; gutter.scrollTop = area.scrollTop;
    };
    area.addEventListener('scroll', () => { backdrop.scrollTop = area.scrollTop; backdrop.scrollLeft = area.scrollLeft; gutter.scrollTop = area.scrollTop; });

    const showProblems = (list) => {
      lastProblems = list;
      clear(problems, list.map((pr) => {
        const { line, col } = lineCol(area.value, pr.start);
        return h('li', h('button.linkish', { type: 'button', onclick: () => { area.focus(); area.setSelectionRange(pr.start, pr.end); } },
          h('span.loc', `${line}:${col}`), ' ', pr.pointer ? h('code', pr.pointer) : null, ' ', pr.reason));
      }));
      paint(list);
    };

    let seq = 0;
    const validate = async () => {
      const my = ++seq;
      const text = area.value;
      const se = syntaxError(text);
      if (se) {
        clear(status, h('span.badge.bad', 'Not valid JSON'));
        return showProblems([{ ...se, pointer: '' }]);
      }
      if (!admin.ok) { clear(status, h('span.badge', 'read-only')); return showProblems([]); }
      clear(status, h('span.muted', 'Checking…'));
      try {
        const r = await post(`${base}/validate`, { document: JSON.parse(text) });
        if (my !== seq) return;
        const ranges = pointerRanges(text);
        if (r.valid) {
          clear(status, h('span.badge.ok', 'Valid'), ' ', h('span.small.muted', `metrics: ${r.metrics.join(', ') || '—'} · labels: ${r.labels.join(', ') || '—'}`));
          showProblems([]);
        } else {
          clear(status, h('span.badge.bad', r.problems.length + (r.problems.length === 1 ? ' problem' : ' problems')));
          showProblems(r.problems.map((pr) => ({ ...rangeOf(ranges, pr.pointer), pointer: pr.pointer, reason: pr.reason })));
        }
      } catch (e) {
        if (my !== seq) return;
        if (e instanceof ApiError && e.error === 'invalid_mapping') {
          const ranges = pointerRanges(text);
          clear(status, h('span.badge.bad', 'Problems'));
          showProblems(e.fields.map((f) => ({ ...rangeOf(ranges, f.field), pointer: f.field, reason: f.reason })));
        } else clear(status, h('span.badge.bad', e.message));
      }
    };
    const later = debounce(validate, 300);
    area.addEventListener('input', () => { paint(lastProblems.filter(() => false)); later(); });

    const doc = () => { try { return JSON.parse(area.value); } catch { return null; } };
    // Each tab switch takes the panel; an answer that arrives after a later switch (a slow first preview under
    // load) is dropped instead of overwriting what the user asked for since.
    let panelTurn = 0;
    const tab = (name) => {
      panelTurn++;
      tabs.querySelectorAll('[role=tab]').forEach((t) => t.setAttribute('aria-selected', String(t.dataset.tab === name)));
      if (name === 'preview') preview();
      if (name === 'infer') infer();
      if (name === 'diff') diff();
      if (name === 'versions') history();
    };
    const tabs = h('div.tabs', { role: 'tablist', 'aria-label': 'Mapping tools' },
      [['preview', 'Preview'], ['infer', 'Suggest from events'], ['diff', 'Diff vs active'], ['versions', 'Versions']].map(([k, l]) =>
        h('button.tab#tab-' + k, { type: 'button', role: 'tab', 'aria-selected': 'false', dataset: { tab: k }, onclick: () => tab(k) }, l)));

    const preview = async () => {
      const d = doc();
      if (!d) return clear(panel, h('p.muted', 'Fix the JSON first.'));
      if (!admin.ok) return clear(panel, h('p.muted', can('admin').reason));
      const turn = panelTurn;
      clear(panel, loading('Mapping the newest events…'));
      try {
        const r = await post(`${base}/preview`, { document: d, limit: 20 });
        if (turn !== panelTurn) return;
        if (!r.events) return clear(panel, empty('No events to preview', 'Send events to the ingest URL, then preview again.'));
        clear(panel, h('p.small.muted#preview-summary', `${r.events} events · ${r.mapped} mapped · ${r.quarantined} would be quarantined · ${r.points} points`),
          h('table.table.compact#preview-table', h('thead', h('tr', h('th', 'Event'), h('th', 'Metric'), h('th', 'Labels'), h('th.right', 'Value'), h('th', 'Time'))),
            h('tbody', r.entries.flatMap((e) => e.ok ? e.points.map((pt) => h('tr', h('td', h('code.small', String(e.event_id || '').slice(0, 8))),
              h('td', pt.metric), h('td', Object.entries(pt.labels || {}).map(([k, v]) => h('span.chip', `${k}=${v}`))), h('td.right', fmtNumber(pt.value)), h('td', fmtAgo(pt.time))))
              : [h('tr.bad', h('td', h('code.small', String(e.event_id || '').slice(0, 8))), h('td', { colspan: 4 }, e.errors.map((x) => h('div', h('code', x.field), ' ', x.reason))))]))));
      } catch (e) { if (turn === panelTurn) clear(panel, failure(e)); }
    };
    const infer = async () => {
      if (!admin.ok) return clear(panel, h('p.muted', can('admin').reason));
      const turn = panelTurn;
      clear(panel, loading('Reading recent events…'));
      try {
        const r = await post(`${base}/infer`, { limit: 50 });
        if (turn !== panelTurn) return;
        const text = JSON.stringify(r.mapping, null, 2);
        clear(panel, h('p.small.muted', `Suggested from ${r.samples} events (${r.unusable} unusable).`), h('pre.code', { tabindex: 0 }, text),
          h('button.btn#use-suggestion', { type: 'button', onclick: () => { area.value = text; validate(); toast('Suggestion copied into the editor'); } }, 'Use this suggestion'));
      } catch (e) {
        if (turn !== panelTurn) return;
        clear(panel, e instanceof ApiError && e.status === 400 ? empty('Nothing to learn from yet', e.message) : failure(e)); }
    };
    const diff = () => {
      if (!active) return clear(panel, h('p.muted', 'No active version yet: everything is new.'));
      const d = doc();
      const mine = d ? JSON.stringify(d, null, 2) : area.value;
      const lines = diffLines(activeText, mine);
      const changed = lines.filter(([k]) => k !== ' ').length;
      clear(panel, h('p.small.muted', changed ? `${changed} lines differ from version ${active.version}.` : `Same as version ${active.version}.`),
        h('pre.code.diff#diff', { tabindex: 0 }, lines.map(([k, l]) => h('div.' + (k === '+' ? 'add' : k === '-' ? 'del' : 'same'), (k === ' ' ? '  ' : k + ' ') + l))));
    };
    const history = () => {
      clear(panel, versions.length ? h('table.table.compact', h('thead', h('tr', h('th', 'Version'), h('th', 'Status'), h('th', 'Saved'), h('th', 'Activated'), h('th', h('span.sr-only', 'Open')))),
        h('tbody', [...versions].reverse().map((v) => h('tr', h('td', 'v' + v.version), h('td', h('span.badge.v-' + v.status, v.status)), h('td', fmtAgo(v.inserted_at)), h('td', v.activated_at ? fmtAgo(v.activated_at) : '—'),
          h('td.right', h('button.btn.small', { type: 'button', onclick: () => { area.value = JSON.stringify(v.document, null, 2); validate(); } }, 'Load')))))) : h('p.muted', 'No versions saved yet.'));
    };

    const save = h('button.btn.primary#save-mapping', { type: 'button', onclick: async () => {
      const d = doc();
      if (!d) return toast('Fix the JSON first', 'error');
      const ok = await modal('Save as a new version?', h('div.stack',
        h('p', `This saves version ${(versions.reduce((a, v) => Math.max(a, v.version), 0)) + 1} as pending. Dash then replays the pipeline’s history through it and switches every dashboard over at once, without a gap.`)),
      [h('button.btn', { type: 'button', onclick: (e) => closeModal(e.target) }, 'Cancel'), h('button.btn.primary#confirm-save', { type: 'button', onclick: (e) => closeModal(e.target, 'yes') }, 'Save and replay')]);
      if (ok !== 'yes') return;
      try {
        const v = await post(base, { document: d });
        versions = [...versions, v];
        toast(`Version ${v.version} saved`, 'ok');
        watchReplay(v.version);
      } catch (e) {
        if (e.error === 'invalid_mapping') { validate(); toast('The mapping has problems; they are marked.', 'error'); } else toast(e.message, 'error');
      }
    } }, 'Save new version');

    const watchReplay = (version) => {
      const bar = h('progress', { max: 1, value: 0, 'aria-label': 'Replay progress' });
      const text = h('div.small#replay-state', 'Waiting for the replay to start…');
      const cancelBox = h('div');
      let current = null;
      const show = (r) => {
        current = { ...(current || {}), ...r };
        const total = current.objects_total || 0;
        bar.max = Math.max(1, total); bar.value = current.state === 'succeeded' ? bar.max : (current.objects_done || 0);
        clear(text, progressLine(current));
        clear(cancelBox, admin.ok && OPEN.includes(current.state) ? h('button.btn.small.danger#cancel-replay', { type: 'button',
          disabled: current.state === 'cutting_over' || !!current.cancel_requested,
          onclick: async () => { const after = await cancelReplay(id, current); if (after) show(after); } }, icon('close'), 'Cancel replay') : null);
      };
      clear(progress, h('section.card.progress-card', h('div.row.between', h('h2', `Replay into version ${version}`), cancelBox), bar, text,
        h('p.small.muted', 'Dashboards keep showing the active version until the cut-over, then switch at once.')));
      if (ws) ws.close(1000);
      ws = socket(`/api/teams/${session.team.id}/replays/live`);
      ws.onmessage = (m) => {
        const r = JSON.parse(m.data);
        if (r.pipeline_id !== id || (r.target_version != null && r.target_version !== version)) return;
        show(r);
      };
      ws.onclose = (ev) => { if (!closed && ev.code !== 1000) text.append(h('div.small.muted', 'Live progress disconnected; reload to see the current state.')); };
      // replay-service queues the replay when it sees the new version; until the socket says more, read it.
      let tries = 0;
      const find = async () => {
        if (closed || current || tries++ > 20) return;
        try {
          const r = (await get(teamPath(`/pipelines/${id}/replays`))).find((x) => x.kind === 'mapping' && x.target_version === version);
          if (r && !current) { show(r); return; }
        } catch { /* the socket may still tell */ }
        setTimeout(find, 1500);
      };
      if (admin.ok) find();
    };

    clear(main,
      h('nav.crumbs', { 'aria-label': 'Breadcrumb' }, h('a', { href: href(`/t/${session.team.id}/pipelines`) }, 'Pipelines'), ' / ',
        h('a', { href: href(`/t/${session.team.id}/pipelines/${id}`) }, p.name), ' / Mapping'),
      pageHead('Mapping', active ? `Active: version ${active.version}. Edits become a new version; saved versions never change.` : 'No active version yet.',
        admin.ok ? save : null),
      roleNote('admin', 'Saving, validating and previewing are hidden'),
      progress,
      h('div.mapping-layout',
        h('section.card.editor-card', h('div.row.between', h('h2', 'Document'), status), editor, problems,
          h('p.small.muted', 'Fields pick values by JSON Pointer; metrics are numbers, labels are strings. See docs/mapping.md.')),
        h('section.card.tools-card', tabs, panel)));
    validate();
    tab('preview');
  })();
  return teardown;
}
