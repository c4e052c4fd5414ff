//! Address points from a plain CSV file with coordinate columns, read directly and in parallel
//! instead of through GDAL's CSV driver.
//!
//! Why: at national scale (30 million rows) GDAL's driver builds one feature per row and is read
//! twice (once only to count); here every thread reads its own byte range of the file, parses
//! the cells it needs, locates each point in the district index and adds its persons straight
//! into dense per-district arrays, so no row is kept and no `String` is made per row.
//!
//! The rules are GDAL's, so a dataset reads the same either way: the separator is the one of
//! `,`, `;` or tab the header uses most, a byte-order mark is skipped, field names match
//! case-insensitively, blank lines are skipped, the row number (FID) counts data rows from 1,
//! a point needs both coordinates. Messages are the same as through GDAL (file, row, field,
//! value). Files this reader does not take (a quoted field, a wildcard in `X_POSSIBLE_NAMES`,
//! other open options, a source that is not a plain `.csv` path) go through GDAL as before.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use gdal::spatial_ref::{AxisMappingStrategy, SpatialRef};

use super::sum::{self, Lookup, Pending, Rows, Summed, Tally, Target};
use super::ADDRESS_POINTS;
use crate::config::TableSource;
use crate::domain::{DistrictIndex, Sex};
use crate::ingest::codes::{parse_band, parse_sex};
use crate::ingest::finding::Location;
use crate::ingest::gdal_source::{self, missing_field, Reprojector};
use crate::ingest::rows;
use crate::ingest::{values, Ctx, Finding, Findings};

/// Points transformed per PROJ call when the file is not in EPSG:3006.
const BATCH: usize = 8192;

/// A CSV of address points this reader takes, with what it needs to read it.
pub(super) struct DirectCsv {
    /// The file, as named in messages.
    pub file: PathBuf,
    /// Layer name GDAL would give it (the file stem), for messages.
    layer: String,
    /// Accepted names of the x and y columns (lower case).
    x_names: Vec<String>,
    y_names: Vec<String>,
    /// Whether the coordinate columns are also attribute fields (GDAL's `KEEP_GEOM_COLUMNS`).
    keep_geom_columns: bool,
    /// The CRS definition when it is not EPSG:3006 (then every thread reprojects).
    reproject_from: Option<String>,
}

impl DirectCsv {
    /// The reader for `source`, when it is a plain CSV file with coordinate columns whose CRS
    /// the manifest declares; `None` sends it through GDAL.
    pub fn new(ctx: &Ctx<'_>, source: &str, src: &TableSource) -> Option<Self> {
        if gdal_source::is_connection(source) || src.layer.is_some() {
            return None;
        }
        let file = gdal_source::display_path(ctx.manifest, source);
        let is_csv = file
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        if !is_csv || !file.is_file() {
            return None;
        }
        let (mut x_names, mut y_names, mut keep) = (None, None, true);
        for option in &src.open_options {
            let (key, value) = option.split_once('=')?;
            let names = || -> Option<Vec<String>> {
                let list: Vec<String> = value
                    .split(',')
                    .map(|n| n.trim().to_lowercase())
                    .filter(|n| !n.is_empty())
                    .collect();
                (!list.is_empty() && list.iter().all(|n| !n.contains('*'))).then_some(list)
            };
            match key.trim().to_ascii_uppercase().as_str() {
                "X_POSSIBLE_NAMES" => x_names = Some(names()?),
                "Y_POSSIBLE_NAMES" => y_names = Some(names()?),
                "KEEP_GEOM_COLUMNS" => keep = !value.trim().eq_ignore_ascii_case("no"),
                _ => return None,
            }
        }
        let definition = src.crs.as_deref()?;
        let mut srs = SpatialRef::from_definition(definition).ok()?;
        srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        let is_sweref = srs.auth_name().as_deref() == Some("EPSG")
            && srs.auth_code().ok() == Some(gdal_source::SWEREF99TM as i32);
        let reproject_from = if is_sweref {
            None
        } else {
            // Every thread builds its own transform; check once here that PROJ can.
            Reprojector::new(&srs, &file, &mut Findings::default())?;
            Some(definition.to_string())
        };
        Some(Self {
            layer: file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            file,
            x_names: x_names?,
            y_names: y_names?,
            keep_geom_columns: keep,
            reproject_from,
        })
    }
}

