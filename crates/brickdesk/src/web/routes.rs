//! The route table. Every route is added through [`Routes`], which records
//! its method, path and required access and wraps it in the matching
//! guard, so access rules and the list tests walk can never disagree.

use axum::Router;
use axum::extract::Request;
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodFilter, on};

use super::AppState;
use super::auth::CurrentUser;
use super::error::AppError;
use crate::auth::Role;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (sign-in, setup, health, static files).
    Public,
    /// Any signed-in user or API token.
    User,
    /// Owners only (credentials, users, tokens).
    Owner,
}

/// One entry of the route table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    /// HTTP method.
    pub method: Method,
    /// Path pattern, e.g. `/api/inventory/{id}`.
    pub path: &'static str,
    /// Required access.
    pub access: Access,
}

/// A router under construction plus the table of what it holds.
pub struct Routes {
    router: Router<AppState>,
    table: Vec<RouteInfo>,
}

impl Default for Routes {
    fn default() -> Self {
        Routes {
            router: Router::new(),
            table: Vec::new(),
        }
    }
}

impl Routes {
    /// Adds `handler` for `method` on `path`, guarded by `access`.
    pub fn add<H, T>(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).unwrap_or(MethodFilter::GET);
        let route = on(filter, handler).route_layer(middleware::from_fn(
            move |req: Request, next: Next| guard(access, req, next),
        ));
        self.router = self.router.route(path, route);
        self.table.push(RouteInfo {
            method,
            path,
            access,
        });
        self
    }

    /// `GET` route.
    pub fn get<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::GET, path, access, handler)
    }

    /// `POST` route.
    pub fn post<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, access, handler)
    }

    /// Adds every route of `other`.
    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }

    /// The router and its table.
    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteInfo>) {
        (self.router, self.table)
    }
}

async fn guard(access: Access, req: Request, next: Next) -> Response {
    if access == Access::Public {
        return next.run(req).await;
    }
    // Programs (API clients, a metrics scraper) get a status, not a page.
    let is_api = req.uri().path().starts_with("/api/") || req.uri().path() == "/metrics";
    match req.extensions().get::<CurrentUser>() {
        None if is_api => AppError::Unauthorized.into_response(),
        None => {
            let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
            let next_param: String =
                url::form_urlencoded::byte_serialize(target.as_bytes()).collect();
            Redirect::to(&format!("/login?next={next_param}")).into_response()
        }
        Some(user) if access == Access::Owner && user.role != Role::Owner => {
            if is_api {
                AppError::Forbidden.into_response()
            } else {
                super::error::PageError(AppError::Forbidden).into_response()
            }
        }
        Some(_) => next.run(req).await,
    }
}
