// Drives the dashboard in headless Chromium (Debian's binary, through playwright-core) the way
// a planner would: load the page, check one map shape per district, move the year slider,
// click a district, read its panel, open a flag's reasons, drag the what-if migration slider
// (the map's colours and the municipal chart change, the page's URL holds the lever, and
// reloading that URL restores it), and save a screenshot. Fails on any
// request that leaves 127.0.0.1 and on any script error in the page.
//
// Environment: DASHBOARD_URL (http://127.0.0.1:PORT), SCREENSHOT (PNG path), CHROMIUM (binary),
// WEB_NODE_MODULES (the npm install with playwright-core), EXPECT_FLAGGED_DISTRICTS (number).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const env = process.env;
const base = new URL(env.DASHBOARD_URL);
const require = createRequire(import.meta.url);
const { chromium } = require(path.join(env.WEB_NODE_MODULES, 'playwright-core'));

const log = (...a) => console.log('[dashboard]', ...a);
class Fail extends Error {}
function check(cond, msg) {
  if (!cond) throw new Fail(msg);
}

async function getJSON(p) {
  const r = await fetch(new URL(p, base));
  check(r.ok, `GET ${p}: HTTP ${r.status}`);
  return r.json();
}

/** Every feature of a collection through the OGC API, following next links on this host. */
async function allFeatures(collection, params = '') {
  let url = new URL(`/collections/${collection}/items?f=json&limit=1000${params}`, base);
  const out = [];
  for (let i = 0; i < 1000; i++) {
    const r = await fetch(url);
    check(r.ok, `GET ${url.pathname}${url.search}: HTTP ${r.status}`);
    const doc = await r.json();
    out.push(...doc.features);
    const next = (doc.links || []).find((l) => l.rel === 'next');
    if (!next || doc.features.length === 0) break;
    const n = new URL(next.href);
    url = new URL(n.pathname + n.search, base);
  }
  return out;
}

const code = (f) => String(f.properties?.district ?? f.id);

async function fills(page) {
  return page.$$eval('#map path.district', (els) =>
    Object.fromEntries(els.map((e) => [e.getAttribute('data-district'), e.getAttribute('fill')])));
}

