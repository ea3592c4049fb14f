//! The JSON API's contract: an OpenAPI 3.1 document generated from the
//! handlers' `#[utoipa::path]` entries, served at `/api/openapi.json` and
//! printed by `brickdesk openapi`. A test holds it to the route table.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{Content, ContentBuilder, Ref, RefOr, Required, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::auth::SESSION_COOKIE;
use super::error::ErrorBody;
use super::route_table;
use super::routes::{Access, Routes};

/// Routes of this module.
pub fn router() -> Routes {
    Routes::default().get("/api/openapi.json", Access::Public, serve)
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Brickdesk",
        description = "The JSON API of Brickdesk, the inventory and Amazon orders desk of a LEGO reseller. \
            Every request but this document's needs a signed-in session cookie or an API token \
            (`brickdesk token create`) sent as `Authorization: Bearer …`. A failed request \
            answers with an `ErrorBody`.",
        license(name = "MIT OR Apache-2.0")
    ),
    modifiers(&Security),
    paths(serve),
    components(schemas(ErrorBody))
)]
struct ApiDoc;

/// The two ways to authenticate, required by every operation but the
/// public ones (see [`add_access_rules`]).
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token from `brickdesk token create`."))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "The session cookie a browser gets by signing in.",
            ))),
        );
        openapi.security = Some(vec![
            SecurityRequirement::new("bearer", Vec::<String>::new()),
            SecurityRequirement::new("session", Vec::<String>::new()),
        ]);
    }
}

/// What the route table and the extractors say of each operation, written
/// into it: a public operation needs no sign-in; any other may answer 401,
/// an owners' one 403; one with a body may answer 413, one that requires
/// a JSON body 415, and one with any input 400.
fn add_access_rules(doc: &mut utoipa::openapi::OpenApi) {
    let access: HashMap<(String, &str), Access> = route_table()
        .into_iter()
        .map(|r| ((r.method.as_str().to_ascii_lowercase(), r.path), r.access))
        .collect();
    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, op) in operations(item) {
            let Some(op) = op else { continue };
            let answers = &mut op.responses.responses;
            match access.get(&(method.to_owned(), path.as_str())) {
                Some(Access::Public) => op.security = Some(vec![SecurityRequirement::default()]),
                Some(rule) => {
                    answers.insert("401".into(), error("Not signed in").into());
                    if *rule == Access::Owner {
                        answers.insert("403".into(), error("Not an owner").into());
                    }
                }
                // No route: the test of the document against the table says so.
                None => {}
            }
            if op.request_body.is_some() {
                answers.insert("413".into(), error("The body is too large").into());
            }
            // `ApiJson` refuses a required body sent as anything but JSON.
            if let Some(RefOr::T(body)) = &op.request_body
                && body.required == Some(Required::True)
                && body.content.contains_key("application/json")
            {
                answers.insert("415".into(), error("The body is not JSON").into());
            }
            // The extractors refuse text with control characters, in any
            // parameter or body.
            let takes_input =
                op.request_body.is_some() || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
            if takes_input && !answers.contains_key("400") {
                answers.insert(
                    "400".into(),
                    error("A parameter or the body is not valid").into(),
                );
            }
        }
    }
}

/// A real request and answer of each operation, taken from the demo data
/// by `.ci/openapi-examples`, keyed by `method path`.
const EXAMPLES: &str = include_str!("openapi/examples.json");

/// One operation's example: its success status, request body and answer.
#[derive(serde::Deserialize)]
struct Example {
    status: String,
    request: Option<serde_json::Value>,
    response: Option<serde_json::Value>,
}

/// Puts each operation's example on its request body and success answer;
/// the backfill's event stream gets an event carrying the backfill's.
fn add_examples(doc: &mut utoipa::openapi::OpenApi) {
    let mut examples: HashMap<String, Example> =
        serde_json::from_str(EXAMPLES).expect("examples.json is a map of examples");
    if let Some(progress) = examples
        .get("get /api/orders/backfill")
        .and_then(|e| e.response.clone())
    {
        let event = serde_json::json!({ "event": "progress", "data": progress.to_string() });
        examples.insert(
            "get /api/orders/backfill/events".into(),
            Example {
                status: "200".into(),
                request: None,
                response: Some(event),
            },
        );
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, op) in operations(item) {
            let Some(op) = op else { continue };
            let Some(example) = examples.remove(&format!("{method} {path}")) else {
                continue;
            };
            if let (Some(RefOr::T(body)), Some(request)) =
                (op.request_body.as_mut(), example.request)
            {
                set_example(body.content.iter_mut(), &request);
            }
            let answer = op.responses.responses.get_mut(&example.status);
            if let (Some(RefOr::T(answer)), Some(response)) = (answer, example.response) {
                set_example(answer.content.iter_mut(), &response);
            }
        }
    }
}

/// Shows `example` in every content but a PDF.
fn set_example<'a>(
    contents: impl Iterator<Item = (&'a String, &'a mut RefOr<Content>)>,
    example: &serde_json::Value,
) {
    for (media, content) in contents {
        if let RefOr::T(content) = content
            && media != "application/pdf"
        {
            content.example = Some(example.clone());
        }
    }
}

