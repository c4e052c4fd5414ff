// Class breaks and colours for the choropleth.
//
// Method: quantiles. The values of the chosen measure for every district in every year
// (observed and projected) are pooled and cut into five classes with about as many
// district-years each, so a colour means the same in every year and the year slider shows
// change. Measures that can be negative (the gap: a surplus; growth of 80+: a decline) get
// zero as an extra break, blues below it and reds above it.

/** The p-th percentile (0–100) by linear interpolation between closest ranks (numpy's default,
 *  Excel's PERCENTILE.INC), the same rule the bottleneck statistics use. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * p / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

const SEQUENTIAL = ['#fff5d6', '#fdd49e', '#fc8d59', '#d7301f', '#7f0000'];
const REDS = ['#fdd0a2', '#fc8d59', '#e34a33', '#b30000', '#7f0000'];
const BLUES = ['#c6dbef', '#6baed6', '#2171b5', '#08306b'];
export const NO_DATA = '#d9d9d9';

function pick(ramp, n) {
  if (n <= 0) return [];
  if (n >= ramp.length) return ramp.slice(0, n);
  // Spread n colours over the ramp, keeping its light end.
  return Array.from({ length: n }, (_, i) => ramp[Math.round(i * (ramp.length - 1) / Math.max(1, n - 1))]);
}

/**
 * Classes for `values` (numbers; non-finite ones are ignored): an array of
 * `{ lo, hi, color }` in ascending order. A value v is in the first class whose `hi` ≥ v.
 */
export function quantileClasses(values, { classes = 5, diverging = false } = {}) {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return [];
  const min = v[0];
  const max = v[v.length - 1];
  let cuts = [];
  for (let i = 1; i < classes; i++) cuts.push(percentile(v, (100 * i) / classes));
  if (diverging && min < 0 && max > 0) cuts.push(0);
  cuts = [...new Set(cuts.map((c) => roundNice(c)))]
    .filter((c) => c > min && c < max)
    .sort((a, b) => a - b);
  const bounds = [min, ...cuts, max];
  const out = [];
  for (let i = 0; i < bounds.length - 1; i++) out.push({ lo: bounds[i], hi: bounds[i + 1] });
  if (out.length === 0) out.push({ lo: min, hi: max });
  colour(out, diverging);
  return out;
}

function colour(cls, diverging) {
  if (!diverging) {
    pick(SEQUENTIAL, cls.length).forEach((c, i) => (cls[i].color = c));
    return;
  }
  const neg = cls.filter((c) => c.hi <= 0);
  const pos = cls.filter((c) => c.hi > 0);
  // Blues darken away from zero, reds darken away from zero.
  pick(BLUES, neg.length).forEach((c, i) => (neg[neg.length - 1 - i].color = c));
  pick(REDS, pos.length).forEach((c, i) => (pos[i].color = c));
}

/** Rounds a break to three significant digits so the legend reads cleanly. */
function roundNice(x) {
  if (x === 0 || !Number.isFinite(x)) return x;
  const mag = Math.pow(10, Math.floor(Math.log10(Math.abs(x))) - 2);
  return Math.round(x / mag) * mag;
}

/** The class colour of `value`, or the no-data grey. */
export function colorOf(classes, value) {
  if (!Number.isFinite(value) || classes.length === 0) return NO_DATA;
  for (const c of classes) if (value <= c.hi) return c.color;
  return classes[classes.length - 1].color;
}
