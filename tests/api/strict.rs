//! Strict OGC API - Features behaviour and the one error body: unknown and repeated
//! parameters, empty values, clamped `limit`, and the same JSON error, security headers and
//! `Allow` from every router (OGC, dashboard, exports, vendor files).

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::Value;

use super::support::*;

async fn error(uri: &str, status: StatusCode, code: &str) -> Value {
    let r = get(&app_with_dashboard(), uri).await;
    assert_eq!(r.status, status, "{uri}: {}", r.text());
    assert_eq!(r.header("content-type"), "application/json", "{uri}");
    assert_eq!(r.header("x-content-type-options"), "nosniff", "{uri}");
    let e = r.json();
    assert_eq!(e["code"], code, "{uri}: {e}");
    assert!(e["description"].as_str().is_some_and(|d| !d.is_empty()));
    e
}

#[tokio::test]
async fn unknown_parameters_are_400_naming_them() {
    for (uri, name) in [
        ("/collections/demand/items?f=json&foo=bar", "foo"),
        ("/collections/demand/items?%ff=1", "\u{fffd}"),
        ("/collections?bbox=1,2,3,4", "bbox"),
        ("/?limit=10", "limit"),
        ("/conformance?x=1", "x"),
        ("/api?q=", "q"),
        ("/collections/demand?year=2030", "year"),
        ("/collections/demand/queryables?limit=1", "limit"),
        ("/collections/demand/items/1489C1010-2030?limit=1", "limit"),
        ("/bottlenecks?format=csv", "format"),
        ("/export/demand.csv?f=csv", "f"),
    ] {
        let e = error(uri, StatusCode::BAD_REQUEST, "UnknownParameter").await;
        assert_eq!(e["parameter"], name, "{uri}: {e}");
        assert!(
            e["description"].as_str().unwrap_or("").contains(name),
            "{uri}: {e}"
        );
    }
    // What GDAL's and QGIS's OAPIF clients send stays accepted, and so do property filters.
    for uri in [
        "/collections?f=json",
        "/collections/demand/items?f=json&limit=10&offset=10",
        "/collections/demand/items?limit=10&bbox=12,57,13,58",
        "/collections/demand/items?year=2030&district=1489C1010",
        "/collections/demand/items/1489C1010-2030?f=json&crs=EPSG:3006&properties=year",
    ] {
        get_json(&app(), uri).await;
    }
}

#[tokio::test]
async fn repeated_parameters_are_400() {
    for (uri, name) in [
        ("/collections/demand/items?f=json&f=html", "f"),
        ("/?f=json&f=json", "f"),
        ("/collections/demand/items?limit=1&limit=2", "limit"),
        (
            "/collections/demand/items?bbox=1,2,3,4&bbox=1,2,3,4",
            "bbox",
        ),
        ("/bottlenecks?f=csv&f=json", "f"),
    ] {
        let e = error(uri, StatusCode::BAD_REQUEST, "InvalidParameterValue").await;
        assert_eq!(e["parameter"], name, "{uri}: {e}");
    }
    // A property filter repeated means any of its values.
    let doc = get_json(
        &app(),
        "/collections/demand/items?year=2030&district=1489C1010&district=1489C1020",
    )
    .await;
    assert_eq!(doc["numberMatched"], 2);
}

#[tokio::test]
async fn empty_values_say_what_the_parameter_takes() {
    for (uri, name, says) in [
        (
            "/collections/demand/items?datetime=",
            "datetime",
            "RFC 3339",
        ),
        ("/collections/demand/items?year=", "year", "a year"),
        ("/collections/demand/items?limit=", "limit", "whole number"),
        (
            "/collections/demand/items?bbox=",
            "bbox",
            "comma-separated numbers",
        ),
        ("/collections/demand/items?crs=", "crs", "CRS"),
        ("/collections/demand/items?f=", "f", "json or html"),
    ] {
        let e = error(uri, StatusCode::BAD_REQUEST, "InvalidParameterValue").await;
        assert_eq!(e["parameter"], name, "{uri}");
        let d = e["description"].as_str().unwrap_or("");
        assert!(d.contains("is empty") && d.contains(says), "{uri}: {d}");
    }
    // `properties=` is a valid request for no properties.
    let doc = get_json(&app(), "/collections/demand/items?properties=&limit=1").await;
    assert_eq!(doc["features"][0]["properties"], serde_json::json!({}));
}

