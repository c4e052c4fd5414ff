//! Address points from a FlatGeobuf file, read directly and in parallel instead of through GDAL.
//!
//! Why: FlatGeobuf is a header, an optional packed R-tree and then the features one after the
//! other, each a size-prefixed flatbuffer holding its point and its attributes in binary. GDAL
//! 3.6 reads it one feature at a time on one thread, building an OGR feature for each (and its
//! Arrow stream is that same loop); here one thread reads the file in large blocks cut at
//! feature boundaries, and every core takes whole blocks, looks at each feature's coordinates
//! and the four needed attributes in place (two fields of its flatbuffer, each offset
//! bounds-checked as it is followed; see [`feature`]) and adds them up through the same
//! [`super::arrow::Worker`] as the Arrow reader: the same rules and messages, rows named by
//! FID, which for FlatGeobuf is the feature's position in the file from 0, as GDAL numbers it.
//!
//! The header (columns, geometry type, index size) is read with the `flatgeobuf` crate, and
//! its sizes are checked against the file's length. The field names, CRS and reprojection
//! still come from GDAL, which opened the layer. A file this reader does not take goes to the
//! Arrow reader (said in a debug line): not FlatGeobuf version 3, not of points, or a needed
//! field of a type not read here (dates, JSON, binary).

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use flatgeobuf::packed_r_tree::PackedRTree;
use flatgeobuf::{ColumnType, GeometryType};
use gdal::vector::{Layer, LayerAccess};

use super::arrow::{self, Layout, Value, Worker};
use super::sum::{self, Tally, Target};
use super::Opened;
use crate::ingest::rows::Columns;
use crate::ingest::{Ctx, Finding, Findings};

/// The first 7 bytes of a FlatGeobuf file of format version 3 (the 8th is its patch version).
const MAGIC: [u8; 7] = *b"fgb\x03fgb";

/// Bytes read at a time; each block handed to a worker holds the whole features in it.
const BLOCK: usize = 8 << 20;

/// What the file's header says.
struct Header {
    /// Byte offset of the first feature.
    features_at: u64,
    /// Features the header counts (0 when unknown).
    features: u64,
    /// Type of every column, by index.
    kinds: Vec<ColumnType>,
}

