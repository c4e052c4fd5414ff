//! The cohort-component forecast by single year of age: the municipality as the control total,
//! its districts constrained to it and led by housing.
//!
//! **One year** (31 December `t − 1` → 31 December `t`), for a pyramid `P` by sex `s` and age `a`
//! ([`step`]):
//! - survival and ageing: `P'(s, a) = P(s, a − 1) × exp(−m(s, a, t))` for `a = 1…99`, and
//!   `P'(s, 100+) = (P(s, 99) + P(s, 100+)) × exp(−m(s, 100+, t))`, with `m` the national death
//!   rate by age attained ([`super::national`]) anchored to the base year;
//! - births: `B = k × Σ_{a=15…49} f(a) × (W(a) + W'(a)) / 2` (women at the start and end of the
//!   year), `f` the national schedule of the base year and `k` the municipality's own level
//!   ([`Residual::fertility_level`]); boys `B × boys_share`; the newborn survive their first
//!   half-year on average: `P'(s, 0) = B(s) × exp(−m(s, 0, t) / 2)`;
//! - migration: the year's net migrants `N(s, a)` are added (they are counted by their age at the
//!   end of the year, as the residual estimate measures them); a cell that would fall below 0 is
//!   set to 0 and counted in the run's notes.
//!
//! **Net migration** ([`residual`]), where the dataset has no in- and out-migration by age, is
//! estimated from the population series by the residual (cohort-change) method over a window of
//! years: `N(s, a, t) = P(s, a, t) − P(s, a − 1, t − 1) × exp(−m(s, a, t))`, averaged over the
//! window and smoothed over three neighbouring ages (2…98, totals kept). Age 0 mixes births and
//! migration: the newborn are taken to migrate at half the rate of one-year-olds (half a year of
//! exposure), which gives both the births `B = P(0) / (1 + r₁ / 2) / exp(−m₀ / 2)` and `N(s, 0)`.
//!
//! **Fertility level** `k = Σ_t B_t / Σ_t Σ_a f_t(a) × W̄_t(a)` over the same window: the
//! municipality's births against what the national schedule of each year would give its women.
//!
//! **Districts** ([`project_districts`]) step with the same rates and their own women; each gets
//! the persons moving into its new dwellings (completed dwellings × persons per new dwelling, by
//! the new-build mover profile) and a share of the rest of the municipal net migration by its
//! share of the cell's population; a district whose population would pass what its dwellings
//! hold (dwellings × its base-year persons per dwelling × (1 + margin)) is held there and its
//! surplus goes to the other districts; finally each cell is scaled so that the districts add up
//! to the municipal projection.

use super::ages::{band_ages, total, Pyramid, AGES, EMPTY};
use super::national::{National, FERTILE_AGES, FERTILE_FROM};
use crate::domain::AgeBands;

/// The rates of one forecast, anchored at its base year.
#[derive(Debug, Clone)]
pub struct Rates<'a> {
    /// National tables.
    pub national: &'a National,
    /// Base year (the last observed year): mortality is anchored to it.
    pub base_year: i32,
    /// Scale of the mortality improvement trend (1: as estimated; 0: none).
    pub improvement_factor: f64,
    /// Births per woman-year by mother's age 15…49: the national schedule of the base year ×
    /// the municipality's level × the scenario's multiplier.
    pub fertility: [f64; FERTILE_AGES],
    /// Share of boys among births.
    pub boys_share: f64,
}

impl Rates<'_> {
    /// One-year survival by sex and age attained in `year`; age 0: survival of the year's
    /// newborn (half a year's exposure on average).
    pub fn survival(&self, year: i32) -> Pyramid {
        let mut s = EMPTY;
        for (sex, row) in s.iter_mut().enumerate() {
            for (a, v) in row.iter_mut().enumerate() {
                let m =
                    self.national
                        .death_rate(sex, a, year, self.base_year, self.improvement_factor);
                *v = if a == 0 { (-m / 2.0).exp() } else { (-m).exp() };
            }
        }
        s
    }
}

