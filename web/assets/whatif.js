// The what-if panel: sliders for the main levers of the forecast. While a slider moves, the
// service recomputes the forecast (`scenarios/run`, debounced) and the page redraws the map and
// the charts from its rows; the page's URL holds the levers, so a link (or a reload) restores
// the scenario. "Copy link for QGIS" gives the scenario's GeoJSON URL (Layer ▸ Add Vector Layer ▸
// Protocol: HTTP(S)); "Download CSV" the same rows as CSV. Also shows how good the method was
// before: the backtests behind the `_low`/`_high` ranges.

import { getJSON, local } from './api.js';
import { fmt, h } from './format.js';

/** The sliders: lever, label, range and step, and how the value is shown. */
export const SLIDERS = [
  { name: 'net_migration_multiplier', label: 'Net migration × (flyttnetto)', min: 0, max: 3, step: 0.1, base: 1, show: (v) => `× ${fmt(v, 1)}` },
  { name: 'pipeline_delay_years', label: 'Pipeline delay (försening), years', min: 0, max: 10, step: 1, base: 0, show: (v) => `${v} yr` },
  { name: 'care_places_per_100_80_plus', label: 'Care places per 100 persons 80+ (särskilt boende)', min: 5, max: 25, step: 0.5, base: null, show: (v) => fmt(v, 1) },
  { name: 'vacancy_reserve', label: 'Vacancy reserve (omflyttningsreserv)', min: 0, max: 0.03, step: 0.0025, base: null, show: (v) => `${fmt(v * 100, 2)} %` },
  { name: 'headship_trend', label: 'Household-quotient trend (hushållskvoter), % a year', min: -2, max: 2, step: 0.1, base: 0, show: (v) => `${v > 0 ? '+' : ''}${fmt(v, 1)} %/yr` },
];

/** The levers set in `params` (a URLSearchParams), as an object. */
export function leversFrom(params) {
  const out = {};
  for (const sl of SLIDERS) {
    const v = params.get(sl.name);
    if (v !== null && v !== '' && Number.isFinite(Number(v))) out[sl.name] = Number(v);
  }
  return out;
}

/** The query of a scenario: only levers that differ from the served forecast. */
export function scenarioQuery(levers, extra = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(levers)) q.set(k, String(v));
  for (const [k, v] of Object.entries(extra)) q.set(k, String(v));
  return q;
}

/**
 * Builds the panel into `el`. `served` is `/scenarios` (levers with their served values);
 * `initial` the levers from the page's URL; `onRows(rows, levers)` receives each what-if's rows
 * (null: back to the served forecast).
 */
