//! `districts`: one feature per district (id: the district code) with its land area and
//! centroid, the base-year facts (population in total and per age band of the dataset,
//! dwelling stock, care-home places) and the model's horizon-year population and gap.

use geo::{Area, Centroid};

use super::{column, district_shapes, Cell, Column, Field, FieldKind::*, Layer, LayerGeometry};
use crate::domain::{Dataset, DwellingType, Sex};
use crate::model::ModelRun;

const PERSONS: Option<&str> = Some("persons");

/// One district's facts, as the columns read them.
#[derive(Debug, Clone, Default)]
pub struct DistrictFacts {
    /// District code.
    pub district: String,
    /// District name.
    pub name: String,
    /// Base year of the run.
    pub base_year: i32,
    /// Horizon year of the run.
    pub horizon_year: i32,
    /// Land area in km².
    pub area_km2: f64,
    /// Centroid easting, EPSG:3006.
    pub centroid_x: f64,
    /// Centroid northing, EPSG:3006.
    pub centroid_y: f64,
    /// Persons per age band of the dataset in the base year.
    pub population_by_band: Vec<f64>,
    /// Dwelling stock without special housing, latest year up to the base year.
    pub dwellings: Option<f64>,
    /// Places in special housing, same year.
    pub care_home_places: Option<f64>,
    /// Model population at the horizon year.
    pub population_horizon: f64,
    /// Model gap at the horizon year.
    pub gap_horizon: f64,
    /// Model gap per 1,000 inhabitants at the horizon year.
    pub gap_per_1000_horizon: f64,
}

/// The fields of `districts` for age bands given as `(slug, label)` (`("0_4", "0–4")`), each with
/// its value from [`DistrictFacts`].
pub fn columns(bands: &[(String, String)]) -> Vec<Column<'static, DistrictFacts>> {
    let mut columns = vec![
        column(
            "district",
            Text,
            None,
            "District code",
            |d: &DistrictFacts| Cell::text(&d.district),
        ),
        column("name", Text, None, "District name", |d: &DistrictFacts| {
            Cell::text(&d.name)
        }),
        column(
            "base_year",
            Integer,
            Some("year"),
            "Year the base-year facts describe (31 December)",
            |d: &DistrictFacts| Cell::Integer(d.base_year.into()),
        ),
        column(
            "horizon_year",
            Integer,
            Some("year"),
            "Last projected year",
            |d: &DistrictFacts| Cell::Integer(d.horizon_year.into()),
        ),
        column(
            "area_km2",
            Real,
            Some("km²"),
            "Land area (computed in EPSG:3006)",
            |d: &DistrictFacts| Cell::Real(d.area_km2),
        ),
        column(
            "centroid_x",
            Real,
            Some("m"),
            "Centroid easting, SWEREF 99 TM (EPSG:3006)",
            |d: &DistrictFacts| Cell::Real(d.centroid_x),
        ),
        column(
            "centroid_y",
            Real,
            Some("m"),
            "Centroid northing, SWEREF 99 TM (EPSG:3006)",
            |d: &DistrictFacts| Cell::Real(d.centroid_y),
        ),
        column(
            "population",
            Real,
            PERSONS,
            "Persons in the base year",
            |d: &DistrictFacts| Cell::Real(d.population_by_band.iter().sum()),
        ),
    ];
    for (i, (slug, label)) in bands.iter().enumerate() {
        columns.push(column(
            format!("population_{slug}"),
            Real,
            PERSONS,
            format!("Persons aged {label} in the base year"),
            move |d: &DistrictFacts| {
                Cell::Real(d.population_by_band.get(i).copied().unwrap_or(f64::NAN))
            },
        ));
    }
    columns.extend([
        column(
            "dwellings",
            Real,
            Some("dwellings"),
            "Dwelling stock (bostäder) without special housing, latest year up to the base year",
            |d: &DistrictFacts| d.dwellings.into(),
        ),
        column(
            "care_home_places",
            Real,
            Some("places"),
            "Places in special housing (specialbostäder, särskilt boende), same year",
            |d: &DistrictFacts| d.care_home_places.into(),
        ),
        column(
            "population_horizon",
            Real,
            PERSONS,
            "Projected persons in the horizon year",
            |d: &DistrictFacts| Cell::Real(d.population_horizon),
        ),
        column(
            "gap_horizon",
            Real,
            Some("dwellings"),
            "Gap in the horizon year: dwellings needed − (stock + pipeline); positive: shortage",
            |d: &DistrictFacts| Cell::Real(d.gap_horizon),
        ),
        column(
            "gap_per_1000_horizon",
            Real,
            Some("dwellings per 1,000 inhabitants"),
            "Gap per 1,000 inhabitants in the horizon year",
            |d: &DistrictFacts| Cell::Real(d.gap_per_1000_horizon),
        ),
    ]);
    columns
}

/// The fields as documented: the per-band fields as one `population_{band}` row.
pub fn documented_fields() -> Vec<Field> {
    columns(&[("{band}".into(), "{band}".into())])
        .into_iter()
        .map(|c| c.field)
        .collect()
}

/// Facts per district, in dataset order.
pub fn facts(dataset: &Dataset, run: &ModelRun) -> Vec<DistrictFacts> {
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
    let horizon: std::collections::HashMap<&str, &crate::model::DemandRow> = run
        .rows
        .iter()
        .filter(|r| r.year == run.horizon_year)
        .map(|r| (r.district.as_str(), r))
        .collect();
    dataset
        .districts
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let c = d.geometry.centroid();
            let h = horizon.get(d.id.as_str());
            let known = latest[i].is_some();
            DistrictFacts {
                district: d.id.clone(),
                name: d.name.clone(),
                base_year: run.base_year,
                horizon_year: run.horizon_year,
                area_km2: round(d.geometry.unsigned_area() / 1e6, 4),
                centroid_x: c.map_or(f64::NAN, |p| round(p.x(), 2)),
                centroid_y: c.map_or(f64::NAN, |p| round(p.y(), 2)),
                population_by_band: if has_split[i] {
                    split[i].clone()
                } else {
                    total[i].clone()
                },
                dwellings: dwellings[i].or(known.then_some(0.0)),
                care_home_places: care_places[i].or(known.then_some(0.0)),
                population_horizon: h.map_or(f64::NAN, |r| r.population),
                gap_horizon: h.map_or(f64::NAN, |r| r.gap),
                gap_per_1000_horizon: h.map_or(f64::NAN, |r| r.gap_per_1000),
            }
        })
        .collect()
}

fn round(v: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (v * f).round() / f
}

/// The `districts` layer.
pub fn layer(dataset: &Dataset, run: &ModelRun) -> Layer {
    let bands: Vec<(String, String)> = dataset
        .bands
        .as_slice()
        .iter()
        .map(|b| (b.slug(), b.to_string()))
        .collect();
    let columns = columns(&bands);
    let mut layer = Layer::new(
        "districts",
        "Districts",
        format!(
            "District polygons of {} with facts of the base year {} (land area, population in \
             total and per age band, dwelling stock, care-home places) and the projected \
             population and gap in the horizon year {}.",
            dataset.name, run.base_year, run.horizon_year
        ),
        LayerGeometry::MultiPolygon,
        &columns,
    );
    district_shapes(&mut layer, dataset);
    for (i, f) in facts(dataset, run).iter().enumerate() {
        layer.push(&columns, f.district.clone(), Some(i), None, f);
    }
    layer
}
