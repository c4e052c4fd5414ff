//! Pages as served: the body of every successful response of the OGC routes, kept per base
//! URL and request as shared bytes, so that asking again costs a reference count, not a copy.
//!
//! A body depends only on the data of one load, the base URL links are built on, the
//! negotiated format, and the request's path and query (the same inputs as its ETag), so
//! [`Pages`] belongs to one [`super::Snapshot`] and goes with it on a reload. The first
//! request renders (metadata documents from their templates, item pages from the prepared
//! features); later ones clone a [`Bytes`]. A server normally sees one or two base URLs (its
//! public URL, `localhost`); the cache is bounded in entries and bytes all the same, least
//! recently used first out, so neither many `Host` headers nor many distinct queries make it
//! grow, and a body over [`MAX_PAGE_BYTES`] (a whole national collection) is rendered per
//! request and not kept.

use std::sync::{Mutex, MutexGuard};

use axum::body::Bytes;

use super::media::Format;
use crate::lru::{CacheLimits, Lru};

/// Most pages kept per data load, and most bytes they may hold together.
pub const PAGE_LIMITS: CacheLimits = CacheLimits {
    entries: 1024,
    bytes: 32 << 20,
};

/// Largest body kept; larger ones are rendered for each request.
pub const MAX_PAGE_BYTES: usize = 4 << 20;

/// The pages of one data load, by base URL and request.
#[derive(Debug, Default)]
pub struct Pages {
    lru: Mutex<Lru<Bytes>>,
}

impl Pages {
    /// The body for (`base`, `format`, `path`, `query`): kept from an earlier request, or
    /// `render()`ed now (and kept when at most [`MAX_PAGE_BYTES`]). `render` must depend on
    /// nothing but these and the data of this load.
    pub fn get_or_render(
        &self,
        base: &str,
        format: Format,
        path: &str,
        query: &str,
        render: impl FnOnce() -> Vec<u8>,
    ) -> Bytes {
        let key = key(base, format, path, query);
        if let Some(hit) = self.lock().get(&key) {
            return hit;
        }
        // Exactly as long as the body: the cache counts what it holds.
        let body = Bytes::from(render().into_boxed_slice());
        if body.len() <= MAX_PAGE_BYTES {
            self.lock()
                .put(key, body.clone(), body.len() + 64, PAGE_LIMITS);
        }
        body
    }

    /// Pages kept, and their bytes.
    pub fn held(&self) -> (usize, usize) {
        let lru = self.lock();
        (lru.len(), lru.bytes())
    }

    fn lock(&self) -> MutexGuard<'_, Lru<Bytes>> {
        match self.lru.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

/// One key per (base, format, path, query). Neither a base URL (checked characters), a path
/// nor a raw query contains a space, so the parts cannot run into each other.
fn key(base: &str, format: Format, path: &str, query: &str) -> String {
    let f = match format {
        Format::Json => "json",
        Format::Html => "html",
    };
    let mut k = String::with_capacity(base.len() + path.len() + query.len() + 8);
    for part in [base, " ", f, " ", path, "?", query] {
        k.push_str(part);
    }
    k
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::cell::Cell;

    #[test]
    fn a_page_is_rendered_once_per_base_format_path_and_query() {
        let pages = Pages::default();
        let renders = Cell::new(0);
        let get = |base: &str, format, path: &str, query: &str| {
            pages.get_or_render(base, format, path, query, || {
                renders.set(renders.get() + 1);
                format!("{base}|{format:?}|{path}|{query}").into_bytes()
            })
        };
        let a = get("http://a", Format::Json, "/x", "limit=1");
        let again = get("http://a", Format::Json, "/x", "limit=1");
        assert_eq!(renders.get(), 1);
        assert_eq!(a, again);
        // The very same bytes, not a copy.
        assert_eq!(a.as_ptr(), again.as_ptr());
        for (base, format, path, query) in [
            ("http://b", Format::Json, "/x", "limit=1"),
            ("http://a", Format::Html, "/x", "limit=1"),
            ("http://a", Format::Json, "/y", "limit=1"),
            ("http://a", Format::Json, "/x", "limit=2"),
        ] {
            let body = get(base, format, path, query);
            assert_eq!(body, format!("{base}|{format:?}|{path}|{query}").as_bytes());
        }
        assert_eq!(renders.get(), 5);
        assert_eq!(pages.held().0, 5);
    }

    #[test]
    fn large_bodies_are_not_kept_and_the_budget_holds() {
        let pages = Pages::default();
        let big = pages.get_or_render("http://a", Format::Json, "/big", "", || {
            vec![b'x'; MAX_PAGE_BYTES + 1]
        });
        assert_eq!(big.len(), MAX_PAGE_BYTES + 1);
        assert_eq!(pages.held(), (0, 0));
        let n = PAGE_LIMITS.bytes / MAX_PAGE_BYTES + 3;
        for i in 0..n {
            pages.get_or_render("http://a", Format::Json, "/p", &i.to_string(), || {
                vec![b'x'; MAX_PAGE_BYTES]
            });
        }
        let (entries, bytes) = pages.held();
        assert!(
            entries < n && bytes <= PAGE_LIMITS.bytes,
            "{entries} {bytes}"
        );
    }
}
