//! Writing the published layers to files: GeoPackage (GDAL, EPSG:3006, QGIS styles and field
//! comments), GeoJSON (RFC 7946, CRS84) and CSV; and to a PostGIS database (`PG:…`, EPSG:3006,
//! one transaction per run).
//!
//! The writers only render [`crate::layers::Layer`]s: every field's name, kind and description
//! comes from there, so the files cannot drift from the service or from each other. A new output
//! format is one more writer over `Layer` here. Each file is written under a temporary name
//! beside its target and renamed into place when complete: a failed write leaves no
//! half-written output; a database gets the whole run or nothing (`postgis`). GDAL is used here
//! (and in ingest) only.
//!
//! The notes of [`Layers`] (which inputs are real, estimated, synthetic or missing) travel with
//! every output, so a file opened on its own still says what is sample rather than real: in a
//! GeoPackage each layer's description (`gpkg_contents`, shown by QGIS as the layer's abstract
//! in Layer Properties ▸ Information) ends with them and the file's metadata has them as
//! `NOTES`; a GeoJSON FeatureCollection has a `notes` array beside `features`; a CSV folder has
//! a `NOTES.txt`; a PostGIS table has them in its comment and in `housing_need_layers`.

mod csv_out;
mod geojson_out;
mod gpkg;
mod postgis;
mod qgis_style;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::layers::Layers;

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
    /// `.gpkg`: every layer in EPSG:3006, and QGIS's `layer_styles` table with a graduated
    /// style on the gap per 1,000 inhabitants for `districts` and `demand`.
    GeoPackage,
    /// `.geojson` / `.json`: the `demand` FeatureCollection in CRS84, the other layers beside it.
    GeoJson,
    /// A folder: one `<layer>.csv` per layer.
    CsvFolder,
    /// `PG:…`, a PostgreSQL connection string: one PostGIS table per layer (EPSG:3006), the
    /// previous run's tables replaced in one transaction.
    PostGis,
}

impl Format {
    /// The format for `path`: by extension; a path ending in `/`, an existing folder or a path
    /// without extension is a folder of CSV files.
    pub fn for_path(path: &Path) -> Result<Self, ExportError> {
        let text = path.to_string_lossy();
        if postgis::is_postgres(&text) {
            return Ok(Self::PostGis);
        }
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
                    "unknown output format '.{other}': use .gpkg, .geojson, a folder for CSV or PG:…"
                ),
            )),
        }
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// Files written.
    pub files: Vec<PathBuf>,
    /// Layers written and their feature counts, in order.
    pub layers: Vec<(String, usize)>,
}

impl Written {
    /// Features written of layer `name` (0 when it was not written).
    pub fn count(&self, name: &str) -> usize {
        self.layers
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(0, |(_, n)| *n)
    }
}

impl fmt::Display for Written {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let layers: Vec<String> = self
            .layers
            .iter()
            .map(|(name, n)| format!("{n} {name}"))
            .collect();
        write!(
            f,
            "wrote {} to {}",
            layers.join(", "),
            self.files
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// Writes `layers` to `path` in the format its name asks for; `progress` receives one line per
/// step (what is written where, and whether a file is overwritten).
///
/// A GeoPackage holds every layer; a GeoJSON file holds `demand` (the layer most maps show)
/// with every other layer beside it as `<stem>.<layer>.geojson`; a folder gets `<layer>.csv`
/// per layer; a `PG:…` database gets one table per layer (see `postgis`).
pub fn write(
    path: &Path,
    layers: &Layers,
    mut progress: impl FnMut(&str),
) -> Result<Written, ExportError> {
    let format = Format::for_path(path)?;
    let counts: Vec<(String, usize)> = layers
        .layers
        .iter()
        .map(|l| (l.name.clone(), l.features.len()))
        .collect();
    let files = match format {
        Format::GeoPackage => {
            let n = layers.layers.iter().map(|l| l.features.len()).sum();
            announce(path, &mut progress, n);
            gpkg::write(path, layers)?;
            vec![path.to_path_buf()]
        }
        Format::PostGis => {
            let target = path.to_string_lossy();
            let shown = postgis::display(&target);
            let n: usize = layers.layers.iter().map(|l| l.features.len()).sum();
            progress(&format!(
                "writing {n} features to {shown}, replacing the previous run's tables in one transaction"
            ));
            let schema = postgis::write(&target, layers)
                .map_err(|e| ExportError::write(Path::new(&shown), e))?;
            vec![PathBuf::from(format!("{shown} (schema {schema})"))]
        }
        Format::GeoJson => {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "out".into());
            let mut files = Vec::new();
            for layer in &layers.layers {
                let file = if layer.name == MAIN_GEOJSON_LAYER {
                    path.to_path_buf()
                } else {
                    path.with_file_name(format!("{stem}.{}.geojson", layer.name))
                };
                announce(&file, &mut progress, layer.features.len());
                geojson_out::write(&file, layer, &layers.notes)?;
                files.push(file);
            }
            files
        }
        Format::CsvFolder => {
            std::fs::create_dir_all(path)
                .map_err(|e| ExportError::write(path, format!("cannot create folder: {e}")))?;
            let mut files = Vec::new();
            for layer in &layers.layers {
                let file = path.join(format!("{}.csv", layer.name));
                announce(&file, &mut progress, layer.features.len());
                csv_out::write(&file, layer)?;
                files.push(file);
            }
            let notes = path.join(CSV_NOTES_FILE);
            atomically(&notes, |temp| {
                std::fs::write(temp, notes_file(layers)).map_err(|e| ExportError::write(&notes, e))
            })?;
            files.push(notes);
            files
        }
    };
    Ok(Written {
        files,
        layers: counts,
    })
}

/// The layer written to the GeoJSON file itself (the others go beside it).
pub const MAIN_GEOJSON_LAYER: &str = "demand";

/// The file beside the CSV files that holds the notes.
pub const CSV_NOTES_FILE: &str = "NOTES.txt";

/// The notes as a list, one `- ` line each.
fn note_lines(notes: &[String]) -> String {
    notes
        .iter()
        .map(|n| format!("- {n}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A layer's description followed by the notes on the data (the description alone without
/// notes).
pub(crate) fn described(layer: &crate::layers::Layer, notes: &[String]) -> String {
    if notes.is_empty() {
        return layer.description.clone();
    }
    format!(
        "{}\n\nAbout the data:\n{}",
        layer.description,
        note_lines(notes)
    )
}

/// The text of the CSV folder's notes file.
fn notes_file(layers: &Layers) -> String {
    let notes = if layers.notes.is_empty() {
        "- none given".to_string()
    } else {
        note_lines(&layers.notes)
    };
    let files: Vec<String> = layers
        .layers
        .iter()
        .map(|l| format!("- {}.csv: {}", l.name, l.title))
        .collect();
    format!(
        "{}\n\nAbout the data (which inputs are real, estimated, synthetic or missing):\n{notes}\n\n\
         Files (UTF-8, comma-separated, one row per feature, no geometry):\n{}\n",
        layers.title,
        files.join("\n")
    )
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
        assert_eq!(
            Format::for_path(Path::new("PG:dbname=plan host=db")).unwrap(),
            Format::PostGis
        );
    }
}
