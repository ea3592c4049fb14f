//! The client: configuration, the request loop (rate limit, token, retries)
//! and the helpers every operation shares.

use futures::{Stream, TryStreamExt, stream};
use rand::Rng;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

use crate::auth::Lwa;
use crate::error::{classify, parse_api_error};
use crate::limiter::{LimiterState, Limiters, Operation};
use crate::{ApiError, Error};

/// The Amazon UK marketplace id.
pub const MARKETPLACE_UK: &str = "A1F83G8C2ARO7P";
/// Production API base URL for the EU region (UK included).
pub const EU_ENDPOINT: &str = "https://sellingpartnerapi-eu.amazon.com";
/// Production API base URL for North America.
pub const NA_ENDPOINT: &str = "https://sellingpartnerapi-na.amazon.com";
/// Production API base URL for the Far East.
pub const FE_ENDPOINT: &str = "https://sellingpartnerapi-fe.amazon.com";
/// The metrics the client records through the `metrics` facade (a
/// program that installs no recorder records nothing).
pub mod metrics_names {
    /// Calls by `operation` and HTTP `status` (`no answer`: the request
    /// failed before a response), every attempt counted, 429s included.
    pub const CALLS: &str = "brickdesk_spapi_calls_total";
    /// Seconds a call waited for its operation's rate limiter, by `operation`.
    pub const LIMITER_WAIT: &str = "brickdesk_spapi_limiter_wait_seconds";
}

/// Amazon's LWA token endpoint.
pub const LWA_TOKEN_URL: &str = "https://api.amazon.com/auth/o2/token";

/// Everything the client needs to reach Amazon (or the simulator).
/// Its `Debug` output hides the client secret and the refresh token.
#[derive(Clone)]
pub struct ClientConfig {
    /// API base URL, e.g. [`EU_ENDPOINT`] or the simulator's `base_url()`.
    pub api_base_url: String,
    /// LWA token URL, e.g. [`LWA_TOKEN_URL`] or the simulator's.
    pub lwa_token_url: String,
    /// LWA app client id.
    pub client_id: String,
    /// LWA app client secret.
    pub client_secret: String,
    /// The seller's refresh token.
    pub refresh_token: String,
    /// Marketplaces to query (one region's), e.g. [`MARKETPLACE_UK`]; the
    /// order and report calls ask for all of them at once.
    pub marketplace_ids: Vec<String>,
    /// Timeout of one HTTP request (connect + response).
    pub request_timeout: Duration,
    /// Retries for 5xx, timeouts, dropped connections and garbled bodies.
    pub max_retries: usize,
    /// Retries after 429 before giving up with [`Error::QuotaExceeded`].
    pub max_throttle_retries: usize,
    /// First retry delay (doubles each time, with jitter).
    pub retry_min_delay: Duration,
    /// Longest retry delay.
    pub retry_max_delay: Duration,
    /// Multiplies the published usage-plan rates before the first response
    /// tells the client the real ones (1.0 for Amazon; the simulator's
    /// time scale when it runs faster than real time).
    pub rate_scale: f64,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("api_base_url", &self.api_base_url)
            .field("lwa_token_url", &self.lwa_token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("marketplace_ids", &self.marketplace_ids)
            .field("request_timeout", &self.request_timeout)
            .field("max_retries", &self.max_retries)
            .field("max_throttle_retries", &self.max_throttle_retries)
            .field("rate_scale", &self.rate_scale)
            .finish_non_exhaustive()
    }
}

impl ClientConfig {
    /// A configuration for one marketplace with default timeouts and
    /// retry caps.
    pub fn new(
        api_base_url: impl Into<String>,
        lwa_token_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        refresh_token: impl Into<String>,
        marketplace_id: impl Into<String>,
    ) -> Self {
        ClientConfig {
            api_base_url: api_base_url.into(),
            lwa_token_url: lwa_token_url.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            refresh_token: refresh_token.into(),
            marketplace_ids: vec![marketplace_id.into()],
            request_timeout: Duration::from_secs(30),
            max_retries: 4,
            max_throttle_retries: 10,
            retry_min_delay: Duration::from_millis(200),
            retry_max_delay: Duration::from_secs(10),
            rate_scale: 1.0,
        }
    }

    /// The configuration asking for the marketplaces `ids` instead.
    pub fn with_marketplaces<S: Into<String>>(mut self, ids: impl IntoIterator<Item = S>) -> Self {
        self.marketplace_ids = ids.into_iter().map(Into::into).collect();
        self
    }
}

