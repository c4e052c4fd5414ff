//! Address points from a GDAL layer (GeoPackage, FlatGeobuf, GeoParquet, …) read column by
//! column through GDAL's Arrow stream instead of feature by feature.
//!
//! Why: at national scale (30 million rows) building one GDAL feature per row and turning each
//! field into a `String` is most of the work. Here GDAL hands over batches of 65,536 rows in
//! columns (drivers with their own columnar reader, such as GeoPackage, FlatGeobuf and
//! (Geo)Parquet, without building features at all; others through GDAL's generic one); only
//! the geometry, the FID and the four needed fields are read. Every row is parsed (point WKB
//! and values) and added up through the same [`super::sum`] tallies as the direct CSV reader.
//!
//! GDAL's side is most of the time (at 3 million rows about 1.9 of 2.3 s from GeoPackage), and
//! one GDAL layer is read by one thread. So a GeoPackage is read by one thread per core, each
//! with the file opened anew and an attribute filter on its own range of FIDs (which SQLite
//! answers from the rowid index, reading only that range), each parsing and adding up its own
//! batches. Other formats are read by one thread pulling batches from GDAL while every core
//! parses them (the debug line says how long GDAL took).
//!
//! Values are checked by the same rules and with the same messages as feature by feature: a
//! value is turned into text (as GDAL's `GetFieldAsString` writes it) only when it is not
//! valid, or when its column is text. Rows are named by FID. A layer whose stream GDAL cannot
//! give, that has no WKB geometry column, or whose needed fields have a type not read here
//! (dates, lists, …) is read feature by feature as before (said in a debug line).

use std::fmt::Write as _;
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use arrow_array::{
    Array, ArrayRef, BinaryArray, Float32Array, Float64Array, Int16Array, Int32Array, Int64Array,
    LargeBinaryArray, LargeStringArray, StringArray, StringViewArray,
};
use arrow_schema::DataType;
use gdal::spatial_ref::SpatialRef;
use gdal::vector::{geometry_type_to_name, Layer, LayerAccess};

use super::sum::{self, Lookup, Pending, Rows, Summed, Tally, Target};
use super::Opened;
use crate::domain::Sex;
use crate::ingest::arrow_stream::{self, Batch};
use crate::ingest::codes::{parse_band, parse_sex};
use crate::ingest::finding::Location;
use crate::ingest::gdal_source::{Reprojector, SWEREF99TM};
use crate::ingest::rows::Columns;
use crate::ingest::{values, Ctx, Finding, Findings};

/// What the rows add up to: `None` when they were only validated (no CRS or no districts),
/// else their sums.
pub(super) type Read = Option<Summed>;

