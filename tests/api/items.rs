//! `/collections/{id}/items` and `/items/{featureId}`: paging, filters, CRS, sorting,
//! property selection and the 400s for bad values.

use std::collections::HashSet;

use axum::http::StatusCode;
use serde_json::Value;

use super::support::*;

async fn matched(uri: &str) -> (usize, Vec<String>) {
    let doc = get_json(&app(), uri).await;
    let n = doc["numberMatched"].as_u64().expect("numberMatched") as usize;
    (n, ids(&doc))
}

async fn bad(uri: &str, param: &str) {
    let r = get(&app(), uri).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}: {}", r.text());
    assert_eq!(r.header("content-type"), "application/json");
    let e = r.json();
    assert_eq!(e["code"], "InvalidParameterValue", "{uri}");
    let d = e["description"].as_str().unwrap_or("");
    assert!(
        d.contains(param),
        "{uri}: description should name '{param}': {d}"
    );
}

#[tokio::test]
async fn first_page_is_geojson_with_counts_and_ids() {
    let app = app();
    let r = get(&app, "/collections/demand/items").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), "application/geo+json");
    assert_eq!(
        r.header("content-crs"),
        "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    );
    let doc = r.json();
    assert_eq!(doc["type"], "FeatureCollection");
    assert_eq!(doc["numberMatched"], DEMAND_FEATURES);
    assert_eq!(doc["numberReturned"], DEMAND_FEATURES);
    assert!(link(&doc, "next").is_none(), "one page holds everything");
    assert!(doc["timeStamp"].as_str().unwrap_or("").ends_with('Z'));
    let f = &doc["features"][0];
    assert_eq!(f["type"], "Feature");
    assert_eq!(f["id"], "1489C1010-2020");
    assert_eq!(f["geometry"]["type"], "MultiPolygon");
    assert_eq!(f["properties"]["district"], "1489C1010");
    assert_eq!(f["properties"]["year"], 2020);
    assert_eq!(f["properties"]["observed"], true);
    let first = &f["geometry"]["coordinates"][0][0][0];
    let (lon, lat) = (first[0].as_f64().unwrap(), first[1].as_f64().unwrap());
    assert!(
        (12.0..13.0).contains(&lon) && (57.0..59.0).contains(&lat),
        "{first}"
    );
    let d = get_json(&app, "/collections/districts/items").await;
    assert_eq!(d["numberMatched"], 4);
    let p = &d["features"][0]["properties"];
    assert_eq!(d["features"][0]["id"], "1489C1010");
    assert_eq!(p["population"], 340.0);
    assert_eq!(p["population_80_plus"], 20.0);
    assert_eq!(p["dwellings"], 100.0);
    assert_eq!(p["care_home_places"], 5.0);
    assert_eq!(p["area_km2"], 6.25);
    assert_eq!(p["base_year"], BASE_YEAR);
}

#[tokio::test]
async fn walking_pages_of_seven_loses_and_repeats_nothing() {
    let app = app();
    let pages = walk(&app, "/collections/demand/items?limit=7").await;
    assert_eq!(pages.len(), DEMAND_FEATURES.div_ceil(7));
    let mut seen = HashSet::new();
    for (i, p) in pages.iter().enumerate() {
        assert_eq!(p["numberMatched"], DEMAND_FEATURES);
        let page_ids = ids(p);
        assert_eq!(p["numberReturned"].as_u64(), Some(page_ids.len() as u64));
        let last = i + 1 == pages.len();
        assert_eq!(page_ids.len(), if last { DEMAND_FEATURES % 7 } else { 7 });
        assert_eq!(
            link(p, "next").is_none(),
            last,
            "next link on every page but the last"
        );
        assert_eq!(link(p, "prev").is_some(), i > 0);
        for id in page_ids {
            assert!(seen.insert(id.clone()), "{id} returned twice");
        }
    }
    let expected: HashSet<String> = model_run(&dataset())
        .rows
        .iter()
        .map(|r| format!("{}-{}", r.district, r.year))
        .collect();
    assert_eq!(seen, expected);

    // The same with a filter, a sort and a CRS: the next links carry them.
    let pages = walk(
        &app,
        "/collections/demand/items?limit=7&observed=false&sortby=-gap&crs=http://www.opengis.net/def/crs/EPSG/0/3006&f=json",
    )
    .await;
    let features: Vec<Value> = pages
        .iter()
        .flat_map(|p| p["features"].as_array().cloned().unwrap_or_default())
        .collect();
    assert_eq!(features.len(), 28);
    let gaps: Vec<f64> = features
        .iter()
        .map(|f| f["properties"]["gap"].as_f64().unwrap())
        .collect();
    assert!(
        gaps.windows(2).all(|w| w[0] >= w[1]),
        "sorted by gap descending"
    );
    assert!(features
        .iter()
        .all(|f| f["properties"]["observed"] == false));
    let y = features[0]["geometry"]["coordinates"][0][0][0][0]
        .as_f64()
        .unwrap();
    assert!(y > 6_000_000.0, "EPSG:3006 northing first on every page");
}

