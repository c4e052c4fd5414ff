//! # housing-need
//!
//! Tells a Swedish municipality where housing is needed, how much and of what kind, and where the
//! building process stalls. A dataset (a TOML manifest naming district polygons, population by
//! age band, migration, dwellings, indicators, transit stops and pipeline projects) is read
//! through GDAL and validated ([`ingest`]), projected per district and year with a
//! cohort-component model and turned into households, dwelling demand and the gap against stock
//! and pipeline ([`model`]); [`flags`] and [`pipeline`] add the densify/upgrade flags and the
//! building-process bottlenecks. [`analysis`] runs all of it once per data load, and [`layers`]
//! turns it into the published layers (`districts`, `demand`, `flags`, `projects`), which are
//! served as OGC API - Features ([`api`]), as the dashboard and BI tables ([`web`]), or written
//! to GeoPackage/GeoJSON/CSV ([`export`]). The binary carries its default dataset and the
//! dashboard's files ([`embedded`]).
//!
//! Where things go:
//! - a new table or input file: [`config`] (manifest) and [`ingest`] (a column schema and its
//!   checks, read by the one row reader), into [`domain`] values;
//! - a new model result: [`model`] (e.g. a field of [`model::DemandRow`]), then one column in
//!   [`layers`] to publish it;
//! - a new published field or layer: [`layers`] only; every output follows;
//! - a new output format: a writer over [`layers::Layer`] in [`export`] (files) or [`api`] /
//!   [`web`] (HTTP).
//!
//! Dependencies point one way: `commands` → `api`, `web`, `export` → `layers` → `analysis` →
//! `model`, `flags`, `pipeline` → `domain`; `ingest` produces `domain` values; `ingest` and
//! `export` are the only places that touch GDAL's vector drivers. `scripts/module-graph` lists
//! every module's imports and fails on an import loop.

/// The memory allocator of every program built on this crate (the service, the benchmarks,
/// the tests): mimalloc keeps freed pages for reuse instead of handing each model run's buffers
/// back to the system, which with the C allocator cost a page fault per page on every run
/// (1.2 million faults in four seconds of `cargo bench --bench model`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod analysis;
pub mod api;
pub mod commands;
pub mod config;
mod conninfo;
pub mod domain;
pub mod embedded;
pub mod export;
pub mod flags;
pub mod ingest;
pub mod layers;
pub mod lru;
pub mod memory;
pub mod model;
pub mod pipeline;
pub mod progress;
pub mod scenarios;
pub mod server;
pub mod stats;
pub mod synthetic;
pub mod uncertainty;
pub mod web;

/// Every error the crate reports, gathered from the modules' own error types.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Manifest could not be read or parsed.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// Dataset could not be loaded; every problem found is listed.
    #[error(transparent)]
    Ingest(#[from] ingest::IngestError),
    /// Writing results failed.
    #[error(transparent)]
    Export(#[from] export::ExportError),
    /// The dashboard's data could not be prepared.
    #[error(transparent)]
    Web(#[from] web::WebDataError),
    /// The embedded default dataset could not be mounted.
    #[error(transparent)]
    Embedded(#[from] embedded::EmbeddedError),
    /// A synthetic dataset could not be written.
    #[error(transparent)]
    Generate(#[from] synthetic::GenerateError),
    /// I/O outside the above (binding a socket, say).
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// Cause.
        source: std::io::Error,
    },
}

/// Crate result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
