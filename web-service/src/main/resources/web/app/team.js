import { h, clear, icon, loading, failure, empty, field, showErrors, toast, fmtAgo, fmtTime, fmtBytes, fmtNumber, modal, closeModal } from './dom.js';
import { get, post, put, del, can, teamPath, session, ROLES } from './api.js';
import { go, href } from './router.js';
import { pageHead, roleNote } from './pipelines.js';

const TABS = [['members', 'Members'], ['audit', 'Audit log'], ['storage', 'Storage']];

export function teamPage(main, { tab = 'members' }) {
  const panel = h('div');
  clear(main,
    pageHead(session.team.name, 'Members, roles, audit log and storage of this team.'),
    h('nav.tabs.page-tabs', { 'aria-label': 'Team sections' }, TABS.map(([k, l]) => h('a.tab', { href: href(`/t/${session.team.id}/settings/${k}`), 'aria-current': tab === k ? 'page' : null }, l))),
    panel);
  if (tab === 'audit') audit(panel);
  else if (tab === 'storage') storage(panel);
  else members(panel);
}

async function members(panel) {
  clear(panel, loading());
  const owner = can('owner');
  try {
    const [list, invites] = await Promise.all([get(teamPath('/members')), owner.ok ? get(teamPath('/invitations')) : Promise.resolve([])]);
    const roleCell = (m) => {
      if (!owner.ok) return h('span.badge.role-' + m.role, m.role);
      const sel = h('select', { 'aria-label': 'Role of ' + m.email, onchange: async () => {
        try { await put(teamPath(`/members/${m.user_id}/role`), { role: sel.value }); toast('Role changed', 'ok'); } catch (e) { toast(e.message, 'error'); sel.value = m.role; }
      } }, ROLES.map((r) => h('option', { value: r, selected: r === m.role }, r)));
      return sel;
    };
    const email = h('input#invite-email', { type: 'email', required: true, 'data-field': 'email', autocomplete: 'off' });
    const role = h('select#invite-role', { 'data-field': 'role' }, ROLES.map((r) => h('option', { value: r, selected: r === 'member' }, r)));
    const form = h('form.row.wrap.invite-form', { onsubmit: async (e) => {
      e.preventDefault();
      try { await post(teamPath('/invitations'), { email: email.value, role: role.value }); toast('Invitation sent to ' + email.value, 'ok'); members(panel); } catch (err) { showErrors(form, err); }
    } }, field('E-mail', email), field('Role', role), h('button.btn.primary', { type: 'submit' }, 'Invite'), h('div.form-error', { role: 'alert' }));
    const open = invites.filter((i) => !i.accepted_at && !i.revoked_at);
    clear(panel,
      roleNote('owner', 'Inviting, changing roles and removing members are hidden'),
      h('section.card.flush', h('table.table#members',
        h('thead', h('tr', h('th', 'Member'), h('th', 'Role'), h('th', 'Joined'), h('th', h('span.sr-only', 'Actions')))),
        h('tbody', list.map((m) => h('tr',
          h('td', h('div.user-cell', h('div.avatar.small', { 'aria-hidden': 'true' }, (m.email || '?')[0].toUpperCase()), h('div', h('div.strong', m.display_name || m.email), h('div.small.muted', m.email)))),
          h('td', roleCell(m)),
          h('td', fmtAgo(m.inserted_at)),
          h('td.right', owner.ok || m.user_id === session.me.user_id ? h('button.btn.small.ghost', { type: 'button', onclick: async () => {
            const self = m.user_id === session.me.user_id;
            const ok = await modal(self ? 'Leave this team?' : 'Remove ' + m.email + '?', h('p', self ? 'You lose access to its pipelines and dashboards.' : 'They lose access at once.'),
              [h('button.btn', { type: 'button', onclick: (e) => closeModal(e.target) }, 'Cancel'), h('button.btn.danger', { type: 'button', onclick: (e) => closeModal(e.target, 'yes') }, self ? 'Leave' : 'Remove')]);
            if (ok !== 'yes') return;
            try { await del(teamPath(`/members/${m.user_id}`)); if (self) { location.hash = '#/'; location.reload(); } else members(panel); } catch (e) { toast(e.message, 'error'); }
          } }, m.user_id === session.me.user_id ? 'Leave' : 'Remove') : null)))))),
      owner.ok ? h('section.card', h('h2', 'Invite someone'), h('p.muted.small', 'They accept after signing in with that e-mail address.'), form,
        open.length ? h('table.table.compact', h('thead', h('tr', h('th', 'Invited'), h('th', 'Role'), h('th', 'Expires'), h('th', h('span.sr-only', 'Actions')))),
          h('tbody', open.map((i) => h('tr', h('td', i.email), h('td', i.role), h('td', fmtTime(i.expires_at)),
            h('td.right', h('button.btn.small.ghost', { type: 'button', onclick: async () => { try { await del(teamPath(`/invitations/${i.id}`)); members(panel); } catch (e) { toast(e.message, 'error'); } } }, 'Revoke')))))) : null) : null);
  } catch (e) { clear(panel, failure(e, () => members(panel))); }
}

