//! What the binary carries, so that a release binary copied alone to any folder runs: the
//! default dataset (the whole `geodata/` tree) and the dashboard's map library (Leaflet's built
//! files from the pinned npm package). `build.rs` embeds them at build time; the dashboard's own
//! files are in `src/web/assets.rs`.
//!
//! GDAL reads the embedded dataset through its in-memory file system: [`default_manifest`]
//! copies the tree once per process under [`MOUNT`] (`/vsimem/…`) and returns the manifest's
//! path there, so the manifest's relative paths resolve as they do on disk. Readers that do not
//! go through GDAL (the manifest itself, CSV tables) use [`read`], which understands both real
//! paths and `/vsimem/` paths. `--data` still names any dataset on disk.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

mod generated {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// The default dataset's manifest, relative to `geodata/`: the one place that chooses which
/// embedded dataset runs when `--data` is not given.
pub const DEFAULT_MANIFEST: &str = "alingsas-deso2025/alingsas-deso2025.toml";

/// Where the embedded `geodata/` tree appears in GDAL's in-memory file system.
pub const MOUNT: &str = "/vsimem/embedded/geodata";

/// Mounting the embedded dataset failed (GDAL refused an in-memory file).
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot mount the embedded dataset at {MOUNT}: {0}")]
pub struct EmbeddedError(String);

/// Every embedded file of `geodata/`: `(path relative to geodata/, bytes)`, sorted by path.
pub fn geodata_files() -> &'static [(&'static str, &'static [u8])] {
    generated::GEODATA
}

/// An embedded file of Leaflet, by its path below `node_modules` (`leaflet/dist/leaflet.css`).
pub fn vendor_file(path: &str) -> Option<&'static [u8]> {
    generated::VENDOR
        .binary_search_by(|(name, _)| (*name).cmp(path))
        .ok()
        .map(|i| generated::VENDOR[i].1)
}

/// Copies the embedded `geodata/` tree under [`MOUNT`] (once per process) and returns the path
/// of the default manifest there.
pub fn default_manifest() -> Result<PathBuf, EmbeddedError> {
    static MOUNTED: OnceLock<Result<(), EmbeddedError>> = OnceLock::new();
    MOUNTED
        .get_or_init(|| {
            for (name, bytes) in geodata_files() {
                let path = format!("{MOUNT}/{name}");
                gdal::vsi::create_mem_file(&path, bytes.to_vec())
                    .map_err(|e| EmbeddedError(format!("{path}: {e}")))?;
            }
            Ok(())
        })
        .clone()?;
    Ok(Path::new(MOUNT).join(DEFAULT_MANIFEST))
}

/// Reads a whole file: from GDAL's in-memory file system for a `/vsimem/` path (where the
/// embedded dataset is mounted), from disk otherwise. A missing in-memory file is
/// [`std::io::ErrorKind::NotFound`], like a missing file on disk.
pub fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    if !path.starts_with("/vsimem") {
        return std::fs::read(path);
    }
    gdal::vsi::call_on_mem_file_bytes(path, <[u8]>::to_vec).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{} is not in GDAL's memory file system", path.display()),
        )
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_default_dataset_and_leaflet_are_embedded() {
        assert!(geodata_files()
            .iter()
            .any(|(name, _)| *name == DEFAULT_MANIFEST));
        assert!(vendor_file("leaflet/dist/leaflet-src.esm.js").is_some_and(|b| b.len() > 10_000));
        assert!(vendor_file("leaflet/dist/nothing.js").is_none());
    }

    #[test]
    fn the_mounted_manifest_reads_back_and_its_neighbours_resolve() {
        let manifest = default_manifest().unwrap();
        let text = read(&manifest).unwrap();
        assert!(String::from_utf8(text).unwrap().contains("[districts]"));
        let missing = read(&manifest.with_file_name("nothing.csv")).unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    }
}
