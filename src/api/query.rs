//! The items query: parameters of `/collections/{id}/items` checked against the collection,
//! and the selection they make (filter, sort, page).
//!
//! Strict, as OGC API - Features Part 1 requires: a parameter the path does not know is a 400
//! naming it (`/req/core/query-param-unknown`), a bad value is a 400 naming the parameter and
//! value (`/req/core/query-param-invalid`), a parameter given twice is a 400 (property filters
//! excepted: repeating one means "any of"), an empty value is a 400 saying what it takes
//! (`properties=` excepted: no properties). `filter` (CQL2) is refused rather than ignored,
//! since ignoring a filter would silently return the wrong features. A `limit` above the
//! maximum is clamped to it (`/req/core/fc-limit-response-1`).
//!
//! Works on the decoded query pairs only, so the OpenAPI document can use its constants
//! without depending on request handling.

use std::cmp::Ordering;

use geo::{Intersects, Rect};
use serde_json::Value;

use super::crs::{Crs, Family};
use super::error::ApiError;
use super::prepared::{published, Collection, FieldKind};
use super::temporal::{parse_datetime, TimeQuery};

/// Page size when `limit` is not given (also declared in the OpenAPI document).
pub const DEFAULT_LIMIT: usize = 100;
/// Largest page; a larger `limit` is clamped to it.
pub const MAX_LIMIT: usize = 10_000;

/// Parameters of the items path with a meaning of their own: never taken as property filters,
/// each at most once.
pub const RESERVED: &[&str] = &[
    "f",
    "limit",
    "offset",
    "bbox",
    "bbox-crs",
    "crs",
    "datetime",
    "year",
    "sortby",
    "properties",
    "filter",
    "filter-lang",
    "filter-crs",
];

/// Parameters of one feature (`/collections/{id}/items/{featureId}`).
pub const ITEM_PARAMS: &[&str] = &["f", "crs", "properties"];

/// Parameters of the metadata documents (`/`, `/conformance`, `/api`, `/collections`, …).
pub const DOCUMENT_PARAMS: &[&str] = &["f"];

/// The single value of `name` in `pairs`; a parameter given twice is an error.
pub fn single<'a>(pairs: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, ApiError> {
    let mut found = None;
    for (k, v) in pairs {
        if k == name {
            if found.is_some() {
                return Err(ApiError::repeated_param(name));
            }
            found = Some(v.as_str());
        }
    }
    Ok(found)
}

/// The single, non-empty value of `name`; an empty value is a 400 saying it takes `expected`.
fn value<'a>(
    pairs: &'a [(String, String)],
    name: &str,
    expected: &str,
) -> Result<Option<&'a str>, ApiError> {
    match single(pairs, name)? {
        Some(v) if v.trim().is_empty() => Err(ApiError::empty_param(name, expected)),
        other => Ok(other),
    }
}

/// A 400 naming every parameter of `pairs` that is neither in `known` nor accepted by
/// `is_field` (`/req/core/query-param-unknown`); `fields` names what `is_field` accepts.
pub fn check_known(
    pairs: &[(String, String)],
    known: &[&str],
    is_field: impl Fn(&str) -> bool,
    fields: Option<&str>,
) -> Result<(), ApiError> {
    let mut unknown: Vec<&str> = Vec::new();
    for (k, _) in pairs {
        if !known.contains(&k.as_str()) && !is_field(k) && !unknown.contains(&k.as_str()) {
            unknown.push(k);
        }
    }
    if unknown.is_empty() {
        return Ok(());
    }
    let mut takes = if known.is_empty() {
        "no parameters".to_string()
    } else {
        known.join(", ")
    };
    if let Some(f) = fields {
        takes.push_str(&format!(" and {f}"));
    }
    Err(ApiError::unknown_params(&unknown, &takes))
}

/// A 400 for the first parameter of `pairs` given twice among those `single` accepts.
pub fn check_repeats(
    pairs: &[(String, String)],
    single: impl Fn(&str) -> bool,
) -> Result<(), ApiError> {
    for (i, (k, _)) in pairs.iter().enumerate() {
        if single(k) && pairs[..i].iter().any(|(p, _)| p == k) {
            return Err(ApiError::repeated_param(k));
        }
    }
    Ok(())
}

