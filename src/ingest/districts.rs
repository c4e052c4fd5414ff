//! District polygons from any GDAL vector source, reprojected to SWEREF 99 TM (and CRS84 for
//! output) and validated: ids present and unique, geometry present, polygonal and valid.
//!
//! The codes of every feature read, even one with a broken geometry, are kept for checking the
//! district codes of the tables, so one broken polygon does not also make every table row that
//! names it an "unknown district".

use std::collections::HashMap;
use std::path::PathBuf;

use gdal::vector::{
    geometry_type_flatten, geometry_type_to_name, Geometry as GdalGeometry, LayerAccess,
    OGRwkbGeometryType,
};
use geo::{BoundingRect, MultiPolygon};

use super::finding::Location;
use super::gdal_source::{self, field_names, list_or_none, Reprojector};
use super::validity::locate_defect;
use super::{Ctx, Finding, Findings};
use crate::config::Manifest;
use crate::domain::{
    District, DistrictIndex, DwellingRecord, DwellingType, IndicatorRecord, Tenure,
};

/// The districts read, and what table codes can be checked against.
pub(crate) struct Districts {
    /// Districts loaded without problem, in file order.
    pub list: Vec<District>,
    /// Every code read → its index in `list` (`None` when the feature had a problem).
    codes: HashMap<String, Option<usize>>,
    /// False when no code could be read at all (missing file, missing id field): table codes
    /// are then not checked, to avoid a flood of "unknown district" problems.
    pub readable: bool,
    /// True when every feature loaded without problem: spatial joins are then meaningful.
    pub complete: bool,
    /// Suffix stripped from codes (`_DeSO2025`).
    strip_suffix: Option<String>,
    /// The districts source, for messages.
    pub file: PathBuf,
    /// Indicators read from fields of the layer (`[districts] indicators = …`).
    pub indicators: Vec<IndicatorRecord>,
    /// Dwellings read from fields of the layer (`[districts] dwellings = …`).
    pub dwellings: Vec<DwellingRecord>,
}

/// What a district code in a table refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeMatch {
    /// A loaded district.
    Found(usize),
    /// A district whose feature had a problem (already reported), or codes cannot be checked.
    Unchecked,
    /// No such district.
    Unknown,
}

impl Districts {
    /// A code as written in a table or layer, trimmed and without the manifest's suffix.
    pub fn normalize<'a>(&self, raw: &'a str) -> &'a str {
        let t = raw.trim();
        match &self.strip_suffix {
            Some(sfx) if !sfx.is_empty() => t.strip_suffix(sfx.as_str()).unwrap_or(t).trim(),
            _ => t,
        }
    }

    /// Looks up a code as written in a table.
    pub fn lookup(&self, raw: &str) -> CodeMatch {
        if !self.readable {
            return CodeMatch::Unchecked;
        }
        match self.codes.get(self.normalize(raw)) {
            Some(Some(i)) => CodeMatch::Found(*i),
            Some(None) => CodeMatch::Unchecked,
            None => CodeMatch::Unknown,
        }
    }

    /// The spatial index for point joins, when every district loaded.
    pub fn index(&self) -> Option<DistrictIndex<'_>> {
        self.complete.then(|| DistrictIndex::new(&self.list))
    }

    /// A short hint listing a few known codes, for "unknown district" messages.
    pub fn known_hint(&self) -> String {
        let mut codes: Vec<&str> = self.codes.keys().map(String::as_str).collect();
        codes.sort_unstable();
        let shown: Vec<&str> = codes.iter().take(3).copied().collect();
        let more = if codes.len() > shown.len() {
            ", …"
        } else {
            ""
        };
        format!(
            "not a district in {} (codes there: {}{more})",
            self.file.display(),
            shown.join(", ")
        )
    }

    fn empty(file: PathBuf, strip_suffix: Option<String>) -> Self {
        Self {
            list: Vec::new(),
            codes: HashMap::new(),
            readable: false,
            complete: false,
            strip_suffix,
            file,
            indicators: Vec::new(),
            dwellings: Vec::new(),
        }
    }
}

