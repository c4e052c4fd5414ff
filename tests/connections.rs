//! Connection hygiene against the real binary: a client holding 2,000 idle connections (half
//! of them with an unfinished request head) cannot keep others from being answered, even
//! when the server starts with an open-file limit of 1,024, and the idle sockets are closed
//! by the timeouts. Twice: with a soft limit of 1,024 the server raises it to the hard limit
//! and holds every connection; with a hard limit of 1,024 too it caps connections below it
//! and closes the longest idle ones to make room.
//!
//! Needs the default dataset to load and a hard open-file limit of at least 4,096 (to raise
//! the server's soft limit of 1,024 and to hold the client's sockets); otherwise it says why
//! and passes, unless `HOUSING_NEED_REQUIRE_CLIENTS=1` (set by `scripts/test`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Idle connections the test opens.
const IDLE: usize = 2_000;
/// Timeouts given to the server (seconds): short, so the test does not wait long.
const HEADER_TIMEOUT: f64 = 10.0;
const KEEP_ALIVE_TIMEOUT: f64 = 8.0;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn skip(why: &str) {
    if std::env::var("HOUSING_NEED_REQUIRE_CLIENTS").is_ok_and(|v| v == "1") {
        panic!("idle connections test: {why} (HOUSING_NEED_REQUIRE_CLIENTS=1 forbids skipping)");
    }
    eprintln!("SKIPPED idle connections test: {why}");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `GET path` on a fresh connection; the status line and how long the answer took.
fn request(addr: &str, path: &str) -> std::io::Result<(String, Duration)> {
    let started = Instant::now();
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)?;
    let text = String::from_utf8_lossy(&buf);
    let status = text.lines().next().unwrap_or("").to_string();
    Ok((status, started.elapsed()))
}

#[test]
fn idle_connections_neither_starve_others_nor_stay_open() {
    run_against(
        "ulimit -S -n 1024",
        "open-file limit raised from 1024",
        true,
    );
}

#[test]
fn at_a_hard_limit_of_1024_idle_connections_make_room() {
    run_against("ulimit -n 1024", "at most 960 connections at once", false);
}

/// Starts the server after `ulimit` (a shell command), checks its log says `logged`, and
/// runs the idle-connection scenario against it; `all_held`: every idle connection is still
/// open when the normal request is sent (else the server has closed some to make room).
fn run_against(ulimit: &str, logged: &str, all_held: bool) {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let limit = getrlimit(Resource::Nofile);
    let hard = limit.maximum.unwrap_or(u64::MAX);
    if hard < 4_096 {
        return skip(&format!("the hard open-file limit is {hard}, below 4096"));
    }
    // This process holds the client side of every socket.
    let want = hard.min(1 << 16);
    if limit.current.unwrap_or(0) < want {
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(want),
                maximum: limit.maximum,
            },
        );
    }

    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let log = tempfile::NamedTempFile::new().expect("log file");
    let manifest =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("geodata/alingsas-sample/alingsas-sample.toml");
    // The server starts under a soft limit of 1,024, as on a default system.
    let child = Command::new("sh")
        .arg("-c")
        .arg(format!("{ulimit} && exec \"$@\""))
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_housing-need"))
        .args(["serve", "--bind", &addr, "--data"])
        .arg(&manifest)
        .args(["--header-timeout", &HEADER_TIMEOUT.to_string()])
        .args(["--keep-alive-timeout", &KEEP_ALIVE_TIMEOUT.to_string()])
        .stdout(Stdio::null())
        .stderr(log.reopen().expect("log"))
        .spawn()
        .expect("start the server");
    let mut server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        if let Ok(Some(status)) = server.0.try_wait() {
            let text = std::fs::read_to_string(log.path()).unwrap_or_default();
            return skip(&format!("the server exited ({status}): {text}"));
        }
        if request(&addr, "/").is_ok_and(|(s, _)| s.contains(" 200 ")) {
            break;
        }
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(200));
    }
    let text = std::fs::read_to_string(log.path()).unwrap_or_default();
    assert!(
        text.contains(logged),
        "the server should log '{logged}':\n{text}"
    );

    // 2,000 idle connections: half send nothing, half an unfinished request head.
    let opened = Instant::now();
    let mut idle = Vec::with_capacity(IDLE);
    for i in 0..IDLE {
        let mut s = TcpStream::connect(&addr).expect("connect");
        if i % 2 == 1 {
            s.write_all(b"GET /collections HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .expect("write a partial head");
        }
        idle.push((s, Instant::now()));
    }
    eprintln!("{IDLE} idle connections opened in {:?}", opened.elapsed());

    // Every connection younger than the keep-alive timeout is still open (on a loaded machine
    // opening 2,000 takes seconds, and the first ones may already have timed out).
    let young = Duration::from_secs_f64(KEEP_ALIVE_TIMEOUT - 1.0);
    let (mut held, mut young_closed) = (0, 0);
    for (s, at) in &idle {
        let _ = s.set_nonblocking(true);
        let open =
            matches!(s.peek(&mut [0u8; 1]), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
        let _ = s.set_nonblocking(false);
        if open {
            held += 1;
        } else if at.elapsed() < young {
            young_closed += 1;
        }
    }
    eprintln!("{held} of {IDLE} idle connections held open by the server");
    if all_held {
        assert_eq!(
            young_closed, 0,
            "the server closed idle connections before their timeout"
        );
    }

    // A normal client is still answered, quickly.
    for path in ["/", "/collections/districts/items?limit=5"] {
        let (status, took) = request(&addr, path).expect("a normal request");
        eprintln!("GET {path} with {IDLE} idle connections: {status} in {took:?}");
        assert!(status.contains(" 200 "), "{path}: {status}");
        assert!(took < Duration::from_secs(1), "{path} took {took:?}");
    }

    // The timeouts close every idle socket: the client reads end of file (or a reset).
    std::thread::sleep(Duration::from_secs_f64(
        HEADER_TIMEOUT.max(KEEP_ALIVE_TIMEOUT) + 1.0,
    ));
    let mut closed = 0;
    for (s, _) in &mut idle {
        s.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("read timeout");
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf) {
                Ok(0) => {
                    closed += 1;
                    break;
                }
                // A partial head may be answered with an error status before closing.
                Ok(_) => continue,
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.kind() == std::io::ErrorKind::TimedOut =>
                {
                    break
                }
                Err(_) => {
                    closed += 1;
                    break;
                }
            }
        }
    }
    eprintln!(
        "{closed} of {IDLE} idle connections closed by the server within {:?}",
        opened.elapsed()
    );
    assert_eq!(closed, IDLE, "idle connections left open");
    let (status, _) = request(&addr, "/").expect("a request after the idle ones");
    assert!(status.contains(" 200 "), "{status}");

    // A client that dribbles its head a byte at a time is busy, not idle: the request-head
    // timeout cuts it off.
    let mut slow = TcpStream::connect(&addr).expect("connect");
    let started = Instant::now();
    let head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let mut cut_off = None;
    for b in head.iter() {
        if slow.write_all(&[*b]).is_err() {
            cut_off = Some(started.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let cut_off = cut_off.expect("the dribbling client was never cut off");
    eprintln!("a client dribbling its request head was cut off after {cut_off:?}");
    assert!(
        cut_off < Duration::from_secs_f64(HEADER_TIMEOUT + 2.0),
        "{cut_off:?}"
    );
}