/// Reads and sums the address points of a FlatGeobuf `file` whose layer GDAL has opened
/// (`layer`, for its field names; `opened`, its CRS). `cols` are the layer's fields for year,
/// sex, age band and persons. `None` when the file is not one this reader takes (nothing is
/// recorded then).
pub(super) fn read(
    ctx: &Ctx<'_>,
    file: &Path,
    layer: &Layer<'_>,
    opened: &Opened,
    cols: &Columns,
    found: &mut Findings,
) -> Option<arrow::Read> {
    let is_fgb = file
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("fgb"));
    if !is_fgb || !file.is_file() {
        return None;
    }
    let fallback = |why: &str| {
        tracing::debug!("{}: not read directly: {why}", file.display());
    };
    let mut input = match File::open(file) {
        Ok(f) => f,
        Err(e) => {
            fallback(&e.to_string());
            return None;
        }
    };
    let header = match header(&mut input) {
        Ok(h) => h,
        Err(why) => {
            fallback(&why);
            return None;
        }
    };
    // The needed fields by GDAL's names, found among the file's columns (GDAL gives the
    // columns as fields, in order).
    let field_names: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
    let names: Vec<Option<String>> = (0..4)
        .map(|k| cols.get(k).and_then(|i| field_names.get(i).cloned()))
        .collect();
    let mut wanted = [None; 4];
    for (k, name) in names.iter().enumerate() {
        let Some(name) = name else { continue };
        let Some(column) = field_names.iter().position(|n| n == name) else {
            fallback(&format!("no column '{name}'"));
            return None;
        };
        let kind = header.kinds.get(column).copied();
        match (u16::try_from(column), kind) {
            (Ok(column), Some(kind)) if readable(kind) => wanted[k] = Some(column),
            _ => {
                fallback(&format!("column '{name}' has a type not read directly"));
                return None;
            }
        }
    }
    if header.kinds.len() != field_names.len() {
        fallback("GDAL gives other fields than the file's columns");
        return None;
    }
    let schema = Schema {
        kinds: &header.kinds,
        wanted,
    };
    let reproject_from = match arrow::reproject_from(opened) {
        Ok(wkt) => wkt,
        Err(why) => {
            fallback(&why);
            return None;
        }
    };
    tracing::debug!("{}: reading FlatGeobuf features directly", file.display());
    let index = opened.reproject.as_ref().and(ctx.districts.index());
    let layout = Layout {
        fid: String::new(),
        geometry: String::new(),
        fields: names,
        names: [cols.name(0), cols.name(1), cols.name(2), cols.name(3)],
    };
    let target = Target {
        file,
        index: index.as_ref(),
        districts: ctx.districts.list.len(),
        bands: ctx.bands.len(),
    };
    let count = crate::progress::Count::start(
        "address points",
        (header.features > 0).then_some(header.features),
        crate::progress::Unit::Rows,
    );
    let threads = sum::threads();
    let (tx, rx) = mpsc::sync_channel::<(u64, Vec<u8>)>(threads);
    // Shared by the workers only: when every worker has stopped (even by a panic) the receiver
    // is gone and sending fails, so the reading thread never waits for nobody.
    let rx = Arc::new(Mutex::new(rx));
    // Blocks done with, for the reading thread to fill again.
    let pool = Mutex::new(Vec::new());
    let tallies: Vec<Tally> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let (rx, layout, pool) = (Arc::clone(&rx), &layout, &pool);
                let reproject_from = reproject_from.as_deref();
                scope.spawn(move || {
                    let reproject = match reproject_from.map(sum::reprojector).transpose() {
                        Ok(r) => r,
                        Err(why) => return Tally::failed(&why),
                    };
                    let mut worker = Worker::new(ctx, layout, target, reproject);
                    while let Some((first, block)) = sum::next(&rx) {
                        features(&mut worker, file, schema, first, &block);
                        if let Ok(mut pool) = pool.lock() {
                            pool.push(block);
                        }
                    }
                    worker.tally.finish();
                    worker.tally
                })
            })
            .collect();
        drop(rx);
        let failure = blocks(
            &mut input,
            header.features_at,
            &pool,
            |first, rows, block| {
                count.add(rows);
                tx.send((first, block)).is_ok()
            },
        )
        .err()
        .map(|why| Tally::failed(&format!("cannot read: {why}")));
        drop(tx);
        let mut tallies = sum::joined(workers);
        tallies.extend(failure);
        tallies
    });
    Some(arrow::summed(ctx, file, tallies, index.is_some(), found))
}

/// Reads the header of a FlatGeobuf file positioned at its start, leaving the file after it.
fn header(input: &mut File) -> Result<Header, String> {
    let mut magic = [0u8; 8];
    input
        .read_exact(&mut magic)
        .map_err(|e| format!("no FlatGeobuf header: {e}"))?;
    if magic[..7] != MAGIC {
        return Err("not FlatGeobuf version 3".into());
    }
    let mut size = [0u8; 4];
    input
        .read_exact(&mut size)
        .map_err(|e| format!("no FlatGeobuf header: {e}"))?;
    // Sizes and counts from the header are checked against the file's length before anything
    // is allocated or computed from them: a damaged header is an error, never a huge
    // allocation or an overflow.
    let length = input.metadata().map_err(|e| e.to_string())?.len();
    // Kept with its size prefix: the flatbuffer's alignment is counted from there.
    let mut bytes = size.to_vec();
    let size = u32::from_le_bytes(size) as usize;
    if 12 + size as u64 > length {
        return Err(format!(
            "the FlatGeobuf header says it is {size} bytes, more than the file holds"
        ));
    }
    bytes.resize(4 + size, 0);
    input
        .read_exact(&mut bytes[4..])
        .map_err(|e| format!("the FlatGeobuf header is cut short: {e}"))?;
    let header = flatgeobuf::size_prefixed_root_as_header(&bytes)
        .map_err(|e| format!("bad FlatGeobuf header: {e}"))?;
    if header.geometry_type() != GeometryType::Point {
        return Err("the features are not all points".into());
    }
    let features = header.features_count();
    // Every feature takes at least its 4-byte size prefix.
    if features > length / 4 {
        return Err(format!(
            "the FlatGeobuf header counts {features} features, more than the file can hold"
        ));
    }
    let node_size = header.index_node_size();
    let index = match (node_size, features) {
        (0, _) | (_, 0) => 0,
        (1, _) => return Err("an index of node size 1".into()),
        // No more features than a quarter of the file's bytes, so the index's size (under
        // twice that many 40-byte nodes) cannot overflow.
        (n, f) => PackedRTree::index_size(usize::try_from(f).map_err(|e| e.to_string())?, n),
    };
    let features_at = 12 + size as u64 + index as u64;
    if features_at > length {
        return Err("the FlatGeobuf index reaches past the end of the file".into());
    }
    let kinds = header
        .columns()
        .map(|c| c.iter().map(|c| c.type_()).collect())
        .unwrap_or_default();
    Ok(Header {
        features_at,
        features,
        kinds,
    })
}

