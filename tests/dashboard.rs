//! The dashboard and the BI endpoints.
//!
//! In-process (`tower::ServiceExt::oneshot` on `web::routes`, a small hand-made dataset run
//! through the real model and bottleneck analysis): `/bottlenecks` as JSON and CSV agree on
//! every number, the exports have their columns, BOM, content types and file names, `/vendor/`
//! serves the embedded Leaflet and nothing else, and the page and its assets are complete.
//!
//! In a real browser (Debian's Chromium driven by playwright-core, see `tests/browser/`): the
//! dashboard on the default dataset, once served in-process by the OGC API router merged with
//! `web::routes`, and once by the `housing-need serve` binary itself, copied alone into an empty
//! folder and started from another (the embedded dataset and Leaflet, no repository). Each loads the page,
//! counts one map shape per district, moves the year slider, clicks a district and compares its
//! panel with the API, checks that nothing was requested outside 127.0.0.1, and saves a
//! screenshot under `target/`.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

#[path = "browser/fixture.rs"]
mod fixture;
#[path = "browser/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use housing_need::web::{self, WebData};

// ---------------------------------------------------------------------------------------------
// In-process
// ---------------------------------------------------------------------------------------------

/// The collections prepared from `layers`, which the exports are written from.
fn tables(
    ds: &housing_need::domain::Dataset,
    run: &housing_need::model::ModelRun,
    layers: &housing_need::layers::Layers,
) -> Arc<housing_need::api::Prepared> {
    Arc::new(housing_need::api::prepare_layers(ds, run, layers))
}

fn web_data_with(with_flags: bool) -> (WebData, housing_need::model::ModelRun) {
    let ds = fixture::dataset();
    let run = fixture::run(&ds);
    let report = fixture::report(&ds);
    let layers = fixture::layers(&ds, &run, with_flags);
    let data = WebData::new(
        &ds,
        &run,
        &report,
        &layers.notes,
        tables(&ds, &run, &layers),
    )
    .unwrap();
    (data, run)
}

fn app() -> Router {
    web::routes(Arc::new(web_data_with(true).0))
}

async fn get_with(
    app: &Router,
    uri: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut req = Request::builder().uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, headers, body)
}

async fn get(app: &Router, uri: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    get_with(app, uri, &[]).await
}

fn content_type(h: &HeaderMap) -> &str {
    h.get(header::CONTENT_TYPE).unwrap().to_str().unwrap()
}

const BOM: &[u8] = "\u{feff}".as_bytes();

