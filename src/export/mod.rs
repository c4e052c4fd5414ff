//! Writing results: GeoPackage (GDAL, EPSG:3006), GeoJSON (RFC 7946, CRS84) and CSV.
//!
//! Every writer takes its property names and types from one table ([`DEMAND_FIELDS`]), the
//! public names of [`DemandRow`] documented in `docs/model.md`, so the three formats cannot
//! drift apart. Each file is written under a temporary name beside its target and renamed into
//! place when complete: a failed write leaves no half-written output. GDAL is used here (and in
//! ingest) only.

mod csv_out;
mod geojson_out;
mod gpkg;
mod layers;
mod qgis_style;

pub use layers::{flags_layer, projects_layer, Cell, Layer, LayerFeature, LayerGeometry};

use std::fmt;
use std::path::{Path, PathBuf};

use geo::{Area, Centroid};

use crate::domain::{Dataset, District};
use crate::model::{DemandRow, ModelRun};

/// Errors writing results.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The output could not be written.
    #[error("{path}: {message}")]
    Write {
        /// Output path.
        path: std::path::PathBuf,
        /// What went wrong.
        message: String,
    },
}

impl ExportError {
    fn write(path: &Path, message: impl fmt::Display) -> Self {
        Self::Write {
            path: path.to_path_buf(),
            message: message.to_string(),
        }
    }
}

/// Output formats, chosen from the output path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.gpkg`: layers `districts` and `demand` in EPSG:3006, and QGIS's `layer_styles` table
    /// with a graduated style on the gap per 1,000 inhabitants for both.
    GeoPackage,
    /// `.geojson` / `.json`: one FeatureCollection of demand features in CRS84.
    GeoJson,
    /// A folder: `demand.csv` and `districts.csv`.
    CsvFolder,
}

impl Format {
    /// The format for `path`: by extension; a path ending in `/`, an existing folder or a path
    /// without extension is a folder of CSV files.
    pub fn for_path(path: &Path) -> Result<Self, ExportError> {
        let text = path.to_string_lossy();
        if text.ends_with('/') || text.ends_with(std::path::MAIN_SEPARATOR) || path.is_dir() {
            return Ok(Self::CsvFolder);
        }
        match path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .as_deref()
        {
            None => Ok(Self::CsvFolder),
            Some("gpkg") => Ok(Self::GeoPackage),
            Some("geojson") | Some("json") => Ok(Self::GeoJson),
            Some(other) => Err(ExportError::write(
                path,
                format!(
                    "unknown output format '.{other}': use .gpkg, .geojson or a folder for CSV"
                ),
            )),
        }
    }
}

/// The type of an output property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text.
    Text,
    /// 32-bit integer (the year).
    Integer,
    /// Double-precision number; NaN is written as null.
    Real,
    /// Boolean.
    Boolean,
}

/// One property value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// Text.
    Text(&'a str),
    /// Integer.
    Integer(i32),
    /// Number (NaN: null).
    Real(f64),
    /// Boolean.
    Boolean(bool),
}

/// The properties of a `demand` feature, in order, with their types: the field names of
/// [`DemandRow`].
pub const DEMAND_FIELDS: [(&str, Kind); 22] = [
    ("district", Kind::Text),
    ("name", Kind::Text),
    ("year", Kind::Integer),
    ("observed", Kind::Boolean),
    ("population", Kind::Real),
    ("population_0_19", Kind::Real),
    ("population_20_64", Kind::Real),
    ("population_65_79", Kind::Real),
    ("population_80_plus", Kind::Real),
    ("households", Kind::Real),
    ("dwellings_needed", Kind::Real),
    ("dwellings_stock", Kind::Real),
    ("dwellings_pipeline", Kind::Real),
    ("gap", Kind::Real),
    ("gap_per_1000", Kind::Real),
    ("care_places_needed", Kind::Real),
    ("persons_in_care", Kind::Real),
    ("dependency_ratio", Kind::Real),
    ("small_flats_needed", Kind::Real),
    ("family_dwellings_needed", Kind::Real),
    ("accessible_flats_needed", Kind::Real),
    ("senior_dwellings_needed", Kind::Real),
];

/// The values of one demand feature, in the order of [`DEMAND_FIELDS`].
pub fn demand_values(r: &DemandRow) -> [Value<'_>; 22] {
    use Value::*;
    [
        Text(&r.district),
        Text(&r.name),
        Integer(r.year),
        Boolean(r.observed),
        Real(r.population),
        Real(r.population_0_19),
        Real(r.population_20_64),
        Real(r.population_65_79),
        Real(r.population_80_plus),
        Real(r.households),
        Real(r.dwellings_needed),
        Real(r.dwellings_stock),
        Real(r.dwellings_pipeline),
        Real(r.gap),
        Real(r.gap_per_1000),
        Real(r.care_places_needed),
        Real(r.persons_in_care),
        Real(r.dependency_ratio),
        Real(r.small_flats_needed),
        Real(r.family_dwellings_needed),
        Real(r.accessible_flats_needed),
        Real(r.senior_dwellings_needed),
    ]
}