/// The operations of a path, by lower-case method.
fn operations(item: &mut PathItem) -> [(&'static str, Option<&mut Operation>); 5] {
    [
        ("get", item.get.as_mut()),
        ("post", item.post.as_mut()),
        ("patch", item.patch.as_mut()),
        ("put", item.put.as_mut()),
        ("delete", item.delete.as_mut()),
    ]
}

/// The document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    // Each area lists its own operations beside its routes.
    for area in [
        super::inventory::InventoryApi::openapi(),
        super::orders::OrdersApi::openapi(),
        super::fees::FeesApi::openapi(),
        super::reports::ReportsApi::openapi(),
        super::fulfil::FulfilApi::openapi(),
        super::inventory_csv::InventoryCsvApi::openapi(),
        super::amazon_jobs::AmazonJobsApi::openapi(),
        super::shipments::ShipmentsApi::openapi(),
    ] {
        doc.merge(area);
    }
    add_access_rules(&mut doc);
    add_examples(&mut doc);
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc
}

/// The document as pretty JSON.
pub fn document_json() -> String {
    document()
        .to_pretty_json()
        .expect("an OpenAPI document always serializes")
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "contract",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", content_type = "application/json", body = Object))
)]
async fn serve() -> impl IntoResponse {
    // The document never changes while the process runs.
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        DOCUMENT.get_or_init(document_json).as_str(),
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Every `/api/` route of the route table, as `METHOD path`.
    fn api_routes() -> BTreeSet<String> {
        route_table()
            .into_iter()
            .filter(|r| r.path.starts_with("/api/"))
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }

    /// Every operation of the document, as `METHOD path`.
    fn documented() -> BTreeSet<String> {
        let doc = serde_json::to_value(document()).expect("serializes");
        let paths = doc["paths"].as_object().expect("paths");
        paths
            .iter()
            .flat_map(|(path, item)| {
                item.as_object()
                    .expect("path item")
                    .keys()
                    .filter(|k| ["get", "post", "put", "patch", "delete"].contains(&k.as_str()))
                    .map(move |method| format!("{} {path}", method.to_uppercase()))
            })
            .collect()
    }

    #[test]
    fn the_document_lists_every_api_route_and_no_other() {
        let routes = api_routes();
        let documented = documented();
        let missing: Vec<_> = routes.difference(&documented).collect();
        let extra: Vec<_> = documented.difference(&routes).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "routes without an entry: {missing:?}; entries without a route: {extra:?}"
        );
        assert!(routes.len() >= 30, "{} API routes", routes.len());
    }

    #[test]
    fn every_operation_shows_a_real_request_and_answer() {
        let doc = serde_json::to_value(document()).expect("serializes");
        let mut unused: BTreeSet<String> = serde_json::from_str::<serde_json::Value>(EXAMPLES)
            .expect("examples")
            .as_object()
            .expect("map")
            .keys()
            .cloned()
            .collect();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            if path == "/api/openapi.json" {
                continue;
            }
            for (method, op) in item.as_object().expect("item") {
                let key = format!("{method} {path}");
                unused.remove(&key);
                if let Some(body) = op.get("requestBody") {
                    let content = body["content"].as_object().expect("content");
                    assert!(
                        content.values().all(|c| c.get("example").is_some()),
                        "{key}: no request example"
                    );
                }
                // One success answer is shown, when any has a body to show.
                let successes: Vec<&serde_json::Value> = op["responses"]
                    .as_object()
                    .expect("responses")
                    .iter()
                    .filter(|(status, _)| status.starts_with('2'))
                    .map(|(_, r)| r)
                    .collect();
                let with_body = successes.iter().any(|r| r.get("content").is_some());
                let shown = successes.iter().any(|r| {
                    r["content"]
                        .as_object()
                        .is_some_and(|c| c.values().any(|c| c.get("example").is_some()))
                });
                assert!(shown || !with_body, "{key}: no answer example");
            }
        }
        assert!(unused.is_empty(), "examples of no operation: {unused:?}");
    }

    #[test]
    fn every_operation_but_the_document_requires_a_sign_in_and_says_what_it_answers() {
        let doc = serde_json::to_value(document()).expect("serializes");
        let public: BTreeSet<String> = route_table()
            .into_iter()
            .filter(|r| r.access == Access::Public)
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("item") {
                let key = format!("{} {path}", method.to_uppercase());
                let responses = op["responses"].as_object().expect("responses");
                assert!(
                    responses.keys().any(|s| s.starts_with('2')),
                    "{key}: no success answer"
                );
                assert!(op["summary"].is_string(), "{key}: no summary");
                if public.contains(&key) {
                    assert_eq!(op["security"], serde_json::json!([{}]), "{key} is public");
                } else {
                    assert!(op.get("security").is_none(), "{key} needs a sign-in");
                    assert!(responses.contains_key("401"), "{key}: no 401");
                }
            }
        }
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!(schemes["bearer"]["scheme"], "bearer");
        assert_eq!(schemes["session"]["in"], "cookie");
        assert_eq!(schemes["session"]["name"], SESSION_COOKIE);
    }
}
