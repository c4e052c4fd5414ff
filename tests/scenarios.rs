//! What-if scenarios over HTTP (`/scenarios/run`), in-process on the sample dataset: the base
//! parameters give exactly the published `demand`; net migration × 0 leaves births and deaths;
//! a two-year pipeline delay moves completed dwellings and their movers two years later; bad
//! parameters are 400s naming the parameter and its range; identical parameters are computed
//! once and the cache stays within its bounds.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap in a test is a failed test

use std::path::{Path, PathBuf};
use std::sync::Arc;

use approx::assert_relative_eq;
use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use housing_need::analysis::Analysis;
use housing_need::api::{self, AppState, ServiceConfig};
use housing_need::config::Manifest;
use housing_need::domain::{Dataset, ProjectStage};
use housing_need::layers::Layers;
use housing_need::model::{self, national::national, Levers, AGES, MODEL_VERSION};
use housing_need::scenarios::{CacheLimits, Engine, WhatIf};
use housing_need::web::scenarios::{routes, ScenarioService, ScenarioState};
use housing_need::web::{self, WebData};

/// The synthetic sample dataset with its pipeline (wherever the repository keeps it).
fn sample_manifest() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("geodata");
    for rel in [
        "alingsas-sample/alingsas-sample.toml",
        "alingsas-sample/alingsas.toml",
        "alingsas/alingsas.toml",
    ] {
        if root.join(rel).exists() {
            return root.join(rel);
        }
    }
    panic!("no sample dataset under geodata/");
}

struct Fixture {
    app: Router,
    dataset: Dataset,
    manifest: Manifest,
    state: ScenarioState,
}

fn fixture() -> Fixture {
    let manifest = Manifest::load(&sample_manifest()).expect("manifest");
    let dataset = housing_need::ingest::load(&manifest).expect("dataset");
    let analysis = Analysis::compute(&dataset, &manifest);
    let layers = Layers::build(&dataset, &analysis);
    let prepared = std::sync::Arc::new(api::prepare_layers(&dataset, &analysis.run, &layers));
    let web_data = WebData::new(
        &dataset,
        &analysis.run,
        &analysis.bottlenecks,
        &layers.notes,
        std::sync::Arc::clone(&prepared),
    )
    .expect("web data");
    let state = ScenarioState::new(ScenarioService::new(
        &dataset,
        &manifest.model,
        &analysis.run,
        analysis.bands.as_ref().ok().cloned(),
    ));
    let app = api::app_with(
        AppState::new(prepared, ServiceConfig::default()),
        web::routes(Arc::new(web_data)).merge(routes(state.clone())),
    );
    Fixture {
        app,
        dataset,
        manifest,
        state,
    }
}

async fn send(app: &Router, req: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, headers, body)
}

async fn get(app: &Router, uri: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn get_json(app: &Router, uri: &str) -> Value {
    let (status, _, body) = get(app, uri).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{uri}: {}",
        String::from_utf8_lossy(&body)
    );
    serde_json::from_slice(&body).unwrap()
}

fn rows(doc: &Value) -> &Vec<Value> {
    doc["rows"].as_array().expect("rows")
}

/// Sum of `field` over the rows of `year`.
fn total(doc: &Value, year: i64, field: &str) -> f64 {
    rows(doc)
        .iter()
        .filter(|r| r["year"].as_i64() == Some(year))
        .map(|r| r[field].as_f64().unwrap_or(0.0))
        .sum()
}

#[tokio::test]
async fn base_parameters_return_exactly_the_published_demand() {
    let f = fixture();
    let published = get_json(&f.app, "/export/demand.json").await;
    let whatif = get_json(&f.app, "/scenarios/run?f=json").await;
    assert_eq!(
        whatif["rows"], published,
        "rows differ from /export/demand.json"
    );
    assert_eq!(whatif["model_version"], MODEL_VERSION);
    assert_eq!(whatif["dataset"], f.dataset.name.as_str());
    assert_eq!(whatif["parameters"], serde_json::json!({}));
    let d = &whatif["summary"]["difference"];
    for k in [
        "population",
        "dwellings_needed",
        "gap",
        "care_place_balance",
    ] {
        assert_eq!(d[k].as_f64(), Some(0.0), "{k}");
    }

    // Computed afresh (not the served run) it is still the same.
    let engine = f.state.current();
    let fresh = engine.engine().compute(&WhatIf::default());
    let served = model::run(&f.dataset, &f.manifest.model);
    assert_eq!(fresh.rows, served.rows);

    // GeoJSON: every district polygon, the published fields, and the echo.
    let (status, headers, body) = get(&f.app, "/scenarios/run").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/geo+json");
    assert!(headers["model-version"].to_str().unwrap().starts_with("2."));
    let fc: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(fc["type"], "FeatureCollection");
    let items = get_json(&f.app, "/collections/demand/items?limit=10000").await;
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features.len(), items["features"].as_array().unwrap().len());
    for (a, b) in features.iter().zip(items["features"].as_array().unwrap()) {
        assert_eq!(a["id"], b["id"]);
        assert_eq!(a["properties"], b["properties"]);
        assert_eq!(a["geometry"]["type"], "MultiPolygon");
    }
}