/// Whether attributes of type `kind` are read here (integers, reals, text, booleans).
fn readable(kind: ColumnType) -> bool {
    matches!(
        kind,
        ColumnType::Byte
            | ColumnType::UByte
            | ColumnType::Bool
            | ColumnType::Short
            | ColumnType::UShort
            | ColumnType::Int
            | ColumnType::UInt
            | ColumnType::Long
            | ColumnType::ULong
            | ColumnType::Float
            | ColumnType::Double
            | ColumnType::String
    )
}

/// Reads the features of `input` from byte `start` in blocks of whole features and hands each
/// to `take` with the index of its first feature and its number of features, until `take`
/// says stop or the file ends. Blocks are taken from `pool` (where the workers put them back
/// when done) so their memory is reused. An error names a read failure or a last feature cut
/// short.
fn blocks(
    input: &mut File,
    start: u64,
    pool: &Mutex<Vec<Vec<u8>>>,
    mut take: impl FnMut(u64, u64, Vec<u8>) -> bool,
) -> Result<(), String> {
    use std::io::{Seek, SeekFrom};
    input
        .seek(SeekFrom::Start(start))
        .map_err(|e| e.to_string())?;
    let fresh = || {
        let mut b = pool
            .lock()
            .ok()
            .and_then(|mut p| p.pop())
            .unwrap_or_default();
        b.clear();
        b
    };
    let mut first = 0u64;
    let mut buf = fresh();
    loop {
        // Fill up to a block, or more when one feature is larger than that.
        let want = BLOCK.max(next_feature_end(&buf).unwrap_or(0));
        let missing = (want - buf.len().min(want)) as u64;
        let n = input
            .by_ref()
            .take(missing)
            .read_to_end(&mut buf)
            .map_err(|e| e.to_string())?;
        let ended = (n as u64) < missing;
        let whole = whole_features(&buf);
        if whole.bytes > 0 {
            let mut next = fresh();
            next.extend_from_slice(&buf[whole.bytes..]);
            buf.truncate(whole.bytes);
            let block = std::mem::replace(&mut buf, next);
            if !take(first, whole.features, block) {
                return Ok(());
            }
            first += whole.features;
        }
        if ended {
            return if buf.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "feature {first} is cut short at the end of the file ({} bytes)",
                    buf.len()
                ))
            };
        }
    }
}

/// The whole features at the start of a buffer: how many and how many bytes.
struct Whole {
    features: u64,
    bytes: usize,
}

fn whole_features(buf: &[u8]) -> Whole {
    let mut at = 0usize;
    let mut features = 0u64;
    while let Some(end) = next_feature_end(&buf[at..]) {
        if end > buf.len() - at {
            break;
        }
        at += end;
        features += 1;
    }
    Whole {
        features,
        bytes: at,
    }
}

