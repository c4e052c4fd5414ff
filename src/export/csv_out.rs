//! CSV output: one `<layer>.csv` per layer, its fields as columns (no geometry). UTF-8,
//! comma-separated, a header row; empty cells for nulls (a NaN ratio), `true`/`false` for
//! booleans, JSON text for a list (a flag's reasons).

use std::path::Path;

use super::{atomically, ExportError};
use crate::layers::Layer;

/// Writes `layer` to `target`.
pub(super) fn write(target: &Path, layer: &Layer) -> Result<(), ExportError> {
    atomically(target, |temp| {
        let err = |e: &dyn std::fmt::Display| ExportError::write(target, e);
        let mut w = csv::Writer::from_path(temp).map_err(|e| err(&e))?;
        w.write_record(layer.fields.iter().map(|f| f.name.as_str()))
            .map_err(|e| err(&e))?;
        for feature in &layer.features {
            w.write_record(feature.values.iter().map(|c| c.to_text()))
                .map_err(|e| err(&e))?;
        }
        w.flush().map_err(|e| err(&e))
    })
}