#[derive(Debug)]
struct Shared {
    config: ClientConfig,
    http: reqwest::Client,
    lwa: Lwa,
    limiters: Limiters,
}

/// A Selling Partner API client. Cheap to clone; clones share the token
/// cache and the rate limiters.
#[derive(Debug, Clone)]
pub struct Client {
    shared: Arc<Shared>,
    cancel: CancellationToken,
}

/// One HTTP request to an operation.
pub(crate) struct Request {
    pub(crate) method: reqwest::Method,
    pub(crate) path: Vec<String>,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Option<serde_json::Value>,
}

impl Request {
    pub(crate) fn get(path: &[&str]) -> Self {
        Request {
            method: reqwest::Method::GET,
            path: path.iter().map(|s| s.to_string()).collect(),
            query: Vec::new(),
            body: None,
        }
    }

    pub(crate) fn post(path: &[&str], body: serde_json::Value) -> Self {
        Request {
            method: reqwest::Method::POST,
            body: Some(body),
            ..Request::get(path)
        }
    }

    pub(crate) fn param(mut self, name: &'static str, value: impl ToString) -> Self {
        self.query.push((name, value.to_string()));
        self
    }

    pub(crate) fn opt_param(self, name: &'static str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.param(name, v),
            None => self,
        }
    }

    /// A Swagger `csv` array parameter; omitted when empty.
    pub(crate) fn list_param(self, name: &'static str, values: &[impl AsRef<str>]) -> Self {
        if values.is_empty() {
            return self;
        }
        let joined = values
            .iter()
            .map(|v| v.as_ref())
            .collect::<Vec<_>>()
            .join(",");
        self.param(name, joined)
    }
}