/// Where the first feature of `buf` ends (size prefix included), when its prefix is there.
fn next_feature_end(buf: &[u8]) -> Option<usize> {
    let prefix: [u8; 4] = buf.get(..4)?.try_into().ok()?;
    Some(4 + u32::from_le_bytes(prefix) as usize)
}

/// The file's columns: the type of each, and which are the needed ones (year, sex, age band,
/// persons; `None`: not in the layer).
#[derive(Clone, Copy)]
struct Schema<'h> {
    kinds: &'h [ColumnType],
    wanted: [Option<u16>; 4],
}

/// Validates and adds up the features of one block, the first being feature `first` of
/// `file`.
fn features(worker: &mut Worker<'_>, file: &Path, schema: Schema<'_>, first: u64, block: &[u8]) {
    let mut found = Findings::default();
    let mut at = 0usize;
    let mut fid = first;
    while let Some(end) = next_feature_end(&block[at..]) {
        let Some(bytes) = block.get(at..at + end) else {
            break;
        };
        at += end;
        worker.tally.rows += 1;
        match feature(bytes) {
            Some((xy, properties)) => {
                let point = match xy {
                    Some((x, y)) => arrow::point(x, y),
                    None => Err("empty or missing geometry".to_string()),
                };
                match values(properties, schema) {
                    Ok(values) => worker.row(fid, Some(fid), point, values, &mut found),
                    Err(why) => found.problem(Finding::new(file, why).at_row(Some(fid))),
                }
            }
            None => found.problem(
                Finding::new(
                    file,
                    "not a FlatGeobuf feature (its flatbuffer is cut short)",
                )
                .at_row(Some(fid)),
            ),
        }
        fid += 1;
    }
    worker.settle(first, found);
}

/// A point's coordinates.
type Xy = (f64, f64);

/// A feature's point (`None`: no geometry, or one without coordinates) and its properties,
/// from its size-prefixed flatbuffer; `None` when an offset in it points outside it.
///
/// The two fields are read by hand rather than through the `flatgeobuf` crate's verified
/// accessors: verifying every table of 30 million features was a third of the read, and each
/// offset here is bounds-checked as it is followed (a bad one is `None`, never a panic). The
/// layout is FlatGeobuf's `feature.fbs`: `Feature { geometry: Geometry, properties: [ubyte] }`,
/// `Geometry { ends: [uint], xy: [double], … }`.
fn feature(bytes: &[u8]) -> Option<(Option<Xy>, &[u8])> {
    /// Field slots (vtable offsets) of `Feature.geometry`, `Feature.properties`, `Geometry.xy`.
    const GEOMETRY: usize = 4;
    const PROPERTIES: usize = 6;
    const XY: usize = 6;
    let buf = bytes.get(4..)?;
    let root = u32_at(buf, 0)? as usize;
    let xy = match field(buf, root, GEOMETRY)? {
        None => None,
        Some(at) => {
            let geometry = follow(buf, at)?;
            match field(buf, geometry, XY)? {
                None => None,
                Some(at) => {
                    let (start, len) = vector(buf, at)?;
                    if len >= 2 {
                        let x = f64::from_le_bytes(buf.get(start..start + 8)?.try_into().ok()?);
                        let y =
                            f64::from_le_bytes(buf.get(start + 8..start + 16)?.try_into().ok()?);
                        Some((x, y))
                    } else {
                        None
                    }
                }
            }
        }
    };
    let properties = match field(buf, root, PROPERTIES)? {
        None => &[][..],
        Some(at) => {
            let (start, len) = vector(buf, at)?;
            buf.get(start..start + len)?
        }
    };
    Some((xy, properties))
}

fn u32_at(buf: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(buf.get(at..at + 4)?.try_into().ok()?))
}

