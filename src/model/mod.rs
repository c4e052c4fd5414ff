//! The housing-demand model: cohort-component projection per district and year, households by
//! the household-quotient method, dwelling demand by type, care-home places, and the gap against
//! stock and pipeline. Pure functions of domain values and parameters; formulas in `docs/model.md`.

mod output;
mod params;

pub use output::{DemandRow, ModelRun};
pub use params::ModelParams;
