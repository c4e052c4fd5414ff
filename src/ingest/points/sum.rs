//! Adding up address points as they are read: each reader thread locates its valid rows in the
//! district index and adds their persons straight into dense per-district arrays (a
//! [`Tally`]); the tallies are merged into one [`Summed`] at the end.
//!
//! Shared by the readers that do not go feature by feature through GDAL: the direct CSV reader
//! ([`super::direct_csv`], one tally per byte range of the file) and the columnar reader
//! ([`super::arrow`], one tally per thread over GDAL's Arrow batches). No row is kept and
//! no `String` is made per row; problems and the first few points outside every district come
//! out in file order whatever thread found them.

use std::collections::HashMap;
use std::path::Path;

use gdal::spatial_ref::{AxisMappingStrategy, SpatialRef};
use geo::Point;

use super::EXAMPLES;
use crate::domain::{DistrictIndex, Sex};
use crate::ingest::finding::{Finding, Findings, OutsidePoint};
use crate::ingest::gdal_source::{transform_in_place, Reprojector};

/// Persons per district, year, sex and band, and the addresses of the latest year, summed from
/// address points; what [`super::address::address_points`] makes into domain values.
pub(super) struct Summed {
    /// `(district, year, sex, band) → persons`, only for combinations some row had.
    pub sums: Vec<((usize, i32, Sex, usize), f64)>,
    /// Latest year's addresses: exact coordinates → (district, persons).
    pub homes: HashMap<(u64, u64), (usize, f64)>,
    /// Rows read with every value valid.
    pub points: u64,
    /// Rows read at all.
    pub read: u64,
    /// Rows in no district, the persons they carry and the first few of them.
    pub outside: u64,
    pub amount_outside: f64,
    pub examples: Vec<OutsidePoint>,
}

/// What one thread added up. Rows and order keys are either global (columnar batches) or
/// counted from 1 within the thread's byte range and shifted when merged (CSV ranges).
pub(super) struct Tally {
    /// Non-blank rows read.
    pub rows: u64,
    /// Rows with every value valid.
    pub points: u64,
    /// Years seen, and per year dense `[district][sex][band]` persons and whether any row had it.
    years: Vec<i32>,
    persons: Vec<Vec<f64>>,
    seen: Vec<Vec<bool>>,
    /// Latest year of this tally and its addresses.
    latest: Option<i32>,
    homes: HashMap<(u64, u64), (usize, f64)>,
    outside: u64,
    amount_outside: f64,
    /// First few points outside, with their order key.
    examples: Vec<(u64, OutsidePoint)>,
    /// The last point located and its district: the rows of one address follow each other,
    /// so most rows reuse it.
    last_located: Option<(f64, f64, Option<usize>)>,
    /// Persons of the latest year at the last address, not yet added to `homes`.
    pending_home: Option<((u64, u64), usize, f64)>,
    /// Problems in chunks, each with the order key of its first row.
    problems: Vec<(u64, Vec<Finding>)>,
    /// A failure that stops the whole read (I/O).
    pub failure: Option<String>,
    /// The direct CSV reader met a quoted field: the file is for GDAL's reader.
    pub quoted: bool,
}

impl Tally {
    /// A tally that stopped on `message`.
    pub fn failed(message: &str) -> Self {
        let mut t = Self::empty();
        t.failure = Some(message.to_string());
        t
    }

    /// Nothing read yet.
    pub fn empty() -> Self {
        Self {
            rows: 0,
            points: 0,
            years: Vec::new(),
            persons: Vec::new(),
            seen: Vec::new(),
            latest: None,
            homes: HashMap::new(),
            outside: 0,
            amount_outside: 0.0,
            examples: Vec::new(),
            last_located: None,
            pending_home: None,
            problems: Vec::new(),
            failure: None,
            quoted: false,
        }
    }

    /// Keeps the problems of the rows from order key `first` on (none: nothing kept).
    pub fn add_problems(&mut self, first: u64, problems: Vec<Finding>) {
        if !problems.is_empty() {
            self.problems.push((first, problems));
        }
    }

    /// Adds the pending persons of the last address to `homes`; call when done.
    pub fn finish(&mut self) {
        if let Some((key, d, n)) = self.pending_home.take() {
            self.homes.entry(key).or_insert((d, 0.0)).1 += n;
        }
    }
}

/// Reader threads for a read: one per core, at most 16.
pub(super) fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 16)
}

