//! Login with Amazon: the refresh-token grant and a cached access token.

use serde::Deserialize;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::client::{Retrier, cancellable};
use crate::{ApiError, Error};

/// Refresh this long before the token's stated expiry (or a tenth of
/// its lifetime, if that is shorter).
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

#[derive(Clone)]
struct CachedToken {
    value: String,
    refresh_at: Instant,
}

/// LWA client credentials and the cached access token. `Debug` shows
/// neither the secrets nor the token.
pub(crate) struct Lwa {
    token_url: String,
    client_id: String,
    client_secret: String,
    refresh_token: String,
    cached: Mutex<Option<CachedToken>>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: u64,
}

#[derive(Deserialize)]
struct LwaErrorBody {
    error: String,
    #[serde(default)]
    error_description: String,
}

impl std::fmt::Debug for Lwa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lwa")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl Lwa {
    pub(crate) fn new(
        token_url: String,
        client_id: String,
        client_secret: String,
        refresh_token: String,
    ) -> Self {
        Lwa {
            token_url,
            client_id,
            client_secret,
            refresh_token,
            cached: Mutex::new(None),
        }
    }

    /// A valid access token: the cached one, or a fresh one if it is
    /// missing or about to expire. Concurrent callers share one refresh.
    pub(crate) async fn access_token(
        &self,
        http: &reqwest::Client,
        retrier: Retrier,
        cancel: &CancellationToken,
    ) -> Result<String, Error> {
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref().filter(|t| t.refresh_at > Instant::now()) {
            return Ok(token.value.clone());
        }
        let fresh = self.fetch(http, retrier, cancel).await?;
        let value = fresh.value.clone();
        *cached = Some(fresh);
        Ok(value)
    }

    /// Forgets the cached token if it is still `stale` (after a 403 saying
    /// it expired), so the next call fetches a new one.
    pub(crate) async fn invalidate(&self, stale: &str) {
        let mut cached = self.cached.lock().await;
        if cached.as_ref().is_some_and(|t| t.value == stale) {
            *cached = None;
        }
    }

    async fn fetch(
        &self,
        http: &reqwest::Client,
        mut retrier: Retrier,
        cancel: &CancellationToken,
    ) -> Result<CachedToken, Error> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", self.refresh_token.as_str()),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.as_str()),
        ];
        loop {
            let sent = Instant::now();
            let attempt = async {
                let response = http.post(&self.token_url).form(&form).send().await?;
                let status = response.status();
                let body = response.bytes().await?;
                Ok::<_, reqwest::Error>((status, body))
            };
            let (status, body) = match cancellable(attempt, cancel).await? {
                Ok(ok) => ok,
                Err(err) => {
                    retrier
                        .backoff(Error::transport("LWA token request", err), cancel)
                        .await?;
                    continue;
                }
            };
            if status.is_success() {
                let token: TokenResponse =
                    serde_json::from_slice(&body).map_err(|e| Error::Decode {
                        what: "LWA token response".into(),
                        message: e.to_string(),
                        request_id: None,
                    })?;
                let lifetime = Duration::from_secs(token.expires_in);
                return Ok(CachedToken {
                    value: token.access_token,
                    refresh_at: sent + lifetime - REFRESH_MARGIN.min(lifetime / 10),
                });
            }
            let api = lwa_error(status.as_u16(), &body);
            if status.is_server_error() {
                retrier.backoff(Error::Server(api), cancel).await?;
                continue;
            }
            return Err(Error::Unauthorized(api));
        }
    }
}

fn lwa_error(status: u16, body: &[u8]) -> ApiError {
    match serde_json::from_slice::<LwaErrorBody>(body) {
        Ok(e) => ApiError {
            status,
            code: e.error,
            message: e.error_description,
            details: None,
            request_id: None,
        },
        Err(_) => crate::error::parse_api_error(status, body, None),
    }
}