const CRS_EXPECTED: &str = "a CRS URI: http://www.opengis.net/def/crs/OGC/1.3/CRS84, \
    http://www.opengis.net/def/crs/EPSG/0/4326 or http://www.opengis.net/def/crs/EPSG/0/3006";
const BBOX_EXPECTED: &str = "4 (or 6) comma-separated numbers minx,miny,maxx,maxy";
const COUNT_EXPECTED: &str = "a whole number ≥ 0";
const LIMIT_EXPECTED: &str = "a whole number from 1 to 10000";

/// A `bbox` in one geometry family, as one or two (across the antimeridian) rectangles
/// `[minx, miny, maxx, maxy]` with x = longitude or easting.
#[derive(Debug, Clone)]
pub struct BboxFilter {
    /// Which prepared geometry it applies to.
    pub family: Family,
    /// Rectangles; a feature matches when it meets any.
    pub rects: Vec<[f64; 4]>,
}

/// A checked items query.
#[derive(Debug, Clone)]
pub struct ItemsQuery {
    /// Page size (clamped to [`MAX_LIMIT`]).
    pub limit: usize,
    /// Features to skip.
    pub offset: usize,
    /// Spatial filter.
    pub bbox: Option<BboxFilter>,
    /// Response CRS.
    pub crs: Crs,
    /// Temporal filter (`datetime` and `year` together).
    pub time: Option<TimeQuery>,
    /// Property equality filters: field index and accepted values (any of).
    pub equals: Vec<(usize, Vec<Value>)>,
    /// Sort keys: field index, descending.
    pub sortby: Vec<(usize, bool)>,
    /// Properties to write (field indices), `None` for all.
    pub properties: Option<Vec<usize>>,
}

/// Parses the response CRS (`crs`), CRS84 when absent.
pub fn parse_crs(pairs: &[(String, String)]) -> Result<Crs, ApiError> {
    match value(pairs, "crs", CRS_EXPECTED)? {
        None => Ok(Crs::Crs84),
        Some(v) => Crs::parse(v).ok_or_else(|| {
            ApiError::bad_param(
                "crs",
                v,
                format!("unsupported CRS; use one of {}", Crs::accepted()),
            )
        }),
    }
}

/// Parses the `properties` list against `c`.
pub fn parse_properties(
    pairs: &[(String, String)],
    c: &Collection,
) -> Result<Option<Vec<usize>>, ApiError> {
    let Some(v) = single(pairs, "properties")? else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for name in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let i = c.field(name).ok_or_else(|| {
            ApiError::bad_param(
                "properties",
                v,
                format!("no property '{name}' in '{}'; {}", c.id, field_list(c)),
            )
        })?;
        if !out.contains(&i) {
            out.push(i);
        }
    }
    Ok(Some(out))
}

fn field_list(c: &Collection) -> String {
    let names: Vec<&str> = c.fields.iter().map(|f| f.name.as_str()).collect();
    format!("properties are: {}", names.join(", "))
}

/// A whole number ≥ 0 written in digits; one too large for the machine counts as the largest
/// (a `limit` is clamped anyway, an `offset` past the end gives an empty page).
fn parse_count(name: &str, v: &str) -> Result<usize, ApiError> {
    let t = v.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::bad_param(
            name,
            v,
            format!("expected {COUNT_EXPECTED}"),
        ));
    }
    Ok(t.parse::<usize>().unwrap_or(usize::MAX))
}