#[tokio::test]
async fn limit_is_clamped_offset_pages() {
    let doc = get_json(&app(), "/collections/demand/items?limit=50000").await;
    assert_eq!(doc["numberReturned"], DEMAND_FEATURES);
    let alt = link(&doc, "alternate").unwrap();
    assert!(alt.contains("limit=10000"), "{alt}");
    let (n, page) = matched("/collections/demand/items?limit=5&offset=40").await;
    assert_eq!(n, DEMAND_FEATURES);
    assert_eq!(page.len(), 4);
    let doc = get_json(&app(), "/collections/demand/items?offset=100").await;
    assert_eq!(doc["numberReturned"], 0);
    assert!(link(&doc, "next").is_none());
}

#[tokio::test]
async fn bad_values_are_400_naming_the_parameter() {
    for (uri, param) in [
        ("/collections/demand/items?limit=abc", "limit"),
        ("/collections/demand/items?limit=0", "limit"),
        ("/collections/demand/items?limit=-3", "limit"),
        ("/collections/demand/items?limit=5&limit=6", "limit"),
        ("/collections/demand/items?offset=x", "offset"),
        ("/collections/demand/items?bbox=1,2,3", "bbox"),
        ("/collections/demand/items?bbox=a,b,c,d", "bbox"),
        ("/collections/demand/items?bbox=12,58,13,57", "bbox"),
        ("/collections/demand/items?bbox=12,-95,13,57", "bbox"),
        (
            "/collections/demand/items?bbox=1,2,3,4&bbox-crs=EPSG:3857",
            "bbox-crs",
        ),
        ("/collections/demand/items?crs=EPSG:3857", "crs"),
        (
            "/collections/demand/items/1489C1010-2025?crs=urn:nope",
            "crs",
        ),
        ("/collections/demand/items?datetime=next%20year", "datetime"),
        ("/collections/demand/items?datetime=2030/2020", "datetime"),
        ("/collections/demand/items?year=twenty", "year"),
        ("/collections/districts/items?datetime=2025", "datetime"),
        ("/collections/districts/items?year=2025", "year"),
        ("/collections/demand/items?observed=maybe", "observed"),
        ("/collections/demand/items?gap=lots", "gap"),
        ("/collections/demand/items?sortby=nope", "sortby"),
        (
            "/collections/demand/items?properties=gap,nope",
            "properties",
        ),
        ("/collections/demand/items?filter=gap%3E0", "filter"),
        ("/collections/demand/items?f=xml", "f"),
    ] {
        bad(uri, param).await;
    }
}

#[tokio::test]
async fn bbox_selects_by_geometry_in_each_crs() {
    // District 0 spans E 350,000–352,500, N 6,420,000–6,422,500.
    let (n, got) =
        matched("/collections/demand/items?bbox=350100,6420100,350200,6420200&bbox-crs=EPSG:3006")
            .await;
    assert_eq!(
        n, 0,
        "EPSG:3006 is northing, easting: this box is nowhere: {got:?}"
    );
    let (n, got) = matched(
        "/collections/demand/items?bbox=6420100,350100,6420200,350200&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/3006",
    )
    .await;
    assert_eq!(n, 11);
    assert!(got.iter().all(|id| id.starts_with("1489C1010-")));
    // The same place in CRS84 and EPSG:4326, with QGIS's 17 significant digits.
    let c = to_lonlat(geo::Coord {
        x: 350_150.0,
        y: 6_420_150.0,
    });
    let (lon0, lat0, lon1, lat1) = (c.x - 0.001, c.y - 0.001, c.x + 0.001, c.y + 0.001);
    let (n, _) = matched(&format!(
        "/collections/demand/items?bbox={lon0:.17},{lat0:.17},{lon1:.17},{lat1:.17}"
    ))
    .await;
    assert_eq!(n, 11);
    let (n, _) = matched(&format!(
        "/collections/districts/items?bbox={lat0},{lon0},{lat1},{lon1}&bbox-crs=EPSG:4326"
    ))
    .await;
    assert_eq!(n, 1);
    // A box between districts 0 and 1 (the 500 m gap) meets no geometry.
    let (n, _) = matched(
        "/collections/districts/items?bbox=6420100,352600,6420200,352900&bbox-crs=EPSG:3006",
    )
    .await;
    assert_eq!(n, 0);
    // A box over everything.
    let (n, _) = matched("/collections/districts/items?bbox=11,57,14,59").await;
    assert_eq!(n, 4);
}

