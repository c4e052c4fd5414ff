//! Sweden's national mortality and fertility by single year of age, shipped with the project
//! (`geodata/national/`, SCB open data, compiled in), and what the forecast derives from them:
//! death rates anchored to a base year with an improvement trend, and the age schedule of
//! fertility of a year.
//!
//! Ages run 0…99 and 100+ ([`AGES`] = 101 values, index 100 = 100+); sex 0 = men, 1 = women.
//!
//! **Death rates** are SCB's rates by *age attained during the year* (deaths of a birth cohort
//! in a calendar year ÷ its mean population), 2010–2018. They pair exactly with the
//! cohort-component step from 31 December to 31 December: the persons aged `a − 1` at the end
//! of year `t − 1` attain age `a` during `t`, and survive it with `exp(−m(a, t))`.
//!
//! **Mortality improvement** is the log-linear trend of 2010–2018 (least squares on
//! `ln m`, rates pooled over ±5 ages to steady the single-year noise), per sex and age, bounded
//! to 0–3 % a year: `m(a, t) = m(a, anchor) × (1 − i(a))^(t − anchor)`.
//!
//! **Fertility** is births by mother's age (BE0101E2) ÷ the mean number of women of that age,
//! 2010–2018; SCB's projection rates for 2024 (ages 16–48, TFR 1.42); years between are
//! interpolated linearly, years before 2010 take 2010's schedule and years after 2024 take 2024's.

use std::sync::OnceLock;

/// Single years of age in the model: 0…99 and the open 100+.
pub const AGES: usize = 101;
/// First mother's age with a fertility rate.
pub const FERTILE_FROM: usize = 15;
/// Number of mother's ages with a rate (15…49).
pub const FERTILE_AGES: usize = 35;

/// The national tables, read once.
#[derive(Debug, Clone)]
pub struct National {
    /// First year of the death-rate table.
    pub first_year: i32,
    /// Death rates by age attained, `[year − first_year][sex][age]`.
    pub death_rates: Vec<[[f64; AGES]; 2]>,
    /// Yearly relative decline of each death rate, `[sex][age]`.
    pub improvement: [[f64; AGES]; 2],
    /// Women by completed age (mean of two year-ends), `[year − first_year][age]`: the national
    /// age structure used to split bands where a dataset has no single years of its own.
    pub women: Vec<[f64; AGES]>,
    /// Men by completed age, as `women`.
    pub men: Vec<[f64; AGES]>,
    /// Fertility schedules (births per woman-year, ages 15…49) of the years that have one.
    pub fertility: Vec<(i32, [f64; FERTILE_AGES])>,
}

const MORTALITY: &str = include_str!("../../geodata/national/sweden_mortality_2010_2018_scb.csv");
const BIRTHS: &str =
    include_str!("../../geodata/national/sweden_births_by_mother_age_2006_2024_scb.csv");
const FERTILITY_PROJECTION: &str =
    include_str!("../../geodata/national/scb_proj2024_fertility_rates_2024_2025.csv");

/// The shipped national tables (parsed on first use).
pub fn national() -> &'static National {
    static TABLES: OnceLock<National> = OnceLock::new();
    TABLES.get_or_init(|| parse().unwrap_or_else(|e| panic!("built-in national tables: {e}")))
}

fn age_index(s: &str) -> Option<usize> {
    if s.trim() == "100+" {
        return Some(100);
    }
    s.trim().parse::<usize>().ok().filter(|a| *a < 100)
}

fn sex_index(s: &str) -> Option<usize> {
    match s.trim() {
        "men" => Some(0),
        "women" => Some(1),
        _ => None,
    }
}