#[tokio::test]
async fn no_net_migration_leaves_only_births_and_deaths() {
    let f = fixture();
    let doc = get_json(&f.app, "/scenarios/run?f=json&net_migration_multiplier=0").await;
    assert_eq!(doc["parameters"]["net_migration_multiplier"], 0.0);
    let mut params = f.manifest.model.clone();
    params.levers = Levers {
        net_migration_multiplier: Some(0.0),
        ..params.levers.clone()
    };
    let run = model::run(&f.dataset, &params);
    // The what-if is that run, row for row ...
    let base_year = run.base_year as i64;
    for y in base_year + 1..=run.horizon_year as i64 {
        let expected: f64 = run
            .rows
            .iter()
            .filter(|r| r.year as i64 == y)
            .map(|r| r.population)
            .sum();
        assert_relative_eq!(total(&doc, y, "population"), expected, max_relative = 1e-12);
    }
    // ... and in that run every cohort of the municipality shrinks by exactly its survival.
    let n = national();
    for w in run.municipal.windows(2) {
        let ((_, p0), (year, p1)) = (&w[0], &w[1]);
        for s in 0..2 {
            for a in 1..AGES - 1 {
                let survival = (-n.death_rate(s, a, *year, run.base_year, 1.0)).exp();
                assert_relative_eq!(p1[s][a], p0[s][a - 1] * survival, max_relative = 1e-9);
            }
        }
    }
    // With migration the population differs.
    let base = get_json(&f.app, "/scenarios/run?f=json").await;
    let h = run.horizon_year as i64;
    assert!((total(&base, h, "population") - total(&doc, h, "population")).abs() > 1.0);
}

#[tokio::test]
async fn a_two_year_delay_moves_dwellings_and_movers_two_years_later() {
    let f = fixture();
    let base = get_json(&f.app, "/scenarios/run?f=json").await;
    let late = get_json(&f.app, "/scenarios/run?f=json&pipeline_delay_years=2").await;
    let (b, h) = (
        base["summary"]["base_year"].as_i64().unwrap(),
        base["summary"]["horizon_year"].as_i64().unwrap(),
    );
    let mut moved = 0.0;
    for y in b + 1..=h - 2 {
        for field in ["dwellings_pipeline", "new_dwelling_movers"] {
            assert_relative_eq!(
                total(&base, y, field),
                total(&late, y + 2, field),
                max_relative = 1e-9
            );
        }
        moved += total(&base, y, "new_dwelling_movers");
    }
    assert!(moved > 0.0, "the sample pipeline brings movers");
    for y in [b + 1, b + 2] {
        assert_eq!(total(&late, y, "dwellings_pipeline"), 0.0, "{y}");
    }
    // The same parameters as a JSON body.
    let (status, _, body) = send(
        &f.app,
        Request::post("/scenarios/run?f=json")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"pipeline_delay_years": 2}"#))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let posted: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(posted["rows"], late["rows"]);
    assert_eq!(posted["query"], "pipeline_delay_years=2");
}

#[tokio::test]
async fn bad_parameters_are_400s_naming_the_parameter_and_its_range() {
    let f = fixture();
    for (uri, parameter, says) in [
        (
            "/scenarios/run?net_migration_multiplier=9",
            "net_migration_multiplier",
            "0 to 5",
        ),
        (
            "/scenarios/run?pipeline_delay_years=1.5",
            "pipeline_delay_years",
            "whole number from 0 to 20",
        ),
        (
            "/scenarios/run?vacancy_reserve=abc",
            "vacancy_reserve",
            "0 to 0.1",
        ),
        (
            "/scenarios/run?fertility=2",
            "fertility",
            "fertility_multiplier",
        ),
        ("/scenarios/run?scenario=nonesuch", "scenario", "base"),
        ("/scenarios/run?year=1900", "year", "forecast covers"),
        ("/scenarios/run?f=xml", "f", "geojson, json or csv"),
        (
            "/scenarios/run?net_migration_multiplier=1&net_migration_per_year=100",
            "net_migration_per_year",
            "not both",
        ),
        (
            "/scenarios/run?care_places_per_100_80_plus=1&care_places_per_100_80_plus=2",
            "care_places_per_100_80_plus",
            "more than once",
        ),
        (
            "/scenarios/run?headship_trend=4",
            "headship_trend",
            "-3 to 3",
        ),
        (
            "/scenarios/run?exclude_project=P001,NOPE",
            "exclude_project",
            "no such project",
        ),
        (
            "/scenarios/run?exclude_project=,",
            "exclude_project",
            "commas",
        ),
    ] {
        let (status, headers, body) = get(&f.app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let e: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(e["parameter"], parameter, "{uri}: {e}");
        assert!(
            e["description"].as_str().unwrap().contains(says),
            "{uri}: {e}"
        );
    }
    let (status, _, body) = send(
        &f.app,
        Request::post("/scenarios/run")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"net_migration_multiplier": [1]}"#))
            .unwrap(),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "{}",
        String::from_utf8_lossy(&body)
    );
}

