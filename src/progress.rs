//! Time and peak memory per stage of long work (reading each part of a dataset, the model run,
//! writing files, preparing responses), so that a national run says where its time went.
//!
//! A [`Stage`] logs one plain line when it ends and is remembered; [`summary`] gives every
//! finished stage in order, which `check` and `analyze` print as a table at the end. A command
//! that prints that table calls [`table_at_end`] first, so the per-stage lines drop to debug
//! level and each figure is shown once; elsewhere (`serve`, whose log is all there is) they are
//! info. Peak memory is the process's resident high-water mark (`VmHWM`
//! on Linux), so it only grows from one stage to the next.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

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
}

impl Stage {
    /// Starts timing `name`.
    pub fn start(name: impl Into<String>) -> Self {
        let name = name.into();
        tracing::debug!("{name} …");
        Self {
            name,
            started: Instant::now(),
        }
    }

    /// Ends the stage now.
    pub fn end(self) {}
}

impl Drop for Stage {
    fn drop(&mut self) {
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
