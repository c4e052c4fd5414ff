//! HTTP handlers of the dashboard and the BI endpoints. They answer errors with the service's
//! one error type ([`ApiError`]) and 304s with its one conditional GET
//! ([`crate::api::request::conditional`]).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::vendor::{self, VendorError};
use super::{PreparedBody, WebData};
use crate::api::query::{check_known, check_repeats};
use crate::api::request::{conditional, query_pairs};
use crate::api::ApiError;

/// The router of the dashboard, its assets, the vendor libraries, `/bottlenecks` and the BI
/// exports, with its own state: merge it into the service's router with `Router::merge`
/// (before the service's compression and CORS layers, so they apply here too).
///
/// ```no_run
/// use std::sync::Arc;
/// use housing_need::{analysis::Analysis, domain::Dataset, layers::Layers, web};
///
/// fn service(
///     dataset: &Dataset,
///     analysis: &Analysis,
///     api: axum::Router,
/// ) -> Result<axum::Router, web::WebDataError> {
///     let layers = Layers::build(dataset, analysis);
///     let tables = Arc::new(housing_need::api::prepare_layers(dataset, &analysis.run, &layers));
///     let data =
///         web::WebData::new(dataset, &analysis.run, &analysis.bottlenecks, &layers.notes, tables)?;
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

impl From<VendorError> for ApiError {
    fn from(e: VendorError) -> Self {
        match e {
            VendorError::InvalidPath(_) => ApiError::bad_path(e.to_string()),
            VendorError::NotServed(_) => ApiError::not_found(e.to_string()),
        }
    }
}

fn path_error(_: PathRejection) -> ApiError {
    ApiError::bad_path("the path is not valid percent-encoded UTF-8")
}

/// Answers a prepared body, or `304 Not Modified` when the client already has it.
fn prepared(
    request: &HeaderMap,
    p: &PreparedBody,
    content_type: &'static str,
    disposition: Option<String>,
) -> Response {
    let inm = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    let mut response = conditional(inm, &p.etag, content_type, "no-cache", || {
        Body::from(p.body.clone())
    });
    if response.status() == StatusCode::OK {
        if let Some(d) = disposition.and_then(|d| HeaderValue::from_str(&d).ok()) {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, d);
        }
    }
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
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path(file) = path.map_err(path_error)?;
    let data = state.current();
    let (_, ctype, p) = data
        .assets
        .iter()
        .find(|(name, _, _)| *name == file)
        .ok_or_else(|| ApiError::not_found(format!("no dashboard asset '{file}'")))?;
    Ok(prepared(&headers, p, ctype, None))
}

/// Data the page needs beside the OGC API: population by sex and band for the pyramids.
async fn page_data(
    State(state): State<WebState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path(file) = path.map_err(path_error)?;
    let data = state.current();
    match file.as_str() {
        "pyramids.json" => Ok(prepared(&headers, &data.pyramids, JSON, None)),
        other => Err(ApiError::not_found(format!("no dashboard data '{other}'"))),
    }
}

async fn vendor_file(path: Result<Path<String>, PathRejection>) -> Result<Response, ApiError> {
    let Path(path) = path.map_err(path_error)?;
    let bytes = vendor::resolve(&path)?;
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
#[derive(Debug, Default)]
struct TableQuery {
    /// `json` (default) or `csv`.
    f: Option<String>,
    /// A table of the report (`stages`, `projects`, …).
    table: Option<String>,
    /// `false` leaves the UTF-8 byte-order mark out of CSV.
    bom: Option<String>,
}

impl TableQuery {
    /// The query of `uri`: only `known` parameters, each at most once.
    fn parse(uri: &Uri, known: &[&str]) -> Result<Self, ApiError> {
        let pairs = query_pairs(uri)?;
        check_known(&pairs, known, |_| false, None)?;
        check_repeats(&pairs, |_| true)?;
        let mut q = TableQuery::default();
        for (k, v) in pairs {
            match k.as_str() {
                "f" => q.f = Some(v),
                "table" => q.table = Some(v),
                "bom" => q.bom = Some(v),
                _ => {}
            }
        }
        Ok(q)
    }
}

enum Format {
    Json,
    Csv,
}

fn format_of(q: &TableQuery) -> Result<Format, ApiError> {
    match q.f.as_deref().map(str::trim) {
        None | Some("json") => Ok(Format::Json),
        Some("csv") => Ok(Format::Csv),
        Some("") => Err(ApiError::empty_param("f", "json or csv")),
        Some(other) => Err(ApiError::bad_param("f", other, "use f=json or f=csv")),
    }
}

fn wants_bom(q: &TableQuery) -> Result<bool, ApiError> {
    match q.bom.as_deref().map(str::trim) {
        None | Some("true") | Some("1") => Ok(true),
        Some("false") | Some("0") => Ok(false),
        Some("") => Err(ApiError::empty_param("bom", "true or false")),
        Some(other) => Err(ApiError::bad_param(
            "bom",
            other,
            "use bom=true or bom=false",
        )),
    }
}

/// A CSV body, with or without its byte-order mark.
fn csv_response(
    headers: &HeaderMap,
    p: &PreparedBody,
    bom: bool,
    filename: &str,
) -> Result<Response, ApiError> {
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
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let q = TableQuery::parse(&uri, &["f", "table", "bom"])?;
    let data = state.current();
    let format = format_of(&q)?;
    let bom = wants_bom(&q)?;
    let table_name = match (&format, q.table.as_deref().map(str::trim)) {
        (_, Some("")) => return Err(ApiError::empty_param("table", "the name of a table")),
        (_, Some(t)) => Some(t),
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
            ApiError::bad_param("table", name, format!("use one of {}", known.join(", ")))
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
    path: Result<Path<String>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path(file) = path.map_err(path_error)?;
    let q = TableQuery::parse(&uri, &["bom"])?;
    let data = state.current();
    let bom = wants_bom(&q)?;
    let (name, csv) = match file.as_str() {
        "demand.csv" => ("demand", true),
        "demand.json" => ("demand", false),
        "flags.csv" => ("flags", true),
        "flags.json" => ("flags", false),
        other => {
            return Err(ApiError::not_found(format!(
                "no export '{other}': the exports are demand.csv, demand.json, flags.csv and \
                 flags.json"
            )))
        }
    };
    let table = data.tables.collection(name);
    // The collection's content hash names the rows; the variant names the text.
    let variant = match (csv, bom) {
        (false, _) => "json",
        (true, true) => "csv",
        (true, false) => "csv-nobom",
    };
    let tag = format!("\"{:016x}-{name}-{variant}\"", table.map_or(0, |c| c.etag));
    let etag = HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"0\""));
    let inm = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    if !csv {
        let body = || Body::from(super::table::collection_json(table));
        return Ok(conditional(inm, &etag, JSON, "no-cache", body));
    }
    let text = || {
        let rows = super::table::collection_csv(table, name).unwrap_or_else(|e| {
            tracing::error!("writing {file}: {e}");
            String::new()
        });
        let mut out = String::with_capacity(rows.len() + 3);
        if bom {
            out.push_str(super::table::UTF8_BOM);
        }
        out.push_str(&rows);
        Body::from(out)
    };
    let mut response = conditional(inm, &etag, CSV, "no-cache", text);
    if response.status() == StatusCode::OK {
        let disposition = format!("attachment; filename=\"{file}\"");
        if let Ok(d) = HeaderValue::from_str(&disposition) {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, d);
        }
    }
    Ok(response)
}
