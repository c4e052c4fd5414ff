//! One definition per published layer: on the default dataset, every layer (`districts`,
//! `demand`, `flags`, `projects`) has the same fields, in the same order, and the same values
//! in the OGC API items, the GeoPackage, the GeoJSON and CSV files and the BI tables; the
//! queryables, the OpenAPI document, the GeoPackage's field comments and `docs/api.md` list the
//! same fields; and every `DemandRow` field is published.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap in a test is a failed test

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use gdal::vector::LayerAccess;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use housing_need::analysis::Analysis;
use housing_need::layers::{FieldKind, Layer, Layers};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Loaded {
    analysis: Analysis,
    layers: Layers,
    app: Router,
}

/// The sample dataset, its analysis and its layers.
fn sample() -> (housing_need::domain::Dataset, Analysis, Layers) {
    let manifest = housing_need::config::Manifest::load(
        &root().join("geodata/alingsas-sample/alingsas-sample.toml"),
    )
    .unwrap();
    let dataset = housing_need::ingest::load(&manifest).unwrap();
    let analysis = Analysis::compute(&dataset, &manifest);
    let layers = Layers::build(&dataset, &analysis);
    (dataset, analysis, layers)
}

fn load() -> Loaded {
    let (dataset, analysis, layers) = sample();
    let prepared = Arc::new(housing_need::api::prepare_layers(
        &dataset,
        &analysis.run,
        &layers,
    ));
    let web = housing_need::web::WebData::new(
        &dataset,
        &analysis.run,
        &analysis.bottlenecks,
        &layers.notes,
        Arc::clone(&prepared),
    )
    .unwrap();
    let state = housing_need::api::AppState::new(
        prepared,
        housing_need::api::ServiceConfig {
            public_url: None,
            fallback_base: "http://localhost".into(),
        },
    );
    let app = housing_need::api::app_with(state, housing_need::web::routes(Arc::new(web)));
    Loaded {
        analysis,
        layers,
        app,
    }
}

async fn get(app: &Router, uri: &str) -> Vec<u8> {
    let res = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{uri}");
    res.into_body().collect().await.unwrap().to_bytes().to_vec()
}

/// A value as the layer's field kind reads it, from JSON (`text` false) or from a CSV cell
/// (`text` true): numbers as f64, empty cells and NaN as null, lists parsed.
fn normal(kind: FieldKind, v: &Value, text: bool) -> Value {
    if text {
        let s = v.as_str().unwrap_or_default();
        if s.is_empty() {
            return Value::Null;
        }
        return match kind {
            FieldKind::Text => Value::from(s),
            FieldKind::Integer | FieldKind::Real => {
                Value::from(s.parse::<f64>().unwrap_or(f64::NAN))
            }
            FieldKind::Boolean => Value::from(s == "true"),
            FieldKind::List => serde_json::from_str(s).unwrap(),
        };
    }
    match (kind, v) {
        (_, Value::Null) => Value::Null,
        (FieldKind::Integer | FieldKind::Real, Value::Number(n)) => {
            Value::from(n.as_f64().unwrap())
        }
        (FieldKind::List, Value::String(s)) => serde_json::from_str(s).unwrap(),
        (_, other) => other.clone(),
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-12 * x.abs().max(1.0),
        _ => a == b,
    }
}

/// Rows of one output: field names, and per feature the values in that order.
struct Table {
    source: String,
    names: Vec<String>,
    rows: Vec<Vec<Value>>,
}

fn expected(layer: &Layer) -> Vec<Vec<Value>> {
    layer
        .features
        .iter()
        .map(|f| {
            layer
                .fields
                .iter()
                .zip(&f.values)
                .map(|(field, c)| normal(field.kind, &c.to_json(), false))
                .collect()
        })
        .collect()
}

fn assert_same(layer: &Layer, table: &Table) {
    let names: Vec<&str> = layer.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(table.names, names, "{}: field names", table.source);
    let want = expected(layer);
    assert_eq!(table.rows.len(), want.len(), "{}: features", table.source);
    for (i, (got, want)) in table.rows.iter().zip(&want).enumerate() {
        for ((name, g), w) in names.iter().zip(got).zip(want) {
            assert!(
                same(g, w),
                "{}: feature {i}, {name}: {g} ≠ {w}",
                table.source
            );
        }
    }
}

