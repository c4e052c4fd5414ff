//! HTTP handlers of the dashboard and the BI endpoints, and their one error type.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json as JsonBody, Router};
use serde::Deserialize;

use super::vendor::{self, VendorError};
use super::{PreparedBody, WebData};

/// The router of the dashboard, its assets, the vendor libraries, `/bottlenecks` and the BI
/// exports, with its own state: merge it into the service's router with `Router::merge`
/// (before the service's compression and CORS layers, so they apply here too).
///
/// ```no_run
/// use std::sync::Arc;
/// use housing_need::{domain::Dataset, model::ModelRun, pipeline::BottleneckReport, web};
///
/// fn service(
///     dataset: &Dataset,
///     run: &ModelRun,
///     report: &BottleneckReport,
///     api: axum::Router,
/// ) -> Result<axum::Router, web::WebDataError> {
///     let flags: Vec<serde_json::Value> = Vec::new();
///     let data = web::WebData::new(dataset, run, report, &flags)?;
///     Ok(api.merge(web::routes(Arc::new(data))))
/// }
/// ```
pub fn routes(data: Arc<WebData>) -> Router {
    routes_with(WebState::new(data))
}

/// The data behind the dashboard routes, swappable as a whole: a reload replaces it after the
/// new data is fully prepared, so a request sees either the old or the new data, never a mix.
#[derive(Clone)]
pub struct WebState(Arc<std::sync::RwLock<Arc<WebData>>>);

impl WebState {
    /// A state serving `data`.
    pub fn new(data: Arc<WebData>) -> Self {
        Self(Arc::new(std::sync::RwLock::new(data)))
    }

    /// The data now served.
    pub fn current(&self) -> Arc<WebData> {
        match self.0.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Serves `data` from now on.
    pub fn replace(&self, data: WebData) {
        let new = Arc::new(data);
        match self.0.write() {
            Ok(mut g) => *g = new,
            Err(poisoned) => *poisoned.into_inner() = new,
        }
    }
}

/// [`routes`] over a [`WebState`] the caller keeps, to replace the data on reload.
pub fn routes_with(state: WebState) -> Router {
    Router::new()
        .route("/dashboard", get(page))
        .route("/dashboard/", get(page_slash))
        .route("/dashboard/assets/{file}", get(asset))
        .route("/dashboard/data/{file}", get(page_data))
        .route("/vendor/{*path}", get(vendor_file))
        .route("/bottlenecks", get(bottlenecks))
        .route("/export/{file}", get(export))
        .with_state(state)
}

/// An error answered as JSON (`{"code", "description"}`, like OGC API exceptions) with the
/// right status.
#[derive(Debug)]
enum WebError {
    /// 400: a parameter has a value we do not know.
    BadRequest(String),
    /// 404: no such page, asset, export or table.
    NotFound(String),
    /// A `/vendor/` request that cannot be answered with a file.
    Vendor(VendorError),
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            WebError::BadRequest(d) => (
                StatusCode::BAD_REQUEST,
                serde_json::json!({"code": "InvalidParameterValue", "description": d}),
            ),
            WebError::NotFound(d) => (
                StatusCode::NOT_FOUND,
                serde_json::json!({"code": "NotFound", "description": d}),
            ),
            WebError::Vendor(e @ VendorError::NotServed(_)) => (
                StatusCode::NOT_FOUND,
                serde_json::json!({"code": "NotFound", "description": e.to_string()}),
            ),
            WebError::Vendor(e @ VendorError::InvalidPath(_)) => (
                StatusCode::BAD_REQUEST,
                serde_json::json!({"code": "InvalidPath", "description": e.to_string()}),
            ),
        };
        (status, JsonBody(body)).into_response()
    }
}

/// Answers a prepared body, or `304 Not Modified` when the client already has it.
fn prepared(
    request: &HeaderMap,
    p: &PreparedBody,
    content_type: &'static str,
    disposition: Option<String>,
) -> Response {
    let matches = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(str::trim)
                .any(|t| t == "*" || t.trim_start_matches("W/") == p.etag)
        });
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = Response::new(Body::from(p.body.clone()));
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Some(d) = disposition.and_then(|d| HeaderValue::from_str(&d).ok()) {
            r.headers_mut().insert(header::CONTENT_DISPOSITION, d);
        }
        r
    };
    let h = response.headers_mut();
    h.insert(header::ETAG, p.etag.clone());
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

const CSV: &str = "text/csv; charset=utf-8";
const JSON: &str = "application/json";

async fn page(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let data = state.current();
    prepared(&headers, &data.page, "text/html; charset=utf-8", None)
}

/// `/dashboard/` → `/dashboard`, relative so the page also works behind a path prefix (its
/// links are relative to `/dashboard`).
async fn page_slash() -> Response {
    (
        StatusCode::PERMANENT_REDIRECT,
        [(header::LOCATION, HeaderValue::from_static("../dashboard"))],
    )
        .into_response()
}