/// What one [`step`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StepResult {
    /// Births (before the newborn's own survival).
    pub births: f64,
    /// Deaths.
    pub deaths: f64,
    /// Net migrants added.
    pub net_migration: f64,
    /// Persons that would have been negative and were set to 0.
    pub clamped: f64,
}

/// One year of the cohort-component method on a pyramid (see the module docs):
/// `next` receives the population at the end of the year.
pub fn step(
    prev: &Pyramid,
    survival: &Pyramid,
    fertility: &[f64; FERTILE_AGES],
    boys_share: f64,
    net: &Pyramid,
    next: &mut Pyramid,
) -> StepResult {
    let (births, clamped) = step_core(prev, survival, fertility, boys_share, net, next);
    // The accounting, apart from the hot loop: deaths of the cohorts present at the start and
    // of the newborn; the net migrants.
    let last = AGES - 1;
    let mut deaths = 0.0;
    for s in 0..2 {
        for a in 1..AGES {
            let from = if a == last {
                prev[s][a - 1] + prev[s][a]
            } else {
                prev[s][a - 1]
            };
            deaths += from * (1.0 - survival[s][a]);
        }
    }
    for (s, share) in [(0, boys_share), (1, 1.0 - boys_share)] {
        deaths += births * share * (1.0 - survival[s][0]);
    }
    StepResult {
        births,
        deaths,
        net_migration: net.iter().flatten().sum(),
        clamped,
    }
}

/// The arithmetic of [`step`] alone: returns the births and the persons set to 0.
fn step_core(
    prev: &Pyramid,
    survival: &Pyramid,
    fertility: &[f64; FERTILE_AGES],
    boys_share: f64,
    net: &Pyramid,
    next: &mut Pyramid,
) -> (f64, f64) {
    let last = AGES - 1;
    let mut clamped = 0.0;
    for s in 0..2 {
        let (p, sv, n, out) = (&prev[s], &survival[s], &net[s], &mut next[s]);
        for a in 1..last {
            out[a] = p[a - 1] * sv[a] + n[a];
        }
        out[last] = (p[last - 1] + p[last]) * sv[last] + n[last];
    }
    let mut births = 0.0;
    for (i, f) in fertility.iter().enumerate() {
        let a = FERTILE_FROM + i;
        births += f * (prev[1][a] + next[1][a]) / 2.0;
    }
    for (s, share) in [(0, boys_share), (1, 1.0 - boys_share)] {
        next[s][0] = births * share * survival[s][0] + net[s][0];
    }
    for v in next.iter_mut().flatten() {
        if *v < 0.0 {
            clamped -= *v;
            *v = 0.0;
        }
    }
    (births, clamped)
}

/// Net migration and the fertility level estimated from a population series.
#[derive(Debug, Clone, PartialEq)]
pub struct Residual {
    /// Mean net migrants a year by sex and age (at the end of the year).
    pub net: Pyramid,
    /// First year of change used (`t` of the first `t − 1 → t`).
    pub first_year: i32,
    /// Last year of change used.
    pub last_year: i32,
    /// Number of years of change used.
    pub years: usize,
    /// Mean births a year estimated from the age-0 counts.
    pub births: f64,
    /// The municipality's fertility against the national schedules of the same years.
    pub fertility_level: f64,
}