/// Reads `[districts]`.
pub(crate) fn load(manifest: &Manifest, found: &mut Findings) -> Districts {
    let src = &manifest.districts;
    let problems_before = found.problems.len();
    let file = gdal_source::display_path(manifest, &src.source);
    let mut out = Districts::empty(file, src.strip_suffix.clone());

    let Some(source) = gdal_source::open(manifest, &src.source, &src.open_options, found) else {
        return out;
    };
    let file = source.file.clone();
    let Some(mut layer) = gdal_source::layer(&source, src.layer.as_deref(), found) else {
        return out;
    };
    if !gdal_source::has_geometry(&layer) {
        found.problem(Finding::new(
            &file,
            format!(
                "layer '{}' has no geometry: district polygons must come from a GIS layer (GeoPackage, Shapefile, GeoJSON, a CSV with a WKT column…)",
                layer.name()
            ),
        ));
        return out;
    }
    let fields = field_names(&layer);
    let field_index = |name: &str, found: &mut Findings| -> Option<usize> {
        match layer.defn().field_index(name) {
            Ok(i) => Some(i),
            Err(_) => {
                found.problem(
                    Finding::new(
                        &file,
                        format!(
                            "no field '{name}' in layer '{}' (fields: {})",
                            layer.name(),
                            list_or_none(&fields)
                        ),
                    )
                    .in_field(name),
                );
                None
            }
        }
    };
    let id_at = field_index(&src.id_field, found);
    let name_at = match &src.name_field {
        Some(n) => field_index(n, found),
        None => None,
    };
    let crs = gdal_source::crs(
        manifest,
        &file,
        &layer,
        src.crs.as_deref(),
        "districts",
        found,
    );
    let reproject = crs.and_then(|c| Reprojector::new(&c, &file, found));
    let attributes = Attributes::resolve(manifest, &layer, &file, found);
    let Some(id_at) = id_at else {
        return out;
    };
    out.readable = true;

    let mut first_fid: HashMap<String, Option<u64>> = HashMap::new();
    let mut features = 0usize;
    for feature in layer.features() {
        features += 1;
        let fid = feature.fid();
        let raw_id = feature.field_as_string(id_at).ok().flatten();
        let id = raw_id
            .as_deref()
            .map(|s| out.normalize(s).to_string())
            .unwrap_or_default();
        if id.is_empty() {
            found.problem(
                Finding::new(&file, "empty district id")
                    .at_row(fid)
                    .in_field(&src.id_field)
                    .with_value(raw_id.as_deref().unwrap_or("")),
            );
            continue;
        }
        if let Some(first) = first_fid.get(&id) {
            found.problem(
                Finding::new(
                    &file,
                    format!(
                        "duplicate district id: FID {} and FID {} both have it",
                        fid_text(*first),
                        fid_text(fid)
                    ),
                )
                .at_row(fid)
                .in_field(&src.id_field)
                .with_value(&id),
            );
            continue;
        }
        first_fid.insert(id.clone(), fid);
        out.codes.insert(id.clone(), None);

        let name = name_at
            .and_then(|i| feature.field_as_string(i).ok().flatten())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| id.clone());

        let Some(geometry) = polygon_geometry(feature.geometry(), &file, fid, &id, found) else {
            continue;
        };
        let Some(rp) = &reproject else {
            continue;
        };
        let valid = geometry.is_valid();
        let (Some(sweref), Some(lonlat)) = (
            to_multipolygon(geometry, &rp.to_sweref),
            to_multipolygon(geometry, &rp.to_lonlat),
        ) else {
            found.problem(
                Finding::new(&file, "geometry cannot be reprojected to EPSG:3006")
                    .at_row(fid)
                    .in_field("geometry")
                    .with_value(&id),
            );
            continue;
        };
        if !valid {
            found.problem(
                Finding::new(&file, invalid_message(&sweref, rp))
                    .at_row(fid)
                    .in_field("geometry")
                    .with_value(&id),
            );
            continue;
        }
        attributes.read(&feature, fid, out.list.len(), &mut out, found);
        out.codes.insert(id.clone(), Some(out.list.len()));
        out.list.push(District {
            id,
            name,
            geometry: sweref,
            geometry_lonlat: lonlat,
        });
    }
    if features == 0 {
        found.problem(Finding::new(
            &file,
            format!("layer '{}' has no features", layer.name()),
        ));
    }
    out.complete = found.problems.len() == problems_before && !out.list.is_empty();
    if out.complete {
        warn_if_outside_sweden(&out, found);
    }
    out
}