/// Features from GeoJSON (`properties` objects) in order.
fn from_features(source: &str, layer: &Layer, features: &[Value]) -> Table {
    // The written order is checked on the raw text (serde_json sorts keys).
    Table {
        source: source.into(),
        names: layer.fields.iter().map(|f| f.name.clone()).collect(),
        rows: features
            .iter()
            .map(|f| {
                let p = &f["properties"];
                assert_eq!(
                    p.as_object().unwrap().len(),
                    layer.fields.len(),
                    "{source}: other properties than the layer's"
                );
                layer
                    .fields
                    .iter()
                    .map(|field| normal(field.kind, &p[&field.name], false))
                    .collect()
            })
            .collect(),
    }
}

/// The property names of the first feature in written order (serde_json sorts keys).
fn written_order(text: &str) -> Vec<String> {
    let start = text.find("\"properties\":{").unwrap() + "\"properties\":".len();
    let mut de = serde_json::Deserializer::from_str(&text[start..]);
    let ordered: Ordered = serde::Deserialize::deserialize(&mut de).unwrap();
    ordered.0
}

struct Ordered(Vec<String>);
impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Ordered, A::Error> {
                let mut keys = Vec::new();
                while let Some((k, _)) = m.next_entry::<String, serde::de::IgnoredAny>()? {
                    keys.push(k);
                }
                Ok(Ordered(keys))
            }
        }
        d.deserialize_map(V)
    }
}

fn from_csv(source: &str, layer: &Layer, text: &str) -> Table {
    let text = text.trim_start_matches('\u{feff}');
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let names: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            layer
                .fields
                .iter()
                .zip(rec.iter())
                .map(|(f, cell)| normal(f.kind, &Value::from(cell), true))
                .collect()
        })
        .collect();
    Table {
        source: source.into(),
        names,
        rows,
    }
}

fn from_gpkg(path: &std::path::Path, layer: &Layer) -> Table {
    let ds = gdal::Dataset::open(path).unwrap();
    let mut l = ds.layer_by_name(&layer.name).unwrap();
    let names: Vec<String> = l.defn().fields().map(|f| f.name()).collect();
    let mut rows = Vec::new();
    for f in l.features() {
        let row = layer
            .fields
            .iter()
            .map(|field| {
                let i = f.field_index(&field.name).unwrap();
                match field.kind {
                    FieldKind::Text => f
                        .field_as_string(i)
                        .unwrap()
                        .map_or(Value::Null, Value::from),
                    FieldKind::List => f
                        .field_as_string(i)
                        .unwrap()
                        .map_or(Value::Null, |s| serde_json::from_str(&s).unwrap()),
                    FieldKind::Integer => f
                        .field_as_integer64(i)
                        .unwrap()
                        .map_or(Value::Null, |n| Value::from(n as f64)),
                    FieldKind::Real => f
                        .field_as_double(i)
                        .unwrap()
                        .map_or(Value::Null, Value::from),
                    FieldKind::Boolean => f
                        .field_as_integer(i)
                        .unwrap()
                        .map_or(Value::Null, |n| Value::from(n != 0)),
                }
            })
            .collect();
        rows.push(row);
    }
    Table {
        source: format!("GeoPackage {}", layer.name),
        names,
        rows,
    }
}