fn parse() -> Result<National, String> {
    // Mortality: year,sex,age,deaths_age_attained,mean_pop_by_birth_year,m_age_attained,
    // deaths_age_completed,exposure_age_completed,m_age_completed
    let mut rows = Vec::new();
    for (i, line) in MORTALITY.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let bad = || format!("mortality line {}: {line}", i + 1);
        if f.len() < 9 {
            return Err(bad());
        }
        let year: i32 = f[0].parse().map_err(|_| bad())?;
        let sex = sex_index(f[1]).ok_or_else(bad)?;
        let age = age_index(f[2]).ok_or_else(bad)?;
        let m: f64 = f[5].parse().map_err(|_| bad())?;
        let exposure: f64 = f[7].parse().map_err(|_| bad())?;
        rows.push((year, sex, age, m, exposure));
    }
    let first_year = rows.iter().map(|r| r.0).min().ok_or("no mortality rows")?;
    let last_year = rows.iter().map(|r| r.0).max().ok_or("no mortality rows")?;
    let n = (last_year - first_year + 1) as usize;
    let mut death_rates = vec![[[0.0; AGES]; 2]; n];
    let mut pop = vec![[[0.0; AGES]; 2]; n];
    for (year, sex, age, m, exposure) in rows {
        let y = (year - first_year) as usize;
        death_rates[y][sex][age] = m;
        pop[y][sex][age] = exposure;
    }
    let improvement = improvement(&death_rates, first_year);

    // Births by mother's age: mother_age,child_sex,2006,…,2024
    let mut lines = BIRTHS.lines();
    let header: Vec<&str> = lines.next().ok_or("no births header")?.split(',').collect();
    let years: Vec<i32> = header[2..]
        .iter()
        .map(|y| {
            y.trim()
                .parse::<i32>()
                .map_err(|_| format!("births year {y}"))
        })
        .collect::<Result<_, _>>()?;
    let mut births = vec![[0.0; FERTILE_AGES]; years.len()];
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let age: usize = f[0]
            .trim_end_matches('+')
            .parse()
            .map_err(|_| format!("births line {line}"))?;
        let Some(i) = age.checked_sub(FERTILE_FROM).filter(|i| *i < FERTILE_AGES) else {
            continue;
        };
        for (y, v) in f[2..].iter().enumerate() {
            births[y][i] += v
                .trim()
                .parse::<f64>()
                .map_err(|_| format!("births {line}"))?;
        }
    }
    let mut fertility = Vec::new();
    for (yi, &year) in years.iter().enumerate() {
        if year < first_year || year > last_year {
            continue;
        }
        let women = &pop[(year - first_year) as usize][1];
        let mut f = [0.0; FERTILE_AGES];
        for (i, v) in f.iter_mut().enumerate() {
            let w = women[FERTILE_FROM + i];
            *v = if w > 0.0 { births[yi][i] / w } else { 0.0 };
        }
        fertility.push((year, f));
    }
    let mut projected = [0.0; FERTILE_AGES];
    for line in FERTILITY_PROJECTION.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let age: usize = f[0]
            .trim()
            .parse()
            .map_err(|_| format!("fertility {line}"))?;
        if let Some(i) = age.checked_sub(FERTILE_FROM).filter(|i| *i < FERTILE_AGES) {
            projected[i] = f[1]
                .trim()
                .parse()
                .map_err(|_| format!("fertility {line}"))?;
        }
    }
    fertility.push((2024, projected));
    Ok(National {
        first_year,
        death_rates,
        improvement,
        men: pop.iter().map(|p| p[0]).collect(),
        women: pop.iter().map(|p| p[1]).collect(),
        fertility,
    })
}

/// The improvement `i(sex, age)`: minus the least-squares slope of `ln Σ m` over the years,
/// the sum taken over ages `age ± 5`, bounded to 0–0.03.
fn improvement(rates: &[[[f64; AGES]; 2]], first_year: i32) -> [[f64; AGES]; 2] {
    let n = rates.len() as f64;
    let xs: Vec<f64> = (0..rates.len())
        .map(|y| f64::from(first_year) + y as f64)
        .collect();
    let mean_x = xs.iter().sum::<f64>() / n;
    let sxx: f64 = xs.iter().map(|x| (x - mean_x).powi(2)).sum();
    let mut out = [[0.0; AGES]; 2];
    for (sex, row) in out.iter_mut().enumerate() {
        for (age, v) in row.iter_mut().enumerate() {
            let (lo, hi) = (age.saturating_sub(5), (age + 5).min(AGES - 1));
            let ys: Vec<f64> = rates
                .iter()
                .map(|r| r[sex][lo..=hi].iter().sum::<f64>().max(1e-12).ln())
                .collect();
            let mean_y = ys.iter().sum::<f64>() / n;
            let sxy: f64 = xs
                .iter()
                .zip(&ys)
                .map(|(x, y)| (x - mean_x) * (y - mean_y))
                .sum();
            *v = if sxx > 0.0 {
                (-sxy / sxx).clamp(0.0, 0.03)
            } else {
                0.0
            };
        }
    }
    out
}

impl National {
    /// Last year of the death-rate table.
    pub fn last_year(&self) -> i32 {
        self.first_year + self.death_rates.len() as i32 - 1
    }

