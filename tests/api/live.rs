//! Live tests: the real binary serving the default dataset (the real municipality, SCB's DeSO
//! 2025 areas, as `./scripts/serve` serves it) and the synthetic sample (a pipeline and named
//! scenarios), read by real clients.
//!
//! Each test starts `housing-need serve` on a free port of 127.0.0.1 and stops it when done.
//! They need the default dataset to load; when it does not, or when a client is not installed
//! (`ogrinfo`/`ogr2ogr` from gdal-bin, QGIS's Python from python3-qgis), they print why and
//! return without failing, so the in-process tests still run everywhere.

use std::collections::HashSet;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use housing_need::model::ModelRun;

/// The default dataset's manifest (what the binary serves without `--data`).
fn manifest() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("geodata")
        .join(housing_need::embedded::DEFAULT_MANIFEST)
}

/// The synthetic sample's manifest: address points, a pipeline and named scenarios.
fn sample_manifest() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("geodata/alingsas-sample/alingsas-sample.toml")
}

/// The model's own result on a dataset, computed in-process (the truth to compare the
/// clients' counts with): districts, the run, and pipeline projects.
fn model_on(manifest: &Path) -> Result<(usize, ModelRun, usize), String> {
    let m = housing_need::config::Manifest::load(manifest).map_err(|e| e.to_string())?;
    let ds = housing_need::ingest::load(&m).map_err(|e| e.to_string())?;
    let run = housing_need::model::run(&ds, &m.model);
    Ok((ds.districts.len(), run, ds.projects.len()))
}

/// [`model_on`] the default dataset, without its projects.
fn model_on_default() -> Result<(usize, ModelRun), String> {
    model_on(&manifest()).map(|(d, run, _)| (d, run))
}

