//! Which Amazon the app talks to, and a client for it: the built-in
//! simulator in demo mode, otherwise the seller's own credentials against
//! their region (both URLs overridable, so a standalone simulator or the
//! SP-API sandbox can stand in).

use spapi::{Client, ClientConfig};
use time::{Duration, OffsetDateTime};

use super::credentials::{self, CredentialsError};
use crate::auth::secrets::SecretBox;
use crate::db::Db;

/// Amazon's Login-with-Amazon token endpoint.
pub const LWA_TOKEN_URL: &str = "https://api.amazon.com/auth/o2/token";

/// Where the simulator of demo mode listens.
#[derive(Debug, Clone, PartialEq)]
pub struct SimEndpoints {
    /// API base URL.
    pub api_base_url: String,
    /// LWA token URL.
    pub lwa_token_url: String,
    /// The simulator's time scale (the client's limiter scales with it).
    pub time_scale: f64,
}

/// How to reach Amazon.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AmazonSetup {
    /// The in-process simulator, in demo mode.
    pub demo_sim: Option<SimEndpoints>,
    /// Replaces the region's API host (e.g. a standalone `brickdesk sim`).
    pub api_url_override: Option<String>,
    /// Replaces Amazon's LWA token URL.
    pub lwa_url_override: Option<String>,
    /// Missing orders above which a backfill reads the all-orders report
    /// (`None`: the default of 50).
    pub backfill_report_threshold: Option<u64>,
}

/// Why no client could be built.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// Stored credentials could not be read.
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    /// The client refused its configuration.
    #[error("cannot build the Amazon client: {0}")]
    Client(#[from] spapi::Error),
}

impl AmazonSetup {
    /// A client for the configured Amazon, or `None` when Amazon is not
    /// configured and the app is not in demo mode.
    pub async fn client(
        &self,
        db: &Db,
        secrets: &SecretBox,
    ) -> Result<Option<Client>, ConnectError> {
        match self.client_config(db, secrets).await? {
            Some(config) => Ok(Some(Client::new(config)?)),
            None => Ok(None),
        }
    }

    /// The client configuration for the configured Amazon, or `None` when
    /// Amazon is not configured and the app is not in demo mode.
    pub async fn client_config(
        &self,
        db: &Db,
        secrets: &SecretBox,
    ) -> Result<Option<ClientConfig>, ConnectError> {
        if let Some(sim) = &self.demo_sim {
            let mut config = ClientConfig::new(
                sim.api_base_url.clone(),
                sim.lwa_token_url.clone(),
                spapi_sim::DEMO_CLIENT_ID,
                spapi_sim::DEMO_CLIENT_SECRET,
                spapi_sim::DEMO_REFRESH_TOKEN,
                spapi_sim::DEMO_MARKETPLACE_ID,
            );
            config.rate_scale = sim.time_scale;
            return Ok(Some(config));
        }
        let Some(creds) = credentials::load(db, secrets).await? else {
            return Ok(None);
        };
        let config = ClientConfig::new(
            self.api_url_override
                .clone()
                .unwrap_or_else(|| creds.region.endpoint().to_owned()),
            self.lwa_url_override
                .clone()
                .unwrap_or_else(|| LWA_TOKEN_URL.to_owned()),
            creds.client_id,
            creds.client_secret,
            creds.refresh_token,
            spapi::MARKETPLACE_UK,
        );
        Ok(Some(config.with_marketplaces(creds.marketplace_ids)))
    }
}

/// Gets an access token and makes one cheap call (the first page of the
/// last day's orders, one result). Returns a sentence for the seller.
pub async fn test_connection(client: &Client) -> Result<String, spapi::Error> {
    client.check_credentials().await?;
    let mut query =
        spapi::orders::SearchOrders::created_after(OffsetDateTime::now_utc() - Duration::days(1));
    query.max_results_per_page = Some(1);
    let page = client.search_orders_page(&query, None).await?;
    let more = if page.pagination.is_some() {
        " or more"
    } else {
        ""
    };
    Ok(format!(
        "Connected. Amazon issued an access token and answered an orders search ({}{more} order(s) in the last 24 hours).",
        page.orders.len()
    ))
}

/// A message for an Amazon error that says what to do next.
pub fn explain(err: &spapi::Error) -> String {
    use spapi::Error as E;
    match err {
        E::Unauthorized(e) => format!(
            "Amazon refused the credentials ({}: {}). Check the client id, client secret and refresh token, and that the app is authorised for this seller.",
            e.code, e.message
        ),
        E::QuotaExceeded(_) => {
            "Amazon's rate limit was hit. Wait a minute and try again.".to_owned()
        }
        E::Transport { message } => {
            format!("Amazon could not be reached ({message}). Check the network and the region.")
        }
        other => format!("Amazon answered with an error: {other}"),
    }
}