fn parse_bbox(pairs: &[(String, String)]) -> Result<Option<BboxFilter>, ApiError> {
    let bbox_crs = match value(pairs, "bbox-crs", CRS_EXPECTED)? {
        None => Crs::Crs84,
        Some(v) => Crs::parse(v).ok_or_else(|| {
            ApiError::bad_param(
                "bbox-crs",
                v,
                format!("unsupported CRS; use one of {}", Crs::accepted()),
            )
        })?,
    };
    let Some(v) = value(pairs, "bbox", BBOX_EXPECTED)? else {
        return Ok(None);
    };
    let nums: Vec<f64> = v
        .split(',')
        .map(|t| t.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| ApiError::bad_param("bbox", v, "expected 4 (or 6) comma-separated numbers"))?;
    let (a0, a1, a2, a3) = match nums.as_slice() {
        [a, b, c, d] => (*a, *b, *c, *d),
        [a, b, _, d, e, _] => (*a, *b, *d, *e),
        _ => {
            return Err(ApiError::bad_param(
                "bbox",
                v,
                "expected 4 (or 6) comma-separated numbers",
            ))
        }
    };
    if ![a0, a1, a2, a3].iter().all(|x| x.is_finite()) {
        return Err(ApiError::bad_param("bbox", v, "numbers must be finite"));
    }
    // To x (longitude/easting), y (latitude/northing).
    let (minx, miny, maxx, maxy) = if bbox_crs.swaps_axes() {
        (a1, a0, a3, a2)
    } else {
        (a0, a1, a2, a3)
    };
    let family = bbox_crs.family();
    let axes = if bbox_crs.swaps_axes() {
        match family {
            Family::LonLat => "latitude, longitude",
            Family::Metric => "northing, easting",
        }
    } else {
        "longitude, latitude"
    };
    if miny > maxy {
        return Err(ApiError::bad_param(
            "bbox",
            v,
            format!(
                "the lower corner lies above the upper corner (axis order in {bbox_crs}: {axes})"
            ),
        ));
    }
    let rects = match family {
        Family::LonLat => {
            if miny < -90.0 || maxy > 90.0 || minx.abs() > 180.0 || maxx.abs() > 180.0 {
                return Err(ApiError::bad_param(
                    "bbox",
                    v,
                    format!("outside the range of {bbox_crs} (axis order: {axes})"),
                ));
            }
            if minx > maxx {
                // Crosses the antimeridian.
                vec![[minx, miny, 180.0, maxy], [-180.0, miny, maxx, maxy]]
            } else {
                vec![[minx, miny, maxx, maxy]]
            }
        }
        Family::Metric => {
            if minx > maxx {
                return Err(ApiError::bad_param(
                    "bbox",
                    v,
                    format!("the lower corner lies right of the upper corner (axis order in {bbox_crs}: {axes})"),
                ));
            }
            vec![[minx, miny, maxx, maxy]]
        }
    };
    // Features are compared as published (rounded to the decimals of their CRS): the box is
    // rounded the same way, so a box of published coordinates and a box of exact ones both
    // contain what lies on their edges.
    let decimals = match family {
        Family::LonLat => Crs::Crs84.decimals(),
        Family::Metric => Crs::Epsg3006.decimals(),
    };
    let rects = rects
        .into_iter()
        .map(|r| r.map(|v| published(v, decimals)))
        .collect();
    Ok(Some(BboxFilter { family, rects }))
}

const DATETIME_EXPECTED: &str = "an RFC 3339 date-time (2030-06-01T00:00:00Z), a date \
    (2030-06-01), a year (2030) or an interval start/end with '..' for an open end (2025/2030, 2030/..)";
const YEAR_EXPECTED: &str = "a year (2030) or an interval of years (2025/2030, 2030/..)";

fn parse_time(pairs: &[(String, String)], c: &Collection) -> Result<Option<TimeQuery>, ApiError> {
    let datetime = value(pairs, "datetime", DATETIME_EXPECTED)?;
    let year = value(pairs, "year", YEAR_EXPECTED)?;
    if datetime.is_none() && year.is_none() {
        return Ok(None);
    }
    if c.temporal.is_none() {
        let (name, v) = match (datetime, year) {
            (Some(d), _) => ("datetime", d),
            (None, Some(y)) => ("year", y),
            (None, None) => ("datetime", ""),
        };
        return Err(ApiError::bad_param(
            name,
            v,
            format!("collection '{}' has no time dimension", c.id),
        ));
    }
    let mut q = TimeQuery::default();
    if let Some(d) = datetime {
        q = q.and(parse_datetime(d).map_err(|e| ApiError::bad_param("datetime", d, e))?);
    }
    if let Some(y) = year {
        if !y
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'/' || b == b'.')
        {
            return Err(ApiError::bad_param(
                "year",
                y,
                format!("expected {YEAR_EXPECTED}"),
            ));
        }
        q = q.and(parse_datetime(y).map_err(|e| ApiError::bad_param("year", y, e))?);
    }
    Ok(Some(q))
}

