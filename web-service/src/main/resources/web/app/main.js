import './style.css';
import { h, clear, icon, loading, failure, field, showErrors, modal, closeModal } from './dom.js';
import { get, post, session, whenSignedOut, ApiError } from './api.js';
import { route, current, match, go, href } from './router.js';
import { pipelinesPage, pipelinePage } from './pipelines.js';
import { mappingPage } from './mapping.js';
import { dashboardsPage, dashboardPage } from './dashboards.js';
import { publicPage } from './public.js';
import { teamPage } from './team.js';
import { benchPage } from './bench.js';

const app = document.getElementById('app');
let cleanup = null;

route('/t/:team/dashboards', dashboardsPage);
route('/t/:team/dashboards/:id', dashboardPage);
route('/t/:team/pipelines', pipelinesPage);
route('/t/:team/pipelines/:id', pipelinePage);
route('/t/:team/pipelines/:id/mapping', mappingPage);
route('/t/:team/settings', teamPage);
route('/t/:team/settings/:tab', teamPage);

whenSignedOut(() => { if (session.me) { session.me = null; render(); } });

const after = sessionStorage.getItem('dash.after-login');
if (after) { sessionStorage.removeItem('dash.after-login'); if (!location.hash || location.hash === '#/') history.replaceState(null, '', after); }
window.addEventListener('hashchange', render);
render();

async function render() {
  if (cleanup) { try { cleanup(); } catch { /* a page's own teardown must not stop the next page */ } cleanup = null; }
  const { path, query } = current();
  document.body.classList.toggle('kiosk', query.get('kiosk') === '1');

  const pub = /^\/public\/([^/]+)$/.exec(path);
  if (pub) {
    document.body.classList.add('public');
    cleanup = publicPage(app, { token: decodeURIComponent(pub[1]) }, query);
    return;
  }
  document.body.classList.remove('public');
  if (path === '/bench/stream') return benchPage(app, query);

  if (!session.me) {
    clear(app, loading('Signing in…'));
    try {
      session.me = await get('/api/me');
      session.teams = await get('/api/teams');
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return signIn();
      return clear(app, h('div.center', failure(e, render)));
    }
  }
  const m = match(path);
  if (!m) {
    const last = localStorage.getItem('dash.team');
    const team = session.teams.find((t) => t.id === last) || session.teams[0];
    if (!team) return onboarding();
    return go(`/t/${team.id}/dashboards`);
  }
  const team = session.teams.find((t) => t.id === m.params.team);
  if (!team) {
    // A team this user is not in (or a stale link): the API answers 404 for it, so does the UI.
    return shell(path, (main) => clear(main, h('div.state.error', h('h3', 'Team not found'),
      h('p', 'This team does not exist or you are not a member of it.'),
      h('a.btn', { href: '#/' }, 'Go to my teams'))));
  }
  session.team = team;
  localStorage.setItem('dash.team', team.id);
  shell(path, (main) => { cleanup = m.render(main, m.params, query) || null; });
}

function signIn() {
  // Where to come back to after Keycloak: /login always lands on "/", so the deep link waits here.
  if (location.hash && location.hash !== '#/') sessionStorage.setItem('dash.after-login', location.hash);
  clear(app, h('div.signin',
    h('div.signin-card',
      h('div.brand.big', icon('dash'), h('span', 'Dash')),
      h('h1', 'Live dashboards for your webhooks'),
      h('p.muted', 'Sign in to see your team’s pipelines and dashboards.'),
      h('a.btn.primary.block', { href: '/login', id: 'sign-in' }, 'Sign in'),
      h('p.small.muted', 'You sign in through your organisation’s identity provider.'))));
}