/// Column positions in the header.
#[derive(Clone)]
struct Layout {
    separator: u8,
    x: usize,
    y: usize,
    year: Option<usize>,
    sex: Option<usize>,
    band: usize,
    persons: usize,
    /// Field names for messages: year, sex, age_band, persons.
    names: [String; 4],
    columns: usize,
}

/// The separator GDAL would pick: the one of `,`, `;`, tab the header has most of.
fn separator_of(header: &str) -> u8 {
    let count = |c: char| header.matches(c).count();
    let (comma, semicolon, tab) = (count(','), count(';'), count('\t'));
    if semicolon > comma && semicolon >= tab {
        b';'
    } else if tab > comma && tab > semicolon {
        b'\t'
    } else {
        b','
    }
}

/// Reads the header and finds the columns; `Err(())` when the file should go through GDAL
/// (no coordinate columns, a quoted header) and `Ok(None)` when a problem was recorded.
fn layout(
    csv: &DirectCsv,
    header: &str,
    src: &TableSource,
    found: &mut Findings,
) -> Result<Option<Layout>, ()> {
    if header.contains('"') {
        return Err(());
    }
    let separator = separator_of(header);
    let fields: Vec<&str> = header.split(separator as char).map(str::trim).collect();
    let find = |names: &[String]| {
        names
            .iter()
            .find_map(|n| fields.iter().position(|f| f.eq_ignore_ascii_case(n)))
    };
    let (Some(x), Some(y)) = (find(&csv.x_names), find(&csv.y_names)) else {
        return Err(());
    };
    // The attribute fields GDAL would show.
    let attributes: Vec<(usize, &str)> = fields
        .iter()
        .enumerate()
        .filter(|(i, _)| csv.keep_geom_columns || (*i != x && *i != y))
        .map(|(i, f)| (i, *f))
        .collect();
    let names: Vec<String> = attributes.iter().map(|(_, f)| f.to_string()).collect();
    let Some(cols) = rows::resolve(
        &ADDRESS_POINTS,
        src,
        |theirs| {
            attributes
                .iter()
                .find(|(_, f)| f.eq_ignore_ascii_case(theirs))
                .map(|(i, _)| *i)
        },
        |theirs, _| missing_field(&csv.file, &csv.layer, &names, theirs),
        found,
    ) else {
        return Ok(None);
    };
    let (Some(band), Some(persons)) = (cols.get(2), cols.get(3)) else {
        return Ok(None);
    };
    Ok(Some(Layout {
        separator,
        x,
        y,
        year: cols.get(0),
        sex: cols.get(1),
        band,
        persons,
        names: [0, 1, 2, 3].map(|i| cols.name(i).to_string()),
        columns: fields.len(),
    }))
}