/// Parses a CSV body (BOM required) into header and records.
fn parse_csv(body: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    assert!(body.starts_with(BOM), "CSV without UTF-8 BOM");
    let mut r = csv::Reader::from_reader(&body[BOM.len()..]);
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// The CSV cell a JSON value must appear as.
fn same_value(cell: &str, v: &Value) -> bool {
    match v {
        Value::Null => cell.is_empty(),
        Value::Bool(b) => cell == b.to_string(),
        // serde_json's default parser may read a float one bit off; the CSV cell is exact.
        Value::Number(n) => match (cell.parse::<f64>(), n.as_f64()) {
            (Ok(a), Some(b)) => a == b || (a - b).abs() <= 1e-12 * a.abs().max(1.0),
            _ => false,
        },
        Value::String(s) => cell == s,
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            let joined: Vec<String> = items
                .iter()
                .map(|i| match i {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            cell == joined.join("; ")
        }
        other => serde_json::from_str::<Value>(cell).ok().as_ref() == Some(other),
    }
}

/// Every CSV row equals the JSON row of the same position, column by column.
fn assert_csv_matches_json(header: &[String], rows: &[Vec<String>], json: &[Value]) {
    assert_eq!(rows.len(), json.len(), "CSV and JSON row counts differ");
    for (i, (row, obj)) in rows.iter().zip(json).enumerate() {
        let obj = obj.as_object().unwrap();
        assert_eq!(
            obj.len(),
            header.len(),
            "row {i}: JSON has other columns than CSV"
        );
        for (col, cell) in header.iter().zip(row) {
            let v = obj
                .get(col)
                .unwrap_or_else(|| panic!("row {i}: no '{col}' in JSON"));
            assert!(
                same_value(cell, v),
                "row {i}, column {col}: CSV '{cell}' ≠ JSON {v}"
            );
        }
    }
}

#[tokio::test]
async fn bottlenecks_json_and_csv_agree_per_stage_and_per_project() {
    let app = app();
    let (status, h, body) = get(&app, "/bottlenecks").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type(&h), "application/json");
    let report: Value = serde_json::from_slice(&body).unwrap();
    let stages = report["stages"].as_array().unwrap();
    assert_eq!(
        stages.len(),
        11,
        "one row per stage of the building process"
    );

    // The same numbers as the bottleneck analysis itself.
    let ds = fixture::dataset();
    let direct = serde_json::to_value(fixture::report(&ds)).unwrap();
    assert_eq!(report["stages"], direct["stages"]);
    assert_eq!(report["bottleneck"], direct["bottleneck"]);
    assert_eq!(
        report["bottleneck"], "startbesked",
        "64 dwellings wait for startbesked, far beyond the expected 90 days"
    );

    let (status, h, body) = get(&app, "/bottlenecks?f=csv").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type(&h), "text/csv; charset=utf-8");
    assert_eq!(
        h.get(header::CONTENT_DISPOSITION).unwrap(),
        "attachment; filename=\"bottlenecks-stages.csv\""
    );
    let (header, rows) = parse_csv(&body);
    assert_eq!(header[0], "stage");
    assert!(
        header.contains(&"median_days".to_string()) && header.contains(&"p80_days".to_string())
    );
    assert_csv_matches_json(&header, &rows, stages);
    let bygglov = rows.iter().find(|r| r[0] == "bygglov").unwrap();
    let col = |name: &str| header.iter().position(|c| c == name).unwrap();
    assert_eq!(bygglov[col("projects_waiting")], "1");
    assert_eq!(bygglov[col("passages")], "2");
    assert_eq!(
        bygglov[col("median_days")],
        "86.0",
        "decisions after 50 and 122 days"
    );

    // Per project: named and placed in their districts.
    let (status, _, body) = get(&app, "/bottlenecks?f=csv&table=projects").await;
    assert_eq!(status, StatusCode::OK);
    let (header, rows) = parse_csv(&body);
    assert_eq!(
        &header[..4],
        ["project", "name", "district", "district_name"]
    );
    let projects = report["projects"].as_array().unwrap();
    assert_csv_matches_json(&header, &rows, projects);
    let p2 = rows.iter().find(|r| r[0] == "P2").unwrap();
    assert_eq!(p2[1], "Kv. Ängen");
    assert_eq!(p2[3], "Östra Ängabo");

    // One table as JSON, for BI tools that want a plain array.
    let (status, _, body) = get(&app, "/bottlenecks?table=stages").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        &serde_json::from_slice::<Value>(&body).unwrap(),
        &report["stages"]
    );
}

#[tokio::test]
async fn bottlenecks_without_a_pipeline_give_no_snapshot_date_and_say_why() {
    let mut ds = fixture::dataset();
    ds.projects.clear();
    ds.as_of = None;
    let run = fixture::run(&ds);
    let report = fixture::report(&ds);
    let layers = fixture::layers(&ds, &run, false);
    let tables = tables(&ds, &run, &layers);
    let app = web::routes(Arc::new(
        WebData::new(&ds, &run, &report, &layers.notes, tables).unwrap(),
    ));
    let (status, _, body) = get(&app, "/bottlenecks").await;
    assert_eq!(status, StatusCode::OK);
    let json: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["as_of"], Value::Null, "{json}");
    let note = json["note"].as_str().unwrap();
    assert!(note.starts_with("No pipeline"), "{note}");
    assert_eq!(json["projects"].as_array().unwrap().len(), 0);
    for uri in [
        "/bottlenecks",
        "/bottlenecks?f=csv",
        "/bottlenecks?f=csv&table=projects",
    ] {
        let (status, _, body) = get(&app, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        let text = String::from_utf8(body).unwrap();
        assert!(!text.contains("1970"), "{uri} names an epoch date: {text}");
    }

    // A snapshot date of the manifest stays, with the same note.
    ds.as_of = fixture::dataset().as_of;
    let report = fixture::report(&ds);
    assert_eq!(report.as_of, ds.as_of);
    assert!(report.note.is_some());
    // With projects there is no note.
    assert_eq!(fixture::report(&fixture::dataset()).note, None);
}