async fn asset(
    State(state): State<WebState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let data = state.current();
    let (_, ctype, p) = data
        .assets
        .iter()
        .find(|(name, _, _)| *name == file)
        .ok_or_else(|| WebError::NotFound(format!("no dashboard asset '{file}'")))?;
    Ok(prepared(&headers, p, ctype, None))
}

/// Data the page needs beside the OGC API: population by sex and band for the pyramids.
async fn page_data(
    State(state): State<WebState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let data = state.current();
    match file.as_str() {
        "pyramids.json" => Ok(prepared(&headers, &data.pyramids, JSON, None)),
        other => Err(WebError::NotFound(format!("no dashboard data '{other}'"))),
    }
}

async fn vendor_file(Path(path): Path<String>) -> Result<Response, WebError> {
    let bytes = vendor::resolve(&path).map_err(WebError::Vendor)?;
    let content_type = vendor::content_type(&path);
    let mut r = Response::new(Body::from(axum::body::Bytes::from_static(bytes)));
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(r)
}

/// Query of `/bottlenecks` and the CSV exports.
#[derive(Debug, Deserialize)]
struct TableQuery {
    /// `json` (default) or `csv`.
    f: Option<String>,
    /// A table of the report (`stages`, `projects`, …).
    table: Option<String>,
    /// `false` leaves the UTF-8 byte-order mark out of CSV.
    bom: Option<String>,
}

enum Format {
    Json,
    Csv,
}

fn format_of(q: &TableQuery) -> Result<Format, WebError> {
    match q.f.as_deref().map(str::trim) {
        None | Some("") | Some("json") => Ok(Format::Json),
        Some("csv") => Ok(Format::Csv),
        Some(other) => Err(WebError::BadRequest(format!(
            "unknown format f={other}: use f=json or f=csv"
        ))),
    }
}

fn wants_bom(q: &TableQuery) -> Result<bool, WebError> {
    match q.bom.as_deref().map(str::trim) {
        None | Some("") | Some("true") | Some("1") => Ok(true),
        Some("false") | Some("0") => Ok(false),
        Some(other) => Err(WebError::BadRequest(format!(
            "unknown value bom={other}: use bom=true or bom=false"
        ))),
    }
}

/// A CSV body, with or without its byte-order mark.
fn csv_response(
    headers: &HeaderMap,
    p: &PreparedBody,
    bom: bool,
    filename: &str,
) -> Result<Response, WebError> {
    let disposition = Some(format!("attachment; filename=\"{filename}\""));
    if bom {
        return Ok(prepared(headers, p, CSV, disposition));
    }
    let bom_len = super::table::UTF8_BOM.len();
    let body = if p.body.starts_with(super::table::UTF8_BOM.as_bytes()) {
        p.body.slice(bom_len..)
    } else {
        p.body.clone()
    };
    let tag = p.etag.to_str().unwrap_or("\"0\"").trim_end_matches('"');
    let etag = HeaderValue::from_str(&format!("{tag}-nobom\"")).unwrap_or(p.etag.clone());
    Ok(prepared(
        headers,
        &PreparedBody { body, etag },
        CSV,
        disposition,
    ))
}

async fn bottlenecks(
    State(state): State<WebState>,
    Query(q): Query<TableQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let data = state.current();
    let format = format_of(&q)?;
    let bom = wants_bom(&q)?;
    let table_name = match (&format, q.table.as_deref().map(str::trim)) {
        (_, Some(t)) if !t.is_empty() => Some(t),
        (Format::Csv, _) => Some("stages"),
        (Format::Json, _) => None,
    };
    let Some(name) = table_name else {
        return Ok(prepared(&headers, &data.bottlenecks_json, JSON, None));
    };
    let table = data
        .bottleneck_tables
        .iter()
        .find(|t| t.name == name)
        .ok_or_else(|| {
            let known: Vec<&str> = data
                .bottleneck_tables
                .iter()
                .map(|t| t.name.as_str())
                .collect();
            WebError::BadRequest(format!(
                "unknown table={name}: use one of {}",
                known.join(", ")
            ))
        })?;
    match format {
        Format::Json => Ok(prepared(&headers, &table.json, JSON, None)),
        Format::Csv => csv_response(
            &headers,
            &table.csv,
            bom,
            &format!("bottlenecks-{name}.csv"),
        ),
    }
}

async fn export(
    State(state): State<WebState>,
    Path(file): Path<String>,
    Query(q): Query<TableQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let data = state.current();
    let bom = wants_bom(&q)?;
    match file.as_str() {
        "demand.csv" => csv_response(&headers, &data.demand_csv, bom, "demand.csv"),
        "demand.json" => Ok(prepared(&headers, &data.demand_json, JSON, None)),
        "flags.csv" => csv_response(&headers, &data.flags_csv, bom, "flags.csv"),
        "flags.json" => Ok(prepared(&headers, &data.flags_json, JSON, None)),
        other => Err(WebError::NotFound(format!(
            "no export '{other}': the exports are demand.csv, demand.json, flags.csv and \
             flags.json"
        ))),
    }
}