/// Reads and sums the address points of `csv`; `None` when the file should go through GDAL
/// after all (nothing has been recorded then).
pub(super) fn read(
    ctx: &Ctx<'_>,
    csv: &DirectCsv,
    src: &TableSource,
    index: Option<&DistrictIndex<'_>>,
    found: &mut Findings,
) -> Option<Option<Summed>> {
    let io_problem = |found: &mut Findings, e: std::io::Error| {
        found.problem(Finding::new(&csv.file, format!("cannot read file: {e}")));
    };
    let mut file = match File::open(&csv.file) {
        Ok(f) => f,
        Err(e) => {
            io_problem(found, e);
            return Some(None);
        }
    };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    // The header, and whether the first megabyte has quotes (then GDAL reads it).
    let mut head = vec![0u8; 1 << 20];
    let n = match read_up_to(&mut file, &mut head) {
        Ok(n) => n,
        Err(e) => {
            io_problem(found, e);
            return Some(None);
        }
    };
    head.truncate(n);
    if head.contains(&b'"') {
        return None;
    }
    let bom = if head.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let header_end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
    let header = String::from_utf8_lossy(&head[bom..header_end]);
    let layout = match layout(csv, header.trim_end_matches('\r'), src, found) {
        Err(()) => return None,
        Ok(None) => return Some(None),
        Ok(Some(l)) => l,
    };
    let data_start = (header_end + 1).min(n) as u64;
    let threads = sum::threads();
    let ranges = match split_ranges(&csv.file, data_start, size, threads) {
        Ok(r) => r,
        Err(e) => {
            io_problem(found, e);
            return Some(None);
        }
    };
    let count = crate::progress::Count::start(
        "address points",
        Some(size.saturating_sub(data_start)),
        crate::progress::Unit::Bytes,
    );
    let parts: Vec<Tally> = std::thread::scope(|scope| {
        let handles: Vec<_> = ranges
            .iter()
            .map(|&(start, end)| {
                let (layout, count) = (&layout, &count);
                let range = Range { start, end, count };
                scope.spawn(move || read_range(ctx, csv, src, layout, index, range))
            })
            .collect();
        sum::joined(handles)
    });
    if parts.iter().any(|p| p.quoted) {
        tracing::debug!(
            "{}: a quoted field past the first megabyte: read through GDAL",
            csv.file.display()
        );
        return None;
    }
    Some(Some(sum::merge(
        &csv.file,
        parts,
        Rows::PerTally,
        ctx.bands.len(),
        found,
    )))
}

/// Reads as much of `buf` as the file has.
fn read_up_to(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// `parts` byte ranges of `[start, size)`, each beginning at the start of a line.
fn split_ranges(
    path: &Path,
    start: u64,
    size: u64,
    parts: usize,
) -> std::io::Result<Vec<(u64, u64)>> {
    let mut file = File::open(path)?;
    let mut cuts = vec![start];
    for k in 1..parts as u64 {
        let guess = start + (size - start) * k / parts as u64;
        let prev = *cuts.last().unwrap_or(&start);
        if guess <= prev {
            continue;
        }
        file.seek(SeekFrom::Start(guess - 1))?;
        let mut reader = BufReader::new(&mut file);
        let mut skipped = Vec::new();
        let n = reader.read_until(b'\n', &mut skipped)? as u64;
        let cut = (guess - 1 + n).min(size);
        if cut > prev && cut < size {
            cuts.push(cut);
        }
    }
    cuts.push(size);
    Ok(cuts.windows(2).map(|w| (w[0], w[1])).collect())
}

/// A byte range `[start, end)` of the file, and the count of bytes read it adds to.
struct Range<'c> {
    start: u64,
    end: u64,
    count: &'c crate::progress::Count,
}

/// Bytes a reader reads before adding them to the shared count.
const COUNT_EVERY: u64 = 1 << 20;

