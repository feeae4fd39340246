// The form of a pipeline's source (docs/polling.md): a polled HTTP or GraphQL API (URL, interval, auth,
// pagination) or another pipeline of the team (p2p, with its filter). Every control carries the API's field
// name in data-field (`source_config.auth.token`, `interval_seconds`, ...), so the ApiError's field reasons
// appear next to the control they are about (showErrors). Keys of a stored source_config that the form has
// no control for (query, body, incremental, dedupe_key, ...) are kept in "Other settings (JSON)" and saved
// back, so editing never drops them.
import { h, field } from './dom.js';

const AUTH = [
  ['none', 'None'], ['bearer', 'Bearer token'], ['basic', 'Basic (user and password)'],
  ['api_key', 'API key'], ['oauth2_client_credentials', 'OAuth 2 client credentials'],
];
const AUTH_FIELDS = {
  bearer: [['token', 'Token', 'password']],
  basic: [['username', 'User name', 'text'], ['password', 'Password', 'password']],
  api_key: [['in', 'Sent in', 'select:header,query'], ['name', 'Header or parameter name', 'text'], ['value', 'Key', 'password']],
  oauth2_client_credentials: [['token_url', 'Token URL', 'url'], ['client_id', 'Client id', 'text'], ['client_secret', 'Client secret', 'password'], ['scope', 'Scope (optional)', 'text']],
};
const PAGINATION = [
  ['none', 'None: one request per poll'], ['cursor', 'Cursor in the response'], ['link_header', 'Link header (rel="next")'],
  ['page_number', 'Page number'], ['offset', 'Offset and limit'], ['graphql', 'GraphQL pageInfo'],
];
const PAGINATION_FIELDS = {
  cursor: [['cursor_path', 'Cursor path (JSONPath)', 'text', '$.meta.next'], ['param', 'Sent back as parameter', 'text', 'cursor']],
  page_number: [['param', 'Page parameter', 'text', 'page'], ['start', 'First page', 'number', '1'], ['size_param', 'Page size parameter', 'text', 'per_page'], ['size', 'Page size', 'number', '100']],
  offset: [['param', 'Offset parameter', 'text', 'offset'], ['limit_param', 'Limit parameter', 'text', 'limit'], ['limit', 'Limit', 'number', '100']],
  graphql: [['page_info', 'Where pageInfo is (JSONPath)', 'text', '$.data.items.pageInfo'], ['variable', 'Cursor variable', 'text', 'after']],
};
const MANAGED = ['url', 'method', 'headers', 'records', 'graphql_query', 'auth', 'pagination'];

function input(fieldName, type, value, placeholder) {
  if (type.startsWith('select:')) {
    return h('select', { 'data-field': fieldName }, type.slice(7).split(',').map((o) => h('option', { value: o, selected: o === value }, o)));
  }
  return h('input', { 'data-field': fieldName, type: type === 'number' ? 'number' : type === 'password' ? 'password' : type === 'url' ? 'url' : 'text',
    value: value == null ? '' : String(value), placeholder: placeholder || null, autocomplete: type === 'password' ? 'new-password' : 'off', spellcheck: 'false' });
}

function headerLines(obj) { return Object.entries(obj || {}).map(([k, v]) => `${k}: ${v}`).join('\n'); }
function parseLines(text, sep) {
  const out = {};
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    const i = t.indexOf(sep);
    if (i < 1) throw new Error(`“${t}” is not “name${sep === ':' ? ':' : '='} value”`);
    out[t.slice(0, i).trim()] = t.slice(i + 1).trim();
  }
  return out;
}

/** A sub-form whose controls are rebuilt when a select changes (auth type, pagination type). */
function variant(prefix, options, fieldsOf, current) {
  const select = h('select', { 'data-field': prefix + '.type' }, options.map(([v, l]) => h('option', { value: v, selected: v === (current.type || 'none') }, l)));
  const box = h('div.grid-2');
  const controls = new Map();
  const build = () => {
    box.replaceChildren();
    controls.clear();
    for (const [key, label, type, placeholder] of fieldsOf[select.value] || []) {
      const c = input(`${prefix}.${key}`, type, current.type === select.value ? current[key] : null, placeholder);
      controls.set(key, [c, type]);
      box.append(field(label, c));
    }
  };
  select.addEventListener('change', build);
  build();
  return {
    select, box,
    value() {
      if (select.value === 'none') return { type: 'none' };
      const v = { type: select.value };
      for (const [key, [c, type]] of controls) {
        if (c.value === '') continue;
        v[key] = type === 'number' ? Number(c.value) : c.value;
      }
      return v;
    },
  };
}

/**
 * The polling source's controls. `p` is the stored pipeline (edit) or null (create).
 * @returns {el, value()} value() gives {interval_seconds, source_type, source_config} or throws an Error
 *   with `fields` (as an ApiError) for what the form itself cannot read.
 */