/// Where the field in vtable slot `slot` of the table at `table` is (`Some(None)` when the
/// table has none); `None` when the table or its vtable is not inside `buf`.
fn field(buf: &[u8], table: usize, slot: usize) -> Option<Option<usize>> {
    let back = i32::from_le_bytes(buf.get(table..table + 4)?.try_into().ok()?);
    let vtable = usize::try_from(table as i64 - i64::from(back)).ok()?;
    let u16_at = |at: usize| -> Option<usize> {
        Some(usize::from(u16::from_le_bytes(
            buf.get(at..at + 2)?.try_into().ok()?,
        )))
    };
    if slot + 2 > u16_at(vtable)? {
        return Some(None);
    }
    Some(match u16_at(vtable + slot)? {
        0 => None,
        offset => Some(table + offset),
    })
}

/// The position an offset at `at` points to.
fn follow(buf: &[u8], at: usize) -> Option<usize> {
    at.checked_add(u32_at(buf, at)? as usize)
}

/// Start and length of the vector an offset at `at` points to.
fn vector(buf: &[u8], at: usize) -> Option<(usize, usize)> {
    let start = follow(buf, at)?;
    Some((start + 4, u32_at(buf, start)? as usize))
}

/// The values of the needed columns in a feature's properties, null where absent. The
/// properties are, for each column with a value, its index (2 bytes) and the value: numbers
/// little-endian in their type's size, text and binary as a 4-byte length and the bytes.
fn values<'b>(properties: &'b [u8], schema: Schema<'_>) -> Result<[Value<'b>; 4], String> {
    let mut out = [Value::Null, Value::Null, Value::Null, Value::Null];
    let mut at = 0usize;
    while at < properties.len() {
        let column = properties
            .get(at..at + 2)
            .and_then(|b| b.try_into().ok())
            .map(u16::from_le_bytes)
            .ok_or("the feature's properties are cut short")?;
        at += 2;
        let kind = schema
            .kinds
            .get(usize::from(column))
            .copied()
            .ok_or_else(|| {
                format!("the feature's properties name column {column}, which the header has not")
            })?;
        let (value, size) = value(&properties[at..], kind).ok_or_else(|| {
            format!("the feature's value of column {column} is cut short or not UTF-8")
        })?;
        if let Some(k) = schema.wanted.iter().position(|w| *w == Some(column)) {
            out[k] = value;
        }
        at += size;
    }
    Ok(out)
}

