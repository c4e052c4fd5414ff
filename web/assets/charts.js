// Small SVG charts drawn by hand: the age pyramid, horizontal bars, a line chart and the
// building-process bottleneck chart. No chart library: each is a few dozen lines and renders
// the same in every browser, offline.

import { fmt, h, s } from './format.js';

const AXIS = '#666';
const GRID = '#e3e3e3';

/** Nice round tick step for a range. */
function niceStep(range, target = 5) {
  if (!(range > 0)) return 1;
  const raw = range / target;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const norm = raw / mag;
  const step = norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10;
  return step * mag;
}

/**
 * Age structure of one district in two years, back to back: the base year to the left, the
 * horizon to the right. Bar height ∝ the years an age group spans, bar length ∝ persons per
 * year of age, so a bar's area ∝ persons and the shape reads like a pyramid (80+ is drawn as
 * 80–94).
 * `groups`: [{ label, years, left, right }], youngest first.
 */
export function pyramid(groups, leftLabel, rightLabel) {
  const W = 340;
  const mid = 46;
  const half = (W - mid) / 2;
  const top = 22;
  const pxPerYear = 2.1;
  const rows = [...groups].reverse();
  const H = top + rows.reduce((a, g) => a + g.years * pxPerYear, 0) + 4;
  const maxDensity = Math.max(1e-9, ...groups.flatMap((g) => [g.left / g.years, g.right / g.years]));
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'chart pyramid', role: 'img' },
    s('title', {}, `Age structure ${leftLabel} and ${rightLabel}`),
    s('text', { x: half - 4, y: 13, 'text-anchor': 'end', class: 'chart-head left' }, leftLabel),
    s('text', { x: half + mid + 4, y: 13, class: 'chart-head right' }, rightLabel));
  let y = top;
  for (const g of rows) {
    const hgt = g.years * pxPerYear - 2;
    const lw = (g.left / g.years / maxDensity) * (half - 2);
    const rw = (g.right / g.years / maxDensity) * (half - 2);
    svg.append(
      s('rect', { x: half - lw, y, width: lw, height: hgt, class: 'bar-left' }, s('title', {}, `${g.label}, ${leftLabel}: ${fmt(g.left)}`)),
      s('rect', { x: half + mid, y, width: rw, height: hgt, class: 'bar-right' }, s('title', {}, `${g.label}, ${rightLabel}: ${fmt(g.right)}`)),
      s('text', { x: half + mid / 2, y: y + hgt / 2 + 4, 'text-anchor': 'middle', class: 'band-label' }, g.label),
      valueLabel(half - lw, y + hgt / 2 + 4, g.left, lw, 'left', half),
      valueLabel(half + mid + rw, y + hgt / 2 + 4, g.right, rw, 'right', half),
    );
    y += g.years * pxPerYear;
  }
  return svg;
}

/**
 * A population pyramid by sex and age band: men to the left, women to the right; the first
 * year as filled bars, the second as outlines on top, so growth and shrinkage show at a glance.
 * `bands`: labels youngest first; `a`, `b`: { male: [..], female: [..] } per band.
 */
