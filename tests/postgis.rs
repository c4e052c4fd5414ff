//! PostGIS both ways, against a real PostgreSQL with PostGIS: a throw-away cluster in a
//! temporary folder on a free port (trust authentication on 127.0.0.1 and on a socket in that
//! folder), stopped when the test ends, passed or failed.
//!
//! - read: the sample dataset's districts, address points and pipeline are loaded into PostGIS
//!   with `ogr2ogr`; a manifest naming those tables gives the same `check` report as the files;
//! - write: `analyze --out PG:…` writes every layer, which read back (fields, types, values,
//!   geometries) equal the GeoPackage the file run writes; `ogrinfo` lists the tables with the
//!   GeoPackage's counts; every table has its primary key, a GiST index and EPSG:3006;
//! - a second run replaces the first in one transaction: a reader polling all the while sees
//!   the first run or the second, never a mix; a run that fails half-way (a view depends on a
//!   table) leaves the previous run whole; a table no run wrote is never dropped;
//! - a bad connection string, a missing table and a missing column are `check` problems naming
//!   them.
//!
//! PostgreSQL refuses to run as root: as root the cluster runs as the `postgres` system user
//! (which Debian's package creates) through `runuser`. Without PostgreSQL, PostGIS or
//! `ogr2ogr` the tests say why and pass, unless `HOUSING_NEED_REQUIRE_CLIENTS=1` (set by
//! `scripts/test`, which installs them).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap in a test is a failed test

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gdal::vector::sql::Dialect;
use gdal::vector::LayerAccess;
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};

/// The tables of the run that `analyze` writes for the sample, as the GeoPackage has them.
const LAYERS: [&str; 4] = ["districts", "demand", "flags", "projects"];

fn sample_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("geodata/alingsas-sample")
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_housing-need"))
}

fn skip(test: &str, why: &str) {
    if std::env::var("HOUSING_NEED_REQUIRE_CLIENTS").is_ok_and(|v| v == "1") {
        panic!("{test}: {why} (HOUSING_NEED_REQUIRE_CLIENTS=1 forbids skipping)");
    }
    eprintln!("SKIPPED {test}: {why}");
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A PostgreSQL cluster in a temporary folder, stopped (and its folder removed) on drop.
struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    /// The system user the server runs as when the tests run as root.
    user: Option<&'static str>,
}

impl Cluster {
    /// Starts a cluster with PostGIS, or says why it cannot.
    fn start() -> Result<Self, String> {
        let bin = server_bin()?;
        let root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        let user = if root {
            let exists = Command::new("id")
                .arg("postgres")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !exists {
                return Err(
                    "running as root and there is no `postgres` user to run PostgreSQL as \
                     (Debian's postgresql package creates it)"
                        .into(),
                );
            }
            Some("postgres")
        } else {
            None
        };
        let dir = tempfile::Builder::new()
            .prefix("pg-")
            .tempdir()
            .map_err(|e| format!("cannot make a temporary folder: {e}"))?;
        if let Some(user) = user {
            let chown = Command::new("chown")
                .arg(format!("{user}:"))
                .arg(dir.path())
                .output()
                .map_err(|e| format!("chown: {e}"))?;
            if !chown.status.success() {
                return Err(format!("chown {user}: {}", text(&chown)));
            }
        }
        // Trust authentication for the superuser `postgres` (local connections only).
        let data = dir.path().join("data");
        let initdb = as_user(user, &bin.join("initdb"))
            .current_dir(dir.path())
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
                "-D",
            ])
            .arg(&data)
            .output()
            .map_err(|e| format!("initdb: {e}"))?;
        if !initdb.status.success() {
            return Err(format!("initdb failed: {}", text(&initdb)));
        }
        let log = dir.path().join("log");
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port();
            let options = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off",
                dir.path().display()
            );
            let started = pg_ctl(user, &bin, &data)
                .args(["start", "-w", "-t", "60", "-l"])
                .arg(&log)
                .args(["-o", &options])
                .output()
                .map_err(|e| format!("pg_ctl start: {e}"))?;
            if started.status.success() {
                let cluster = Cluster {
                    dir,
                    bin,
                    port,
                    user,
                };
                cluster.sql("CREATE EXTENSION postgis")?;
                return Ok(cluster);
            }
            // Another process may have taken the port between our probe and the start.
            last = format!(
                "{}{}",
                text(&started),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        Err(format!("PostgreSQL did not start: {last}"))
    }

    /// The GDAL connection string, with `extra` options (`active_schema=…`).
    fn conn(&self, extra: &str) -> String {
        format!(
            "PG:host=127.0.0.1 port={} user=postgres dbname=postgres {extra}",
            self.port
        )
        .trim_end()
        .to_string()
    }

    /// Runs statements through GDAL.
    fn sql(&self, statements: &str) -> Result<(), String> {
        let ds = open_update(&self.conn(""))?;
        for statement in statements.split(';').filter(|s| !s.trim().is_empty()) {
            ds.execute_sql(statement, None, Dialect::DEFAULT)
                .map_err(|e| format!("{statement}: {e}"))?;
        }
        Ok(())
    }

    /// The first column of every row of a query, as text.
    fn query(&self, query: &str) -> Vec<String> {
        let ds = open_update(&self.conn("")).unwrap();
        rows(&ds, query)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let stopped = pg_ctl(self.user, &self.bin, &self.dir.path().join("data"))
            .args(["stop", "-m", "fast", "-w", "-t", "60"])
            .output();
        match stopped {
            Ok(out) if out.status.success() => {}
            Ok(out) => eprintln!("pg_ctl stop failed: {}", text(&out)),
            Err(e) => eprintln!("pg_ctl stop: {e}"),
        }
    }
}

