// Where each JSON Pointer of a document sits in its text, so that the validate API's problems (located by
// pointer) can be marked in the editor. A small recursive-descent scan over the same grammar JSON.parse uses.

export function pointerRanges(text) {
  const out = new Map();
  let i = 0;
  const ws = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  const str = () => {
    const s = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(s, i));
  };
  const esc = (k) => String(k).replace(/~/g, '~0').replace(/\//g, '~1');
  const value = (ptr) => {
    ws();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++; ws();
      if (text[i] === '}') i++;
      else for (;;) {
        ws();
        const ks = i;
        const k = str();
        const ke = i;
        ws(); i++; // ':'
        const child = ptr + '/' + esc(k);
        value(child);
        out.set(child + '#key', { start: ks, end: ke });
        ws();
        if (text[i] === ',') { i++; continue; }
        i++; break;
      }
    } else if (c === '[') {
      i++; ws();
      let n = 0;
      if (text[i] === ']') i++;
      else for (;;) {
        value(ptr + '/' + n++);
        ws();
        if (text[i] === ',') { i++; continue; }
        i++; break;
      }
    } else if (c === '"') {
      str();
    } else {
      while (i < text.length && /[^\s,\]}]/.test(text[i])) i++;
    }
    out.set(ptr, { start, end: i });
  };
  value('');
  return out;
}

/** The range to mark for a pointer: itself, or the nearest ancestor present (a missing field marks its object). */
export function rangeOf(ranges, pointer) {
  let p = pointer || '';
  for (;;) {
    const r = ranges.get(p);
    if (r) {
      // Mark a whole object or array only at its first line, so the marker stays readable.
      return r;
    }
    if (!p) return { start: 0, end: 1 };
    p = p.slice(0, p.lastIndexOf('/'));
  }
}

export function lineCol(text, offset) {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

/** JSON.parse's error, located (Chromium says "at position N" or "line L column C"). */
export function syntaxError(text) {
  try { JSON.parse(text); return null; } catch (e) {
    let pos = text.length - 1;
    const m = /position (\d+)/.exec(e.message);
    const lc = /line (\d+) column (\d+)/.exec(e.message);
    if (m) pos = Number(m[1]);
    else if (lc) {
      const lines = text.split('\n');
      pos = lines.slice(0, Number(lc[1]) - 1).reduce((a, l) => a + l.length + 1, 0) + Number(lc[2]) - 1;
    }
    return { start: Math.max(0, pos), end: Math.min(text.length, pos + 1) || 1, reason: e.message.replace(/^JSON\.parse: /, '') };
  }
}

/** A line diff (longest common subsequence), for "diff against the active version". */
export function diffLines(a, b) {
  const x = a.split('\n'), y = b.split('\n');
  const n = x.length, m = y.length;
  const dp = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) dp[i][j] = x[i] === y[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
  const out = [];
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) { out.push([' ', x[i]]); i++; j++; } else if (dp[i + 1][j] >= dp[i][j + 1]) out.push(['-', x[i++]]); else out.push(['+', y[j++]]);
  }
  while (i < n) out.push(['-', x[i++]]);
  while (j < m) out.push(['+', y[j++]]);
  return out;
}
