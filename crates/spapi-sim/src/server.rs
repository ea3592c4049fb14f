//! The HTTP server: shared state, routes, start and stop.

use axum::Router;
use axum::routing::{get, post};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::api::{self, finances, lwa, orders, orders_v0, reports, shipments, transactions};
use crate::seller::{Activity, FinancialEvent, Seller, SimOrder, for_profile};
use crate::{FaultSpec, SimConfig};

mod control;
mod limits;
mod respond;

pub(crate) use spapi::Operation;

/// Counters of what the simulator has served.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SimStats {
    /// SP-API requests received (LWA not counted).
    pub requests: u64,
    /// 429s from the usage-plan buckets (not injected ones).
    pub throttled: u64,
    /// Faults injected.
    pub faults_injected: u64,
    /// LWA token grants issued.
    pub tokens_issued: u64,
    /// 403s for a missing, invalid or expired access token.
    pub unauthorized: u64,
    /// Requests per operation id.
    pub by_operation: BTreeMap<String, u64>,
}

/// One page cursor: the whole result (shared by every page's cursor),
/// where the next page starts, and the page size.
pub(crate) struct Cursor {
    op: Operation,
    ids: Arc<Vec<String>>,
    offset: usize,
    page_size: usize,
}

pub(crate) struct FaultState {
    spec: FaultSpec,
    rng: StdRng,
    count: u64,
}

/// Everything the handlers share.
pub(crate) struct SimState {
    pub(crate) config: SimConfig,
    pub(crate) seller: RwLock<Seller>,
    /// The demo's scheduled changes, applied as the clock reaches them.
    activity: Mutex<Option<Activity>>,
    /// Wall-clock time and clock reading at start: the simulator's "now"
    /// is the one moved on by the other.
    started: (time::OffsetDateTime, tokio::time::Instant),
    tokens: Mutex<HashMap<String, tokio::time::Instant>>,
    limits: limits::Limits,
    faults: Mutex<FaultState>,
    cursors: Mutex<HashMap<String, Cursor>>,
    stats: Mutex<SimStats>,
    rng: Mutex<StdRng>,
    reports: Mutex<reports::Reports>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl SimState {
    fn new(config: SimConfig) -> Self {
        let started = (time::OffsetDateTime::now_utc(), config.clock.now());
        let anchor = config.anchor.unwrap_or_else(|| {
            let now = started.0;
            now.replace_second(0)
                .and_then(|t| t.replace_nanosecond(0))
                .unwrap_or(now)
        });
        let (seller, activity) = for_profile(
            config.profile,
            config.seed,
            config.orders,
            anchor,
            &config.marketplaces,
        );
        let faults = FaultState {
            spec: config.faults.clone(),
            rng: StdRng::seed_from_u64(config.seed ^ 0xFA17),
            count: 0,
        };
        SimState {
            seller: RwLock::new(seller),
            activity: Mutex::new(activity),
            started,
            tokens: Mutex::new(HashMap::new()),
            limits: limits::Limits::new(config.time_scale, &config.clock),
            faults: Mutex::new(faults),
            cursors: Mutex::new(HashMap::new()),
            stats: Mutex::new(SimStats::default()),
            rng: Mutex::new(StdRng::seed_from_u64(config.seed ^ 0x70CE)),
            reports: Mutex::new(reports::Reports::default()),
            config,
        }
    }

    /// Applies the scheduled changes due by the simulator's clock.
    pub(crate) fn catch_up(&self) {
        let mut activity = lock(&self.activity);
        let Some(activity) = activity.as_mut() else {
            return;
        };
        let now = self.started.0 + (self.config.clock.now() - self.started.1);
        if activity.next_due() <= now {
            activity.catch_up(&mut self.seller_mut(), now);
        }
    }

    pub(crate) fn seller(&self) -> std::sync::RwLockReadGuard<'_, Seller> {
        self.seller.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn reports(&self) -> std::sync::MutexGuard<'_, reports::Reports> {
        lock(&self.reports)
    }

    pub(crate) fn seller_mut(&self) -> std::sync::RwLockWriteGuard<'_, Seller> {
        self.seller.write().unwrap_or_else(|e| e.into_inner())
    }

    /// A random string of `len` characters from `alphabet`.
    pub(crate) fn random_text(&self, len: usize, alphabet: &[u8]) -> String {
        let mut rng = lock(&self.rng);
        (0..len)
            .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
            .collect()
    }

    pub(crate) fn issue_token(&self) -> String {
        let token = format!(
            "Atza|{}",
            self.random_text(
                48,
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            )
        );
        let expires = self.config.clock.now() + self.config.token_lifetime;
        lock(&self.tokens).insert(token.clone(), expires);
        lock(&self.stats).tokens_issued += 1;
        token
    }

    /// Serves a page of `all()` (first call) or of the cursor `token`.
    /// Tokens stay valid, so a client may retry a page after a failure.
    pub(crate) fn page(
        &self,
        op: Operation,
        token: Option<&str>,
        page_size: usize,
        all: impl FnOnce() -> Vec<String>,
    ) -> Result<(Vec<String>, Option<String>), crate::api::ApiFailure> {
        let (ids, offset, page_size) = match token {
            None => (Arc::new(all()), 0, page_size),
            Some(t) => {
                let cursors = lock(&self.cursors);
                let cursor = cursors
                    .get(t)
                    .filter(|c| c.op == op)
                    .ok_or_else(|| crate::api::ApiFailure::invalid("Invalid NextToken"))?;
                (Arc::clone(&cursor.ids), cursor.offset, cursor.page_size)
            }
        };
        let end = ids.len().min(offset + page_size);
        let page = ids[offset.min(end)..end].to_vec();
        if end == ids.len() {
            return Ok((page, None));
        }
        // Real tokens contain '+', '/' and '='; so do these, to catch
        // clients that forget to URL-encode them.
        let next = format!(
            "{}+{end}/{}==",
            self.random_text(12, b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789"),
            self.random_text(8, b"abcdefghijkmnpqrstuvwxyz")
        );
        let cursor = Cursor {
            op,
            ids,
            offset: end,
            page_size,
        };
        lock(&self.cursors).insert(next.clone(), cursor);
        Ok((page, Some(next)))
    }
}

