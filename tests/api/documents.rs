//! Landing page, conformance, OpenAPI, collections, queryables, HTML and 404s.

use axum::http::StatusCode;
use housing_need::api::ServiceConfig;
use serde_json::Value;

use super::support::*;

/// Every `href` anywhere in `v`.
fn hrefs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "href" {
                    out.push(x.as_str().unwrap_or("").to_string());
                } else {
                    hrefs(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| hrefs(x, out)),
        _ => {}
    }
}

fn find_link<'a>(doc: &'a Value, rel: &str) -> &'a Value {
    doc["links"]
        .as_array()
        .and_then(|a| a.iter().find(|l| l["rel"] == rel))
        .unwrap_or_else(|| panic!("no link rel={rel} in {doc}"))
}

#[tokio::test]
async fn landing_page_links_what_qgis_needs() {
    let app = app();
    let r = get(&app, "/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), "application/json");
    let doc = r.json();
    assert_eq!(doc["title"], "Alingsås test");
    let desc = find_link(&doc, "service-desc");
    assert_eq!(desc["href"], format!("{BASE}/api"));
    assert_eq!(desc["type"], "application/vnd.oai.openapi+json;version=3.0");
    assert_eq!(find_link(&doc, "service-doc")["type"], "text/html");
    assert_eq!(
        find_link(&doc, "conformance")["href"],
        format!("{BASE}/conformance")
    );
    let data = find_link(&doc, "data");
    assert_eq!(data["href"], format!("{BASE}/collections"));
    assert_eq!(data["type"], "application/json");
}

#[tokio::test]
async fn every_link_is_absolute() {
    let app = app();
    for uri in [
        "/",
        "/collections",
        "/collections/demand",
        "/collections/districts",
        "/collections/demand/items?limit=3&year=2025",
        "/collections/demand/items/1489C1010-2025",
    ] {
        let mut all = Vec::new();
        hrefs(&get_json(&app, uri).await, &mut all);
        assert!(!all.is_empty(), "{uri} has links");
        for h in all {
            assert!(h.starts_with(BASE), "{uri}: relative or foreign link {h}");
        }
    }
}

#[tokio::test]
async fn public_url_replaces_the_host() {
    let app = app_with(ServiceConfig {
        public_url: Some("https://maps.example.org/housing".into()),
        ..Default::default()
    });
    let doc = get_json(&app, "/collections/demand/items?limit=5").await;
    let next = link(&doc, "next").expect("next link");
    assert!(
        next.starts_with("https://maps.example.org/housing/collections/demand/items?"),
        "{next}"
    );
}

#[tokio::test]
async fn conformance_declares_only_what_is_implemented() {
    let doc = get_json(&app(), "/conformance").await;
    let mut got: Vec<&str> = doc["conformsTo"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    got.sort_unstable();
    assert_eq!(
        got,
        [
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
            "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
        ]
    );
}

#[tokio::test]
async fn openapi_declares_limit_default_and_maximum() {
    let app = app();
    let r = get(&app, "/api").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header("content-type"),
        "application/vnd.oai.openapi+json;version=3.0"
    );
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap_or("").starts_with("3.0"));
    let schema = &doc["components"]["parameters"]["limit"]["schema"];
    assert_eq!(schema["type"], "integer");
    assert_eq!(schema["default"], 100);
    assert_eq!(schema["maximum"], 10000);
    assert_eq!(doc["servers"][0]["url"], BASE);
    // GDAL finds server-side filters among the parameters of each items path.
    let params = doc["paths"]["/collections/demand/items"]["get"]["parameters"]
        .as_array()
        .expect("parameters");
    assert!(params.iter().any(|p| p["name"] == "district"));
    assert!(params
        .iter()
        .any(|p| p["$ref"] == "#/components/parameters/limit"));
    assert!(params
        .iter()
        .any(|p| p["$ref"] == "#/components/parameters/datetime"));
    let district_params = doc["paths"]["/collections/districts/items"]["get"]["parameters"]
        .as_array()
        .expect("parameters");
    assert!(!district_params
        .iter()
        .any(|p| p["$ref"] == "#/components/parameters/datetime"));
    // Every $ref resolves.
    let text = r.text();
    for part in text.split("\"$ref\":\"#/").skip(1) {
        let target = part.split('"').next().unwrap_or("");
        let mut node = &doc;
        for seg in target.split('/') {
            node = &node[seg];
        }
        assert!(!node.is_null(), "dangling $ref #/{target}");
    }
}