/// The properties of a `districts` feature, in order.
pub const DISTRICT_FIELDS: [(&str, Kind); 12] = [
    ("district", Kind::Text),
    ("name", Kind::Text),
    ("area_ha", Kind::Real),
    ("centroid_x", Kind::Real),
    ("centroid_y", Kind::Real),
    ("base_year", Kind::Integer),
    ("horizon_year", Kind::Integer),
    ("population_base", Kind::Real),
    ("population_horizon", Kind::Real),
    ("dwellings_stock_base", Kind::Real),
    ("gap_horizon", Kind::Real),
    ("gap_per_1000_horizon", Kind::Real),
];

/// A district's summary: area, centroid (EPSG:3006), base and horizon figures.
#[derive(Debug, Clone, PartialEq)]
pub struct DistrictSummary {
    /// Area in hectares.
    pub area_ha: f64,
    /// Centroid easting (EPSG:3006).
    pub centroid_x: f64,
    /// Centroid northing (EPSG:3006).
    pub centroid_y: f64,
    /// Population in the base year.
    pub population_base: f64,
    /// Population in the horizon year.
    pub population_horizon: f64,
    /// Stock in the base year.
    pub dwellings_stock_base: f64,
    /// Gap in the horizon year.
    pub gap_horizon: f64,
    /// Gap per 1,000 inhabitants in the horizon year.
    pub gap_per_1000_horizon: f64,
}

/// The summary of `district` from its rows in `run`.
pub fn district_summary(district: &District, run: &ModelRun) -> DistrictSummary {
    let rows: Vec<&DemandRow> = run
        .rows
        .iter()
        .filter(|r| r.district == district.id)
        .collect();
    district_summary_of(district, run, &rows)
}

fn district_summary_of(
    district: &District,
    run: &ModelRun,
    rows: &[&DemandRow],
) -> DistrictSummary {
    let at = |year: i32| rows.iter().find(|r| r.year == year);
    let base = at(run.base_year);
    let horizon = at(run.horizon_year);
    let c = district.geometry.centroid();
    DistrictSummary {
        area_ha: district.geometry.unsigned_area() / 10_000.0,
        centroid_x: c.map_or(f64::NAN, |p| p.x()),
        centroid_y: c.map_or(f64::NAN, |p| p.y()),
        population_base: base.map_or(f64::NAN, |r| r.population),
        population_horizon: horizon.map_or(f64::NAN, |r| r.population),
        dwellings_stock_base: base.map_or(f64::NAN, |r| r.dwellings_stock),
        gap_horizon: horizon.map_or(f64::NAN, |r| r.gap),
        gap_per_1000_horizon: horizon.map_or(f64::NAN, |r| r.gap_per_1000),
    }
}

/// The districts with their summaries, grouped from the run's rows (which come ordered by
/// district in input order).
fn districts_with_summaries<'a>(
    dataset: &'a Dataset,
    run: &'a ModelRun,
) -> Vec<(&'a District, DistrictSummary)> {
    let years = run.cohorts.years.len().max(1);
    dataset
        .districts
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let slice = run.rows.get(i * years..(i + 1) * years).unwrap_or(&[]);
            let rows: Vec<&DemandRow> = if slice.iter().all(|r| r.district == d.id) {
                slice.iter().collect()
            } else {
                run.rows.iter().filter(|r| r.district == d.id).collect()
            };
            (d, district_summary_of(d, run, &rows))
        })
        .collect()
}

/// The values of one districts feature, in the order of [`DISTRICT_FIELDS`].
pub fn district_values<'a>(
    d: &'a District,
    s: &DistrictSummary,
    run: &ModelRun,
) -> [Value<'a>; 12] {
    use Value::*;
    [
        Text(&d.id),
        Text(&d.name),
        Real(s.area_ha),
        Real(s.centroid_x),
        Real(s.centroid_y),
        Integer(run.base_year),
        Integer(run.horizon_year),
        Real(s.population_base),
        Real(s.population_horizon),
        Real(s.dwellings_stock_base),
        Real(s.gap_horizon),
        Real(s.gap_per_1000_horizon),
    ]
}

/// What was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// Files written.
    pub files: Vec<PathBuf>,
    /// Demand features (district × year).
    pub demand_features: usize,
    /// District features.
    pub district_features: usize,
    /// Extra layers written and their feature counts.
    pub extra: Vec<(&'static str, usize)>,
}

impl fmt::Display for Written {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "wrote {} demand features and {} districts to {}",
            self.demand_features,
            self.district_features,
            self.files
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )?;
        for (name, n) in &self.extra {
            write!(f, "; {n} {name} features")?;
        }
        Ok(())
    }
}

/// Writes `run` for `dataset` to `path` in the format its name asks for; `progress` receives
/// one line per step (what is written where, and whether a file is overwritten).
pub fn write(
    path: &Path,
    dataset: &Dataset,
    run: &ModelRun,
    progress: impl FnMut(&str),
) -> Result<Written, ExportError> {
    write_with(path, dataset, run, &[], progress)
}