#[tokio::test]
async fn bottlenecks_reject_unknown_format_and_table() {
    let app = app();
    let (status, h, body) = get(&app, "/bottlenecks?f=xml").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(content_type(&h), "application/json");
    let err: Value = serde_json::from_slice(&body).unwrap();
    assert!(err["description"].as_str().unwrap().contains("f=csv"));
    let (status, _, body) = get(&app, "/bottlenecks?f=csv&table=nope").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let err: Value = serde_json::from_slice(&body).unwrap();
    let text = err["description"].as_str().unwrap();
    assert!(
        text.contains("stages") && text.contains("projects"),
        "{text}"
    );
}

#[tokio::test]
async fn demand_export_is_one_row_per_district_and_year() {
    let (data, run) = web_data_with(true);
    let app = web::routes(Arc::new(data));
    let (status, h, body) = get(&app, "/export/demand.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type(&h), "text/csv; charset=utf-8");
    assert_eq!(
        h.get(header::CONTENT_DISPOSITION).unwrap(),
        "attachment; filename=\"demand.csv\""
    );
    let (header, rows) = parse_csv(&body);
    // DemandRow's fields, in their declared order.
    assert_eq!(
        &header[..6],
        [
            "district",
            "name",
            "year",
            "observed",
            "population",
            "population_0_19"
        ]
    );
    for field in [
        "gap",
        "gap_per_1000",
        "care_places_needed",
        "dependency_ratio",
        "small_flats_needed",
    ] {
        assert!(header.iter().any(|c| c == field), "no column {field}");
    }
    assert_eq!(rows.len(), run.rows.len());
    assert_eq!(
        rows.len(),
        2 * 12,
        "2 districts × (2 observed + 10 projected years)"
    );
    assert!(rows.iter().any(|r| r[1] == "Östra Ängabo"), "å ä ö survive");

    let (status, h, json_body) = get(&app, "/export/demand.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type(&h), "application/json");
    let json: Vec<Value> = serde_json::from_slice(&json_body).unwrap();
    assert_csv_matches_json(&header, &rows, &json);
    // The model's rows, and after them the ranges from the backtests (`_low`/`_high`).
    let without_ranges: Vec<Value> = json
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.as_object_mut()
                .unwrap()
                .retain(|k, _| !k.ends_with("_low") && !k.ends_with("_high"));
            r
        })
        .collect();
    assert_eq!(
        Value::Array(without_ranges),
        serde_json::to_value(&run.rows).unwrap(),
        "the export is the model's rows, value for value"
    );

    // Without the byte-order mark, for tools that do not strip it.
    let (_, _, plain) = get(&app, "/export/demand.csv?bom=false").await;
    assert!(plain.starts_with(b"district,name,year"));
    assert_eq!(
        &body_of(&app, "/export/demand.csv").await[BOM.len()..],
        &plain[..]
    );
}

async fn body_of(app: &Router, uri: &str) -> Vec<u8> {
    get(app, uri).await.2
}

