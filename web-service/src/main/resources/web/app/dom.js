// Small DOM helpers: every element is built with h(), never from HTML strings, so user data is never markup.

/** h('button#save.btn.primary', {onclick, disabled}, 'Save'): tag, optional #id, classes. */
export function h(spec, attrs, ...children) {
  if (attrs == null || typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs)) {
    if (attrs != null) children.unshift(attrs);
    attrs = {};
  }
  let id = null;
  spec = spec.replace(/#([\w-]+)/, (_, x) => { id = x; return ''; });
  const [tag, ...classes] = spec.split('.');
  const el = document.createElement(tag || 'div');
  if (id) el.id = id;
  if (classes.length) el.className = classes.join(' ');
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = (el.className ? el.className + ' ' : '') + v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked' || k === 'selected') el[k] = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export const icons = {
  dash: 'M3 13h4v8H3zm7-6h4v14h-4zm7-4h4v18h-4z',
  pipe: 'M4 6h10a4 4 0 0 1 0 8H8a4 4 0 0 0 0 8h12M17 3l3 3-3 3',
  grid: 'M3 3h8v8H3zm10 0h8v5h-8zM3 13h8v8H3zm10-3h8v11h-8z',
  team: 'M16 11a4 4 0 1 0-8 0M4 21a8 8 0 0 1 16 0M12 3v0',
  list: 'M4 6h16M4 12h16M4 18h10',
  plus: 'M12 5v14M5 12h14',
  copy: 'M8 8h12v12H8zM4 16V4h12',
  play: 'M7 4l13 8-13 8z',
  pause: 'M7 4h4v16H7zm6 0h4v16h-4z',
  trash: 'M4 7h16M9 7V4h6v3m-8 0l1 13h8l1-13',
  expand: 'M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5',
  link: 'M10 14a4 4 0 0 0 6 0l3-3a4 4 0 0 0-6-6l-1 1M14 10a4 4 0 0 0-6 0l-3 3a4 4 0 0 0 6 6l1-1',
  edit: 'M4 20h4L19 9l-4-4L4 16zM13 7l4 4',
  out: 'M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10',
  db: 'M4 6c0-2 16-2 16 0v12c0 2-16 2-16 0zM4 6c0 2 16 2 16 0M4 12c0 2 16 2 16 0',
  key: 'M14 10a4 4 0 1 0-4 4l-6 6v0h3v-2h2v-2h2l3-3',
  close: 'M6 6l12 12M18 6L6 18',
  clock: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zm0 4v5l3 2',
  lock: 'M6 11h12v10H6zM8 11V7a4 4 0 0 1 8 0v4',
};

const SVG = 'http://www.w3.org/2000/svg';
export function icon(name, label) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'icon');
  if (label) {
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
  } else {
    svg.setAttribute('aria-hidden', 'true');
  }
  const p = document.createElementNS(SVG, 'path');
  p.setAttribute('d', icons[name] || icons.list);
  svg.append(p);
  return svg;
}

export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function fmtAgo(iso) {
  if (!iso) return '—';
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 0) return 'in ' + fmtDuration(-s);
  if (s < 5) return 'just now';
  return fmtDuration(s) + ' ago';
}

export function fmtDuration(s) {
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.round(s / 60) + ' min';
  if (s < 86400) return Math.round(s / 3600) + ' h';
  return Math.round(s / 86400) + ' d';
}

export function fmtNumber(v, digits = 2) {
  if (v == null || Number.isNaN(v)) return '—';
  const a = Math.abs(v);
  if (a >= 1e9) return (v / 1e9).toFixed(1) + 'B';
  if (a >= 1e6) return (v / 1e6).toFixed(1) + 'M';
  if (a >= 1e4) return (v / 1e3).toFixed(1) + 'k';
  return Number.isInteger(v) ? String(v) : v.toFixed(a < 1 ? 3 : digits);
}

export function fmtBytes(b) {
  if (b == null) return '—';
  const u = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
  return (i ? b.toFixed(1) : b) + ' ' + u[i];
}

export function debounce(fn, ms) {
  let t;
  return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); };
}

