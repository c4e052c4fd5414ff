//! The HTTP server under the router: accepting connections with limits, so that no client can
//! take the service from the others.
//!
//! `axum::serve` accepts every connection and keeps it as long as the client likes: with the
//! common open-file limit of 1,024, a thousand idle sockets make every `accept` fail and the
//! service answers nobody. Here instead:
//!
//! - **a cap on connections** ([`Limits::max_connections`], and never more than the open-file
//!   limit allows): at the cap the server first closes the connection that has been idle
//!   longest (no request in progress) to make room, so a client holding idle sockets cannot
//!   lock others out; when every connection is busy it stops accepting, and new connections
//!   wait in the kernel's listen queue (back-pressure) instead of failing with "too many open
//!   files";
//! - **a request-head timeout** ([`Limits::header_timeout`]): a head must arrive complete
//!   within it, counted from when the connection waits for a request, so clients that dribble
//!   a head byte by byte are cut off;
//! - **a keep-alive timeout** ([`Limits::keep_alive_timeout`]): a connection with no request in
//!   progress and no bytes moving either way for that long is closed (idle keep-alive,
//!   clients that connect and send nothing, clients that stop reading a response);
//! - **the open-file soft limit raised to the hard limit** at start ([`raise_open_file_limit`]);
//! - **graceful shutdown**: on the signal, accepting stops, requests in flight finish, idle
//!   connections close.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// Default of [`Limits::max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
/// Default of [`Limits::header_timeout`], in seconds.
pub const DEFAULT_HEADER_TIMEOUT_SECS: f64 = 10.0;
/// Default of [`Limits::keep_alive_timeout`], in seconds.
pub const DEFAULT_KEEP_ALIVE_TIMEOUT_SECS: f64 = 5.0;
/// File descriptors kept free for everything but client sockets (the listener, data files a
/// reload reads, logs).
pub const RESERVED_FILES: usize = 64;
/// Largest request head hyper reads (64 KiB): heads up to this reach the service, which
/// answers its own JSON 414/431 above [`crate::api::MAX_URI_BYTES`] and
/// [`crate::api::MAX_HEADER_BYTES`]; a larger head gets hyper's bare 431.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// How long graceful shutdown waits for requests in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Connection limits of the server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once; more wait in the listen queue.
    pub max_connections: usize,
    /// Time allowed for a complete request head once the connection waits for one.
    pub header_timeout: Duration,
    /// A connection with no request in progress and no traffic for this long is closed.
    pub keep_alive_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_timeout: Duration::from_secs_f64(DEFAULT_HEADER_TIMEOUT_SECS),
            keep_alive_timeout: Duration::from_secs_f64(DEFAULT_KEEP_ALIVE_TIMEOUT_SECS),
        }
    }
}

/// The open-file limit before and after [`raise_open_file_limit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenFiles {
    /// Soft limit found at start.
    pub before: u64,
    /// Soft limit now.
    pub now: u64,
}

/// Raises the soft open-file limit (RLIMIT_NOFILE) to the hard limit, so the connection cap
/// is not bounded by a low default; returns the limit before and after.
pub fn raise_open_file_limit() -> OpenFiles {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    // An unlimited hard limit is not a valid soft limit for open files on Linux.
    const CEILING: u64 = 1 << 20;
    let limit = getrlimit(Resource::Nofile);
    let before = limit.current.unwrap_or(CEILING);
    let target = limit.maximum.unwrap_or(CEILING).min(CEILING).max(before);
    if target > before {
        let raised = Rlimit {
            current: Some(target),
            maximum: limit.maximum,
        };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            return OpenFiles {
                before,
                now: target,
            };
        }
    }
    OpenFiles {
        before,
        now: before,
    }
}

/// The connection cap actually used: `wanted`, but no more than the open-file limit leaves
/// after [`RESERVED_FILES`] (and at least 1).
pub fn effective_max_connections(wanted: usize, open_files: u64) -> usize {
    let room = usize::try_from(open_files)
        .unwrap_or(usize::MAX)
        .saturating_sub(RESERVED_FILES)
        .max(1);
    wanted.clamp(1, room)
}

/// Milliseconds since the first call: a clock connections can keep in an atomic.
fn now_ms() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    let start = *START.get_or_init(Instant::now);
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// What one connection is doing: when bytes last moved, and how many requests are in progress.
#[derive(Default)]
struct Activity {
    last_ms: AtomicU64,
    in_flight: AtomicUsize,
    /// Told to close the connection to make room for a new one.
    evict: tokio::sync::Notify,
}

impl Activity {
    fn new() -> Arc<Self> {
        let a = Arc::new(Self::default());
        a.touch();
        a
    }
    fn touch(&self) {
        self.last_ms.store(now_ms(), Ordering::Relaxed);
    }
    fn idle_for(&self) -> Duration {
        Duration::from_millis(now_ms().saturating_sub(self.last_ms.load(Ordering::Relaxed)))
    }
}

/// Counts a request in progress until dropped.
struct InFlight(Arc<Activity>);

impl InFlight {
    fn enter(a: &Arc<Activity>) -> Self {
        a.in_flight.fetch_add(1, Ordering::Relaxed);
        a.touch();
        Self(Arc::clone(a))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.0.touch();
    }
}

