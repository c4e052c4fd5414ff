//! Opening GDAL vector sources the way a planner names them in a manifest: a file path
//! relative to the manifest or a connection string (`PG:…`), a layer by name or the first one,
//! the CRS from the layer or from the manifest, and the two transforms every geometry goes
//! through (to SWEREF 99 TM for computing, to CRS84 for output).

use std::path::{Component, Path, PathBuf};
use std::sync::Once;

use gdal::errors::GdalError;
use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use gdal::vector::{Layer, LayerAccess};
use gdal::{Dataset as GdalDataset, DatasetOptions, GdalOpenFlags};

use super::{Finding, Findings};
use crate::config::Manifest;

/// EPSG code of SWEREF 99 TM, the CRS every area and distance is computed in.
pub(crate) const SWEREF99TM: u32 = 3006;

/// Sends GDAL's own messages (which it otherwise prints on stderr, in between our list of
/// problems) to `tracing` at debug level. Every GDAL failure we act on is reported as a
/// [`Finding`] with GDAL's message in it, so nothing is lost. Installed once per process.
pub(crate) fn route_gdal_messages() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        gdal::config::set_error_handler(|class, number, message| {
            tracing::debug!(target: "gdal", "{class:?} {number}: {message}");
        });
    });
}

/// True when `source` is a connection string (`PG:…`, `/vsi…`, a URL) rather than a file path;
/// the same rule as [`Manifest::resolve`].
pub(crate) fn is_connection(source: &str) -> bool {
    if source.starts_with("/vsi") {
        return true;
    }
    source.contains(':') && !source.starts_with('.') && {
        let prefix = source.split(':').next().unwrap_or("");
        prefix.len() > 1 && !Path::new(source).is_absolute()
    }
}

/// True when `source` names a PostgreSQL database (`PG:…`, any case).
pub(crate) fn is_postgres(source: &str) -> bool {
    source
        .get(..3)
        .is_some_and(|p| p.eq_ignore_ascii_case("PG:"))
}

/// The path used to open and to name a source in messages: relative paths are joined to the
/// manifest's folder and `.`/`..` are folded away lexically, so a fixture under
/// `tests/fixtures/broken/` that points at `../good/x.csv` is named `tests/fixtures/good/x.csv`.
/// A connection string is kept, with any password hidden.
pub(crate) fn display_path(manifest: &Manifest, source: &str) -> PathBuf {
    if is_connection(source) {
        return PathBuf::from(hide_password(source));
    }
    normalize(&manifest.resolve(source))
}

/// Folds `.` and `..` components without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) | Some(Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

pub(crate) use crate::conninfo::hide_password;

/// The text of a GDAL error without the name of the C function that failed.
pub(crate) fn gdal_message(e: &GdalError) -> String {
    let text = match e {
        GdalError::CplError { msg, .. } if !msg.trim().is_empty() => msg.clone(),
        GdalError::NullPointer { msg, .. } if !msg.trim().is_empty() => msg.clone(),
        other => other.to_string(),
    };
    // One problem per line: GDAL's messages (libpq's, say) can span several.
    text.split(['\n', '\r'])
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// A vector source opened through GDAL, with the name used in messages.
pub(crate) struct Source {
    /// The path or (password-free) connection string, for messages.
    pub file: PathBuf,
    /// The open GDAL dataset (`Send`, not `Sync`: used by one thread only).
    pub dataset: GdalDataset,
}

/// Opens `source` (a path relative to the manifest, or a connection string) read-only as a
/// vector source with `open_options` (`KEY=VALUE`). A missing file or a file GDAL cannot read is
/// a problem.
pub(crate) fn open(
    manifest: &Manifest,
    source: &str,
    open_options: &[String],
    found: &mut Findings,
) -> Option<Source> {
    let file = display_path(manifest, source);
    let target = if is_connection(source) {
        PathBuf::from(source)
    } else if file.starts_with("/vsimem") {
        // A relative path in a manifest mounted in GDAL's memory (the embedded dataset).
        file.clone()
    } else {
        let path = file.clone();
        match std::fs::metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                found.problem(Finding::new(&file, "file not found"));
                return None;
            }
            Err(e) => {
                found.problem(Finding::new(&file, format!("cannot read file: {e}")));
                return None;
            }
            Ok(_) => path,
        }
    };
    let options: Vec<&str> = open_options.iter().map(String::as_str).collect();
    let opened = GdalDataset::open_ex(
        &target,
        DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR
                | GdalOpenFlags::GDAL_OF_READONLY
                | GdalOpenFlags::GDAL_OF_VERBOSE_ERROR,
            open_options: (!options.is_empty()).then_some(options.as_slice()),
            ..Default::default()
        },
    );
    match opened {
        Ok(dataset) => Some(Source { file, dataset }),
        Err(e) if is_postgres(source) => {
            found.problem(Finding::new(
                &file,
                format!(
                    "cannot open the PostgreSQL database (check host, port, dbname, user and password): {}",
                    gdal_message(&e)
                ),
            ));
            None
        }
        Err(e) => {
            found.problem(Finding::new(
                &file,
                format!(
                    "cannot be read as a GIS vector source (GeoPackage, Shapefile, GeoJSON, CSV with coordinates, PG:…): {}",
                    gdal_message(&e)
                ),
            ));
            None
        }
    }
}

