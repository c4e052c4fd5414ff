//! `housing-need serve`: loads the dataset, runs the model, prepares every response once and
//! serves OGC API - Features until Ctrl-C or SIGTERM.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use crate::api::{self, AppState, ServiceConfig};

/// Port used when neither `--bind` nor `PORT` says otherwise.
pub const DEFAULT_PORT: u16 = 8080;

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The dataset.
    #[command(flatten)]
    pub data: super::DataArg,
    /// Address and port to listen on. Default: 127.0.0.1 and port 8080, or the port in the
    /// `PORT` environment variable. Use 0.0.0.0:8080 to accept connections from other hosts.
    #[arg(long, value_name = "ADDR:PORT")]
    pub bind: Option<SocketAddr>,
    /// Public base URL of the service (e.g. `https://maps.example.org/housing`) when it runs
    /// behind a proxy; every link is built on it. Default: taken from each request's Host.
    #[arg(long, value_name = "URL", env = "HOUSING_NEED_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Connections served at once; more wait in the listen queue until one closes. Never more
    /// than the open-file limit allows (the soft limit is raised to the hard limit at start).
    #[arg(long, value_name = "N", default_value_t = crate::server::DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,
    /// Seconds a client has to send a complete request head, counted from when the connection
    /// waits for a request.
    #[arg(long, value_name = "SECONDS", default_value_t = crate::server::DEFAULT_HEADER_TIMEOUT_SECS, value_parser = seconds)]
    pub header_timeout: f64,
    /// Seconds after which a connection with no request in progress and no traffic is closed
    /// (idle keep-alive, clients that send nothing or stop reading).
    #[arg(long, value_name = "SECONDS", default_value_t = crate::server::DEFAULT_KEEP_ALIVE_TIMEOUT_SECS, value_parser = seconds)]
    pub keep_alive_timeout: f64,
}

/// A positive number of seconds, at most a day.
fn seconds(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 86_400.0 => Ok(v),
        _ => Err(format!(
            "'{s}' is not a number of seconds between 0 and 86400"
        )),
    }
}

/// The address to listen on: `--bind`, else 127.0.0.1 with `PORT` (or 8080).
fn bind_address(args: &ServeArgs) -> Result<SocketAddr, String> {
    if let Some(a) = args.bind {
        return Ok(a);
    }
    let port = match std::env::var("PORT") {
        Ok(p) if !p.trim().is_empty() => p
            .trim()
            .parse::<u16>()
            .map_err(|_| format!("PORT='{p}' is not a port number"))?,
        _ => DEFAULT_PORT,
    };
    Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port))
}

