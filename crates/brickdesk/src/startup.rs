//! Building and running the application: database, demo data, router,
//! listener. Tests build it with port 0 and a fresh database.

use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;

use crate::config::{Config, DemoMode};
use crate::db::Db;
use crate::demo;
use crate::web::{self, AppState};

/// A built application, bound to its port, not yet serving.
pub struct Application {
    port: u16,
    listener: TcpListener,
    router: Router,
    db: Db,
}

impl Application {
    /// Connects to the database, runs migrations, seeds demo data when the
    /// configuration asks for it, and binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let db = Db::connect(&config.database_url).await?;
        db.migrate().await?;
        let demo = match config.demo {
            DemoMode::Off => false,
            DemoMode::On => true,
            // No Amazon credentials can be stored yet; an empty database
            // therefore starts as a demo.
            DemoMode::Auto => {
                demo::is_demo_database(&db).await? || demo::database_is_empty(&db).await?
            }
        };
        if demo && demo::database_is_empty(&db).await? {
            let seeded = demo::seed(&db, demo::DEMO_SEED)
                .await
                .context("seeding demo data")?;
            tracing::info!(
                orders = seeded.orders,
                units = seeded.units,
                "demo data seeded"
            );
        }
        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        let port = listener.local_addr()?.port();
        let state = AppState {
            db: db.clone(),
            config: Arc::new(config),
            demo,
        };
        Ok(Application {
            port,
            listener,
            router: web::router(state),
            db,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The database the application uses.
    pub fn db(&self) -> &Db {
        &self.db
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
        let result = axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await;
        self.db.close().await;
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
