//! The one HTTP error boundary of the whole service (OGC API, dashboard, BI exports, vendor
//! files): every failure becomes the same JSON body with the right status (OGC API -
//! Features' exception schema), never a panic or a bare text body.
//!
//! ```json
//! {"code": "InvalidParameterValue", "description": "parameter 'limit' = 'abc': …", "parameter": "limit"}
//! ```
//!
//! `parameter` is there when one query parameter is at fault. A server-side failure (500)
//! answers a fixed description; its cause goes to the log only, so no internal text (paths,
//! library messages) reaches a client.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Methods every path answers, as sent in `Allow`.
pub const ALLOWED_METHODS: &str = "GET, HEAD, OPTIONS";

/// An error answered to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Short machine-readable code (`InvalidParameterValue`, `NotFound`, …).
    pub code: &'static str,
    /// What is wrong, in plain words, naming the parameter and value.
    pub description: String,
    /// The query parameter at fault, when there is one.
    pub parameter: Option<String>,
    /// What went wrong inside the service (500 only): logged, never sent.
    cause: Option<String>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            code,
            description: description.into(),
            parameter: None,
            cause: None,
        }
    }

    /// 400: a parameter has a value the service cannot use.
    pub fn bad_param(name: &str, value: &str, why: impl std::fmt::Display) -> Self {
        let mut e = Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidParameterValue",
            format!("parameter '{name}' = '{value}': {why}"),
        );
        e.parameter = Some(name.to_string());
        e
    }

    /// 400: a parameter is given with no value (`datetime=`); `expected` says what it takes.
    pub fn empty_param(name: &str, expected: &str) -> Self {
        let mut e = Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidParameterValue",
            format!("parameter '{name}' is empty: expected {expected}"),
        );
        e.parameter = Some(name.to_string());
        e
    }

    /// 400: a parameter that may appear once is given more than once.
    pub fn repeated_param(name: &str) -> Self {
        let mut e = Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidParameterValue",
            format!("parameter '{name}' is given more than once; give it once"),
        );
        e.parameter = Some(name.to_string());
        e
    }

    /// 400: parameters this path does not know (OGC API - Features
    /// `/req/core/query-param-unknown`). `names` is not empty; the first is `parameter`.
    /// `takes` lists what the path accepts.
    pub fn unknown_params(names: &[&str], takes: &str) -> Self {
        let list: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
        let mut e = Self::new(
            StatusCode::BAD_REQUEST,
            "UnknownParameter",
            format!(
                "unknown query parameter{} {} on this path; it takes {takes}",
                if names.len() > 1 { "s" } else { "" },
                list.join(", "),
            ),
        );
        e.parameter = names.first().map(|n| n.to_string());
        e
    }

    /// 400 with a free-form message.
    pub fn bad_request(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidParameterValue",
            description,
        )
    }

    /// 400 for a request path that cannot be used (bad percent-encoding, traversal).
    pub fn bad_path(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidPath", description)
    }

    /// 404: no such collection, feature, file or path.
    pub fn not_found(description: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NotFound", description)
    }

    /// 404 with a code of its own (`VendorFileMissing`).
    pub fn not_found_as(code: &'static str, description: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, description)
    }

    /// 405: the service is read-only.
    pub fn method_not_allowed(method: &str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            format!(
                "method {method} is not allowed: this service is read-only ({ALLOWED_METHODS})"
            ),
        )
    }

    /// 414: the request target is longer than `max` bytes.
    pub fn uri_too_long(len: usize, max: usize) -> Self {
        Self::new(
            StatusCode::URI_TOO_LONG,
            "URITooLong",
            format!("the request path and query are {len} bytes; at most {max} are accepted"),
        )
    }

    /// 431: the request headers are larger than `max` bytes in all.
    pub fn headers_too_large(len: usize, max: usize) -> Self {
        Self::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "RequestHeaderFieldsTooLarge",
            format!("the request headers are {len} bytes; at most {max} are accepted"),
        )
    }

    /// 500: the service failed. `cause` is logged; the client is told only that it failed.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let mut e = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "the service could not answer this request; the cause is in its log",
        );
        e.cause = Some(cause.to_string());
        e
    }

    /// 503: the service cannot answer now (shutting down, overloaded).
    pub fn unavailable(description: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "Unavailable", description)
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        let mut body = serde_json::json!({ "code": self.code, "description": self.description });
        if let Some(p) = &self.parameter {
            body["parameter"] = serde_json::Value::from(p.clone());
        }
        body.to_string()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.description
        )
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(
                status = %self.status,
                cause = self.cause.as_deref().unwrap_or(""),
                "{}",
                self.description
            );
        } else {
            tracing::debug!(status = %self.status, "{}", self.description);
        }
        let mut resp = (self.status, self.body()).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            h.insert(header::ALLOW, HeaderValue::from_static(ALLOWED_METHODS));
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_causes_stay_in_the_log() {
        let e = ApiError::internal("reading /secret/path: permission denied");
        assert!(!e.body().contains("secret"));
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn the_parameter_is_named() {
        let e = ApiError::bad_param("limit", "abc", "expected a whole number");
        let v: serde_json::Value = serde_json::from_str(&e.body()).unwrap_or_default();
        assert_eq!(v["parameter"], "limit");
        assert_eq!(v["code"], "InvalidParameterValue");
    }
}
