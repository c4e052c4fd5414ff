//! `demand`: one feature per district and year (id `{district}-{year}`), the model's
//! [`DemandRow`] with the district's polygon, valid for that calendar year.
//!
//! A new `DemandRow` field is published by adding one [`column`] to [`columns`]: every output
//! (OGC API, GeoPackage, GeoJSON, CSV, BI tables, docs) follows.

use super::{column, district_shapes, Cell, Column, FieldKind::*, Layer, LayerGeometry};
use crate::domain::Dataset;
use crate::model::{DemandRow, ModelRun};
use crate::uncertainty::ErrorBands;

/// Error bands and the base year they count horizons from.
type Bands<'a> = Option<(&'a ErrorBands, i32)>;

/// `(low, high)` of `value` in `row` under `bands`: the value itself in observed years, the
/// band's range in projected ones, none without bands.
fn range(bands: Bands<'_>, row: &DemandRow, value: f64) -> Option<(f64, f64)> {
    if row.observed {
        return Some((value, value));
    }
    bands.map(|(b, base)| b.range(value, row.year - base))
}

fn low_high<'a>(
    name: &str,
    unit: Option<&'static str>,
    what: &str,
    bands: Bands<'a>,
    value: impl Fn(&DemandRow) -> (f64, f64) + Copy + 'a,
) -> [Column<'a, DemandRow>; 2] {
    let band_of = move |r: &DemandRow| {
        let (v, offset) = value(r);
        range(bands, r, v).map(|(lo, hi)| (lo - offset, hi - offset))
    };
    [
        column(
            format!("{name}_low"),
            Real,
            unit,
            format!(
                "{what}: low end of the range our past forecasts' errors give (10th percentile \
                 of the backtests' error at this horizon); the value in observed years; null \
                 without a backtest"
            ),
            move |r: &DemandRow| Cell::from(band_of(r).map(|b| b.0)),
        ),
        column(
            format!("{name}_high"),
            Real,
            unit,
            format!("{what}: high end of the same range (90th percentile)"),
            move |r: &DemandRow| Cell::from(band_of(r).map(|b| b.1)),
        ),
    ]
}

const PERSONS: Option<&str> = Some("persons");
const DWELLINGS: Option<&str> = Some("dwellings");

/// The fields of `demand`, in output order, each with its value from a [`DemandRow`] (the
/// `_low`/`_high` fields null: see [`columns_with`]).
pub fn columns() -> Vec<Column<'static, DemandRow>> {
    columns_with(None)
}

