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

#[tokio::test]
async fn kept_pages_answer_each_base_url_and_format_with_its_own_links() {
    let app = app();
    let host = |h: &'static str| {
        move |uri: &str| {
            Request::get(uri)
                .header(header::HOST, h)
                .body(Body::empty())
                .unwrap()
        }
    };
    let (a, b) = (host("a.example:8080"), host("b.example:9090"));
    for uri in [
        "/",
        "/collections",
        "/collections/demand",
        "/collections/demand/items?limit=3",
        "/collections/demand/items?limit=3&f=html",
        "/collections/districts/items/1489C1010",
    ] {
        // Each answer twice (the second from what the first kept), alternating hosts.
        let first_a = send(&app, a(uri)).await;
        let first_b = send(&app, b(uri)).await;
        let again_a = send(&app, a(uri)).await;
        let again_b = send(&app, b(uri)).await;
        for r in [&first_a, &first_b, &again_a, &again_b] {
            assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text());
        }
        assert!(first_a.text().contains("http://a.example:8080/"), "{uri}");
        assert!(!first_a.text().contains("b.example"), "{uri}");
        assert!(first_b.text().contains("http://b.example:9090/"), "{uri}");
        assert!(!first_b.text().contains("a.example"), "{uri}");
        assert_eq!(again_a.body, first_a.body, "{uri}");
        assert_eq!(again_b.body, first_b.body, "{uri}");
        assert_eq!(again_a.header("etag"), first_a.header("etag"), "{uri}");
        assert_ne!(first_a.header("etag"), first_b.header("etag"), "{uri}");
        // A client that has the page gets a 304 with the same ETag.
        let mut conditional = a(uri);
        conditional.headers_mut().insert(
            header::IF_NONE_MATCH,
            first_a.header("etag").parse().unwrap(),
        );
        let r = send(&app, conditional).await;
        assert_eq!(r.status, StatusCode::NOT_MODIFIED, "{uri}");
        assert_eq!(r.header("etag"), first_a.header("etag"), "{uri}");
    }
    // The same path in the other format is its own page.
    let json = send(&app, a("/collections/demand/items?limit=3")).await;
    let mut html = a("/collections/demand/items?limit=3");
    html.headers_mut()
        .insert(header::ACCEPT, "text/html".parse().unwrap());
    let html = send(&app, html).await;
    assert!(html.header("content-type").starts_with("text/html"));
    assert!(json
        .header("content-type")
        .starts_with("application/geo+json"));
    assert_ne!(json.body, html.body);
}
