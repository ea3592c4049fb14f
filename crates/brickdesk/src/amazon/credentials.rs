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
/// The marketplaces to sync, comma-separated.
const MARKETPLACES: &str = "amazon.marketplace_ids";
/// Where one marketplace id was kept before there could be several.
const MARKETPLACE_BEFORE: &str = "amazon.marketplace_id";

/// The UK marketplace.
pub const UK_MARKETPLACE: &str = spapi::MARKETPLACE_UK;

pub use spapi::Region;

/// Most marketplaces one Orders call takes (v0 `MarketplaceIds`).
pub const MAX_MARKETPLACES: usize = 50;

/// Checks the marketplace ids a seller chose for `region`: one to
/// [`MAX_MARKETPLACES`], letters and digits, none twice, and none that
/// Amazon serves from another region. An id Brickdesk does not know is
/// kept (Amazon opens marketplaces now and then).
pub fn parse_marketplaces<S: AsRef<str>>(region: Region, ids: &[S]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for id in ids
        .iter()
        .map(|i| i.as_ref().trim())
        .filter(|i| !i.is_empty())
    {
        if !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(format!(
                "Marketplace id {id:?} is letters and digits, e.g. A1F83G8C2ARO7P for the UK."
            ));
        }
        if let Some(m) = spapi::marketplace::marketplace(id)
            && m.region != region
        {
            return Err(format!(
                "{} ({id}) is not in the {} region.",
                m.name,
                region.code()
            ));
        }
        if !out.iter().any(|o| o == id) {
            out.push(id.to_owned());
        }
    }
    match out.len() {
        0 => Err("Choose at least one marketplace.".to_owned()),
        n if n > MAX_MARKETPLACES => Err(format!(
            "At most {MAX_MARKETPLACES} marketplaces can be synced, not {n}."
        )),
        _ => Ok(out),
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
    /// The marketplaces to sync (ids, at least one).
    pub marketplace_ids: Vec<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secrets, not even in debug logs.
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("region", &self.region)
            .field("marketplace_ids", &self.marketplace_ids)
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
        .and_then(Region::from_code)
        .unwrap_or(Region::Eu);
    let marketplace_ids = marketplace_ids(db).await?;
    Ok(Some(Credentials {
        client_id,
        client_secret: secrets.decrypt(&secret)?,
        refresh_token: secrets.decrypt(&refresh)?,
        region,
        marketplace_ids,
    }))
}

/// The marketplaces the seller syncs (the UK's when none is stored).
pub async fn marketplace_ids(db: &Db) -> Result<Vec<String>, DbError> {
    let stored = match db::settings::get(db, MARKETPLACES).await? {
        Some(ids) => Some(ids),
        None => db::settings::get(db, MARKETPLACE_BEFORE).await?,
    };
    let mut ids: Vec<String> = stored
        .iter()
        .flat_map(|ids| ids.split(','))
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .collect();
    if ids.is_empty() {
        ids.push(UK_MARKETPLACE.to_owned());
    }
    Ok(ids)
}

/// Whether credentials are stored (without decrypting them).
pub async fn configured(db: &Db) -> Result<bool, DbError> {
    Ok(db::settings::get(db, REFRESH_TOKEN).await?.is_some())
}

/// Stores credentials (secrets encrypted) and audits which fields changed,
/// never their values; `by` is who saved them (`None`: the command line).
pub async fn save(
    db: &Db,
    secrets: &SecretBox,
    creds: &Credentials,
    by: Option<UserId>,
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
    db::settings::set(&mut tx, REGION, creds.region.code()).await?;
    db::settings::set(&mut tx, MARKETPLACES, &creds.marketplace_ids.join(",")).await?;
    let entry = audit::Entry {
        user: by,
        action: "credentials_update",
        entity_type: "amazon_credentials",
        entity_id: None,
        details: json!({ "client_id": creds.client_id, "region": creds.region.code(), "marketplace_ids": creds.marketplace_ids }),
    };
    audit::record(&mut tx, &entry).await?;
    tx.commit().await
}
