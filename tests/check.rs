//! `housing-need check` on tiny fixtures under `tests/fixtures/`: one test per broken case (the
//! command exits 1 and names the file, row or feature, field and value), the accepted variants
//! a planner's files come in (exit 0 with the right summary), manifest errors, and the real
//! DeSO 2025 data of Alingsås committed under `geodata/alingsas-deso2025/`.
//!
//! Most tests run the real binary; those that check loaded values call the library.

#[path = "check/support.rs"]
mod support;

#[path = "check/accepted.rs"]
mod accepted;
#[path = "check/broken_gis.rs"]
mod broken_gis;
#[path = "check/broken_tables.rs"]
mod broken_tables;
#[path = "check/columnar.rs"]
mod columnar;
#[path = "check/generated.rs"]
mod generated;
#[path = "check/manifest.rs"]
mod manifest;
#[path = "check/realdata.rs"]
mod realdata;
#[path = "check/scb.rs"]
mod scb;
