//! Third-party browser libraries (Leaflet), carried by the binary and served under `/vendor/`.
//!
//! Their code is not committed: `web/package.json` pins the versions, `web/package-lock.json`
//! locks them, `npm ci --prefix web` installs them into `web/node_modules`, and `build.rs`
//! embeds Leaflet's built files from there (see [`crate::embedded`]), so the service needs
//! nothing beside the binary. Only the files a browser needs are embedded and served (see
//! [`SERVED_PREFIXES`]); a request is a lookup in that table, so no request can reach a file.

use crate::embedded;

/// Parts of `node_modules` the browser may load: Leaflet's built files (JS, CSS, images).
pub const SERVED_PREFIXES: &[&str] = &["leaflet/dist/"];

/// Why a `/vendor/` request is not answered with a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VendorError {
    /// The path is malformed or tries to leave the library (`..`, `\`, an absolute path).
    #[error("invalid vendor path '{0}'")]
    InvalidPath(String),
    /// The path is well formed but not a served browser library file.
    #[error("'{0}' is not a served browser library file")]
    NotServed(String),
}

/// Checks `request` (the part after `/vendor/`, percent-decoded) and returns the embedded file.
///
/// Rejected as invalid: empty segments, `.` and `..`, backslashes, drive or scheme colons, NUL.
/// Not served: paths outside [`SERVED_PREFIXES`] and files the binary does not carry.
pub fn resolve(request: &str) -> Result<&'static [u8], VendorError> {
    if request.is_empty()
        || request.starts_with('/')
        || request.contains(['\\', ':', '\0'])
        || request
            .split('/')
            .any(|seg| seg.is_empty() || seg == "." || seg == "..")
    {
        return Err(VendorError::InvalidPath(request.to_string()));
    }
    let not_served = || VendorError::NotServed(request.to_string());
    if !SERVED_PREFIXES.iter().any(|p| request.starts_with(p)) {
        return Err(not_served());
    }
    embedded::vendor_file(request).ok_or_else(not_served)
}

/// The `Content-Type` for a served file, by extension.
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext).unwrap_or("") {
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "map" | "json" => "application/json",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "gif" => "image/gif",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rejects_traversal_and_unserved_paths() {
        for bad in [
            "../Cargo.toml",
            "leaflet/dist/../../../etc/passwd",
            "leaflet//dist/x.js",
            "/etc/passwd",
            "leaflet\\dist\\leaflet.js",
            "C:/x",
            "./leaflet/dist/leaflet.js",
            "",
        ] {
            assert!(
                matches!(resolve(bad), Err(VendorError::InvalidPath(_))),
                "{bad}"
            );
        }
        assert_eq!(
            resolve("playwright-core/package.json"),
            Err(VendorError::NotServed(
                "playwright-core/package.json".into()
            ))
        );
        assert_eq!(
            resolve("leaflet/dist/nothing.js"),
            Err(VendorError::NotServed("leaflet/dist/nothing.js".into()))
        );
        assert!(resolve("leaflet/dist/leaflet.css").is_ok());
    }

    #[test]
    fn content_types_by_extension() {
        assert_eq!(
            content_type("a/leaflet-src.esm.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("a/images/layers.png"), "image/png");
    }
}