#[tokio::test]
async fn every_output_has_the_same_fields_and_values_for_every_layer() {
    let loaded = load();
    let names: Vec<&str> = loaded
        .layers
        .layers
        .iter()
        .map(|l| l.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "districts",
            "demand",
            "demand-high",
            "demand-late",
            "flags",
            "projects"
        ]
    );

    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("out.gpkg");
    let geojson = dir.path().join("out.geojson");
    let folder = dir.path().join("csv");
    for path in [&gpkg, &geojson, &folder] {
        housing_need::export::write(path, &loaded.layers, |_| {}).unwrap();
    }

    let openapi: Value = serde_json::from_slice(&get(&loaded.app, "/api?f=json").await).unwrap();

    for layer in &loaded.layers.layers {
        let name = layer.name.as_str();

        // OpenAPI: the schema of the collection's feature properties.
        let schema = &openapi["components"]["schemas"][format!("{name}_properties")]["properties"];
        let listed: Vec<&str> = schema
            .as_object()
            .unwrap_or_else(|| panic!("no OpenAPI schema for {name}"))
            .keys()
            .map(String::as_str)
            .collect();
        let mut want: Vec<&str> = layer.fields.iter().map(|f| f.name.as_str()).collect();
        want.sort_unstable();
        assert_eq!(listed, want, "{name}: OpenAPI properties");
        for field in &layer.fields {
            let p = &schema[&field.name];
            assert_eq!(p["type"], field.kind.json_type(), "{name}.{}", field.name);
            assert_eq!(p["description"], field.description.as_str());
            assert_eq!(p["x-ogc-unit"].as_str(), field.unit);
        }

        println!(
            "{name}: {} fields, {} features",
            layer.fields.len(),
            layer.features.len()
        );
        assert!(
            !layer.features.is_empty(),
            "{name} is empty on the default data"
        );

        // OGC API items (one page holds every feature).
        let body = get(
            &loaded.app,
            &format!("/collections/{name}/items?f=json&limit=10000"),
        )
        .await;
        let text = String::from_utf8(body).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        let features = doc["features"].as_array().unwrap();
        let mut table = from_features(&format!("OGC items {name}"), layer, features);
        table.names = written_order(&text);
        assert_same(layer, &table);
        let ids: Vec<&str> = features.iter().map(|f| f["id"].as_str().unwrap()).collect();
        let want: Vec<&str> = layer.features.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, want, "{name}: OGC feature ids");

        // Queryables: every field a filter can compare, with its kind and description.
        let q: Value = serde_json::from_slice(
            &get(&loaded.app, &format!("/collections/{name}/queryables")).await,
        )
        .unwrap();
        for field in &layer.fields {
            let p = &q["properties"][&field.name];
            if field.kind == FieldKind::List {
                assert!(
                    p.is_null(),
                    "{name}.{}: a list is not queryable",
                    field.name
                );
                continue;
            }
            assert_eq!(p["type"], field.kind.json_type(), "{name}.{}", field.name);
            assert_eq!(p["description"], field.description.as_str());
            assert_eq!(p["x-ogc-unit"].as_str(), field.unit);
        }

        // GeoPackage.
        assert_same(layer, &from_gpkg(&gpkg, layer));

        // GeoJSON: demand in the file itself, the others beside it.
        let file = if name == "demand" {
            geojson.clone()
        } else {
            dir.path().join(format!("out.{name}.geojson"))
        };
        let text = std::fs::read_to_string(&file).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        let features = doc["features"].as_array().unwrap();
        let mut table = from_features(&format!("GeoJSON {name}"), layer, features);
        table.names = written_order(&text);
        assert_same(layer, &table);
        let ids: Vec<&str> = features.iter().map(|f| f["id"].as_str().unwrap()).collect();
        assert_eq!(ids, want, "{name}: GeoJSON feature ids");

        // CSV file.
        let text = std::fs::read_to_string(folder.join(format!("{name}.csv"))).unwrap();
        assert_same(layer, &from_csv(&format!("CSV {name}"), layer, &text));

        // BI tables.
        if name == "demand" || name == "flags" {
            let csv =
                String::from_utf8(get(&loaded.app, &format!("/export/{name}.csv")).await).unwrap();
            assert_same(layer, &from_csv(&format!("BI CSV {name}"), layer, &csv));
            let text =
                String::from_utf8(get(&loaded.app, &format!("/export/{name}.json")).await).unwrap();
            let rows: Vec<Value> = serde_json::from_str(&text).unwrap();
            let wrapped: Vec<Value> = rows
                .into_iter()
                .map(|r| serde_json::json!({ "properties": r }))
                .collect();
            let mut table = from_features(&format!("BI JSON {name}"), layer, &wrapped);
            let start = text.find('{').unwrap();
            table.names = written_order(&format!("{{\"properties\":{}", &text[start..]));
            assert_same(layer, &table);
        }
    }
}

#[test]
fn every_demand_row_field_is_published() {
    let loaded = load();
    let row = serde_json::to_value(&loaded.analysis.run.rows[0]).unwrap();
    let mut keys: Vec<&str> = row
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    let demand = loaded.layers.get("demand").unwrap();
    // Beside the row's fields: the error bands (`_low`/`_high`), from the backtests.
    let mut names: Vec<&str> = demand
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .filter(|n| !n.ends_with("_low") && !n.ends_with("_high"))
        .collect();
    names.sort_unstable();
    assert_eq!(
        names, keys,
        "a DemandRow field needs its column in src/layers/demand.rs"
    );
}