/// [`write`] with extra layers (`flags`, `projects`): more layers in a GeoPackage, sibling
/// files `<stem>.<layer>.geojson` beside a GeoJSON, `<layer>.csv` in a CSV folder.
pub fn write_with(
    path: &Path,
    dataset: &Dataset,
    run: &ModelRun,
    extra: &[Layer],
    mut progress: impl FnMut(&str),
) -> Result<Written, ExportError> {
    let format = Format::for_path(path)?;
    let districts = districts_with_summaries(dataset, run);
    let counts: Vec<(&'static str, usize)> =
        extra.iter().map(|l| (l.name, l.features.len())).collect();
    match format {
        Format::GeoPackage => {
            announce(path, &mut progress, run.rows.len());
            gpkg::write(path, &districts, run, extra)?;
            Ok(Written {
                files: vec![path.to_path_buf()],
                demand_features: run.rows.len(),
                district_features: districts.len(),
                extra: counts,
            })
        }
        Format::GeoJson => {
            announce(path, &mut progress, run.rows.len());
            geojson_out::write(path, dataset, run)?;
            let mut files = vec![path.to_path_buf()];
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "out".into());
            for layer in extra {
                let file = path.with_file_name(format!("{stem}.{}.geojson", layer.name));
                announce(&file, &mut progress, layer.features.len());
                geojson_out::write_layer(&file, layer)?;
                files.push(file);
            }
            Ok(Written {
                files,
                demand_features: run.rows.len(),
                district_features: 0,
                extra: counts,
            })
        }
        Format::CsvFolder => {
            std::fs::create_dir_all(path)
                .map_err(|e| ExportError::write(path, format!("cannot create folder: {e}")))?;
            let demand = path.join("demand.csv");
            let district_file = path.join("districts.csv");
            announce(&demand, &mut progress, run.rows.len());
            csv_out::write_demand(&demand, run)?;
            announce(&district_file, &mut progress, districts.len());
            csv_out::write_districts(&district_file, &districts, run)?;
            let mut files = vec![demand, district_file];
            for layer in extra {
                let file = path.join(format!("{}.csv", layer.name));
                announce(&file, &mut progress, layer.features.len());
                csv_out::write_layer(&file, layer)?;
                files.push(file);
            }
            Ok(Written {
                files,
                demand_features: run.rows.len(),
                district_features: districts.len(),
                extra: counts,
            })
        }
    }
}

fn announce(path: &Path, progress: &mut impl FnMut(&str), n: usize) {
    if path.exists() {
        progress(&format!("overwriting existing {}", path.display()));
    }
    progress(&format!("writing {n} features to {}", path.display()));
}

/// A temporary path beside `target` with the same extension (GDAL picks drivers by it).
fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let ext = target
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.partial-{}{ext}", std::process::id()))
}

/// Writes through `write_to(temp)` and renames the result onto `target`; removes the temporary
/// file when anything fails.
fn atomically(
    target: &Path,
    write_to: impl FnOnce(&Path) -> Result<(), ExportError>,
) -> Result<(), ExportError> {
    let temp = temp_path(target);
    let _ = std::fs::remove_file(&temp);
    let result = write_to(&temp).and_then(|()| {
        std::fs::rename(&temp, target)
            .map_err(|e| ExportError::write(target, format!("cannot move into place: {e}")))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_the_name() {
        assert_eq!(
            Format::for_path(Path::new("a/out.gpkg")).unwrap(),
            Format::GeoPackage
        );
        assert_eq!(
            Format::for_path(Path::new("out.GeoJSON")).unwrap(),
            Format::GeoJson
        );
        assert_eq!(
            Format::for_path(Path::new("results/")).unwrap(),
            Format::CsvFolder
        );
        assert_eq!(
            Format::for_path(Path::new("results")).unwrap(),
            Format::CsvFolder
        );
        assert!(Format::for_path(Path::new("out.shp")).is_err());
    }

    #[test]
    fn demand_fields_are_the_row_fields() {
        let row = DemandRow {
            district: "d".into(),
            name: "n".into(),
            year: 2020,
            observed: true,
            population: 1.0,
            population_0_19: 0.0,
            population_20_64: 1.0,
            population_65_79: 0.0,
            population_80_plus: 0.0,
            households: 0.5,
            dwellings_needed: 0.5,
            dwellings_stock: 0.0,
            dwellings_pipeline: 0.0,
            gap: 0.5,
            gap_per_1000: 500.0,
            care_places_needed: 0.0,
            persons_in_care: 0.0,
            dependency_ratio: 0.0,
            small_flats_needed: 0.0,
            family_dwellings_needed: 0.0,
            accessible_flats_needed: 0.0,
            senior_dwellings_needed: 0.0,
        };
        let json = serde_json::to_value(&row).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut names: Vec<&str> = DEMAND_FIELDS.iter().map(|f| f.0).collect();
        names.sort_unstable();
        let mut keys = keys.clone();
        keys.sort_unstable();
        assert_eq!(names, keys);
        assert_eq!(demand_values(&row).len(), DEMAND_FIELDS.len());
    }
}
