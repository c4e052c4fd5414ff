//! The collections this service publishes, built from a loaded [`Dataset`] and a [`ModelRun`]:
//! `districts` (polygons with base-year facts) and `demand` (one feature per district and
//! year with the model's results). Later layers (`flags`, `projects`) are added here the same
//! way, through [`CollectionBuilder`], without touching any handler.

use std::collections::HashMap;

use geo::Geometry;
use serde_json::Value;

use super::prepared::{properties_of, Collection, CollectionBuilder, Prepared, ShapeId};
use super::temporal::TimeSpan;
use crate::domain::{Dataset, DwellingType, Sex};
use crate::model::ModelRun;

/// Prepares the service's data from a dataset and a model run: `districts` and `demand`.
pub fn prepare(dataset: &Dataset, run: &ModelRun) -> Prepared {
    Prepared::new(
        &dataset.name,
        &service_description(dataset, run),
        vec![districts(dataset, run), demand(dataset, run)],
    )
}

fn service_description(dataset: &Dataset, run: &ModelRun) -> String {
    format!(
        "Housing need per district for {}: base-year facts per district and the projected \
         population, households, dwelling demand and gap per district and year \
         ({}–{}, base year {}).",
        dataset.name, run.first_year, run.horizon_year, run.base_year
    )
}

fn round(v: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (v * f).round() / f
}

fn district_shapes(dataset: &Dataset, b: &mut CollectionBuilder) -> Vec<ShapeId> {
    dataset
        .districts
        .iter()
        .map(|d| {
            b.shape(
                Geometry::MultiPolygon(d.geometry.clone()),
                Geometry::MultiPolygon(d.geometry_lonlat.clone()),
            )
        })
        .collect()
}

/// `districts`: one feature per district with its base-year population (total and per age
/// band) and dwelling stock.
pub fn districts(dataset: &Dataset, run: &ModelRun) -> Collection {
    let mut b = CollectionBuilder::new(
        "districts",
        "Districts",
        &format!(
            "District polygons of {} with facts of the base year {}: land area, population \
             in total and per age band, dwelling stock.",
            dataset.name, run.base_year
        ),
    );
    let bands = dataset.bands.as_slice();
    let n = dataset.districts.len();
    // Persons per district and band in the base year: the sum over men and women where the
    // source splits by sex, else the total.
    let mut split = vec![vec![0.0; bands.len()]; n];
    let mut total = vec![vec![0.0; bands.len()]; n];
    let mut has_split = vec![false; n];
    for r in dataset
        .population
        .iter()
        .filter(|r| r.year == run.base_year)
    {
        if r.district >= n || r.band >= bands.len() {
            continue;
        }
        match r.sex {
            Sex::Total => total[r.district][r.band] += r.persons,
            Sex::Male | Sex::Female => {
                split[r.district][r.band] += r.persons;
                has_split[r.district] = true;
            }
        }
    }
    // Dwellings and care-home places (specialbostäder) in the latest year with data not after
    // the base year.
    let mut latest: Vec<Option<i32>> = vec![None; n];
    for r in dataset
        .dwellings
        .iter()
        .filter(|r| r.year <= run.base_year && r.district < n)
    {
        let l = &mut latest[r.district];
        *l = Some(l.map_or(r.year, |y| y.max(r.year)));
    }
    let mut dwellings: Vec<Option<f64>> = vec![None; n];
    let mut care_places: Vec<Option<f64>> = vec![None; n];
    for r in &dataset.dwellings {
        if r.district >= n || latest[r.district] != Some(r.year) {
            continue;
        }
        let slot = if r.dwelling_type == DwellingType::Specialbostad {
            &mut care_places[r.district]
        } else {
            &mut dwellings[r.district]
        };
        *slot = Some(slot.unwrap_or(0.0) + r.dwellings);
    }
    for i in 0..n {
        if latest[i].is_some() {
            dwellings[i].get_or_insert(0.0);
            care_places[i].get_or_insert(0.0);
        }
    }

    b.describe("district", "District code")
        .describe("name", "District name")
        .describe("base_year", "Year the facts describe (31 December)")
        .describe("area_km2", "Land area in km² (EPSG:3006)")
        .describe("population", "Persons in the base year")
        .describe(
            "dwellings",
            "Dwelling stock (bostäder) without special housing, latest year up to the base year",
        )
        .describe(
            "care_home_places",
            "Places in special housing (specialbostäder, särskilt boende), same year",
        );
    for band in bands {
        b.describe(
            &format!("population_{}", band.slug()),
            &format!("Persons aged {band} in the base year"),
        );
    }
    let shapes = district_shapes(dataset, &mut b);
    for (i, d) in dataset.districts.iter().enumerate() {
        let per_band = if has_split[i] { &split[i] } else { &total[i] };
        let mut props = vec![
            ("district".to_string(), Value::from(d.id.clone())),
            ("name".to_string(), Value::from(d.name.clone())),
            ("base_year".to_string(), Value::from(run.base_year)),
            (
                "area_km2".to_string(),
                Value::from(round(d.area_m2() / 1e6, 4)),
            ),
            (
                "population".to_string(),
                Value::from(per_band.iter().sum::<f64>()),
            ),
        ];
        for (band, persons) in bands.iter().zip(per_band) {
            props.push((format!("population_{}", band.slug()), Value::from(*persons)));
        }
        props.push((
            "dwellings".to_string(),
            dwellings[i].map_or(Value::Null, Value::from),
        ));
        props.push((
            "care_home_places".to_string(),
            care_places[i].map_or(Value::Null, Value::from),
        ));
        b.feature(d.id.clone(), Some(shapes[i]), None, props);
    }
    b.build()
}