/// `pg_ctl -D data` of the server in `bin`, run as `user`.
fn pg_ctl(user: Option<&str>, bin: &Path, data: &Path) -> Command {
    let mut cmd = as_user(user, &bin.join("pg_ctl"));
    // The server's user may not enter our working directory.
    if let Some(dir) = data.parent() {
        cmd.current_dir(dir);
    }
    cmd.arg("-D").arg(data);
    cmd
}

/// `program` run as `user` (through `runuser`) or as ourselves.
fn as_user(user: Option<&str>, program: &Path) -> Command {
    match user {
        Some(user) => {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", user, "--"]).arg(program);
            cmd
        }
        None => Command::new(program),
    }
}

/// The newest server under `/usr/lib/postgresql/VERSION/bin` whose PostGIS extension is
/// installed.
fn server_bin() -> Result<PathBuf, String> {
    let mut versions: Vec<u32> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| {
            "PostgreSQL is not installed (no /usr/lib/postgresql; Debian packages postgresql and postgresql-VERSION-postgis-3)".to_string()
        })?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    versions.sort_unstable();
    let version = versions
        .into_iter()
        .rev()
        .find(|v| Path::new(&format!("/usr/lib/postgresql/{v}/bin/initdb")).exists())
        .ok_or("no PostgreSQL server under /usr/lib/postgresql (Debian package postgresql)")?;
    let control = format!("/usr/share/postgresql/{version}/extension/postgis.control");
    if !Path::new(&control).exists() {
        return Err(format!(
            "PostGIS is not installed for PostgreSQL {version} (Debian package postgresql-{version}-postgis-3)"
        ));
    }
    Ok(PathBuf::from(format!("/usr/lib/postgresql/{version}/bin")))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn open_update(conn: &str) -> Result<Dataset, String> {
    Dataset::open_ex(
        conn,
        DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_UPDATE | GdalOpenFlags::GDAL_OF_VECTOR,
            allowed_drivers: Some(&["PostgreSQL"]),
            ..Default::default()
        },
    )
    .map_err(|e| format!("{conn}: {e}"))
}

fn rows(ds: &Dataset, query: &str) -> Vec<String> {
    let result = ds
        .execute_sql(query, None, Dialect::DEFAULT)
        .unwrap_or_else(|e| panic!("{query}: {e}"));
    let Some(mut rows) = result else {
        return Vec::new();
    };
    rows.features()
        .map(|f| f.field_as_string(0).ok().flatten().unwrap_or_default())
        .collect()
}

/// Whether the tools the tests drive are there; otherwise why not.
fn tools() -> Result<(), String> {
    let ok = Command::new("ogr2ogr")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        return Err("ogr2ogr is not installed (Debian package gdal-bin)".into());
    }
    server_bin().map(drop)
}