/// The tallies of reader threads, in order; a thread that panicked is a failed read.
pub(super) fn joined(handles: Vec<std::thread::ScopedJoinHandle<'_, Tally>>) -> Vec<Tally> {
    handles
        .into_iter()
        .map(|h| {
            h.join()
                .unwrap_or_else(|_| Tally::failed("a reader thread failed"))
        })
        .collect()
}

/// The next item for one of the workers sharing `rx`; `None` once the sender is done (or a
/// worker panicked while waiting).
pub(super) fn next<T>(rx: &std::sync::Mutex<std::sync::mpsc::Receiver<T>>) -> Option<T> {
    rx.lock().ok()?.recv().ok()
}

/// Index of a sex in the dense arrays.
fn sex_slot(sex: Sex) -> usize {
    match sex {
        Sex::Male => 0,
        Sex::Female => 1,
        Sex::Total => 2,
    }
}

const SEXES: [Sex; 3] = [Sex::Male, Sex::Female, Sex::Total];

/// One valid row waiting for its district.
pub(super) struct Pending {
    /// The row (FID) named in messages.
    pub row: u64,
    /// Where the row comes in the file, for putting messages and examples in file order.
    pub key: u64,
    pub x: f64,
    pub y: f64,
    pub year: i32,
    pub sex: Sex,
    pub band: usize,
    pub persons: f64,
}

/// Where the tallies add up: the district index (`None`: validate only, locate nothing), the
/// number of districts and bands, and the file for messages.
#[derive(Clone, Copy)]
pub(super) struct Target<'a> {
    pub file: &'a Path,
    pub index: Option<&'a DistrictIndex<'a>>,
    pub districts: usize,
    pub bands: usize,
}

/// Reprojects (when `reproject` is given), locates and adds up the pending rows.
pub(super) fn settle(
    tally: &mut Tally,
    pending: &mut Vec<Pending>,
    reproject: Option<&Reprojector>,
    target: Target<'_>,
    found: &mut Findings,
) {
    if pending.is_empty() {
        return;
    }
    let ok = match reproject {
        None => vec![true; pending.len()],
        Some(rp) => {
            let mut xs: Vec<f64> = pending.iter().map(|p| p.x).collect();
            let mut ys: Vec<f64> = pending.iter().map(|p| p.y).collect();
            let ok = transform_in_place(&rp.to_sweref, &mut xs, &mut ys);
            for (i, p) in pending.iter_mut().enumerate() {
                if !ok[i] {
                    found.problem(
                        Finding::new(
                            target.file,
                            "coordinates cannot be transformed to EPSG:3006",
                        )
                        .at_row(Some(p.row))
                        .in_field("geometry")
                        .with_value(&format!("{} {}", p.x, p.y)),
                    );
                }
                p.x = xs[i];
                p.y = ys[i];
            }
            ok
        }
    };
    let Some(index) = target.index else {
        pending.clear();
        return;
    };
    let (districts, bands) = (target.districts, target.bands);
    for (p, ok) in pending.drain(..).zip(ok) {
        if !ok {
            continue;
        }
        let located = match tally.last_located {
            Some((x, y, d)) if x == p.x && y == p.y => d,
            _ => {
                let d = index.locate(Point::new(p.x, p.y));
                tally.last_located = Some((p.x, p.y, d));
                d
            }
        };
        match located {
            Some(d) => {
                let slot = match tally.years.iter().position(|&y| y == p.year) {
                    Some(s) => s,
                    None => {
                        tally.years.push(p.year);
                        tally.persons.push(vec![0.0; districts * 3 * bands]);
                        tally.seen.push(vec![false; districts * 3 * bands]);
                        tally.years.len() - 1
                    }
                };
                let cell = (d * 3 + sex_slot(p.sex)) * bands + p.band;
                tally.persons[slot][cell] += p.persons;
                tally.seen[slot][cell] = true;
                if tally.latest.is_none_or(|l| p.year > l) {
                    tally.latest = Some(p.year);
                    tally.homes.clear();
                    tally.pending_home = None;
                }
                if Some(p.year) == tally.latest {
                    let key = (p.x.to_bits(), p.y.to_bits());
                    match &mut tally.pending_home {
                        Some((k, _, n)) if *k == key => *n += p.persons,
                        _ => {
                            tally.finish();
                            tally.pending_home = Some((key, d, p.persons));
                        }
                    }
                }
            }
            None => {
                tally.outside += 1;
                tally.amount_outside += p.persons;
                if tally.examples.len() < EXAMPLES {
                    tally.examples.push((
                        p.key,
                        OutsidePoint {
                            fid: Some(p.row),
                            e: p.x,
                            n: p.y,
                        },
                    ));
                }
            }
        }
    }
}