/// What each `demand` property means (shown in queryables, OpenAPI and HTML).
const DEMAND_FIELDS: &[(&str, &str)] = &[
    ("district", "District code"),
    ("name", "District name"),
    ("year", "Year (31 December)"),
    (
        "observed",
        "True for observed years, false for projected years",
    ),
    ("population", "Total population"),
    ("population_0_19", "Persons aged 0–19"),
    ("population_20_64", "Persons aged 20–64"),
    ("population_65_79", "Persons aged 65–79"),
    ("population_80_plus", "Persons aged 80 and over"),
    (
        "households",
        "Households (hushåll), household-quotient method",
    ),
    (
        "dwellings_needed",
        "Dwellings needed = households / (1 − vacancy reserve)",
    ),
    (
        "dwellings_stock",
        "Dwelling stock of the base year less demolitions to this year",
    ),
    (
        "dwellings_pipeline",
        "Pipeline completions expected by this year (cumulative)",
    ),
    (
        "gap",
        "Dwellings needed − (stock + pipeline); positive: shortage",
    ),
    ("gap_per_1000", "Gap per 1,000 inhabitants"),
    (
        "care_places_needed",
        "Care-home places needed (särskilt boende) for persons 80+",
    ),
    (
        "persons_in_care",
        "Persons living in care homes, taken out before households are counted",
    ),
    (
        "dependency_ratio",
        "Dependency ratio (försörjningsbörda) = (0–19 + 65+) / (20–64)",
    ),
    (
        "small_flats_needed",
        "Extra small flats needed since the base year (growth of 20–29)",
    ),
    (
        "family_dwellings_needed",
        "Extra family dwellings needed since the base year (growth of 30–49)",
    ),
    (
        "accessible_flats_needed",
        "Extra accessible flats needed since the base year (growth of 65–79)",
    ),
    (
        "senior_dwellings_needed",
        "Extra senior dwellings needed since the base year (growth of 80+ not in care)",
    ),
];

/// `demand`: one feature per district and year (id `{district}-{year}`), the model's
/// [`crate::model::DemandRow`] fields as properties, valid for that calendar year.
pub fn demand(dataset: &Dataset, run: &ModelRun) -> Collection {
    let mut b = CollectionBuilder::new(
        "demand",
        "Housing demand per district and year",
        &format!(
            "Projected population, households, dwelling demand, care-home places and the gap \
             against stock and pipeline for each district of {} and each year {}–{} \
             (observed up to {}, projected after). Select years with datetime or year.",
            dataset.name, run.first_year, run.horizon_year, run.base_year
        ),
    );
    for (field, text) in DEMAND_FIELDS {
        b.describe(field, text);
    }
    let shapes = district_shapes(dataset, &mut b);
    let index: HashMap<&str, ShapeId> = dataset
        .districts
        .iter()
        .zip(&shapes)
        .map(|(d, s)| (d.id.as_str(), *s))
        .collect();
    for row in &run.rows {
        b.feature(
            format!("{}-{}", row.district, row.year),
            index.get(row.district.as_str()).copied(),
            TimeSpan::year(row.year),
            properties_of(row),
        );
    }
    b.build()
}

/// Prepares every collection: `districts`, `demand`, and `flags` and `projects` when the
/// dataset has what they need.
pub fn prepare_all(dataset: &Dataset, analysis: &crate::analysis::Analysis) -> Prepared {
    let run = &analysis.run;
    let mut collections = vec![districts(dataset, run), demand(dataset, run)];
    if !analysis.flags.is_empty() {
        collections.push(flags(dataset, &analysis.flags));
    }
    if !dataset.projects.is_empty() {
        collections.push(projects(dataset, &analysis.bottlenecks));
    }
    Prepared::new(
        &dataset.name,
        &service_description(dataset, run),
        collections,
    )
}