fn parse_value(kind: FieldKind, name: &str, v: &str) -> Result<Value, ApiError> {
    match kind {
        FieldKind::Text => Ok(Value::String(v.to_string())),
        FieldKind::Integer => v
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| ApiError::bad_param(name, v, "expected a whole number")),
        FieldKind::Real => v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Value::from)
            .ok_or_else(|| ApiError::bad_param(name, v, "expected a number")),
        FieldKind::Boolean => match v.trim() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(ApiError::bad_param(name, v, "expected true or false")),
        },
        FieldKind::List => Err(ApiError::bad_param(
            name,
            v,
            "a list property cannot be filtered on",
        )),
    }
}

fn parse_sortby(
    pairs: &[(String, String)],
    c: &Collection,
) -> Result<Vec<(usize, bool)>, ApiError> {
    let Some(v) = value(
        pairs,
        "sortby",
        "comma-separated property names, each optionally prefixed with + or -",
    )?
    else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for key in v.split(',') {
        // A '+' arrives as a space when the client did not percent-encode it.
        let key = key.trim();
        let (name, desc) = match key.as_bytes().first() {
            Some(b'-') => (&key[1..], true),
            Some(b'+') => (&key[1..], false),
            _ => (key, false),
        };
        if name.is_empty() {
            return Err(ApiError::bad_param("sortby", v, "empty sort key"));
        }
        let i = c.field(name).ok_or_else(|| {
            ApiError::bad_param(
                "sortby",
                v,
                format!("no property '{name}' in '{}'; {}", c.id, field_list(c)),
            )
        })?;
        out.push((i, desc));
    }
    Ok(out)
}

impl ItemsQuery {
    /// Checks every parameter of `pairs` against collection `c`: unknown, repeated, empty and
    /// bad values are 400s naming the parameter.
    pub fn parse(pairs: &[(String, String)], c: &Collection) -> Result<Self, ApiError> {
        check_known(
            pairs,
            RESERVED,
            |k| c.field(k).is_some(),
            Some(&format!("the properties of '{}' as filters", c.id)),
        )?;
        check_repeats(pairs, |k| RESERVED.contains(&k))?;
        for name in ["filter", "filter-lang", "filter-crs"] {
            if let Some(f) = single(pairs, name)? {
                return Err(ApiError::bad_param(
                    name,
                    f,
                    "CQL2 filters are not supported; filter by equality with ?property=value",
                ));
            }
        }
        let limit = match value(pairs, "limit", LIMIT_EXPECTED)? {
            None => DEFAULT_LIMIT,
            Some(v) => {
                let n = parse_count("limit", v)?;
                if n == 0 {
                    return Err(ApiError::bad_param(
                        "limit",
                        v,
                        format!("must be 1 to {MAX_LIMIT}"),
                    ));
                }
                n.min(MAX_LIMIT)
            }
        };
        let offset = match value(pairs, "offset", COUNT_EXPECTED)? {
            None => 0,
            Some(v) => parse_count("offset", v)?,
        };
        let mut equals: Vec<(usize, Vec<Value>)> = Vec::new();
        for (k, v) in pairs {
            if RESERVED.contains(&k.as_str()) {
                continue;
            }
            let Some(i) = c.field(k) else { continue };
            let value = parse_value(c.fields[i].kind, k, v)?;
            match equals.iter_mut().find(|(j, _)| *j == i) {
                Some((_, vals)) => vals.push(value),
                None => equals.push((i, vec![value])),
            }
        }
        Ok(Self {
            limit,
            offset,
            bbox: parse_bbox(pairs)?,
            crs: parse_crs(pairs)?,
            time: parse_time(pairs, c)?,
            equals,
            sortby: parse_sortby(pairs, c)?,
            properties: parse_properties(pairs, c)?,
        })
    }

    /// True when the query only pages (no filter, no sort): the selection is a plain range.
    fn pages_only(&self) -> bool {
        self.bbox.is_none()
            && self.time.is_none()
            && self.equals.is_empty()
            && self.sortby.is_empty()
    }

