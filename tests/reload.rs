//! `serve` keeps serving the last good data: on SIGHUP it loads the dataset again, and swaps
//! it in only when the whole load succeeded.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap in a test is a failed test

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn get_json(url: &str) -> Option<serde_json::Value> {
    let resp = ureq::get(url).call().ok()?;
    let mut body = String::new();
    resp.into_reader().read_to_string(&mut body).ok()?;
    serde_json::from_str(&body).ok()
}

/// Persons in district `d`'s base year, as the `districts` collection serves it.
fn population(base: &str, d: &str) -> f64 {
    let doc = get_json(&format!("{base}/collections/districts/items/{d}")).unwrap();
    doc["properties"]["population"].as_f64().unwrap()
}

fn hup(server: &Server) {
    let ok = Command::new("kill")
        .args(["-HUP", &server.0.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

fn wait_for(mut ok: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[test]
fn sighup_reloads_good_data_and_keeps_the_last_good_data_on_bad() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/good");
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&fixture).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let port = free_port();
    let log = dir.path().join("serve.log");
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_housing-need"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--data"])
            .arg(dir.path().join("good.toml"))
            .env_remove("HOUSING_NEED_PUBLIC_URL")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    assert!(
        wait_for(|| get_json(&format!("{base}/collections")).is_some()),
        "server did not start: {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    let before = population(&base, "1489001");

    // A broken table: the reload fails and the old data stays.
    let csv = dir.path().join("population.csv");
    let good = std::fs::read_to_string(&csv).unwrap();
    std::fs::write(&csv, good.replace(",12\n", ",-12\n")).unwrap();
    hup(&server);
    assert!(
        wait_for(|| std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("reload failed")),
        "no reload failure logged: {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("population.csv"),
        "the problem names the file: {logged}"
    );
    assert_eq!(
        population(&base, "1489001"),
        before,
        "still the last good data"
    );

    // A good change: ten more persons aged 0–4 are served after the reload.
    std::fs::write(&csv, good.replace(",12\n", ",22\n")).unwrap();
    hup(&server);
    assert!(
        wait_for(|| population(&base, "1489001") == before + 10.0),
        "the new data was not swapped in: {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
}