/// `flags`: one feature per district and flag kind (`densify`, `upgrade`), id
/// `{district}:{flag}`, with the district polygon, `flagged`, `score`, the flattened
/// indicators and `reasons` (every rule evaluated, met or not) plus `reason_text` for labels.
pub fn flags(dataset: &Dataset, flags: &[crate::flags::FlagResult]) -> Collection {
    let mut b = CollectionBuilder::new(
        "flags",
        "Densification and upgrade flags",
        &format!(
            "For each district of {} and each flag kind (densify, upgrade): whether it is \
             flagged, its score, and the reasons: every rule evaluated with its indicator, \
             value, threshold and whether it was met. Filter on flagged=true.",
            dataset.name
        ),
    );
    b.describe("id", "District code and flag kind")
        .describe("district", "District code")
        .describe("name", "District name")
        .describe("flag", "densify or upgrade")
        .describe("flagged", "True when the district is flagged")
        .describe(
            "score",
            "densify: share of conditions met; upgrade: secondary indicators met",
        )
        .describe("reason_text", "The reasons in one line, for labels")
        .describe(
            "reasons",
            "Every rule evaluated: rule, indicator, value, threshold, met",
        )
        .describe("gap_horizon", "Model gap at the horizon year (dwellings)")
        .describe(
            "transit_share_400m",
            "Share of residents within 400 m of a frequent stop",
        )
        .describe(
            "station_share_1200m",
            "Share of residents within 1,200 m of a railway station",
        )
        .describe("dwellings_per_ha", "Dwellings per hectare of land");
    let shapes = district_shapes(dataset, &mut b);
    for f in flags {
        b.feature(
            f.id.clone(),
            shapes.get(f.district_index).copied(),
            None,
            properties_of(f),
        );
    }
    b.build()
}

/// `projects`: one feature per pipeline project with its current stage, days in stage and
/// whether it is over the stage's statutory limit.
pub fn projects(dataset: &Dataset, report: &crate::pipeline::BottleneckReport) -> Collection {
    let mut b = CollectionBuilder::new(
        "projects",
        "Housing projects in the pipeline",
        &format!(
            "Housing projects of {} with their stage dates, the stage each waits in on {}, \
             days in that stage, and whether the statutory time limit is exceeded.",
            dataset.name, report.as_of
        ),
    );
    b.describe("project_id", "Project id")
        .describe(
            "stage",
            "The stage the project waits in (after its last dated milestone)",
        )
        .describe("days_in_stage", "Days since the last milestone")
        .describe(
            "over_limit",
            "True when the wait exceeds the stage's statutory limit",
        )
        .describe("days_over", "Days beyond the statutory limit")
        .describe("completed", "True when inflyttning (moving in) is reached");
    for (p, status) in dataset.projects.iter().zip(&report.projects) {
        let shape = match (&p.geometry, &p.geometry_lonlat) {
            (Some(g), Some(l)) => Some(b.shape(g.clone(), l.clone())),
            _ => None,
        };
        let district = p.district.and_then(|i| dataset.districts.get(i));
        let mut props = vec![
            ("project_id".to_string(), Value::from(p.id.clone())),
            ("name".to_string(), Value::from(p.name.clone())),
            (
                "district".to_string(),
                district.map_or(Value::Null, |d| Value::from(d.id.clone())),
            ),
            ("dwellings".to_string(), Value::from(p.dwellings)),
            ("type".to_string(), Value::from(p.dwelling_type.code())),
            ("tenure".to_string(), Value::from(p.tenure.code())),
            ("appealed".to_string(), Value::from(p.appealed)),
            (
                "stage".to_string(),
                status.stage.map_or(Value::Null, |s| Value::from(s.code())),
            ),
            ("completed".to_string(), Value::from(status.completed)),
            (
                "days_in_stage".to_string(),
                status.days_in_stage.map_or(Value::Null, Value::from),
            ),
            ("over_limit".to_string(), Value::from(status.over_limit)),
            ("days_over".to_string(), Value::from(status.days_over)),
        ];
        for stage in crate::domain::ProjectStage::ALL {
            props.push((
                stage.code().to_string(),
                p.dates
                    .get(stage)
                    .map_or(Value::Null, |d| Value::from(d.to_string())),
            ));
        }
        b.feature(p.id.clone(), shape, None, props);
    }
    b.build()
}
