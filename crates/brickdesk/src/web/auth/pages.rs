//! `/login`, `/logout` and the first-run `/setup` page.

use std::net::SocketAddr;
use std::time::Instant;

use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::{SESSION_COOKIE, SESSION_IDLE, cookie, is_https};
use crate::auth::{Role, parse_username, password, token};
use crate::db::{self, audit};
use crate::domain::UserId;
use crate::web::extract::{Form, Query};
use crate::web::routes::{Access, Routes};
use crate::web::{AppError, AppState, PageError};

/// Routes of this module.
pub fn router() -> Routes {
    Routes::default()
        .get("/login", Access::Public, show_login)
        .post("/login", Access::Public, sign_in)
        .post("/logout", Access::User, sign_out)
        .get("/setup", Access::Public, show_setup)
        .post("/setup", Access::Public, create_owner)
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    username: String,
    next: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    token: String,
    username: String,
    error: Option<String>,
}

/// Only paths of this site may be redirected to after sign-in. `next` is
/// resolved the way a browser would (tabs and newlines dropped, `\` read
/// as `/`); anything that then names another host, or that held a control
/// character or a backslash to begin with, goes to `/`.
fn safe_next(next: &str) -> String {
    const BASE: &str = "http://brickdesk.invalid/";
    let plain = next.starts_with('/')
        && !next.starts_with("//")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    let Ok(base) = url::Url::parse(BASE) else {
        return "/".to_owned();
    };
    match base.join(next) {
        Ok(url) if plain && url.origin() == base.origin() => {
            let local = &url[url::Position::BeforePath..];
            if local.starts_with("//") {
                "/".to_owned()
            } else {
                local.to_owned()
            }
        }
        _ => "/".to_owned(),
    }
}

fn session_cookie(
    headers: &HeaderMap,
    value: &str,
    max_age: i64,
) -> Result<HeaderValue, PageError> {
    let secure = if is_https(headers) { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .map_err(|e| PageError(AppError::Internal(e.into())))
}

/// Starts a session for `user` and answers with its cookie and a redirect.
async fn start_session(
    state: &AppState,
    headers: &HeaderMap,
    user: UserId,
    to: &str,
    action: &str,
) -> Result<Response, PageError> {
    let secret = token::new_secret();
    let mut tx = state.db.begin().await?;
    db::users::create_session(&mut tx, &token::digest(&secret), user, SESSION_IDLE).await?;
    let entry = audit::Entry {
        user: Some(user),
        action,
        entity_type: "user",
        entity_id: Some(user.to_string()),
        details: json!({}),
    };
    audit::record(&mut tx, &entry).await?;
    tx.commit().await?;
    let cookie = session_cookie(headers, &secret, SESSION_IDLE.whole_seconds())?;
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&safe_next(to))).into_response())
}

#[derive(Deserialize)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