#[tokio::test]
async fn collections_describe_extent_crs_and_time() {
    let doc = get_json(&app(), "/collections").await;
    let cols = doc["collections"].as_array().expect("collections");
    let ids: Vec<&str> = cols.iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(ids, ["districts", "demand"]);
    for c in cols {
        let bbox = &c["extent"]["spatial"]["bbox"][0];
        let (lon0, lat0) = (bbox[0].as_f64().unwrap(), bbox[1].as_f64().unwrap());
        let (lon1, lat1) = (bbox[2].as_f64().unwrap(), bbox[3].as_f64().unwrap());
        assert!(12.0 < lon0 && lon0 < lon1 && lon1 < 13.0, "{bbox}");
        assert!(57.8 < lat0 && lat0 < lat1 && lat1 < 58.0, "{bbox}");
        assert_eq!(
            c["extent"]["spatial"]["crs"],
            "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
        );
        assert_eq!(
            c["crs"],
            serde_json::json!([
                "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                "http://www.opengis.net/def/crs/EPSG/0/4326",
                "http://www.opengis.net/def/crs/EPSG/0/3006"
            ])
        );
        assert_eq!(
            c["storageCrs"],
            "http://www.opengis.net/def/crs/EPSG/0/3006"
        );
        assert_eq!(c["itemType"], "feature");
        let items = c["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "items" && l["type"] == "application/geo+json")
            .expect("items link");
        assert_eq!(
            items["href"],
            format!("{BASE}/collections/{}/items", c["id"].as_str().unwrap())
        );
    }
    let demand = &cols[1];
    assert_eq!(
        demand["extent"]["temporal"]["interval"],
        serde_json::json!([["2020-01-01T00:00:00Z", "2030-12-31T23:59:59Z"]])
    );
    assert!(cols[0]["extent"]["temporal"].is_null());
    let one = get_json(&app(), "/collections/demand").await;
    assert_eq!(&one, demand);
}

#[tokio::test]
async fn queryables_list_every_property_with_its_type() {
    let app = app();
    let r = get(&app, "/collections/demand/queryables").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), "application/schema+json");
    let doc = r.json();
    assert_eq!(doc["type"], "object");
    assert_eq!(doc["$id"], format!("{BASE}/collections/demand/queryables"));
    let p = &doc["properties"];
    assert_eq!(p["district"]["type"], "string");
    assert_eq!(p["year"]["type"], "integer");
    assert_eq!(p["observed"]["type"], "boolean");
    assert_eq!(p["gap"]["type"], "number");
    assert!(p["gap"]["description"]
        .as_str()
        .unwrap_or("")
        .contains("shortage"));
    let row = serde_json::to_value(&model_run(&dataset()).rows[0]).unwrap();
    assert_eq!(
        p.as_object().unwrap().len(),
        row.as_object().unwrap().len() + 6,
        "one queryable per DemandRow field, and the low and high ends of population, \
         dwellings needed and gap"
    );
    let d = get_json(&app, "/collections/districts/queryables").await;
    for name in [
        "district",
        "name",
        "base_year",
        "area_km2",
        "population",
        "population_0_4",
        "population_80_plus",
        "dwellings",
        "care_home_places",
    ] {
        assert!(!d["properties"][name].is_null(), "districts lacks {name}");
    }
}

#[tokio::test]
async fn browsers_get_html() {
    let app = app();
    let accept = [(
        "accept",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    )];
    for uri in [
        "/",
        "/conformance",
        "/api",
        "/collections",
        "/collections/demand",
        "/collections/demand/queryables",
        "/collections/demand/items?limit=5",
        "/collections/demand/items/1489Ö040-2030",
    ] {
        let uri = uri.replace('Ö', "%C3%96");
        let r = get_with(&app, &uri, &accept).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        assert_eq!(
            r.header("content-type"),
            "text/html; charset=utf-8",
            "{uri}"
        );
        let t = r.text();
        assert!(t.starts_with("<!DOCTYPE html>"), "{uri}");
        assert!(!t.contains("<script"), "{uri}");
    }
    let r = get(&app, "/collections/demand/items?f=html&limit=5").await;
    assert!(r.text().contains("Ödenäs") || r.text().contains("Centrum"));
    assert!(r.text().contains("next ›"));
    // f=json wins over Accept.
    let r = get_with(&app, "/collections?f=json", &accept).await;
    assert_eq!(r.header("content-type"), "application/json");
    // HTML escapes what it shows.
    assert!(!get(&app, "/?f=html").await.text().contains("<script"));
}

#[tokio::test]
async fn unknown_things_are_404_json() {
    let app = app();
    for (uri, needle) in [
        ("/collections/nope", "no collection 'nope'"),
        ("/collections/nope/items", "no collection 'nope'"),
        (
            "/collections/demand/items/1489C1010-1999",
            "no feature '1489C1010-1999'",
        ),
        ("/nowhere", "no such path"),
    ] {
        let r = get(&app, uri).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(r.header("content-type"), "application/json");
        let e = r.json();
        assert_eq!(e["code"], "NotFound");
        assert!(
            e["description"].as_str().unwrap_or("").contains(needle),
            "{uri}: {e}"
        );
    }
}