    /// Indices of the matching features, sorted; and their count (`numberMatched`).
    /// The page is `matched[offset..offset + limit]`.
    pub fn select(&self, c: &Collection) -> Selection {
        if self.pages_only() {
            return Selection::All(c.features.len());
        }
        // Exact geometry tests are done once per shape, shared by features; with a `bbox`
        // only the features of the shapes the R-tree finds are looked at.
        let mut shape_hit: Vec<u8> = Vec::new();
        let mut candidates: Option<Vec<u32>> = None;
        if let Some(b) = &self.bbox {
            shape_hit = vec![0; c.shapes.len()];
            let mut near: Vec<usize> = b
                .rects
                .iter()
                .flat_map(|r| c.shapes_meeting(b.family, *r))
                .collect();
            near.sort_unstable();
            near.dedup();
            let mut list: Vec<u32> = near
                .into_iter()
                .flat_map(|s| c.features_of_shape(s).iter().copied())
                .collect();
            list.sort_unstable();
            candidates = Some(list);
        }
        let all: Vec<u32>;
        let order: &[u32] = match &candidates {
            Some(list) => list,
            None => {
                all = (0..c.features.len() as u32).collect();
                &all
            }
        };
        let mut out: Vec<u32> = Vec::new();
        for &i in order {
            let (i, f) = (i as usize, &c.features[i as usize]);
            if let Some(t) = &self.time {
                if !f.time.is_some_and(|span| span.meets(t)) {
                    continue;
                }
            }
            if !self.equals.iter().all(|(fi, vals)| {
                let v = &f.values[*fi];
                vals.iter().any(|q| value_eq(v, q))
            }) {
                continue;
            }
            if let Some(b) = &self.bbox {
                let Some(s) = f.shape else { continue };
                let s = s as usize;
                if shape_hit[s] == 0 {
                    let shape = &c.shapes[s];
                    let bb = shape.bbox(b.family);
                    let hit = b.rects.iter().any(|r| {
                        bb[0] <= r[2]
                            && bb[2] >= r[0]
                            && bb[1] <= r[3]
                            && bb[3] >= r[1]
                            && shape
                                .geometry(b.family)
                                .intersects(&Rect::new((r[0], r[1]), (r[2], r[3])))
                    });
                    shape_hit[s] = if hit { 1 } else { 2 };
                }
                if shape_hit[s] != 1 {
                    continue;
                }
            }
            out.push(i as u32);
        }
        if !self.sortby.is_empty() {
            out.sort_by(|&a, &b| {
                let (fa, fb) = (&c.features[a as usize], &c.features[b as usize]);
                for &(fi, desc) in &self.sortby {
                    let o = compare(&fa.values[fi], &fb.values[fi], desc);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                Ordering::Equal
            });
        }
        Selection::Some(out)
    }
}

/// The features a query matched.
#[derive(Debug)]
pub enum Selection {
    /// All `n` features in natural order.
    All(usize),
    /// These feature indices, in order.
    Some(Vec<u32>),
}

impl Selection {
    /// `numberMatched`.
    pub fn len(&self) -> usize {
        match self {
            Selection::All(n) => *n,
            Selection::Some(v) => v.len(),
        }
    }
    /// True when nothing matched.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Feature indices of the page `offset..offset + limit`.
    pub fn page(&self, offset: usize, limit: usize) -> Vec<usize> {
        let n = self.len();
        let start = offset.min(n);
        let end = offset.saturating_add(limit).min(n);
        match self {
            Selection::All(_) => (start..end).collect(),
            Selection::Some(v) => v[start..end].iter().map(|&i| i as usize).collect(),
        }
    }
}

fn value_eq(v: &Value, q: &Value) -> bool {
    match (v, q) {
        (Value::Number(a), Value::Number(b)) => match (a.as_i64(), b.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => a.as_f64() == b.as_f64(),
        },
        _ => v == q,
    }
}

/// Orders values of one property; nulls come last in both directions.
fn compare(a: &Value, b: &Value, desc: bool) -> Ordering {
    let o = match (a, b) {
        (Value::Null, Value::Null) => return Ordering::Equal,
        (Value::Null, _) => return Ordering::Greater,
        (_, Value::Null) => return Ordering::Less,
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            x.total_cmp(&y)
        }
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => a.to_string().cmp(&b.to_string()),
    };
    if desc {
        o.reverse()
    } else {
        o
    }
}
