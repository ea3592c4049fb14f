//! What every SP-API request goes through: faults, token check, usage
//! plan, then the operation; and the headers Amazon sends back.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde_json::{Value, json};

use super::{Operation, SimState, lock};
use crate::Fault;
use crate::api::ApiFailure;

const EXPIRED: &str = "The access token you provided has expired.";
const INVALID: &str = "The access token you provided is revoked, malformed or invalid.";

impl SimState {
    /// The fault for the next request: a scheduled one, else a random draw.
    fn next_fault(&self) -> Option<Fault> {
        let mut state = lock(&self.faults);
        state.count += 1;
        let n = state.count;
        if let Some(&(_, fault)) = state.spec.scheduled.iter().find(|(at, _)| *at == n) {
            return Some(fault);
        }
        let random = state.spec.random.clone();
        random
            .into_iter()
            .find(|&(_, p)| state.rng.random_bool(p))
            .map(|(fault, _)| fault)
    }

    /// Checks the `x-amz-access-token`; `Err` is the 403 details.
    fn check_token(&self, headers: &HeaderMap, revoke: bool) -> Result<(), &'static str> {
        let Some(token) = headers
            .get("x-amz-access-token")
            .and_then(|v| v.to_str().ok())
        else {
            return Err("");
        };
        let mut tokens = lock(&self.tokens);
        if revoke {
            tokens.remove(token);
            return Err(EXPIRED);
        }
        match tokens.get(token) {
            None => Err(INVALID),
            Some(&expires) if expires <= self.config.clock.now() => {
                tokens.remove(token);
                Err(EXPIRED)
            }
            Some(_) => Ok(()),
        }
    }

    fn count(&self, op: Operation, injected: bool, throttled: bool) {
        let mut stats = lock(&self.stats);
        stats.requests += 1;
        *stats.by_operation.entry(op.name().to_owned()).or_default() += 1;
        stats.faults_injected += u64::from(injected);
        stats.throttled += u64::from(throttled);
    }

    /// Runs one SP-API request of `op` through faults, auth and the usage
    /// plan, then `run`, and renders Amazon's response.
    pub(crate) async fn respond(
        &self,
        op: Operation,
        headers: &HeaderMap,
        run: impl FnOnce(&SimState) -> Result<Value, ApiFailure>,
    ) -> Response {
        self.catch_up();
        let request_id = self.request_id();
        let fault = self.next_fault();
        if let Some(fault) = fault {
            tracing::info!(operation = op.name(), ?fault, "injecting fault");
        }
        let injected = |f: Fault| fault == Some(f);
        if let Err(details) = self.check_token(headers, injected(Fault::ExpiredToken)) {
            self.count(op, injected(Fault::ExpiredToken), false);
            lock(&self.stats).unauthorized += 1;
            let failure = ApiFailure {
                status: StatusCode::FORBIDDEN,
                code: "Unauthorized",
                message: "Access to requested resource is denied.".into(),
                details: details.into(),
            };
            return self.render(op, &request_id, failure.status, failure.body(), None);
        }
        let allowed = self.limits.check(op);
        let quota = |s: &SimState| {
            let failure = ApiFailure {
                status: StatusCode::TOO_MANY_REQUESTS,
                code: "QuotaExceeded",
                message: "You exceeded your quota for the requested resource.".into(),
                details: String::new(),
            };
            s.render(op, &request_id, failure.status, failure.body(), None)
        };
        if !allowed {
            self.count(op, false, true);
            return quota(self);
        }
        self.count(op, fault.is_some(), false);
        match fault {
            Some(Fault::TooManyRequests) => return quota(self),
            Some(Fault::InternalError) => {
                let body = json!({"errors": [{"code": "InternalFailure", "message": "We encountered an internal error. Please try again.", "details": ""}]});
                return self.render(
                    op,
                    &request_id,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    body,
                    None,
                );
            }
            Some(Fault::Unavailable) => {
                let body = json!({"errors": [{"code": "ServiceUnavailable", "message": "Service temporarily unavailable. Please try again.", "details": ""}]});
                return self.render(op, &request_id, StatusCode::SERVICE_UNAVAILABLE, body, None);
            }
            Some(Fault::Slow(delay)) => tokio::time::sleep(delay).await,
            _ => {}
        }
        let (status, body) = match run(self) {
            // createReport answers 202 Accepted, confirmShipment 204 No
            // Content, everything else 200.
            Ok(body) if op == Operation::CreateReport => (StatusCode::ACCEPTED, body),
            Ok(_) if op == Operation::ConfirmShipment => (StatusCode::NO_CONTENT, Value::Null),
            Ok(body) => (StatusCode::OK, body),
            Err(failure) => (failure.status, failure.body()),
        };
        let mangle =
            fault.filter(|f| matches!(f, Fault::Drop | Fault::Malformed) && status.is_success());
        self.render(op, &request_id, status, body, mangle)
    }

    fn request_id(&self) -> String {
        let hex = self.random_text(32, b"0123456789abcdef");
        format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )
    }

    fn render(
        &self,
        op: Operation,
        request_id: &str,
        status: StatusCode,
        body: Value,
        mangle: Option<Fault>,
    ) -> Response {
        tracing::debug!(operation = op.name(), %status, request_id, fault = ?mangle, "SP-API response");

        // A 204 has no body at all.
        let text = match status {
            StatusCode::NO_CONTENT => String::new(),
            _ => body.to_string(),
        };
        let body = match mangle {
            Some(Fault::Malformed) => Body::from(text.as_bytes()[..text.len() / 2].to_vec()),
            Some(_) => {
                let half = Bytes::copy_from_slice(&text.as_bytes()[..text.len() / 2]);
                let cut = std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "simulated dropped connection",
                );
                Body::from_stream(futures::stream::iter([Ok(half), Err(cut)]))
            }
            None => Body::from(text),
        };
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        if let Ok(v) = HeaderValue::from_str(request_id) {
            headers.insert("x-amzn-RequestId", v);
        }
        let limited = status.is_success()
            || matches!(status, StatusCode::BAD_REQUEST | StatusCode::NOT_FOUND);
        if let (true, Ok(v)) = (limited, HeaderValue::from_str(self.limits.header(op))) {
            headers.insert("x-amzn-RateLimit-Limit", v);
        }
        response
    }
}