async function main() {
  const districts = await allFeatures('districts');
  const demand = await allFeatures('demand');
  const years = [...new Set(demand.map((f) => f.properties.year))].sort((a, b) => a - b);
  const first = years[0];
  const horizon = years[years.length - 1];
  log(`API: ${districts.length} districts, ${demand.length} demand features, years ${first}–${horizon}`);
  check(districts.length > 0, 'the districts collection is empty');

  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'housing-need-chromium-'));
  const ctx = await chromium.launchPersistentContext(userDataDir, {
    executablePath: env.CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    viewport: { width: 1400, height: 1000 },
  });
  const outside = [];
  const local = [];
  const pageErrors = [];
  const failed = [];
  await ctx.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.hostname === base.hostname && u.port === base.port) {
      local.push(u.pathname + u.search);
      return route.continue();
    }
    outside.push(u.href);
    return route.abort();
  });
  ctx.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  try {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') log('console error:', m.text()); });

    await page.goto(new URL('/dashboard', base).href);
    await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60000 });
    const ready = await page.evaluate(() => document.body.dataset.ready);
    check(ready === 'true', `the page did not load its data: ${await page.textContent('#status')}`);

    // One shape per district.
    const shapes = await page.locator('#map path.district').count();
    check(shapes === districts.length, `map has ${shapes} district shapes, the API has ${districts.length} districts`);
    const codes = await page.$$eval('#map path.district', (els) => els.map((e) => e.getAttribute('data-district')));
    check(new Set(codes).size === districts.length, 'district shapes are not one per district code');
    log(`map: ${shapes} district shapes`);

    // Year slider: from the first observed year to the horizon, recolouring the map.
    const slider = page.locator('#year');
    check(Number(await slider.getAttribute('min')) === first, `slider min ${await slider.getAttribute('min')} ≠ first year ${first}`);
    check(Number(await slider.getAttribute('max')) === horizon, `slider max ${await slider.getAttribute('max')} ≠ horizon ${horizon}`);
    await slider.focus();
    await page.keyboard.press('Home');
    await page.waitForFunction((y) => document.getElementById('year-label').textContent.startsWith(String(y)), first);
    const before = await fills(page);
    await page.keyboard.press('End');
    await page.waitForFunction((y) => document.getElementById('year-label').textContent.startsWith(String(y)), horizon);
    const after = await fills(page);
    const changed = Object.keys(after).filter((k) => after[k] !== before[k]);
    check(changed.length > 0, `moving the slider ${first} → ${horizon} changed no fill colour`);
    check(Object.values(after).every((c) => c && c !== 'none'), 'a district has no fill');
    log(`slider ${first} → ${horizon}: ${changed.length} of ${shapes} districts changed colour`);

    // Click a district where it is really visible (not under a marker or the legend).
    const targets = await page.$$eval('#map path.district', (els) => els.map((e) => {
      const r = e.getBoundingClientRect();
      return { code: e.getAttribute('data-district'), area: r.width * r.height };
    }).sort((a, b) => b.area - a.area).map((t) => t.code));
    let point = null;
    let chosen = null;
    for (const c of targets) {
      point = await page.evaluate((c) => {
        const el = [...document.querySelectorAll('#map path.district')].find((e) => e.getAttribute('data-district') === c);
        const r = el.getBoundingClientRect();
        for (let i = 1; i < 16; i++) {
          for (let j = 1; j < 16; j++) {
            const x = r.left + (r.width * ((i * 7) % 16)) / 16;
            const y = r.top + (r.height * ((j * 5) % 16)) / 16;
            if (document.elementFromPoint(x, y) === el) return { x, y };
          }
        }
        return null;
      }, c);
      if (point) { chosen = c; break; }
    }
    check(point, 'no district could be clicked');
    await page.mouse.click(point.x, point.y);
    const feature = districts.find((f) => code(f) === chosen);
    const expectedName = String(feature.properties.name ?? chosen);
    await page.waitForFunction((n) => document.querySelector('#panel [data-field="name"]')?.textContent === n, expectedName, { timeout: 10000 });
    const row = demand.find((f) => code(f) === chosen && f.properties.year === horizon)?.properties;
    check(row, `the API has no demand row for ${chosen} in ${horizon}`);
    const shown = await page.$eval('#panel [data-field="population"]', (e) => ({ value: e.dataset.value, text: e.textContent }));
    check(Number(shown.value) === row.population, `panel population ${shown.value} ≠ API ${row.population}`);
    check(shown.text.replace(/\s/g, '') === String(Math.round(row.population)),
      `panel shows population '${shown.text}', API has ${row.population}`);
    const gapShown = await page.$eval('#panel [data-field="gap"]', (e) => e.dataset.value);
    check(Number(gapShown) === row.gap, `panel gap ${gapShown} ≠ API ${row.gap}`);
    check(await page.locator('#panel svg.pyramid').count() === 1, 'the panel has no population pyramid');
    // The district's fan: one polygon through low and high of every year with a range.
    const baseYear = Math.max(...demand.filter((f) => f.properties.observed).map((f) => f.properties.year));
    const ranged = demand.filter((f) => code(f) === chosen && f.properties.year >= baseYear
      && typeof f.properties.population_low === 'number' && typeof f.properties.population_high === 'number');
    check(ranged.length > 0, `the API has no population_low/high for ${chosen}`);
    const fanPoints = await page.$eval('#panel .panel-population svg polygon.fan', (e) => e.getAttribute('points').trim().split(/\s+/).length);
    check(fanPoints === 2 * ranged.length, `the panel's fan has ${fanPoints} points, the API ${ranged.length} years with a range`);
    log(`district fan: ${ranged.length} years with a low–high range drawn in the panel`);
    check(await page.locator('#panel svg.hbars rect.bar').count() >= 4, 'the panel has no demand by dwelling type');
    log(`clicked ${expectedName} (${chosen}): population ${shown.text} in ${horizon} as in the API`);

    // Flags: one marker per flagged district; a click shows the reasons.
    const wantFlags = Number(env.EXPECT_FLAGGED_DISTRICTS || 0);
    const markers = await page.locator('.flag-marker').count();
    check(markers >= wantFlags, `${markers} flag markers, expected ${wantFlags}`);
    if (markers > 0) {
      await page.locator('.flag-marker').first().click();
      await page.waitForSelector('.leaflet-popup-content .flag-list li', { timeout: 5000 });
      const popup = await page.textContent('.leaflet-popup-content');
      log(`flag popup: ${popup.replace(/\s+/g, ' ').slice(0, 160)}`);
      const close = page.locator('.leaflet-popup-close-button');
      if (await close.count()) await close.first().click({ timeout: 2000 });
    }

    // Bottlenecks: one row per stage of /bottlenecks; totals: model lines (+ reference).
    const report = await getJSON('/bottlenecks');
    const rows = await page.locator('#bottleneck-chart g.stage-row').count();
    check(rows === report.stages.length, `bottleneck chart has ${rows} stages, /bottlenecks ${report.stages.length}`);
    const series = await page.locator('#totals-chart path.series').count();
    check(series >= 4, `municipal totals chart has ${series} lines`);
    const legend = await page.textContent('#totals-chart');
    log(`bottleneck chart: ${rows} stages; totals chart: ${series} lines${legend.includes('Statisticon') ? ' incl. the Statisticon forecast' : ''}`);

    // Choosing another measure recolours the map and retitles the legend.
    await page.selectOption('#measure', 'dependency_ratio');
    await page.waitForFunction(() => document.querySelector('.legend-title')?.textContent.includes('Dependency'));
    await page.selectOption('#measure', 'gap_per_1000');
    await page.waitForFunction(() => document.querySelector('.legend-title')?.textContent.includes('Gap'));

    // The dataset's own notes (what is real, estimated, synthetic or missing) are on the page,
    // and a dataset without a pipeline says so where the bottlenecks would be.
    const cfg = JSON.parse(await page.textContent('#dashboard-config'));
    const shownNotes = await page.$$eval('#dataset-notes li', (els) => els.map((e) => e.textContent));
    check(JSON.stringify(shownNotes) === JSON.stringify(cfg.dataset_notes ?? []),
      `the page shows ${shownNotes.length} dataset notes, the dataset has ${(cfg.dataset_notes ?? []).length}`);
    if (shownNotes.length > 0) check(await page.locator('#dataset-notes').isVisible(), 'the dataset notes are hidden');
    if (cfg.has_pipeline === false) {
      const said = await page.textContent('#bottleneck-summary');
      check(said.includes('No pipeline in this dataset'), `no word that the pipeline is missing: ${said}`);
    }
    log(`dataset notes: ${shownNotes.length} shown${cfg.has_pipeline === false ? '; no pipeline, and said' : ''}`);

    // What if: drag the net-migration slider to its maximum; the service recomputes, the map
    // and the municipal chart change, and the page's URL holds the lever.
    await page.selectOption('#measure', 'dwellings_needed');
    await page.waitForFunction(() => document.querySelector('.legend-title')?.textContent.includes('Dwellings'));
    const yearSlider = page.locator('#year');
    await yearSlider.focus();
    await page.keyboard.press('End');
    const fillsBase = await fills(page);
    const chartBase = await page.$eval('#population-chart path.series', (e) => e.getAttribute('d'));
    const lever = page.locator('#lever-net_migration_multiplier');
    check(await lever.count() === 1, 'no net-migration slider');
    await lever.scrollIntoViewIfNeeded();
    const box = await lever.boundingBox();
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + box.width * (0.4 + 0.06 * i), box.y + box.height / 2);
    await page.mouse.move(box.x + box.width + 20, box.y + box.height / 2);
    await page.mouse.up();
    log(`migration slider after the drag: ${await lever.inputValue()}`);
    await page.waitForFunction(() => JSON.parse(document.body.dataset.scenario || '{}').net_migration_multiplier === 3, null, { timeout: 20000 });
    await page.waitForFunction(() => document.getElementById('whatif-status')?.textContent.includes('against the forecast'), null, { timeout: 20000 });
    const fillsWhatIf = await fills(page);
    const recoloured = Object.keys(fillsWhatIf).filter((k) => fillsWhatIf[k] !== fillsBase[k]);
    check(recoloured.length > 0, 'the what-if changed no map colour');
    const chartWhatIf = await page.$eval('#population-chart path.series', (e) => e.getAttribute('d'));
    check(chartWhatIf !== chartBase, 'the what-if did not change the municipal chart');
    const pageUrl = new URL(page.url());
    check(pageUrl.searchParams.get('net_migration_multiplier') === '3', `the page's URL does not hold the lever: ${page.url()}`);
    const qgisLink = await page.$eval('#whatif-copy', (e) => e.dataset.url);
    check(qgisLink.includes('/scenarios/run?net_migration_multiplier=3'), `QGIS link: ${qgisLink}`);
    const csvLink = await page.$eval('#whatif-csv', (e) => e.getAttribute('href'));
    check(csvLink.includes('f=csv'), `CSV link: ${csvLink}`);
    log(`what-if: migration × 3 recoloured ${recoloured.length} of ${shapes} districts; URL ${pageUrl.search}`);

    // Reloading that URL restores the scenario.
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60000 });
    await page.waitForFunction(() => JSON.parse(document.body.dataset.scenario || '{}').net_migration_multiplier === 3, null, { timeout: 20000 });
    check(await page.locator('#lever-net_migration_multiplier').inputValue() === '3', 'the reloaded slider is not at 3');
    const fillsReloaded = await fills(page);
    const differ = Object.keys(fillsWhatIf).filter((k) => fillsReloaded[k] !== fillsWhatIf[k]);
    check(differ.length === 0, `the reloaded map differs from the what-if: ${differ.map((k) => `${k} ${fillsWhatIf[k]} → ${fillsReloaded[k]}`).join(', ')}`);
    log('reload restored the what-if');

    // Nothing from outside 127.0.0.1, per the request log and the page's own resource timing.
    const entries = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
    const foreign = entries.filter((u) => { const x = new URL(u); return x.protocol !== 'data:' && x.host !== base.host; });
    check(outside.length === 0, `requests outside 127.0.0.1: ${outside.join(', ')}`);
    check(foreign.length === 0, `resources from outside: ${foreign.join(', ')}`);
    check(pageErrors.length === 0, `script errors in the page: ${pageErrors.join('; ')}`);
    check(failed.length === 0, `failed requests: ${failed.join('; ')}`);
    log(`requests: ${local.length}, all to ${base.host}; resource entries: ${entries.length}`);

    await page.screenshot({ path: env.SCREENSHOT, fullPage: true });
    const panelShot = env.SCREENSHOT.replace(/\.png$/, '-panel.png');
    await page.locator('#panel').screenshot({ path: panelShot });
    log(`screenshots: ${env.SCREENSHOT}, ${panelShot}`);
  } finally {
    await ctx.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

main().then(
  () => { log('ok'); process.exit(0); },
  (e) => { console.error(`[dashboard] FAIL: ${e instanceof Fail ? e.message : e.stack || e}`); process.exit(1); },
);