export function whatIfPanel(el, served, initial, onRows) {
  const levers = { ...initial };
  const servedValue = (name) => {
    const l = (served?.levers || []).find((x) => x.name === name);
    const sl = SLIDERS.find((x) => x.name === name);
    return l && l.served !== null && l.served !== undefined ? l.served : sl.base;
  };
  const status = h('p', { class: 'muted whatif-status', id: 'whatif-status' }, '');
  const csv = h('a', { id: 'whatif-csv', href: 'export/demand.csv', download: '' }, 'Download CSV');
  const copy = h('button', { type: 'button', id: 'whatif-copy' }, 'Copy link for QGIS');
  const reset = h('button', { type: 'button', id: 'whatif-reset' }, 'Back to the forecast');
  let timer = null;
  let asked = 0;

  const links = () => {
    const q = scenarioQuery(levers);
    const any = [...q.keys()].length > 0;
    csv.href = any ? local(`scenarios/run?${scenarioQuery(levers, { f: 'csv' })}`).href : local('export/demand.csv').href;
    copy.dataset.url = local(`scenarios/run?${q}`).href;
  };

  const run = async () => {
    const asking = { ...levers };
    const q = scenarioQuery(asking, { f: 'json' });
    const mine = ++asked;
    if ([...scenarioQuery(asking).keys()].length === 0) {
      status.textContent = 'The served forecast.';
      onRows(null, asking);
      return;
    }
    status.textContent = 'Recomputing…';
    try {
      const doc = await getJSON(local(`scenarios/run?${q}`));
      if (mine !== asked) return;
      const d = doc.summary?.difference;
      status.textContent = d
        ? `At ${doc.summary.horizon_year} against the forecast: population ${fmt(d.population)}, dwellings needed ${fmt(d.dwellings_needed)}, gap ${fmt(d.gap)}, care-place balance ${fmt(d.care_place_balance)}.`
        : 'Recomputed.';
      onRows(doc.rows, asking);
    } catch (e) {
      if (mine === asked) status.textContent = `Could not recompute: ${e.message}`;
    }
  };

  const schedule = () => {
    asked += 1; // an answer to an earlier position of the sliders is no longer wanted
    links();
    clearTimeout(timer);
    timer = setTimeout(run, 200);
  };

  const rows = SLIDERS.map((sl) => {
    const start = levers[sl.name] ?? servedValue(sl.name) ?? sl.min;
    const out = h('output', { for: `lever-${sl.name}` }, sl.show(start));
    const input = h('input', { type: 'range', id: `lever-${sl.name}`, name: sl.name, min: sl.min, max: sl.max, step: sl.step, value: start });
    input.addEventListener('input', () => {
      const v = Number(input.value);
      out.textContent = sl.show(v);
      if (v === servedValue(sl.name)) delete levers[sl.name];
      else levers[sl.name] = v;
      schedule();
    });
    return { sl, input, out, row: h('label', { class: 'lever' }, h('span', {}, sl.label), input, out) };
  });

  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(copy.dataset.url);
      status.textContent = `Copied: ${copy.dataset.url}`;
    } catch {
      status.textContent = `Add this URL in QGIS (Layer ▸ Add Vector Layer ▸ Protocol: HTTP(S)): ${copy.dataset.url}`;
    }
  });
  reset.addEventListener('click', () => {
    for (const r of rows) {
      delete levers[r.sl.name];
      const v = servedValue(r.sl.name) ?? r.sl.min;
      r.input.value = String(v);
      r.out.textContent = r.sl.show(v);
    }
    schedule();
  });

  el.replaceChildren(
    h('div', { class: 'levers' }, rows.map((r) => r.row)),
    h('p', { class: 'whatif-actions' }, copy, ' ', csv, ' ', reset),
    status);
  links();
  if (Object.keys(levers).length) run();
  else status.textContent = 'The served forecast. Move a slider to recompute.';
}

/** "How good was this forecast before": the backtests behind the ranges, by horizon. */
export function trackRecord(el, uncertainty) {
  if (!uncertainty) {
    el.replaceChildren(h('p', { class: 'muted' },
      'This dataset has too few years of population for a backtest, so its projections have no range.'));
    return;
  }
  const bands = uncertainty.bands || [];
  el.replaceChildren(
    h('p', { class: 'muted' },
      `The forecast rerun from ${uncertainty.base_years.length} earlier base years (${uncertainty.base_years[0]}–${uncertainty.base_years[uncertainty.base_years.length - 1]}) with only what was known then, on ${uncertainty.source}: the error of the total population by years ahead. The 10th–90th percentile gives the range beside every projected figure.`),
    h('table', { class: 'track-record' },
      h('thead', {}, h('tr', {}, h('th', {}, 'years ahead'), h('th', {}, 'backtests'), h('th', {}, '10th percentile'), h('th', {}, '90th percentile'))),
      h('tbody', {}, bands.map((b) => h('tr', {},
        h('td', {}, String(b.horizon)), h('td', {}, String(b.samples)),
        h('td', {}, `${fmt(b.error_low * 100, 2)} %`), h('td', {}, `${fmt(b.error_high * 100, 2)} %`))))));
}