#[tokio::test]
async fn flags_export_keeps_reasons_and_has_a_header_when_empty() {
    let app = app();
    let (status, _, body) = get(&app, "/export/flags.csv").await;
    assert_eq!(status, StatusCode::OK);
    let (header, rows) = parse_csv(&body);
    assert_eq!(rows.len(), 4, "2 districts × densify/upgrade");
    let (_, _, json) = get(&app, "/export/flags.json").await;
    let json: Vec<Value> = serde_json::from_slice(&json).unwrap();
    assert_csv_matches_json(&header, &rows, &json);
    let reasons = header.iter().position(|c| c == "reasons").unwrap();
    let parsed: Value = serde_json::from_str(&rows[0][reasons]).unwrap();
    assert!(
        parsed.as_array().is_some_and(|r| r[0]["rule"].is_string()),
        "reasons kept as JSON text: {}",
        rows[0][reasons]
    );
    assert!(json[0]["reasons"].is_array(), "reasons are a list in JSON");

    let app = web::routes(Arc::new(web_data_with(false).0));
    let (status, _, body) = get(&app, "/export/flags.csv").await;
    assert_eq!(status, StatusCode::OK);
    let (header, rows) = parse_csv(&body);
    let columns = housing_need::layers::flags::columns();
    let names: Vec<&str> = columns.iter().map(|c| c.field.name.as_str()).collect();
    assert_eq!(header, names);
    assert!(rows.is_empty());
    assert_eq!(body_of(&app, "/export/flags.json").await, b"[]");

    let (status, _, _) = get(&app, "/export/other.csv").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn prepared_responses_answer_not_modified() {
    let app = app();
    for uri in [
        "/dashboard",
        "/export/demand.csv",
        "/bottlenecks",
        "/dashboard/assets/main.js",
    ] {
        let (status, h, _) = get(&app, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        let etag = h.get(header::ETAG).unwrap().to_str().unwrap().to_string();
        let (status, _, body) = get_with(&app, uri, &[("if-none-match", &etag)]).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{uri}");
        assert!(body.is_empty());
    }
}

#[tokio::test]
async fn page_and_assets_are_complete() {
    let app = app();
    let (status, h, body) = get(&app, "/dashboard").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type(&h), "text/html; charset=utf-8");
    let html = String::from_utf8(body).unwrap();
    // The dataset's name is escaped in the title and safe inside the JSON settings.
    assert!(html.contains("<title>Housing need — Testkommun &lt;Ödsmål&gt; &amp; co</title>"));
    let start = html.find("id=\"dashboard-config\">").unwrap() + "id=\"dashboard-config\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    let config: Value = serde_json::from_str(&html[start..end]).unwrap();
    assert_eq!(config["dataset"], "Testkommun <Ödsmål> & co");
    assert_eq!(config["base_year"], 2018);
    assert_eq!(config["horizon_year"], 2028);
    assert_eq!(
        config["reference"],
        Value::Null,
        "Statisticon's forecast is Alingsås' only"
    );

    // Every local file the page and its modules refer to is served.
    let mut wanted: Vec<String> = Vec::new();
    for part in html.split(['"', '\'']) {
        if part.starts_with("dashboard/assets/") {
            wanted.push(format!("/{part}"));
        }
    }
    let (_, _, main) = get(&app, "/dashboard/assets/main.js").await;
    let main = String::from_utf8(main).unwrap();
    let mut modules = vec![main];
    let mut seen = std::collections::BTreeSet::new();
    while let Some(js) = modules.pop() {
        for line in js.lines().filter(|l| l.starts_with("import ")) {
            if let Some(name) = line
                .split(['\'', '"'])
                .nth(1)
                .and_then(|s| s.strip_prefix("./"))
            {
                if seen.insert(name.to_string()) {
                    let (status, h, body) = get(&app, &format!("/dashboard/assets/{name}")).await;
                    assert_eq!(status, StatusCode::OK, "{name}");
                    assert_eq!(content_type(&h), "text/javascript; charset=utf-8");
                    modules.push(String::from_utf8(body).unwrap());
                }
            }
        }
    }
    assert!(seen.len() >= 6, "modules found: {seen:?}");
    for uri in wanted {
        let (status, _, _) = get(&app, &uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
    }
    let (status, _, _) = get(&app, "/dashboard/assets/nope.js").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The pyramids: base year and horizon, 17 bands by sex.
    let (status, _, body) = get(&app, "/dashboard/data/pyramids.json").await;
    assert_eq!(status, StatusCode::OK);
    let p: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(p["years"], serde_json::json!([2018, 2028]));
    assert_eq!(p["bands"].as_array().unwrap().len(), 17);
    assert_eq!(
        p["districts"]["1489X01"]["2018"]["male"]
            .as_array()
            .unwrap()
            .len(),
        17
    );
}

#[test]
fn the_alingsas_forecast_goes_with_municipality_1489() {
    let mut ds = fixture::dataset();
    ds.municipality = Some("1489".into());
    let run = fixture::run(&ds);
    let layers = fixture::layers(&ds, &run, true);
    let tables = tables(&ds, &run, &layers);
    let data = WebData::new(&ds, &run, &fixture::report(&ds), &layers.notes, tables).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_, _, body) = rt.block_on(get(&web::routes(Arc::new(data)), "/dashboard"));
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("Statisticon"));
    assert!(html.contains(
        "[6519.0,6654.0,6756.0,6855.0,6983.0,7105.0,7125.0,7093.0,7045.0,7024.0,6990.0,6948.0]"
    ));
    assert!(html.contains(
        "[2271.0,2315.0,2365.0,2420.0,2489.0,2552.0,2672.0,2846.0,3011.0,3164.0,3317.0,3479.0]"
    ));
}

