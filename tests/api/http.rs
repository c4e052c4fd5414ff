//! HTTP behaviour: ETag and 304, compression, CORS, OPTIONS, HEAD, 405, caching headers and
//! swapping the data.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use housing_need::api::{self, AppState, ServiceConfig};

use super::support::*;

#[tokio::test]
async fn etag_and_if_none_match_give_304() {
    let app = app();
    let r = get(&app, "/collections/demand/items?limit=5").await;
    let etag = r.header("etag").to_string();
    assert!(etag.starts_with("W/\""), "{etag}");
    assert_eq!(r.header("cache-control"), "public, max-age=60");
    let again = get_with(
        &app,
        "/collections/demand/items?limit=5",
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), etag);
    let other = get(&app, "/collections/demand/items?limit=6").await;
    assert_ne!(other.header("etag"), etag);
    let stale = get_with(
        &app,
        "/collections/demand/items?limit=5",
        &[("if-none-match", "W/\"0000\"")],
    )
    .await;
    assert_eq!(stale.status, StatusCode::OK);
    for uri in [
        "/",
        "/api",
        "/collections",
        "/collections/demand/queryables",
    ] {
        let r = get(&app, uri).await;
        let e = r.header("etag").to_string();
        assert!(!e.is_empty(), "{uri}");
        let again = get_with(&app, uri, &[("if-none-match", &e)]).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{uri}");
    }
}

#[tokio::test]
async fn responses_are_compressed_on_request() {
    let app = app();
    for enc in ["gzip", "br"] {
        let r = get_with(
            &app,
            "/collections/demand/items",
            &[("accept-encoding", enc)],
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.header("content-encoding"), enc);
        let plain = get(&app, "/collections/demand/items").await;
        assert!(r.body.len() * 3 < plain.body.len(), "{enc} compresses");
    }
}

#[tokio::test]
async fn cors_allows_any_origin() {
    let app = app();
    let r = get_with(
        &app,
        "/collections",
        &[("origin", "https://dashboard.example")],
    )
    .await;
    assert_eq!(r.header("access-control-allow-origin"), "*");
    let pre = send(
        &app,
        Request::builder()
            .method(Method::OPTIONS)
            .uri("/collections/demand/items")
            .header(header::HOST, "test.local:8080")
            .header("origin", "https://dashboard.example")
            .header("access-control-request-method", "GET")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(pre.status.is_success());
    assert!(pre.header("access-control-allow-methods").contains("GET"));
}

#[tokio::test]
async fn options_head_and_other_methods() {
    let app = app();
    let req = |m: Method, uri: &str| {
        Request::builder()
            .method(m)
            .uri(uri)
            .header(header::HOST, "test.local:8080")
            .body(Body::empty())
            .unwrap()
    };
    let o = send(&app, req(Method::OPTIONS, "/collections/demand/items")).await;
    assert_eq!(o.status, StatusCode::NO_CONTENT);
    assert_eq!(o.header("allow"), "GET, HEAD, OPTIONS");
    let h = send(&app, req(Method::HEAD, "/collections/demand/items")).await;
    assert_eq!(h.status, StatusCode::OK);
    assert_eq!(h.header("content-type"), "application/geo+json");
    assert!(h.body.is_empty());
    let p = send(&app, req(Method::POST, "/collections/demand/items")).await;
    assert_eq!(p.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(p.json()["code"], "MethodNotAllowed");
    assert!(p.header("allow").contains("GET"));
}

#[tokio::test]
async fn without_host_header_links_use_the_listening_address() {
    let app = app_with(ServiceConfig {
        public_url: None,
        fallback_base: "http://127.0.0.1:9999".into(),
    });
    let r = send(&app, Request::get("/").body(Body::empty()).unwrap()).await;
    assert!(r.text().contains("http://127.0.0.1:9999/collections"));
    // A Host header with characters that do not belong there is not echoed.
    let r = send(
        &app,
        Request::get("/")
            .header(header::HOST, "evil\"<x>")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(!r.text().contains("evil"));
    assert!(r.text().contains("http://127.0.0.1:9999/collections"));
}

#[tokio::test]
async fn replacing_the_data_changes_answers_and_etags() {
    let ds = dataset();
    let run = model_run(&ds);
    let state = AppState::new(api::prepare(&ds, &run), ServiceConfig::default());
    let app = api::app(state.clone());
    let before = get(&app, "/collections/demand/items?limit=1").await;
    assert_eq!(before.json()["numberMatched"], DEMAND_FEATURES);
    let mut smaller = run.clone();
    smaller.rows.retain(|r| r.year == 2030);
    state.replace(api::prepare(&ds, &smaller));
    let after = get(&app, "/collections/demand/items?limit=1").await;
    assert_eq!(after.json()["numberMatched"], 4);
    assert_ne!(before.header("etag"), after.header("etag"));
}