/// A socket that records when bytes move.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        r
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The open connections, so that at the cap the longest idle one can be closed.
#[derive(Default)]
struct Connections {
    open: std::sync::Mutex<std::collections::HashMap<u64, Arc<Activity>>>,
}

impl Connections {
    fn add(&self, id: u64, a: &Arc<Activity>) {
        if let Ok(mut m) = self.open.lock() {
            m.insert(id, Arc::clone(a));
        }
    }
    fn remove(&self, id: u64) {
        if let Ok(mut m) = self.open.lock() {
            m.remove(&id);
        }
    }
    /// Tells the connection idle longest (no request in progress) to close; false when every
    /// connection is busy.
    fn evict_longest_idle(&self) -> bool {
        let Ok(mut m) = self.open.lock() else {
            return false;
        };
        let oldest = m
            .iter()
            .filter(|(_, a)| a.in_flight.load(Ordering::Relaxed) == 0)
            .min_by_key(|(_, a)| a.last_ms.load(Ordering::Relaxed))
            .map(|(id, a)| (*id, Arc::clone(a)));
        match oldest {
            Some((id, a)) => {
                m.remove(&id);
                a.evict.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Resolves when the connection has had no request in progress and no traffic for `timeout`.
async fn idle(activity: Arc<Activity>, timeout: Duration) {
    loop {
        let idle_for = activity.idle_for();
        if activity.in_flight.load(Ordering::Relaxed) == 0 && idle_for >= timeout {
            return;
        }
        let wait = timeout
            .saturating_sub(idle_for)
            .max(Duration::from_millis(100));
        tokio::time::sleep(wait).await;
    }
}

/// Serves `app` on `listener` with `limits` until `shutdown` resolves, then stops accepting,
/// lets requests in flight finish (up to [`SHUTDOWN_GRACE`]) and returns.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true)
        .max_buf_size(MAX_HEAD_BYTES)
        .max_headers(crate::api::MAX_HEADERS * 2);
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let mut last_warning: Option<Instant> = None;
    let mut last_eviction_log: Option<Instant> = None;
    let mut evicted: u64 = 0;
    let open = Arc::new(Connections::default());
    let mut next_id: u64 = 0;
    loop {
        // At the cap, close the longest idle connection to make room; when all are busy, wait
        // for a slot before accepting: new clients queue in the kernel.
        let permit = match Arc::clone(&slots).try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                if open.evict_longest_idle() {
                    evicted += 1;
                    if last_eviction_log.is_none_or(|t| t.elapsed() > Duration::from_secs(10)) {
                        tracing::warn!(
                            "at the cap of {} connections: closing idle ones to make room \
                             ({evicted} so far)",
                            limits.max_connections
                        );
                        last_eviction_log = Some(Instant::now());
                    }
                }
                tokio::select! {
                    p = Arc::clone(&slots).acquire_owned() => match p {
                        Ok(p) => p,
                        Err(_) => break,
                    },
                    () = &mut shutdown => break,
                }
            }
        };
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors (or a connection reset before it was accepted):
                    // wait a moment instead of spinning; say so at most once a second.
                    if last_warning.is_none_or(|t| t.elapsed() > Duration::from_secs(1)) {
                        tracing::warn!("accept failed: {e}");
                        last_warning = Some(Instant::now());
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let activity = Activity::new();
        let io = TokioIo::new(Watched {
            inner: stream,
            activity: Arc::clone(&activity),
        });
        let app = app.clone();
        let requests = Arc::clone(&activity);
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let guard = InFlight::enter(&requests);
            let answer = app.clone().oneshot(req);
            async move {
                let resp: Result<_, Infallible> = answer.await;
                drop(guard);
                resp
            }
        });
        let conn = graceful.watch(http.serve_connection(io, service));
        let keep_alive = limits.keep_alive_timeout;
        next_id += 1;
        let id = next_id;
        open.add(id, &activity);
        let open = Arc::clone(&open);
        tokio::spawn(async move {
            tokio::select! {
                r = conn => {
                    if let Err(e) = r {
                        tracing::debug!("connection closed: {e}");
                    }
                }
                () = idle(Arc::clone(&activity), keep_alive) => {
                    tracing::trace!("closing an idle connection");
                }
                () = activity.evict.notified() => {
                    tracing::trace!("closing an idle connection to make room");
                }
            }
            open.remove(id);
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("requests still in flight after {SHUTDOWN_GRACE:?}; stopping anyway");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_room_for_files() {
        assert_eq!(effective_max_connections(10_000, 1024), 960);
        assert_eq!(effective_max_connections(500, 1024), 500);
        assert_eq!(effective_max_connections(10_000, 10), 1);
        assert_eq!(effective_max_connections(0, 1024), 1);
    }

    #[test]
    fn the_soft_limit_is_raised_to_the_hard_limit() {
        let r = raise_open_file_limit();
        assert!(r.now >= r.before);
        let hard = rustix::process::getrlimit(rustix::process::Resource::Nofile).maximum;
        if let Some(hard) = hard {
            assert_eq!(r.now, hard.min(1 << 20).max(r.before));
        }
    }
}