export function sexPyramid(bands, a, b, aLabel, bLabel) {
  const W = 340;
  const mid = 40;
  const half = (W - mid) / 2;
  const top = 20;
  const rowH = 11;
  const H = top + bands.length * rowH + 20;
  const all = [a, b].filter(Boolean).flatMap((y) => [...y.male, ...y.female]);
  const max = Math.max(1e-9, ...all);
  const len = (v) => (v / max) * (half - 4);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'chart pyramid sex', role: 'img' },
    s('title', {}, `Population pyramid ${aLabel} (filled) and ${bLabel} (outline)`),
    s('text', { x: half - 4, y: 12, 'text-anchor': 'end', class: 'chart-head' }, 'Men (män)'),
    s('text', { x: half + mid + 4, y: 12, class: 'chart-head' }, 'Women (kvinnor)'));
  bands.forEach((label, i) => {
    const y = top + (bands.length - 1 - i) * rowH;
    const am = a?.male[i] ?? 0;
    const af = a?.female[i] ?? 0;
    svg.append(
      s('rect', { x: half - len(am), y, width: len(am), height: rowH - 1.5, class: 'bar-left' },
        s('title', {}, `${label}, men, ${aLabel}: ${fmt(am)}${b ? `; ${bLabel}: ${fmt(b.male[i])}` : ''}`)),
      s('rect', { x: half + mid, y, width: len(af), height: rowH - 1.5, class: 'bar-right' },
        s('title', {}, `${label}, women, ${aLabel}: ${fmt(af)}${b ? `; ${bLabel}: ${fmt(b.female[i])}` : ''}`)),
      s('text', { x: half + mid / 2, y: y + rowH - 3, 'text-anchor': 'middle', class: 'band-label small' }, label));
    if (b) {
      svg.append(
        s('rect', { x: half - len(b.male[i]), y, width: len(b.male[i]), height: rowH - 1.5, class: 'outline' }),
        s('rect', { x: half + mid, y, width: len(b.female[i]), height: rowH - 1.5, class: 'outline' }));
    }
  });
  const ly = H - 6;
  svg.append(
    s('rect', { x: 4, y: ly - 8, width: 12, height: 8, class: 'bar-left' }),
    s('rect', { x: 17, y: ly - 8, width: 12, height: 8, class: 'bar-right' }),
    s('text', { x: 33, y: ly, class: 'tick' }, `${aLabel} (filled)`),
    s('rect', { x: 150, y: ly - 8, width: 20, height: 8, class: 'outline' }),
    s('text', { x: 174, y: ly, class: 'tick' }, `${bLabel} (outline)`));
  return svg;
}

function valueLabel(x, y, value, barWidth, side, half) {
  const inside = barWidth > 48;
  const anchor = side === 'left' ? (inside ? 'start' : 'end') : (inside ? 'end' : 'start');
  const dx = side === 'left' ? (inside ? 4 : -4) : (inside ? -4 : 4);
  const xx = Math.max(2, Math.min(x + dx, side === 'left' ? half : 9999));
  return s('text', { x: xx, y, 'text-anchor': anchor, class: inside ? 'value inside' : 'value' }, fmt(value));
}

/** Horizontal bars with a zero axis, each labelled above its bar: [{ label, value, title? }]. */
export function hbars(items, { digits = 0, width = 340 } = {}) {
  const rowH = 32;
  const H = items.length * rowH + 4;
  const vals = items.map((i) => (Number.isFinite(i.value) ? i.value : 0));
  const lo = Math.min(0, ...vals);
  const hi = Math.max(0, ...vals, 1e-9);
  const left = 4;
  const plotW = width - left - 60;
  const x = (v) => left + ((v - lo) / (hi - lo || 1)) * plotW;
  const svg = s('svg', { viewBox: `0 0 ${width} ${H}`, width, height: H, class: 'chart hbars', role: 'img' });
  items.forEach((it, i) => {
    const y = 2 + i * rowH;
    const v = Number.isFinite(it.value) ? it.value : 0;
    const x0 = x(Math.min(0, v));
    const w = Math.abs(x(v) - x(0));
    svg.append(
      s('text', { x: left, y: y + 11, class: 'bar-label' }, it.label),
      s('rect', { x: x0, y: y + 15, width: Math.max(w, 0.5), height: 12, class: v < 0 ? 'bar neg' : 'bar' },
        s('title', {}, it.title || `${it.label}: ${fmt(it.value, digits)}`)),
      s('text', { x: x(Math.max(0, v)) + 4, y: y + 25, class: 'value' }, fmt(it.value, digits)),
    );
  });
  svg.append(s('line', { x1: x(0), x2: x(0), y1: 14, y2: H, stroke: AXIS }));
  return svg;
}

/**
 * A line chart. `series`: [{ label, color, dash?, points: [[x, y]], markers? }];
 * `markX`: an x drawn as a vertical guide (the base year) with `markLabel`.
 */
