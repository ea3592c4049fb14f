//! `/settings/amazon`: the seller's Amazon credentials and what pages
//! show of buyers (owners only).

use askama::Template;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::CurrentUser;
use super::routes::{Access, Routes};
use super::{AppError, AppState, PageError};
use crate::amazon::connection::{explain, test_connection};
use crate::amazon::credentials::{self, Credentials, Region, UK_MARKETPLACE};
use crate::auth::secrets::mask;
use crate::domain::location::FbaPrefix;
use crate::web::extract::{Form, Query};
use spapi::marketplace::Marketplace;

/// Routes of this module.
pub fn router() -> Routes {
    Routes::default()
        .get("/settings/amazon", Access::Owner, show_amazon_settings)
        .post("/settings/amazon", Access::Owner, save_amazon_settings)
        .post(
            "/settings/amazon/test",
            Access::Owner,
            test_amazon_connection,
        )
        .post("/settings/display", Access::Owner, save_display_settings)
        .post("/settings/fba", Access::Owner, save_fba_settings)
}

#[derive(Template)]
#[template(path = "settings_amazon.html")]
struct AmazonSettingsPage {
    demo: bool,
    configured: bool,
    client_id: String,
    secret_hint: String,
    token_hint: String,
    region: &'static str,
    marketplaces: Vec<MarketGroup>,
    errors: Vec<String>,
    saved: Option<&'static str>,
    test_result: Option<(bool, String)>,
    show_buyer_names: bool,
    fba_prefix: String,
}

