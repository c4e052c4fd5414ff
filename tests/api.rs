//! Integration tests of the HTTP service (OGC API - Features).
//!
//! In-process tests drive the router with `tower::ServiceExt::oneshot` on a small hand-made
//! dataset and model run; the live tests start the real binary on the default dataset and
//! read it with real clients (GDAL's OAPIF driver, QGIS headless), skipping with a message when
//! a client is not installed.

mod api {
    pub mod support;

    mod bbox;
    mod documents;
    mod http;
    mod items;
    mod live;
    mod strict;
}
