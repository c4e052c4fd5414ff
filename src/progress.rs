//! Time and peak memory per stage of long work (reading each part of a dataset, the model run,
//! writing files, preparing responses), so that a national run says where its time went.
//!
//! A [`Stage`] logs one plain line when it ends and is remembered; [`summary`] gives every
//! finished stage in order, which `check` and `analyze` print as a table at the end. A command
//! that prints that table calls [`table_at_end`] first, so the per-stage lines drop to debug
//! level and each figure is shown once; elsewhere (`serve`, whose log is all there is) they are
//! info. Peak memory is the process's resident high-water mark (`VmHWM`
//! on Linux), so it only grows from one stage to the next.
//!
//! On a terminal (after [`show_bars`]) a stage under way is also drawn live: a spinner with its
//! name and elapsed time, and for work of known size a [`Count`] bar with position, total and
//! rate. The readers only add to an atomic counter per chunk; a ticker thread copies it to the
//! bar every 100 ms, so the hot loops do no drawing. Log lines go through [`LogWriter`], which
//! lifts the bars while a line is written. Not on a terminal nothing extra is printed.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The live bars, set by [`show_bars`] when stderr is a terminal.
static BARS: OnceLock<MultiProgress> = OnceLock::new();

/// How often bars are redrawn and counters read.
const TICK: Duration = Duration::from_millis(100);

/// Whether live bars are drawn: only when stderr is a terminal and `TERM` is not `dumb`.
pub fn bars_wanted(stderr_is_terminal: bool, term: Option<&std::ffi::OsStr>) -> bool {
    stderr_is_terminal && term.is_none_or(|t| t != "dumb")
}

/// Draws stages and counts live on stderr from now on (call once, when [`bars_wanted`]).
pub fn show_bars() {
    let _ = BARS.set(MultiProgress::with_draw_target(
        ProgressDrawTarget::stderr_with_hz(10),
    ));
}

/// Runs `f` (which prints to stderr) with the bars lifted, so its output is not torn by them.
pub fn suspend<R>(f: impl FnOnce() -> R) -> R {
    match BARS.get() {
        Some(bars) => bars.suspend(f),
        None => f(),
    }
}

/// Stderr for log lines: writes with the bars lifted (see [`suspend`]).
pub struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        suspend(|| std::io::stderr().write_all(buf)).map(|()| buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// A new bar in the live set with `template`, or `None` when bars are not shown.
fn new_bar(len: Option<u64>, template: &str, name: &str) -> Option<ProgressBar> {
    let bars = BARS.get()?;
    let bar = match len {
        Some(len) => ProgressBar::new(len),
        None => ProgressBar::new_spinner(),
    };
    let bar = bars.add(bar);
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar.set_prefix(name.to_string());
    Some(bar)
}

/// Takes a bar off the screen.
fn clear(bar: ProgressBar) {
    bar.finish_and_clear();
    if let Some(bars) = BARS.get() {
        bars.remove(&bar);
    }
}

/// What a [`Count`] counts.
#[derive(Debug, Clone, Copy)]
pub enum Unit {
    /// Bytes of a file.
    Bytes,
    /// Rows (features, records).
    Rows,
}

/// Work counted as it goes (bytes or rows read), drawn as a bar under the current stage on a
/// terminal; not recorded in the [`summary`]. Add with [`Count::add`] per chunk, never per row.
#[derive(Debug)]
pub struct Count {
    done: Arc<AtomicU64>,
    shown: Option<(ProgressBar, Arc<AtomicBool>, std::thread::JoinHandle<()>)>,
}

impl Count {
    /// Starts counting `name`, out of `total` when known (a bar) or open-ended (a spinner).
    pub fn start(name: &str, total: Option<u64>, unit: Unit) -> Self {
        let done = Arc::new(AtomicU64::new(0));
        let template = match (unit, total) {
            (Unit::Bytes, Some(_)) => {
                "  {prefix} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} {elapsed}"
            }
            (Unit::Bytes, None) => "  {spinner} {prefix} {bytes} {binary_bytes_per_sec} {elapsed}",
            (Unit::Rows, Some(_)) => {
                "  {prefix} [{bar:30}] {human_pos}/{human_len} rows {per_sec} {elapsed}"
            }
            (Unit::Rows, None) => "  {spinner} {prefix} {human_pos} rows {per_sec} {elapsed}",
        };
        let shown = new_bar(total, template, name).map(|bar| {
            let stop = Arc::new(AtomicBool::new(false));
            let ticker = {
                let (bar, stop, done) = (bar.clone(), Arc::clone(&stop), Arc::clone(&done));
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        bar.set_position(done.load(Ordering::Relaxed));
                        bar.tick();
                        std::thread::park_timeout(TICK);
                    }
                })
            };
            (bar, stop, ticker)
        });
        Self { done, shown }
    }

    /// Adds `n` to what is done (one relaxed atomic add; the bar reads it every 100 ms).
    pub fn add(&self, n: u64) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }
}