    /// The death rate of `sex` at age attained `age` in `year`, for a forecast anchored at
    /// `anchor` (the base year): the table's own rate for years in it up to the anchor, else
    /// the rate of the nearest such year moved by the improvement trend,
    /// `m(a, t) = m(a, y₀) × (1 − i(a))^(t − y₀)`, with `y₀` = `t` clamped to the table and to
    /// the anchor. `improvement_factor` scales the trend (1: as estimated; a mortality variant).
    pub fn death_rate(
        &self,
        sex: usize,
        age: usize,
        year: i32,
        anchor: i32,
        improvement_factor: f64,
    ) -> f64 {
        let y0 = year.min(anchor).clamp(self.first_year, self.last_year());
        let m = self.death_rates[(y0 - self.first_year) as usize][sex][age];
        let i = (self.improvement[sex][age] * improvement_factor).clamp(0.0, 0.5);
        m * (1.0 - i).powi(year - y0)
    }

    /// The national fertility schedule of `year` (births per woman-year, mother's age 15…49).
    pub fn fertility(&self, year: i32) -> [f64; FERTILE_AGES] {
        let f = &self.fertility;
        let (first, last) = (&f[0], &f[f.len() - 1]);
        if year <= first.0 {
            return first.1;
        }
        if year >= last.0 {
            return last.1;
        }
        let after = f
            .iter()
            .position(|(y, _)| *y >= year)
            .unwrap_or(f.len() - 1);
        let (y1, a) = &f[after];
        if *y1 == year || after == 0 {
            return *a;
        }
        let (y0, b) = &f[after - 1];
        let w = f64::from(year - y0) / f64::from(y1 - y0);
        let mut out = [0.0; FERTILE_AGES];
        for (i, o) in out.iter_mut().enumerate() {
            *o = b[i] * (1.0 - w) + a[i] * w;
        }
        out
    }

    /// The national population of `sex` by single age in the table year nearest `year`: the
    /// shape used to split a band into single years where a dataset has none of its own.
    pub fn structure(&self, sex: usize, year: i32) -> &[f64; AGES] {
        let y = (year.clamp(self.first_year, self.last_year()) - self.first_year) as usize;
        if sex == 0 {
            &self.men[y]
        } else {
            &self.women[y]
        }
    }
}

/// Total fertility rate of a schedule: `Σ f(a)`.
pub fn tfr(schedule: &[f64]) -> f64 {
    schedule.iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Period life expectancy at birth from rates by age attained (a simple check that the
    /// table is read right: SCB's e0 for 2018 is 80.8 for men and 84.3 for women).
    fn e0(n: &National, sex: usize, year: i32) -> f64 {
        let mut alive = 1.0;
        let mut years = 0.0;
        for a in 0..AGES {
            let m = n.death_rate(sex, a, year, year, 1.0);
            if a == AGES - 1 {
                years += alive / m;
                break;
            }
            let s = (-m).exp();
            years += alive * (1.0 + s) / 2.0;
            alive *= s;
        }
        years
    }

    #[test]
    fn tables_read_with_plausible_values() {
        let n = national();
        assert_eq!(n.first_year, 2010);
        assert_eq!(n.last_year(), 2018);
        let (men, women) = (e0(n, 0, 2018), e0(n, 1, 2018));
        assert!((80.3..81.3).contains(&men), "e0 men {men}");
        assert!((83.8..84.8).contains(&women), "e0 women {women}");
        // TFR: 1.98 in 2010, 1.76 in 2018, 1.42 in SCB's 2024 projection.
        assert!((tfr(&n.fertility(2010)) - 1.98).abs() < 0.03);
        assert!((tfr(&n.fertility(2018)) - 1.76).abs() < 0.03);
        assert!((tfr(&n.fertility(2024)) - 1.42).abs() < 0.01);
        let mid = tfr(&n.fertility(2021));
        assert!(mid < 1.76 && mid > 1.42, "{mid}");
        // Improvement at 70 a year: between 1 and 3 %.
        assert!((0.01..=0.03).contains(&n.improvement[0][70]));
    }

    #[test]
    fn death_rates_anchor_to_the_base_year() {
        let n = national();
        // A base year inside the table uses that year's rate, not a later one.
        let r2017 = n.death_rates[7][1][85];
        assert_eq!(n.death_rate(1, 85, 2017, 2017, 1.0), r2017);
        assert_eq!(
            n.death_rate(1, 85, 2014, 2017, 1.0),
            n.death_rates[4][1][85]
        );
        // Two years on: improved twice.
        let i = n.improvement[1][85];
        let expected = r2017 * (1.0 - i) * (1.0 - i);
        assert!((n.death_rate(1, 85, 2019, 2017, 1.0) - expected).abs() < 1e-15);
        // After the table: 2018's rate improved.
        let r2018 = n.death_rates[8][1][85];
        assert!((n.death_rate(1, 85, 2020, 2024, 1.0) - r2018 * (1.0 - i).powi(2)).abs() < 1e-15);
        // No improvement variant.
        assert_eq!(n.death_rate(1, 85, 2030, 2017, 0.0), r2017);
    }
}
