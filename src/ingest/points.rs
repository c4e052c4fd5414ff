//! The point (and polygon) layers: address points with persons by age band, joined to districts
//! through the R-tree and summed; transit stops; pipeline projects with their stage dates.
//!
//! Address points are the big input (about 100,000 rows in the default dataset), so they are
//! read in one pass into flat arrays, reprojected in batches (one PROJ call per 8,192 points)
//! and located through [`crate::domain::DistrictIndex`]. Points in no district are counted,
//! with examples, in a [`PointJoin`] and a warning; they are never dropped silently.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gdal::vector::{
    geometry_type_flatten, geometry_type_to_name, Feature, Geometry as GdalGeometry, Layer,
    LayerAccess, OGRwkbGeometryType,
};
use geo::{InteriorPoint, Point};

use super::csv_table::{Columns, Need, Wanted};
use super::gdal_source::{self, field_names, list_or_none, transform_in_place, Reprojector};
use super::tables::{
    parse_band, parse_dwelling_type, parse_sex, parse_tenure, row_district, row_year, Cells,
    Duplicates,
};
use super::{points_arrow, points_csv, values, Ctx, Findings, OutsidePoint, PointJoin, Problem};
use crate::config::TableSource;
use crate::domain::{
    PopulationRecord, Project, ProjectStage, Residence, Sex, StageDates, Tenure, TransitMode,
    TransitStop,
};

/// How many points outside every district are shown as examples.
const EXAMPLES: usize = 5;

/// Finds the wanted fields in a layer (case-insensitive, as OGR does), through the manifest's
/// column mapping. A missing required field is a problem listing the layer's fields.
fn layer_columns(
    file: &Path,
    layer: &Layer<'_>,
    source: &TableSource,
    wanted: &[Wanted<'_>],
    found: &mut Findings,
) -> Option<Columns> {
    let fields = field_names(layer);
    let mut index = Vec::with_capacity(wanted.len());
    let mut names = Vec::with_capacity(wanted.len());
    let mut complete = true;
    for &(ours, need) in wanted {
        let theirs = source.column(ours);
        let at = layer.defn().field_index(theirs).ok();
        if at.is_none() && need == Need::Required {
            complete = false;
            found.problem(
                Problem::new(
                    file,
                    format!(
                        "missing field '{theirs}' in layer '{}' (fields: {})",
                        layer.name(),
                        list_or_none(&fields)
                    ),
                )
                .in_field(theirs),
            );
        }
        index.push(at);
        names.push(theirs.to_string());
    }
    complete.then(|| Columns::from_parts(index, names))
}

/// The text of field `at` of a feature; `""` for null or absent.
fn text(feature: &Feature<'_>, at: Option<usize>) -> String {
    at.and_then(|i| feature.field_as_string(i).ok().flatten())
        .unwrap_or_default()
}

/// The coordinates of a point geometry, or why it is not one.
fn point_xy(g: Option<&GdalGeometry>) -> Result<(f64, f64), String> {
    let Some(g) = g else {
        return Err("no geometry".into());
    };
    if g.is_empty() {
        return Err("empty or missing geometry".into());
    }
    let kind = geometry_type_flatten(g.geometry_type());
    if kind != OGRwkbGeometryType::wkbPoint {
        return Err(format!(
            "geometry is a {}; expected a Point",
            geometry_type_to_name(kind)
        ));
    }
    let (x, y, _) = g.get_point(0);
    if x.is_finite() && y.is_finite() {
        Ok((x, y))
    } else {
        Err("point has no finite coordinates".into())
    }
}

/// The GDAL source of a point part: `source`, or `path` (read through GDAL too).
fn point_source<'s>(
    ctx: &Ctx<'_>,
    part: &str,
    source: &'s TableSource,
    found: &mut Findings,
) -> Option<&'s str> {
    match (&source.source, &source.path) {
        (Some(s), None) | (None, Some(s)) => Some(s.as_str()),
        (Some(_), Some(_)) => {
            found.problem(
                Problem::new(
                    &ctx.manifest.path,
                    format!("[{part}] names both `path` and `source`; give one"),
                )
                .in_field(part),
            );
            None
        }
        (None, None) => {
            found.problem(
                Problem::new(
                    &ctx.manifest.path,
                    format!("[{part}] needs `source` (a GDAL point layer)"),
                )
                .in_field(&format!("{part}.source")),
            );
            None
        }
    }
}

