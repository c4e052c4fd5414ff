//! `/scenarios` and `/scenarios/run`: the forecast recomputed with changed levers, over HTTP.
//!
//! `GET /scenarios/run?net_migration_multiplier=1.5&pipeline_delay_years=2` (or the same
//! parameters as a JSON object in a `POST` body) reruns the model for the served dataset
//! ([`crate::scenarios`]) and answers the demand rows, rendered through the published `demand`
//! layer's definition (the same fields as `/collections/demand/items` and
//! `/export/demand.csv`): as a GeoJSON FeatureCollection with the district polygons in CRS84
//! (default, `f=geojson`: QGIS opens the URL as a layer), as a JSON table (`f=json`) or as CSV
//! (`f=csv`). Every response echoes its parameters, the dataset and the model version (in the
//! body for JSON and GeoJSON, in headers for all three) and carries a summary for the
//! municipality against the base forecast. Parameters are checked like the OGC API's: an
//! unknown parameter or a value out of its range is a 400 naming the parameter and its range.
//!
//! Model runs go to the blocking pool, at most as many at once as there are cores; the engine
//! keeps recent results in a bounded cache.

use std::sync::{Arc, RwLock};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::api::crs::Crs;
use crate::api::query::{check_known, check_repeats};
use crate::api::request::query_pairs;
use crate::api::ApiError;
use crate::domain::Dataset;
use crate::layers::demand;
use crate::model::{ModelParams, ModelRun, MODEL_VERSION};
use crate::scenarios::{Engine, Outcome, WhatIf, EXCLUDE_PROJECT, LEVERS};
use crate::uncertainty::ErrorBands;

/// One data load's what-if service: the engine and each district's polygon as GeoJSON text.
#[derive(Debug)]
pub struct ScenarioService {
    engine: Engine,
    /// Error bands of the served forecast (the `_low`/`_high` fields).
    bands: Option<ErrorBands>,
    /// CRS84 GeoJSON geometry of each district, by district code.
    geometry: std::collections::HashMap<String, Box<str>>,
}

impl ScenarioService {
    /// Prepares the what-if service of one data load: `params` and `served` are the served
    /// forecast's parameters and run, `bands` its error bands (applied to every what-if).
    pub fn new(
        dataset: &Dataset,
        params: &ModelParams,
        served: &ModelRun,
        bands: Option<ErrorBands>,
    ) -> Self {
        Self::with_engine(dataset, Engine::new(dataset, params, served), bands)
    }

    /// [`ScenarioService::new`] with an engine made elsewhere (other cache limits).
    pub fn with_engine(dataset: &Dataset, engine: Engine, bands: Option<ErrorBands>) -> Self {
        let geometry = dataset
            .districts
            .iter()
            .map(|d| {
                let mut s = String::new();
                crate::api::geojson::write_geometry(
                    &mut s,
                    &geo::Geometry::MultiPolygon(d.geometry_lonlat.clone()),
                    Crs::Crs84,
                );
                (d.id.clone(), s.into_boxed_str())
            })
            .collect();
        Self {
            engine,
            bands,
            geometry,
        }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

/// The what-if service behind the routes, swappable as a whole on reload.
#[derive(Clone)]
pub struct ScenarioState {
    service: Arc<RwLock<Arc<ScenarioService>>>,
    /// Model runs at once.
    permits: Arc<tokio::sync::Semaphore>,
}

impl ScenarioState {
    /// A state serving `service`.
    pub fn new(service: ScenarioService) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            service: Arc::new(RwLock::new(Arc::new(service))),
            permits: Arc::new(tokio::sync::Semaphore::new(cores)),
        }
    }

    /// The service now answering.
    pub fn current(&self) -> Arc<ScenarioService> {
        match self.service.read() {
            Ok(g) => Arc::clone(&g),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Answers from `service` from now on (after a reload).
    pub fn replace(&self, service: ScenarioService) {
        let new = Arc::new(service);
        match self.service.write() {
            Ok(mut g) => *g = new,
            Err(poisoned) => *poisoned.into_inner() = new,
        }
    }
}

/// The routes `/scenarios` and `/scenarios/run`; merge into the service's router.
pub fn routes(state: ScenarioState) -> Router {
    Router::new()
        .route("/scenarios", get(list))
        .route("/scenarios/run", get(run_get).post(run_post))
        .with_state(state)
}

const FORMATS: &str = "geojson, json or csv";

/// Output format of a what-if.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    GeoJson,
    Json,
    Csv,
}

/// A checked request: the what-if, the format and an optional single year.
struct Request {
    whatif: WhatIf,
    format: Format,
    year: Option<i32>,
}

fn known_params() -> Vec<&'static str> {
    let mut k = vec!["f", "year", "scenario", EXCLUDE_PROJECT];
    k.extend(LEVERS.iter().map(|l| l.name));
    k
}