/// A region's marketplaces as checkboxes.
struct MarketGroup {
    region: &'static str,
    label: &'static str,
    markets: Vec<(&'static Marketplace, bool)>,
}

/// Every known marketplace by region, those in `chosen` ticked.
fn market_groups(chosen: &[String]) -> Vec<MarketGroup> {
    [
        (Region::Eu, "Europe"),
        (Region::Na, "North America"),
        (Region::Fe, "Far East"),
    ]
    .into_iter()
    .map(|(region, label)| MarketGroup {
        region: region.code(),
        label,
        markets: spapi::marketplace::in_region(region)
            .map(|m| (m, chosen.iter().any(|c| c == m.id)))
            .collect(),
    })
    .collect()
}

async fn render(
    state: &AppState,
    errors: Vec<String>,
    saved: Option<&'static str>,
    status: StatusCode,
) -> Result<Response, PageError> {
    render_with(state, errors, saved, None, status).await
}

async fn render_with(
    state: &AppState,
    errors: Vec<String>,
    saved: Option<&'static str>,
    test_result: Option<(bool, String)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let stored = credentials::load(&state.db, &state.secrets)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let page = AmazonSettingsPage {
        demo: state.demo,
        configured: stored.is_some(),
        client_id: stored
            .as_ref()
            .map(|c| c.client_id.clone())
            .unwrap_or_default(),
        secret_hint: stored
            .as_ref()
            .map(|c| mask(&c.client_secret))
            .unwrap_or_default(),
        token_hint: stored
            .as_ref()
            .map(|c| mask(&c.refresh_token))
            .unwrap_or_default(),
        region: stored.as_ref().map_or(Region::Eu, |c| c.region).code(),
        marketplaces: market_groups(
            &stored.map_or_else(|| vec![UK_MARKETPLACE.to_owned()], |c| c.marketplace_ids),
        ),
        errors,
        saved,
        test_result,
        show_buyer_names: crate::db::settings::show_buyer_names(&state.db).await?,
        fba_prefix: crate::db::settings::fba_prefix(&state.db)
            .await?
            .as_str()
            .to_owned(),
    };
    let html = page.render().map_err(anyhow::Error::from)?;
    Ok((status, Html(html)).into_response())
}

async fn show_amazon_settings(
    State(state): State<AppState>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, PageError> {
    let saved = q.saved.as_deref().map(|what| match what {
        "display" => "Buyer display saved.",
        "fba" => "FBA location prefix saved.",
        _ => "Amazon credentials saved.",
    });
    render(&state, Vec::new(), saved, StatusCode::OK).await
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

/// The credentials form: its fields as posted (a ticked marketplace box
/// sends `marketplace_ids` once per marketplace).
#[derive(Default)]
struct AmazonForm {
    client_id: String,
    client_secret: String,
    refresh_token: String,
    region: String,
    marketplace_ids: Vec<String>,
}

impl AmazonForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> AmazonForm {
        let mut form = AmazonForm::default();
        for (name, value) in pairs {
            match name.as_str() {
                "client_id" => form.client_id = value,
                "client_secret" => form.client_secret = value,
                "refresh_token" => form.refresh_token = value,
                "region" => form.region = value,
                "marketplace_ids" => form.marketplace_ids.push(value),
                _ => {}
            }
        }
        form
    }
}

#[tracing::instrument(skip_all, fields(user = %user.username))]
async fn save_amazon_settings(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = AmazonForm::from_pairs(pairs);
    let stored = credentials::load(&state.db, &state.secrets)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let mut errors = Vec::new();
    // A blank secret field keeps the stored value: secrets are never sent
    // back to the browser, so the form cannot show them for re-submission.
    let keep = |typed: &str, old: Option<&String>| {
        let t = typed.trim();
        if t.is_empty() {
            old.cloned().unwrap_or_default()
        } else {
            t.to_owned()
        }
    };
    let client_secret = keep(
        &form.client_secret,
        stored.as_ref().map(|c| &c.client_secret),
    );
    let refresh_token = keep(
        &form.refresh_token,
        stored.as_ref().map(|c| &c.refresh_token),
    );
    let client_id = form.client_id.trim().to_owned();
    if client_id.is_empty() {
        errors.push("Client id is required.".to_owned());
    }
    if client_secret.is_empty() {
        errors.push("Client secret is required.".to_owned());
    }
    if refresh_token.is_empty() {
        errors.push("Refresh token is required.".to_owned());
    }
    let region = Region::from_code(&form.region);
    let marketplace_ids = match region {
        None => {
            errors.push("Region must be eu, na or fe.".to_owned());
            Vec::new()
        }
        Some(region) => {
            // Boxes of the other regions are hidden, not unticked: only
            // the chosen region's count.
            let shown: Vec<&String> = form
                .marketplace_ids
                .iter()
                .filter(|id| spapi::marketplace::marketplace(id).is_none_or(|m| m.region == region))
                .collect();
            credentials::parse_marketplaces(region, &shown).unwrap_or_else(|e| {
                errors.push(e);
                Vec::new()
            })
        }
    };
    let (Some(region), true) = (region, errors.is_empty()) else {
        return render(&state, errors, None, StatusCode::BAD_REQUEST).await;
    };
    let creds = Credentials {
        client_id,
        client_secret,
        refresh_token,
        region,
        marketplace_ids,
    };
    credentials::save(&state.db, &state.secrets, &creds, Some(user.id)).await?;
    Ok(Redirect::to("/settings/amazon?saved=1").into_response())
}

#[derive(Deserialize)]
struct DisplayForm {
    /// Present (as "on") when the box is ticked.
    show_buyer_names: Option<String>,
}

/// Saves the seller's choice to show buyers' names on pages.
#[tracing::instrument(skip_all, fields(user = %user.username))]
async fn save_display_settings(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Form(form): Form<DisplayForm>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin().await?;
    crate::db::settings::set_show_buyer_names(&mut tx, form.show_buyer_names.is_some()).await?;
    tx.commit().await?;
    Ok(Redirect::to("/settings/amazon?saved=display").into_response())
}

#[derive(Deserialize)]
struct FbaForm {
    fba_prefix: String,
}

/// Saves the location prefix that names Amazon's warehouses.
#[tracing::instrument(skip_all, fields(user = %user.username))]
async fn save_fba_settings(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Form(form): Form<FbaForm>,
) -> Result<Response, PageError> {
    let prefix = match FbaPrefix::parse(&form.fba_prefix) {
        Ok(prefix) => prefix,
        Err(e) => {
            return render(&state, vec![format!("{e}.")], None, StatusCode::BAD_REQUEST).await;
        }
    };
    let mut tx = state.db.begin().await?;
    crate::db::settings::set_fba_prefix(&mut tx, &prefix).await?;
    tx.commit().await?;
    Ok(Redirect::to("/settings/amazon?saved=fba").into_response())
}

#[tracing::instrument(skip_all)]
async fn test_amazon_connection(State(state): State<AppState>) -> Result<Response, PageError> {
    let client = state
        .amazon
        .client(&state.db, &state.secrets)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let result = match client {
        None => (
            false,
            "Amazon not configured: save your credentials first.".to_owned(),
        ),
        Some(client) => match test_connection(&client).await {
            Ok(message) => (true, message),
            Err(err) => (false, explain(&err)),
        },
    };
    render_with(&state, Vec::new(), None, Some(result), StatusCode::OK).await
}