export function lineChart(series, { width = 640, height = 260, markX, markLabel, yLabel = '', yMin = 0, areas = [] } = {}) {
  const m = { l: 56, r: 16, t: 14, b: 30 };
  const pts = series.flatMap((se) => se.points).concat(areas.flatMap((a) => a.points.flatMap((p) => [[p[0], p[1]], [p[0], p[2]]])));
  if (pts.length === 0) return h('p', { class: 'muted' }, 'No data.');
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const yStep = niceStep(Math.max(...ys) - yMin, 5);
  yMin = Math.floor(yMin / yStep) * yStep;
  const yMax = Math.ceil(Math.max(...ys) / yStep) * yStep || 1;
  const X = (v) => m.l + ((v - x0) / (x1 - x0 || 1)) * (width - m.l - m.r);
  const Y = (v) => height - m.b - ((v - yMin) / (yMax - yMin || 1)) * (height - m.t - m.b);
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', class: 'chart line', role: 'img', preserveAspectRatio: 'xMinYMin meet' },
    s('title', {}, series.map((se) => se.label).join('; ')));
  for (let v = yMin; v <= yMax + 1e-9; v += yStep) {
    svg.append(
      s('line', { x1: m.l, x2: width - m.r, y1: Y(v), y2: Y(v), stroke: GRID }),
      s('text', { x: m.l - 6, y: Y(v) + 4, 'text-anchor': 'end', class: 'tick' }, fmt(v)));
  }
  const xStep = Math.max(1, Math.ceil((x1 - x0) / 10));
  for (let v = x0; v <= x1; v += xStep) {
    svg.append(s('text', { x: X(v), y: height - m.b + 16, 'text-anchor': 'middle', class: 'tick' }, String(v)));
  }
  svg.append(s('line', { x1: m.l, x2: width - m.r, y1: Y(yMin), y2: Y(yMin), stroke: AXIS }));
  for (const a of areas) {
    const up = a.points.map((p) => `${X(p[0]).toFixed(1)},${Y(p[2]).toFixed(1)}`);
    const down = a.points.slice().reverse().map((p) => `${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`);
    svg.append(s('polygon', { points: up.concat(down).join(' '), fill: a.color, 'fill-opacity': 0.2, stroke: 'none', class: 'fan' },
      s('title', {}, a.label)));
  }
  if (yLabel) svg.append(s('text', { x: 12, y: m.t + 4, class: 'tick', transform: `rotate(-90 12 ${m.t + 4})`, 'text-anchor': 'end' }, yLabel));
  if (markX !== undefined && markX >= x0 && markX <= x1) {
    svg.append(
      s('line', { x1: X(markX), x2: X(markX), y1: m.t, y2: height - m.b, stroke: '#999', 'stroke-dasharray': '2 3' }),
      s('text', { x: X(markX) + 4, y: m.t + 10, class: 'tick' }, markLabel || ''));
  }
  for (const se of series) {
    const d = se.points.map((p, i) => `${i ? 'L' : 'M'}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join('');
    svg.append(s('path', { d, fill: 'none', stroke: se.color, 'stroke-width': se.width || 2, 'stroke-dasharray': se.dash || null, class: 'series' },
      s('title', {}, se.label)));
    if (se.markers) {
      for (const p of se.points) {
        svg.append(s('circle', { cx: X(p[0]), cy: Y(p[1]), r: 2.6, fill: '#fff', stroke: se.color, 'stroke-width': 1.4 },
          s('title', {}, `${se.label} ${p[0]}: ${fmt(p[1])}`)));
      }
    }
  }
  const legend = h('ul', { class: 'chart-legend' },
    series.filter((se) => !se.hideInLegend).map((se) =>
      h('li', {}, legendSwatch(se), se.label)));
  return h('div', { class: 'line-chart' }, svg, legend);
}

function legendSwatch(se) {
  return s('svg', { width: 28, height: 10, class: 'swatch', 'aria-hidden': 'true' },
    s('line', { x1: 1, x2: 27, y1: 5, y2: 5, stroke: se.color, 'stroke-width': se.width || 2, 'stroke-dasharray': se.dash || null }),
    se.markers ? s('circle', { cx: 14, cy: 5, r: 2.6, fill: '#fff', stroke: se.color }) : null);
}

/** English gloss beside the Swedish stage names of the building process. */
export const STAGE_LABELS = {
  planbesked: 'Planbesked (plan decision)',
  planuppdrag: 'Planuppdrag (plan started)',
  samrad: 'Samråd (consultation)',
  granskning: 'Granskning (review)',
  antagande: 'Antagande (adoption)',
  anslag: 'Anslag (minutes posted)',
  laga_kraft: 'Laga kraft (plan in force)',
  bygglov_application: 'Bygglov application (ansökan)',
  bygglov: 'Bygglov decision (beslut)',
  startbesked: 'Startbesked (start permit)',
  construction: 'Construction (byggande)',
};

/**
 * Per stage: median and 80th-percentile lead time (days) against the legal limit, and the
 * dwellings waiting in the stage; the bottleneck stage is highlighted.
 */
export function bottleneckChart(report) {
  const stages = report.stages || [];
  const W = 900;
  const labelW = 210;
  const leadW = 420;
  const gap = 40;
  const wipW = W - labelW - leadW - gap - 70;
  const rowH = 26;
  const top = 30;
  const H = top + stages.length * rowH + 24;
  const maxDays = Math.max(30, ...stages.flatMap((st) => [st.p80_days || 0, st.median_days || 0, st.legal_limit_days || 0]));
  const dayStep = niceStep(maxDays, 6);
  const dayMax = Math.ceil(maxDays / dayStep) * dayStep;
  const maxDw = Math.max(1, ...stages.map((st) => st.dwellings_waiting || 0));
  const XD = (d) => labelW + (d / dayMax) * leadW;
  const wip0 = labelW + leadW + gap;
  const XW = (n) => wip0 + (n / maxDw) * wipW;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: '100%', class: 'chart bottleneck', role: 'img', preserveAspectRatio: 'xMinYMin meet' },
    s('title', {}, 'Lead time per stage against the legal limit, and dwellings waiting'),
    s('text', { x: labelW, y: 14, class: 'chart-head' }, 'Lead time, days (ledtid): median ▮ and 80th percentile ▯; legal limit ┃'),
    s('text', { x: wip0, y: 14, class: 'chart-head' }, 'Dwellings waiting (bostäder i kö)'));
  for (let d = 0; d <= dayMax; d += dayStep) {
    svg.append(
      s('line', { x1: XD(d), x2: XD(d), y1: top - 6, y2: H - 22, stroke: GRID }),
      s('text', { x: XD(d), y: H - 8, 'text-anchor': 'middle', class: 'tick' }, fmt(d)));
  }
  stages.forEach((st, i) => {
    const y = top + i * rowH;
    const isBottleneck = st.stage === report.bottleneck;
    const g = s('g', { class: `stage-row${isBottleneck ? ' is-bottleneck' : ''}`, 'data-stage': st.stage });
    if (isBottleneck) g.append(s('rect', { x: 0, y: y - 3, width: W, height: rowH, class: 'bottleneck-bg' }));
    g.append(s('text', { x: labelW - 8, y: y + 14, 'text-anchor': 'end', class: 'bar-label' },
      (isBottleneck ? '◀ ' : '') + (STAGE_LABELS[st.stage] || st.stage)));
    const over = st.legal_limit_days && st.p80_days > st.legal_limit_days;
    if (Number.isFinite(st.p80_days)) {
      g.append(s('rect', { x: XD(0), y: y + 3, width: XD(st.p80_days) - XD(0), height: rowH - 10, class: `p80${over ? ' over' : ''}` },
        s('title', {}, `80th percentile ${fmt(st.p80_days)} days`)));
    }
    if (Number.isFinite(st.median_days)) {
      g.append(s('rect', { x: XD(0), y: y + 3, width: XD(st.median_days) - XD(0), height: rowH - 10, class: `median${st.legal_limit_days && st.median_days > st.legal_limit_days ? ' over' : ''}` },
        s('title', {}, `median ${fmt(st.median_days)} days over ${st.passages} passages`)));
    } else {
      g.append(s('text', { x: XD(0) + 4, y: y + 14, class: 'tick' }, 'no completed passages'));
    }
    if (st.legal_limit_days) {
      g.append(s('line', { x1: XD(st.legal_limit_days), x2: XD(st.legal_limit_days), y1: y, y2: y + rowH - 4, class: 'limit' },
        s('title', {}, `legal limit ${st.legal_limit_days} days; ${st.over_limit} of ${st.limit_applicable} over`)));
    }
    const dw = st.dwellings_waiting || 0;
    g.append(
      s('rect', { x: wip0, y: y + 3, width: Math.max(0.5, XW(dw) - wip0), height: rowH - 10, class: 'wip' },
        s('title', {}, `${st.projects_waiting} projects, ${fmt(dw)} dwellings waiting`)),
      s('text', { x: XW(dw) + 4, y: y + 14, class: 'value' }, `${fmt(dw)} (${st.projects_waiting} proj.)`));
    svg.append(g);
  });
  return svg;
}