/// The residual (cohort-change) estimate of net migration and the fertility level from
/// `series` (year, pyramid; any order; gaps allowed) over the `window` years of change ending
/// at `base_year` (see the module docs for the formulas). `None` when no two consecutive years
/// are in the window.
pub fn residual(
    series: &[(i32, Pyramid)],
    national: &National,
    base_year: i32,
    window: u32,
) -> Option<Residual> {
    let at = |y: i32| series.iter().find(|(t, _)| *t == y).map(|(_, p)| p);
    let first = base_year - window.max(1) as i32 + 1;
    let mut net = EMPTY;
    let (mut births, mut expected) = (0.0, 0.0);
    let mut used = Vec::new();
    for t in first..=base_year {
        let (Some(p0), Some(p1)) = (at(t - 1), at(t)) else {
            continue;
        };
        used.push(t);
        let m = |s: usize, a: usize| national.death_rate(s, a, t, base_year, 1.0);
        for s in 0..2 {
            for a in 1..AGES {
                let from = if a == AGES - 1 {
                    p0[s][a - 1] + p0[s][a]
                } else {
                    p0[s][a - 1]
                };
                net[s][a] += p1[s][a] - from * (-m(s, a)).exp();
            }
            // Age 0: the newborn migrate at half the rate of the one-year-olds.
            let n1 = p1[s][1] - p0[s][0] * (-m(s, 1)).exp();
            let r1 = if p0[s][0] > 0.0 {
                (n1 / p0[s][0]).clamp(-0.5, 0.5)
            } else {
                0.0
            };
            let s0 = (-m(s, 0) / 2.0).exp();
            let born = p1[s][0] / (1.0 + r1 / 2.0) / s0;
            births += born;
            net[s][0] += p1[s][0] - born * s0;
        }
        let schedule = national.fertility(t);
        for (i, f) in schedule.iter().enumerate() {
            let a = FERTILE_FROM + i;
            expected += f * (p0[1][a] + p1[1][a]) / 2.0;
        }
    }
    if used.is_empty() {
        return None;
    }
    let n = used.len() as f64;
    for row in &mut net {
        for v in row.iter_mut() {
            *v /= n;
        }
    }
    smooth(&mut net);
    Some(Residual {
        net,
        first_year: used[0],
        last_year: *used.last().unwrap_or(&base_year),
        years: used.len(),
        births: births / n,
        fertility_level: if expected > 0.0 {
            births / expected
        } else {
            1.0
        },
    })
}

/// Three-age moving average over ages 2…98 of each sex, rescaled so each sex keeps its total.
fn smooth(net: &mut Pyramid) {
    for row in net.iter_mut() {
        let before: f64 = row[2..=98].iter().sum();
        let orig = *row;
        for a in 2..=98 {
            row[a] = (orig[a - 1] + orig[a] + orig[a + 1]) / 3.0;
        }
        let after: f64 = row[2..=98].iter().sum();
        if after.abs() > 1e-9 && before.abs() > 1e-9 && (after / before) > 0.0 {
            let f = before / after;
            for v in &mut row[2..=98] {
                *v *= f;
            }
        }
    }
}

/// The shape of a net-migration profile as shares of the positive flows: the default age/sex
/// profile of the persons moving into new dwellings. Falls back to `fallback`'s shares.
pub fn mover_profile(net: &Pyramid, fallback: &Pyramid) -> Pyramid {
    let positive: f64 = net.iter().flatten().map(|v| v.max(0.0)).sum();
    let mut out = EMPTY;
    if positive > 0.0 {
        for (o, n) in out.iter_mut().flatten().zip(net.iter().flatten()) {
            *o = n.max(0.0) / positive;
        }
        return out;
    }
    let t = total(fallback);
    if t > 0.0 {
        for (o, p) in out.iter_mut().flatten().zip(fallback.iter().flatten()) {
            *o = p / t;
        }
    }
    out
}

/// Inputs of the district projection for one projected year.
#[derive(Debug, Clone)]
pub struct DistrictYear<'a> {
    /// Survival of the year ([`Rates::survival`]).
    pub survival: &'a Pyramid,
    /// Municipal net migration of the year (all of it, new-dwelling movers included).
    pub net: &'a Pyramid,
    /// Persons moving into new dwellings completed this year, per district.
    pub movers: &'a [f64],
    /// Age/sex shares of those movers (sums to 1).
    pub mover_profile: &'a Pyramid,
    /// Persons each district's dwellings can hold this year (`None`: no limit known).
    pub capacity: Option<&'a [f64]>,
    /// The municipal projection of the year: the control total by sex and age.
    pub control: &'a Pyramid,
}