/// Checks `pairs` (from the query string or a JSON body) against what the path takes.
fn parse(pairs: &[(String, String)], service: &ScenarioService) -> Result<Request, ApiError> {
    let known = known_params();
    check_known(pairs, &known, |_| false, None)?;
    check_repeats(pairs, |k| k != EXCLUDE_PROJECT)?;
    let scenarios = service.engine.scenario_names();
    let projects = service.engine.project_ids();
    let (first, _, horizon) = service.engine.years();
    let mut r = Request {
        whatif: WhatIf::default(),
        format: Format::GeoJson,
        year: None,
    };
    for (k, v) in pairs {
        let v = v.trim();
        match k.as_str() {
            "f" => {
                r.format = match v {
                    "" => return Err(ApiError::empty_param("f", FORMATS)),
                    "geojson" => Format::GeoJson,
                    "json" => Format::Json,
                    "csv" => Format::Csv,
                    other => return Err(ApiError::bad_param("f", other, format!("use {FORMATS}"))),
                }
            }
            "year" => {
                let y: i32 = v.parse().map_err(|_| {
                    ApiError::bad_param(
                        "year",
                        v,
                        format!("expected a year from {first} to {horizon}"),
                    )
                })?;
                if !(first..=horizon).contains(&y) {
                    return Err(ApiError::bad_param(
                        "year",
                        v,
                        format!("out of range: the forecast covers {first} to {horizon}"),
                    ));
                }
                r.year = Some(y);
            }
            EXCLUDE_PROJECT => r
                .whatif
                .exclude(v, &projects)
                .map_err(|e| ApiError::bad_param(&e.parameter, &e.value, e.why))?,
            name => {
                if v.is_empty() {
                    return Err(ApiError::empty_param(name, "a value (see /scenarios)"));
                }
                r.whatif
                    .set(name, v, &scenarios)
                    .map_err(|e| ApiError::bad_param(&e.parameter, &e.value, e.why))?;
            }
        }
    }
    r.whatif
        .check()
        .map_err(|e| ApiError::bad_param(&e.parameter, &e.value, e.why))?;
    Ok(r)
}

async fn run_get(State(state): State<ScenarioState>, uri: Uri) -> Result<Response, ApiError> {
    let pairs = query_pairs(&uri)?;
    answer(state, pairs).await
}

/// `POST /scenarios/run` with a JSON object of the same parameters (numbers or text); the
/// query string may add `f` and `year`.
async fn run_post(
    State(state): State<ScenarioState>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|t| t.starts_with("application/json"));
    if !json_type {
        let mut e = ApiError::bad_request(
            "the body of POST /scenarios/run must be a JSON object (Content-Type: \
             application/json)",
        );
        e.status = StatusCode::UNSUPPORTED_MEDIA_TYPE;
        return Err(e);
    }
    let mut pairs = query_pairs(&uri)?;
    if !body.is_empty() {
        let value: Value = serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
        let Value::Object(fields) = value else {
            return Err(ApiError::bad_request(
                "the body must be a JSON object of parameters, e.g. \
                 {\"net_migration_multiplier\": 1.5}",
            ));
        };
        for (k, v) in fields {
            let text = match &v {
                Value::Number(n) => n.to_string(),
                Value::String(s) => s.clone(),
                other => {
                    return Err(ApiError::bad_param(
                        &k,
                        &other.to_string(),
                        "expected a number or text",
                    ))
                }
            };
            pairs.push((k, text));
        }
    }
    answer(state, pairs).await
}

async fn answer(state: ScenarioState, pairs: Vec<(String, String)>) -> Result<Response, ApiError> {
    let service = state.current();
    let request = parse(&pairs, &service)?;
    let outcome = if service.engine.is_cached(&request.whatif) {
        service.engine.run(&request.whatif)
    } else {
        let _permit = state
            .permits
            .acquire()
            .await
            .map_err(|e| ApiError::internal(format!("scenario permits closed: {e}")))?;
        let s = Arc::clone(&service);
        let w = request.whatif.clone();
        tokio::task::spawn_blocking(move || s.engine.run(&w))
            .await
            .map_err(|e| ApiError::internal(format!("scenario run failed: {e}")))?
    };
    render(&service, &outcome, &request)
}