function onboarding() {
  const name = h('input', { name: 'name', required: true, 'data-field': 'name', autocomplete: 'organization' });
  const slug = h('input', { name: 'slug', required: true, 'data-field': 'slug', pattern: '[a-z0-9-]+' });
  name.addEventListener('input', () => { slug.value = name.value.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''); });
  const form = h('form.card.narrow', { onsubmit: async (e) => {
    e.preventDefault();
    try {
      const t = await post('/api/teams', { name: name.value, slug: slug.value });
      session.teams = await get('/api/teams');
      go(`/t/${t.id}/pipelines`);
    } catch (err) { showErrors(form, err); }
  } },
  h('h1', 'Create your first team'),
  h('p.muted', 'Pipelines, dashboards and members belong to a team. You will be its owner.'),
  field('Team name', name), field('Short name (in URLs)', slug, 'Lower-case letters, digits and dashes.'),
  h('div.form-error', { role: 'alert' }),
  h('button.btn.primary', { type: 'submit' }, 'Create team'));
  clear(app, h('div.center', form, invitationsHint()));
}

function invitationsHint() {
  const box = h('div.narrow');
  get('/api/invitations').then((list) => {
    const open = (list || []).filter((i) => !i.accepted_at && !i.revoked_at);
    if (!open.length) return;
    clear(box, h('div.card', h('h2', 'Invitations for you'), open.map((i) => h('div.row.between',
      h('span', 'Join ', h('strong', i.team_name), ' as ', i.role),
      h('button.btn.primary', { type: 'button', onclick: async () => {
        await post(`/api/invitations/${i.id}/accept`);
        session.teams = await get('/api/teams');
        go(`/t/${i.team_id}/dashboards`);
      } }, 'Accept')))));
  }).catch(() => {});
  return box;
}

function shell(path, fill) {
  const t = session.team;
  const nav = [
    ['dashboards', 'Dashboards', 'grid'],
    ['pipelines', 'Pipelines', 'pipe'],
    ['settings', 'Team', 'team'],
  ];
  const select = h('select#team-switcher', { 'aria-label': 'Team', onchange: (e) => {
    if (e.target.value === '__new') return newTeam();
    go(`/t/${e.target.value}/dashboards`);
  } },
  session.teams.map((x) => h('option', { value: x.id, selected: t && x.id === t.id }, x.name)),
  h('option', { value: '__new' }, '+ New team…'));
  const section = path.split('/')[3];
  const main = h('main#main.main', { tabindex: '-1' });
  clear(app, h('div.shell',
    h('a.skip', { href: '#main', onclick: (e) => { e.preventDefault(); main.focus(); } }, 'Skip to content'),
    h('aside.sidebar', { 'aria-label': 'Navigation' },
      h('div.brand', icon('dash'), h('span', 'Dash')),
      h('div.team-switch', h('span.label', 'Team'), select, t ? h('span.role-badge', { title: 'Your role in this team' }, t.role) : null),
      h('nav', h('ul', nav.map(([k, label, ic]) => h('li', h('a' + (section === k ? '.active' : ''),
        { href: href(`/t/${t ? t.id : ''}/${k}`), 'aria-current': section === k ? 'page' : null }, icon(ic), h('span', label)))))),
      h('div.sidebar-foot',
        h('div.user', h('div.avatar', { 'aria-hidden': 'true' }, (session.me.email || '?')[0].toUpperCase()),
          h('div.user-text', h('div.user-email', { title: session.me.email }, session.me.email), h('div.small.muted', 'Signed in'))),
        h('a.btn.ghost.block#sign-out', { href: '/logout' }, icon('out'), 'Sign out'))),
    main));
  fill(main);
}

async function newTeam() {
  const name = h('input', { required: true, 'data-field': 'name' });
  const slug = h('input', { required: true, 'data-field': 'slug' });
  name.addEventListener('input', () => { slug.value = name.value.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''); });
  const form = h('form', { onsubmit: async (e) => {
    e.preventDefault();
    try {
      const t = await post('/api/teams', { name: name.value, slug: slug.value });
      session.teams = await get('/api/teams');
      closeModal(form);
      go(`/t/${t.id}/pipelines`);
    } catch (err) { showErrors(form, err); }
  } }, field('Team name', name), field('Short name', slug), h('div.form-error', { role: 'alert' }),
  h('div.row.end', h('button.btn.primary', { type: 'submit' }, 'Create team')));
  await modal('New team', form);
  render();
}