/// Runs `serve`.
pub fn run(args: ServeArgs) -> crate::Result<ExitCode> {
    let addr = match bind_address(&args) {
        Ok(a) => a,
        Err(e) => {
            say!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let public_url = match args
        .public_url
        .as_deref()
        .map(ServiceConfig::parse_public_url)
    {
        None => None,
        Some(Ok(u)) => Some(u),
        Some(Err(e)) => {
            say!("error: --public-url: {e}");
            return Ok(ExitCode::from(2));
        }
    };

    let open_files = crate::server::raise_open_file_limit();
    let limits = crate::server::Limits {
        max_connections: crate::server::effective_max_connections(
            args.max_connections,
            open_files.now,
        ),
        header_timeout: std::time::Duration::from_secs_f64(args.header_timeout),
        keep_alive_timeout: std::time::Duration::from_secs_f64(args.keep_alive_timeout),
    };
    if open_files.now > open_files.before {
        tracing::info!(
            "open-file limit raised from {} to {} (the hard limit)",
            open_files.before,
            open_files.now
        );
    } else {
        tracing::info!("open-file limit {}", open_files.now);
    }
    if limits.max_connections < args.max_connections {
        tracing::warn!(
            "at most {} connections at once (asked for {}): the open-file limit is {}",
            limits.max_connections,
            args.max_connections,
            open_files.now
        );
    }
    tracing::info!(
        "connections: at most {} at once, request head within {:?}, idle ones closed after {:?}",
        limits.max_connections,
        limits.header_timeout,
        limits.keep_alive_timeout
    );

    let manifest_path = args.data.manifest_path()?;
    let Loaded {
        about,
        prepared,
        web_data,
        scenarios,
    } = load(&manifest_path)?;
    for note in &about.notes {
        tracing::info!("model: {note}");
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| crate::Error::Io {
            context: "starting the async runtime".into(),
            source,
        })?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| crate::Error::Io {
                context: format!("binding {addr}"),
                source,
            })?;
        let local = listener.local_addr().unwrap_or(addr);
        let shown = match local.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => {
                SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), local.port())
            }
            _ => local,
        };
        let fallback_base = format!("http://{shown}");
        let url = public_url.clone().unwrap_or_else(|| fallback_base.clone());
        let summary: Vec<String> = prepared
            .collections
            .iter()
            .map(|c| format!("{} ({} features)", c.id, c.features.len()))
            .collect();
        tracing::info!(
            "dataset '{}': {} districts, years {}–{} (base year {})",
            about.name,
            about.districts,
            about.first_year,
            about.horizon_year,
            about.base_year
        );
        tracing::info!("collections: {}", summary.join(", "));
        tracing::info!("serving OGC API - Features at {url}/ (listening on {local})");
        let state = AppState::new(
            prepared,
            ServiceConfig {
                public_url,
                fallback_base,
            },
        );
        let web_state = crate::web::WebState::new(std::sync::Arc::new(web_data));
        let scenario_state = crate::web::scenarios::ScenarioState::new(scenarios);
        tokio::spawn(reload_on_sighup(
            manifest_path.clone(),
            state.clone(),
            web_state.clone(),
            scenario_state.clone(),
        ));
        crate::server::serve(
            listener,
            api::app_with(
                state,
                crate::web::routes_with(web_state)
                    .merge(crate::web::scenarios::routes(scenario_state)),
            ),
            limits,
            shutdown_signal(),
        )
        .await;
        tracing::info!("stopped");
        Ok::<_, crate::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Everything one data load prepares. The dataset, the model run and the layers it was
/// prepared from are not kept: what is served holds its own copies of what it needs.
struct Loaded {
    about: About,
    prepared: std::sync::Arc<api::Prepared>,
    web_data: crate::web::WebData,
    scenarios: crate::web::scenarios::ScenarioService,
}

/// What the log says about a data load.
struct About {
    name: String,
    districts: usize,
    first_year: i32,
    base_year: i32,
    horizon_year: i32,
    notes: Vec<String>,
}

/// Reads and validates the dataset, runs the model, flags and bottlenecks, and prepares every
/// response. Blocking (GDAL); nothing is served from it until it has all succeeded.
///
/// Inputs go as soon as nothing further reads them, so that the peak stays low and what
/// remains after a load is what is served: the address points (only the flags read them)
/// after the analysis, each layer once its collection is prepared.
fn load(manifest_path: &std::path::Path) -> crate::Result<Loaded> {
    let loaded = load_data(manifest_path);
    // What the load freed goes back to the system now, not when its threads next allocate.
    crate::memory::release_freed();
    loaded
}

/// [`load`]'s work, every temporary dropped when it returns.
fn load_data(manifest_path: &std::path::Path) -> crate::Result<Loaded> {
    use crate::progress::Stage;
    let manifest = crate::config::Manifest::load(manifest_path)?;
    let mut dataset = crate::ingest::load(&manifest)?;
    // The readers' threads have ended: their tallies go back now, not at the peak's top.
    crate::memory::release_freed();
    let stage = Stage::start("model, flags, bottlenecks");
    let analysis = crate::analysis::Analysis::compute(&dataset, &manifest);
    dataset.residences = Vec::new();
    crate::memory::release_freed();
    stage.end();
    let stage = Stage::start("build layers");
    let layers = crate::layers::Layers::build(&dataset, &analysis);
    stage.end();
    let stage = Stage::start("prepare responses");
    // The collections hold what is served of the layers: each layer goes once its collection
    // is made, and only the notes are read further.
    let notes = layers.notes.clone();
    let prepared = std::sync::Arc::new(api::prepare_owned_layers(&dataset, &analysis.run, layers));
    crate::memory::release_freed();
    stage.end();
    let stage = Stage::start("prepare dashboard data");
    let web_data = crate::web::WebData::new(
        &dataset,
        &analysis.run,
        &analysis.bottlenecks,
        &notes,
        std::sync::Arc::clone(&prepared),
    )?;
    stage.end();
    let scenarios = crate::web::scenarios::ScenarioService::new(
        &dataset,
        &manifest.model,
        &analysis.run,
        analysis.bands.as_ref().ok().cloned(),
    );
    let run = &analysis.run;
    Ok(Loaded {
        about: About {
            name: dataset.name.clone(),
            districts: dataset.districts.len(),
            first_year: run.first_year,
            base_year: run.base_year,
            horizon_year: run.horizon_year,
            notes: run.notes.clone(),
        },
        prepared,
        web_data,
        scenarios,
    })
}

