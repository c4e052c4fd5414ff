//! What every handler needs from a request: the data of the moment, the base URL links are
//! built on, the negotiated format (JSON or HTML), the query pairs, and a way to answer with
//! an ETag, `Cache-Control` and a 304 when the client already has the response
//! ([`conditional`], used by every route of the service).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::docs::Docs;
use super::error::ApiError;
use super::media::Format;
use super::pages::Pages;
use super::prepared::Prepared;
use super::query::{check_repeats, RESERVED};
use super::state::AppState;

pub use super::media::{encode_query, encode_segment, GEOJSON, HTML, JSON, OPENAPI, SCHEMA};

/// Request context, extracted before every handler runs.
pub struct Ctx {
    /// The data as of this request (a reload does not change it mid-request).
    pub data: Arc<Prepared>,
    /// The metadata documents of `data`.
    pub docs: Arc<Docs>,
    /// Bodies already rendered from `data` and `docs`.
    pages: Arc<Pages>,
    /// Base URL without a trailing slash (`http://localhost:8080`).
    pub base: String,
    /// Negotiated format.
    pub format: Format,
    /// Query pairs, decoded, in request order.
    pub pairs: Vec<(String, String)>,
    path: String,
    raw_query: String,
    if_none_match: Option<String>,
}

/// `Cache-Control` of successful responses: clients may reuse a response for a minute and
/// revalidate it with its ETag afterwards.
pub const CACHE_CONTROL: &str = "public, max-age=60";

impl<S> FromRequestParts<S> for Ctx
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let raw_query = parts.uri.query().unwrap_or("").to_string();
        let pairs = query_pairs(&parts.uri)?;
        check_repeats(&pairs, |k| RESERVED.contains(&k))?;
        let format = negotiate(&pairs, &parts.headers)?;
        let base = base_url(&state, &parts.headers);
        let if_none_match = parts
            .headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let snapshot = state.snapshot();
        Ok(Ctx {
            data: Arc::clone(&snapshot.data),
            docs: Arc::clone(&snapshot.docs),
            pages: Arc::clone(&snapshot.pages),
            base,
            format,
            pairs,
            path: parts.uri.path().to_string(),
            raw_query,
            if_none_match,
        })
    }
}

/// Chooses JSON or HTML: `f=json|html` wins; otherwise HTML only when the `Accept` header
/// prefers `text/html` over every JSON type (as browsers do); `*/*` or no header gives JSON.
fn negotiate(pairs: &[(String, String)], headers: &HeaderMap) -> Result<Format, ApiError> {
    if let Some((_, f)) = pairs.iter().find(|(k, _)| k == "f") {
        return match f.trim().to_ascii_lowercase().as_str() {
            "" => Err(ApiError::empty_param("f", "json or html")),
            "json" | "geojson" | "application/json" | "application/geo+json" => Ok(Format::Json),
            "html" | "text/html" => Ok(Format::Html),
            _ => Err(ApiError::bad_param("f", f, "expected json or html")),
        };
    }
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Ok(Format::Json);
    };
    let (mut html, mut json) = (0.0f32, 0.0f32);
    for item in accept.split(',') {
        let mut it = item.split(';');
        let media = it.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = it
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if media == "text/html" || media == "application/xhtml+xml" {
            html = html.max(q);
        } else if media.contains("json") {
            json = json.max(q);
        }
    }
    Ok(if html > json {
        Format::Html
    } else {
        Format::Json
    })
}

/// The base URL: `--public-url` when set, else `http://` + the `Host` header (`https` behind
/// a proxy that says `X-Forwarded-Proto: https`), else the address the server listens on.
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(u) = &state.config().public_url {
        return u.clone();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| valid_host(h));
    match host {
        Some(h) => {
            let https = headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|p| p.eq_ignore_ascii_case("https"));
            format!("{}://{h}", if https { "https" } else { "http" })
        }
        None => state.config().fallback_base.clone(),
    }
}

/// A Host header we are willing to echo into links and HTML: name or address and port only.
fn valid_host(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 255
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b))
}

impl Ctx {
    /// The single value of `name`; a parameter given twice is an error.
    pub fn single(&self, name: &str) -> Result<Option<&str>, ApiError> {
        super::query::single(&self.pairs, name)
    }