/// What [`project_districts`] did in a year.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DistrictStep {
    /// Districts held at their capacity this year.
    pub constrained: Vec<usize>,
    /// Persons moved from constrained districts to the others.
    pub moved_by_capacity: f64,
    /// Persons that would have been negative and were set to 0.
    pub clamped: f64,
}

/// One year for every district, in place: `pop[d]` holds the end of the previous year and
/// receives the end of this year (see the module docs for the method). `start` is the sum of
/// `pop` over the districts by sex and age (the previous year's control total).
///
/// The rest of the net migration is shared by the cohort's population: district `d` gets
/// `rest(s, a) × P_d(s, a − 1) / Σ_d P(s, a − 1)`, computed as `P_d(s, a − 1) × coef(s, a)` with
/// the coefficient prepared once a year. The districts are stepped on two threads.
pub fn project_districts(
    pop: &mut [Pyramid],
    start: &Pyramid,
    rates: &Rates<'_>,
    year: &DistrictYear<'_>,
    out_bands: Option<(&AgeBands, &mut [f64])>,
) -> DistrictStep {
    let nd = pop.len();
    let mut out = DistrictStep::default();
    // The rest of the net migration after the new-dwelling movers, by cell, as a coefficient
    // on the district's cohort one year younger (migrants counted at the end of the year come
    // from it); a cohort nobody is in is shared evenly.
    let movers_total: f64 = year.movers.iter().sum();
    let mut coef = EMPTY;
    let mut even = EMPTY;
    for s in 0..2 {
        for a in 0..AGES {
            let rest = year.net[s][a] - movers_total * year.mover_profile[s][a];
            let src = a.saturating_sub(1);
            if start[s][src] > 0.0 {
                coef[s][a] = rest / start[s][src];
            } else {
                even[s][a] = rest / nd as f64;
            }
        }
    }
    let ranges: Vec<std::ops::RangeInclusive<usize>> = out_bands
        .as_ref()
        .map(|(b, _)| (0..b.len()).map(|i| band_ages(b, i)).collect())
        .unwrap_or_default();
    let nb = ranges.len();
    // Sums one district's pyramid into its `[sex][band]` slice of the output plane.
    let to_bands = |p: &Pyramid, out: &mut [f64]| {
        for s in 0..2 {
            for (o, r) in out[s * nb..(s + 1) * nb].iter_mut().zip(&ranges) {
                *o = p[s][r.clone()].iter().sum();
            }
        }
    };
    let bounds: Vec<(usize, usize)> = ranges.iter().map(|r| (*r.start(), *r.end())).collect();
    let kernel = Kernel {
        coef: &coef,
        even: &even,
        profile: year.mover_profile,
        survival: year.survival,
        fertility: &rates.fertility,
        boys_share: rates.boys_share,
        bands: &bounds,
    };
    // Districts go through the kernel in blocks of `BLOCK`, the rest one by one.
    let step_range = |pop: &mut [Pyramid], first: usize, mut plane: Option<&mut [f64]>| {
        let mut clamped = 0.0;
        let mut totals = vec![0.0; pop.len()];
        let full = pop.len() / BLOCK * BLOCK;
        let movers = &year.movers[first..first + pop.len()];
        let width = 2 * nb;
        for (i, p) in pop[..full].chunks_exact_mut(BLOCK).enumerate() {
            let d = i * BLOCK;
            clamped += kernel.block::<BLOCK>(
                p,
                &movers[d..d + BLOCK],
                &mut totals[d..d + BLOCK],
                plane
                    .as_deref_mut()
                    .map(|pl| &mut pl[d * width..(d + BLOCK) * width]),
            );
        }
        for d in full..pop.len() {
            clamped += kernel.block::<1>(
                &mut pop[d..d + 1],
                &movers[d..d + 1],
                &mut totals[d..d + 1],
                plane
                    .as_deref_mut()
                    .map(|pl| &mut pl[d * width..(d + 1) * width]),
            );
        }
        (clamped, totals)
    };
    let half = nd / 2;
    let (pop_a, pop_b) = pop.split_at_mut(half);
    let mut out_bands = out_bands;
    let (plane_a, plane_b) = match out_bands.as_mut() {
        Some((_, plane)) => {
            let (a, b) = plane.split_at_mut(half * 2 * nb);
            (Some(a), Some(b))
        }
        None => (None, None),
    };
    let ((c1, mut totals), (c2, t2)) = std::thread::scope(|sc| {
        let second = sc.spawn(|| step_range(pop_b, half, plane_b));
        let first = step_range(pop_a, 0, plane_a);
        let second = second
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (first, second)
    });
    totals.extend(t2);
    out.clamped = c1 + c2;
    if let Some(cap) = year.capacity {
        out.moved_by_capacity = hold_to_capacity(pop, &totals, cap, &mut out.constrained);
    }
    // The districts add up to the control by construction (every step is linear); only cells
    // set to 0 or moved by capacity can leave a difference, and then each cell is scaled.
    if out.clamped > 0.0 || out.moved_by_capacity > 0.0 {
        let mut sums = EMPTY;
        for p in pop.iter() {
            for (c, v) in sums.iter_mut().flatten().zip(p.iter().flatten()) {
                *c += v;
            }
        }
        let mut factor = EMPTY;
        for ((f, c), s) in factor
            .iter_mut()
            .flatten()
            .zip(year.control.iter().flatten())
            .zip(sums.iter().flatten())
        {
            *f = if *s > 0.0 { c / s } else { 1.0 };
        }
        for p in pop.iter_mut() {
            for (v, f) in p.iter_mut().flatten().zip(factor.iter().flatten()) {
                *v *= f;
            }
        }
        if let Some((_, plane)) = out_bands {
            for (p, o) in pop.iter().zip(plane.chunks_exact_mut(2 * nb)) {
                to_bands(p, o);
            }
        }
    }
    out
}