/// Builds and starts simulators.
pub struct SimServer;

/// A simulator serving on a socket. Dropping it does not stop the server;
/// call [`RunningSim::shutdown`].
pub struct RunningSim {
    addr: SocketAddr,
    state: Arc<SimState>,
    stop: CancellationToken,
    task: JoinHandle<std::io::Result<()>>,
}

impl SimServer {
    /// The router, for embedding the simulator in another axum app. Serve
    /// it at the root of its host: report document URLs assume so.
    pub fn router(config: SimConfig) -> Router {
        router(Arc::new(SimState::new(config)))
    }

    /// Binds `addr` (use port 0 for any free port) and serves in the background.
    pub async fn spawn(config: SimConfig, addr: SocketAddr) -> std::io::Result<RunningSim> {
        let state = Arc::new(SimState::new(config));
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let stop = CancellationToken::new();
        let app = router(Arc::clone(&state));
        let signal = stop.clone().cancelled_owned();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(signal)
                .await
        });
        tracing::info!(%addr, "SP-API simulator listening");
        Ok(RunningSim {
            addr,
            state,
            stop,
            task,
        })
    }
}

impl RunningSim {
    /// The API base URL, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The LWA token URL, e.g. `http://127.0.0.1:41234/auth/o2/token`.
    pub fn lwa_token_url(&self) -> String {
        format!("{}/auth/o2/token", self.base_url())
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &SimConfig {
        &self.state.config
    }

    /// The seller's orders (with lines), oldest first: the truth to compare against.
    pub fn orders_snapshot(&self) -> Vec<SimOrder> {
        self.state.catch_up();
        self.state.seller().orders.clone()
    }

    /// The seller's financial events in posting order.
    pub fn financial_events_snapshot(&self) -> Vec<FinancialEvent> {
        self.state.catch_up();
        self.state.seller().events.clone()
    }

    /// Changes the seller in place (in-process tests; HTTP tests can use `/_sim/`).
    pub fn update_seller<R>(&self, change: impl FnOnce(&mut Seller) -> R) -> R {
        change(&mut self.state.seller_mut())
    }

    /// Replaces the fault spec; request numbers of `#N` items count from now.
    pub fn set_faults(&self, spec: FaultSpec) {
        let mut faults = lock(&self.state.faults);
        faults.spec = spec;
        faults.count = 0;
    }

    /// Counters so far.
    pub fn stats(&self) -> SimStats {
        lock(&self.state.stats).clone()
    }

    /// Stops accepting, lets in-flight requests finish, and waits.
    pub async fn shutdown(self) -> std::io::Result<()> {
        self.stop.cancel();
        self.join().await
    }

    /// Serves until the server fails (for `brickdesk sim`; stop it with the
    /// process). Use [`RunningSim::shutdown_token`] to stop it from elsewhere.
    pub async fn serve_forever(self) -> std::io::Result<()> {
        self.join().await
    }

    /// A token that stops the server gracefully when cancelled.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.stop.clone()
    }

    async fn join(self) -> std::io::Result<()> {
        self.task.await.map_err(std::io::Error::other)?
    }
}

fn router(state: Arc<SimState>) -> Router {
    let mut app = Router::new()
        .route("/auth/o2/token", post(lwa::token))
        .route(
            "/orders/2026-01-01/orders",
            api::get(Operation::SearchOrders, orders::search_orders),
        )
        .route(
            "/orders/2026-01-01/orders/{order_id}",
            api::get(Operation::GetOrder, orders::get_order),
        )
        .route(
            "/orders/v0/orders",
            api::get(Operation::GetOrdersV0, orders_v0::get_orders),
        )
        .route(
            "/orders/v0/orders/{order_id}",
            api::get(Operation::GetOrderV0, orders_v0::get_order),
        )
        .route(
            "/orders/v0/orders/{order_id}/orderItems",
            api::get(Operation::GetOrderItemsV0, orders_v0::get_order_items),
        )
        .route(
            "/finances/v0/financialEvents",
            api::get(
                Operation::ListFinancialEvents,
                finances::list_financial_events,
            ),
        )
        .route(
            "/finances/v0/orders/{order_id}/financialEvents",
            api::get(
                Operation::ListFinancialEventsByOrderId,
                finances::list_financial_events_by_order_id,
            ),
        )
        .route(
            "/finances/2024-06-19/transactions",
            api::get(Operation::ListTransactions, transactions::list_transactions),
        )
        .route(
            "/reports/2021-06-30/reports",
            api::post(Operation::CreateReport, reports::create_report),
        )
        .route(
            "/reports/2021-06-30/reports/{report_id}",
            api::get(Operation::GetReport, reports::get_report),
        )
        .route(
            "/reports/2021-06-30/documents/{document_id}",
            api::get(Operation::GetReportDocument, reports::get_report_document),
        )
        .route("/report-documents/{document_id}", get(reports::download))
        .route(
            "/orders/v0/orders/{order_id}/shipmentConfirmation",
            api::post(Operation::ConfirmShipment, shipments::confirm_shipment),
        );
    if state.config.control_enabled {
        app = app.nest("/_sim", control::router());
    }
    app.with_state(state)
}