/// Reads rows in `range` of the file.
fn read_range(
    ctx: &Ctx<'_>,
    csv: &DirectCsv,
    src: &TableSource,
    layout: &Layout,
    index: Option<&DistrictIndex<'_>>,
    range: Range<'_>,
) -> Tally {
    let Range { start, end, count } = range;
    let mut part = Tally::empty();
    let mut file = match File::open(&csv.file) {
        Ok(f) => f,
        Err(e) => return Tally::failed(&format!("cannot read file: {e}")),
    };
    if let Err(e) = file.seek(SeekFrom::Start(start)) {
        return Tally::failed(&format!("cannot read file: {e}"));
    }
    let mut reader = BufReader::with_capacity(1 << 20, file.take(end - start));
    let reproject = match csv.reproject_from.as_deref().map(sum::reprojector) {
        None => None,
        Some(Ok(r)) => Some(r),
        Some(Err(why)) => return Tally::failed(&why),
    };
    let target = Target {
        file: &csv.file,
        index,
        districts: ctx.districts.list.len(),
        bands: ctx.bands.len(),
    };
    let mut found = Findings::default();
    let mut sexes: Lookup<Sex> = Lookup::default();
    let mut band_cache: Lookup<usize> = Lookup::default();
    let mut pending: Vec<Pending> = Vec::with_capacity(BATCH);
    let mut line = Vec::with_capacity(256);
    let mut cells: Vec<(usize, usize)> = Vec::with_capacity(layout.columns);
    let mut uncounted = 0u64;
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(n) => uncounted += n as u64,
            Err(e) => return Tally::failed(&format!("cannot read file: {e}")),
        }
        if uncounted >= COUNT_EVERY {
            count.add(std::mem::take(&mut uncounted));
        }
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        part.rows += 1;
        let row = Some(part.rows);
        let place = Location {
            file: &csv.file,
            row,
        };
        cells.clear();
        let mut at = 0;
        for (i, &b) in line.iter().enumerate() {
            if b == layout.separator {
                cells.push((at, i));
                at = i + 1;
            } else if b == b'"' {
                // A quoted field (which may hold separators and line breaks) past the first
                // megabyte: the whole file goes through GDAL after all.
                part.quoted = true;
                return part;
            }
        }
        cells.push((at, line.len()));
        let text = |c: Option<usize>| -> &str {
            c.and_then(|c| cells.get(c))
                .and_then(|&(a, b)| std::str::from_utf8(&line[a..b]).ok())
                .unwrap_or("")
        };
        let bytes = |c: usize| -> &[u8] { cells.get(c).map_or(&[][..], |&(a, b)| &line[a..b]) };

        let (xt, yt) = (text(Some(layout.x)), text(Some(layout.y)));
        let xy = if xt.is_empty() || yt.is_empty() {
            found.problem(
                Finding::new(&csv.file, "empty or missing geometry")
                    .at_row(row)
                    .in_field("geometry"),
            );
            None
        } else {
            // GDAL reads a coordinate that is not a number as 0; we name it.
            match (xt.trim().parse::<f64>(), yt.trim().parse::<f64>()) {
                (Ok(x), Ok(y)) if x.is_finite() && y.is_finite() => Some((x, y)),
                _ => {
                    found.problem(
                        Finding::new(&csv.file, "point has no finite coordinates")
                            .at_row(row)
                            .in_field("geometry")
                            .with_value(&format!("{xt} {yt}")),
                    );
                    None
                }
            }
        };
        let year = match layout.year {
            Some(c) => place.parse(&layout.names[0], text(Some(c)), values::year, &mut found),
            None => src.year,
        };
        let sex = match layout.sex {
            Some(c) => sexes.get_or(bytes(c), || {
                place.parse(&layout.names[1], text(Some(c)), parse_sex, &mut found)
            }),
            None => Some(Sex::Total),
        };
        let band = band_cache.get_or(bytes(layout.band), || {
            place.parse(
                &layout.names[2],
                text(Some(layout.band)),
                |s| parse_band(ctx, s),
                &mut found,
            )
        });
        let persons = place.parse(
            &layout.names[3],
            text(Some(layout.persons)),
            values::count,
            &mut found,
        );
        if let (Some((x, y)), Some(year), Some(sex), Some(band), Some(persons)) =
            (xy, year, sex, band, persons)
        {
            part.points += 1;
            pending.push(Pending {
                row: part.rows,
                key: part.rows,
                x,
                y,
                year,
                sex,
                band,
                persons,
            });
            if pending.len() == BATCH {
                sum::settle(
                    &mut part,
                    &mut pending,
                    reproject.as_ref(),
                    target,
                    &mut found,
                );
            }
        }
    }
    sum::settle(
        &mut part,
        &mut pending,
        reproject.as_ref(),
        target,
        &mut found,
    );
    count.add(uncounted);
    part.finish();
    part.add_problems(0, found.problems);
    part
}