/// Districts stepped together by [`Kernel::block`].
const BLOCK: usize = 4;

/// A year's constants of the district step ([`project_districts`]), the same for every district.
struct Kernel<'a> {
    coef: &'a Pyramid,
    even: &'a Pyramid,
    profile: &'a Pyramid,
    survival: &'a Pyramid,
    fertility: &'a [f64; FERTILE_AGES],
    boys_share: f64,
    /// First and last single age of each output band (none: no output plane).
    bands: &'a [(usize, usize)],
}

impl Kernel<'_> {
    /// Steps the `K` districts of `pop` in place exactly as [`step`] would with each
    /// district's net migration `even + P(a − 1) × coef (+ movers × profile)`, and writes each
    /// district's total and (with `plane`) its `[sex][band]` sums. Returns the persons set to 0,
    /// summed district by district.
    ///
    /// The arithmetic of every district is the same sequence of operations as a district on its
    /// own; the sums that run along the ages (births, totals, bands) advance the `K` districts
    /// side by side so that their additions, each chain in its own order, overlap in the
    /// processor instead of waiting on one another.
    fn block<const K: usize>(
        &self,
        pop: &mut [Pyramid],
        movers: &[f64],
        totals: &mut [f64],
        plane: Option<&mut [f64]>,
    ) -> f64 {
        let last = AGES - 1;
        // The start of the year, read once; the end is written over it (the same cache lines).
        let mut prev = [EMPTY; K];
        prev.copy_from_slice(&pop[..K]);
        let next = pop;
        let mut net0 = [[0.0; 2]; K];
        // Survival, ageing and the district's net migration, age by age.
        for k in 0..K {
            let m = movers[k];
            for s in 0..2 {
                let (p, out) = (&prev[k][s], &mut next[k][s]);
                let (cs, es, sv, pr) = (
                    &self.coef[s],
                    &self.even[s],
                    &self.survival[s],
                    &self.profile[s],
                );
                let older = out[1..last]
                    .iter_mut()
                    .zip(&p[..last - 1])
                    .zip(sv[1..last].iter().zip(&cs[1..last]))
                    .zip(es[1..last].iter().zip(&pr[1..last]));
                let open = es[last] + p[last - 1] * cs[last];
                if m != 0.0 {
                    net0[k][s] = es[0] + p[0] * cs[0] + m * pr[0];
                    for (((o, pa), (sva, ca)), (ea, pra)) in older {
                        *o = pa * sva + (ea + pa * ca + m * pra);
                    }
                    out[last] = (p[last - 1] + p[last]) * sv[last] + (open + m * pr[last]);
                } else {
                    net0[k][s] = es[0] + p[0] * cs[0];
                    for (((o, pa), (sva, ca)), (ea, _)) in older {
                        *o = pa * sva + (ea + pa * ca);
                    }
                    out[last] = (p[last - 1] + p[last]) * sv[last] + open;
                }
            }
        }
        // Births from the women at the start and end of the year.
        let mut births = [0.0; K];
        for (i, f) in self.fertility.iter().enumerate() {
            let a = FERTILE_FROM + i;
            for k in 0..K {
                births[k] += f * (prev[k][1][a] + next[k][1][a]) / 2.0;
            }
        }
        let mut clamped = 0.0;
        for k in 0..K {
            let n = &mut next[k];
            for (s, share) in [(0, self.boys_share), (1, 1.0 - self.boys_share)] {
                n[s][0] = births[k] * share * self.survival[s][0] + net0[k][s];
            }
            let mut c = 0.0;
            if n.iter().flatten().fold(false, |any, v| any | (*v < 0.0)) {
                for v in n.iter_mut().flatten() {
                    if *v < 0.0 {
                        c -= *v;
                        *v = 0.0;
                    }
                }
            }
            clamped += c;
        }
        // Totals, as [`total`] sums them: each sex from the youngest age up.
        let mut sums = [[-0.0; 2]; K];
        for a in 0..AGES {
            for k in 0..K {
                sums[k][0] += next[k][0][a];
                sums[k][1] += next[k][1][a];
            }
        }
        for k in 0..K {
            totals[k] = sums[k][0] + sums[k][1];
        }
        // The output bands, each summed from its youngest age up.
        if let Some(plane) = plane {
            let nb = self.bands.len();
            for s in 0..2 {
                for (b, &(lo, hi)) in self.bands.iter().enumerate() {
                    let mut acc = [-0.0; K];
                    for a in lo..hi + 1 {
                        for k in 0..K {
                            acc[k] += next[k][s][a];
                        }
                    }
                    for k in 0..K {
                        plane[k * 2 * nb + s * nb + b] = acc[k];
                    }
                }
            }
        }
        clamped
    }
}