#[tokio::test]
async fn csv_and_a_single_year() {
    let f = fixture();
    let (status, headers, body) = get(
        &f.app,
        "/scenarios/run?f=csv&net_migration_multiplier=1.5&year=2025",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert_eq!(
        headers["scenario-parameters"],
        "net_migration_multiplier=1.5&year=2025"
    );
    let text = String::from_utf8(body).unwrap();
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    let header_line = lines.next().unwrap();
    assert!(header_line.starts_with("district,name,year,observed,population"));
    let n = lines.filter(|l| l.contains(",2025,")).count();
    assert_eq!(n, f.dataset.districts.len());
}

#[test]
fn identical_parameters_are_computed_once_and_the_cache_stays_bounded() {
    let manifest = Manifest::load(&sample_manifest()).expect("manifest");
    let dataset = housing_need::ingest::load(&manifest).expect("dataset");
    let served = model::run(&dataset, &manifest.model);
    let one = Engine::new(&dataset, &manifest.model, &served)
        .compute(&WhatIf::default())
        .bytes();
    let limits = CacheLimits {
        entries: 100,
        bytes: 5 * one,
    };
    let engine = Engine::with_limits(&dataset, &manifest.model, &served, limits);
    let mut w = WhatIf::default();
    w.set("net_migration_multiplier", "1.25", &[]).unwrap();
    let a = engine.run(&w);
    assert!(engine.is_cached(&w));
    let b = engine.run(&w);
    assert!(Arc::ptr_eq(&a, &b), "the second run came from the cache");
    for i in 0..40 {
        let mut w = WhatIf::default();
        w.set("completions_per_year", &(100 + i).to_string(), &[])
            .unwrap();
        engine.run(&w);
        let stats = engine.cache_stats();
        assert!(stats.bytes <= limits.bytes, "{stats:?}");
    }
    assert!(engine.cache_stats().entries <= 5);
}

#[tokio::test]
async fn named_scenarios_are_collections_and_what_ifs() {
    let f = fixture();
    let listing = get_json(&f.app, "/scenarios").await;
    let names: Vec<&str> = listing["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["high", "late"]);
    for name in names {
        let items = get_json(
            &f.app,
            &format!("/collections/demand-{name}/items?limit=10000"),
        )
        .await;
        let whatif = get_json(&f.app, &format!("/scenarios/run?scenario={name}")).await;
        let (a, b) = (
            items["features"].as_array().unwrap(),
            whatif["features"].as_array().unwrap(),
        );
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert_eq!(x["properties"], y["properties"], "{name}");
        }
        // Every named scenario changes something at the horizon: the population (migration),
        // or the gap (a delayed pipeline moves dwellings, not the municipal total, which the
        // districts are held to).
        let diff = &whatif["summary"]["difference"];
        let changed = |k: &str| diff[k].as_f64().is_some_and(|v| v.abs() > 1e-6);
        assert!(changed("population") || changed("gap"), "{name}: {diff}");
    }
}

/// Bands from the real municipal series 2000–2025: every horizon 1…10 has a band around 0 that
/// widens with the horizon.
#[test]
fn error_bands_from_the_municipal_series() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for rel in [
        "geodata/alingsas-kommun/alingsas-kommun.toml",
        "geodata/alingsas-deso2025/alingsas-deso2025.toml",
    ] {
        let manifest = Manifest::load(&root.join(rel)).expect("manifest");
        let dataset = housing_need::ingest::load(&manifest).expect("dataset");
        let b = housing_need::uncertainty::error_bands(&dataset, &manifest.model).expect(rel);
        println!("{rel}: {} base years {:?}", b.source, b.base_years);
        for band in &b.bands {
            println!(
                "  h={:>2} n={:>2} p10 {:+.2} % p90 {:+.2} %",
                band.horizon,
                band.samples,
                band.error_low * 100.0,
                band.error_high * 100.0
            );
            assert!(band.error_low <= band.error_high);
            assert!(band.error_low < 0.1 && band.error_high > -0.1);
        }
        assert_eq!(b.bands.len(), 10);
        let (first, last) = (&b.bands[0], &b.bands[9]);
        assert!(last.error_high - last.error_low > first.error_high - first.error_low);
    }
    // The sample has three years: no bands, and says why.
    let manifest = Manifest::load(&sample_manifest()).unwrap();
    let dataset = housing_need::ingest::load(&manifest).unwrap();
    let why = housing_need::uncertainty::error_bands(&dataset, &manifest.model).unwrap_err();
    assert!(why.contains("history"), "{why}");
}