/// Nice value of the reload thread (and of the model threads it starts): a reload competes
/// for the CPU with requests, and requests win.
const RELOAD_NICE: i32 = 10;

/// On SIGHUP, loads the dataset again and swaps the new data in; when the new data has any
/// problem, every problem is logged and the service keeps serving the last good data.
///
/// The work runs off the request path, on one reload thread at lower priority (a bounded pool
/// of one): the async workers keep answering while it reads, models and prepares. SIGHUPs
/// that arrive while a reload runs coalesce into one more reload afterwards. The new data and
/// its documents are swapped in at once; requests in flight keep the data they started with.
async fn reload_on_sighup(
    manifest: std::path::PathBuf,
    state: AppState,
    web: crate::web::WebState,
    scenarios: crate::web::scenarios::ScenarioState,
) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut hup = match signal(SignalKind::hangup()) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("cannot listen for SIGHUP (no reloads): {e}");
                return;
            }
        };
        // One reload running and at most one waiting: further SIGHUPs coalesce into it.
        let (tx, rx) = std::sync::mpsc::sync_channel::<std::time::Instant>(1);
        let worker = std::thread::Builder::new()
            .name("reload".into())
            .spawn(move || reload_worker(&manifest, &state, &web, &scenarios, &rx));
        if let Err(e) = worker {
            tracing::warn!("cannot start the reload thread (no reloads): {e}");
            return;
        }
        while hup.recv().await.is_some() {
            match tx.try_send(std::time::Instant::now()) {
                Ok(()) => tracing::info!("SIGHUP: reload queued"),
                Err(std::sync::mpsc::TrySendError::Full(_)) => {
                    tracing::info!("SIGHUP: a reload is already waiting; this one joins it")
                }
                Err(std::sync::mpsc::TrySendError::Disconnected(_)) => {
                    tracing::warn!("SIGHUP: the reload thread has stopped; no reload");
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (manifest, state, web, scenarios);
    }
}

/// The reload thread: for each queued SIGHUP, loads, prepares and swaps in the data.
#[cfg(unix)]
fn reload_worker(
    manifest: &std::path::Path,
    state: &AppState,
    web: &crate::web::WebState,
    scenarios: &crate::web::scenarios::ScenarioState,
    queue: &std::sync::mpsc::Receiver<std::time::Instant>,
) {
    if let Err(e) =
        rustix::process::setpriority_process(Some(rustix::thread::gettid()), RELOAD_NICE)
    {
        tracing::debug!("reload thread keeps normal priority: {e}");
    }
    for queued in queue.iter() {
        let started = std::time::Instant::now();
        tracing::info!("reloading {}", manifest.display());
        match load(manifest) {
            Ok(loaded) => {
                let snapshot = api::Snapshot::new(loaded.prepared);
                state.replace_snapshot(snapshot);
                web.replace(loaded.web_data);
                scenarios.replace(loaded.scenarios);
                tracing::info!(
                    "reloaded '{}': {} districts, base year {}, in {:.2} s ({:.2} s after the signal)",
                    loaded.about.name,
                    loaded.about.districts,
                    loaded.about.base_year,
                    started.elapsed().as_secs_f64(),
                    queued.elapsed().as_secs_f64()
                );
            }
            Err(e) => tracing::error!(
                "reload failed after {:.2} s, still serving the previous data: {e}",
                started.elapsed().as_secs_f64()
            ),
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM; in-flight requests then finish before the server stops.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("Ctrl-C: shutting down"),
        _ = terminate => tracing::info!("SIGTERM: shutting down"),
    }
}