    /// A 400 naming every query parameter not in `known` (`/req/core/query-param-unknown`).
    pub fn only(&self, known: &[&str]) -> Result<(), ApiError> {
        super::query::check_known(&self.pairs, known, |_| false, None)
    }

    /// The ETag of this response: data version, path, query, base URL and format.
    pub fn etag(&self) -> String {
        let mut h = DefaultHasher::new();
        self.data.etag.hash(&mut h);
        self.path.hash(&mut h);
        self.raw_query.hash(&mut h);
        self.base.hash(&mut h);
        self.format.hash(&mut h);
        format!("W/\"{:016x}\"", h.finish())
    }

    /// Answers 200 with the body, or 304 when the client has it. The body is the one kept for
    /// this base URL, format, path and query, or `body()` (built only when needed, then kept):
    /// it must depend on nothing else (as the ETag does not).
    pub fn respond(
        &self,
        content_type: &'static str,
        extra: &[(HeaderName, HeaderValue)],
        body: impl FnOnce() -> Vec<u8>,
    ) -> Response {
        let etag = HeaderValue::from_str(&self.etag()).unwrap_or(HeaderValue::from_static("\"0\""));
        let mut resp = conditional(
            self.if_none_match.as_deref(),
            &etag,
            content_type,
            CACHE_CONTROL,
            || {
                Body::from(self.pages.get_or_render(
                    &self.base,
                    self.format,
                    &self.path,
                    &self.raw_query,
                    body,
                ))
            },
        );
        let h = resp.headers_mut();
        h.insert(header::VARY, HeaderValue::from_static("Accept"));
        for (k, v) in extra {
            h.insert(k.clone(), v.clone());
        }
        resp
    }

    /// JSON or HTML of a metadata document, negotiated.
    pub fn document(
        &self,
        json_type: &'static str,
        json: impl FnOnce() -> String,
        html: impl FnOnce() -> String,
    ) -> Response {
        match self.format {
            Format::Json => self.respond(json_type, &[], || json().into_bytes()),
            Format::Html => self.respond(HTML, &[], || html().into_bytes()),
        }
    }
}

/// The decoded query pairs of `uri`, in request order.
pub fn query_pairs(uri: &Uri) -> Result<Vec<(String, String)>, ApiError> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map(|q| q.0)
        .map_err(|_| ApiError::bad_request("malformed query string"))
}

/// True when an `If-None-Match` header value names `etag` (weak comparison) or is `*`.
pub fn etag_matches(if_none_match: Option<&str>, etag: &str) -> bool {
    let Some(inm) = if_none_match else {
        return false;
    };
    let ours = etag.trim_start_matches("W/");
    inm.split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/") == ours)
}

/// The one conditional GET of the service: `304 Not Modified` when `if_none_match` names
/// `etag`, else 200 with `body()` (built only then) as `content_type`; both carry the ETag
/// and `cache_control`.
pub fn conditional(
    if_none_match: Option<&str>,
    etag: &HeaderValue,
    content_type: &'static str,
    cache_control: &'static str,
    body: impl FnOnce() -> Body,
) -> Response {
    let not_modified = etag_matches(if_none_match, etag.to_str().unwrap_or(""));
    let mut resp = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = Response::new(body());
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        r
    };
    let h = resp.headers_mut();
    h.insert(header::ETAG, etag.clone());
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> Format {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(v).unwrap());
        negotiate(&[], &h).unwrap()
    }

    #[test]
    fn browsers_get_html_clients_get_json() {
        assert_eq!(
            accept("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            Format::Html
        );
        assert_eq!(
            accept("application/geo+json, application/json"),
            Format::Json
        );
        assert_eq!(accept("*/*"), Format::Json);
        assert_eq!(accept("application/json, text/html;q=0.5"), Format::Json);
        assert_eq!(negotiate(&[], &HeaderMap::new()).unwrap(), Format::Json);
        let f = |v: &str| negotiate(&[("f".into(), v.into())], &HeaderMap::new());
        assert_eq!(f("json").unwrap(), Format::Json);
        assert_eq!(f("HTML").unwrap(), Format::Html);
        assert!(f("xml").is_err());
    }
}