/// Holds every district at or below `capacity[d]` persons: a district above it is scaled down
/// to it and its surplus (cell by cell) goes to the districts below their capacity in
/// proportion to their population in the cell. Returns the persons moved.
fn hold_to_capacity(
    pop: &mut [Pyramid],
    totals: &[f64],
    capacity: &[f64],
    constrained: &mut Vec<usize>,
) -> f64 {
    let mut surplus = EMPTY;
    let mut moved = 0.0;
    for (d, p) in pop.iter_mut().enumerate() {
        let cap = capacity.get(d).copied().unwrap_or(f64::INFINITY);
        let t = totals[d];
        if cap.is_finite() && t > cap && t > 0.0 {
            let keep = cap / t;
            for (s, v) in surplus.iter_mut().flatten().zip(p.iter_mut().flatten()) {
                *s += *v * (1.0 - keep);
                *v *= keep;
            }
            moved += t - cap;
            constrained.push(d);
        }
    }
    if moved <= 0.0 {
        return 0.0;
    }
    let mut open_total = EMPTY;
    for (d, p) in pop.iter().enumerate() {
        if !constrained.contains(&d) {
            for (o, v) in open_total.iter_mut().flatten().zip(p.iter().flatten()) {
                *o += v;
            }
        }
    }
    let open = pop.len() - constrained.len();
    for (d, p) in pop.iter_mut().enumerate() {
        if constrained.contains(&d) {
            continue;
        }
        for ((v, s), o) in p
            .iter_mut()
            .flatten()
            .zip(surplus.iter().flatten())
            .zip(open_total.iter().flatten())
        {
            *v += if *o > 0.0 {
                s * *v / o
            } else {
                s / open.max(1) as f64
            };
        }
    }
    moved
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::national::national;

    fn rates(n: &National) -> Rates<'_> {
        Rates {
            national: n,
            base_year: 2017,
            improvement_factor: 1.0,
            fertility: n.fertility(2017),
            boys_share: 0.513,
        }
    }

    /// A toy population of three ages through survival, ageing, births and migration, by hand.
    #[test]
    fn one_step_by_hand() {
        let mut prev = EMPTY;
        prev[0][0] = 100.0; // boys 0
        prev[0][1] = 50.0; // men 1
        prev[1][30] = 1000.0; // women 30
        let mut survival = [[1.0; AGES]; 2];
        survival[0][1] = 0.9; // boys 0 → 1 survive 0.9
        survival[0][2] = 0.8;
        survival[1][31] = 0.5;
        survival[0][0] = 1.0;
        survival[1][0] = 1.0;
        let mut fertility = [0.0; FERTILE_AGES];
        fertility[30 - FERTILE_FROM] = 0.1; // only women aged 30 give birth
        let mut net = EMPTY;
        net[0][2] = 5.0;
        let mut next = EMPTY;
        let r = step(&prev, &survival, &fertility, 0.5, &net, &mut next);
        assert_eq!(next[0][1], 90.0); // 100 × 0.9
        assert_eq!(next[0][2], 45.0); // 50 × 0.8 + 5
        assert_eq!(next[1][31], 500.0); // 1000 × 0.5
                                        // Women aged 30 at the start 1000, at the end 0: mean 500; births 50, half boys.
        assert_eq!(r.births, 50.0);
        assert_eq!(next[0][0], 25.0);
        assert_eq!(next[1][0], 25.0);
        assert_eq!(r.deaths, 10.0 + 10.0 + 500.0);
        assert_eq!(r.net_migration, 5.0);
    }

    #[test]
    fn the_open_age_keeps_its_survivors() {
        let mut prev = EMPTY;
        prev[1][99] = 10.0;
        prev[1][100] = 20.0;
        let survival = [[0.5; AGES]; 2];
        let mut next = EMPTY;
        step(
            &prev,
            &survival,
            &[0.0; FERTILE_AGES],
            0.5,
            &EMPTY,
            &mut next,
        );
        assert_eq!(next[1][100], 15.0);
        assert_eq!(next[1][99], 0.0);
    }

    #[test]
    fn negative_cells_are_clamped_and_counted() {
        let mut prev = EMPTY;
        prev[0][40] = 3.0;
        let mut net = EMPTY;
        net[0][41] = -10.0;
        let mut next = EMPTY;
        let r = step(
            &prev,
            &[[1.0; AGES]; 2],
            &[0.0; FERTILE_AGES],
            0.5,
            &net,
            &mut next,
        );
        assert_eq!(next[0][41], 0.0);
        assert_eq!(r.clamped, 7.0);
    }

    /// A synthetic municipality with known migration: the residual estimate recovers it.
    #[test]
    fn residual_recovers_known_migration() {
        let n = national();
        let r = rates(n);
        let mut p = EMPTY;
        for s in 0..2 {
            for a in 0..AGES {
                p[s][a] = 400.0 * (-(a as f64) / 60.0).exp();
            }
        }
        let mut known = EMPTY;
        for s in 0..2 {
            // The newborn migrate at about half the rate of the one-year-olds (as assumed).
            known[s][0] = 2.0;
            for a in 1..AGES {
                // In-migration of young adults and children, out-migration of the 19–22s.
                known[s][a] = match a {
                    1..=9 => 4.0,
                    19..=22 => -12.0,
                    25..=39 => 6.0,
                    _ => 0.0,
                };
            }
        }
        let mut series = vec![(2007, p)];
        for t in 2008..=2017 {
            let r = Rates {
                base_year: 2017,
                ..r.clone()
            };
            let mut next = EMPTY;
            step(
                &p,
                &r.survival(t),
                &n.fertility(t),
                0.513,
                &known,
                &mut next,
            );
            series.push((t, next));
            p = next;
        }
        let est = residual(&series, n, 2017, 10).expect("a window");
        assert_eq!(est.years, 10);
        let known_total: f64 = known.iter().flatten().sum();
        let est_total: f64 = est.net.iter().flatten().sum();
        assert!(
            ((est_total - known_total) / known_total).abs() < 0.02,
            "{est_total} vs {known_total}"
        );
        // Age by age for the broad groups.
        let group = |p: &Pyramid, lo: usize, hi: usize| -> f64 {
            (lo..=hi).map(|a| p[0][a] + p[1][a]).sum()
        };
        for (lo, hi) in [(1, 9), (17, 24), (25, 39)] {
            let (k, e) = (group(&known, lo, hi), group(&est.net, lo, hi));
            assert!(((e - k) / k).abs() < 0.05, "{lo}-{hi}: {e} vs {k}");
        }
        // The level of fertility: the series was made with the national schedule (k = 1).
        assert!(
            (est.fertility_level - 1.0).abs() < 0.02,
            "{}",
            est.fertility_level
        );
    }

    #[test]
    fn districts_add_up_to_the_control_and_new_dwellings_bring_movers() {
        let n = national();
        let r = rates(n);
        let mut a = EMPTY;
        let mut b = EMPTY;
        for s in 0..2 {
            for age in 0..AGES {
                a[s][age] = 10.0;
                b[s][age] = 30.0;
            }
        }
        let survival = r.survival(2018);
        let mut net = EMPTY;
        net[0][30] = 40.0;
        let mut control = EMPTY;
        let mut sum = EMPTY;
        for (i, p) in [a, b].iter().enumerate() {
            let _ = i;
            for (s, v) in sum.iter_mut().flatten().zip(p.iter().flatten()) {
                *s += v;
            }
        }
        step(&sum, &survival, &r.fertility, 0.513, &net, &mut control);
        let profile = {
            let mut p = EMPTY;
            p[0][30] = 1.0;
            p
        };
        let mut next = [a, b];
        let movers = [20.0, 0.0];
        let out = project_districts(
            &mut next,
            &sum,
            &r,
            &DistrictYear {
                survival: &survival,
                net: &net,
                movers: &movers,
                mover_profile: &profile,
                capacity: None,
                control: &control,
            },
            None,
        );
        assert!(out.constrained.is_empty());
        for s in 0..2 {
            for age in 0..AGES {
                let t = next[0][s][age] + next[1][s][age];
                assert!((t - control[s][age]).abs() < 1e-9);
            }
        }
        // District a: 20 movers + a quarter of the other 20 (its share of men aged 29).
        let expected_a = 10.0 * survival[0][30] + 20.0 + 20.0 * 0.25;
        assert!((next[0][0][30] - expected_a).abs() < 1e-9);
    }

    #[test]
    fn capacity_holds_a_district_and_moves_its_surplus() {
        let mut pop = [EMPTY; 2];
        pop[0][0][40] = 120.0;
        pop[1][0][40] = 50.0;
        let mut constrained = Vec::new();
        let moved = hold_to_capacity(&mut pop, &[120.0, 50.0], &[100.0, 1000.0], &mut constrained);
        assert_eq!(constrained, vec![0]);
        assert!((moved - 20.0).abs() < 1e-9);
        assert!((pop[0][0][40] - 100.0).abs() < 1e-9);
        assert!((pop[1][0][40] - 70.0).abs() < 1e-9);
    }
}