impl Drop for Count {
    fn drop(&mut self) {
        if let Some((bar, stop, ticker)) = self.shown.take() {
            stop.store(true, Ordering::Relaxed);
            ticker.thread().unpark();
            let _ = ticker.join();
            clear(bar);
        }
    }
}

/// Stages finished in this process, in order.
static FINISHED: Mutex<Vec<Finished>> = Mutex::new(Vec::new());

/// Set by [`table_at_end`]: the stages are printed as a table at the end.
static TABLE_AT_END: AtomicBool = AtomicBool::new(false);

/// Says that this command prints [`summary_text`] at the end: stages then log their line at
/// debug level instead of info, so the figures are not printed twice.
pub fn table_at_end() {
    TABLE_AT_END.store(true, Ordering::Relaxed);
}

/// One finished stage.
#[derive(Debug, Clone)]
pub struct Finished {
    /// What was done.
    pub name: String,
    /// Wall time.
    pub took: Duration,
    /// Peak resident memory of the process when the stage ended, bytes (0 if unknown).
    pub peak_rss: u64,
}

impl std::fmt::Display for Finished {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:<28} {:>8.2} s {:>8} MB peak",
            self.name,
            self.took.as_secs_f64(),
            self.peak_rss / (1 << 20)
        )
    }
}

/// A stage under way; it is recorded (and logged) when dropped or [`Stage::end`]ed.
#[derive(Debug)]
pub struct Stage {
    name: String,
    started: Instant,
    /// The spinner drawn while it runs, on a terminal.
    spinner: Option<ProgressBar>,
}

impl Stage {
    /// Starts timing `name`.
    pub fn start(name: impl Into<String>) -> Self {
        let name = name.into();
        tracing::debug!("{name} …");
        let spinner = new_bar(None, "{spinner} {prefix} {elapsed}", &name);
        if let Some(s) = &spinner {
            s.enable_steady_tick(TICK);
        }
        Self {
            name,
            started: Instant::now(),
            spinner,
        }
    }

    /// Ends the stage now.
    pub fn end(self) {}
}

impl Drop for Stage {
    fn drop(&mut self) {
        if let Some(spinner) = self.spinner.take() {
            clear(spinner);
        }
        let done = Finished {
            name: std::mem::take(&mut self.name),
            took: self.started.elapsed(),
            peak_rss: peak_rss(),
        };
        let line = done.to_string();
        if TABLE_AT_END.load(Ordering::Relaxed) {
            tracing::debug!("{}", line.trim_end());
        } else {
            tracing::info!("{}", line.trim_end());
        }
        if let Ok(mut list) = FINISHED.lock() {
            list.push(done);
        }
    }
}

/// Every stage finished so far, in order.
pub fn summary() -> Vec<Finished> {
    FINISHED.lock().map(|l| l.clone()).unwrap_or_default()
}

/// The stages as a small table (one line each), for the end of a command.
pub fn summary_text() -> String {
    summary()
        .iter()
        .map(|s| format!("  {s}\n"))
        .collect::<String>()
}

/// Peak resident set size of this process in bytes (`VmHWM`), 0 when unknown.
pub fn peak_rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}