#[tokio::test]
async fn vendor_serves_the_embedded_leaflet_and_nothing_else() {
    let app = app();
    // The page imports exactly these files; the binary carries them from the pinned release.
    for (uri, ctype) in [
        (
            "/vendor/leaflet/dist/leaflet-src.esm.js",
            "text/javascript; charset=utf-8",
        ),
        (
            "/vendor/leaflet/dist/leaflet.css",
            "text/css; charset=utf-8",
        ),
    ] {
        let (status, h, body) = get(&app, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(content_type(&h), ctype, "{uri}");
        assert!(body.len() > 10_000, "{uri} is too small to be Leaflet");
    }
    let (status, h, _) = get(&app, "/vendor/leaflet/dist/images/layers.png").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type(&h), "image/png");

    for bad in [
        "/vendor/../Cargo.toml",
        "/vendor/leaflet/dist/../../../Cargo.toml",
        "/vendor/leaflet/dist/..%2F..%2F..%2FCargo.toml",
        "/vendor/%2e%2e/Cargo.toml",
        "/vendor/leaflet/dist/%5C..%5CCargo.toml",
        "/vendor/%2Fetc%2Fpasswd",
    ] {
        let (status, _, body) = get(&app, bad).await;
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND,
            "{bad}: {status}"
        );
        assert!(
            !String::from_utf8_lossy(&body).contains("[package]"),
            "{bad}"
        );
    }
    // Only the browser library is reachable, not the rest of node_modules.
    let (status, _, _) = get(&app, "/vendor/playwright-core/package.json").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, h, body) = get(&app, "/vendor/leaflet/dist/nothing.js").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(content_type(&h), "application/json");
    let err: Value = serde_json::from_slice(&body).unwrap();
    assert!(err["description"]
        .as_str()
        .unwrap()
        .contains("leaflet/dist/nothing.js"));
}

// ---------------------------------------------------------------------------------------------
// In a real browser
// ---------------------------------------------------------------------------------------------

/// One browser at a time: two Chromiums and a model run on two cores help nobody.
static BROWSER: Mutex<()> = Mutex::new(());

