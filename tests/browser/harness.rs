//! Running the dashboard in a real browser: finding Node, Debian's Chromium and the npm
//! install (`npm ci --prefix web`), starting a server, and running the driver script
//! `tests/browser/dashboard.mjs` (playwright-core over the Chrome DevTools protocol).
//!
//! When something outside the crate is missing (Chromium, Node, the npm install), the browser
//! tests print why and pass; with `HOUSING_NEED_REQUIRE_BROWSER=1` they fail instead, so a CI
//! that installed everything cannot skip silently.

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `web/node_modules`, where `npm ci --prefix web` installs Leaflet and playwright-core.
pub fn node_modules() -> PathBuf {
    std::env::var_os("HOUSING_NEED_WEB_VENDOR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("web/node_modules"))
}

/// What a browser test needs from the machine.
pub struct Browser {
    /// The `node` binary.
    pub node: PathBuf,
    /// Chromium's binary.
    pub chromium: PathBuf,
    /// The `node_modules` folder with `playwright-core` and `leaflet`.
    pub node_modules: PathBuf,
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

/// Finds Node, Chromium and the npm install, or says what is missing and how to get it.
pub fn browser() -> Result<Browser, String> {
    let node = on_path("node").ok_or("node is not installed (Debian: apt-get install nodejs)")?;
    let chromium = std::env::var_os("HOUSING_NEED_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| {
            ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
                .iter()
                .map(PathBuf::from)
                .find(|p| p.is_file())
        })
        .or_else(|| on_path("chromium"))
        .ok_or("Chromium is not installed (Debian: apt-get install chromium chromium-driver)")?;
    let node_modules = node_modules();
    for package in ["playwright-core", "leaflet"] {
        if !node_modules.join(package).join("package.json").is_file() {
            return Err(format!(
                "{package} is not installed in web/node_modules (run `npm ci --prefix web`)"
            ));
        }
    }
    Ok(Browser {
        node,
        chromium,
        node_modules,
    })
}

/// Passes the test with a printed reason, or fails it when `HOUSING_NEED_REQUIRE_BROWSER=1`.
pub fn skip(test: &str, reason: &str) {
    if std::env::var("HOUSING_NEED_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
        panic!("{test}: {reason} (HOUSING_NEED_REQUIRE_BROWSER=1 forbids skipping)");
    }
    println!("skipped {test}: {reason}");
    eprintln!("skipped {test}: {reason}");
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

/// Status code of `GET path` on `addr`, with a plain HTTP/1.1 request (no client library).
pub fn http_status(addr: SocketAddr, path: &str) -> Option<u16> {
    use std::io::Write;
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_millis(500)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 64];
    let n = s.read(&mut head).ok()?;
    let line = String::from_utf8_lossy(&head[..n]);
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The `housing-need serve` process; killed when dropped.
pub struct ServeProcess {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    log: PathBuf,
}

impl ServeProcess {
    /// Copies the binary alone into `dir/bin/` and starts it from `dir/run/` (two empty
    /// folders, no repository around them, no `--data`) on a free port of 127.0.0.1: it must
    /// serve its embedded dataset and dashboard as an installed binary would.
    pub fn start_alone(dir: &Path) -> std::io::Result<Self> {
        let bin = dir.join("bin");
        let run = dir.join("run");
        std::fs::create_dir_all(&bin)?;
        std::fs::create_dir_all(&run)?;
        let copy = bin.join("housing-need");
        std::fs::copy(env!("CARGO_BIN_EXE_housing-need"), &copy)?;
        let port = free_port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let log = dir.join("serve.log");
        let out = std::fs::File::create(&log)?;
        let child = Command::new(copy)
            .current_dir(run)
            .args(["serve", "--bind"])
            .arg(addr.to_string())
            .env_remove("HOUSING_NEED_PUBLIC_URL")
            .env_remove("HOUSING_NEED_DATA")
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()?;
        Ok(Self { child, addr, log })
    }

    /// Waits until `path` answers (any status) or the process exits; returns the status, or
    /// why it never answered (with the end of its log).
    pub fn wait_ready(&mut self, path: &str, timeout: Duration) -> Result<u16, String> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("serve exited with {status}: {}", self.log_tail()));
            }
            if let Some(code) = http_status(self.addr, path) {
                return Ok(code);
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        Err(format!(
            "serve did not answer within {timeout:?}: {}",
            self.log_tail()
        ))
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(8)..].join("\n")
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the driver should check beside the basics.
pub struct Expect {
    /// Districts that carry at least one flag with `flagged: true` (markers expected).
    pub flagged_districts: usize,
}

/// Runs `tests/browser/dashboard.mjs` against `base` (e.g. `http://127.0.0.1:PORT`), saving a
/// screenshot to `screenshot`. Returns the driver's output; panics when it fails.
pub fn drive(b: &Browser, base: &str, screenshot: &Path, expect: &Expect) -> String {
    let script = root().join("tests/browser/dashboard.mjs");
    let out_path = screenshot.with_extension("log");
    let out = std::fs::File::create(&out_path).unwrap();
    let mut child = Command::new(&b.node)
        .arg(&script)
        .env("DASHBOARD_URL", base)
        .env("SCREENSHOT", screenshot)
        .env("CHROMIUM", &b.chromium)
        .env("WEB_NODE_MODULES", &b.node_modules)
        .env(
            "EXPECT_FLAGGED_DISTRICTS",
            expect.flagged_districts.to_string(),
        )
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > Duration::from_secs(240) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let text = std::fs::read_to_string(&out_path).unwrap_or_default();
    println!("{text}");
    match status {
        Some(s) if s.success() => text,
        Some(s) => panic!("the browser driver failed ({s}):\n{text}"),
        None => panic!("the browser driver did not finish within 240 s:\n{text}"),
    }
}
