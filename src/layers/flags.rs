//! `flags`: one feature per district and flag kind (`densify`, `upgrade`), id
//! `{district}:{flag}`, with the district polygon, whether it is flagged, its score, the
//! indicators the rules read and the reasons (every rule evaluated, met or not).

use super::{column, district_shapes, Cell, Column, FieldKind::*, Layer, LayerGeometry};
use crate::domain::Dataset;
use crate::flags::FlagResult;

const SHARE: Option<&str> = Some("share 0–1");
const PERCENT: Option<&str> = Some("%");

/// The text serde gives a unit-like enum (`densify`, `address_points`).
fn code<T: serde::Serialize>(v: &T) -> Cell {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(Cell::text))
        .unwrap_or(Cell::Null)
}

/// The fields of `flags`, in output order, each with its value from a [`FlagResult`].
pub fn columns() -> Vec<Column<'static, FlagResult>> {
    vec![
        column("district", Text, None, "District code", |f: &FlagResult| {
            Cell::text(&f.district)
        }),
        column("name", Text, None, "District name", |f: &FlagResult| {
            Cell::text(&f.name)
        }),
        column(
            "flag",
            Text,
            None,
            "densify or upgrade",
            |f: &FlagResult| code(&f.flag),
        ),
        column(
            "flagged",
            Boolean,
            None,
            "True when the district is flagged",
            |f: &FlagResult| Cell::Boolean(f.flagged),
        ),
        column(
            "score",
            Real,
            None,
            "densify: share of conditions met (0–1); upgrade: secondary indicators met",
            |f: &FlagResult| Cell::Real(f.score),
        ),
        column(
            "rules_met",
            Integer,
            Some("rules"),
            "Rules of this flag that were met",
            |f: &FlagResult| Cell::Integer(f.rules_met.into()),
        ),
        column(
            "rules_missing",
            Integer,
            Some("rules"),
            "Rules of this flag whose indicator was missing",
            |f: &FlagResult| Cell::Integer(f.rules_missing.into()),
        ),
        column(
            "reason_text",
            Text,
            None,
            "The verdict and every reason in one line, for labels",
            |f: &FlagResult| Cell::text(&f.reason_text),
        ),
        column(
            "reasons",
            List,
            None,
            "Every rule evaluated: rule, indicator, value, threshold, met",
            |f: &FlagResult| serde_json::to_value(&f.reasons).map_or(Cell::Null, Cell::Json),
        ),
        column(
            "horizon_year",
            Integer,
            Some("year"),
            "Horizon year of the model run the gap is taken from",
            |f: &FlagResult| Cell::Integer(f.horizon_year.into()),
        ),
        column(
            "gap_horizon",
            Real,
            Some("dwellings"),
            "Model gap at the horizon year",
            |f: &FlagResult| f.gap_horizon.into(),
        ),
        column(
            "transit_share_400m",
            Real,
            SHARE,
            "Share of residents within 400 m of a frequent stop",
            |f: &FlagResult| f.transit_share_400m.into(),
        ),
        column(
            "station_share_600m",
            Real,
            SHARE,
            "Share of residents within 600 m of a railway station",
            |f: &FlagResult| f.station_share_600m.into(),
        ),
        column(
            "station_share_1200m",
            Real,
            SHARE,
            "Share of residents within 1,200 m of a railway station",
            |f: &FlagResult| f.station_share_1200m.into(),
        ),
        column(
            "access_basis",
            Text,
            None,
            "What the residents were taken to be: address_points, area_grid or none",
            |f: &FlagResult| code(&f.access_basis),
        ),
        column(
            "distance_method",
            Text,
            None,
            "How distances were measured (straight_line_epsg3006: straight lines in SWEREF 99 TM)",
            |f: &FlagResult| Cell::text(&f.distance_method),
        ),
        column(
            "dwellings_per_ha",
            Real,
            Some("dwellings per ha"),
            "Dwellings per hectare of land, latest observed year",
            |f: &FlagResult| f.dwellings_per_ha.into(),
        ),
        column(
            "residents_per_ha",
            Real,
            Some("persons per ha"),
            "Residents per hectare of land, latest observed year",
            |f: &FlagResult| f.residents_per_ha.into(),
        ),
        column(
            "regso_type",
            Real,
            None,
            "SCB RegSO area type (områdestyp) 1–5, latest year",
            |f: &FlagResult| f.regso_type.into(),
        ),
        column(
            "vulnerable_area_share",
            Real,
            SHARE,
            "Share of residents inside a police \"utsatt område\"; null when no areas are given",
            |f: &FlagResult| f.vulnerable_area_share.into(),
        ),
        column(
            "employment",
            Real,
            PERCENT,
            "Employment rate 20–64, latest year",
            |f: &FlagResult| f.employment.into(),
        ),
        column(
            "low_econ",
            Real,
            PERCENT,
            "Share with low economic standard, latest year",
            |f: &FlagResult| f.low_econ.into(),
        ),
        column(
            "crowding",
            Real,
            PERCENT,
            "Share in overcrowded dwellings, latest year",
            |f: &FlagResult| f.crowding.into(),
        ),
        column(
            "safety_score",
            Real,
            None,
            "Safety-survey score, latest year",
            |f: &FlagResult| f.safety_score.into(),
        ),
    ]
}

/// The `flags` layer.
pub fn layer(dataset: &Dataset, flags: &[FlagResult]) -> Layer {
    let columns = columns();
    let mut layer = Layer::new(
        "flags",
        "Densification and upgrade flags",
        format!(
            "For each district of {} and each flag kind (densify, upgrade): whether it is \
             flagged, its score, and the reasons: every rule evaluated with its indicator, \
             value, threshold and whether it was met. Filter on flagged=true.",
            dataset.name
        ),
        LayerGeometry::MultiPolygon,
        &columns,
    );
    district_shapes(&mut layer, dataset);
    let n = layer.shapes.len();
    for f in flags {
        let shape = (f.district_index < n).then_some(f.district_index);
        layer.push(&columns, f.id.clone(), shape, None, f);
    }
    layer
}
