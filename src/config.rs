//! The dataset manifest (TOML): which files make a dataset, how their fields map to ours, and the
//! model parameters. Read once and validated into typed values; paths are relative to the
//! manifest's own folder. The format is documented with examples in `docs/dataset.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::model::ModelParams;

/// Errors reading a manifest.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The manifest file could not be read.
    #[error("{path}: cannot read manifest: {source}")]
    Read {
        /// Manifest path.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The manifest is not valid TOML or has a wrong key or value.
    #[error("{path}: {message}")]
    Parse {
        /// Manifest path.
        path: PathBuf,
        /// What is wrong, with line and column from the TOML parser.
        message: String,
    },
}

/// A whole manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Dataset metadata.
    pub dataset: DatasetMeta,
    /// District polygons (required).
    pub districts: DistrictsSource,
    /// Population by age band (required): a long CSV or address points.
    pub population: TableSource,
    /// The municipality's population by single year of age and sex over many years (optional):
    /// `region,year,sex,age,persons` as SCB publishes it (BE0101A), ages `0…99` and `100+`. The
    /// forecast's control total and the series its net migration is estimated from.
    #[serde(default)]
    pub municipal_population: Option<TableSource>,
    /// Dwellings completed in new construction by year (optional): `year,dwellings`, with a
    /// `district` column when per district (SCB TAB4572 / BO0101).
    #[serde(default)]
    pub completions: Option<TableSource>,
    /// In- and out-migration by age band (optional).
    #[serde(default)]
    pub migration: Option<TableSource>,
    /// Dwelling stock by district, year, type and tenure (optional).
    #[serde(default)]
    pub dwellings: Option<TableSource>,
    /// Indicators `district,year,indicator,value` (optional).
    #[serde(default)]
    pub indicators: Option<TableSource>,
    /// Transit stops as points (optional).
    #[serde(default)]
    pub transit: Option<TableSource>,
    /// Pipeline projects as points or polygons (optional).
    #[serde(default)]
    pub pipeline: Option<TableSource>,
    /// Model parameters; every one has a default.
    #[serde(default)]
    pub model: ModelParams,
    /// Flag rules' thresholds; every one has a default.
    #[serde(default)]
    pub flags: crate::flags::FlagParams,
    /// Bottleneck analysis: expected stage durations; every one has a default.
    #[serde(default)]
    pub bottlenecks: crate::pipeline::BottleneckParams,
    /// Folder of the manifest; every relative path is resolved against it.
    #[serde(skip)]
    pub base_dir: PathBuf,
    /// The manifest's own path (for messages).
    #[serde(skip)]
    pub path: PathBuf,
}

/// `[dataset]`: title and facts about the whole dataset.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetMeta {
    /// Title shown in outputs.
    pub name: String,
    /// Municipality code (kommunkod), e.g. `"1489"`.
    #[serde(default)]
    pub municipality: Option<String>,
    /// Snapshot date of the pipeline (ISO `YYYY-MM-DD`); stage dates after it are errors.
    #[serde(default)]
    pub as_of: Option<String>,
    /// Start age of the open top band: 80 (SCB TAB6574) up to 100. Default 80.
    #[serde(default = "default_open_band")]
    pub open_band: u8,
    /// What a planner should know about the data: which parts are real, which are samples,
    /// which are missing. `check` and `analyze` print them.
    #[serde(default)]
    pub notes: Vec<String>,
}

fn default_open_band() -> u8 {
    80
}

/// `[districts]`: any GDAL vector source.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistrictsSource {
    /// File path relative to the manifest, or a GDAL connection string such as `PG:dbname=…`.
    pub source: String,
    /// Layer name; default: the source's first layer.
    #[serde(default)]
    pub layer: Option<String>,
    /// Field holding the district code.
    pub id_field: String,
    /// Field holding the district name; default: the code.
    #[serde(default)]
    pub name_field: Option<String>,
    /// Suffix to strip from codes everywhere (e.g. `_DeSO2025`: SCB's 2025 tables write
    /// `1489C1010_DeSO2025` where the geometry has `1489C1010`).
    #[serde(default)]
    pub strip_suffix: Option<String>,
    /// CRS to assume when the source declares none (e.g. `EPSG:3006`). A source without a CRS
    /// and without this is an error.
    #[serde(default)]
    pub crs: Option<String>,
    /// GDAL open options (`KEY=VALUE`).
    #[serde(default)]
    pub open_options: Vec<String>,
    /// Indicators that are fields of the district layer (wide attributes, e.g. the DeSO file's
    /// `employment`), read beside any `[indicators]` table.
    #[serde(default)]
    pub indicators: Vec<AttributeIndicator>,
    /// Dwellings that are fields of the district layer (e.g. `dist_tenure_1` = hyresrätt in
    /// SCB's TAB6638 coding), read beside any `[dwellings]` table.
    #[serde(default)]
    pub dwellings: Vec<AttributeDwellings>,
}