/// What every response echoes: the parameters, the dataset and the model version.
#[derive(Serialize)]
struct Echo<'a> {
    dataset: &'a str,
    model_version: &'a str,
    parameters: Map<String, Value>,
    query: String,
}

fn echo<'a>(service: &'a ScenarioService, outcome: &Outcome, year: Option<i32>) -> Echo<'a> {
    let mut parameters = Map::new();
    for (k, v) in outcome.whatif.pairs() {
        let value = v
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::String(v), Value::Number);
        parameters.insert(k.to_string(), value);
    }
    let mut query = outcome.whatif.query();
    if let Some(y) = year {
        parameters.insert("year".into(), Value::from(y));
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(&format!("year={y}"));
    }
    Echo {
        dataset: service.engine.dataset_name(),
        model_version: MODEL_VERSION,
        parameters,
        query,
    }
}

fn render(
    service: &ScenarioService,
    outcome: &Outcome,
    request: &Request,
) -> Result<Response, ApiError> {
    let rows: Vec<_> = outcome
        .rows
        .iter()
        .filter(|r| request.year.is_none_or(|y| r.year == y))
        .cloned()
        .collect();
    let base_year = service.engine.years().1;
    let layer = demand::rows_layer(&rows, service.bands.as_ref().map(|b| (b, base_year)));
    let echo = echo(service, outcome, request.year);
    let serialise = |e: serde_json::Error| ApiError::internal(format!("serialising: {e}"));
    let (body, content_type): (Vec<u8>, &'static str) = match request.format {
        Format::Csv => {
            let csv = crate::web::table::layer_csv(&layer)
                .map_err(|e| ApiError::internal(format!("writing CSV: {e}")))?;
            let mut s = String::from(crate::web::table::UTF8_BOM);
            s.push_str(&csv);
            (s.into_bytes(), "text/csv; charset=utf-8")
        }
        Format::Json => {
            let table = crate::web::table::layer_json(&layer).map_err(serialise)?;
            let mut out = Vec::with_capacity(table.len() + 4096);
            out.extend_from_slice(b"{");
            head(&mut out, &echo, outcome).map_err(serialise)?;
            out.extend_from_slice(b",\"rows\":");
            out.extend_from_slice(&table);
            out.push(b'}');
            (out, "application/json")
        }
        Format::GeoJson => {
            let mut out = Vec::with_capacity(rows.len() * 2048);
            out.extend_from_slice(b"{\"type\":\"FeatureCollection\",");
            head(&mut out, &echo, outcome).map_err(serialise)?;
            out.extend_from_slice(
                format!(
                    ",\"numberReturned\":{},\"features\":[",
                    layer.features.len()
                )
                .as_bytes(),
            );
            for (i, (f, row)) in layer.features.iter().zip(&rows).enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(b"{\"type\":\"Feature\",\"id\":");
                serde_json::to_writer(&mut out, &f.id).map_err(serialise)?;
                out.extend_from_slice(b",\"geometry\":");
                match service.geometry.get(row.district.as_str()) {
                    Some(g) => out.extend_from_slice(g.as_bytes()),
                    None => out.extend_from_slice(b"null"),
                }
                out.extend_from_slice(b",\"properties\":{");
                for (j, (field, cell)) in layer.fields.iter().zip(&f.values).enumerate() {
                    if j > 0 {
                        out.push(b',');
                    }
                    serde_json::to_writer(&mut out, &field.name).map_err(serialise)?;
                    out.push(b':');
                    serde_json::to_writer(&mut out, &cell.to_json()).map_err(serialise)?;
                }
                out.extend_from_slice(b"}}");
            }
            out.extend_from_slice(b"]}");
            (out, "application/geo+json")
        }
    };
    let mut resp = Response::new(Body::from(body));
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if request.format == Format::Csv {
        h.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"demand-scenario.csv\""),
        );
    }
    let encoded =
        |s: &str| HeaderValue::from_str(&percent_encode(s)).unwrap_or(HeaderValue::from_static(""));
    h.insert(
        HeaderName::from_static("scenario-parameters"),
        encoded(&echo.query),
    );
    h.insert(
        HeaderName::from_static("scenario-dataset"),
        encoded(echo.dataset),
    );
    h.insert(
        HeaderName::from_static("model-version"),
        encoded(MODEL_VERSION),
    );
    Ok(resp)
}

