//! The point (and polygon) layers, one file per concept:
//! - [`address`]: address points with persons by age band, located in districts and summed into
//!   population: feature by feature through GDAL, column by column through GDAL's Arrow stream
//!   ([`arrow`]), for a plain CSV by [`direct_csv`] or for FlatGeobuf by [`direct_fgb`]; the
//!   last three add up in parallel ([`sum`]);
//! - [`transit`]: transit stops;
//! - [`pipeline`]: pipeline projects with their stage dates, located by district code or
//!   geometry;
//! - [`join`]: what a spatial join to the districts counted ([`PointJoin`]), and the summed
//!   persons made into population records and residences.
//!
//! Each layer is its schema and its checks, read through [`super::rows::read`]; opening the
//! layer, its CRS and reprojection is [`read_layer`]. Points in no district are counted, with
//! examples, in a [`PointJoin`] and a warning; they are never dropped silently.

use gdal::spatial_ref::SpatialRef;
use gdal::vector::{
    geometry_type_flatten, geometry_type_to_name, Geometry as GdalGeometry, Layer, LayerAccess,
    OGRwkbGeometryType,
};

use super::gdal_source::{self, Reprojector};
use super::layer_rows::LayerRows;
use super::rows::{optional, required, Column, YEAR};
use super::{Ctx, Finding, Findings};
use crate::config::TableSource;

pub(crate) mod address;
mod arrow;
mod direct_csv;
mod direct_fgb;
mod join;
pub(crate) mod pipeline;
mod sum;
pub(crate) mod transit;

/// Address points: persons at an address by year, sex and age band, the point being the
/// address (the schema of both readers, [`address`] and [`direct_csv`]).
pub(crate) const ADDRESS_POINTS: [Column; 4] = [
    YEAR,
    optional("sex"),
    required("age_band"),
    required("persons"),
];

/// How many points outside every district are shown as examples.
const EXAMPLES: usize = 5;

/// What [`read_layer`] found about a layer before its rows: its CRS and the reprojection from
/// it (when it has a geometry and a usable CRS), and whether it has a geometry.
struct Opened {
    crs: Option<SpatialRef>,
    reproject: Option<Reprojector>,
    has_geometry: bool,
    /// How to open the layer again in another thread (a GeoPackage file only).
    reopen: Option<arrow::Reopen>,
}

/// Opens the layer of a point part (`part`, source `name`) and hands its rows and what was
/// found about it ([`Opened`]) to `read`. Without a geometry, a part that needs points
/// (`points`) is a problem. `T::default()` when the layer cannot be opened.
fn read_layer<T: Default>(
    ctx: &Ctx<'_>,
    part: &str,
    name: &str,
    src: &TableSource,
    points: bool,
    found: &mut Findings,
    read: impl FnOnce(&mut LayerRows<'_, '_>, Opened, &mut Findings) -> T,
) -> T {
    let Some(source) = gdal_source::open(ctx.manifest, name, &src.open_options, found) else {
        return T::default();
    };
    let file = source.file.clone();
    let Some(mut layer) = gdal_source::layer(&source, src.layer.as_deref(), found) else {
        return T::default();
    };
    let has_geometry = gdal_source::has_geometry(&layer);
    if points && !has_geometry {
        found.problem(Finding::new(&file, no_points_message(&layer)));
        return T::default();
    }
    let crs = if has_geometry {
        gdal_source::crs(ctx.manifest, &file, &layer, src.crs.as_deref(), part, found)
    } else {
        None
    };
    let reproject = crs.as_ref().and_then(|c| Reprojector::new(c, &file, found));
    let reopen =
        (source.dataset.driver().short_name() == "GPKG" && file.is_file()).then(|| arrow::Reopen {
            path: file.clone(),
            open_options: src.open_options.clone(),
            layer: layer.name(),
        });
    let mut rows = LayerRows {
        file: &file,
        layer: &mut layer,
    };
    let opened = Opened {
        crs,
        reproject,
        has_geometry,
        reopen,
    };
    read(&mut rows, opened, found)
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
                Finding::new(
                    &ctx.manifest.path,
                    format!("[{part}] names both `path` and `source`; give one"),
                )
                .in_field(part),
            );
            None
        }
        (None, None) => {
            found.problem(
                Finding::new(
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