/// One indicator held in a field of the district layer:
/// `{ indicator = "employment", field = "sysselsatta", year = 2024 }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeIndicator {
    /// Our indicator name (`employment`, `low_econ`, `crowding`, `safety_score`, `regso_type`…).
    pub indicator: String,
    /// The layer's field; default: the indicator name.
    #[serde(default)]
    pub field: Option<String>,
    /// The year the values describe.
    pub year: i32,
}

/// Dwellings of one tenure (and type) held in a field of the district layer:
/// `{ field = "dist_tenure_1", tenure = "hyresratt", year = 2025 }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeDwellings {
    /// The layer's field holding the count.
    pub field: String,
    /// Tenure of these dwellings (`hyresratt`, `bostadsratt`, `aganderatt`, `okand`; SCB's
    /// codes `1`, `2`, `3`).
    pub tenure: String,
    /// Type of building (`smahus`, `flerbostadshus`, `specialbostad`, `ovrigt`); default
    /// `ovrigt` when the source gives tenure only (only special housing is treated apart).
    #[serde(default, rename = "type")]
    pub dwelling_type: Option<String>,
    /// The year the counts describe.
    pub year: i32,
}

/// A table part: either a CSV (`path`) or a GDAL point/polygon layer (`source`), with column
/// mappings from our field names to the file's.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSource {
    /// A CSV file (`,` or `;` separated, UTF-8, BOM allowed) relative to the manifest.
    #[serde(default)]
    pub path: Option<String>,
    /// A GDAL vector source (points or polygons) joined to districts spatially.
    #[serde(default)]
    pub source: Option<String>,
    /// Layer of `source`.
    #[serde(default)]
    pub layer: Option<String>,
    /// CRS of `source` when it declares none (a CSV of points with x/y, say).
    #[serde(default)]
    pub crs: Option<String>,
    /// GDAL open options for `source`, e.g. `["X_POSSIBLE_NAMES=x", "Y_POSSIBLE_NAMES=y"]`.
    #[serde(default)]
    pub open_options: Vec<String>,
    /// Whether address points from `source` are read by the fast readers (column by column
    /// through GDAL's Arrow stream, or FlatGeobuf directly; the default) or, with `false`,
    /// feature by feature through GDAL. `[population]` only: elsewhere `check` warns that it is
    /// ignored.
    #[serde(default)]
    pub columnar: Option<bool>,
    /// The year of every row when the table has no year column (SCB extracts of one year).
    #[serde(default)]
    pub year: Option<i32>,
    /// Our column name → the file's column name, for columns named differently in the file.
    /// For an SCB file, our value column names the measure (tabellinnehåll) to read:
    /// `columns = { persons = "Folkmängd" }`.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// The file's format: `csv` (our long CSV), or one of SCB's downloads: `pxweb-csv`
    /// (Statistikdatabasen CSV), `jsonstat2` (PxWebApi v2), `pxweb-json` (API v1). Default:
    /// found from the content.
    #[serde(default)]
    pub format: Option<String>,
}

impl TableSource {
    /// The file's name for our column `ours`.
    pub fn column<'a>(&'a self, ours: &'a str) -> &'a str {
        self.columns.get(ours).map(String::as_str).unwrap_or(ours)
    }
}

impl Manifest {
    /// Reads and parses a manifest (on disk, or the embedded one under `/vsimem/`); relative
    /// paths will resolve against its folder.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = crate::embedded::read(path)
            .and_then(|bytes| {
                String::from_utf8(bytes)
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
            })
            .map_err(|source| ConfigError::Read {
                path: path.to_path_buf(),
                source,
            })?;
        let mut m: Manifest = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim().replace('\n', " "),
        })?;
        m.path = path.to_path_buf();
        m.base_dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(m)
    }

    /// Resolves a path or GDAL connection string named in the manifest: connection strings
    /// (`PG:…`, `/vsi…`, URLs) and absolute paths are kept, others are joined to the manifest's
    /// folder.
    pub fn resolve(&self, source: &str) -> PathBuf {
        let is_connection = source.contains(':') && !source.starts_with('.') && {
            let prefix = source.split(':').next().unwrap_or("");
            prefix.len() > 1 // not a Windows drive letter
        };
        if is_connection || source.starts_with("/vsi") || Path::new(source).is_absolute() {
            PathBuf::from(source)
        } else {
            self.base_dir.join(source)
        }
    }
}
