// The dashboard: loads districts and demand from the service's OGC API (the collections QGIS
// reads), flags when the service has them, and the bottleneck report; then wires the measure
// selector, the year slider, the map, the district panel and the charts.

import { allItems, collectionIds, districtCode, districtName, getJSON, local } from './api.js';
import { bottleneckChart, lineChart, STAGE_LABELS } from './charts.js';
import { quantileClasses } from './classify.js';
import { fmt, h } from './format.js';
import { DistrictMap } from './map.js';
import { flagDetails, renderPanel } from './panel.js';
import { SLIDERS, leversFrom, trackRecord, whatIfPanel } from './whatif.js';

const config = JSON.parse(document.getElementById('dashboard-config')?.textContent || '{}');
const params = new URLSearchParams(location.search);

/** The measures the map can show. `value(row, baseRow)` reads one district-year. */
const MEASURES = [
  { id: 'gap_per_1000', label: 'Gap per 1,000 inhabitants (bostadsunderskott per 1 000 inv.)', digits: 1, diverging: true,
    value: (r) => r.gap_per_1000 },
  { id: 'dwellings_needed', label: 'Dwellings needed (bostadsbehov)', digits: 0,
    value: (r) => r.dwellings_needed },
  { id: 'growth_80_plus', label: 'Growth of persons 80+ since the base year (ökning 80+)', digits: 0, diverging: true,
    value: (r, b) => (b ? r.population_80_plus - b.population_80_plus : NaN) },
  { id: 'care_places_needed', label: 'Care-home places needed (platser i särskilt boende)', digits: 0,
    value: (r) => r.care_places_needed },
  { id: 'dependency_ratio', label: 'Dependency ratio (försörjningsbörda)', digits: 2,
    value: (r) => r.dependency_ratio },
];

const statusEl = document.getElementById('status');

function setStatus(text, kind = 'info') {
  statusEl.textContent = text;
  statusEl.className = `status ${kind}`;
  statusEl.hidden = !text;
}

/** Everything loaded, and what the user chose. */
const state = {
  districts: [],
  names: new Map(),
  demand: new Map(),
  years: [],
  firstYear: 0,
  baseYear: 0,
  horizonYear: 0,
  flags: null,
  pyramids: null,
  classes: new Map(),
  measure: MEASURES[0],
  year: 0,
  selected: null,
  map: null,
  baseDemand: null,
  levers: {},
  diff: false,
};

async function loadFlags(ids) {
  try {
    if (ids?.has('flags')) {
      const features = await allItems('flags');
      return features.map((f) => ({ ...f.properties, district: districtCode(f) }));
    }
    // The OGC collection is not there (yet): the service's own export has the same rows.
    const rows = await getJSON(local('export/flags.json'));
    return Array.isArray(rows) ? rows : null;
  } catch {
    return null;
  }
}

async function load() {
  setStatus('Loading districts and demand from the OGC API…');
  const ids = await collectionIds();
  for (const needed of ['districts', 'demand']) {
    if (ids && !ids.has(needed)) throw new Error(`the service has no '${needed}' collection`);
  }
  const [districtFeatures, demandFeatures, flags, pyramids] = await Promise.all([
    allItems('districts'), allItems('demand'), loadFlags(ids),
    getJSON(local('dashboard/data/pyramids.json')).catch(() => null)]);
  state.pyramids = pyramids;
  state.districts = districtFeatures
    .map((feature) => ({ code: districtCode(feature), name: districtName(feature), feature }))
    .filter((d) => d.code !== undefined && d.feature.geometry);
  for (const d of state.districts) state.names.set(d.code, d.name);
  for (const f of demandFeatures) {
    const p = f.properties || {};
    const code = districtCode(f);
    const year = Number(p.year);
    if (code === undefined || !Number.isFinite(year)) continue;
    if (!state.demand.has(code)) state.demand.set(code, new Map());
    state.demand.get(code).set(year, p);
    if (!state.names.has(code) && p.name) state.names.set(code, String(p.name));
  }
  state.years = [...new Set(demandFeatures.map((f) => Number(f.properties?.year)).filter(Number.isFinite))].sort((a, b) => a - b);
  if (state.years.length === 0) throw new Error('the demand collection has no rows');
  state.firstYear = state.years[0];
  state.horizonYear = state.years[state.years.length - 1];
  const observed = demandFeatures.filter((f) => f.properties?.observed).map((f) => Number(f.properties.year));
  state.baseYear = state.years.includes(config.base_year) ? config.base_year
    : observed.length ? Math.max(...observed) : state.firstYear;
  state.flags = flags;
  state.flagsByDistrict = new Map();
  for (const f of flags || []) {
    const code = f.district === undefined || f.district === null ? undefined : String(f.district);
    if (code === undefined) continue;
    if (!state.flagsByDistrict.has(code)) state.flagsByDistrict.set(code, []);
    state.flagsByDistrict.get(code).push(f);
  }
}

