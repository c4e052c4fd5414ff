//! CSV output: `demand.csv` (one row per district and year) and `districts.csv` (one row per
//! district, with its centroid in EPSG:3006). UTF-8, comma-separated, a header row; empty cells
//! for nulls (a NaN ratio), `true`/`false` for booleans.

use std::path::Path;

use crate::domain::District;
use crate::model::ModelRun;

use super::{
    atomically, demand_values, district_values, DistrictSummary, ExportError, Value, DEMAND_FIELDS,
    DISTRICT_FIELDS,
};

fn cell(v: &Value<'_>) -> String {
    match v {
        Value::Text(t) => (*t).to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Real(x) if x.is_finite() => x.to_string(),
        Value::Real(_) => String::new(),
        Value::Boolean(b) => b.to_string(),
    }
}

fn write_rows<'a>(
    target: &Path,
    header: impl Iterator<Item = &'a str>,
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<(), ExportError> {
    atomically(target, |temp| {
        let err = |e: &dyn std::fmt::Display| ExportError::write(target, e);
        let mut w = csv::Writer::from_path(temp).map_err(|e| err(&e))?;
        w.write_record(header).map_err(|e| err(&e))?;
        for row in rows {
            w.write_record(&row).map_err(|e| err(&e))?;
        }
        w.flush().map_err(|e| err(&e))
    })
}

/// Writes `demand.csv`.
pub(super) fn write_demand(target: &Path, run: &ModelRun) -> Result<(), ExportError> {
    write_rows(
        target,
        DEMAND_FIELDS.iter().map(|f| f.0),
        run.rows
            .iter()
            .map(|r| demand_values(r).iter().map(cell).collect()),
    )
}

/// Writes `districts.csv`.
pub(super) fn write_districts(
    target: &Path,
    districts: &[(&District, DistrictSummary)],
    run: &ModelRun,
) -> Result<(), ExportError> {
    write_rows(
        target,
        DISTRICT_FIELDS.iter().map(|f| f.0),
        districts
            .iter()
            .map(|(d, s)| district_values(d, s, run).iter().map(cell).collect()),
    )
}

/// Writes an extra layer as `<name>.csv` (its fields; no geometry).
pub(super) fn write_layer(target: &Path, layer: &super::layers::Layer) -> Result<(), ExportError> {
    use super::layers::Cell;
    write_rows(
        target,
        layer.fields.iter().map(|f| f.0),
        layer.features.iter().map(|f| {
            f.values
                .iter()
                .map(|c| match c {
                    Cell::Text(t) => t.clone(),
                    Cell::Integer(i) => i.to_string(),
                    Cell::Real(x) if x.is_finite() => x.to_string(),
                    Cell::Real(_) | Cell::Null => String::new(),
                    Cell::Boolean(b) => b.to_string(),
                })
                .collect()
        }),
    )
}