/// The hint for a point layer without geometry.
fn no_points_message(layer: &Layer<'_>) -> String {
    format!(
        "layer '{}' has no point geometry; for a CSV of points add open_options = [\"X_POSSIBLE_NAMES=x\", \"Y_POSSIBLE_NAMES=y\"] (or lon/lat) and `crs`",
        layer.name()
    )
}

/// One address point's attributes, kept until its district is known.
struct AddressRow {
    fid: Option<u64>,
    year: i32,
    sex: Sex,
    band: usize,
    persons: f64,
}

/// Address points (a GDAL point layer with `year,sex,age_band,persons`), each located in a
/// district and summed per district, year, sex and band.
pub(crate) fn address_points(
    ctx: &Ctx<'_>,
    source_name: &str,
    found: &mut Findings,
) -> (Vec<PopulationRecord>, Vec<Residence>) {
    let src = &ctx.manifest.population;
    if let Some(direct) = points_csv::DirectCsv::new(ctx, source_name, src) {
        let index = ctx.districts.index();
        if let Some(summed) = points_csv::read(ctx, &direct, src, index.as_ref(), found) {
            return match (summed, index.is_some()) {
                (Some(summed), true) => summed_points(direct.file, summed, found),
                (Some(summed), false) => {
                    if summed.read == 0 {
                        found.warning(Problem::new(&direct.file, "has no address points"));
                    }
                    (Vec::new(), Vec::new())
                }
                (None, _) => (Vec::new(), Vec::new()),
            };
        }
    }
    let Some(source) = gdal_source::open(ctx.manifest, source_name, &src.open_options, found)
    else {
        return (Vec::new(), Vec::new());
    };
    let file = source.file.clone();
    let Some(mut layer) = gdal_source::layer(&source, src.layer.as_deref(), found) else {
        return (Vec::new(), Vec::new());
    };
    if !gdal_source::has_geometry(&layer) {
        found.problem(Problem::new(&file, no_points_message(&layer)));
        return (Vec::new(), Vec::new());
    }
    let crs = gdal_source::crs(
        ctx.manifest,
        &file,
        &layer,
        src.crs.as_deref(),
        "population",
        found,
    );
    let reproject = crs.as_ref().and_then(|c| Reprojector::new(c, &file, found));
    let year_need = if src.year.is_some() {
        Need::Optional
    } else {
        Need::Required
    };
    let wanted = [
        ("year", year_need),
        ("sex", Need::Optional),
        ("age_band", Need::Required),
        ("persons", Need::Required),
    ];
    let Some(cols) = layer_columns(&file, &layer, src, &wanted, found) else {
        return (Vec::new(), Vec::new());
    };
    if src.columnar != Some(false) {
        let (crs, rp) = (crs.as_ref(), reproject.as_ref());
        match points_arrow::read(ctx, &file, &mut layer, crs, rp, &cols, found) {
            Some(Some(summed)) => return summed_points(file, summed, found),
            Some(None) => return (Vec::new(), Vec::new()),
            None => {}
        }
    }

    let capacity = layer.try_feature_count().unwrap_or(0).min(10_000_000) as usize;
    let mut rows: Vec<AddressRow> = Vec::with_capacity(capacity);
    let mut xs: Vec<f64> = Vec::with_capacity(capacity);
    let mut ys: Vec<f64> = Vec::with_capacity(capacity);
    let mut read = 0u64;
    for feature in layer.features() {
        read += 1;
        let fid = feature.fid();
        let cells = Cells {
            file: &file,
            row: fid,
        };
        let xy = match point_xy(feature.geometry()) {
            Ok(xy) => Some(xy),
            Err(message) => {
                found.problem(
                    Problem::new(&file, message)
                        .at_row(fid)
                        .in_field("geometry"),
                );
                None
            }
        };
        let year_text = cols.get(0).map(|_| text(&feature, cols.get(0)));
        let year = row_year(&cells, cols.name(0), year_text.as_deref(), src.year, found);
        let sex = match cols.get(1) {
            Some(_) => cells.parse(cols.name(1), &text(&feature, cols.get(1)), parse_sex, found),
            None => Some(Sex::Total),
        };
        let band = cells.parse(
            cols.name(2),
            &text(&feature, cols.get(2)),
            |s| parse_band(ctx, s),
            found,
        );
        let persons = cells.parse(
            cols.name(3),
            &text(&feature, cols.get(3)),
            values::count,
            found,
        );
        if let (Some((x, y)), Some(year), Some(sex), Some(band), Some(persons)) =
            (xy, year, sex, band, persons)
        {
            rows.push(AddressRow {
                fid,
                year,
                sex,
                band,
                persons,
            });
            xs.push(x);
            ys.push(y);
        }
    }
    if read == 0 {
        found.warning(Problem::new(&file, "has no address points"));
    }
    let Some(rp) = reproject else {
        return (Vec::new(), Vec::new());
    };
    let (raw_xs, raw_ys) = (xs.clone(), ys.clone());
    let ok = transform_in_place(&rp.to_sweref, &mut xs, &mut ys);
    for (i, r) in rows.iter().enumerate().filter(|(i, _)| !ok[*i]) {
        found.problem(
            Problem::new(&file, "coordinates cannot be transformed to EPSG:3006")
                .at_row(r.fid)
                .in_field("geometry")
                .with_value(&format!("{} {}", raw_xs[i], raw_ys[i])),
        );
    }
    let Some(index) = ctx.districts.index() else {
        return (Vec::new(), Vec::new());
    };

    let mut sums: HashMap<(usize, i32, Sex, usize), f64> = HashMap::new();
    // Persons per address of the latest year, for accessibility (keyed by exact coordinates).
    let latest_year = rows.iter().map(|r| r.year).max();
    let mut homes: HashMap<(u64, u64), (usize, f64, f64, f64)> = HashMap::new();
    let mut join = PointJoin {
        part: "population".into(),
        file: file.clone(),
        points: rows.len() as u64,
        outside: 0,
        amount_outside: 0.0,
        examples: Vec::new(),
    };
    for (i, r) in rows.iter().enumerate() {
        if !ok[i] {
            continue;
        }
        match index.locate(Point::new(xs[i], ys[i])) {
            Some(d) => {
                *sums.entry((d, r.year, r.sex, r.band)).or_insert(0.0) += r.persons;
                if Some(r.year) == latest_year {
                    let key = (xs[i].to_bits(), ys[i].to_bits());
                    homes.entry(key).or_insert((d, xs[i], ys[i], 0.0)).3 += r.persons;
                }
            }
            None => {
                join.outside += 1;
                join.amount_outside += r.persons;
                if join.examples.len() < EXAMPLES {
                    join.examples.push(OutsidePoint {
                        fid: r.fid,
                        e: xs[i],
                        n: ys[i],
                    });
                }
            }
        }
    }
    finish_join(join, "address points", "persons", found);

    let mut out: Vec<PopulationRecord> = sums
        .into_iter()
        .map(|((district, year, sex, band), persons)| PopulationRecord {
            district,
            year,
            sex,
            band,
            persons,
        })
        .collect();
    out.sort_by(|a, b| {
        (a.district, a.year, a.sex, a.band).cmp(&(b.district, b.year, b.sex, b.band))
    });
    let mut residences: Vec<Residence> = homes
        .into_values()
        .map(|(district, x, y, persons)| Residence {
            point: Point::new(x, y),
            district,
            persons,
        })
        .collect();
    residences.sort_by(|a, b| {
        (a.point.x(), a.point.y())
            .partial_cmp(&(b.point.x(), b.point.y()))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    (out, residences)
}

/// Population records and residences from address points summed by the direct CSV reader.
fn summed_points(
    file: PathBuf,
    summed: points_csv::Summed,
    found: &mut Findings,
) -> (Vec<PopulationRecord>, Vec<Residence>) {
    if summed.read == 0 {
        found.warning(Problem::new(&file, "has no address points"));
    }
    let join = PointJoin {
        part: "population".into(),
        file,
        points: summed.points,
        outside: summed.outside,
        amount_outside: summed.amount_outside,
        examples: summed.examples,
    };
    finish_join(join, "address points", "persons", found);
    let mut out: Vec<PopulationRecord> = summed
        .sums
        .into_iter()
        .map(|((district, year, sex, band), persons)| PopulationRecord {
            district,
            year,
            sex,
            band,
            persons,
        })
        .collect();
    out.sort_by(|a, b| {
        (a.district, a.year, a.sex, a.band).cmp(&(b.district, b.year, b.sex, b.band))
    });
    let mut residences: Vec<Residence> = summed
        .homes
        .into_iter()
        .map(|((x, y), (district, persons))| Residence {
            point: Point::new(f64::from_bits(x), f64::from_bits(y)),
            district,
            persons,
        })
        .collect();
    residences.sort_by(|a, b| {
        (a.point.x(), a.point.y())
            .partial_cmp(&(b.point.x(), b.point.y()))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    (out, residences)
}

/// Records a join's counts, and a warning with examples when points fell in no district.
fn finish_join(join: PointJoin, what: &str, amount: &str, found: &mut Findings) {
    if join.outside > 0 {
        let examples: Vec<String> = join.examples.iter().map(|e| e.to_string()).collect();
        found.warning(Problem::new(
            &join.file,
            format!(
                "{} of {} {what} lie in no district ({:.0} {amount} not counted in any district), e.g. {}",
                join.outside,
                join.points,
                join.amount_outside,
                examples.join("; ")
            ),
        ));
    }
    found.joins.push(join);
}

/// Bus, rail or other, in English or Swedish.
fn parse_mode(raw: &str) -> Result<TransitMode, String> {
    match raw.trim().to_lowercase().as_str() {
        "bus" | "buss" => Ok(TransitMode::Bus),
        "rail" | "train" | "tåg" | "tag" | "järnväg" | "jarnvag" | "pendeltåg" | "station" => {
            Ok(TransitMode::Rail)
        }
        "other" | "övrigt" | "ovrigt" | "tram" | "spårvagn" | "ferry" | "färja" | "båt" => {
            Ok(TransitMode::Other)
        }
        _ => Err("unknown mode (expected bus, rail or other)".into()),
    }
}

/// Transit stops: a GDAL point layer with `stop_id,name,departures_per_hour,mode`.
pub(crate) fn transit(ctx: &Ctx<'_>, src: &TableSource, found: &mut Findings) -> Vec<TransitStop> {
    let Some(source_name) = point_source(ctx, "transit", src, found) else {
        return Vec::new();
    };
    let Some(source) = gdal_source::open(ctx.manifest, source_name, &src.open_options, found)
    else {
        return Vec::new();
    };
    let file = source.file.clone();
    let Some(mut layer) = gdal_source::layer(&source, src.layer.as_deref(), found) else {
        return Vec::new();
    };
    if !gdal_source::has_geometry(&layer) {
        found.problem(Problem::new(&file, no_points_message(&layer)));
        return Vec::new();
    }
    let crs = gdal_source::crs(
        ctx.manifest,
        &file,
        &layer,
        src.crs.as_deref(),
        "transit",
        found,
    );
    let reproject = crs.and_then(|c| Reprojector::new(&c, &file, found));
    let wanted = [
        ("stop_id", Need::Required),
        ("name", Need::Optional),
        ("departures_per_hour", Need::Required),
        ("mode", Need::Required),
    ];
    let Some(cols) = layer_columns(&file, &layer, src, &wanted, found) else {
        return Vec::new();
    };
    let mut stops = Vec::new();
    let (mut xs, mut ys, mut fids) = (Vec::new(), Vec::new(), Vec::new());
    let mut dups = Duplicates::new();
    for feature in layer.features() {
        let fid = feature.fid();
        let cells = Cells {
            file: &file,
            row: fid,
        };
        let xy = match point_xy(feature.geometry()) {
            Ok(xy) => Some(xy),
            Err(message) => {
                found.problem(
                    Problem::new(&file, message)
                        .at_row(fid)
                        .in_field("geometry"),
                );
                None
            }
        };
        let id = text(&feature, cols.get(0)).trim().to_string();
        if id.is_empty() {
            found.problem(
                Problem::new(&file, "empty stop id")
                    .at_row(fid)
                    .in_field(cols.name(0))
                    .with_value(""),
            );
        } else if dups.seen(id.clone(), &cells, "stop id", found) {
            continue;
        }
        let name = Some(text(&feature, cols.get(1)).trim().to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| id.clone());
        let dph = cells.parse(
            cols.name(2),
            &text(&feature, cols.get(2)),
            values::non_negative,
            found,
        );
        let mode = cells.parse(
            cols.name(3),
            &text(&feature, cols.get(3)),
            parse_mode,
            found,
        );
        if let (Some((x, y)), false, Some(dph), Some(mode)) = (xy, id.is_empty(), dph, mode) {
            stops.push(TransitStop {
                id,
                name,
                point: Point::new(x, y),
                point_lonlat: Point::new(x, y),
                departures_per_hour: dph,
                mode,
            });
            xs.push(x);
            ys.push(y);
            fids.push(fid);
        }
    }
    let Some(rp) = reproject else {
        return Vec::new();
    };
    let (mut lons, mut lats) = (xs.clone(), ys.clone());
    let ok_sweref = transform_in_place(&rp.to_sweref, &mut xs, &mut ys);
    let ok_lonlat = transform_in_place(&rp.to_lonlat, &mut lons, &mut lats);
    for (i, stop) in stops.iter_mut().enumerate() {
        if !(ok_sweref[i] && ok_lonlat[i]) {
            found.problem(
                Problem::new(&file, "coordinates cannot be transformed to EPSG:3006")
                    .at_row(fids[i])
                    .in_field("geometry"),
            );
            continue;
        }
        stop.point = Point::new(xs[i], ys[i]);
        stop.point_lonlat = Point::new(lons[i], lats[i]);
    }
    stops
}

/// Pipeline projects: a GDAL layer of points or polygons (or a table with a `district` column)
/// with `project_id,name,dwellings,type,tenure`, stage dates and `appealed`.
pub(crate) fn pipeline(ctx: &Ctx<'_>, src: &TableSource, found: &mut Findings) -> Vec<Project> {
    let Some(source_name) = point_source(ctx, "pipeline", src, found) else {
        return Vec::new();
    };
    let Some(source) = gdal_source::open(ctx.manifest, source_name, &src.open_options, found)
    else {
        return Vec::new();
    };
    let file = source.file.clone();
    let Some(mut layer) = gdal_source::layer(&source, src.layer.as_deref(), found) else {
        return Vec::new();
    };
    let has_geometry = gdal_source::has_geometry(&layer);
    let reproject = if has_geometry {
        let crs = gdal_source::crs(
            ctx.manifest,
            &file,
            &layer,
            src.crs.as_deref(),
            "pipeline",
            found,
        );
        crs.and_then(|c| Reprojector::new(&c, &file, found))
    } else {
        None
    };
    let mut wanted: Vec<Wanted<'_>> = vec![
        ("project_id", Need::Required),
        ("name", Need::Optional),
        ("dwellings", Need::Required),
        ("type", Need::Required),
        ("tenure", Need::Optional),
        ("appealed", Need::Optional),
        (
            "district",
            if has_geometry {
                Need::Optional
            } else {
                Need::Required
            },
        ),
    ];
    const FIRST_STAGE: usize = 7;
    wanted.extend(ProjectStage::ALL.iter().map(|s| (s.code(), Need::Optional)));
    let Some(cols) = layer_columns(&file, &layer, src, &wanted, found) else {
        return Vec::new();
    };
    let index = ctx.districts.index();
    let mut join = PointJoin {
        part: "pipeline".into(),
        file: file.clone(),
        points: 0,
        outside: 0,
        amount_outside: 0.0,
        examples: Vec::new(),
    };
    let mut projects = Vec::new();
    let mut dups = Duplicates::new();
    for feature in layer.features() {
        let fid = feature.fid();
        let cells = Cells {
            file: &file,
            row: fid,
        };
        let id = text(&feature, cols.get(0)).trim().to_string();
        if id.is_empty() {
            found.problem(
                Problem::new(&file, "empty project id")
                    .at_row(fid)
                    .in_field(cols.name(0))
                    .with_value(""),
            );
            continue;
        }
        if dups.seen(id.clone(), &cells, "project id", found) {
            continue;
        }
        let name = Some(text(&feature, cols.get(1)).trim().to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| id.clone());
        let dwellings = cells.parse(
            cols.name(2),
            &text(&feature, cols.get(2)),
            values::count,
            found,
        );
        let kind = cells.parse(
            cols.name(3),
            &text(&feature, cols.get(3)),
            parse_dwelling_type,
            found,
        );
        let tenure = match cols.get(4) {
            Some(_) => cells.parse(
                cols.name(4),
                &text(&feature, cols.get(4)),
                parse_tenure,
                found,
            ),
            None => Some(Tenure::Okand),
        };
        let appealed = cells.parse(
            cols.name(5),
            &text(&feature, cols.get(5)),
            values::boolean,
            found,
        );
        let mut dates = StageDates::default();
        let mut dates_ok = true;
        for (k, stage) in ProjectStage::ALL.iter().enumerate() {
            let c = FIRST_STAGE + k;
            let raw = text(&feature, cols.get(c));
            if raw.trim().is_empty() {
                continue;
            }
            match cells.parse(cols.name(c), &raw, values::date, found) {
                Some(d) => dates.set(*stage, Some(d)),
                None => dates_ok = false,
            }
        }

        // Geometry, reprojected, when the layer has one.
        let mut geometry = None;
        let mut geometry_lonlat = None;
        let mut geometry_ok = true;
        if let (Some(g), Some(rp)) = (feature.geometry(), &reproject) {
            if !g.is_empty() {
                match project_geometry(g, rp) {
                    Ok((s, l)) => {
                        geometry = Some(s);
                        geometry_lonlat = Some(l);
                    }
                    Err(message) => {
                        geometry_ok = false;
                        found.problem(
                            Problem::new(&file, message)
                                .at_row(fid)
                                .in_field("geometry")
                                .with_value(&id),
                        );
                    }
                }
            }
        }

        // District: the `district` column when filled, else the spatial join.
        let raw_district = text(&feature, cols.get(6));
        let mut district_ok = true;
        let district = if cols.get(6).is_some() && !raw_district.trim().is_empty() {
            match row_district(ctx, &cells, cols.name(6), &raw_district, found) {
                Ok(d) => d,
                Err(()) => {
                    district_ok = false;
                    None
                }
            }
        } else if let (Some(g), Some(index)) = (&geometry, &index) {
            join.points += 1;
            let at = match g {
                geo::Geometry::Point(p) => Some(*p),
                other => other.interior_point(),
            };
            let d = at.and_then(|p| index.locate(p));
            if d.is_none() {
                join.outside += 1;
                join.amount_outside += dwellings.unwrap_or(0.0);
                if let Some(p) = at {
                    if join.examples.len() < EXAMPLES {
                        join.examples.push(OutsidePoint {
                            fid,
                            e: p.x(),
                            n: p.y(),
                        });
                    }
                }
                found.warning(
                    Problem::new(&file, "project lies in no district")
                        .at_row(fid)
                        .in_field("geometry")
                        .with_value(&id),
                );
            }
            d
        } else {
            if geometry.is_none() && geometry_ok && index.is_some() {
                found.warning(
                    Problem::new(
                        &file,
                        "project has neither a geometry nor a district code; it is in no district",
                    )
                    .at_row(fid)
                    .with_value(&id),
                );
            }
            None
        };

        if dates_ok {
            date_warnings(ctx, &file, fid, &cols, FIRST_STAGE, &dates, found);
        }
        if let (Some(dwellings), Some(kind), Some(tenure), Some(appealed), true, true) =
            (dwellings, kind, tenure, appealed, geometry_ok, district_ok)
        {
            projects.push(Project {
                id,
                name,
                district,
                geometry,
                geometry_lonlat,
                dwellings,
                dwelling_type: kind,
                tenure,
                dates,
                appealed,
            });
        }
    }
    if join.points > 0 {
        // Per-project warnings were given above; the join's counts go to the report.
        found.joins.push(join);
    }
    projects
}

/// A project's geometry (point, polygon or multipolygon) in EPSG:3006 and CRS84.
fn project_geometry(
    g: &GdalGeometry,
    rp: &Reprojector,
) -> Result<(geo::Geometry<f64>, geo::Geometry<f64>), String> {
    let kind = geometry_type_flatten(g.geometry_type());
    let accepted = [
        OGRwkbGeometryType::wkbPoint,
        OGRwkbGeometryType::wkbPolygon,
        OGRwkbGeometryType::wkbMultiPolygon,
    ];
    if !accepted.contains(&kind) {
        return Err(format!(
            "geometry is a {}; a project must be a Point, Polygon or MultiPolygon",
            geometry_type_to_name(kind)
        ));
    }
    let convert = |ct: &gdal::spatial_ref::CoordTransform| -> Option<geo::Geometry<f64>> {
        let mut t = g.transform(ct).ok()?;
        t.flatten_to_2d();
        t.to_geo().ok()
    };
    match (convert(&rp.to_sweref), convert(&rp.to_lonlat)) {
        (Some(s), Some(l)) => Ok((s, l)),
        _ => Err("geometry cannot be transformed to EPSG:3006".into()),
    }
}

/// Warnings for stage dates out of process order and dates after the snapshot date.
fn date_warnings(
    ctx: &Ctx<'_>,
    file: &Path,
    fid: Option<u64>,
    cols: &Columns,
    first_stage: usize,
    dates: &StageDates,
    found: &mut Findings,
) {
    let mut latest: Option<(ProjectStage, chrono::NaiveDate)> = None;
    for (k, stage) in ProjectStage::ALL.iter().enumerate() {
        let Some(d) = dates.get(*stage) else { continue };
        let field = cols.name(first_stage + k);
        match latest {
            Some((earlier, ed)) if d < ed => {
                found.warning(
                    Problem::new(
                        file,
                        format!(
                            "stage dates out of order: {} {d} is before {} {ed}",
                            stage.code(),
                            earlier.code()
                        ),
                    )
                    .at_row(fid)
                    .in_field(field)
                    .with_value(&d.to_string()),
                );
            }
            _ => latest = Some((*stage, d)),
        }
        if let Some(as_of) = ctx.as_of {
            if d > as_of {
                found.warning(
                    Problem::new(
                        file,
                        format!("date is after the dataset's as_of date {as_of}"),
                    )
                    .at_row(fid)
                    .in_field(field)
                    .with_value(&d.to_string()),
                );
            }
        }
    }
}