function valueIn(demand, m, code, year) {
  const rows = demand?.get(code);
  const r = rows?.get(year);
  if (!r) return NaN;
  const v = m.value(r, rows.get(state.baseYear));
  return typeof v === 'number' ? v : NaN;
}

/** The measure in the current scenario, or its difference to the served forecast. */
function measureValue(m, code, year) {
  const v = valueIn(state.demand, m, code, year);
  return state.diff ? v - valueIn(state.baseDemand, m, code, year) : v;
}

/**
 * Class breaks of a measure: from the served forecast (so a colour means the same in every
 * scenario and year), or, for the difference map, from the current scenario's differences.
 */
function classesFor(m) {
  const key = `${m.id}${state.diff ? ':diff' : ''}`;
  if (!state.classes.has(key)) {
    const values = [];
    for (const code of state.baseDemand.keys()) {
      for (const y of state.years) values.push(state.diff ? measureValue(m, code, y) : valueIn(state.baseDemand, m, code, y));
    }
    state.classes.set(key, quantileClasses(values, { classes: 5, diverging: m.diverging || state.diff }));
  }
  return state.classes.get(key);
}

function isObserved(year) {
  for (const rows of state.demand.values()) {
    const r = rows.get(year);
    if (r) return Boolean(r.observed);
  }
  return year <= state.baseYear;
}

function render() {
  const m = state.measure;
  const classes = classesFor(m);
  const values = new Map(state.districts.map((d) => [d.code, measureValue(m, d.code, state.year)]));
  state.map.recolor(classes, values, (code) => {
    const v = values.get(code);
    return `${state.names.get(code) ?? code} (${code})\n${state.year}: ${fmt(v, m.digits)}`;
  });
  const zero = m.diverging && classes.some((c) => c.hi === 0) ? '; zero is a break (blue: below, red: above)' : '';
  state.map.setLegend(m, classes,
    `Quantiles: 5 classes over every district and year ${state.firstYear}–${state.horizonYear}, so a colour means the same in every year${zero}.`);
  document.getElementById('year-label').textContent = `${state.year} ${isObserved(state.year) ? 'observed (utfall)' : 'projected (prognos)'}`;
  renderSelected();
  const url = new URL(location.href);
  url.searchParams.set('measure', m.id);
  url.searchParams.set('year', String(state.year));
  for (const sl of SLIDERS) url.searchParams.delete(sl.name);
  for (const [k, v] of Object.entries(state.levers)) url.searchParams.set(k, String(v));
  if (state.diff) url.searchParams.set('diff', '1');
  else url.searchParams.delete('diff');
  history.replaceState(null, '', url);
}

function renderSelected() {
  if (!state.selected) return;
  renderPanel(document.getElementById('panel'), {
    code: state.selected,
    name: state.names.get(state.selected) ?? state.selected,
    rows: state.demand.get(state.selected) ?? new Map(),
    year: state.year,
    baseYear: state.baseYear,
    horizonYear: state.horizonYear,
    flags: state.flags === null ? null : (state.flagsByDistrict.get(state.selected) ?? []),
    pyramid: state.pyramids?.districts?.[state.selected]
      ? { bands: state.pyramids.bands, byYear: state.pyramids.districts[state.selected] } : null,
  });
}

function select(code) {
  state.selected = code;
  state.map.select(code);
  renderSelected();
}

function initControls() {
  const measureEl = document.getElementById('measure');
  measureEl.replaceChildren(...MEASURES.map((m) => h('option', { value: m.id }, m.label)));
  const wanted = MEASURES.find((m) => m.id === params.get('measure'));
  state.measure = wanted ?? MEASURES[0];
  measureEl.value = state.measure.id;
  measureEl.addEventListener('change', () => {
    state.measure = MEASURES.find((m) => m.id === measureEl.value) ?? MEASURES[0];
    render();
  });
  const yearEl = document.getElementById('year');
  yearEl.min = String(state.firstYear);
  yearEl.max = String(state.horizonYear);
  const y = Number(params.get('year'));
  state.year = state.years.includes(y) ? y : state.horizonYear;
  yearEl.value = String(state.year);
  yearEl.addEventListener('input', () => {
    state.year = Number(yearEl.value);
    render();
  });
}

