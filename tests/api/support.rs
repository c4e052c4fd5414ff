//! A small hand-made dataset and model run, and helpers to send requests to the router.

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use geo::{polygon, Coord, MapCoords, MultiPolygon};
use housing_need::api::{self, AppState, ServiceConfig};
use housing_need::domain::{
    AgeBands, Dataset, District, DwellingRecord, DwellingType, PopulationRecord, Sex, Tenure,
};
use housing_need::model::{Cohorts, DemandRow, ModelRun};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// District codes of the fixture; one has a space and one a non-ASCII letter so links must
/// be percent-encoded.
pub const DISTRICTS: [(&str, &str); 4] = [
    ("1489C1010", "Centrum"),
    ("1489C1020", "Nolhaga"),
    ("1489R 030", "Sollebrunn"),
    ("1489Ö040", "Ödenäs"),
];
/// First year, base year and horizon of the fixture run.
pub const FIRST_YEAR: i32 = 2020;
/// Base year (last observed).
pub const BASE_YEAR: i32 = 2023;
/// Last projected year.
pub const HORIZON_YEAR: i32 = 2030;
/// Features in `demand`: 4 districts × 11 years.
pub const DEMAND_FEATURES: usize = 44;

/// SWEREF 99 TM square of district `i`: 2.5 km wide, side by side from E 350,000.
fn square(i: usize) -> MultiPolygon<f64> {
    let x0 = 350_000.0 + i as f64 * 3_000.0;
    let y0 = 6_420_000.0;
    MultiPolygon::new(vec![polygon![
        (x: x0, y: y0),
        (x: x0 + 2_500.0, y: y0),
        (x: x0 + 2_500.0, y: y0 + 2_500.0),
        (x: x0, y: y0 + 2_500.0),
        (x: x0, y: y0),
    ]])
}

/// A rough lon/lat for SWEREF 99 TM near Alingsås (good to a few hundred metres).
pub fn to_lonlat(c: Coord<f64>) -> Coord<f64> {
    Coord {
        x: 15.0 + (c.x - 500_000.0) / 59_200.0,
        y: 57.9 + (c.y - 6_420_000.0) / 111_320.0,
    }
}

/// The hand-made dataset.
pub fn dataset() -> Dataset {
    let bands = AgeBands::five_year(80);
    let districts: Vec<District> = DISTRICTS
        .iter()
        .enumerate()
        .map(|(i, (id, name))| {
            let geometry = square(i);
            District {
                id: id.to_string(),
                name: name.to_string(),
                geometry_lonlat: geometry.map_coords(to_lonlat),
                geometry,
            }
        })
        .collect();
    let mut population = Vec::new();
    for d in 0..districts.len() {
        for band in 0..bands.len() {
            for sex in [Sex::Male, Sex::Female] {
                population.push(PopulationRecord {
                    district: d,
                    year: BASE_YEAR,
                    sex,
                    band,
                    persons: 10.0 + d as f64,
                });
            }
        }
    }
    let dwellings = (0..districts.len())
        .flat_map(|d| {
            [
                DwellingRecord {
                    district: d,
                    year: BASE_YEAR,
                    dwelling_type: DwellingType::Flerbostadshus,
                    tenure: Tenure::Hyresratt,
                    dwellings: 100.0 * (d + 1) as f64,
                },
                DwellingRecord {
                    district: d,
                    year: BASE_YEAR,
                    dwelling_type: DwellingType::Specialbostad,
                    tenure: Tenure::Hyresratt,
                    dwellings: 5.0,
                },
            ]
        })
        .collect();
    Dataset {
        name: "Alingsås test".into(),
        municipality: Some("1489".into()),
        bands,
        districts,
        population,
        residences: Vec::new(),
        migration: Vec::new(),
        dwellings,
        indicators: Vec::new(),
        transit: Vec::new(),
        projects: Vec::new(),
        as_of: None,
        series: Default::default(),
    }
}

