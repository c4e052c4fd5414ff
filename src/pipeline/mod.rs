//! Building-process bottlenecks: per stage lead times, work in progress, throughput, share over
//! the statutory limits, and the stage where dwellings wait longest.
//!
//! The municipality asks to "kartlägga byggprocesser och identifiera flaskhalsar". Every figure
//! here is computed from the stage dates of the pipeline projects and the snapshot date
//! (`[dataset] as_of`); formulas are in `docs/bottlenecks.md`.

mod stages;
mod stats;

pub use stages::{
    fee_reduction_share, project_status, Passage, ProjectStatus, BYGGLOV_EXTENDED_LIMIT_DAYS,
    BYGGLOV_LIMIT_DAYS, LAGA_KRAFT_LIMIT_DAYS, PLANBESKED_LIMIT_DAYS,
};
pub use stats::{analyze, percentile, BottleneckReport, StageStats};