fn target_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp.
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[test]
fn dashboard_in_headless_chromium() {
    const TEST: &str = "dashboard_in_headless_chromium";
    let browser = match harness::browser() {
        Ok(b) => b,
        Err(e) => return harness::skip(TEST, &e),
    };
    let _one = BROWSER.lock().unwrap_or_else(|p| p.into_inner());
    let manifest_path = harness::root().join("geodata/alingsas-sample/alingsas-sample.toml");
    let manifest = match housing_need::config::Manifest::load(&manifest_path) {
        Ok(m) => m,
        Err(e) => return harness::skip(TEST, &format!("the default dataset is not readable: {e}")),
    };
    let dataset = match housing_need::ingest::load(&manifest) {
        Ok(d) => d,
        Err(e) => return harness::skip(TEST, &format!("the default dataset does not load: {e}")),
    };
    // The real analysis; the API without its flags collection, so the page reads the flags
    // from the BI export (/export/flags.json) as it does against a service without them.
    let analysis = housing_need::analysis::Analysis::compute(&dataset, &manifest);
    let run = &analysis.run;
    let layers = housing_need::layers::Layers::build(&dataset, &analysis);
    let tables = tables(&dataset, run, &layers);
    let data = WebData::new(&dataset, run, &analysis.bottlenecks, &layers.notes, tables).unwrap();
    let prepared = housing_need::api::prepare(&dataset, run);
    let flagged: std::collections::BTreeSet<&str> = analysis
        .flags
        .iter()
        .filter(|f| f.flagged)
        .map(|f| f.district.as_str())
        .collect();

    let port = harness::free_port();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let state = housing_need::api::AppState::new(
        prepared,
        housing_need::api::ServiceConfig {
            public_url: None,
            fallback_base: format!("http://{addr}"),
        },
    );
    let scenarios = web::scenarios::ScenarioState::new(web::scenarios::ScenarioService::new(
        &dataset,
        &manifest.model,
        run,
        analysis.bands.as_ref().ok().cloned(),
    ));
    let app = housing_need::api::app(state)
        .merge(web::routes(Arc::new(data)))
        .merge(web::scenarios::routes(scenarios));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
    });
    let start = std::time::Instant::now();
    while harness::http_status(addr, "/dashboard") != Some(200) {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the test server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let screenshot = target_dir().join("dashboard.png");
    let out = harness::drive(
        &browser,
        &format!("http://{addr}"),
        &screenshot,
        &harness::Expect {
            flagged_districts: flagged.len(),
        },
    );
    let _ = stop.send(());
    server.join().unwrap();
    assert!(out.contains("[dashboard] ok"));
    assert!(
        std::fs::metadata(&screenshot).unwrap().len() > 10_000,
        "screenshot is empty"
    );
}

/// The binary copied alone into an empty folder and started from another one (no repository
/// around it, no `--data`) serves its embedded dataset, the dashboard and Leaflet: the map draws.
#[test]
fn dashboard_served_by_a_binary_copied_alone() {
    const TEST: &str = "dashboard_served_by_a_binary_copied_alone";
    let browser = match harness::browser() {
        Ok(b) => b,
        Err(e) => return harness::skip(TEST, &e),
    };
    let _one = BROWSER.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let mut serve = harness::ServeProcess::start_alone(dir.path()).unwrap();
    if let Err(e) = serve.wait_ready("/", Duration::from_secs(180)) {
        panic!("`housing-need serve` copied alone did not start: {e}");
    }
    assert_eq!(harness::http_status(serve.addr, "/dashboard"), Some(200));
    assert_eq!(
        harness::http_status(serve.addr, "/vendor/leaflet/dist/leaflet-src.esm.js"),
        Some(200)
    );
    // The embedded default is the real municipality: SCB's 23 DeSO 2025 areas by their names.
    let districts: serde_json::Value = serde_json::from_str(
        &ureq::get(&format!(
            "http://{}/collections/districts/items?limit=100",
            serve.addr
        ))
        .call()
        .unwrap()
        .into_string()
        .unwrap(),
    )
    .unwrap();
    let names: Vec<&str> = districts["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 23, "{names:?}");
    for real in ["Alingsås centrum", "Brogården-Östlyckan", "Sollebrunn"] {
        assert!(names.contains(&real), "{real} not in {names:?}");
    }
    let screenshot = target_dir().join("dashboard-serve.png");
    let out = harness::drive(
        &browser,
        &format!("http://{}", serve.addr),
        &screenshot,
        &harness::Expect {
            flagged_districts: 0,
        },
    );
    assert!(out.contains("[dashboard] ok"));
}