/// [`columns`] with the error bands of `bands` (and the base year horizons count from).
pub fn columns_with<'a>(bands: Option<(&'a ErrorBands, i32)>) -> Vec<Column<'a, DemandRow>> {
    let mut c = vec![
        column("district", Text, None, "District code", |r: &DemandRow| {
            Cell::text(&r.district)
        }),
        column("name", Text, None, "District name", |r: &DemandRow| {
            Cell::text(&r.name)
        }),
        column(
            "year",
            Integer,
            Some("year"),
            "Year (31 December)",
            |r: &DemandRow| Cell::Integer(r.year.into()),
        ),
        column(
            "observed",
            Boolean,
            None,
            "True for observed years, false for projected years",
            |r: &DemandRow| Cell::Boolean(r.observed),
        ),
        column(
            "population",
            Real,
            PERSONS,
            "Total population",
            |r: &DemandRow| Cell::Real(r.population),
        ),
        column("population_0_19", Real, PERSONS, "Persons aged 0–19", |r: &DemandRow| {
            Cell::Real(r.population_0_19)
        }),
        column("population_20_64", Real, PERSONS, "Persons aged 20–64", |r: &DemandRow| {
            Cell::Real(r.population_20_64)
        }),
        column("population_65_79", Real, PERSONS, "Persons aged 65–79", |r: &DemandRow| {
            Cell::Real(r.population_65_79)
        }),
        column(
            "population_80_plus",
            Real,
            PERSONS,
            "Persons aged 80 and over",
            |r: &DemandRow| Cell::Real(r.population_80_plus),
        ),
        column(
            "households",
            Real,
            Some("households"),
            "Households (hushåll): household quotients × persons outside care homes × the district's calibration",
            |r: &DemandRow| Cell::Real(r.households),
        ),
        column(
            "headship_calibration",
            Real,
            None,
            "Household-quotient calibration factor: base-year occupied dwellings ÷ households by the built-in quotients (1 where the stock is unknown)",
            |r: &DemandRow| Cell::Real(r.headship_calibration),
        ),
        column(
            "dwellings_needed",
            Real,
            DWELLINGS,
            "Dwellings needed = households / (1 − vacancy reserve)",
            |r: &DemandRow| Cell::Real(r.dwellings_needed),
        ),
        column(
            "dwellings_stock",
            Real,
            DWELLINGS,
            "Dwelling stock of the base year less demolitions to this year",
            |r: &DemandRow| Cell::Real(r.dwellings_stock),
        ),
        column(
            "dwellings_pipeline",
            Real,
            DWELLINGS,
            "Pipeline completions expected by this year (cumulative)",
            |r: &DemandRow| Cell::Real(r.dwellings_pipeline),
        ),
        column(
            "gap",
            Real,
            DWELLINGS,
            "Dwellings needed − (stock + pipeline); positive: shortage",
            |r: &DemandRow| Cell::Real(r.gap),
        ),
        column(
            "gap_per_1000",
            Real,
            Some("dwellings per 1,000 inhabitants"),
            "Gap per 1,000 inhabitants; null when nobody lives there",
            |r: &DemandRow| Cell::Real(r.gap_per_1000),
        ),
        column(
            "new_dwelling_movers",
            Real,
            PERSONS,
            "Persons who moved into the district's new dwellings since the base year (cumulative)",
            |r: &DemandRow| Cell::Real(r.new_dwelling_movers),
        ),
        column(
            "housing_constrained",
            Boolean,
            None,
            "True when the district's dwellings held its population back this year",
            |r: &DemandRow| Cell::Boolean(r.housing_constrained),
        ),
        column(
            "care_places_needed",
            Real,
            Some("places"),
            "Care-home places needed (särskilt boende): places per 100 persons 80+ × persons 80+",
            |r: &DemandRow| Cell::Real(r.care_places_needed),
        ),
        column(
            "care_places_existing",
            Real,
            Some("places"),
            "Care-home places (specialbostad) in the stock of the base year",
            |r: &DemandRow| Cell::Real(r.care_places_existing),
        ),
        column(
            "care_places_pipeline",
            Real,
            Some("places"),
            "Care-home places in pipeline projects expected by this year (cumulative)",
            |r: &DemandRow| Cell::Real(r.care_places_pipeline),
        ),
        column(
            "care_place_balance",
            Real,
            Some("places"),
            "Care-place balance = existing + pipeline − needed; negative: a shortage",
            |r: &DemandRow| Cell::Real(r.care_place_balance),
        ),
        column(
            "persons_in_care",
            Real,
            PERSONS,
            "Persons living in care homes, taken out before households are counted",
            |r: &DemandRow| Cell::Real(r.persons_in_care),
        ),
        column(
            "dependency_ratio",
            Real,
            Some("ratio"),
            "Dependency ratio (försörjningsbörda) = (0–19 + 65+) / (20–64); null when nobody is 20–64",
            |r: &DemandRow| Cell::Real(r.dependency_ratio),
        ),
        column(
            "small_flats_needed",
            Real,
            DWELLINGS,
            "Small flats needed: dwellings for the households whose head is under 30",
            |r: &DemandRow| Cell::Real(r.small_flats_needed),
        ),
        column(
            "family_dwellings_needed",
            Real,
            DWELLINGS,
            "Family dwellings (3–4 rooms or småhus) needed: households whose head is 30–64",
            |r: &DemandRow| Cell::Real(r.family_dwellings_needed),
        ),
        column(
            "accessible_flats_needed",
            Real,
            DWELLINGS,
            "Accessible flats needed: households whose head is 65–79",
            |r: &DemandRow| Cell::Real(r.accessible_flats_needed),
        ),
        column(
            "senior_dwellings_needed",
            Real,
            DWELLINGS,
            "Senior dwellings needed: households whose head is 80+ outside care homes; the four types add up to dwellings_needed",
            |r: &DemandRow| Cell::Real(r.senior_dwellings_needed),
        ),
    ];
    // The ranges last, so the columns above keep their places in BI tables.
    c.extend(low_high(
        "population",
        PERSONS,
        "Total population",
        bands,
        |r: &DemandRow| (r.population, 0.0),
    ));
    c.extend(low_high(
        "dwellings_needed",
        DWELLINGS,
        "Dwellings needed (households taken to move with the population)",
        bands,
        |r: &DemandRow| (r.dwellings_needed, 0.0),
    ));
    c.extend(low_high(
        "gap",
        DWELLINGS,
        "Gap (dwellings needed's range less stock and pipeline)",
        bands,
        |r: &DemandRow| (r.dwellings_needed, r.dwellings_stock + r.dwellings_pipeline),
    ));
    c
}