/// The value at the start of `bytes` of a column of type `kind`, and its size in bytes; `None`
/// when cut short (or text not UTF-8). Types not read here are skipped as null.
fn value(bytes: &[u8], kind: ColumnType) -> Option<(Value<'_>, usize)> {
    fn le<const N: usize>(bytes: &[u8]) -> Option<[u8; N]> {
        bytes.get(..N)?.try_into().ok()
    }
    let int = |v: i64, size: usize| Some((Value::Int(v), size));
    match kind {
        ColumnType::Byte => int(i64::from(i8::from_le_bytes(le(bytes)?)), 1),
        ColumnType::UByte | ColumnType::Bool => int(i64::from(u8::from_le_bytes(le(bytes)?)), 1),
        ColumnType::Short => int(i64::from(i16::from_le_bytes(le(bytes)?)), 2),
        ColumnType::UShort => int(i64::from(u16::from_le_bytes(le(bytes)?)), 2),
        ColumnType::Int => int(i64::from(i32::from_le_bytes(le(bytes)?)), 4),
        ColumnType::UInt => int(i64::from(u32::from_le_bytes(le(bytes)?)), 4),
        ColumnType::Long => int(i64::from_le_bytes(le(bytes)?), 8),
        // GDAL reads an unsigned 64-bit value as a real when it does not fit an integer.
        ColumnType::ULong => {
            let v = u64::from_le_bytes(le(bytes)?);
            match i64::try_from(v) {
                Ok(v) => int(v, 8),
                Err(_) => Some((Value::Real(v as f64), 8)),
            }
        }
        ColumnType::Float => Some((Value::Real(f64::from(f32::from_le_bytes(le(bytes)?))), 4)),
        ColumnType::Double => Some((Value::Real(f64::from_le_bytes(le(bytes)?)), 8)),
        _ => {
            // Text, JSON, date-time and binary: a length, then the bytes.
            let len = u32::from_le_bytes(le(bytes)?) as usize;
            let data = bytes.get(4..4 + len)?;
            let value = if kind == ColumnType::String {
                Value::Text(std::str::from_utf8(data).ok()?)
            } else {
                Value::Null
            };
            Some((value, 4 + len))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Properties as FlatGeobuf writes them: column index, then the value.
    fn properties() -> Vec<u8> {
        let mut p = Vec::new();
        p.extend(0u16.to_le_bytes());
        p.extend(2017i32.to_le_bytes());
        p.extend(1u16.to_le_bytes());
        p.extend(2u32.to_le_bytes());
        p.extend(b"ab");
        // A column not needed (binary), skipped by its length.
        p.extend(2u16.to_le_bytes());
        p.extend(3u32.to_le_bytes());
        p.extend([9, 9, 9]);
        p.extend(4u16.to_le_bytes());
        p.extend(2.5f64.to_le_bytes());
        p
    }

    const KINDS: [ColumnType; 5] = [
        ColumnType::Int,
        ColumnType::String,
        ColumnType::Binary,
        ColumnType::Short,
        ColumnType::Double,
    ];

    #[test]
    fn needed_values_are_found_and_others_skipped() {
        let schema = Schema {
            kinds: &KINDS,
            // year, sex, age band (column 3, absent from this feature), persons.
            wanted: [Some(0), Some(1), Some(3), Some(4)],
        };
        let p = properties();
        let [year, sex, band, persons] = values(&p, schema).expect("valid properties");
        assert!(matches!(year, Value::Int(2017)));
        assert!(matches!(sex, Value::Text("ab")));
        assert!(matches!(band, Value::Null));
        assert!(matches!(persons, Value::Real(v) if v == 2.5));
    }

    #[test]
    fn cut_short_properties_and_features_are_errors_not_panics() {
        let schema = Schema {
            kinds: &KINDS,
            wanted: [Some(0), None, None, None],
        };
        let p = properties();
        for end in 1..p.len() {
            // Every cut either ends at a value's end (fewer values) or is an error.
            let _ = values(&p[..end], schema);
        }
        assert!(values(&p[..p.len() - 1], schema).is_err());
        let mut unknown = p.clone();
        unknown.extend(7u16.to_le_bytes());
        assert!(values(&unknown, schema)
            .err()
            .is_some_and(|e| e.contains("column 7")));
        // A feature whose offsets point past its end.
        assert!(feature(&[8, 0, 0, 0, 200, 0, 0, 0, 0, 0, 0, 0]).is_none());
        assert!(feature(&[]).is_none());
    }

    #[test]
    fn a_header_larger_than_the_file_is_an_error_not_an_allocation() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("damaged.fgb");
        let mut bytes = b"fgb\x03fgb\x01".to_vec();
        bytes.extend(0xFFFF_FFF0u32.to_le_bytes());
        bytes.extend([0u8; 64]);
        std::fs::write(&path, bytes).expect("write");
        let mut file = File::open(&path).expect("open");
        let why = header(&mut file).err().expect("a damaged header");
        assert!(why.contains("more than the file holds"), "{why}");
        let other = dir.path().join("other.fgb");
        std::fs::write(&other, b"fgb\x02fgb\x00\x00\x00\x00\x00").expect("write");
        let why = header(&mut File::open(&other).expect("open")).err();
        assert_eq!(why.as_deref(), Some("not FlatGeobuf version 3"));
    }

    #[test]
    fn blocks_end_at_whole_features() {
        let mut buf = Vec::new();
        for size in [3u32, 0, 5] {
            buf.extend(size.to_le_bytes());
            buf.extend(vec![1u8; size as usize]);
        }
        let whole = whole_features(&buf);
        assert_eq!((whole.features, whole.bytes), (3, buf.len()));
        let cut = whole_features(&buf[..buf.len() - 1]);
        assert_eq!((cut.features, cut.bytes), (2, 4 + 3 + 4));
    }
}
