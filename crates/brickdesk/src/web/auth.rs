//! Who is calling: session cookies for people, bearer tokens for the API,
//! and the CSRF rule for every state-changing request made with a cookie.

mod pages;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use time::Duration;

pub use pages::router;

use super::{AppError, AppState};
use crate::auth::{Role, token};
use crate::db;
use crate::domain::UserId;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "bd_session";
/// A session ends after this long without a request.
pub const SESSION_IDLE: Duration = Duration::days(7);
/// Last-seen times are written at most this often (not on every GET).
const TOUCH_EVERY: Duration = Duration::minutes(5);

/// The signed-in user of a request, put in its extensions.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// User id.
    pub id: UserId,
    /// Username.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Whether the request came with an API token (not a cookie).
    pub via_token: bool,
}

/// The one-time owner setup link of a database without users.
#[derive(Debug, Default)]
pub struct SetupToken(Mutex<Option<String>>);

impl SetupToken {
    /// Creates a fresh token and returns its secret (to print once).
    pub fn issue(&self) -> String {
        let secret = token::new_secret();
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(token::digest(&secret));
        secret
    }

    /// Whether `secret` is the live setup token.
    pub fn matches(&self, secret: &str) -> bool {
        let guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        guard
            .as_deref()
            .is_some_and(|d| token::constant_time_eq(d, &token::digest(secret)))
    }

    /// Spends the token.
    pub fn revoke(&self) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// How long a verified API token is trusted without asking the database
/// again. A token revoked, or a user disabled, by another process (the
/// CLI) stops working within this time.
pub const TOKEN_TRUST: std::time::Duration = std::time::Duration::from_secs(2);

/// Most tokens remembered at once; beyond it the memory starts afresh.
const TOKEN_CACHE_MAX: usize = 1_024;

/// API tokens verified in the last [`TOKEN_TRUST`], by digest: a client
/// sending many requests costs one token lookup every two seconds, not one
/// per request. Only good tokens are remembered, so a bad one is looked up
/// (and refused) every time.
#[derive(Debug, Default)]
pub struct TokenCache(Mutex<HashMap<String, (CurrentUser, Instant)>>);

impl TokenCache {
    fn get(&self, digest: &str) -> Option<CurrentUser> {
        let guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        guard
            .get(digest)
            .filter(|(_, at)| at.elapsed() < TOKEN_TRUST)
            .map(|(user, _)| user.clone())
    }

    fn put(&self, digest: String, user: CurrentUser) {
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if guard.len() >= TOKEN_CACHE_MAX {
            guard.retain(|_, (_, at)| at.elapsed() < TOKEN_TRUST);
            if guard.len() >= TOKEN_CACHE_MAX {
                guard.clear();
            }
        }
        guard.insert(digest, (user, Instant::now()));
    }
}

/// Reads a cookie from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
}

/// Middleware on every route: resolves the caller, then refuses
/// cross-site state-changing requests that rely on the cookie.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let user = match identify(&state, req.headers()).await {
        Ok(user) => user,
        Err(err) => return err.into_response(),
    };
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let cookie_auth = user.as_ref().is_none_or(|u| !u.via_token);
    if unsafe_method && cookie_auth && !same_origin(req.headers()) {
        return AppError::Forbidden.into_response();
    }
    if let Some(user) = user {
        req.extensions_mut().insert(user);
    }
    next.run(req).await
}

async fn identify(state: &AppState, headers: &HeaderMap) -> Result<Option<CurrentUser>, AppError> {
    if let Some(secret) = bearer(headers) {
        let digest = token::digest(secret);
        if let Some(user) = state.tokens.get(&digest) {
            return Ok(Some(user));
        }
        let row = db::users::token_user(&state.db, &digest).await?;
        // A bad token is an error, not an anonymous request.
        let row = row.ok_or(AppError::Unauthorized)?;
        let user = CurrentUser {
            id: row.id,
            username: row.username,
            role: row.role,
            via_token: true,
        };
        state.tokens.put(digest, user.clone());
        return Ok(Some(user));
    }
    let Some(secret) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let digest = token::digest(secret);
    let now = db::now();
    let Some(found) = db::users::session_user(&state.db, &digest, now).await? else {
        return Ok(None);
    };
    if now - found.last_seen_at > TOUCH_EVERY {
        // Bookkeeping of the session itself, throttled: the one write a
        // GET may cause, so idle sessions expire and active ones do not.
        db::users::touch_session(&state.db, &digest, SESSION_IDLE).await?;
    }
    Ok(Some(CurrentUser {
        id: found.id,
        username: found.username,
        role: found.role,
        via_token: false,
    }))
}

/// A browser request is same-origin when `Sec-Fetch-Site` says so, or, in
/// browsers without it, when `Origin` names this host. Requests with
/// neither header come from non-browser clients, which carry no ambient
/// cookie of a victim.
fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| !host.is_empty() && rest.eq_ignore_ascii_case(host))
}

/// Whether the request reached us over HTTPS (directly or via a proxy).
pub fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn csrf_rule() {
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(same_origin(&headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!same_origin(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!same_origin(&headers(&[
            ("origin", "null"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(same_origin(&headers(&[])));
    }

    #[test]
    fn cookies_and_bearer() {
        let h = headers(&[("cookie", "a=1; bd_session=abc; c=3")]);
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "zz"), None);
        assert_eq!(
            bearer(&headers(&[("authorization", "Bearer bd_x")])),
            Some("bd_x")
        );
        assert_eq!(bearer(&headers(&[("authorization", "Basic x")])), None);
    }

    #[test]
    fn setup_token_is_single_use() {
        let t = SetupToken::default();
        assert!(!t.matches("anything"));
        let s = t.issue();
        assert!(t.matches(&s));
        assert!(!t.matches("wrong"));
        t.revoke();
        assert!(!t.matches(&s));
    }
}