export function pollingForm(p) {
  const sc = (p && p.source_config) || {};
  const interval = input('interval_seconds', 'number', p ? p.interval_seconds : 60);
  interval.min = 1; interval.max = 86400;
  const sourceType = h('select', { 'data-field': 'source_type' },
    [['http', 'HTTP (JSON API)'], ['graphql', 'GraphQL']].map(([v, l]) => h('option', { value: v, selected: v === ((p && p.source_type) || 'http') }, l)));
  const url = input('source_config.url', 'url', sc.url, 'https://api.example.com/v1/readings');
  url.required = true;
  const method = input('source_config.method', 'select:GET,POST', sc.method || 'GET');
  const records = input('source_config.records', 'text', sc.records, '$.data[*]');
  const gql = h('textarea.code-input.small-code', { 'data-field': 'source_config.graphql_query', rows: 4, spellcheck: 'false', placeholder: 'query($after: String) { readings(after: $after) { nodes { id value } pageInfo { hasNextPage endCursor } } }' });
  gql.value = sc.graphql_query || '';
  const headers = h('textarea.code-input.small-code', { 'data-field': 'source_config.headers', rows: 2, spellcheck: 'false', placeholder: 'Accept: application/json' });
  headers.value = headerLines(sc.headers);
  const auth = variant('source_config.auth', AUTH, AUTH_FIELDS, sc.auth || {});
  const pagination = variant('source_config.pagination', PAGINATION, PAGINATION_FIELDS, sc.pagination || {});
  const extra = {};
  for (const [k, v] of Object.entries(sc)) if (!MANAGED.includes(k)) extra[k] = v;
  const other = h('textarea.code-input.small-code', { 'data-field': 'source_config', rows: 3, spellcheck: 'false', placeholder: '{"query": {"limit": "100"}, "incremental": {"field": "$.updated_at", "param": "since"}, "dedupe_key": "$.id"}' });
  other.value = Object.keys(extra).length ? JSON.stringify(extra, null, 2) : '';

  const methodField = field('Method', method);
  const gqlField = field('GraphQL query', gql, 'The request is {"query": …, "variables": …}; the cursor goes into a variable.');
  const sync = () => {
    const g = sourceType.value === 'graphql';
    methodField.classList.toggle('hidden', g);
    gqlField.classList.toggle('hidden', !g);
  };
  sourceType.addEventListener('change', sync);
  sync();

  const el = h('div.stack.source-form#polling-fields',
    h('div.grid-2', field('API type', sourceType), field('Poll every (seconds)', interval, 'Each pipeline has its own slot within the interval.')),
    field('URL', url, 'http or https. Credentials go in Authentication, never in the URL.'),
    h('div.grid-2', methodField, field('Records (JSONPath)', records, 'Where the records are in a response; each becomes one event. Default: $')),
    gqlField,
    field('Extra headers (one “Name: value” a line)', headers),
    h('fieldset.sub', h('legend', 'Authentication'), field('Type', auth.select), auth.box),
    h('fieldset.sub', h('legend', 'Pagination'), field('Type', pagination.select), pagination.box),
    h('details.sub', { open: other.value ? true : null }, h('summary', 'Other settings (JSON)'),
      field('query, body, variables, incremental, dedupe_key, max_pages (docs/polling.md)', other)));

  return {
    el,
    value() {
      const fields = [];
      const cfg = {};
      if (other.value.trim()) {
        try {
          const x = JSON.parse(other.value);
          if (!x || typeof x !== 'object' || Array.isArray(x)) throw new Error('must be a JSON object');
          Object.assign(cfg, x);
        } catch (e) { fields.push({ field: 'source_config', reason: 'Other settings: ' + e.message }); }
      }
      cfg.url = url.value.trim();
      if (sourceType.value === 'graphql') { if (gql.value.trim()) cfg.graphql_query = gql.value; } else if (method.value !== 'GET') cfg.method = method.value;
      if (records.value.trim()) cfg.records = records.value.trim();
      try { const hd = parseLines(headers.value, ':'); if (Object.keys(hd).length) cfg.headers = hd; } catch (e) { fields.push({ field: 'source_config.headers', reason: e.message }); }
      const a = auth.value();
      if (a.type !== 'none') cfg.auth = a;
      const pg = pagination.value();
      if (pg.type !== 'none') cfg.pagination = pg;
      if (fields.length) throw Object.assign(new Error('Some fields cannot be read'), { fields });
      return { interval_seconds: interval.value === '' ? null : Number(interval.value), source_type: sourceType.value, source_config: cfg };
    },
  };
}

/**
 * The p2p source's controls: the source pipeline (another pipeline of the team) and the optional filter.
 * @param pipelines the team's pipelines (the pipeline itself left out by the caller)
 */
export function p2pForm(p, pipelines) {
  const sc = (p && p.source_config) || {};
  const source = h('select', { 'data-field': 'source_pipeline_id', required: true },
    h('option', { value: '' }, pipelines.length ? 'Choose a pipeline…' : 'No other pipeline in this team yet'),
    pipelines.map((x) => h('option', { value: x.id, selected: p && p.source_pipeline_id === x.id }, x.name)));
  const metrics = input('source_config.metrics', 'text', (sc.metrics || []).join(', '), 'temperature, humidity');
  const labels = h('textarea.code-input.small-code', { 'data-field': 'source_config.labels', rows: 2, spellcheck: 'false', placeholder: 'site=a' });
  labels.value = Object.entries(sc.labels || {}).map(([k, v]) => `${k}=${v}`).join('\n');
  const el = h('div.stack.source-form#p2p-fields',
    field('Source pipeline', source, 'Its mapped points (active mapping version) become this pipeline’s events.'),
    h('div.grid-2',
      field('Only these metrics (optional, comma-separated)', metrics),
      field('Only points with these labels (optional, one “name=value” a line)', labels)));
  return {
    el,
    value() {
      const fields = [];
      const cfg = {};
      const m = metrics.value.split(',').map((s) => s.trim()).filter(Boolean);
      if (m.length) cfg.metrics = m;
      try { const l = parseLines(labels.value, '='); if (Object.keys(l).length) cfg.labels = l; } catch (e) { fields.push({ field: 'source_config.labels', reason: e.message }); }
      if (fields.length) throw Object.assign(new Error('Some fields cannot be read'), { fields });
      return { source_pipeline_id: source.value || null, source_config: cfg };
    },
  };
}
