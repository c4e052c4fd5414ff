//! `bbox` selects the features whose geometry intersects the closed box: points on an edge or
//! a corner and polygons touching the box from outside belong to it, in CRS84, EPSG:4326 and
//! EPSG:3006; a box equal to a collection's published extent selects every feature.

use axum::Router;
use geo::{point, polygon, Coord, Geometry, MapCoords};
use housing_need::api::{self, AppState, CollectionBuilder, Prepared, ServiceConfig};
use serde_json::Value;

use super::support::*;

/// The box, in SWEREF 99 TM easting/northing.
const MIN: (f64, f64) = (350_000.0, 6_420_000.0);
const MAX: (f64, f64) = (352_000.0, 6_422_000.0);

fn both(g: Geometry<f64>) -> (Geometry<f64>, Geometry<f64>) {
    let lonlat = g.map_coords(to_lonlat);
    (g, lonlat)
}

/// A collection of points on every edge and corner of the box, one inside, one outside, and
/// polygons touching the box from outside along an edge and at a corner, one apart.
fn boundary_app() -> Router {
    let (x0, y0) = MIN;
    let (x1, y1) = MAX;
    let xm = (x0 + x1) / 2.0;
    let ym = (y0 + y1) / 2.0;
    let kind = housing_need::layers::Field {
        name: "kind".into(),
        kind: housing_need::layers::FieldKind::Text,
        unit: None,
        description: "What the feature is".into(),
    };
    let mut b =
        CollectionBuilder::new("edges", "Edges", "points and polygons on a box", vec![kind]);
    let mut add = |id: &str, g: Geometry<f64>| {
        let (metric, lonlat) = both(g);
        let s = b.shape(metric, lonlat);
        b.feature(id, Some(s), None, vec![Value::from(id)]);
    };
    for (id, x, y) in [
        ("corner-sw", x0, y0),
        ("corner-se", x1, y0),
        ("corner-ne", x1, y1),
        ("corner-nw", x0, y1),
        ("edge-s", xm, y0),
        ("edge-e", x1, ym),
        ("edge-n", xm, y1),
        ("edge-w", x0, ym),
        ("inside", xm, ym),
    ] {
        add(id, point!(x: x, y: y).into());
    }
    add("outside", point!(x: x1 + 10.0, y: ym).into());
    add(
        "touches-east-edge",
        polygon![(x: x1, y: y0 + 500.0), (x: x1 + 800.0, y: y0 + 500.0), (x: x1 + 800.0, y: y0 + 900.0), (x: x1, y: y0 + 900.0), (x: x1, y: y0 + 500.0)].into(),
    );
    add(
        "touches-ne-corner",
        polygon![(x: x1, y: y1), (x: x1 + 500.0, y: y1), (x: x1 + 500.0, y: y1 + 500.0), (x: x1, y: y1 + 500.0), (x: x1, y: y1)].into(),
    );
    add(
        "apart",
        polygon![(x: x1 + 5.0, y: y0), (x: x1 + 500.0, y: y0), (x: x1 + 500.0, y: y0 + 500.0), (x: x1 + 5.0, y: y0 + 500.0), (x: x1 + 5.0, y: y0)].into(),
    );
    let data = Prepared::new("t", "boundary test", vec![b.build()]);
    api::app(AppState::new(data, ServiceConfig::default()))
}

const ON_OR_IN: [&str; 11] = [
    "corner-sw",
    "corner-se",
    "corner-ne",
    "corner-nw",
    "edge-s",
    "edge-e",
    "edge-n",
    "edge-w",
    "inside",
    "touches-east-edge",
    "touches-ne-corner",
];

async fn selected(app: &Router, query: &str) -> Vec<String> {
    let doc = get_json(app, &format!("/collections/edges/items?limit=100&{query}")).await;
    let mut got = ids(&doc);
    got.sort();
    got
}

fn expected() -> Vec<String> {
    let mut want: Vec<String> = ON_OR_IN.iter().map(|s| s.to_string()).collect();
    want.sort();
    want
}