function renderTotals() {
  const el = document.getElementById('totals-chart');
  const codes = [...state.demand.keys()];
  const sums = { p65: [], p80: [] };
  for (const y of state.years) {
    const rows = codes.map((c) => state.demand.get(c).get(y));
    if (rows.some((r) => !r)) continue;
    sums.p65.push([y, rows.reduce((a, r) => a + (r.population_65_79 ?? 0), 0)]);
    sums.p80.push([y, rows.reduce((a, r) => a + (r.population_80_plus ?? 0), 0)]);
  }
  const split = (pts) => [pts.filter((p) => p[0] <= state.baseYear), pts.filter((p) => p[0] >= state.baseYear)];
  const [o65, p65] = split(sums.p65);
  const [o80, p80] = split(sums.p80);
  const C65 = '#2166ac';
  const C80 = '#d6604d';
  const series = [
    { label: '65–79, model: observed', color: C65, points: o65 },
    { label: '65–79, model: projection', color: C65, dash: '6 4', points: p65 },
    { label: '80+, model: observed', color: C80, points: o80 },
    { label: '80+, model: projection', color: C80, dash: '6 4', points: p80 },
  ];
  const ref = config.reference;
  if (ref) {
    const pts = (vals) => vals.map((v, i) => [ref.first_year + i, v]);
    series.push(
      { label: `65–79, ${ref.label}`, color: '#67a9cf', dash: '1 3', width: 2, markers: true, points: pts(ref.population_65_79) },
      { label: `80+, ${ref.label}`, color: '#f4a582', dash: '1 3', width: 2, markers: true, points: pts(ref.population_80_plus) });
  }
  el.replaceChildren(lineChart(series.filter((se) => se.points.length), {
    markX: state.baseYear, markLabel: `base year ${state.baseYear}`, yLabel: 'persons',
  }));
  renderPopulation();
}

/** Total population of the scenario (and of the served forecast beside a what-if), with the fan. */
function renderPopulation() {
  const el = document.getElementById('population-chart');
  if (!el) return;
  const total = (demand, field) => state.years.map((y) => {
    const rows = [...demand.values()].map((m) => m.get(y));
    if (rows.some((r) => !r)) return null;
    const vals = rows.map((r) => r[field]);
    return vals.some((v) => typeof v !== 'number') ? null : [y, vals.reduce((a, v) => a + v, 0)];
  }).filter(Boolean);
  const pop = total(state.demand, 'population');
  const lo = new Map(total(state.demand, 'population_low'));
  const hi = new Map(total(state.demand, 'population_high'));
  const fan = pop.filter(([y]) => y >= state.baseYear && lo.has(y) && hi.has(y)).map(([y]) => [y, lo.get(y), hi.get(y)]);
  const series = [{ label: Object.keys(state.levers).length ? 'population, this scenario' : 'population, model', color: '#1b7837', points: pop }];
  if (state.baseDemand !== state.demand) {
    series.push({ label: 'population, the forecast', color: '#999', dash: '6 4', points: total(state.baseDemand, 'population') });
  }
  const ys = pop.map((p) => p[1]).concat(fan.map((p) => p[1]));
  const yMin = ys.length ? Math.floor((Math.min(...ys) * 0.97) / 1000) * 1000 : 0;
  el.replaceChildren(lineChart(series, {
    markX: state.baseYear, markLabel: `base year ${state.baseYear}`, yLabel: 'persons', yMin,
    areas: fan.length ? [{ label: 'range of past errors (10th–90th percentile)', color: '#1b7837', points: fan }] : [],
  }));
}

/** Rows of a what-if (or null: the served forecast) replace what the map and charts show. */
function showScenario(rows, levers) {
  state.levers = { ...levers };
  if (!rows) {
    state.demand = state.baseDemand;
  } else {
    const demand = new Map();
    for (const r of rows) {
      const code = String(r.district);
      if (!demand.has(code)) demand.set(code, new Map());
      demand.get(code).set(Number(r.year), r);
    }
    state.demand = demand;
  }
  for (const k of [...state.classes.keys()]) if (k.endsWith(':diff')) state.classes.delete(k);
  render();
  renderTotals();
  document.body.dataset.scenario = JSON.stringify(state.levers);
}

