//! Pipeline projects: a layer of points or polygons (or a table with a `district` column) with
//! `project_id,name,dwellings,type,tenure`, `appealed` and a date per building-process stage.
//! A project's district is its `district` code when filled, else where its geometry lies.
//! Stage dates out of order, or after the dataset's `as_of`, are warnings.

use gdal::vector::OGRwkbGeometryType;
use gdal::vector::{geometry_type_flatten, geometry_type_to_name, Geometry as GdalGeometry};
use geo::InteriorPoint;

use super::{point_source, read_layer, EXAMPLES};
use crate::config::TableSource;
use crate::domain::{Project, ProjectStage, StageDates, Tenure};
use crate::ingest::codes::{parse_dwelling_type, parse_tenure};
use crate::ingest::finding::{OutsidePoint, PointJoin};
use crate::ingest::gdal_source::Reprojector;
use crate::ingest::rows::{self, optional, required, Column, Duplicates, Row};
use crate::ingest::{values, Ctx, Finding, Findings};

/// Position of the first stage date in [`schema`].
const FIRST_STAGE: usize = 7;

/// A project's columns; `district` is required when the layer has no geometry to join by.
pub(crate) fn schema(has_geometry: bool) -> Vec<Column> {
    let mut columns = vec![
        required("project_id"),
        optional("name"),
        required("dwellings"),
        required("type"),
        optional("tenure"),
        optional("appealed"),
        if has_geometry {
            optional("district")
        } else {
            required("district")
        },
    ];
    columns.extend(ProjectStage::ALL.iter().map(|s| optional(s.code())));
    columns
}

/// Pipeline projects with their district, geometry (EPSG:3006 and CRS84) and stage dates.
pub(crate) fn pipeline(ctx: &Ctx<'_>, src: &TableSource, found: &mut Findings) -> Vec<Project> {
    let Some(source_name) = point_source(ctx, "pipeline", src, found) else {
        return Vec::new();
    };
    read_layer(
        ctx,
        "pipeline",
        source_name,
        src,
        false,
        found,
        |layer, opened, found| {
            let (reproject, has_geometry) = (opened.reproject, opened.has_geometry);
            let index = ctx.districts.index();
            let mut join = PointJoin {
                part: "pipeline".into(),
                file: layer.file.to_path_buf(),
                points: 0,
                outside: 0,
                amount_outside: 0.0,
                examples: Vec::new(),
            };
            let mut projects = Vec::new();
            let mut dups = Duplicates::new();
            rows::read(layer, src, &schema(has_geometry), found, |row, found| {
                let Some(id) = row.id(0, "project id", found) else {
                    return;
                };
                if dups.seen(id.clone(), &row.at, "project id", found) {
                    return;
                }
                let name = Some(row.text(1).trim().to_string())
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| id.clone());
                let dwellings = row.count(2, found);
                let kind = row.parse(3, parse_dwelling_type, found);
                let tenure = row.parse_or(4, Tenure::Okand, parse_tenure, found);
                let appealed = row.parse(5, values::boolean, found);
                let mut dates = StageDates::default();
                let mut dates_ok = true;
                for (k, stage) in ProjectStage::ALL.iter().enumerate() {
                    let c = FIRST_STAGE + k;
                    if row.text(c).trim().is_empty() {
                        continue;
                    }
                    match row.parse(c, values::date, found) {
                        Some(d) => dates.set(*stage, Some(d)),
                        None => dates_ok = false,
                    }
                }

                // Geometry, reprojected, when the layer has one.
                let mut geometry = None;
                let mut geometry_lonlat = None;
                let mut geometry_ok = true;
                if let (Some(g), Some(rp)) = (row.record.geometry(), &reproject) {
                    if !g.is_empty() {
                        match project_geometry(g, rp) {
                            Ok((s, l)) => {
                                geometry = Some(s);
                                geometry_lonlat = Some(l);
                            }
                            Err(message) => {
                                geometry_ok = false;
                                found.problem(
                                    row.at.finding(message).in_field("geometry").with_value(&id),
                                );
                            }
                        }
                    }
                }

                // District: the `district` column when filled, else the spatial join.
                let mut district_ok = true;
                let district = if row.has(6) && !row.text(6).trim().is_empty() {
                    match row.district(ctx, 6, found) {
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
                                    fid: row.at.row,
                                    e: p.x(),
                                    n: p.y(),
                                });
                            }
                        }
                        found.warning(
                            row.at
                                .finding("project lies in no district")
                                .in_field("geometry")
                                .with_value(&id),
                        );
                    }
                    d
                } else {
                    if geometry.is_none() && geometry_ok && index.is_some() {
                        found.warning(
                            row.at
                                .finding(
                                    "project has neither a geometry nor a district code; it is in no district",
                                )
                                .with_value(&id),
                        );
                    }
                    None
                };

                if dates_ok {
                    date_warnings(ctx, row, &dates, found);
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
            });
            if join.points > 0 {
                // Per-project warnings were given above; the join's counts go to the report.
                found.joins.push(join);
            }
            projects
        },
    )
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
fn date_warnings(ctx: &Ctx<'_>, row: &Row<'_>, dates: &StageDates, found: &mut Findings) {
    let mut latest: Option<(ProjectStage, chrono::NaiveDate)> = None;
    for (k, stage) in ProjectStage::ALL.iter().enumerate() {
        let Some(d) = dates.get(*stage) else { continue };
        let field = row.name(FIRST_STAGE + k);
        match latest {
            Some((earlier, ed)) if d < ed => {
                found.warning(
                    Finding::new(
                        row.at.file,
                        format!(
                            "stage dates out of order: {} {d} is before {} {ed}",
                            stage.code(),
                            earlier.code()
                        ),
                    )
                    .at_row(row.at.row)
                    .in_field(field)
                    .with_value(&d.to_string()),
                );
            }
            _ => latest = Some((*stage, d)),
        }
        if let Some(as_of) = ctx.as_of {
            if d > as_of {
                found.warning(
                    row.at
                        .finding(format!("date is after the dataset's as_of date {as_of}"))
                        .in_field(field)
                        .with_value(&d.to_string()),
                );
            }
        }
    }
}
