//! The HTTP service: OGC API - Features over the loaded dataset and model results.