/// The wide attributes a manifest names (`[districts] indicators` and `dwellings`), resolved to
/// field positions of the layer. A field the layer lacks is a problem listing its fields, like a
/// missing column of a table.
struct Attributes {
    /// (field position, field name, indicator name, year).
    indicators: Vec<(usize, String, String, i32)>,
    /// (field position, field name, type, tenure, year).
    dwellings: Vec<(usize, String, DwellingType, Tenure, i32)>,
    file: PathBuf,
}

impl Attributes {
    fn resolve(
        manifest: &Manifest,
        layer: &gdal::vector::Layer<'_>,
        file: &std::path::Path,
        found: &mut Findings,
    ) -> Self {
        let src = &manifest.districts;
        let fields = field_names(layer);
        let at = |name: &str, key: &str, found: &mut Findings| -> Option<usize> {
            let i = fields.iter().position(|f| f == name).or_else(|| {
                fields
                    .iter()
                    .position(|f| f.to_lowercase() == name.to_lowercase())
            });
            if i.is_none() {
                found.problem(
                    Finding::new(
                        file,
                        format!(
                            "no field '{name}' in layer '{}' (named by {key} in the manifest; fields: {})",
                            layer.name(),
                            list_or_none(&fields)
                        ),
                    )
                    .in_field(name),
                );
            }
            i
        };
        let mut out = Self {
            indicators: Vec::new(),
            dwellings: Vec::new(),
            file: file.to_path_buf(),
        };
        let mut seen_indicators = HashMap::new();
        for (k, a) in src.indicators.iter().enumerate() {
            let key = format!("districts.indicators[{k}]");
            let name = a.indicator.trim();
            if name.is_empty() {
                found.problem(
                    Finding::new(&manifest.path, "empty indicator name")
                        .in_field(&format!("{key}.indicator")),
                );
                continue;
            }
            if !year_ok(manifest, &key, a.year, found) {
                continue;
            }
            if let Some(first) = seen_indicators.insert((name.to_string(), a.year), k) {
                found.problem(
                    Finding::new(
                        &manifest.path,
                        format!("indicator '{name}' of {} is named twice (see districts.indicators[{first}])", a.year),
                    )
                    .in_field(&key)
                    .with_value(name),
                );
                continue;
            }
            let field = a.field.as_deref().unwrap_or(name);
            if let Some(i) = at(field, &key, found) {
                out.indicators
                    .push((i, field.to_string(), name.to_string(), a.year));
            }
        }
        let mut seen_dwellings = HashMap::new();
        for (k, a) in src.dwellings.iter().enumerate() {
            let key = format!("districts.dwellings[{k}]");
            let tenure = match super::codes::parse_tenure(&a.tenure) {
                Ok(t) => Some(t),
                Err(message) => {
                    found.problem(
                        Finding::new(&manifest.path, message)
                            .in_field(&format!("{key}.tenure"))
                            .with_value(&a.tenure),
                    );
                    None
                }
            };
            let kind = match a.dwelling_type.as_deref() {
                None => Some(DwellingType::Ovrigt),
                Some(raw) => match super::codes::parse_dwelling_type(raw) {
                    Ok(t) => Some(t),
                    Err(message) => {
                        found.problem(
                            Finding::new(&manifest.path, message)
                                .in_field(&format!("{key}.type"))
                                .with_value(raw),
                        );
                        None
                    }
                },
            };
            let (Some(tenure), Some(kind)) = (tenure, kind) else {
                continue;
            };
            if !year_ok(manifest, &key, a.year, found) {
                continue;
            }
            if let Some(first) = seen_dwellings.insert((kind, tenure, a.year), k) {
                found.problem(
                    Finding::new(
                        &manifest.path,
                        format!(
                            "dwellings of type {} and tenure {} in {} are named twice (see districts.dwellings[{first}]); they would be counted twice",
                            kind.code(),
                            tenure.code(),
                            a.year
                        ),
                    )
                    .in_field(&key)
                    .with_value(&a.field),
                );
                continue;
            }
            if let Some(i) = at(&a.field, &key, found) {
                out.dwellings
                    .push((i, a.field.clone(), kind, tenure, a.year));
            }
        }
        out
    }