/// A running server, killed on drop.
struct Server {
    child: Child,
    url: String,
    _log_dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// Starts the binary on the default dataset; `Err` says why it could not serve.
fn start() -> Result<Server, String> {
    start_with(&manifest())
}

/// Starts the binary on `manifest`; `Err` says why it could not serve.
fn start_with(manifest: &Path) -> Result<Server, String> {
    let port = free_port();
    let log_dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let log = log_dir.path().join("serve.log");
    let log_file = std::fs::File::create(&log).map_err(|e| e.to_string())?;
    let child = Command::new(env!("CARGO_BIN_EXE_housing-need"))
        .arg("serve")
        .arg("--data")
        .arg(manifest)
        .arg("--bind")
        .arg(format!("127.0.0.1:{port}"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("HOUSING_NEED_PUBLIC_URL")
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .map_err(|e| format!("cannot start the binary: {e}"))?;
    let mut server = Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _log_dir: log_dir,
    };
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        if let Ok(Some(status)) = server.child.try_wait() {
            let mut text = String::new();
            let _ = std::fs::File::open(&log).and_then(|mut f| f.read_to_string(&mut text));
            return Err(format!("the server exited ({status}):\n{text}"));
        }
        if ureq::get(&format!("{}/", server.url))
            .timeout(Duration::from_secs(2))
            .call()
            .is_ok()
        {
            return Ok(server);
        }
        if Instant::now() > deadline {
            let _ = server.child.kill();
            return Err("the server did not answer within 300 s".into());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// True when `program --version` runs.
fn has(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Passes with a printed reason, or fails when `HOUSING_NEED_REQUIRE_CLIENTS=1` (set by
/// `scripts/test`, which installs the clients, so a skip there is a fault).
fn skip(test: &str, why: &str) {
    if std::env::var("HOUSING_NEED_REQUIRE_CLIENTS").is_ok_and(|v| v == "1") {
        panic!("{test}: {why} (HOUSING_NEED_REQUIRE_CLIENTS=1 forbids skipping)");
    }
    eprintln!("SKIPPED {test}: {why}");
}

fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd.output().expect("run client");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn gdal_lists_collections_and_reads_every_feature() {
    const TEST: &str = "gdal_lists_collections_and_reads_every_feature";
    if !has("ogrinfo", "--version") || !has("ogr2ogr", "--version") {
        return skip(
            TEST,
            "ogrinfo/ogr2ogr not installed (Debian package gdal-bin)",
        );
    }
    let (districts, model) = match model_on_default() {
        Ok(m) => m,
        Err(e) => panic!("the default dataset does not load: {e}"),
    };
    let server = match start() {
        Ok(s) => s,
        Err(e) => return skip(TEST, &e),
    };
    let src = format!("OAPIF:{}", server.url);

    let (ok, out, err) = run(Command::new("ogrinfo").args(["-ro", "-so", &src]));
    assert!(ok, "ogrinfo failed: {err}");
    assert!(out.contains("districts"), "ogrinfo lists districts:\n{out}");
    assert!(out.contains("demand"), "ogrinfo lists demand:\n{out}");

    let (ok, out, err) = run(Command::new("ogrinfo").args(["-ro", "-so", &src, "demand"]));
    assert!(ok, "ogrinfo demand failed: {err}");
    assert!(
        out.contains(&format!("Feature Count: {}", model.rows.len())),
        "ogrinfo's feature count is the model's ({}):\n{out}",
        model.rows.len()
    );

    let dir = tempfile::tempdir().expect("tempdir");
    for (layer, expected, page) in [
        ("demand", model.rows.len(), "50"),
        ("districts", districts, "7"),
    ] {
        let out_path = dir.path().join(format!("{layer}.geojson"));
        let (ok, _, err) = run(Command::new("ogr2ogr").args([
            "-f",
            "GeoJSON",
            out_path.to_str().expect("utf-8 path"),
            &src,
            layer,
            "-oo",
            &format!("PAGE_SIZE={page}"),
        ]));
        assert!(ok, "ogr2ogr {layer} failed: {err}");
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out_path).expect("output"))
                .expect("GeoJSON");
        let features = doc["features"].as_array().expect("features");
        assert_eq!(
            features.len(),
            expected,
            "ogr2ogr read every {layer} feature through the next links (page size {page})"
        );
        if layer == "demand" {
            let keys: HashSet<(String, i64)> = features
                .iter()
                .map(|f| {
                    (
                        f["properties"]["district"]
                            .as_str()
                            .unwrap_or("")
                            .to_string(),
                        f["properties"]["year"].as_i64().unwrap_or(0),
                    )
                })
                .collect();
            assert_eq!(keys.len(), expected, "no district-year twice");
        }
    }

    // A filter GDAL can hand to the server (declared in the OpenAPI document).
    let horizon = model.horizon_year.to_string();
    let out_path = dir.path().join("horizon.geojson");
    let (ok, _, err) = run(Command::new("ogr2ogr").args([
        "-f",
        "GeoJSON",
        out_path.to_str().expect("utf-8 path"),
        &src,
        "demand",
        "-where",
        &format!("year = {horizon}"),
    ]));
    assert!(ok, "ogr2ogr -where failed: {err}");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_path).expect("output")).expect("json");
    let n = model
        .rows
        .iter()
        .filter(|r| r.year == model.horizon_year)
        .count();
    assert_eq!(doc["features"].as_array().map(Vec::len), Some(n));
}

/// QGIS's Python: `QGIS_PYTHON`, else Debian's `/usr/bin/python3`, else `python3`.
fn qgis_python() -> Option<String> {
    let candidates: Vec<String> = std::env::var("QGIS_PYTHON")
        .ok()
        .into_iter()
        .chain(["/usr/bin/python3".to_string(), "python3".to_string()])
        .collect();
    candidates.into_iter().find(|py| {
        Command::new(py)
            .args(["-c", "import qgis.core"])
            .env("QT_QPA_PLATFORM", "offscreen")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// QGIS loads every collection the service on `manifest` lists, each with every feature and
/// field and inside `extent_3006` (minE,minN,maxE,maxN), and a what-if's GeoJSON URL as a
/// plain layer. Returns the collection ids, or `None` when it skipped.
fn qgis_loads_every_collection(
    test: &str,
    manifest: &Path,
    extent_3006: &str,
) -> Option<Vec<String>> {
    let Some(python) = qgis_python() else {
        skip(test, "no Python with QGIS (Debian package python3-qgis)");
        return None;
    };
    let (districts, model, projects) = match model_on(manifest) {
        Ok(m) => m,
        Err(e) => panic!("{} does not load: {e}", manifest.display()),
    };
    let server = match start_with(manifest) {
        Ok(s) => s,
        Err(e) => {
            skip(test, &e);
            return None;
        }
    };
    // Every collection the service lists, with its size from the model.
    let listed = collection_ids(&server.url);
    let expected: Vec<(String, usize)> = listed
        .iter()
        .map(|id| {
            let n = match id.as_str() {
                "districts" => districts,
                "flags" => 2 * districts,
                "projects" => projects,
                // The forecast and each named scenario: one row per district and year.
                d if d == "demand" || d.starts_with("demand-") => model.rows.len(),
                other => panic!("{test}: no expected size for collection {other}"),
            };
            (id.clone(), n)
        })
        .collect();
    let home = tempfile::tempdir().expect("tempdir");
    let runtime_dir = home.path().join("runtime");
    std::fs::create_dir(&runtime_dir).expect("runtime dir");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&runtime_dir, std::fs::Permissions::from_mode(0o700));
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/qgis_oapif.py");
    let out = Command::new(&python)
        .arg(&script)
        .args(["--url", &server.url])
        .args(
            expected
                .iter()
                .flat_map(|(c, n)| ["--expect".to_string(), format!("{c}={n}")]),
        )
        // A what-if's GeoJSON URL as a plain layer.
        .args([
            "--geojson",
            &format!(
                "{}={}/scenarios/run?net_migration_multiplier=0.5&pipeline_delay_years=1",
                model.rows.len(),
                server.url
            ),
        ])
        .args(["--extent-3006", extent_3006, "--tolerance", "2000"])
        .env("QT_QPA_PLATFORM", "offscreen")
        .env("HOME", home.path())
        .env("XDG_RUNTIME_DIR", &runtime_dir)
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .output()
        .expect("run the QGIS script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}");
    assert!(
        out.status.success(),
        "QGIS checks failed:\n{stdout}\n{stderr}"
    );
    let checks = stdout
        .lines()
        .filter(|l| l.contains("\"ok\": true"))
        .count();
    assert_eq!(
        checks,
        2 * expected.len() + 1,
        "two checks per collection and one for the scenario's GeoJSON passed:\n{stdout}"
    );
    Some(listed)
}

/// The default, as `./scripts/serve` serves it: SCB's 23 DeSO 2025 areas, no pipeline.
#[test]
fn qgis_loads_every_layer_of_the_default_with_every_feature() {
    // SCB's DeSO 2025 areas reach 342,642-365,170 E and 6,404,911-6,453,321 N; QGIS keeps the
    // layer in lon/lat, and the lon/lat box transformed back to metres is about 1 km wider.
    let Some(listed) = qgis_loads_every_collection(
        "qgis_loads_every_layer_of_the_default_with_every_feature",
        &manifest(),
        "342600,6404900,365200,6453400",
    ) else {
        return;
    };
    assert_eq!(listed, ["districts", "demand", "flags"]);
}

/// The sample: its pipeline and the named scenarios of its manifest are layers too.
#[test]
fn qgis_loads_every_layer_of_the_sample_with_every_feature() {
    // Alingsås kommun in SWEREF 99 TM, with room for the synthetic data's edges.
    let Some(listed) = qgis_loads_every_collection(
        "qgis_loads_every_layer_of_the_sample_with_every_feature",
        &sample_manifest(),
        "344700,6404400,364800,6452900",
    ) else {
        return;
    };
    for id in ["demand-high", "demand-late", "flags", "projects"] {
        assert!(listed.iter().any(|l| l == id), "{id} not in {listed:?}");
    }
}

/// The ids of the collections the service at `url` lists, in order.
fn collection_ids(url: &str) -> Vec<String> {
    let text = ureq::get(&format!("{url}/collections"))
        .call()
        .expect("collections")
        .into_string()
        .expect("body");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    doc["collections"]
        .as_array()
        .expect("collections")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_string())
        .collect()
}

/// `numberMatched` of `GET url`.
fn number_matched(url: &str) -> u64 {
    let text = ureq::get(url)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
        .into_string()
        .expect("body");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    doc["numberMatched"].as_u64().expect("numberMatched")
}

#[test]
fn the_published_extents_select_every_feature_of_the_default_data() {
    let server = match start() {
        Ok(s) => s,
        Err(e) => return skip("the_published_extents_select_every_feature", &e),
    };
    let text = ureq::get(&format!("{}/collections", server.url))
        .call()
        .expect("collections")
        .into_string()
        .expect("body");
    let collections: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let join = |v: &serde_json::Value| {
        v.as_array()
            .expect("a box")
            .iter()
            .map(|x| x.as_f64().expect("number").to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    for c in collections["collections"].as_array().expect("collections") {
        let id = c["id"].as_str().expect("id");
        let items = format!("{}/collections/{id}/items?limit=1", server.url);
        let all = number_matched(&items);
        let spatial = &c["extent"]["spatial"];
        for query in [
            format!("bbox={}", join(&spatial["bbox"][0])),
            format!(
                "bbox={}&bbox-crs=EPSG:3006",
                join(&spatial["storageCrsBbox"][0])
            ),
        ] {
            let n = number_matched(&format!("{items}&{query}"));
            eprintln!("{id}: {query}: {n} of {all}");
            assert_eq!(n, all, "{id}: {query}");
        }
    }
}