/// Reads and sums the address points of `layer` through GDAL's Arrow stream. `cols` are the
/// layer's fields for year, sex, age band and persons (as found by the caller). When
/// `opened.reproject` is `None` (the layer's CRS is unusable, a problem already recorded) the
/// rows are validated but not located; with `opened.reopen` (a GeoPackage) they are read by
/// one reader per range of FIDs. `None` when the layer should be read feature by feature
/// (nothing has been recorded then).
pub(super) fn read(
    ctx: &Ctx<'_>,
    file: &Path,
    layer: &mut Layer<'_>,
    opened: &Opened,
    cols: &Columns,
    found: &mut Findings,
) -> Option<Read> {
    let reproject = opened.reproject.as_ref();
    let reopen = opened.reopen.as_ref();
    let fallback = |why: &str| {
        tracing::debug!("{}: reading feature by feature: {why}", file.display());
    };
    let field_names: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
    let fields: Vec<Option<String>> = (0..4)
        .map(|k| cols.get(k).and_then(|i| field_names.get(i).cloned()))
        .collect();
    let keep: Vec<&str> = fields.iter().flatten().map(String::as_str).collect();
    if let Err(why) = arrow_stream::keep_only_fields(layer, &keep) {
        fallback(&why);
        return None;
    }
    let reproject_from = match reproject_from(opened) {
        Ok(wkt) => wkt,
        Err(why) => {
            fallback(&why);
            return None;
        }
    };
    let index = reproject.and(ctx.districts.index());
    // Rows read, out of the feature count when GDAL knows it without a pass over the layer.
    let features = layer.try_feature_count();
    let count =
        crate::progress::Count::start("address points", features, crate::progress::Unit::Rows);
    let batches = match arrow_stream::batches(layer) {
        Ok(b) => b,
        Err(why) => {
            fallback(&why);
            return None;
        }
    };
    let Some(geometry) = batches.geometry_column() else {
        fallback("GDAL's Arrow stream has no WKB geometry column");
        return None;
    };
    let schema = batches.schema();
    for name in fields.iter().flatten() {
        let readable = schema
            .field_with_name(name)
            .is_ok_and(|f| readable(f.data_type()));
        if !readable {
            fallback(&format!(
                "field '{name}' has a type not read column by column"
            ));
            return None;
        }
    }
    tracing::debug!(
        "{}: reading column by column through GDAL's Arrow stream ({})",
        file.display(),
        if batches.fast {
            "the driver's own"
        } else {
            "GDAL's generic one"
        }
    );
    let names: [&str; 4] = [cols.name(0), cols.name(1), cols.name(2), cols.name(3)];
    let layout = Layout {
        fid: batches.fid_column.clone(),
        geometry,
        fields: fields.clone(),
        names,
    };
    let target = Target {
        file,
        index: index.as_ref(),
        districts: ctx.districts.list.len(),
        bands: ctx.bands.len(),
    };
    let threads = sum::threads();
    let reader = Reader {
        ctx,
        layout: &layout,
        target,
        reproject_from: reproject_from.as_deref(),
        count: &count,
    };
    let ranges = reopen.filter(|_| {
        threads > 1 && features.is_some_and(|n| n >= FEATURES_PER_RANGE * threads as u64)
    });
    let tallies = match (ranges, features) {
        (Some(reopen), Some(features)) => {
            drop(batches);
            tracing::debug!(
                "{}: {threads} readers, each its own range of FIDs",
                file.display()
            );
            reader.fid_ranges(reopen, &keep, fid_ranges(features, threads))
        }
        _ => reader.one_stream(batches, threads),
    };
    Some(summed(ctx, file, tallies, index.is_some(), found))
}

/// The readers' tallies merged: their sums when the rows were `located` in districts, else
/// `None` (only validated; a layer without rows is warned of).
pub(super) fn summed(
    ctx: &Ctx<'_>,
    file: &Path,
    tallies: Vec<Tally>,
    located: bool,
    found: &mut Findings,
) -> Read {
    let summed = sum::merge(file, tallies, Rows::Global, ctx.bands.len(), found);
    if !located {
        if summed.read == 0 {
            found.warning(Finding::new(file, "has no address points"));
        }
        return None;
    }
    Some(summed)
}

/// Fewest features per reader before a GeoPackage is read by several (below it one stream and
/// parallel parsing are as fast).
const FEATURES_PER_RANGE: u64 = arrow_stream::FEATURES_PER_BATCH as u64 / 2;

/// How to open a layer's file once more, for a reader of its own in another thread: given for
/// a GeoPackage, where a range of FIDs is read through SQLite's rowid index, so each reader
/// reads only its own rows.
pub(super) struct Reopen {
    /// The file GDAL opens.
    pub path: std::path::PathBuf,
    pub open_options: Vec<String>,
    pub layer: String,
}

/// `threads` ranges of FIDs covering every FID, for a layer of `features` numbered from 1 (a
/// GeoPackage written in one go): each but the first from its bound on, each but the last up to
/// the next one's bound. FIDs numbered otherwise are still all read, once; only the balance
/// between the ranges suffers.
fn fid_ranges(features: u64, threads: usize) -> Vec<(Option<i64>, Option<i64>)> {
    let n = threads.max(1) as u64;
    let bound = |k: u64| i64::try_from(1 + features * k / n).unwrap_or(i64::MAX);
    (0..n)
        .map(|k| ((k > 0).then(|| bound(k)), (k + 1 < n).then(|| bound(k + 1))))
        .collect()
}

/// An attribute filter selecting FIDs from `from` (inclusive) up to `to` (exclusive).
fn fid_filter(fid: &str, (from, to): (Option<i64>, Option<i64>)) -> String {
    let column = format!("\"{}\"", fid.replace('"', "\"\""));
    match (from, to) {
        (Some(a), Some(b)) => format!("{column} >= {a} AND {column} < {b}"),
        (Some(a), None) => format!("{column} >= {a}"),
        (None, Some(b)) => format!("{column} < {b}"),
        (None, None) => String::new(),
    }
}

