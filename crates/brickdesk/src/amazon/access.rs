//! The Amazon client the jobs share. One client per configuration is kept,
//! so its token buckets carry over from one job to the next (a fresh
//! client would spend a full burst Amazon has not refilled yet).

use std::sync::{Arc, Mutex};

use spapi::{Client, ClientConfig};

use super::connection::AmazonSetup;
use crate::auth::secrets::SecretBox;
use crate::db::Db;
use crate::jobs::JobError;

/// How jobs reach Amazon.
#[derive(Clone)]
pub struct AmazonAccess {
    setup: Arc<AmazonSetup>,
    secrets: SecretBox,
    db: Db,
    cached: Arc<Mutex<Option<Client>>>,
}

impl std::fmt::Debug for AmazonAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AmazonAccess").finish_non_exhaustive()
    }
}

fn same_account(a: &ClientConfig, b: &ClientConfig) -> bool {
    a.api_base_url == b.api_base_url
        && a.lwa_token_url == b.lwa_token_url
        && a.client_id == b.client_id
        && a.client_secret == b.client_secret
        && a.refresh_token == b.refresh_token
        && a.marketplace_ids == b.marketplace_ids
}

impl AmazonAccess {
    /// Access through `setup` with credentials stored in `db`.
    pub fn new(setup: Arc<AmazonSetup>, secrets: SecretBox, db: Db) -> AmazonAccess {
        AmazonAccess {
            setup,
            secrets,
            db,
            cached: Arc::default(),
        }
    }

    /// The configured report threshold of backfills, if any.
    pub fn report_threshold(&self) -> Option<u64> {
        self.setup.backfill_report_threshold
    }

    /// The client for the current configuration; an error the seller can
    /// act on when Amazon is not configured.
    pub async fn client(&self) -> Result<Client, JobError> {
        let config = self
            .setup
            .client_config(&self.db, &self.secrets)
            .await
            .map_err(|e| JobError::Failed(e.to_string()))?
            .ok_or_else(|| {
                JobError::Failed(
                    "Amazon is not configured: connect your Amazon Seller account in Settings."
                        .into(),
                )
            })?;
        let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(client) = cached
            .as_ref()
            .filter(|c| same_account(c.config(), &config))
        {
            return Ok(client.clone());
        }
        let client = Client::new(config).map_err(|e| JobError::Failed(e.to_string()))?;
        *cached = Some(client.clone());
        Ok(client)
    }
}