async function initWhatIf() {
  const served = await getJSON(local('scenarios')).catch(() => null);
  const el = document.getElementById('whatif');
  trackRecord(document.getElementById('track-record'), served?.uncertainty ?? null);
  if (!served) {
    el.replaceChildren(h('p', { class: 'muted' }, 'What-if scenarios are not available from this service.'));
    return;
  }
  const diffEl = document.getElementById('whatif-diff');
  diffEl.checked = params.get('diff') === '1';
  state.diff = diffEl.checked;
  diffEl.addEventListener('change', () => {
    state.diff = diffEl.checked;
    render();
  });
  whatIfPanel(el, served, leversFrom(params), showScenario);
}

async function renderBottlenecks() {
  const summary = document.getElementById('bottleneck-summary');
  const chart = document.getElementById('bottleneck-chart');
  let report;
  try {
    report = await getJSON(local('bottlenecks'));
  } catch (e) {
    summary.textContent = `The bottleneck analysis is not available: ${e.message}`;
    return;
  }
  const stages = report.stages || [];
  const b = stages.find((st) => st.stage === report.bottleneck);
  const lines = [];
  if (config.has_pipeline === false) {
    summary.replaceChildren(h('p', { class: 'no-pipeline' },
      'No pipeline in this dataset: it has no housing projects, so no stage can be measured.'));
    chart.replaceChildren(bottleneckChart(report));
    return;
  }
  lines.push(h('p', {}, `Pipeline snapshot ${report.as_of}, ${(report.projects || []).length} projects. `,
    b ? h('strong', {}, `Bottleneck: ${STAGE_LABELS[b.stage] ?? b.stage} — ${b.late_passages} of ${b.delay_passages} passages over the expected ${fmt(b.expected_days)} days, ${fmt(b.excess_dwelling_days)} dwelling-days beyond it (the most of any stage).`)
      : 'No stage runs over its expected duration.'));
  const facts = [];
  if (Number.isFinite(report.appeal_rate)) facts.push(`appealed plans (överklagade): ${fmt(report.appeal_rate * 100)} %`);
  if (Number.isFinite(report.median_plan_to_start_days)) facts.push(`median planuppdrag → startbesked: ${fmt(report.median_plan_to_start_days / 365.25, 1)} years (national: 4,8)`);
  const bygglov = stages.find((st) => st.stage === 'bygglov');
  if (bygglov?.limit_applicable) facts.push(`bygglov over 10 weeks: ${bygglov.over_limit} of ${bygglov.limit_applicable}`);
  if (facts.length) lines.push(h('p', {}, facts.join(' · ')));
  summary.replaceChildren(...lines);
  chart.replaceChildren(bottleneckChart(report));
}

/** The dataset's own notes (which inputs are real, estimated, synthetic or missing), always shown. */
function showDatasetNotes() {
  const notes = Array.isArray(config.dataset_notes) ? config.dataset_notes : [];
  const el = document.getElementById('dataset-notes');
  el.replaceChildren(...notes.map((n) => h('li', {}, n)));
  el.hidden = notes.length === 0;
}

/** The model's notes (and missing parts) in a closed box under the header. */
function showNotes() {
  const notes = Array.isArray(config.notes) ? [...config.notes] : [];
  if (state.flags === null) notes.unshift('Flags are not available from this service yet.');
  if (notes.length === 0) {
    setStatus('');
    return;
  }
  setStatus('', 'note');
  statusEl.hidden = false;
  statusEl.replaceChildren(h('details', {},
    h('summary', {}, `Notes about this model run (${notes.length})`),
    h('ul', {}, notes.map((n) => h('li', {}, n)))));
}

function flagPopup(code, flags) {
  return h('div', { class: 'flag-popup' }, h('strong', {}, state.names.get(code) ?? code), flagDetails(flags));
}

async function main() {
  document.getElementById('dataset-name').textContent = config.dataset ?? '';
  showDatasetNotes();
  try {
    await load();
  } catch (e) {
    setStatus(`Could not load the data: ${e.message}`, 'error');
    document.body.dataset.ready = 'error';
    return;
  }
  initControls();
  state.map = new DistrictMap(document.getElementById('map'), state.districts, {
    basemap: params.get('basemap') || config.basemap || null,
    onSelect: select,
  });
  state.map.setFlags(state.flagsByDistrict, (c) => state.names.get(c) ?? c, flagPopup);
  state.baseDemand = state.demand;
  render();
  renderTotals();
  await initWhatIf();
  await renderBottlenecks();
  showNotes();
  document.body.dataset.ready = 'true';
}

main();