async function audit(panel) {
  const c = can('admin');
  if (!c.ok) return clear(panel, h('div.state.empty', icon('lock'), h('h3', 'The audit log is for admins and owners'), h('p', c.reason)));
  clear(panel, loading());
  const type = h('select#audit-type', { 'aria-label': 'Entity type' }, ['', 'pipeline', 'mapping', 'dashboard', 'widget', 'team', 'membership', 'invitation', 'secret', 'sink'].map((t) => h('option', { value: t }, t || 'All changes')));
  const rows = h('tbody');
  const more = h('button.btn', { type: 'button' }, 'Older entries');
  let before = null;
  const load = async (reset) => {
    if (reset) { before = null; clear(rows); }
    try {
      const list = await get(teamPath(`/audit?limit=50${before ? '&before_id=' + before : ''}${type.value ? '&entity_type=' + type.value : ''}`));
      list.forEach((a) => rows.append(h('tr', h('td', { title: fmtTime(a.at) }, fmtAgo(a.at)), h('td', h('code', a.action)), h('td', a.entity_type), h('td', h('code.small', String(a.entity_id).slice(0, 8))), h('td.small.muted', a.actor_subject ? String(a.actor_subject).slice(0, 8) : 'system'))));
      if (list.length) before = list[list.length - 1].id;
      more.hidden = list.length < 50;
      if (!rows.children.length) rows.append(h('tr', h('td', { colspan: 5 }, h('span.muted', 'No changes recorded.'))));
    } catch (e) { clear(panel, failure(e)); }
  };
  type.addEventListener('change', () => load(true));
  more.addEventListener('click', () => load(false));
  clear(panel, h('div.row', h('label.small', { for: 'audit-type' }, 'Show'), type),
    h('section.card.flush', h('table.table#audit', h('thead', h('tr', h('th', 'When'), h('th', 'Action'), h('th', 'Entity'), h('th', 'Id'), h('th', 'By'))), rows)), more);
  load(true);
}

async function storage(panel) {
  clear(panel, loading());
  try {
    const s = await get(teamPath('/storage'));
    const used = s.silver_bytes_estimate + s.bronze_bytes;
    const pct = s.limit_bytes ? Math.min(100, (used / s.limit_bytes) * 100) : 0;
    clear(panel, h('div.stats-row',
      stat('Points (Silver)', fmtNumber(s.points), fmtBytes(s.silver_bytes_estimate) + ' estimated'),
      stat('Raw events (Bronze)', fmtNumber(s.bronze_events), fmtBytes(s.bronze_bytes) + ' compressed'),
      stat('Records', fmtNumber(s.records), 'kept for table widgets'),
      stat('Of the team’s limit', pct.toFixed(1) + ' %', fmtBytes(used) + ' of ' + fmtBytes(s.limit_bytes))),
    h('section.card', h('h2', 'Usage'), h('progress.usage', { max: 100, value: pct.toFixed(1), 'aria-label': 'Storage used' }),
      h('p.small.muted', 'Raw events are kept forever in Bronze; Silver keeps each pipeline’s retention.')));
  } catch (e) { clear(panel, failure(e, () => storage(panel))); }
}

function stat(label, value, sub) {
  return h('div.card.kpi', h('div.kpi-label', label), h('div.kpi-value', value), h('div.small.muted', sub));
}