#[test]
fn the_field_tables_in_docs_api_md_are_the_layer_definitions() {
    let docs = std::fs::read_to_string(root().join("docs/api.md")).unwrap();
    let mut missing = String::new();
    for name in ["districts", "demand", "flags", "projects"] {
        let table = housing_need::layers::docs_table(name).unwrap();
        if !docs.contains(&table) {
            missing.push_str(&format!("### `{name}`\n\n{table}\n"));
        }
    }
    assert!(
        missing.is_empty(),
        "docs/api.md must show each layer's fields as `housing_need::layers::docs_table` \
         renders them (src/layers/ is the definition); these differ:\n\n{missing}"
    );
}

#[test]
fn the_geopackage_carries_every_field_description_as_its_comment() {
    let loaded = load();
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("out.gpkg");
    housing_need::export::write(&gpkg, &loaded.layers, |_| {}).unwrap();
    let ds = gdal::Dataset::open(&gpkg).unwrap();
    for layer in &loaded.layers.layers {
        let mut rs = ds
            .execute_sql(
                format!(
                    "SELECT column_name, description FROM gpkg_data_columns WHERE table_name = '{}'",
                    layer.name
                ),
                None,
                gdal::vector::sql::Dialect::SQLITE,
            )
            .unwrap()
            .unwrap();
        let comments: std::collections::HashMap<String, String> = rs
            .features()
            .map(|f| {
                (
                    f.field_as_string(0).unwrap().unwrap(),
                    f.field_as_string(1).unwrap().unwrap(),
                )
            })
            .collect();
        for field in &layer.fields {
            let c = comments
                .get(&field.name)
                .unwrap_or_else(|| panic!("{}.{} has no comment", layer.name, field.name));
            assert!(
                c.starts_with(&field.description),
                "{}.{}: {c}",
                layer.name,
                field.name
            );
        }
    }
}

/// The dataset's notes (here: synthetic data, a sample pipeline) are never silent: the landing
/// page says them in JSON and HTML, and the dashboard page carries them to show.
#[tokio::test]
async fn the_datasets_notes_reach_the_landing_page_and_the_dashboard() {
    let loaded = load();
    let said = "Sample pipeline: the 40 housing projects";
    assert!(loaded.layers.notes.iter().any(|n| n.starts_with(said)));
    let landing: Value = serde_json::from_slice(&get(&loaded.app, "/?f=json").await).unwrap();
    let notes: Vec<&str> = landing["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(notes, loaded.layers.notes);
    let html = String::from_utf8(get(&loaded.app, "/?f=html").await).unwrap();
    assert!(
        html.contains("About these data") && html.contains(said),
        "{html}"
    );
    let page = String::from_utf8(get(&loaded.app, "/dashboard").await).unwrap();
    assert!(page.contains("\"dataset_notes\":[") && page.contains(said));
    assert!(page.contains("\"has_pipeline\":true"));
}

/// `serve` prepares its collections from layers it gives up (each dropped once its collection
/// is made); that gives exactly the collections prepared from borrowed layers, with the
/// layers on the districts still sharing one prepared set of shapes.
#[test]
fn collections_from_owned_layers_equal_those_from_borrowed_ones() {
    let (dataset, analysis, layers) = sample();
    let borrowed = housing_need::api::prepare_layers(&dataset, &analysis.run, &layers);
    let owned = housing_need::api::prepare_owned_layers(&dataset, &analysis.run, layers.clone());
    let summary = |p: &housing_need::api::Prepared| -> Vec<(String, u64, usize)> {
        p.collections
            .iter()
            .map(|c| (c.id.clone(), c.etag, c.features.len()))
            .collect()
    };
    assert_eq!(summary(&owned), summary(&borrowed));
    assert!(owned.collections.len() >= 3, "{:?}", summary(&owned));
    assert_eq!(owned.notes, borrowed.notes);
    let shapes = |p: &housing_need::api::Prepared, id: &str| {
        Arc::clone(&p.collection(id).expect("collection").shapes)
    };
    for p in [&owned, &borrowed] {
        assert!(Arc::ptr_eq(&shapes(p, "districts"), &shapes(p, "demand")));
        assert!(Arc::ptr_eq(&shapes(p, "districts"), &shapes(p, "flags")));
    }
}
