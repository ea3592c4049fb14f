//! Building and running the application: database, demo data, router,
//! listener. Tests build it with port 0 and a fresh database.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;

use crate::amazon::AmazonAccess;
use crate::amazon::connection::AmazonSetup;
use crate::amazon::credentials;
use crate::auth::secrets::SecretBox;
use crate::config::{Config, DemoMode};
use crate::db::{self, Db};
use crate::demo;
use crate::jobs::Jobs;
use crate::schedule::{Scheduled, Scheduler};
use crate::web::{self, AppState};

/// A built application, bound to its port, not yet serving.
pub struct Application {
    sim: Option<spapi_sim::RunningSim>,
    setup_link: Option<String>,
    port: u16,
    listener: TcpListener,
    router: Router,
    db: Db,
    jobs: Jobs,
    scheduler: Scheduler,
    schedule: Vec<(Scheduled, Duration)>,
    /// Held while serving a SQLite database: a restore is refused meanwhile.
    _data_lock: Option<crate::backup::DataDirLock>,
    /// Scheduled backups and the data folder they go in.
    backups: Option<(crate::config::BackupSchedule, std::path::PathBuf)>,
    /// Told when shutdown begins (see [`AppState::shutting_down`]).
    shutting_down: tokio_util::sync::CancellationToken,
}

impl Application {
    /// Connects to the database, runs migrations, in demo mode starts the
    /// built-in simulator and fills an empty database from it, and binds
    /// the listener.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let db = Db::connect(&config.database_url).await?;
        Self::build_with_db(config, db).await
    }

    /// Like [`Application::build`], on a database already connected
    /// (benchmarks hand in a scratch database they seeded).
    pub async fn build_with_db(config: Config, db: Db) -> anyhow::Result<Application> {
        web::metrics::install();
        let data_lock = match db {
            Db::Sqlite(_) => Some(crate::backup::DataDirLock::shared(&config.data_dir)?),
            Db::Postgres(_) if config.backups.is_some() => anyhow::bail!(
                "--backup-every backs up a SQLite database; schedule pg_dump for PostgreSQL"
            ),
            Db::Postgres(_) => None,
        };
        let backups = config.backups.map(|b| (b, config.data_dir.clone()));
        db.migrate().await?;
        let secrets = SecretBox::load_or_create(config.secret_key.as_deref(), &config.data_dir)?;
        let demo = match config.demo {
            DemoMode::Off => false,
            DemoMode::On => true,
            DemoMode::Auto => {
                !credentials::configured(&db).await?
                    && (demo::is_demo_database(&db).await? || demo::database_is_empty(&db).await?)
            }
        };
        let sim = if demo {
            let running = demo::start_sim(demo::DEMO_SEED, demo::sim_anchor(&db).await?)
                .await
                .context("starting the built-in Amazon simulator")?;
            tracing::info!(url = %running.base_url(), "demo mode: built-in Amazon simulator running");
            Some(running)
        } else {
            None
        };
        let amazon = Arc::new(AmazonSetup {
            demo_sim: sim.as_ref().map(demo::endpoints),
            api_url_override: config.amazon_api_url.clone(),
            lwa_url_override: config.amazon_lwa_url.clone(),
            backfill_report_threshold: config.backfill_report_threshold,
        });
        let jobs = Jobs::new(db.clone());
        crate::amazon::register_jobs(
            &jobs,
            &AmazonAccess::new(Arc::clone(&amazon), secrets.clone(), db.clone()),
        );
        if let Some(sim) = &sim
            && demo::needs_filling(&db).await?
        {
            let seeded = demo::fill(&db, &jobs, sim, config.time_zone.tz())
                .await
                .context("filling the demo database")?;
            tracing::info!(
                amazon_orders = seeded.amazon_orders,
                missing_items = seeded.missing_items,
                units = seeded.units,
                "demo data synced from the built-in simulator"
            );
        }
        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        let port = listener.local_addr()?.port();
        let setup = Arc::new(web::auth::SetupToken::default());
        let mut setup_link = None;
        if db::users::count(&db).await? == 0 {
            let ip = config.addr.ip();
            let host = if ip.is_unspecified() {
                "127.0.0.1".to_owned()
            } else {
                ip.to_string()
            };
            let link = format!("http://{host}:{port}/setup?token={}", setup.issue());
            // Printed, not only logged: the owner needs it whatever the log filter.
            println!("No account exists yet. Create the owner account at:\n  {link}");
            tracing::warn!("no users: owner setup link printed on standard output");
            setup_link = Some(link);
        }
        let schedule = [
            (Scheduled::Sync, config.sync_every),
            (Scheduled::Fees, config.fees_every),
        ]
        .into_iter()
        .filter_map(|(which, every)| Some((which, every?)))
        .collect();
        let shutting_down = tokio_util::sync::CancellationToken::new();
        let state = AppState {
            db: db.clone(),
            config: Arc::new(config),
            demo,
            setup,
            tokens: Arc::default(),
            throttle: Arc::default(),
            secrets,
            amazon,
            jobs: jobs.clone(),
            listings: Arc::default(),
            shutting_down: shutting_down.clone(),
        };
        Ok(Application {
            sim,
            setup_link,
            port,
            listener,
            router: web::router(state),
            db,
            scheduler: Scheduler::new(jobs.clone(), demo),
            jobs,
            schedule,
            _data_lock: data_lock,
            shutting_down,
            backups,
        })
    }

    /// The one-time owner setup link, when the database has no users.
    pub fn setup_link(&self) -> Option<&str> {
        self.setup_link.as_deref()
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The database the application uses.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The application's job machinery.
    pub fn jobs(&self) -> &Jobs {
        &self.jobs
    }

    /// The built-in simulator of demo mode (tests move its clock).
    pub fn demo_sim(&self) -> Option<&spapi_sim::RunningSim> {
        self.sim.as_ref()
    }

    /// Serves until Ctrl-C or SIGTERM, then finishes in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `shutdown` completes.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        tracing::info!(
            port = self.port,
            "listening on http://{}",
            self.listener.local_addr()?
        );
        let service = self
            .router
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        // Jobs a dead process left behind resume now (and whenever one
        // stops beating later).
        let supervisor = self.jobs.supervise();
        crate::amazon::ship::spawn_send_pending(&self.jobs);
        let mut scheduled: Vec<_> = self
            .schedule
            .iter()
            .map(|&(which, every)| self.scheduler.spawn(which, every))
            .collect();
        if let Some((schedule, data_dir)) = &self.backups {
            scheduled.push(crate::backup::spawn_scheduled(
                self.db.clone(),
                data_dir,
                *schedule,
            ));
        }
        let shutting_down = self.shutting_down.clone();
        let shutdown = async move {
            shutdown.await;
            shutting_down.cancel();
        };
        let result = axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown)
            .await;
        for run in scheduled {
            run.abort();
        }
        // Running jobs end as interrupted, to resume on the next start.
        self.jobs.shutdown(Duration::from_secs(5)).await;
        supervisor.abort();
        self.db.close().await;
        if let Some(sim) = self.sim {
            let _ = sim.shutdown().await;
        }
        result
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