impl Client {
    /// Builds a client. Fails only if the HTTP stack cannot start.
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.request_timeout.min(Duration::from_secs(10)))
            .user_agent(concat!(
                "brickdesk-spapi/",
                env!("CARGO_PKG_VERSION"),
                " (Language=Rust)"
            ))
            .build()
            .map_err(|e| Error::transport("building HTTP client", e))?;
        let lwa = Lwa::new(
            config.lwa_token_url.clone(),
            config.client_id.clone(),
            config.client_secret.clone(),
            config.refresh_token.clone(),
        );
        let limiters = Limiters::new(config.rate_scale);
        Ok(Client {
            shared: Arc::new(Shared {
                config,
                http,
                lwa,
                limiters,
            }),
            cancel: CancellationToken::new(),
        })
    }

    /// A handle whose calls (and every wait inside them) stop with
    /// [`Error::Cancelled`] when `cancel` fires. Shares everything else.
    pub fn with_cancellation(&self, cancel: CancellationToken) -> Self {
        Client {
            shared: Arc::clone(&self.shared),
            cancel,
        }
    }

    /// The configuration the client was built with.
    pub fn config(&self) -> &ClientConfig {
        &self.shared.config
    }

    /// The rate limiter state of one operation.
    pub fn limiter_state(&self, op: Operation) -> LimiterState {
        self.shared.limiters.state(op)
    }

    /// The rate limiter state of every operation.
    pub fn limiter_states(&self) -> Vec<LimiterState> {
        Operation::ALL
            .into_iter()
            .map(|op| self.limiter_state(op))
            .collect()
    }

    /// Checks the credentials by fetching an access token.
    pub async fn check_credentials(&self) -> Result<(), Error> {
        self.shared
            .lwa
            .access_token(&self.shared.http, self.retrier(), &self.cancel)
            .await
            .map(drop)
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.shared.http
    }

    pub(crate) fn cancel_token(&self) -> &CancellationToken {
        &self.cancel
    }

    pub(crate) fn marketplace_ids(&self) -> &[String] {
        &self.shared.config.marketplace_ids
    }

    pub(crate) fn retrier(&self) -> Retrier {
        let c = &self.shared.config;
        Retrier::new(c.retry_min_delay, c.retry_max_delay, c.max_retries)
    }

    /// Sends `request` for `op`, waiting for the rate limiter, retrying
    /// what is worth retrying, and decodes the JSON body as `T`.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        op: Operation,
        request: Request,
    ) -> Result<T, Error> {
        let (body, request_id) = self.call_raw(op, &request).await?;
        serde_json::from_slice(&body).map_err(|e| Error::Decode {
            what: format!("{} response", op.name()),
            message: e.to_string(),
            request_id,
        })
    }

    /// Sends `request` for `op` like [`Client::call`], for an operation
    /// that answers 204 No Content.
    pub(crate) async fn call_no_content(
        &self,
        op: Operation,
        request: Request,
    ) -> Result<(), Error> {
        self.call_raw(op, &request).await.map(|_| ())
    }

    /// Like [`Client::call`], returning the raw body and its request id.
    async fn call_raw(
        &self,
        op: Operation,
        request: &Request,
    ) -> Result<(bytes::Bytes, Option<String>), Error> {
        let shared = &*self.shared;
        let cancel = &self.cancel;
        let url = build_url(&shared.config.api_base_url, &request.path)?;
        let mut retrier = self.retrier();
        let mut throttles = 0;
        let mut refreshed = false;
        loop {
            let waiting = std::time::Instant::now();
            shared.limiters.acquire(op, cancel).await?;
            metrics::histogram!(metrics_names::LIMITER_WAIT, "operation" => op.name())
                .record(waiting.elapsed().as_secs_f64());
            let token = shared
                .lwa
                .access_token(&shared.http, self.retrier(), cancel)
                .await?;
            let mut builder = shared
                .http
                .request(request.method.clone(), url.clone())
                .query(&request.query)
                .header("x-amz-access-token", &token)
                .header("accept", "application/json");
            if let Some(body) = &request.body {
                builder = builder.json(body);
            }
            let attempt = async {
                let response = builder.send().await?;
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                let body = response.bytes().await?;
                Ok::<_, reqwest::Error>((status, headers, body))
            };
            let answered = cancellable(attempt, cancel).await?;
            let status_label = match &answered {
                Ok((status, _, _)) => status.to_string(),
                Err(_) => "no answer".to_owned(),
            };
            metrics::counter!(metrics_names::CALLS, "operation" => op.name(), "status" => status_label)
                .increment(1);
            let (status, headers, body) = match answered {
                Ok(ok) => ok,
                Err(err) => {
                    retrier
                        .backoff(Error::transport(op.name(), err), cancel)
                        .await?;
                    continue;
                }
            };
            let request_id = header(&headers, "x-amzn-requestid");
            if let Some(rate) =
                header(&headers, "x-amzn-ratelimit-limit").and_then(|v| v.parse().ok())
            {
                shared.limiters.set_rate(op, rate);
            }
            if (200..300).contains(&status) {
                // 204 No Content (confirmShipment) has no body to check.
                if status == 204 {
                    return Ok((body, request_id));
                }
                if let Err(err) = serde_json::from_slice::<serde::de::IgnoredAny>(&body) {
                    let err = Error::Decode {
                        what: op.name().into(),
                        message: err.to_string(),
                        request_id,
                    };
                    retrier.backoff(err, cancel).await?;
                    continue;
                }
                return Ok((body, request_id));
            }
            let api = parse_api_error(status, &body, request_id);
            match status {
                429 => {
                    throttles += 1;
                    tracing::info!(
                        operation = op.name(),
                        throttles,
                        "throttled by Amazon (429)"
                    );
                    shared.limiters.throttled(
                        op,
                        jitter(Duration::from_millis(50), Duration::from_millis(250)),
                    );
                    if throttles > shared.config.max_throttle_retries {
                        return Err(Error::QuotaExceeded(api));
                    }
                }
                403 if !refreshed && says_expired(&api) => {
                    refreshed = true;
                    tracing::info!(
                        operation = op.name(),
                        "access token expired; refreshing once"
                    );
                    shared.lwa.invalidate(&token).await;
                }
                500..=599 => retrier.backoff(classify(api), cancel).await?,
                _ => return Err(classify(api)),
            }
        }
    }

    /// Walks a paginated operation: `fetch(client, query, token)` gets one
    /// page and `next_token` reads the token of the page after it; the
    /// stream ends after a page without one.
    pub(crate) fn pages<Q, P, Fut>(
        &self,
        query: Q,
        fetch: impl Fn(Client, Q, Option<String>) -> Fut + Send + 'static,
        next_token: fn(&P) -> Option<String>,
    ) -> impl Stream<Item = Result<P, Error>> + Send + 'static
    where
        Q: Clone + Send + 'static,
        P: Send + 'static,
        Fut: Future<Output = Result<P, Error>> + Send + 'static,
    {
        let client = self.clone();
        stream::try_unfold(Some(None::<String>), move |next| {
            let page = next.map(|token| fetch(client.clone(), query.clone(), token));
            async move {
                let Some(page) = page else { return Ok(None) };
                let page = page.await?;
                let next = next_token(&page).filter(|t| !t.is_empty()).map(Some);
                Ok(Some((page, next)))
            }
        })
    }

    /// Flattens a page stream into its items.
    pub(crate) fn items<P, I>(
        pages: impl Stream<Item = Result<P, Error>> + Send + 'static,
        into_items: fn(P) -> Vec<I>,
    ) -> impl Stream<Item = Result<I, Error>> + Send + 'static
    where
        P: Send + 'static,
        I: Send + 'static,
    {
        pages
            .map_ok(move |p| stream::iter(into_items(p).into_iter().map(Ok)))
            .try_flatten()
    }
}