async fn show_login(
    State(state): State<AppState>,
    Query(q): Query<NextQuery>,
) -> Result<Response, PageError> {
    if db::users::count(&state.db).await? == 0 {
        return crate::web::html(StatusCode::OK, &LoginPage {
            username: String::new(),
            next: q.next,
            error: Some("No account exists yet. Open the setup link Brickdesk printed when it started, or run `brickdesk user add NAME --role owner --password-stdin`.".into()),
        });
    }
    crate::web::html(
        StatusCode::OK,
        &LoginPage {
            username: String::new(),
            next: q.next,
            error: None,
        },
    )
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

#[tracing::instrument(skip_all, fields(username = %form.username))]
async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let user_key = format!("user:{}", form.username.trim().to_lowercase());
    let keys = [user_key.clone(), format!("ip:{}", peer.ip())];
    let retry = |error: String, status| {
        crate::web::html(
            status,
            &LoginPage {
                username: form.username.clone(),
                next: form.next.clone(),
                error: Some(error),
            },
        )
    };
    if let Err(wait) = state.throttle.check(&keys, Instant::now()) {
        let secs = wait.as_secs().max(1);
        return retry(
            format!("Too many failed sign-ins. Try again in {secs} seconds."),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let found = db::users::find_by_name(&state.db, form.username.trim()).await?;
    let hash = found
        .as_ref()
        .map_or(password::dummy_hash(), |u| u.password_hash.as_str());
    let ok = password::verify(&form.password, hash) && found.is_some();
    let Some(user) = found.filter(|_| ok) else {
        state.throttle.failed(&keys, Instant::now());
        let entry = audit::Entry {
            user: None,
            action: "sign_in_failed",
            entity_type: "user",
            entity_id: Some(form.username.trim().chars().take(64).collect()),
            details: json!({ "address": peer.ip().to_string() }),
        };
        audit::record_now(&state.db, &entry).await?;
        return retry(
            "Wrong username or password.".into(),
            StatusCode::UNAUTHORIZED,
        );
    };
    state.throttle.succeeded(&user_key);
    start_session(&state, &headers, user.id, &form.next, "sign_in").await
}

async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if let Some(secret) = cookie(&headers, SESSION_COOKIE) {
        db::users::delete_session(&state.db, &token::digest(secret)).await?;
    }
    let cleared = session_cookie(&headers, "", 0)?;
    Ok(([(header::SET_COOKIE, cleared)], Redirect::to("/login")).into_response())
}

#[derive(Deserialize)]
struct SetupQuery {
    #[serde(default)]
    token: String,
}

async fn show_setup(
    State(state): State<AppState>,
    Query(q): Query<SetupQuery>,
) -> Result<Response, PageError> {
    if db::users::count(&state.db).await? > 0 {
        return Ok(Redirect::to("/login").into_response());
    }
    if !state.setup.matches(&q.token) {
        return Err(PageError(AppError::Forbidden));
    }
    crate::web::html(
        StatusCode::OK,
        &SetupPage {
            token: q.token,
            username: String::new(),
            error: None,
        },
    )
}

#[derive(Deserialize)]
struct SetupForm {
    token: String,
    username: String,
    password: String,
    confirm: String,
}

#[tracing::instrument(skip_all)]
async fn create_owner(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> Result<Response, PageError> {
    if !state.setup.matches(&form.token) {
        return Err(PageError(AppError::Forbidden));
    }
    let again = |error: String| {
        crate::web::html(
            StatusCode::BAD_REQUEST,
            &SetupPage {
                token: form.token.clone(),
                username: form.username.clone(),
                error: Some(error),
            },
        )
    };
    let username = match parse_username(&form.username) {
        Ok(u) => u,
        Err(e) => return again(e.to_string()),
    };
    if form.password != form.confirm {
        return again("The two passwords differ.".into());
    }
    let hash = match password::hash(&form.password) {
        Ok(h) => h,
        Err(e) => return again(e.to_string()),
    };
    let mut tx = state.db.begin().await?;
    if db::users::count_in(&mut tx).await? > 0 {
        return Err(PageError(AppError::Conflict(
            "An owner account exists already; sign in instead.".into(),
        )));
    }
    let id = db::users::create(&mut tx, &username, &hash, Role::Owner).await?;
    let entry = audit::Entry {
        user: Some(id),
        action: "user_create",
        entity_type: "user",
        entity_id: Some(id.to_string()),
        details: json!({ "username": username, "role": "owner", "via": "setup_link" }),
    };
    audit::record(&mut tx, &entry).await?;
    tx.commit().await?;
    state.setup.revoke();
    start_session(&state, &headers, id, "/", "sign_in").await
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_redirects() {
        assert_eq!(
            safe_next("/orders/amazon?status=Paid"),
            "/orders/amazon?status=Paid"
        );
        assert_eq!(safe_next("/inventory/7#history"), "/inventory/7#history");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/\u{0}x",
            "\t//evil.example",
            "evil.example",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
        // Dot segments are resolved, never climbing out of the site.
        assert_eq!(safe_next("/a/../..//evil.example"), "/");
        assert_eq!(safe_next("/a/../orders"), "/orders");
    }
}