#[tokio::test]
async fn points_on_edges_and_corners_and_touching_polygons_are_in_the_box() {
    let app = boundary_app();
    // EPSG:3006, northing first.
    let q = format!(
        "bbox={},{},{},{}&bbox-crs=EPSG:3006",
        MIN.1, MIN.0, MAX.1, MAX.0
    );
    assert_eq!(selected(&app, &q).await, expected(), "EPSG:3006");
    // CRS84 and EPSG:4326: the same box, its corners written with 17 significant digits as
    // QGIS sends them.
    let lo = to_lonlat(Coord { x: MIN.0, y: MIN.1 });
    let hi = to_lonlat(Coord { x: MAX.0, y: MAX.1 });
    let q = format!(
        "bbox={:.16e},{:.16e},{:.16e},{:.16e}",
        lo.x, lo.y, hi.x, hi.y
    );
    assert_eq!(selected(&app, &q).await, expected(), "CRS84");
    let q = format!(
        "bbox={:.16e},{:.16e},{:.16e},{:.16e}&bbox-crs=EPSG:4326",
        lo.y, lo.x, hi.y, hi.x
    );
    assert_eq!(selected(&app, &q).await, expected(), "EPSG:4326");
    // Just inside the east edge by more than the published precision: the touching
    // polygons, the east corners and edge point drop out.
    let q = format!(
        "bbox={},{},{},{}&bbox-crs=EPSG:3006",
        MIN.1,
        MIN.0,
        MAX.1,
        MAX.0 - 0.05
    );
    let got = selected(&app, &q).await;
    assert!(!got.contains(&"edge-e".to_string()), "{got:?}");
    assert!(!got.contains(&"touches-east-edge".to_string()), "{got:?}");
    assert!(got.contains(&"edge-w".to_string()), "{got:?}");
}

/// The published extents (`bbox` in CRS84, `storageCrsBbox` in EPSG:3006) and the published
/// coordinates of the features, sent back as `bbox`, select every feature.
async fn extent_selects_everything(app: &Router) {
    let collections = get_json(app, "/collections").await;
    for c in collections["collections"].as_array().expect("collections") {
        let id = c["id"].as_str().expect("id");
        let all = get_json(app, &format!("/collections/{id}/items?limit=1")).await["numberMatched"]
            .as_u64()
            .expect("numberMatched");
        let spatial = &c["extent"]["spatial"];
        let Some(bbox) = spatial["bbox"][0].as_array() else {
            continue;
        };
        let join = |v: &[Value]| {
            v.iter()
                .map(|x| x.as_f64().expect("number").to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        let storage = spatial["storageCrsBbox"][0]
            .as_array()
            .expect("storageCrsBbox");
        for query in [
            format!("bbox={}", join(bbox)),
            format!("bbox={}&bbox-crs=EPSG:3006", join(storage)),
        ] {
            let n = get_json(app, &format!("/collections/{id}/items?limit=1&{query}")).await
                ["numberMatched"]
                .as_u64()
                .expect("numberMatched");
            assert_eq!(n, all, "{id}: {query}");
        }
        // The box of the coordinates as written in the GeoJSON (7 decimals).
        let doc = get_json(app, &format!("/collections/{id}/items?limit=10000")).await;
        let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        let mut visit = |c: &Value| {
            if let (Some(x), Some(y)) = (c[0].as_f64(), c[1].as_f64()) {
                b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
            }
        };
        fn walk(v: &Value, f: &mut dyn FnMut(&Value)) {
            if let Some(a) = v.as_array() {
                if a.first().is_some_and(Value::is_number) {
                    f(v);
                } else {
                    a.iter().for_each(|x| walk(x, f));
                }
            }
        }
        for f in doc["features"].as_array().expect("features") {
            walk(&f["geometry"]["coordinates"], &mut visit);
        }
        let q = format!("bbox={},{},{},{}", b[0], b[1], b[2], b[3]);
        let n = get_json(app, &format!("/collections/{id}/items?limit=1&{q}")).await
            ["numberMatched"]
            .as_u64()
            .expect("numberMatched");
        assert_eq!(n, all, "{id}: box of the published coordinates {q}");
    }
}

#[tokio::test]
async fn each_collections_extent_selects_every_feature() {
    extent_selects_everything(&app()).await;
    extent_selects_everything(&boundary_app()).await;
}