/// A dataset with a long history publishes `_low`/`_high` beside projected figures, and the
/// backtests behind them under `/scenarios`.
#[tokio::test]
async fn projected_figures_have_their_range() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest =
        Manifest::load(&root.join("geodata/alingsas-kommun/alingsas-kommun.toml")).unwrap();
    let dataset = housing_need::ingest::load(&manifest).unwrap();
    let analysis = Analysis::compute(&dataset, &manifest);
    let bands = analysis.bands.as_ref().ok().cloned();
    assert!(bands.is_some());
    let layers = Layers::build(&dataset, &analysis);
    let demand = layers.get("demand").unwrap();
    let at = |name: &str| demand.field(name).unwrap();
    for f in &demand.features {
        let v = |name: &str| f.values[at(name)].to_json().as_f64().unwrap();
        let (p, lo, hi) = (v("population"), v("population_low"), v("population_high"));
        let (g, glo, ghi) = (v("gap"), v("gap_low"), v("gap_high"));
        if f.values[at("observed")] == housing_need::layers::Cell::Boolean(true) {
            assert_eq!((lo, hi), (p, p));
        } else {
            assert!(lo < p && p < hi, "{}: {lo} {p} {hi}", f.id);
            assert!(glo < g && g < ghi, "{}: {glo} {g} {ghi}", f.id);
        }
    }
    let state = ScenarioState::new(ScenarioService::new(
        &dataset,
        &manifest.model,
        &analysis.run,
        bands,
    ));
    let app = routes(state);
    let listing = get_json(&app, "/scenarios").await;
    assert_eq!(
        listing["uncertainty"]["bands"].as_array().unwrap().len(),
        10
    );
    assert!(listing["uncertainty"]["record"].as_array().unwrap().len() > 100);
    let run = get_json(&app, "/scenarios/run?f=json&net_migration_multiplier=0").await;
    assert!(rows(&run)
        .iter()
        .all(|r| r["population_low"].as_f64().unwrap() <= r["population"].as_f64().unwrap()));
}

/// Leaving a project out is the forecast of the dataset without it; the ids may be repeated or
/// comma-separated, in any order, and are echoed sorted.
#[tokio::test]
async fn a_project_left_out_is_the_dataset_without_it() {
    let f = fixture();
    // The two largest projects still in the pipeline (not yet moved into).
    let mut pipeline: Vec<_> = f
        .dataset
        .projects
        .iter()
        .filter(|p| {
            p.dates
                .last_reached()
                .is_some_and(|s| s != ProjectStage::Inflyttning)
        })
        .collect();
    pipeline.sort_by(|x, y| y.dwellings.total_cmp(&x.dwellings));
    let ids: Vec<String> = pipeline.iter().map(|p| p.id.clone()).collect();
    assert!(ids.len() >= 2, "the sample has a pipeline");
    let (a, b) = (&ids[0], &ids[1]);
    let one = get_json(
        &f.app,
        &format!("/scenarios/run?f=json&exclude_project={b}&exclude_project={a}"),
    )
    .await;
    let other = get_json(
        &f.app,
        &format!("/scenarios/run?f=json&exclude_project={a},{b}"),
    )
    .await;
    let mut sorted = [a.clone(), b.clone()];
    sorted.sort();
    assert_eq!(one["parameters"]["exclude_project"], sorted.join(","));
    assert_eq!(one["rows"], other["rows"]);
    let mut without = f.dataset.clone();
    without.projects.retain(|p| p.id != *a && p.id != *b);
    let expected = model::run(&without, &f.manifest.model);
    let got = rows(&one);
    assert_eq!(got.len(), expected.rows.len());
    for (g, e) in got.iter().zip(&expected.rows) {
        assert_eq!(g["district"], e.district.as_str());
        assert_eq!(g["year"], e.year);
        for field in ["dwellings_pipeline", "population", "gap"] {
            let want = serde_json::to_value(e).unwrap()[field].clone();
            assert_eq!(g[field], want, "{field} {} {}", e.district, e.year);
        }
    }
    // And it differs from the served forecast: the pipeline lost the two projects.
    let served = model::run(&f.dataset, &f.manifest.model);
    let pipeline = |r: &[model::DemandRow]| -> f64 {
        r.iter()
            .filter(|r| r.year == served.horizon_year)
            .map(|r| r.dwellings_pipeline)
            .sum()
    };
    assert!(pipeline(&expected.rows) < pipeline(&served.rows));
}
