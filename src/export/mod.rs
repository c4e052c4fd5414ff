//! Writing results: GeoPackage (with QGIS styles), GeoJSON (CRS84) and CSV.

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
