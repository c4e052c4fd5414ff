//! Third-party browser libraries (Leaflet) served from an npm install.
//!
//! Their code is not committed: `web/package.json` pins the versions, `web/package-lock.json`
//! locks them, and `npm ci --prefix web` installs them into `web/node_modules`, which the
//! service serves under `/vendor/`. Only the files a browser needs are served (see
//! [`SERVED_PREFIXES`]); everything else in `node_modules` (test tools, package metadata) is
//! not reachable, and no request can leave the folder.

use std::path::{Component, Path, PathBuf};

/// Environment variable naming the `node_modules` folder to serve under `/vendor/`.
pub const VENDOR_ENV: &str = "HOUSING_NEED_WEB_VENDOR";

/// The folder used when [`VENDOR_ENV`] is unset: `web/node_modules` in the source tree, where
/// `npm ci --prefix web` installs.
pub const DEFAULT_VENDOR_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/web/node_modules");

/// The command that installs the vendor folder, named in every "missing file" answer.
pub const INSTALL_COMMAND: &str = "npm ci --prefix web";

/// Parts of `node_modules` the browser may load: Leaflet's built files (JS, CSS, images).
pub const SERVED_PREFIXES: &[&str] = &["leaflet/dist/"];

/// The vendor folder: [`VENDOR_ENV`] when set and not empty, else [`DEFAULT_VENDOR_DIR`].
pub fn vendor_dir_from_env() -> PathBuf {
    match std::env::var_os(VENDOR_ENV) {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => PathBuf::from(DEFAULT_VENDOR_DIR),
    }
}

/// Why a `/vendor/` request is not answered with a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VendorError {
    /// The path tries to leave the vendor folder or is malformed (`..`, `\`, an absolute path).
    #[error("invalid vendor path '{0}'")]
    InvalidPath(String),
    /// The path is well formed but outside the served libraries.
    #[error("'{0}' is not a served browser library file")]
    NotServed(String),
    /// The file is not installed.
    #[error("vendor file '{0}' is missing: run `{INSTALL_COMMAND}` in the source tree, or set {VENDOR_ENV} to a node_modules folder that has it")]
    Missing(String),
}

/// Checks `request` (the part after `/vendor/`, percent-decoded) and returns the file to serve
/// inside `root`.
///
/// Rejected: empty segments other than a trailing one, `.` and `..`, backslashes, drive or
/// scheme colons, NUL; paths outside [`SERVED_PREFIXES`]; and any file that, after following
/// symbolic links, lies outside `root`.
pub fn resolve(root: &Path, request: &str) -> Result<PathBuf, VendorError> {
    let invalid = || VendorError::InvalidPath(request.to_string());
    if request.is_empty()
        || request.starts_with('/')
        || request.contains(['\\', ':', '\0'])
        || request
            .split('/')
            .any(|seg| seg.is_empty() || seg == "." || seg == "..")
    {
        return Err(invalid());
    }
    let relative = Path::new(request);
    if !relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
    {
        return Err(invalid());
    }
    if !SERVED_PREFIXES.iter().any(|p| request.starts_with(p)) {
        return Err(VendorError::NotServed(request.to_string()));
    }
    let missing = || VendorError::Missing(request.to_string());
    let file = root.join(relative);
    let real_root = root.canonicalize().map_err(|_| missing())?;
    let real_file = file.canonicalize().map_err(|_| missing())?;
    if !real_file.starts_with(&real_root) {
        return Err(invalid());
    }
    if !real_file.is_file() {
        return Err(missing());
    }
    Ok(real_file)
}

/// The `Content-Type` for a served file, by extension.
pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
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
        let root = Path::new("/nonexistent-vendor");
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
                matches!(resolve(root, bad), Err(VendorError::InvalidPath(_))),
                "{bad}"
            );
        }
        assert_eq!(
            resolve(root, "playwright-core/package.json"),
            Err(VendorError::NotServed(
                "playwright-core/package.json".into()
            ))
        );
        assert_eq!(
            resolve(root, "leaflet/dist/leaflet.js"),
            Err(VendorError::Missing("leaflet/dist/leaflet.js".into()))
        );
    }

    #[test]
    fn content_types_by_extension() {
        assert_eq!(
            content_type(Path::new("a/leaflet-src.esm.js")),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("a/images/layers.png")), "image/png");
    }
}
