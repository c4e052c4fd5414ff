//! The HTTP service: OGC API - Features (Parts 1 and 2) over the loaded dataset and the model's
//! results, for QGIS, GDAL, browsers and dashboards.
//!
//! [`app`] builds the whole router from an [`AppState`]; `housing-need serve` and the tests
//! use the same function. All data is prepared once per data load ([`Prepared`]); a request
//! selects, slices and concatenates pre-serialised features, and the body is kept
//! ([`pages::Pages`]), so asking again costs a reference count. The state can be swapped ([`AppState::replace`]) so a reload keeps the
//! last good data until new data is ready.
//!
//! Layout: [`prepared`] (data prepared per load, generic over collections), [`pages`] (response
//! bodies kept per base URL and request as shared bytes), [`layers`] (the
//! published layers of [`crate::layers`] rendered as collections), [`docs`] (metadata documents
//! built per load), [`query`] (items parameters), [`ogc`] (handlers), [`html`] (pages for
//! browsers), [`request`] (per-request context and the conditional GET), [`error`] (the one
//! error type of every route). Dependencies point one way: handlers → request → state →
//! pages, docs → prepared; nothing below imports what is above it.
//!
//! Every response of the service, whichever router made it, passes [`boundary`]: errors get
//! the one JSON body, every response gets `X-Content-Type-Options: nosniff` and
//! `Referrer-Policy`, HTML gets a Content-Security-Policy, oversized requests get 414/431.

pub mod crs;
pub mod docs;
pub mod error;
pub mod geojson;
pub mod html;
pub mod layers;
pub mod media;
pub mod ogc;
pub mod pages;
pub mod prepared;
pub mod query;
pub mod request;
pub mod state;
pub mod temporal;

use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::cors::{Any, CorsLayer};
use tower_http::trace::TraceLayer;

use axum::response::IntoResponse;
pub use error::{ApiError, ALLOWED_METHODS};
pub use layers::{prepare, prepare_layers, prepare_owned_layers};
pub use prepared::{Collection, CollectionBuilder, Prepared, ShapeSet};
pub use state::{AppState, ServiceConfig, Snapshot};

/// Longest request target (path and query) answered; a longer one is a 414.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Largest size of all request headers together (names and values); more is a 431.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Most request headers answered; more is a 431.
pub const MAX_HEADERS: usize = 100;

/// `Content-Security-Policy` of every HTML page (OGC pages and the dashboard): scripts, styles
/// and data only from this service (the dashboard's modules and Leaflet are served here; inline
/// styles are the OGC pages' own), images also from a configured basemap, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: https:; connect-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The whole service as a router.
pub fn app(state: AppState) -> Router {
    app_with(state, Router::new())
}

/// [`app`] with `extra` routes (the dashboard, BI exports) merged in under the same
/// compression, CORS and tracing layers and the same JSON 404 fallback. `extra` must not set a
/// fallback of its own.
pub fn app_with(state: AppState, extra: Router) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS])
        .allow_headers(Any)
        .expose_headers([header::ETAG, HeaderName::from_static("content-crs")]);
    let compression = CompressionLayer::new()
        .gzip(true)
        .br(true)
        .quality(CompressionLevel::Precise(4));
    Router::new()
        .route("/", get(ogc::landing))
        .route("/conformance", get(ogc::conformance))
        .route("/api", get(ogc::api))
        .route("/collections", get(ogc::collections))
        .route("/collections/{collection_id}", get(ogc::collection))
        .route(
            "/collections/{collection_id}/queryables",
            get(ogc::queryables),
        )
        .route("/collections/{collection_id}/items", get(ogc::items))
        .route(
            "/collections/{collection_id}/items/{feature_id}",
            get(ogc::item),
        )
        .fallback(not_found)
        .with_state(state)
        .merge(extra)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(compression)
        .layer(cors)
        .layer(middleware::from_fn(boundary))
        .layer(TraceLayer::new_for_http())
}

/// The boundary every request and response passes, whichever router answers:
///
/// - a request target over [`MAX_URI_BYTES`] is a 414, headers over [`MAX_HEADER_BYTES`] or
///   [`MAX_HEADERS`] a 431, before any handler runs;
/// - `OPTIONS` answers with `Allow` on every path: the CORS layer answers preflight requests
///   (with an `Origin` and `Access-Control-Request-Method`) itself; any other `OPTIONS` is a
///   plain 204;
/// - an error response that is not already the service's JSON error body (a 405 of a method
///   router, a rejection of an extractor) is replaced by it, keeping the CORS headers;
/// - `X-Content-Type-Options: nosniff` and `Referrer-Policy` on everything, and
///   `Content-Security-Policy` (with `frame-ancestors`) on HTML.
pub async fn boundary(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let preflight = req
        .headers()
        .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let target = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    let mut resp = if target > MAX_URI_BYTES {
        ApiError::uri_too_long(target, MAX_URI_BYTES).into_response()
    } else if header_bytes > MAX_HEADER_BYTES {
        ApiError::headers_too_large(header_bytes, MAX_HEADER_BYTES).into_response()
    } else if req.headers().len() > MAX_HEADERS {
        let mut e = ApiError::headers_too_large(header_bytes, MAX_HEADER_BYTES);
        e.description = format!(
            "the request has {} header fields; at most {MAX_HEADERS} are accepted",
            req.headers().len()
        );
        e.into_response()
    } else {
        next.run(req).await
    };
    if method == Method::OPTIONS {
        resp.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(ALLOWED_METHODS));
        if !preflight && resp.status().is_success() {
            *resp.status_mut() = StatusCode::NO_CONTENT;
        }
    }
    if resp.status().is_client_error() || resp.status().is_server_error() {
        resp = as_json_error(resp, &method, &path);
    }
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    let html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if html {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    resp
}

/// `resp` when it already carries the JSON error body, else the same status as an
/// [`ApiError`] (CORS and `Vary` headers kept).
fn as_json_error(resp: Response, method: &Method, path: &str) -> Response {
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        return resp;
    }
    let status = resp.status();
    let err = match status {
        StatusCode::NOT_FOUND => not_found_error(path),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::method_not_allowed(method.as_str()),
        s if s.is_server_error() => ApiError::internal(format!("{s} from a handler")),
        s => {
            let mut e = ApiError::bad_request(format!(
                "the request cannot be answered: {}",
                s.canonical_reason().unwrap_or("bad request")
            ));
            e.status = s;
            e.code = "BadRequest";
            e
        }
    };
    let mut out = err.into_response();
    for (k, v) in resp.headers() {
        if k.as_str().starts_with("access-control-") || k == header::VARY {
            out.headers_mut().append(k.clone(), v.clone());
        }
    }
    out
}

fn not_found_error(path: &str) -> ApiError {
    ApiError::not_found(format!(
        "no such path '{path}'; start at / (landing page) or /collections"
    ))
}

async fn not_found(uri: Uri) -> ApiError {
    not_found_error(uri.path())
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::method_not_allowed(method.as_str())
}
