//! District flags: densification candidates and safety/upgrade districts, each with its reasons.

use serde::Deserialize;

/// Flag parameters (`[flags]` in the manifest); every field has a default.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FlagParams {}