/// The layer named `name`, or the first layer. A missing layer is a problem listing the layers
/// the source has.
pub(crate) fn layer<'d>(
    source: &'d Source,
    name: Option<&str>,
    found: &mut Findings,
) -> Option<Layer<'d>> {
    let names: Vec<String> = source.dataset.layers().map(|l| l.name()).collect();
    match name {
        Some(name) => match source.dataset.layer_by_name(name) {
            Ok(layer) => Some(layer),
            Err(_) => {
                found.problem(
                    Finding::new(
                        &source.file,
                        format!("no layer named '{name}' (layers: {})", list_or_none(&names)),
                    )
                    .in_field("layer")
                    .with_value(name),
                );
                None
            }
        },
        None => match source.dataset.layer(0) {
            Ok(layer) => {
                if names.len() > 1 {
                    found.warning(Finding::new(
                        &source.file,
                        format!(
                            "has {} layers ({}); using the first, '{}' (set `layer` to choose)",
                            names.len(),
                            names.join(", "),
                            layer.name()
                        ),
                    ));
                }
                Some(layer)
            }
            Err(_) => {
                found.problem(Finding::new(&source.file, "has no layers"));
                None
            }
        },
    }
}

/// `a, b, c` or `none`.
pub(crate) fn list_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// The problem for a field `theirs` that layer `layer` of `file` lacks, listing its `fields`.
pub(crate) fn missing_field(file: &Path, layer: &str, fields: &[String], theirs: &str) -> Finding {
    Finding::new(
        file,
        format!(
            "missing field '{theirs}' in layer '{layer}' (fields: {})",
            list_or_none(fields)
        ),
    )
}

/// The names of a layer's attribute fields, in order.
pub(crate) fn field_names(layer: &Layer<'_>) -> Vec<String> {
    layer.defn().fields().map(|f| f.name()).collect()
}

/// True when the layer has a geometry column. A CSV read without coordinate open options, say,
/// has none.
pub(crate) fn has_geometry(layer: &Layer<'_>) -> bool {
    layer.defn().geom_fields().count() > 0
}

/// The layer's CRS, or the one the manifest declares for it (`declared`, the key `crs` under
/// `[section]`), with lon/lat sources read as x = longitude. Neither is a problem naming the
/// file.
pub(crate) fn crs(
    manifest: &Manifest,
    file: &Path,
    layer: &Layer<'_>,
    declared: Option<&str>,
    section: &str,
    found: &mut Findings,
) -> Option<SpatialRef> {
    let mut srs = match (layer.spatial_ref(), declared) {
        (Some(srs), _) => srs,
        (None, Some(def)) => match SpatialRef::from_definition(def) {
            Ok(srs) => srs,
            Err(e) => {
                found.problem(
                    Finding::new(
                        &manifest.path,
                        format!(
                            "not a CRS GDAL knows (write e.g. EPSG:3006, EPSG:4326 or a WKT string): {}",
                            gdal_message(&e)
                        ),
                    )
                    .in_field(&format!("{section}.crs"))
                    .with_value(def),
                );
                return None;
            }
        },
        (None, None) => {
            found.problem(Finding::new(
                file,
                format!(
                    "has no CRS (coordinate reference system); declare it in the manifest: `crs = \"EPSG:3006\"` (say) under [{section}]"
                ),
            ));
            return None;
        }
    };
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    Some(srs)
}

