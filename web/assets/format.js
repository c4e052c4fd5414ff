// Number formatting (Swedish style: space for thousands, comma for decimals) and small DOM
// helpers shared by the dashboard's modules.

const formatters = new Map();

/** Formats `value` with `digits` decimals, Swedish style; an en dash for no value. */
export function fmt(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  let f = formatters.get(digits);
  if (!f) {
    f = new Intl.NumberFormat('sv-SE', { minimumFractionDigits: digits, maximumFractionDigits: digits });
    formatters.set(digits, f);
  }
  return f.format(value);
}

/** Like `fmt`, with an explicit sign for positive values. */
export function fmtSigned(value, digits = 0) {
  const s = fmt(value, digits);
  return value > 0 ? `+${s}` : s;
}

/** Creates an HTML element with attributes and children (strings become text nodes). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** Creates an SVG element with attributes and children. */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.setAttribute('class', v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}