/// Loads the sample's districts, address points and pipeline into schema `input` with
/// `ogr2ogr`, as a municipality's GIS team would.
fn load_sample(cluster: &Cluster) {
    cluster.sql("CREATE SCHEMA input").unwrap();
    let started = Instant::now();
    let dir = sample_dir();
    let conn = cluster.conn("");
    let loads: [(&str, &str, &[&str]); 3] = [
        ("districts.geojson", "districts", &[]),
        (
            "address_points.csv",
            "address_points",
            &[
                "-oo",
                "X_POSSIBLE_NAMES=x",
                "-oo",
                "Y_POSSIBLE_NAMES=y",
                "-oo",
                "KEEP_GEOM_COLUMNS=NO",
                "-a_srs",
                "EPSG:3006",
            ],
        ),
        ("projects.geojson", "projects", &[]),
    ];
    for (file, table, extra) in loads {
        let out = Command::new("ogr2ogr")
            .args(["-f", "PostgreSQL", &conn])
            .arg(dir.join(file))
            .args(["-nln", table, "-lco", "SCHEMA=input"])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "ogr2ogr {file}: {}", text(&out));
    }
    eprintln!(
        "loaded the sample into PostGIS with ogr2ogr in {:.2} s",
        started.elapsed().as_secs_f64()
    );
}

/// The sample's manifest with districts, address points and pipeline read from `conn`
/// (schema `input`), every other part from the sample's files; written into `dir`.
fn pg_manifest(dir: &Path, conn: &str, edit: impl FnOnce(&mut toml::Table)) -> PathBuf {
    let sample = sample_dir();
    let text = std::fs::read_to_string(sample.join("alingsas-sample.toml")).unwrap();
    let mut m: toml::Table = toml::from_str(&text).unwrap();
    for (part, section) in m.iter_mut() {
        let Some(section) = section.as_table_mut() else {
            continue;
        };
        if part == "model" || part == "dataset" {
            continue;
        }
        for key in ["path", "source"] {
            if let Some(toml::Value::String(p)) = section.get_mut(key) {
                *p = sample.join(&*p).display().to_string();
            }
        }
    }
    for (part, table) in [
        ("districts", "input.districts"),
        ("population", "input.address_points"),
        ("pipeline", "input.projects"),
    ] {
        let section = m.get_mut(part).unwrap().as_table_mut().unwrap();
        section.insert("source".into(), conn.into());
        section.insert("layer".into(), table.into());
        section.remove("crs");
        section.remove("open_options");
    }
    edit(&mut m);
    let path = dir.join("postgis.toml");
    std::fs::write(&path, toml::to_string(&m).unwrap()).unwrap();
    path
}

/// `check --json` of a manifest: the document, with every source name left out (they differ
/// between files and tables by design).
fn check_json(manifest: &Path) -> serde_json::Value {
    let out = bin()
        .args(["check", "--json", "--data"])
        .arg(manifest)
        .output()
        .unwrap();
    let mut doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("check --json: {e}: {}", text(&out)));
    for list in ["problems", "warnings", "joins"] {
        for item in doc[list].as_array_mut().unwrap() {
            item.as_object_mut().unwrap().remove("file");
        }
    }
    doc
}

fn analyze(manifest: &Path, out: &str, extra: &[&str]) -> Output {
    bin()
        .args(["analyze", "--data"])
        .arg(manifest)
        .args(["--out", out])
        .args(extra)
        .output()
        .unwrap()
}

/// One feature: its fields (name, GDAL type, value as text) and its geometry as WKT.
type Row = (Vec<(String, String, Option<String>)>, Option<String>);

/// Every feature of `layer` in `ds`, in FID order.
fn read_layer(ds: &Dataset, layer: &str) -> Vec<Row> {
    let mut l = ds
        .layer_by_name(layer)
        .unwrap_or_else(|e| panic!("layer {layer}: {e}"));
    let fields: Vec<(String, String)> = l
        .defn()
        .fields()
        .map(|f| (f.name(), format!("{:?}", f.field_type())))
        .collect();
    let mut features: Vec<(u64, Row)> = l
        .features()
        .map(|f| {
            let values = fields
                .iter()
                .enumerate()
                .map(|(i, (name, ty))| (name.clone(), ty.clone(), f.field_as_string(i).unwrap()))
                .collect();
            let geometry = f.geometry().map(|g| g.wkt().unwrap());
            (f.fid().unwrap(), (values, geometry))
        })
        .collect();
    features.sort_by_key(|(fid, _)| *fid);
    features.into_iter().map(|(_, row)| row).collect()
}