/// A GDAL spatial reference for an EPSG code, x = easting/longitude.
fn epsg(code: u32) -> Result<SpatialRef, GdalError> {
    let mut srs = SpatialRef::from_epsg(code)?;
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    Ok(srs)
}

/// The transforms from a source CRS to SWEREF 99 TM and to CRS84 (lon/lat).
pub(crate) struct Reprojector {
    /// Source → EPSG:3006.
    pub to_sweref: CoordTransform,
    /// Source → EPSG:4326 as lon/lat (CRS84).
    pub to_lonlat: CoordTransform,
    /// EPSG:3006 → lon/lat, for locating findings in both systems.
    pub sweref_to_lonlat: CoordTransform,
}

impl Reprojector {
    /// Sets up the transforms from `source`. Failing (no PROJ database, a CRS PROJ cannot
    /// transform) is a problem on `file`.
    pub fn new(source: &SpatialRef, file: &Path, found: &mut Findings) -> Option<Self> {
        let made = (|| -> Result<Self, GdalError> {
            let sweref = epsg(SWEREF99TM)?;
            let lonlat = epsg(4326)?;
            Ok(Self {
                to_sweref: CoordTransform::new(source, &sweref)?,
                to_lonlat: CoordTransform::new(source, &lonlat)?,
                sweref_to_lonlat: CoordTransform::new(&sweref, &lonlat)?,
            })
        })();
        match made {
            Ok(r) => Some(r),
            Err(e) => {
                found.problem(Finding::new(
                    file,
                    format!(
                        "cannot reproject from its CRS to EPSG:3006: {}",
                        gdal_message(&e)
                    ),
                ));
                None
            }
        }
    }

    /// A point in EPSG:3006 as lon/lat, for messages; `None` if PROJ fails.
    pub fn lonlat_of(&self, e: f64, n: f64) -> Option<(f64, f64)> {
        let (mut x, mut y) = ([e], [n]);
        self.sweref_to_lonlat
            .transform_coords(&mut x, &mut y, &mut [])
            .ok()
            .map(|()| (x[0], y[0]))
    }
}

/// Transforms coordinates in place in batches; returns which ones succeeded. A batch PROJ
/// rejects is retried point by point so one bad coordinate does not spoil its neighbours.
pub(crate) fn transform_in_place(ct: &CoordTransform, xs: &mut [f64], ys: &mut [f64]) -> Vec<bool> {
    const BATCH: usize = 8192;
    let mut ok = vec![true; xs.len()];
    for ((xc, yc), okc) in xs
        .chunks_mut(BATCH)
        .zip(ys.chunks_mut(BATCH))
        .zip(ok.chunks_mut(BATCH))
    {
        let (bx, by): (Vec<f64>, Vec<f64>) = (xc.to_vec(), yc.to_vec());
        if ct.transform_coords(xc, yc, &mut []).is_ok() {
            for (i, o) in okc.iter_mut().enumerate() {
                *o = xc[i].is_finite() && yc[i].is_finite();
            }
            continue;
        }
        for i in 0..xc.len() {
            let (mut x, mut y) = ([bx[i]], [by[i]]);
            let good = ct.transform_coords(&mut x, &mut y, &mut []).is_ok()
                && x[0].is_finite()
                && y[0].is_finite();
            xc[i] = x[0];
            yc[i] = y[0];
            okc[i] = good;
        }
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_parent_components() {
        assert_eq!(
            normalize(Path::new("tests/fixtures/broken/../good/x.csv")),
            PathBuf::from("tests/fixtures/good/x.csv")
        );
        assert_eq!(
            normalize(Path::new("tests/realdata/../../../shared/a.geojson")),
            PathBuf::from("../shared/a.geojson")
        );
        assert_eq!(normalize(Path::new("/a/../../b")), PathBuf::from("/b"));
    }

    #[test]
    fn connection_strings_are_kept_and_hide_passwords() {
        assert!(is_connection("PG:dbname=gis"));
        assert!(is_postgres("pg:dbname=gis"));
        assert!(!is_postgres("PG"));
        assert!(is_connection("/vsizip/a.zip/b.shp"));
        assert!(!is_connection("districts.gpkg"));
        assert!(!is_connection("./a:b.gpkg"));
        assert_eq!(
            hide_password("PG:dbname=gis user=u password=secret"),
            "PG:dbname=gis user=u password=***"
        );
    }
}
