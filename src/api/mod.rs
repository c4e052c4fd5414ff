//! The HTTP service: OGC API - Features (Parts 1 and 2) over the loaded dataset and the model's
//! results, for QGIS, GDAL, browsers and dashboards.
//!
//! [`app`] builds the whole router from an [`AppState`]; `housing-need serve` and the tests
//! use the same function. All data is prepared once per data load ([`Prepared`]); a request
//! selects, slices and concatenates pre-serialised features, so answering costs little more
//! than copying bytes. The state can be swapped ([`AppState::replace`]) so a reload keeps the
//! last good data until new data is ready.
//!
//! Layout: [`prepared`] (data prepared per load, generic over collections), [`layers`] (which
//! collections exist and how they are made from the domain), [`query`] (items parameters),
//! [`ogc`] (documents and handlers), [`html`] (pages for browsers), [`error`] (the one error
//! boundary).

pub mod crs;
pub mod error;
pub mod geojson;
pub mod html;
pub mod layers;
pub mod ogc;
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

pub use error::ApiError;
pub use layers::{prepare, prepare_all};
pub use prepared::{Collection, CollectionBuilder, Prepared};
pub use state::{AppState, ServiceConfig};

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
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .merge(extra)
        .layer(compression)
        .layer(cors)
        .layer(middleware::from_fn(allow_header))
        .layer(TraceLayer::new_for_http())
}

/// `OPTIONS` answers with `Allow` on every path: the CORS layer answers preflight requests
/// (with an `Origin` and `Access-Control-Request-Method`) itself; any other `OPTIONS` is a
/// plain 204.
async fn allow_header(req: Request, next: Next) -> Response {
    let is_options = req.method() == Method::OPTIONS;
    let preflight = req
        .headers()
        .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut resp = next.run(req).await;
    if is_options {
        resp.headers_mut().insert(
            header::ALLOW,
            HeaderValue::from_static("GET, HEAD, OPTIONS"),
        );
        if !preflight {
            *resp.status_mut() = StatusCode::NO_CONTENT;
        }
    }
    resp
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::not_found(format!(
        "no such path '{}'; start at / (landing page) or /collections",
        uri.path()
    ))
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::method_not_allowed(method.as_str())
}