/// What every reader thread shares.
struct Reader<'a> {
    ctx: &'a Ctx<'a>,
    layout: &'a Layout<'a>,
    target: Target<'a>,
    /// The layer's CRS as WKT when it is not EPSG:3006 (each thread makes its own transform).
    reproject_from: Option<&'a str>,
    count: &'a crate::progress::Count,
}

impl Reader<'_> {
    /// A worker with its own transform (why not, when the transform cannot be made).
    fn worker(&self) -> Result<Worker<'_>, String> {
        let reproject = self.reproject_from.map(sum::reprojector).transpose()?;
        Ok(Worker::new(self.ctx, self.layout, self.target, reproject))
    }

    /// One stream read by this thread, its batches parsed and added up by `threads` workers.
    fn one_stream(&self, mut batches: arrow_stream::Batches<'_>, threads: usize) -> Vec<Tally> {
        let file = self.target.file;
        let (tx, rx) = mpsc::sync_channel::<(u64, Batch<'_>)>(threads);
        // Shared by the workers only: when every worker has stopped (even by a panic) the
        // receiver is gone and sending fails, so this thread never waits on a full channel for
        // nobody.
        let rx = Arc::new(Mutex::new(rx));
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    let rx = Arc::clone(&rx);
                    scope.spawn(move || {
                        let mut worker = match self.worker() {
                            Ok(w) => w,
                            Err(why) => return Tally::failed(&why),
                        };
                        while let Some((key, batch)) = sum::next(&rx) {
                            worker.batch(key, &batch);
                        }
                        worker.tally.finish();
                        worker.tally
                    })
                })
                .collect();
            drop(rx);
            let mut key = 0u64;
            let mut failure = None;
            // Time this thread spends in GDAL, for the debug line below.
            let mut in_gdal = std::time::Duration::ZERO;
            loop {
                let asked = std::time::Instant::now();
                let Some(batch) = batches.next() else { break };
                in_gdal += asked.elapsed();
                match batch {
                    Ok(batch) => {
                        let rows = batch.rows() as u64;
                        if tx.send((key, batch)).is_err() {
                            break;
                        }
                        key += rows;
                        self.count.add(rows);
                    }
                    Err(e) => {
                        failure = Some(Tally::failed(&format!("cannot read: {e}")));
                        break;
                    }
                }
            }
            drop(tx);
            tracing::debug!(
                "{}: GDAL gave {key} rows in {:.2} s",
                file.display(),
                in_gdal.as_secs_f64()
            );
            let mut tallies = sum::joined(workers);
            tallies.extend(failure);
            tallies
        })
    }

    /// One thread per range of FIDs, each opening the file anew, reading its range through its
    /// own stream and adding it up. A batch's order key is the FID of its first row, so
    /// problems and examples keep the file's order across ranges.
    fn fid_ranges(
        &self,
        reopen: &Reopen,
        keep: &[&str],
        ranges: Vec<(Option<i64>, Option<i64>)>,
    ) -> Vec<Tally> {
        std::thread::scope(|scope| {
            let readers: Vec<_> = ranges
                .into_iter()
                .map(|range| scope.spawn(move || self.fid_range(reopen, keep, range)))
                .collect();
            sum::joined(readers)
        })
    }

    /// Reads and adds up the rows of one range of FIDs (see [`Self::fid_ranges`]).
    fn fid_range(
        &self,
        reopen: &Reopen,
        keep: &[&str],
        range: (Option<i64>, Option<i64>),
    ) -> Tally {
        let failed = |why: String| Tally::failed(&format!("cannot read: {why}"));
        let options: Vec<&str> = reopen.open_options.iter().map(String::as_str).collect();
        let dataset = match gdal::Dataset::open_ex(
            &reopen.path,
            gdal::DatasetOptions {
                open_flags: gdal::GdalOpenFlags::GDAL_OF_VECTOR
                    | gdal::GdalOpenFlags::GDAL_OF_READONLY,
                open_options: (!options.is_empty()).then_some(options.as_slice()),
                ..Default::default()
            },
        ) {
            Ok(d) => d,
            Err(e) => return failed(e.to_string()),
        };
        let mut layer = match dataset.layer_by_name(&reopen.layer) {
            Ok(l) => l,
            Err(e) => return failed(e.to_string()),
        };
        if let Err(why) = arrow_stream::keep_only_fields(&mut layer, keep) {
            return failed(why);
        }
        if let Err(e) = layer.set_attribute_filter(&fid_filter(&self.layout.fid, range)) {
            return failed(e.to_string());
        }
        let batches = match arrow_stream::batches(&mut layer) {
            Ok(b) => b,
            Err(why) => return failed(why),
        };
        let mut worker = match self.worker() {
            Ok(w) => w,
            Err(why) => return Tally::failed(&why),
        };
        let mut key = range.0.and_then(|a| u64::try_from(a).ok()).unwrap_or(0);
        for batch in batches {
            let batch = match batch {
                Ok(b) => b,
                Err(why) => {
                    worker.tally.failure = Some(format!("cannot read: {why}"));
                    break;
                }
            };
            // The first FID of the batch (FIDs ascend within a range), else on from the last.
            key = batch
                .column(&self.layout.fid)
                .and_then(|a| a.as_any().downcast_ref::<Int64Array>())
                .filter(|f| !f.is_empty() && !f.is_null(0))
                .and_then(|f| u64::try_from(f.value(0)).ok())
                .unwrap_or(key)
                .max(key);
            let rows = batch.rows() as u64;
            worker.batch(key, &batch);
            key += rows;
            self.count.add(rows);
        }
        worker.tally.finish();
        worker.tally
    }
}