let toastHost;
/** A short message at the bottom right; kind: info | ok | error. */
export function toast(message, kind = 'info') {
  if (!toastHost) {
    toastHost = h('div.toasts', { role: 'status', 'aria-live': 'polite' });
    document.body.append(toastHost);
  }
  const t = h('div.toast.' + kind, message);
  toastHost.append(t);
  setTimeout(() => t.remove(), kind === 'error' ? 8000 : 4000);
}

export async function copy(text, what = 'Copied') {
  try {
    await navigator.clipboard.writeText(text);
    toast(what + ' to the clipboard', 'ok');
  } catch {
    toast('Select the text and copy it (the browser refused clipboard access)', 'error');
  }
}

/** A modal dialog (native <dialog>, so focus is trapped and Escape closes it). Resolves on close. */
export function modal(title, body, actions = [], { wide = false } = {}) {
  const dlg = h('dialog.modal' + (wide ? '.wide' : ''), { 'aria-labelledby': 'modal-title' });
  const close = h('button.icon-btn', { type: 'button', 'aria-label': 'Close', onclick: () => dlg.close() }, icon('close'));
  append(dlg, [
    h('header.modal-head', h('h2', { id: 'modal-title' }, title), close),
    h('div.modal-body', body),
    actions.length ? h('footer.modal-foot', actions) : null,
  ]);
  document.body.append(dlg);
  dlg.showModal();
  return new Promise((resolve) => dlg.addEventListener('close', () => { dlg.remove(); resolve(dlg.returnValue); }));
}

export function closeModal(el, value = '') {
  const dlg = el.closest('dialog');
  if (dlg) dlg.close(value);
}

/** Empty, loading and error states, one look everywhere. */
export function empty(title, text, action) {
  return h('div.state.empty', h('div.state-art', icon('grid')), h('h3', title), text ? h('p', text) : null, action || null);
}
export function loading(text = 'Loading…') {
  return h('div.state.loading', { role: 'status' }, h('span.spinner', { 'aria-hidden': 'true' }), h('span', text));
}
export function failure(err, retry) {
  const msg = err && err.message ? err.message : String(err);
  return h('div.state.error', { role: 'alert' },
    h('h3', 'Something went wrong'), h('p', msg),
    err && err.fields && err.fields.length ? h('ul', err.fields.map((f) => h('li', h('code', f.field), ' ', f.reason))) : null,
    retry ? h('button.btn', { type: 'button', onclick: retry }, 'Try again') : null);
}

/** A form field: label, control, hint, error slot. */
export function field(label, control, hint) {
  const id = control.id || 'f-' + Math.random().toString(36).slice(2, 9);
  control.id = id;
  const err = h('div.field-error', { id: id + '-err', 'aria-live': 'polite' });
  control.setAttribute('aria-describedby', id + '-err' + (hint ? ' ' + id + '-hint' : ''));
  return h('div.field', h('label', { for: id }, label), control, hint ? h('div.hint', { id: id + '-hint' }, hint) : null, err);
}

/** Shows an ApiError's field reasons next to the fields of a form (by data-field), and its message. */
export function showErrors(form, err) {
  form.querySelectorAll('.field-error').forEach((e) => (e.textContent = ''));
  form.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
  const banner = form.querySelector('.form-error');
  if (!err) { if (banner) banner.textContent = ''; return; }
  let shown = false;
  const elsewhere = [];
  for (const f of err.fields || []) {
    const c = form.querySelector(`[data-field="${CSS.escape(f.field)}"]`);
    const slot = c && form.querySelector('#' + CSS.escape(c.id + '-err'));
    if (slot) {
      c.setAttribute('aria-invalid', 'true');
      slot.textContent = f.reason;
      if (!shown) c.focus({ preventScroll: false });
      shown = true;
    } else elsewhere.push(f);
  }
  // Reasons about a field the form has no control for are said in the banner, with the field named.
  if (banner) {
    banner.textContent = elsewhere.length
      ? `${err.message || 'The request was refused'} (${elsewhere.map((f) => `${f.field}: ${f.reason}`).join('; ')})`
      : (shown ? '' : err.message || String(err));
  }
}