/// How rows are numbered in the tallies given to [`merge`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Rows {
    /// From 1 within each tally, tallies in file order: shifted by the rows before.
    PerTally,
    /// Already the file's (FIDs), order keys global.
    Global,
}

/// Puts the tallies together: sums, homes and counts added up; problems and examples in file
/// order; a tally's failure is a problem on `file`.
pub(super) fn merge(
    file: &Path,
    tallies: Vec<Tally>,
    rows: Rows,
    bands: usize,
    found: &mut Findings,
) -> Summed {
    let mut summed = Summed {
        sums: Vec::new(),
        homes: HashMap::new(),
        points: 0,
        read: 0,
        outside: 0,
        amount_outside: 0.0,
        examples: Vec::new(),
    };
    let latest = tallies.iter().filter_map(|t| t.latest).max();
    let mut totals: Vec<(i32, Vec<f64>, Vec<bool>)> = Vec::new();
    let mut problems: Vec<(u64, Vec<Finding>)> = Vec::new();
    let mut examples: Vec<(u64, OutsidePoint)> = Vec::new();
    let mut offset = 0u64;
    for mut tally in tallies {
        if let Some(failure) = tally.failure.take() {
            found.problem(Finding::new(file, failure));
            continue;
        }
        let shift = if rows == Rows::PerTally { offset } else { 0 };
        for (key, mut chunk) in tally.problems {
            for p in &mut chunk {
                p.row = p.row.map(|r| r + shift);
            }
            problems.push((key + shift, chunk));
        }
        for (key, mut e) in tally.examples {
            e.fid = e.fid.map(|r| r + shift);
            examples.push((key + shift, e));
        }
        summed.points += tally.points;
        summed.read += tally.rows;
        summed.outside += tally.outside;
        summed.amount_outside += tally.amount_outside;
        offset += tally.rows;
        for ((year, persons), seen) in tally.years.into_iter().zip(tally.persons).zip(tally.seen) {
            match totals.iter_mut().find(|t| t.0 == year) {
                Some(t) => {
                    for (a, b) in t.1.iter_mut().zip(persons) {
                        *a += b;
                    }
                    for (a, b) in t.2.iter_mut().zip(seen) {
                        *a |= b;
                    }
                }
                None => totals.push((year, persons, seen)),
            }
        }
        if tally.latest.is_some() && tally.latest == latest {
            if summed.homes.is_empty() {
                summed.homes = tally.homes;
            } else {
                for (k, (d, n)) in tally.homes {
                    summed.homes.entry(k).or_insert((d, 0.0)).1 += n;
                }
            }
        }
    }
    problems.sort_by_key(|(key, _)| *key);
    for (_, chunk) in problems {
        for p in chunk {
            found.problem(p);
        }
    }
    examples.sort_by_key(|(key, _)| *key);
    summed.examples = examples
        .into_iter()
        .take(EXAMPLES)
        .map(|(_, e)| e)
        .collect();
    totals.sort_by_key(|t| t.0);
    for (year, persons, seen) in totals {
        for (cell, (&n, &s)) in persons.iter().zip(&seen).enumerate() {
            if s {
                let key = (
                    cell / (3 * bands),
                    year,
                    SEXES[(cell / bands) % 3],
                    cell % bands,
                );
                summed.sums.push((key, n));
            }
        }
    }
    summed
}

/// Parsed values of a column with few distinct values (sex, age band), by their bytes: each
/// distinct value is parsed once per thread.
pub(super) struct Lookup<T>(Vec<(Vec<u8>, T)>);

impl<T> Default for Lookup<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T: Copy> Lookup<T> {
    /// The value for `raw`, parsed by `parse` (which records any problem) the first time.
    pub fn get_or(&mut self, raw: &[u8], parse: impl FnOnce() -> Option<T>) -> Option<T> {
        if let Some((_, v)) = self.0.iter().find(|(k, _)| k == raw) {
            return Some(*v);
        }
        let v = parse();
        if let Some(v) = v {
            self.0.push((raw.to_vec(), v));
        }
        v
    }
}

/// A reader thread's own transforms from the CRS `definition` (checked once by the caller) to
/// EPSG:3006; why not if PROJ cannot make them.
pub(super) fn reprojector(definition: &str) -> Result<Reprojector, String> {
    let mut ignored = Findings::default();
    SpatialRef::from_definition(definition)
        .ok()
        .and_then(|mut s| {
            s.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
            Reprojector::new(&s, Path::new(""), &mut ignored)
        })
        .ok_or_else(|| "cannot reproject from its CRS to EPSG:3006".to_string())
}
