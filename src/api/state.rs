//! Shared service state: the prepared data and its documents behind a lock that a reload can
//! swap, and the service's fixed settings.

use std::sync::{Arc, RwLock};

use super::docs::Docs;
use super::pages::Pages;
use super::prepared::Prepared;

/// Settings fixed for the life of the service.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// Public base URL (`https://example.org/housing`), used for every link instead of the
    /// request's `Host` header. No trailing slash.
    pub public_url: Option<String>,
    /// Base URL used when a request has no usable `Host` header (the listening address).
    pub fallback_base: String,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            public_url: None,
            fallback_base: "http://localhost".into(),
        }
    }
}

impl ServiceConfig {
    /// Checks and normalises a public URL: `http(s)://host[:port][/path]`, no query, no
    /// characters that would need escaping in JSON or HTML.
    pub fn parse_public_url(url: &str) -> Result<String, String> {
        let u = url.trim().trim_end_matches('/');
        let rest = u
            .strip_prefix("http://")
            .or_else(|| u.strip_prefix("https://"))
            .ok_or_else(|| format!("public URL '{url}' must start with http:// or https://"))?;
        let ok = !rest.is_empty()
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~:/[]@!$&()*+,;=%".contains(&b))
            && !rest.contains(['?', '#']);
        if ok {
            Ok(u.to_string())
        } else {
            Err(format!(
                "public URL '{url}' has characters that are not allowed (spaces, quotes, <, >, ?, #)"
            ))
        }
    }
}

/// The state every handler gets: cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    snapshot: RwLock<Arc<Snapshot>>,
    config: ServiceConfig,
}

/// One data load as served: the prepared data, the metadata documents built from it and the
/// pages rendered from both. Built off the request path ([`Snapshot::new`] is blocking work)
/// and swapped in whole.
#[derive(Debug)]
pub struct Snapshot {
    /// The prepared collections.
    pub data: Arc<Prepared>,
    /// The metadata documents of `data`.
    pub docs: Arc<Docs>,
    /// Response bodies rendered from `data` and `docs`, per base URL and request.
    pub pages: Arc<Pages>,
}

impl Snapshot {
    /// Builds the documents of `data` (which others, such as the BI exports, may share).
    pub fn new(data: impl Into<Arc<Prepared>>) -> Self {
        let data = data.into();
        let docs = Docs::build(&data);
        Self {
            data,
            docs: Arc::new(docs),
            pages: Arc::new(Pages::default()),
        }
    }
}

impl AppState {
    /// A state serving `data`.
    pub fn new(data: impl Into<Arc<Prepared>>, config: ServiceConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                snapshot: RwLock::new(Arc::new(Snapshot::new(data))),
                config,
            }),
        }
    }

    /// The data and documents to answer the current request from.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        match self.inner.snapshot.read() {
            Ok(g) => Arc::clone(&g),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// The data to answer the current request from.
    pub fn current(&self) -> Arc<Prepared> {
        Arc::clone(&self.snapshot().data)
    }

    /// Replaces the data (after a successful reload); requests in flight keep the old data.
    pub fn replace(&self, data: impl Into<Arc<Prepared>>) {
        self.replace_snapshot(Snapshot::new(data));
    }

    /// Swaps in a snapshot built beforehand (off the request path).
    pub fn replace_snapshot(&self, snapshot: Snapshot) {
        let new = Arc::new(snapshot);
        match self.inner.snapshot.write() {
            Ok(mut g) => *g = new,
            Err(poisoned) => *poisoned.into_inner() = new,
        }
    }

    /// Service settings.
    pub fn config(&self) -> &ServiceConfig {
        &self.inner.config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_urls_are_checked() {
        assert_eq!(
            ServiceConfig::parse_public_url("https://example.org/housing/").unwrap(),
            "https://example.org/housing"
        );
        assert!(ServiceConfig::parse_public_url("example.org").is_err());
        assert!(ServiceConfig::parse_public_url("http://a\"b").is_err());
        assert!(ServiceConfig::parse_public_url("http://a/b?x=1").is_err());
    }
}