/// A model run with made-up but distinct numbers: gap grows with the year and the district.
pub fn model_run(ds: &Dataset) -> ModelRun {
    let mut rows = Vec::new();
    for (d, district) in ds.districts.iter().enumerate() {
        for year in FIRST_YEAR..=HORIZON_YEAR {
            let t = (year - FIRST_YEAR) as f64;
            let population = 1000.0 * (d + 1) as f64 + 10.0 * t;
            rows.push(DemandRow {
                district: district.id.as_str().into(),
                name: district.name.as_str().into(),
                year,
                observed: year <= BASE_YEAR,
                population,
                population_0_19: population * 0.2,
                population_20_64: population * 0.55,
                population_65_79: population * 0.15,
                population_80_plus: population * 0.1,
                households: population / 2.1,
                headship_calibration: 1.0,
                dwellings_needed: population / 2.1 / 0.99,
                dwellings_stock: 400.0 * (d + 1) as f64,
                dwellings_pipeline: 2.0 * t,
                gap: 10.0 * d as f64 + t - 5.0,
                gap_per_1000: (10.0 * d as f64 + t - 5.0) / population * 1000.0,
                new_dwelling_movers: 0.0,
                housing_constrained: false,
                care_places_needed: 3.0 + t,
                care_places_existing: 0.0,
                care_places_pipeline: 0.0,
                care_place_balance: 0.0,
                persons_in_care: 2.0,
                dependency_ratio: 0.8,
                small_flats_needed: 0.0,
                family_dwellings_needed: 0.5 * t,
                accessible_flats_needed: 0.25 * t,
                senior_dwellings_needed: 0.1 * t,
            });
        }
    }
    ModelRun {
        base_year: BASE_YEAR,
        horizon_year: HORIZON_YEAR,
        first_year: FIRST_YEAR,
        rows,
        notes: Vec::new(),
        scenario: "base".into(),
        levers: Default::default(),
        municipal: Vec::new(),
        cohorts: Cohorts {
            years: Vec::new(),
            districts: ds.districts.len(),
            bands: ds.bands.len(),
            persons: Vec::new(),
        },
    }
}

/// The service over the fixture.
pub fn app() -> Router {
    app_with(ServiceConfig::default())
}

/// The service over the fixture with settings.
pub fn app_with(config: ServiceConfig) -> Router {
    let ds = dataset();
    let run = model_run(&ds);
    api::app(AppState::new(api::prepare(&ds, &run), config))
}

/// The service over the fixture with the dashboard, BI and vendor routes merged in, as
/// `serve` runs it.
pub fn app_with_dashboard() -> Router {
    let ds = dataset();
    let run = model_run(&ds);
    let report = housing_need::pipeline::analyze_dataset(&ds, 8);
    let layers = housing_need::layers::Layers::from_parts(&ds, &run, &[], Some(&report));
    let tables = std::sync::Arc::new(api::prepare_layers(&ds, &run, &layers));
    let web = housing_need::web::WebData::new(&ds, &run, &report, &layers.notes, tables)
        .expect("web data");
    api::app_with(
        AppState::new(api::prepare(&ds, &run), ServiceConfig::default()),
        housing_need::web::routes(std::sync::Arc::new(web)),
    )
}

/// A response, its body collected.
pub struct Resp {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Resp {
    /// The body as JSON (panics with the body when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// A header's value, `""` when absent.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// Sends `req` to `app`.
pub async fn send(app: &Router, req: Request<Body>) -> Resp {
    let resp = app.clone().oneshot(req).await.expect("infallible");
    let (parts, body) = resp.into_parts();
    let body = body.collect().await.expect("body").to_bytes().to_vec();
    Resp {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

/// `GET uri` with `Host: test.local:8080`.
pub async fn get(app: &Router, uri: &str) -> Resp {
    get_with(app, uri, &[]).await
}

/// `GET uri` with extra headers.
pub async fn get_with(app: &Router, uri: &str, headers: &[(&str, &str)]) -> Resp {
    let mut b = Request::get(uri).header(header::HOST, "test.local:8080");
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    send(app, b.body(Body::empty()).expect("request")).await
}

/// `GET uri`, asserting 200 and returning the JSON body.
pub async fn get_json(app: &Router, uri: &str) -> Value {
    let r = get(app, uri).await;
    assert_eq!(r.status, StatusCode::OK, "GET {uri}: {}", r.text());
    r.json()
}

/// The base URL the fixture's requests use.
pub const BASE: &str = "http://test.local:8080";

/// Follows `next` links from `uri`, returning every page.
pub async fn walk(app: &Router, uri: &str) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut next = Some(uri.to_string());
    while let Some(u) = next {
        let path = u.strip_prefix(BASE).unwrap_or(&u).to_string();
        let page = get_json(app, &path).await;
        next = link(&page, "next");
        pages.push(page);
        assert!(pages.len() < 1000, "too many pages");
    }
    pages
}

/// The href of the first link with `rel`.
pub fn link(doc: &Value, rel: &str) -> Option<String> {
    doc["links"]
        .as_array()?
        .iter()
        .find(|l| l["rel"] == rel)
        .and_then(|l| l["href"].as_str())
        .map(str::to_string)
}

/// Feature ids of a feature collection.
pub fn ids(doc: &Value) -> Vec<String> {
    doc["features"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["id"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}