#[tokio::test]
async fn crs_sets_coordinates_axis_order_and_content_crs() {
    let app = app();
    let uri = "/collections/districts/items/1489C1010";
    let r = get(
        &app,
        &format!("{uri}?crs=http://www.opengis.net/def/crs/EPSG/0/3006"),
    )
    .await;
    assert_eq!(
        r.header("content-crs"),
        "<http://www.opengis.net/def/crs/EPSG/0/3006>"
    );
    let first = &r.json()["geometry"]["coordinates"][0][0][0];
    assert_eq!(
        first,
        &serde_json::json!([6420000, 350000]),
        "northing, easting"
    );
    let r = get(
        &app,
        &format!("{uri}?crs=http://www.opengis.net/def/crs/EPSG/0/4326"),
    )
    .await;
    assert_eq!(
        r.header("content-crs"),
        "<http://www.opengis.net/def/crs/EPSG/0/4326>"
    );
    let first = &r.json()["geometry"]["coordinates"][0][0][0];
    let (a, b) = (first[0].as_f64().unwrap(), first[1].as_f64().unwrap());
    assert!(a > 57.0 && b < 13.0, "latitude, longitude: {first}");
    let r = get(&app, uri).await;
    let first = &r.json()["geometry"]["coordinates"][0][0][0];
    assert!(
        first[0].as_f64().unwrap() < 13.0,
        "CRS84 is longitude first"
    );
}

#[tokio::test]
async fn datetime_and_year_select_years() {
    for (query, n) in [
        ("datetime=2025", 4),
        ("datetime=2025-06-30", 4),
        ("datetime=2025-12-31T23:00:00Z", 4),
        ("datetime=2025/2027", 12),
        ("datetime=../2021", 8),
        ("datetime=2029-06-01T00:00:00Z/..", 8),
        ("datetime=2029-01-01T00:00:00Z/9999-12-31T00:00:00Z", 8),
        ("year=2030", 4),
        ("year=2028/..", 12),
        ("year=2030&datetime=2020/2029", 0),
        ("year=1999", 0),
    ] {
        let (got, ids) = matched(&format!("/collections/demand/items?{query}")).await;
        assert_eq!(got, n, "{query}: {ids:?}");
    }
    let doc = get_json(&app(), "/collections/demand/items?year=2030").await;
    for f in doc["features"].as_array().unwrap() {
        assert_eq!(f["properties"]["year"], 2030);
    }
}

#[tokio::test]
async fn property_filters_match_by_equality() {
    for (query, n) in [
        ("district=1489C1020", 11),
        ("district=1489C1020&district=1489C1010", 22),
        ("name=%C3%96den%C3%A4s", 11),
        ("district=1489R%20030&year=2025", 1),
        ("observed=true", 16),
        ("observed=false&district=1489C1010", 7),
        ("gap=-5", 1),
        ("care_places_needed=3", 4),
        ("district=unknown", 0),
    ] {
        let (got, ids) = matched(&format!("/collections/demand/items?{query}")).await;
        assert_eq!(got, n, "{query}: {ids:?}");
    }
}

#[tokio::test]
async fn sortby_orders_and_properties_select() {
    let doc = get_json(
        &app(),
        "/collections/demand/items?sortby=%2Byear,-gap&limit=8",
    )
    .await;
    let rows: Vec<(i64, f64)> = doc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["properties"]["year"].as_i64().unwrap(),
                f["properties"]["gap"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows[0].0, 2020);
    assert_eq!(rows[4].0, 2021);
    assert!(rows[0].1 > rows[1].1 && rows[1].1 > rows[2].1);
    // An unencoded '+' arrives as a space and means ascending too.
    let doc = get_json(
        &app(),
        "/collections/demand/items?sortby=+year&limit=1&offset=43",
    )
    .await;
    assert_eq!(doc["features"][0]["properties"]["year"], 2030);

    let doc = get_json(
        &app(),
        "/collections/demand/items?properties=year,gap&limit=2",
    )
    .await;
    for f in doc["features"].as_array().unwrap() {
        let keys: Vec<&String> = f["properties"].as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 2);
        assert!(f["properties"]["gap"].is_number() && f["properties"]["year"].is_number());
        assert!(f["geometry"].is_object());
    }
    let doc = get_json(&app(), "/collections/demand/items?properties=&limit=1").await;
    assert_eq!(doc["features"][0]["properties"], serde_json::json!({}));
}

#[tokio::test]
async fn single_feature_by_id() {
    let app = app();
    let doc = get_json(&app, "/collections/demand/items/1489R%20030-2025").await;
    assert_eq!(doc["type"], "Feature");
    assert_eq!(doc["id"], "1489R 030-2025");
    assert_eq!(doc["properties"]["name"], "Sollebrunn");
    assert_eq!(
        link(&doc, "self").unwrap(),
        format!("{BASE}/collections/demand/items/1489R%20030-2025")
    );
    assert_eq!(
        link(&doc, "collection").unwrap(),
        format!("{BASE}/collections/demand")
    );
    let doc = get_json(
        &app,
        "/collections/demand/items/1489C1010-2025?properties=gap",
    )
    .await;
    assert_eq!(doc["properties"].as_object().unwrap().len(), 1);
    // Links in a page point at the features with encoded ids.
    let page = get(
        &app,
        "/collections/demand/items?f=html&district=1489R%20030",
    )
    .await;
    assert!(page
        .text()
        .contains("/collections/demand/items/1489R%20030-2020?f=html"));
}
