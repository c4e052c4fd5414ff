//! The one HTTP error boundary: every failure a client can cause becomes a JSON body
//! `{"code": …, "description": …}` with the right status (OGC API - Features' exception
//! schema), never a panic or a bare text body.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// An error answered to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Short machine-readable code (`InvalidParameterValue`, `NotFound`, …).
    pub code: &'static str,
    /// What is wrong, in plain words, naming the parameter and value.
    pub description: String,
}

impl ApiError {
    /// 400: a parameter has a value the service cannot use.
    pub fn bad_param(name: &str, value: &str, why: impl std::fmt::Display) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "InvalidParameterValue",
            description: format!("parameter '{name}' = '{value}': {why}"),
        }
    }

    /// 400 with a free-form message.
    pub fn bad_request(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "InvalidParameterValue",
            description: description.into(),
        }
    }

    /// 404: no such collection, feature or path.
    pub fn not_found(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            code: "NotFound",
            description: description.into(),
        }
    }

    /// 405: the service is read-only.
    pub fn method_not_allowed(method: &str) -> Self {
        Self {
            status: StatusCode::METHOD_NOT_ALLOWED,
            code: "MethodNotAllowed",
            description: format!(
                "method {method} is not allowed: this service is read-only (GET, HEAD, OPTIONS)"
            ),
        }
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
            tracing::error!(status = %self.status, "{}", self.description);
        } else {
            tracing::debug!(status = %self.status, "{}", self.description);
        }
        let body = serde_json::json!({ "code": self.code, "description": self.description });
        let mut resp = (self.status, body.to_string()).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            h.insert(
                header::ALLOW,
                HeaderValue::from_static("GET, HEAD, OPTIONS"),
            );
        }
        resp
    }
}