fn build_url(base: &str, path: &[String]) -> Result<url::Url, Error> {
    let mut url = url::Url::parse(base).map_err(|e| Error::transport("API base URL", e))?;
    url.path_segments_mut()
        .map_err(|()| Error::transport("API base URL", "cannot be a base"))?
        .pop_if_empty()
        .extend(path);
    Ok(url)
}

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn says_expired(api: &ApiError) -> bool {
    let text =
        format!("{} {}", api.message, api.details.as_deref().unwrap_or("")).to_ascii_lowercase();
    text.contains("expired")
}

/// A random duration in `[min, max]`.
fn jitter(min: Duration, max: Duration) -> Duration {
    let millis = rand::rng().random_range(min.as_millis() as u64..=max.as_millis() as u64);
    Duration::from_millis(millis)
}

/// Capped exponential backoff with jitter for transient failures.
#[derive(Debug)]
pub(crate) struct Retrier {
    delays: backon::ExponentialBackoff,
}

impl Retrier {
    fn new(min: Duration, max: Duration, times: usize) -> Self {
        use backon::BackoffBuilder;
        let delays = backon::ExponentialBuilder::default()
            .with_min_delay(min)
            .with_max_delay(max)
            .with_max_times(times)
            .with_jitter()
            .build();
        Retrier { delays }
    }

    /// Waits before the next retry, or returns `err` when retries are spent.
    pub(crate) async fn backoff(
        &mut self,
        err: Error,
        cancel: &CancellationToken,
    ) -> Result<(), Error> {
        match self.delays.next() {
            Some(delay) => {
                tracing::warn!(error = %err, delay_ms = delay.as_millis() as u64, "retrying");
                sleep(delay, cancel).await
            }
            None => Err(err),
        }
    }
}

/// Sleeps unless cancelled first.
pub(crate) async fn sleep(duration: Duration, cancel: &CancellationToken) -> Result<(), Error> {
    cancellable(tokio::time::sleep(duration), cancel).await
}

/// Runs `fut` unless cancelled first.
pub(crate) async fn cancellable<T>(
    fut: impl Future<Output = T>,
    cancel: &CancellationToken,
) -> Result<T, Error> {
    tokio::select! {
        biased;
        () = cancel.cancelled() => Err(Error::Cancelled),
        out = fut => Ok(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_keeps_base_path_and_encodes_segments() {
        let url = build_url(
            "http://127.0.0.1:9/",
            &["orders".into(), "v0".into(), "a/b c".into()],
        )
        .unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:9/orders/v0/a%2Fb%20c");
        let url = build_url("http://h/prefix", &["x".into()]).unwrap();
        assert_eq!(url.as_str(), "http://h/prefix/x");
    }

    #[test]
    fn debug_output_hides_secrets() {
        let config = ClientConfig::new(
            "http://a",
            "http://b",
            "id",
            "s3cret",
            "Atzr|tok",
            MARKETPLACE_UK,
        );
        let text = format!("{config:?}");
        assert!(
            !text.contains("s3cret") && !text.contains("Atzr|tok"),
            "{text}"
        );
        let client = Client::new(config).unwrap();
        let text = format!("{client:?}");
        assert!(
            !text.contains("s3cret") && !text.contains("Atzr|tok"),
            "{text}"
        );
    }

    #[test]
    fn recognises_expired_token_messages() {
        let api = ApiError {
            status: 403,
            code: "Unauthorized".into(),
            message: "Access to requested resource is denied.".into(),
            details: Some("The access token you provided has expired.".into()),
            request_id: None,
        };
        assert!(says_expired(&api));
        assert!(!says_expired(&ApiError {
            details: None,
            ..api
        }));
    }
}
