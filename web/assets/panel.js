// The district panel: key figures for the chosen year, the population over the years with the
// range of past errors (the fan, low–high), the age structure at the base year and the
// horizon, extra dwellings needed by type, and the district's flags with their reasons.

import { hbars, lineChart, pyramid, sexPyramid } from './charts.js';
import { fmt, h } from './format.js';

/** Key figures shown for the chosen year: [property, label, decimals]. */
const FIGURES = [
  ['population', 'Population (folkmängd)', 0],
  ['population_80_plus', 'Persons 80+', 0],
  ['households', 'Households (hushåll)', 0],
  ['dwellings_needed', 'Dwellings needed (bostadsbehov)', 0],
  ['dwellings_stock', 'Dwelling stock (bestånd)', 0],
  ['dwellings_pipeline', 'Pipeline completions (planerat)', 0],
  ['gap', 'Gap (underskott; + = shortage)', 0],
  ['gap_per_1000', 'Gap per 1,000 inhabitants', 1],
  ['care_places_needed', 'Care-home places needed (särskilt boende)', 0],
  ['dependency_ratio', 'Dependency ratio (försörjningsbörda)', 2],
];

/** Extra dwellings by type since the base year: [property, label]. */
const BY_TYPE = [
  ['small_flats_needed', 'Small flats (smålägenheter)'],
  ['family_dwellings_needed', 'Family dwellings (familjebostäder)'],
  ['accessible_flats_needed', 'Accessible flats (tillgängliga)'],
  ['senior_dwellings_needed', 'Senior housing (seniorbostäder)'],
];

const GROUPS = [
  ['population_0_19', '0–19', 20],
  ['population_20_64', '20–64', 45],
  ['population_65_79', '65–79', 15],
  ['population_80_plus', '80+', 15],
];

/**
 * Fills `el` for one district.
 * ctx: { code, name, rows: Map year → demand properties, year, baseYear, horizonYear, flags,
 *        pyramid?: { bands, byYear: { [year]: { male, female } } } }
 */