#[tokio::test]
async fn a_huge_limit_is_clamped_and_a_huge_offset_is_an_empty_page() {
    let doc = get_json(
        &app(),
        "/collections/demand/items?limit=1208925819614629174706176",
    )
    .await;
    assert_eq!(doc["numberReturned"], DEMAND_FEATURES);
    let next = link(&doc, "next");
    assert!(next.is_none(), "{next:?}");
    let doc = get_json(
        &app(),
        "/collections/demand/items?offset=99999999999999999999999",
    )
    .await;
    assert_eq!(doc["numberReturned"], 0);
    assert_eq!(doc["numberMatched"], DEMAND_FEATURES);
}

#[tokio::test]
async fn every_router_answers_the_same_error_body_and_headers() {
    let app = app_with_dashboard();
    let req = |m: Method, uri: &str| {
        Request::builder()
            .method(m)
            .uri(uri)
            .header(header::HOST, "test.local:8080")
            .body(Body::empty())
            .expect("request")
    };
    for (m, uri, status, code) in [
        (Method::GET, "/nowhere", StatusCode::NOT_FOUND, "NotFound"),
        (
            Method::GET,
            "/export/nothing.csv",
            StatusCode::NOT_FOUND,
            "NotFound",
        ),
        (
            Method::GET,
            "/dashboard/assets/x.js",
            StatusCode::NOT_FOUND,
            "NotFound",
        ),
        (
            Method::POST,
            "/collections",
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
        ),
        (
            Method::DELETE,
            "/dashboard",
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
        ),
        (
            Method::PUT,
            "/export/demand.csv",
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
        ),
        (
            Method::POST,
            "/vendor/leaflet/dist/leaflet.js",
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
        ),
        (
            Method::POST,
            "/bottlenecks",
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
        ),
        (
            Method::GET,
            "/vendor/leaflet/dist/../../../etc/passwd",
            StatusCode::BAD_REQUEST,
            "InvalidPath",
        ),
        (
            Method::GET,
            "/collections/%ff",
            StatusCode::BAD_REQUEST,
            "InvalidPath",
        ),
    ] {
        let r = send(&app, req(m.clone(), uri)).await;
        assert_eq!(r.status, status, "{m} {uri}: {}", r.text());
        assert_eq!(r.header("content-type"), "application/json", "{m} {uri}");
        assert_eq!(r.header("x-content-type-options"), "nosniff", "{m} {uri}");
        assert_eq!(r.header("cache-control"), "no-store", "{m} {uri}");
        assert_eq!(r.json()["code"], code, "{m} {uri}");
        if status == StatusCode::METHOD_NOT_ALLOWED {
            assert_eq!(r.header("allow"), "GET, HEAD, OPTIONS", "{m} {uri}");
        }
    }
    // An over-long request target and oversized headers.
    let long = format!("/collections?f={}", "x".repeat(10_000));
    let r = get(&app, &long).await;
    assert_eq!(r.status, StatusCode::URI_TOO_LONG);
    assert_eq!(r.json()["code"], "URITooLong");
    let big = "y".repeat(20_000);
    let r = get_with(&app, "/", &[("x-big", big.as_str())]).await;
    assert_eq!(r.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert_eq!(r.json()["code"], "RequestHeaderFieldsTooLarge");
    // Errors echo no markup unescaped into HTML: they are JSON with nosniff.
    let r = get(&app, "/collections/%3Cscript%3E").await;
    assert_eq!(r.header("content-type"), "application/json");
    assert_eq!(r.header("x-content-type-options"), "nosniff");
}

#[tokio::test]
async fn html_pages_have_a_content_security_policy() {
    let app = app_with_dashboard();
    for uri in ["/?f=html", "/collections/demand/items?f=html", "/dashboard"] {
        let r = get(&app, uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        let csp = r.header("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{uri}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{uri}: {csp}");
        assert_eq!(r.header("x-content-type-options"), "nosniff", "{uri}");
        assert_eq!(r.header("referrer-policy"), "no-referrer", "{uri}");
    }
    let r = get(&app, "/collections").await;
    assert_eq!(r.header("x-content-type-options"), "nosniff");
    assert_eq!(r.header("content-security-policy"), "");
}