/// Writes the echo, summary and notes as JSON members (no braces).
fn head(out: &mut Vec<u8>, echo: &Echo<'_>, outcome: &Outcome) -> Result<(), serde_json::Error> {
    let Value::Object(mut m) = serde_json::to_value(echo)? else {
        return Ok(());
    };
    m.insert("summary".into(), serde_json::to_value(&outcome.summary)?);
    m.insert("notes".into(), serde_json::to_value(&outcome.notes)?);
    let text = serde_json::to_vec(&Value::Object(m))?;
    // Drop the object's braces.
    out.extend_from_slice(&text[1..text.len() - 1]);
    Ok(())
}

/// Percent-encodes what a header value cannot carry (non-ASCII, controls, `%`).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_graphic() && b != b'%' || b == b' ' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The levers with their ranges and served values, the named scenarios and links.
#[derive(Serialize)]
struct Listing<'a> {
    dataset: &'a str,
    model_version: &'a str,
    first_year: i32,
    base_year: i32,
    horizon_year: i32,
    levers: Vec<LeverEntry>,
    scenarios: Vec<NamedEntry>,
    /// The pipeline projects `exclude_project` may leave out.
    projects: Vec<ProjectEntry>,
    run: &'static str,
    /// The backtests behind the `_low`/`_high` fields (null: the dataset has too few years).
    uncertainty: Option<&'a ErrorBands>,
}

#[derive(Serialize)]
struct LeverEntry {
    #[serde(flatten)]
    spec: crate::scenarios::LeverSpec,
    /// The value the served forecast uses (null: the model's own estimate).
    served: Option<f64>,
}

#[derive(Serialize)]
struct ProjectEntry {
    id: String,
    name: String,
    dwellings: f64,
}

#[derive(Serialize)]
struct NamedEntry {
    name: String,
    levers: crate::model::Levers,
    run: String,
    collection: String,
}

async fn list(State(state): State<ScenarioState>, uri: Uri) -> Result<Response, ApiError> {
    let pairs = query_pairs(&uri)?;
    check_known(&pairs, &["f"], |_| false, None)?;
    if let Some((_, f)) = pairs.iter().find(|(k, _)| k == "f") {
        if f != "json" {
            return Err(ApiError::bad_param("f", f, "use f=json"));
        }
    }
    let service = state.current();
    let e = &service.engine;
    let p = e.params();
    let served = p.active_levers().unwrap_or_default();
    let (first, base, horizon) = e.years();
    let levers = LEVERS
        .iter()
        .map(|spec| LeverEntry {
            spec: *spec,
            served: match spec.name {
                "net_migration_multiplier" => served.net_migration_multiplier,
                "net_migration_per_year" => served.net_migration_per_year,
                "pipeline_delay_years" => served.pipeline_delay_years.map(f64::from),
                "completions_per_year" => served.completions_per_year,
                "mortality_improvement" => served.mortality_improvement,
                "fertility_multiplier" => served.fertility_multiplier,
                "headship_trend" => served.headship_trend,
                "care_places_per_100_80_plus" => Some(p.care_places_per_100_80_plus),
                "vacancy_reserve" => Some(p.vacancy_reserve),
                _ => None,
            },
        })
        .collect();
    let scenarios = p
        .scenarios
        .iter()
        .map(|(name, l)| NamedEntry {
            name: name.clone(),
            levers: p.levers.overlaid(l),
            run: format!("scenarios/run?scenario={name}"),
            collection: format!("collections/demand-{name}"),
        })
        .collect();
    let listing = Listing {
        dataset: e.dataset_name(),
        model_version: MODEL_VERSION,
        first_year: first,
        base_year: base,
        horizon_year: horizon,
        levers,
        scenarios,
        projects: e
            .projects()
            .iter()
            .map(|p| ProjectEntry {
                id: p.id.clone(),
                name: p.name.clone(),
                dwellings: p.dwellings,
            })
            .collect(),
        run: "scenarios/run",
        uncertainty: service.bands.as_ref(),
    };
    let body = serde_json::to_vec(&listing)
        .map_err(|e| ApiError::internal(format!("serialising: {e}")))?;
    let mut resp = Response::new(Body::from(body));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(resp)
}
