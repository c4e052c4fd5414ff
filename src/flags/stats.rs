//! The two municipal figures relative rules compare a district with: a quantile and a
//! weighted mean (shared with the pipeline analysis, see [`crate::stats`]).

pub use crate::stats::{quantile, weighted_mean};
