//! The seller's Login-with-Amazon credentials, stored in `settings` with
//! the secrets encrypted by [`SecretBox`].

use serde_json::json;

use crate::auth::secrets::{SecretBox, SecretError};
use crate::db::{self, Db, DbError, audit};
use crate::domain::UserId;

const CLIENT_ID: &str = "amazon.client_id";
const CLIENT_SECRET: &str = "amazon.client_secret";
const REFRESH_TOKEN: &str = "amazon.refresh_token";
const REGION: &str = "amazon.region";
const MARKETPLACE: &str = "amazon.marketplace_id";

/// The UK marketplace.
pub const UK_MARKETPLACE: &str = "A1F83G8C2ARO7P";

/// SP-API region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    /// Europe (UK, DE, …): `sellingpartnerapi-eu.amazon.com`.
    Eu,
    /// North America.
    Na,
    /// Far East.
    Fe,
}

impl Region {
    /// Stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Eu => "eu",
            Region::Na => "na",
            Region::Fe => "fe",
        }
    }

    /// Parses a stored or typed value.
    pub fn parse(text: &str) -> Option<Region> {
        match text.trim().to_ascii_lowercase().as_str() {
            "eu" => Some(Region::Eu),
            "na" => Some(Region::Na),
            "fe" => Some(Region::Fe),
            _ => None,
        }
    }

    /// Production API host of the region.
    pub fn api_base_url(self) -> &'static str {
        match self {
            Region::Eu => "https://sellingpartnerapi-eu.amazon.com",
            Region::Na => "https://sellingpartnerapi-na.amazon.com",
            Region::Fe => "https://sellingpartnerapi-fe.amazon.com",
        }
    }
}

/// LWA app credentials and where to use them.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// LWA client id (not secret).
    pub client_id: String,
    /// LWA client secret.
    pub client_secret: String,
    /// The seller's refresh token.
    pub refresh_token: String,
    /// SP-API region.
    pub region: Region,
    /// Marketplace id.
    pub marketplace_id: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secrets, not even in debug logs.
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("region", &self.region)
            .field("marketplace_id", &self.marketplace_id)
            .finish_non_exhaustive()
    }
}

/// Reading stored credentials failed.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The key does not open the stored secrets (key file changed?).
    #[error(transparent)]
    Secret(#[from] SecretError),
}

/// The stored credentials, or `None` when Amazon is not configured.
pub async fn load(db: &Db, secrets: &SecretBox) -> Result<Option<Credentials>, CredentialsError> {
    let get = |key| db::settings::get(db, key);
    let (Some(client_id), Some(secret), Some(refresh)) = (
        get(CLIENT_ID).await?,
        get(CLIENT_SECRET).await?,
        get(REFRESH_TOKEN).await?,
    ) else {
        return Ok(None);
    };
    let region = get(REGION)
        .await?
        .as_deref()
        .and_then(Region::parse)
        .unwrap_or(Region::Eu);
    let marketplace_id = get(MARKETPLACE)
        .await?
        .unwrap_or_else(|| UK_MARKETPLACE.to_owned());
    Ok(Some(Credentials {
        client_id,
        client_secret: secrets.decrypt(&secret)?,
        refresh_token: secrets.decrypt(&refresh)?,
        region,
        marketplace_id,
    }))
}

/// Whether credentials are stored (without decrypting them).
pub async fn configured(db: &Db) -> Result<bool, DbError> {
    Ok(db::settings::get(db, REFRESH_TOKEN).await?.is_some())
}

/// Stores credentials (secrets encrypted) and audits which fields changed,
/// never their values.
pub async fn save(
    db: &Db,
    secrets: &SecretBox,
    creds: &Credentials,
    by: UserId,
) -> Result<(), DbError> {
    let mut tx = db.begin().await?;
    db::settings::set(&mut tx, CLIENT_ID, &creds.client_id).await?;
    db::settings::set(
        &mut tx,
        CLIENT_SECRET,
        &secrets.encrypt(&creds.client_secret),
    )
    .await?;
    db::settings::set(
        &mut tx,
        REFRESH_TOKEN,
        &secrets.encrypt(&creds.refresh_token),
    )
    .await?;
    db::settings::set(&mut tx, REGION, creds.region.as_str()).await?;
    db::settings::set(&mut tx, MARKETPLACE, &creds.marketplace_id).await?;
    let entry = audit::Entry {
        user: Some(by),
        action: "credentials_update",
        entity_type: "amazon_credentials",
        entity_id: None,
        details: json!({ "client_id": creds.client_id, "region": creds.region.as_str(), "marketplace_id": creds.marketplace_id }),
    };
    audit::record(&mut tx, &entry).await?;
    tx.commit().await
}