/// Asserts two layers are equal field by field, feature by feature.
fn assert_same_layer(layer: &str, expected: &[Row], got: &[Row]) {
    assert_eq!(expected.len(), got.len(), "{layer}: feature count");
    for (i, (e, g)) in expected.iter().zip(got).enumerate() {
        assert_eq!(e.0, g.0, "{layer}: feature {}: fields", i + 1);
        assert_eq!(e.1, g.1, "{layer}: feature {}: geometry", i + 1);
    }
}

/// A cluster with the sample loaded into schema `input`, or `None` after saying why there is
/// none (see [`skip`]).
fn cluster_with_sample(test: &str) -> Option<Cluster> {
    if let Err(why) = tools() {
        skip(test, &why);
        return None;
    }
    match Cluster::start() {
        Ok(cluster) => {
            load_sample(&cluster);
            Some(cluster)
        }
        Err(why) => {
            skip(test, &why);
            None
        }
    }
}

fn open_gpkg(path: &Path) -> Dataset {
    Dataset::open(path).unwrap()
}

#[test]
fn postgis_round_trip_equals_the_file_run() {
    let Some(cluster) = cluster_with_sample("postgis_round_trip_equals_the_file_run") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let files = sample_dir().join("alingsas-sample.toml");
    let manifest = pg_manifest(dir.path(), &cluster.conn(""), |_| {});

    // read: the same check report.
    let started = Instant::now();
    let from_files = check_json(&files);
    let files_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let from_tables = check_json(&manifest);
    let tables_s = started.elapsed().as_secs_f64();
    assert_eq!(from_tables["ok"], true, "{from_tables:#}");
    assert_eq!(from_files, from_tables);
    eprintln!(
        "check: files {files_s:.2} s, PostGIS {tables_s:.2} s; joins {}",
        from_tables["joins"]
    );

    // analyze: files to a GeoPackage, tables to a GeoPackage and to PostGIS.
    let file_gpkg = dir.path().join("files.gpkg");
    let out = analyze(&files, file_gpkg.to_str().unwrap(), &[]);
    assert!(out.status.success(), "{}", text(&out));
    let pg_gpkg = dir.path().join("postgis.gpkg");
    let out = analyze(&manifest, pg_gpkg.to_str().unwrap(), &[]);
    assert!(out.status.success(), "{}", text(&out));
    let results = cluster.conn("active_schema=results");
    let started = Instant::now();
    let out = analyze(&manifest, &results, &[]);
    assert!(out.status.success(), "{}", text(&out));
    eprintln!(
        "analyze from PostGIS to PostGIS: {:.2} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        text(&out).contains("(schema results)"),
        "analyze names where it wrote: {}",
        text(&out)
    );

    // read back: every layer equal to the file run's GeoPackage.
    let expected = open_gpkg(&file_gpkg);
    let read_from_pg = open_gpkg(&pg_gpkg);
    let db = open_update(&results).unwrap();
    for layer in LAYERS {
        let want = read_layer(&expected, layer);
        assert!(
            !want.is_empty() && !want[0].0.is_empty(),
            "{layer}: the file run wrote features with fields"
        );
        assert_same_layer(layer, &want, &read_layer(&read_from_pg, layer));
        assert_same_layer(layer, &want, &read_layer(&db, &format!("results.{layer}")));
    }

    // ogrinfo lists the tables with the GeoPackage's counts.
    for layer in LAYERS {
        let out = Command::new("ogrinfo")
            .args(["-ro", "-so", &results, layer])
            .output()
            .unwrap();
        let info = text(&out);
        let count = info
            .lines()
            .find_map(|l| l.strip_prefix("Feature Count: "))
            .unwrap_or_else(|| panic!("ogrinfo {layer}: {info}"));
        let want = expected.layer_by_name(layer).unwrap().feature_count();
        assert_eq!(count.trim(), want.to_string(), "ogrinfo {layer}");
        assert!(info.contains("FID Column = fid"), "{layer}: {info}");
        assert!(info.contains("Geometry Column = geom"), "{layer}: {info}");
        eprintln!("ogrinfo results.{layer}: Feature Count: {count}");
    }

    // primary keys, GiST indexes and EPSG:3006 on every table.
    for layer in LAYERS {
        let table = format!("'results.\"{layer}\"'::regclass");
        let pk = cluster.query(&format!(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid \
             AND a.attnum = ANY(i.indkey) WHERE i.indrelid = {table} AND i.indisprimary"
        ));
        assert_eq!(pk, ["fid"], "{layer}: primary key");
        let gist = cluster.query(&format!(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'results' \
             AND tablename = '{layer}' AND indexdef LIKE '%USING gist (geom)%'"
        ));
        assert_eq!(gist.len(), 1, "{layer}: one spatial index: {gist:?}");
        let srid = cluster.query(&format!(
            "SELECT srid FROM geometry_columns WHERE f_table_schema = 'results' \
             AND f_table_name = '{layer}'"
        ));
        assert_eq!(srid, ["3006"], "{layer}: SRID");
    }
    let listed = cluster
        .query("SELECT name || ':' || features FROM results.housing_need_layers ORDER BY name");
    let want: Vec<String> = {
        let mut v: Vec<String> = LAYERS
            .iter()
            .map(|l| format!("{l}:{}", expected.layer_by_name(l).unwrap().feature_count()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(listed, want, "housing_need_layers lists the run");
    // The notes on the data travel with every table: its comment and its entry in the list.
    let notes = housing_need::config::Manifest::load(&sample_dir().join("alingsas-sample.toml"))
        .unwrap()
        .dataset
        .notes;
    assert!(!notes.is_empty());
    for layer in LAYERS {
        for note in &notes {
            let note = note.replace('\'', "''");
            let found = cluster.query(&format!(
                "SELECT strpos(obj_description('results.{layer}'::regclass, 'pg_class'), '{note}') > 0 \
                 AND strpos((SELECT description FROM results.housing_need_layers \
                 WHERE name = '{layer}'), '{note}') > 0"
            ));
            assert_eq!(
                found,
                ["1"],
                "{layer}: note '{note}' in its comment and list entry"
            );
        }
    }

    replacing_is_one_transaction(&cluster, &manifest, &results);
}

/// The counts a reader sees in one statement: `demand` rows, the `demand` count the layer list
/// gives, `districts` rows.
fn snapshot(ds: &Dataset) -> Result<(i64, i64, i64), String> {
    let query = "SELECT (SELECT count(*) FROM results.demand) || ',' || \
                 (SELECT features FROM results.housing_need_layers WHERE name = 'demand') || ',' || \
                 (SELECT count(*) FROM results.districts)";
    let result = ds
        .execute_sql(query, None, Dialect::DEFAULT)
        .map_err(|e| e.to_string())?;
    let mut rows = result.ok_or("no result")?;
    let row = rows
        .features()
        .next()
        .and_then(|f| f.field_as_string(0).ok().flatten())
        .ok_or("no row")?;
    let n: Vec<i64> = row.split(',').map(|s| s.parse().unwrap_or(-1)).collect();
    match n[..] {
        [a, b, c] => Ok((a, b, c)),
        _ => Err(format!("unexpected row {row}")),
    }
}

fn replacing_is_one_transaction(cluster: &Cluster, manifest: &Path, results: &str) {
    let before = snapshot(&open_update(results).unwrap()).unwrap();
    assert_eq!(before.0, before.1);

    // A reader polls while a run with another horizon replaces the tables.
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let stop = Arc::clone(&stop);
        let conn = results.to_string();
        std::thread::spawn(move || {
            let ds = open_update(&conn).unwrap();
            let mut seen = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                seen.push(snapshot(&ds));
            }
            seen.push(snapshot(&ds));
            seen
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let out = analyze(manifest, results, &["--horizon", "5"]);
    let took = started.elapsed().as_secs_f64();
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::Relaxed);
    let seen = reader.join().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let after = snapshot(&open_update(results).unwrap()).unwrap();
    assert_eq!(after.1, after.0);
    assert_eq!(after.2, before.2);
    assert!(
        after.0 < before.0,
        "horizon 5 has fewer demand rows than 10"
    );
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for s in &seen {
        let s = s
            .as_ref()
            .unwrap_or_else(|e| panic!("a reader query failed: {e}"));
        assert!(
            *s == before || *s == after,
            "a reader saw {s:?}: neither the previous run {before:?} nor the new one {after:?}"
        );
        *counts.entry(format!("{s:?}")).or_default() += 1;
    }
    assert_eq!(seen.first().unwrap().as_ref().unwrap(), &before);
    assert_eq!(seen.last().unwrap().as_ref().unwrap(), &after);
    eprintln!(
        "replacing run: {took:.2} s; {} reader queries saw (demand rows, listed, districts): {counts:?}",
        seen.len()
    );

    // A run that fails half-way (a view depends on a table it replaces) leaves the previous
    // run whole, and no staging schema behind.
    cluster
        .sql("CREATE VIEW results.demand_2020 AS SELECT * FROM results.demand WHERE year = 2020")
        .unwrap();
    let out = analyze(manifest, results, &["--horizon", "3"]);
    let message = text(&out);
    assert!(!out.status.success(), "{message}");
    assert!(
        message.contains("demand_2020") && message.contains("depend"),
        "{message}"
    );
    assert!(!message.contains("panicked"), "{message}");
    eprintln!(
        "a run blocked by a view: {}",
        message
            .lines()
            .find(|l| l.starts_with("error"))
            .unwrap_or("")
    );
    assert_eq!(snapshot(&open_update(results).unwrap()).unwrap(), after);
    let staging =
        cluster.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'housing_need_next%'");
    assert!(staging.is_empty(), "staging schemas left: {staging:?}");
    cluster.sql("DROP VIEW results.demand_2020").unwrap();

    // A table with a layer's name that no run wrote is never dropped.
    let out = analyze(manifest, &cluster.conn("active_schema=input"), &[]);
    let message = text(&out);
    assert!(!out.status.success(), "{message}");
    assert!(
        message.contains("input.districts") && message.contains("not written by housing-need"),
        "{message}"
    );
    assert_eq!(
        cluster.query("SELECT count(*) FROM input.districts"),
        ["22"]
    );
}

#[test]
fn check_names_a_bad_connection_a_missing_table_and_a_missing_column() {
    let Some(cluster) =
        cluster_with_sample("check_names_a_bad_connection_a_missing_table_and_a_missing_column")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let conn = cluster.conn("");
    // Nothing listens on a port we just found free.
    let unreachable = format!(
        "PG:host=127.0.0.1 port={} user=postgres dbname=postgres password=hemligt",
        free_port()
    );
    let manifest = pg_manifest(dir.path(), &conn, |m| {
        let set = |m: &mut toml::Table, part: &str, key: &str, value: toml::Value| {
            m.get_mut(part)
                .unwrap()
                .as_table_mut()
                .unwrap()
                .insert(key.into(), value);
        };
        set(m, "districts", "id_field", "kod".into());
        set(m, "pipeline", "layer", "input.projekt".into());
        set(m, "population", "source", unreachable.as_str().into());
        set(m, "population", "layer", "input.address_points".into());
    });
    let out = bin()
        .args(["check", "--data"])
        .arg(&manifest)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(!text(&out).contains("panicked"), "{}", text(&out));
    let line = |needle: &str| {
        report
            .lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{report}"))
            .to_string()
    };
    let missing_column = line("no field 'kod'");
    assert!(missing_column.contains(&conn), "{missing_column}");
    assert!(
        missing_column.contains("fields: nyko, namn"),
        "{missing_column}"
    );
    let missing_table = line("no layer named 'input.projekt'");
    assert!(
        missing_table.contains("input.projects"),
        "lists the tables: {missing_table}"
    );
    let bad_connection = line("cannot open the PostgreSQL database");
    assert!(
        bad_connection.contains("Connection refused"),
        "{bad_connection}"
    );
    assert!(bad_connection.contains("password=***"), "{bad_connection}");
    assert!(
        !report.contains("hemligt"),
        "the password is not shown: {report}"
    );
    eprintln!("{report}");

    // A missing column of the address points.
    let manifest = pg_manifest(dir.path(), &conn, |m| {
        m.get_mut("population")
            .unwrap()
            .as_table_mut()
            .unwrap()
            .insert(
                "columns".into(),
                toml::Value::Table(toml::Table::from_iter([(
                    "persons".to_string(),
                    toml::Value::from("personer"),
                )])),
            );
    });
    let out = bin()
        .args(["check", "--data"])
        .arg(&manifest)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("missing field 'personer' in layer 'input.address_points'"),
        "{report}"
    );
    eprintln!("{report}");
}