/// The layer's CRS as WKT, for every thread's own transforms, when its points are located and
/// it is not EPSG:3006 already; an error says why it cannot be had.
pub(super) fn reproject_from(opened: &Opened) -> Result<Option<String>, String> {
    match (&opened.crs, &opened.reproject) {
        (Some(srs), Some(_)) if !is_sweref(srs) => srs
            .to_wkt()
            .map(Some)
            .map_err(|e| format!("the CRS has no WKT: {e}")),
        _ => Ok(None),
    }
}

/// True when `srs` is SWEREF 99 TM itself (no transform needed).
fn is_sweref(srs: &SpatialRef) -> bool {
    srs.auth_name().as_deref() == Some("EPSG") && srs.auth_code().ok() == Some(SWEREF99TM as i32)
}

/// Where the needed columns are in the batches.
pub(super) struct Layout<'a> {
    pub fid: String,
    pub geometry: String,
    /// Layer field names of year, sex, age band and persons (`None`: not in the layer).
    pub fields: Vec<Option<String>>,
    /// The same as named in messages (the manifest's names).
    pub names: [&'a str; 4],
}

/// Whether attribute columns of type `t` are read here (text, integers, reals).
fn readable(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::Float32
            | DataType::Float64
    )
}

/// One attribute column of a batch, of a type read here.
enum Column<'b> {
    Absent,
    Utf8(&'b StringArray),
    LargeUtf8(&'b LargeStringArray),
    Utf8View(&'b StringViewArray),
    Int16(&'b Int16Array),
    Int32(&'b Int32Array),
    Int64(&'b Int64Array),
    Float32(&'b Float32Array),
    Float64(&'b Float64Array),
}

/// One cell's value, borrowed from its column.
pub(super) enum Value<'b> {
    Null,
    Text(&'b str),
    Int(i64),
    Real(f64),
}

/// The value of row `i` of `array` by `get`, or null.
fn cell<'b, A: Array>(array: &'b A, i: usize, get: impl FnOnce(&'b A) -> Value<'b>) -> Value<'b> {
    if array.is_null(i) {
        Value::Null
    } else {
        get(array)
    }
}

impl<'b> Column<'b> {
    fn of(batch: &'b Batch<'_>, name: Option<&str>) -> Self {
        let Some(array) = name.and_then(|n| batch.column(n)) else {
            return Self::Absent;
        };
        let any = array.as_any();
        if let Some(a) = any.downcast_ref() {
            Self::Utf8(a)
        } else if let Some(a) = any.downcast_ref() {
            Self::LargeUtf8(a)
        } else if let Some(a) = any.downcast_ref() {
            Self::Utf8View(a)
        } else if let Some(a) = any.downcast_ref() {
            Self::Int16(a)
        } else if let Some(a) = any.downcast_ref() {
            Self::Int32(a)
        } else if let Some(a) = any.downcast_ref() {
            Self::Int64(a)
        } else if let Some(a) = any.downcast_ref() {
            Self::Float32(a)
        } else if let Some(a) = any.downcast_ref() {
            Self::Float64(a)
        } else {
            Self::Absent
        }
    }

    fn value(&self, i: usize) -> Value<'b> {
        match *self {
            Self::Absent => Value::Null,
            Self::Utf8(a) => cell(a, i, |a| Value::Text(a.value(i))),
            Self::LargeUtf8(a) => cell(a, i, |a| Value::Text(a.value(i))),
            Self::Utf8View(a) => cell(a, i, |a| Value::Text(a.value(i))),
            Self::Int16(a) => cell(a, i, |a| Value::Int(i64::from(a.value(i)))),
            Self::Int32(a) => cell(a, i, |a| Value::Int(i64::from(a.value(i)))),
            Self::Int64(a) => cell(a, i, |a| Value::Int(a.value(i))),
            Self::Float32(a) => cell(a, i, |a| Value::Real(f64::from(a.value(i)))),
            Self::Float64(a) => cell(a, i, |a| Value::Real(a.value(i))),
        }
    }
}

impl<'b> Value<'b> {
    /// The value as GDAL's `GetFieldAsString` writes it (`""` for null), in `buf` if needed.
    fn text<'t>(&self, buf: &'t mut String) -> &'t str
    where
        'b: 't,
    {
        buf.clear();
        match *self {
            Value::Null => {}
            Value::Text(s) => return s,
            Value::Int(v) => {
                let _ = write!(buf, "{v}");
            }
            Value::Real(v) => real_text(v, buf),
        }
        buf
    }

    /// Raw bytes for a lookup of few distinct values (text only).
    fn bytes(&self) -> Option<&'b [u8]> {
        match *self {
            Value::Null => Some(b""),
            Value::Text(s) => Some(s.as_bytes()),
            Value::Int(_) | Value::Real(_) => None,
        }
    }
}

/// `v` as C's `%.15g`, which is how GDAL writes a real field without a set width.
fn real_text(v: f64, buf: &mut String) {
    if !v.is_finite() {
        let _ = write!(
            buf,
            "{}",
            if v.is_nan() {
                "nan"
            } else if v > 0.0 {
                "inf"
            } else {
                "-inf"
            }
        );
        return;
    }
    if v == 0.0 {
        buf.push_str(if v.is_sign_negative() { "-0" } else { "0" });
        return;
    }
    // 15 significant digits, then C's choice between fixed and scientific notation.
    let sci = format!("{v:.14e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let strip = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if !(-4..15).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        let _ = write!(buf, "{}e{sign}{:02}", strip(mantissa), exp.abs());
    } else {
        let decimals = (14 - exp).max(0) as usize;
        buf.push_str(&strip(&format!("{v:.decimals$}")));
    }
}

/// The coordinates of a point in WKB (ISO, or extended with Z/M/SRID flags), or why it is not
/// one, in the words of the feature-by-feature reader.
fn wkb_point(wkb: Option<&[u8]>) -> Result<(f64, f64), String> {
    // A NULL geometry is worded as the feature-by-feature reader words it (GDAL finds it
    // empty) and as the CSV reader words empty coordinates.
    let empty = || Err("empty or missing geometry".to_string());
    let Some(wkb) = wkb else {
        return empty();
    };
    let little = match wkb.first() {
        Some(1) => true,
        Some(0) => false,
        _ => return empty(),
    };
    let u32_at = |at: usize| take::<4>(wkb, at, little).map(u32::from_le_bytes);
    let f64_at = |at: usize| take::<8>(wkb, at, little).map(f64::from_le_bytes);
    let Some(code) = u32_at(1) else {
        return empty();
    };
    // ISO types count Z, M, ZM in thousands; extended WKB flags them in the top bits.
    let base = (code & 0x0FFF_FFFF) % 1000;
    let body = if code & 0x2000_0000 != 0 { 9 } else { 5 };
    if base != 1 {
        // An empty line, polygon or collection has no points, rings or parts.
        return match u32_at(body) {
            Some(0) | None => empty(),
            Some(_) => Err(format!(
                "geometry is a {}; expected a Point",
                geometry_type_to_name(base)
            )),
        };
    }
    let (Some(x), Some(y)) = (f64_at(body), f64_at(body + 8)) else {
        return empty();
    };
    point(x, y)
}

/// A point's coordinates, or why they are none, in the words of the feature-by-feature reader
/// (GDAL takes a point of two NaN for an empty one).
pub(super) fn point(x: f64, y: f64) -> Result<(f64, f64), String> {
    if x.is_nan() && y.is_nan() {
        Err("empty or missing geometry".into())
    } else if x.is_finite() && y.is_finite() {
        Ok((x, y))
    } else {
        Err("point has no finite coordinates".into())
    }
}

/// `N` bytes of `wkb` from `at`, in little-endian order.
fn take<const N: usize>(wkb: &[u8], at: usize, little: bool) -> Option<[u8; N]> {
    let mut b: [u8; N] = wkb.get(at..at + N)?.try_into().ok()?;
    if !little {
        b.reverse();
    }
    Some(b)
}

/// The geometry column of a batch.
enum Wkb<'b> {
    Binary(&'b BinaryArray),
    Large(&'b LargeBinaryArray),
}

impl<'b> Wkb<'b> {
    fn of(array: &'b ArrayRef) -> Option<Self> {
        let any = array.as_any();
        match (any.downcast_ref(), any.downcast_ref()) {
            (Some(a), _) => Some(Self::Binary(a)),
            (None, Some(a)) => Some(Self::Large(a)),
            (None, None) => None,
        }
    }

    fn get(&self, i: usize) -> Option<&'b [u8]> {
        match self {
            Self::Binary(a) => (!a.is_null(i)).then(|| a.value(i)),
            Self::Large(a) => (!a.is_null(i)).then(|| a.value(i)),
        }
    }
}

/// One reader thread: its tally and what it keeps between batches.
pub(super) struct Worker<'a> {
    ctx: &'a Ctx<'a>,
    layout: &'a Layout<'a>,
    target: Target<'a>,
    reproject: Option<Reprojector>,
    pub tally: Tally,
    sexes: Lookup<Sex>,
    bands: Lookup<usize>,
    pending: Vec<Pending>,
    text: String,
}

impl<'a> Worker<'a> {
    pub(super) fn new(
        ctx: &'a Ctx<'a>,
        layout: &'a Layout<'a>,
        target: Target<'a>,
        reproject: Option<Reprojector>,
    ) -> Self {
        Self {
            ctx,
            layout,
            target,
            reproject,
            tally: Tally::empty(),
            sexes: Lookup::default(),
            bands: Lookup::default(),
            pending: Vec::new(),
            text: String::new(),
        }
    }

    /// Validates, locates and adds up the rows of one batch, whose first row is the `key`-th
    /// of the layer.
    fn batch(&mut self, key: u64, batch: &Batch<'_>) {
        let rows = batch.rows();
        let layout = self.layout;
        let mut found = Findings::default();
        self.tally.rows += rows as u64;
        let fids = batch
            .column(&layout.fid)
            .and_then(|a| a.as_any().downcast_ref::<Int64Array>());
        let Some(wkb) = batch.column(&layout.geometry).and_then(Wkb::of) else {
            let file = self.target.file;
            self.tally.add_problems(
                key,
                vec![Finding::new(file, "cannot read: no geometry column")],
            );
            return;
        };
        let columns: Vec<Column<'_>> = layout
            .fields
            .iter()
            .map(|f| Column::of(batch, f.as_deref()))
            .collect();
        for i in 0..rows {
            let fid = fids
                .filter(|f| !f.is_null(i))
                .map(|f| f.value(i))
                .and_then(|v| u64::try_from(v).ok());
            let values = [0, 1, 2, 3].map(|k| columns[k].value(i));
            self.row(
                key + i as u64,
                fid,
                wkb_point(wkb.get(i)),
                values,
                &mut found,
            );
        }
        self.settle(key, found);
    }

    /// Validates one row: its order `key`, FID, point (or why it is none) and the values of
    /// year, sex, age band and persons; a valid row waits in `pending` for [`Self::settle`],
    /// a problem goes to `found`. The caller counts the row in `tally.rows`.
    pub(super) fn row(
        &mut self,
        key: u64,
        fid: Option<u64>,
        point: Result<(f64, f64), String>,
        cells_of_row: [Value<'_>; 4],
        found: &mut Findings,
    ) {
        let layout = self.layout;
        let names = &layout.names;
        let file = self.target.file;
        let cells = Location { file, row: fid };
        let [year, sex, band, persons] = cells_of_row;
        let xy = point
            .map_err(|message| {
                let at = Finding::new(file, message).at_row(fid);
                found.problem(at.in_field("geometry"));
            })
            .ok();
        let year = match (&layout.fields[0], year) {
            (None, _) => self.ctx.manifest.population.year,
            (Some(_), Value::Int(y)) if (1800..=2200).contains(&y) => Some(y as i32),
            (Some(_), v) => cells.parse(names[0], v.text(&mut self.text), values::year, found),
        };
        let sex = if layout.fields[1].is_some() {
            let text = &mut self.text;
            let mut parse =
                |found: &mut Findings| cells.parse(names[1], sex.text(text), parse_sex, found);
            match sex.bytes() {
                Some(raw) => self.sexes.get_or(raw, || parse(found)),
                None => parse(found),
            }
        } else {
            Some(Sex::Total)
        };
        let band = {
            let text = &mut self.text;
            let ctx = self.ctx;
            let mut parse = |found: &mut Findings| {
                cells.parse(names[2], band.text(text), |s| parse_band(ctx, s), found)
            };
            match band.bytes() {
                Some(raw) => self.bands.get_or(raw, || parse(found)),
                None => parse(found),
            }
        };
        let persons = match persons {
            Value::Int(n) if n >= 0 => Some(n as f64),
            Value::Real(n) if n.is_finite() && n >= 0.0 && n.fract() == 0.0 => Some(n),
            v => cells.parse(names[3], v.text(&mut self.text), values::count, found),
        };
        if let (Some((x, y)), Some(year), Some(sex), Some(band), Some(persons)) =
            (xy, year, sex, band, persons)
        {
            self.tally.points += 1;
            self.pending.push(Pending {
                row: fid.unwrap_or(0),
                key,
                x,
                y,
                year,
                sex,
                band,
                persons,
            });
        }
    }

    /// Locates and adds up the rows waiting since the last call, and keeps the problems
    /// `found` among them, whose first row has the order key `first`.
    pub(super) fn settle(&mut self, first: u64, mut found: Findings) {
        sum::settle(
            &mut self.tally,
            &mut self.pending,
            self.reproject.as_ref(),
            self.target,
            &mut found,
        );
        self.tally.add_problems(first, found.problems);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: f64) -> String {
        let mut s = String::new();
        real_text(v, &mut s);
        s
    }

    #[test]
    fn reals_are_written_as_gdal_writes_them() {
        assert_eq!(text(-3.0), "-3");
        assert_eq!(text(2.5), "2.5");
        assert_eq!(text(0.1), "0.1");
        assert_eq!(text(1e20), "1e+20");
        assert_eq!(text(123456789012.0), "123456789012");
        assert_eq!(text(0.0001), "0.0001");
        assert_eq!(text(0.00001), "1e-05");
        assert_eq!(text(1.0 / 3.0), "0.333333333333333");
    }

    fn point(x: f64, y: f64) -> Vec<u8> {
        let mut wkb = vec![1u8];
        wkb.extend(1u32.to_le_bytes());
        wkb.extend(x.to_le_bytes());
        wkb.extend(y.to_le_bytes());
        wkb
    }

    #[test]
    fn wkb_points_and_what_is_not_one() {
        assert_eq!(wkb_point(Some(&point(1.5, -2.0))), Ok((1.5, -2.0)));
        // Big-endian ISO Point Z.
        let mut z = vec![0u8];
        z.extend(1001u32.to_be_bytes());
        for c in [3.0f64, 4.0, 5.0] {
            z.extend(c.to_be_bytes());
        }
        assert_eq!(wkb_point(Some(&z)), Ok((3.0, 4.0)));
        assert_eq!(wkb_point(None), Err("empty or missing geometry".into()));
        assert_eq!(
            wkb_point(Some(&point(f64::NAN, f64::NAN))),
            Err("empty or missing geometry".into())
        );
        assert_eq!(
            wkb_point(Some(&point(f64::INFINITY, 1.0))),
            Err("point has no finite coordinates".into())
        );
        let mut line = vec![1u8];
        line.extend(2u32.to_le_bytes());
        line.extend(1u32.to_le_bytes());
        line.extend(1.0f64.to_le_bytes());
        line.extend(2.0f64.to_le_bytes());
        assert_eq!(
            wkb_point(Some(&line)),
            Err("geometry is a Line String; expected a Point".into())
        );
        let mut empty_multi = vec![1u8];
        empty_multi.extend(4u32.to_le_bytes());
        empty_multi.extend(0u32.to_le_bytes());
        assert_eq!(
            wkb_point(Some(&empty_multi)),
            Err("empty or missing geometry".into())
        );
    }
}