    /// Reads the named fields of one feature (district `district`). An empty (null) field is
    /// no value, like SCB's `..`; anything else must be a number (a count ≥ 0 for dwellings).
    fn read(
        &self,
        feature: &gdal::vector::Feature<'_>,
        fid: Option<u64>,
        district: usize,
        out: &mut Districts,
        found: &mut Findings,
    ) {
        let value = |i: usize| -> Option<String> {
            feature
                .field_as_string(i)
                .ok()
                .flatten()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty() && s != ".." && s != "-")
        };
        let cells = Location {
            file: &self.file,
            row: fid,
        };
        for (i, field, indicator, year) in &self.indicators {
            let Some(raw) = value(*i) else { continue };
            if let Some(v) = cells.parse(field, &raw, super::values::number, found) {
                out.indicators.push(IndicatorRecord {
                    district,
                    year: *year,
                    indicator: indicator.clone(),
                    value: v,
                });
            }
        }
        for (i, field, kind, tenure, year) in &self.dwellings {
            let Some(raw) = value(*i) else { continue };
            if let Some(n) = cells.parse(field, &raw, super::values::count, found) {
                out.dwellings.push(DwellingRecord {
                    district,
                    year: *year,
                    dwelling_type: *kind,
                    tenure: *tenure,
                    dwellings: n,
                });
            }
        }
    }
}

/// The district of a row: a problem for an empty or unknown code. `Ok(None)` means "do not
/// check further" (the district's own feature had a problem, already reported).
pub(crate) fn row_district(
    ctx: &Ctx<'_>,
    at: &Location<'_>,
    field: &str,
    raw: &str,
    found: &mut Findings,
) -> Result<Option<usize>, ()> {
    if raw.trim().is_empty() {
        found.problem(
            at.finding("empty district code")
                .in_field(field)
                .with_value(raw),
        );
        return Err(());
    }
    match ctx.districts.lookup(raw) {
        CodeMatch::Found(i) => Ok(Some(i)),
        CodeMatch::Unchecked => Ok(None),
        CodeMatch::Unknown => {
            let stripped = ctx.districts.normalize(raw);
            let shown = if stripped != raw.trim() {
                format!("unknown district code '{stripped}' (suffix stripped): ")
            } else {
                "unknown district code: ".to_string()
            };
            let hint = suffix_hint(ctx, raw).unwrap_or_else(|| ctx.districts.known_hint());
            found.problem(
                at.finding(format!("{shown}{hint}"))
                    .in_field(field)
                    .with_value(raw),
            );
            Err(())
        }
    }
}

/// When a code is a known district plus a suffix (`1489C1010_DeSO2025`), the manifest most
/// likely lacks `strip_suffix`: say so.
fn suffix_hint(ctx: &Ctx<'_>, raw: &str) -> Option<String> {
    let (head, tail) = raw.trim().rsplit_once('_')?;
    match ctx.districts.lookup(head) {
        CodeMatch::Found(_) | CodeMatch::Unchecked => Some(format!(
            "'{head}' is a district; set strip_suffix = \"_{tail}\" under [districts]"
        )),
        CodeMatch::Unknown => None,
    }
}

/// A year of an attribute entry in 1800–2200; a problem naming the manifest key otherwise.
fn year_ok(manifest: &Manifest, key: &str, year: i32, found: &mut Findings) -> bool {
    match super::values::year(&year.to_string()) {
        Ok(_) => true,
        Err(message) => {
            found.problem(
                Finding::new(&manifest.path, message)
                    .in_field(&format!("{key}.year"))
                    .with_value(&year.to_string()),
            );
            false
        }
    }
}