export function renderPanel(el, ctx) {
  const row = ctx.rows.get(ctx.year);
  const base = ctx.rows.get(ctx.baseYear);
  const horizon = ctx.rows.get(ctx.horizonYear);
  const parts = [
    h('h2', {}, h('span', { 'data-field': 'name' }, ctx.name), ' ', h('small', { class: 'muted', 'data-field': 'code' }, ctx.code)),
    h('p', { class: 'year-line' }, `Year ${ctx.year} `,
      h('span', { class: `tag ${row?.observed ? 'observed' : 'projected'}` }, row ? (row.observed ? 'observed (utfall)' : 'projected (prognos)') : 'no data')),
  ];
  if (row) {
    parts.push(h('table', { class: 'figures' }, h('tbody', {},
      FIGURES.filter(([k]) => k in row).map(([k, label, digits]) =>
        h('tr', {}, h('th', { scope: 'row' }, label),
          h('td', { 'data-field': k, 'data-value': row[k] }, fmt(row[k], digits)))))));
  }
  const years = [...ctx.rows.keys()].sort((a, b) => a - b);
  const pop = years.map((y) => [y, ctx.rows.get(y).population]).filter((p) => typeof p[1] === 'number');
  const fan = years.filter((y) => y >= ctx.baseYear).map((y) => [y, ctx.rows.get(y)])
    .filter(([, r]) => typeof r.population_low === 'number' && typeof r.population_high === 'number')
    .map(([y, r]) => [y, r.population_low, r.population_high]);
  if (pop.length > 1) {
    const ys = pop.map((p) => p[1]).concat(fan.map((p) => p[1]));
    parts.push(h('h3', {}, 'Population (folkmängd)'),
      h('div', { class: 'panel-population' }, lineChart([{ label: 'population', color: '#1b7837', points: pop }], {
        width: 420, height: 200, markX: ctx.baseYear, markLabel: `base ${ctx.baseYear}`, yLabel: 'persons',
        yMin: Math.floor(Math.min(...ys) * 0.9),
        areas: fan.length ? [{ label: 'range of past errors (10th–90th percentile)', color: '#1b7837', points: fan }] : [],
      })));
  }
  const py = ctx.pyramid;
  const pa = py?.byYear?.[ctx.baseYear];
  const pb = py?.byYear?.[ctx.horizonYear];
  if (pa && pb) {
    parts.push(h('h3', {}, `Population pyramid ${ctx.baseYear} and ${ctx.horizonYear} (befolkningspyramid)`),
      sexPyramid(py.bands, pa, pb, `${ctx.baseYear} (base)`, `${ctx.horizonYear} (horizon)`));
  } else if (base && horizon) {
    parts.push(h('h3', {}, `Age structure ${ctx.baseYear} and ${ctx.horizonYear} (åldersstruktur)`),
      pyramid(GROUPS.map(([k, label, years]) => ({ label, years, left: base[k] ?? 0, right: horizon[k] ?? 0 })),
        `${ctx.baseYear} (base)`, `${ctx.horizonYear} (horizon)`),
      h('p', { class: 'caption' }, 'Bar area ∝ persons (length = persons per year of age); 80+ drawn as 80–94.'));
  }
  if (row && base) {
    const items = BY_TYPE.filter(([k]) => k in row).map(([k, label]) => ({ label, value: row[k] }));
    if ('care_places_needed' in row) {
      items.push({ label: 'Care-home places (platser)', value: row.care_places_needed - (base.care_places_needed ?? 0) });
    }
    parts.push(h('h3', {}, `Extra dwellings needed by type, ${ctx.baseYear}–${ctx.year}`), hbars(items, { digits: 0 }));
  }
  parts.push(h('h3', {}, 'Flags (flaggor)'));
  if (ctx.flags === null) {
    parts.push(h('p', { class: 'muted' }, 'Flags are not available from this service yet.'));
  } else if (ctx.flags.length === 0) {
    parts.push(h('p', { class: 'muted' }, 'No flags for this district.'));
  } else {
    parts.push(flagDetails(ctx.flags));
  }
  el.replaceChildren(...parts);
}

/** A list of flags, each with its reasons (for the panel and the map's popups). */
export function flagDetails(flags) {
  return h('ul', { class: 'flag-list' }, flags.map((f) => {
    const kind = String(f.flag ?? 'flag');
    const reasons = Array.isArray(f.reasons) ? f.reasons : [];
    return h('li', { class: `flag ${f.flagged === false ? 'not-flagged' : ''}` },
      h('strong', {}, label(kind)),
      f.flagged === false ? ' — not flagged' : '',
      Number.isFinite(f.score) ? h('span', { class: 'muted' }, ` score ${fmt(f.score, 2)}`) : '',
      f.reason_text ? h('p', { class: 'reason-text' }, String(f.reason_text)) : '',
      reasons.length ? h('ul', { class: 'reasons' }, reasons.map(reasonItem)) : '');
  }));
}

function label(kind) {
  if (/densif/i.test(kind)) return 'Densify (förtätning)';
  if (/upgrad|safety/i.test(kind)) return 'Upgrade (upprustning / trygghet)';
  return kind;
}

function reasonItem(r) {
  if (typeof r !== 'object' || r === null) return h('li', {}, String(r));
  const met = r.met === true ? '✔ ' : r.met === false ? '✘ ' : '';
  const name = r.rule ?? r.indicator ?? 'reason';
  const ind = r.indicator && r.indicator !== name ? ` (${r.indicator})` : '';
  const val = r.value === null ? 'missing' : typeof r.value === 'number' ? fmt(r.value, 2) : r.value;
  const thr = r.threshold === undefined || r.threshold === null ? '' : `, threshold ${typeof r.threshold === 'number' ? fmt(r.threshold, 2) : r.threshold}`;
  return h('li', { class: r.met === false ? 'unmet' : 'met' }, `${met}${name}${ind}: ${val ?? '–'}${thr}`);
}