/// The `demand` layer of a model run.
pub fn layer(dataset: &Dataset, run: &ModelRun) -> Layer {
    layer_with(dataset, run, None)
}

/// The `demand` layer of a model run with error bands (`_low`/`_high` fields).
pub fn layer_with(dataset: &Dataset, run: &ModelRun, bands: Option<&ErrorBands>) -> Layer {
    let columns = columns_with(bands.map(|b| (b, run.base_year)));
    let mut layer = Layer::new(
        "demand",
        "Housing demand per district and year",
        format!(
            "Projected population, households, dwelling demand, care-home places and the gap \
             against stock and pipeline for each district of {} and each year {}–{} \
             (observed up to {}, projected after). Select years with datetime or year.",
            dataset.name, run.first_year, run.horizon_year, run.base_year
        ),
        LayerGeometry::MultiPolygon,
        &columns,
    );
    district_shapes(&mut layer, dataset);
    let index: std::collections::HashMap<&str, usize> = dataset
        .districts
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.as_str(), i))
        .collect();
    for row in &run.rows {
        layer.push(
            &columns,
            format!("{}-{}", row.district, row.year),
            index.get(row.district.as_str()).copied(),
            Some(row.year),
            row,
        );
    }
    layer
}

/// The `demand-NAME` layer of the named scenario `name`: the same fields as `demand`, from
/// the scenario's run.
pub fn scenario_layer(
    dataset: &Dataset,
    name: &str,
    run: &ModelRun,
    bands: Option<&ErrorBands>,
) -> Layer {
    let mut layer = layer_with(dataset, run, bands);
    layer.name = format!("demand-{name}");
    layer.title = format!("Housing demand per district and year, scenario '{name}'");
    let levers = serde_json::to_string(&run.levers).unwrap_or_default();
    layer.description = format!(
        "{} Scenario '{name}' of the manifest ([model.scenarios.{name}]), levers {levers}; \
         the base forecast is the collection demand.",
        layer.description
    );
    layer
}

/// `rows` as a `demand` layer without geometries (the shapes are the caller's): the same
/// fields and values as the published layer, for a what-if's rows.
pub fn rows_layer(rows: &[DemandRow], bands: Option<(&ErrorBands, i32)>) -> Layer {
    let columns = columns_with(bands);
    let mut layer = Layer::new(
        "demand",
        "Housing demand per district and year",
        String::new(),
        LayerGeometry::MultiPolygon,
        &columns,
    );
    for row in rows {
        layer.push(
            &columns,
            format!("{}-{}", row.district, row.year),
            None,
            Some(row.year),
            row,
        );
    }
    layer
}