/// `3`, or `?` for a feature without FID.
fn fid_text(fid: Option<u64>) -> String {
    fid.map(|f| f.to_string()).unwrap_or_else(|| "?".into())
}

/// The feature's geometry if it is a non-empty polygon or multipolygon; otherwise a problem.
fn polygon_geometry<'g>(
    geometry: Option<&'g GdalGeometry>,
    file: &std::path::Path,
    fid: Option<u64>,
    id: &str,
    found: &mut Findings,
) -> Option<&'g GdalGeometry> {
    let problem = |message: String| {
        Finding::new(file, message)
            .at_row(fid)
            .in_field("geometry")
            .with_value(id)
    };
    let Some(g) = geometry else {
        found.problem(problem("no geometry".into()));
        return None;
    };
    // A null geometry reads as empty too: GDAL answers "empty" for a missing one.
    if g.is_empty() {
        found.problem(problem("empty or missing geometry".into()));
        return None;
    }
    let kind = geometry_type_flatten(g.geometry_type());
    if kind != OGRwkbGeometryType::wkbPolygon && kind != OGRwkbGeometryType::wkbMultiPolygon {
        found.problem(problem(format!(
            "geometry is a {}; a district must be a Polygon or MultiPolygon (curves: convert with ogr2ogr -nlt MULTIPOLYGON)",
            geometry_type_to_name(kind)
        )));
        return None;
    }
    Some(g)
}

/// Reprojects a GDAL polygon or multipolygon and converts it to a 2D `geo` multipolygon.
fn to_multipolygon(
    g: &GdalGeometry,
    ct: &gdal::spatial_ref::CoordTransform,
) -> Option<MultiPolygon<f64>> {
    let mut t = g.transform(ct).ok()?;
    t.flatten_to_2d();
    match t.to_geo().ok()? {
        geo::Geometry::Polygon(p) => Some(MultiPolygon(vec![p])),
        geo::Geometry::MultiPolygon(mp) => Some(mp),
        _ => None,
    }
}

/// "invalid geometry: self-intersection at E … N … (EPSG:3006; lon … lat …)".
fn invalid_message(sweref: &MultiPolygon<f64>, rp: &Reprojector) -> String {
    match locate_defect(sweref) {
        Some(d) => {
            let lonlat = rp
                .lonlat_of(d.at.x, d.at.y)
                .map(|(lon, lat)| format!("; lon {lon:.6} lat {lat:.6}"))
                .unwrap_or_default();
            format!(
                "invalid geometry: {} at E {:.1} N {:.1} (EPSG:3006{lonlat}); fix it in QGIS (Vector › Geometry Tools › Check Validity) or with ST_MakeValid",
                d.reason, d.at.x, d.at.y
            )
        }
        None => "invalid geometry (GEOS); fix it in QGIS (Vector › Geometry Tools › Check Validity) or with ST_MakeValid".into(),
    }
}

/// Districts far from Sweden usually mean a wrong CRS (a declared `crs` that is not the data's,
/// or swapped axes): worth a warning.
fn warn_if_outside_sweden(d: &Districts, found: &mut Findings) {
    let Some(bbox) = d
        .list
        .iter()
        .filter_map(|x| x.geometry.bounding_rect())
        .reduce(|a, b| {
            geo::Rect::new(
                geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        })
    else {
        return;
    };
    // SWEREF 99 TM covers Sweden within about E 200 000–1 000 000, N 6 100 000–7 700 000.
    let inside = bbox.min().x > 100_000.0
        && bbox.max().x < 1_100_000.0
        && bbox.min().y > 6_000_000.0
        && bbox.max().y < 7_800_000.0;
    if !inside {
        found.warning(Finding::new(
            &d.file,
            format!(
                "districts lie outside Sweden (E {:.0}–{:.0}, N {:.0}–{:.0} in EPSG:3006): is the CRS right?",
                bbox.min().x,
                bbox.max().x,
                bbox.min().y,
                bbox.max().y
            ),
        ));
    }
}
