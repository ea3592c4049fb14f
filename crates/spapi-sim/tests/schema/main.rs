//! Every operation's simulator responses validate against the official
//! models in `../shared/sp-api-models`, loaded at test time.

use serde_json::Value;
use spapi_sim::{FaultSpec, OrderStatus, RunningSim, SimClock, SimConfig, SimServer};
use std::time::Duration;

mod validator;

use validator::Model;

struct Harness {
    sim: RunningSim,
    http: reqwest::Client,
    token: String,
}

/// One operation of a model, by its path template (e.g.
/// `/orders/v0/orders/{orderId}`).
struct Endpoint<'m> {
    model: &'m Model,
    template: &'static str,
}

fn endpoint<'m>(model: &'m Model, template: &'static str) -> Endpoint<'m> {
    Endpoint { model, template }
}

impl Endpoint<'_> {
    /// The path with its one parameter set to `id`.
    fn at(&self, id: &str) -> String {
        let (head, rest) = self.template.split_once('{').unwrap();
        let (_, tail) = rest.split_once('}').unwrap();
        format!("{head}{id}{tail}")
    }

    /// The path (without parameters) and `query`.
    fn query(&self, query: &str) -> String {
        format!("{}?{query}", self.template)
    }

    /// Validates `body`, the `status` answer of `method`, against the model.
    fn validate(&self, method: &str, status: u16, body: &Value, what: &str) {
        let schema = self
            .model
            .response_schema(self.template, method, &status.to_string());
        let errors = self.model.validate(schema, body);
        assert!(
            errors.is_empty(),
            "{what} does not match the model:\n{}",
            errors.join("\n")
        );
    }
}

impl Harness {
    async fn start(config: SimConfig) -> Harness {
        let sim = SimServer::spawn(config, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let http = reqwest::Client::new();
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", spapi_sim::DEMO_REFRESH_TOKEN),
            ("client_id", spapi_sim::DEMO_CLIENT_ID),
            ("client_secret", spapi_sim::DEMO_CLIENT_SECRET),
        ];
        let response = http.post(sim.lwa_token_url()).form(&form).send().await;
        let body: Value = response.unwrap().json().await.unwrap();
        let token = body["access_token"].as_str().unwrap().to_owned();
        Harness { sim, http, token }
    }

    async fn get(&self, path_and_query: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}{path_and_query}", self.sim.base_url()))
            .header("x-amz-access-token", &self.token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        assert!(
            response.headers().contains_key("x-amzn-requestid"),
            "{path_and_query}"
        );
        (status, response.json().await.unwrap())
    }

    /// GETs `url`, expects `status`, and validates the body against the
    /// model's schema for that status of the endpoint.
    async fn check(&self, endpoint: &Endpoint<'_>, url: &str, status: u16) -> Value {
        let (got, body) = self.get(url).await;
        assert_eq!(got, status, "{url}: {body}");
        endpoint.validate("get", status, &body, url);
        body
    }

    /// POSTs `body` as JSON to the endpoint (a literal path), expects
    /// `status` and validates the answer.
    async fn check_post(&self, endpoint: &Endpoint<'_>, body: &Value, status: u16) -> Value {
        let template = endpoint.template;
        let response = self
            .http
            .post(format!("{}{template}", self.sim.base_url()))
            .header("x-amz-access-token", &self.token)
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status, "POST {template}");
        let answer: Value = response.json().await.unwrap();
        endpoint.validate("post", status, &answer, &format!("POST {template}"));
        answer
    }

    /// Checks the first page at `url` and every page after it; `next`
    /// reads the next token and builds the next page's query.
    async fn check_pages(
        &self,
        endpoint: &Endpoint<'_>,
        url: String,
        next: impl Fn(&Value) -> Option<String>,
    ) -> Vec<Value> {
        let mut pages = Vec::new();
        let mut url = Some(url);
        while let Some(this) = url {
            let body = self.check(endpoint, &this, 200).await;
            url = next(&body).map(|query| endpoint.query(&query));
            pages.push(body);
        }
        pages
    }
}

const ALL_INCLUDED: &str = "BUYER,RECIPIENT,PROCEEDS,EXPENSE,PROMOTION,CANCELLATION,FULFILLMENT,PACKAGES,TAX,PAYMENT,FULFILLMENT_ORDERS";

fn config() -> SimConfig {
    SimConfig {
        orders: 150,
        time_scale: 100_000.0,
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn orders_2026_responses_match_the_model() {
    let model = Model::load("orders_2026-01-01.json");
    let h = Harness::start(config()).await;
    let search = endpoint(&model, "/orders/2026-01-01/orders");
    let url = search.query(&format!(
        "createdAfter=2020-01-01T00:00:00Z&marketplaceIds=A1F83G8C2ARO7P&maxResultsPerPage=40&includedData={ALL_INCLUDED}"
    ));
    let pages = h
        .check_pages(&search, url, |b| {
            b["pagination"]["nextToken"]
                .as_str()
                .map(|t| format!("paginationToken={}", encode(t)))
        })
        .await;
    let seen: usize = pages
        .iter()
        .map(|p| p["orders"].as_array().unwrap().len())
        .sum();
    assert_eq!(seen, 150);
    let one = endpoint(&model, "/orders/2026-01-01/orders/{orderId}");
    for order in h.sim.orders_snapshot().iter().take(20) {
        let url = one.at(&order.order_id);
        let all = format!("{url}?includedData={ALL_INCLUDED}");
        h.check(&one, &all, 200).await;
        h.check(&one, &url, 200).await;
    }
    for bad in [
        "createdAfter=not-a-date",
        "createdAfter=2020-01-01T00:00:00Z&lastUpdatedAfter=2020-01-01T00:00:00Z",
    ] {
        h.check(&search, &search.query(bad), 400).await;
    }
    h.check(&one, &one.at("203-0000000-0000000"), 404).await;
}

#[tokio::test]
async fn orders_v0_responses_match_the_model() {
    let model = Model::load("ordersV0.json");
    let h = Harness::start(config()).await;
    let list = endpoint(&model, "/orders/v0/orders");
    let url = list.query(
        "MarketplaceIds=A1F83G8C2ARO7P&LastUpdatedAfter=2020-01-01T00:00:00Z&MaxResultsPerPage=60",
    );
    let pages = h
        .check_pages(&list, url, |b| {
            let token = b["payload"]["NextToken"].as_str()?;
            Some(format!(
                "MarketplaceIds=A1F83G8C2ARO7P&NextToken={}",
                encode(token)
            ))
        })
        .await;
    let seen: usize = pages
        .iter()
        .map(|p| p["payload"]["Orders"].as_array().unwrap().len())
        .sum();
    assert_eq!(seen, 150);
    let orders = h.sim.orders_snapshot();
    let one = endpoint(&model, "/orders/v0/orders/{orderId}");
    let items = endpoint(&model, "/orders/v0/orders/{orderId}/orderItems");
    // Every status, lines without ASIN, Pending without prices.
    for status in OrderStatus::ALL {
        let order = orders.iter().find(|o| o.status == status).unwrap();
        h.check(&one, &one.at(&order.order_id), 200).await;
        h.check(&items, &items.at(&order.order_id), 200).await;
    }
    let no_asin = orders
        .iter()
        .find(|o| o.lines.iter().any(|l| l.asin.is_none()))
        .unwrap();
    h.check(&items, &items.at(&no_asin.order_id), 200).await;
    for bad in [
        "CreatedAfter=2020-01-01T00:00:00Z",
        "MarketplaceIds=A1F83G8C2ARO7P&CreatedAfter=2020-01-01&MaxResultsPerPage=0",
    ] {
        h.check(&list, &list.query(bad), 400).await;
    }
    h.check(&one, &one.at("203-0000000-0000000"), 404).await;
}

#[tokio::test]
async fn finances_responses_match_the_models() {
    let v0 = Model::load("financesV0.json");
    let h = Harness::start(config()).await;
    let list = endpoint(&v0, "/finances/v0/financialEvents");
    let after = time::OffsetDateTime::now_utc() - time::Duration::days(170);
    let after = after
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let url = list.query(&format!(
        "PostedAfter={}&MaxResultsPerPage=25",
        encode(&after)
    ));
    let pages = h
        .check_pages(&list, url, |b| {
            b["payload"]["NextToken"]
                .as_str()
                .map(|t| format!("NextToken={}", encode(t)))
        })
        .await;
    assert!(pages.len() > 1);
    let by_order = endpoint(&v0, "/finances/v0/orders/{orderId}/financialEvents");
    for event in h
        .sim
        .financial_events_snapshot()
        .iter()
        .filter(|e| e.kind == spapi_sim::EventKind::Refund)
    {
        h.check(&by_order, &by_order.at(&event.order_id), 200).await;
    }
    h.check(&by_order, &by_order.at("BAD-ORDER"), 400).await;
    let too_old = list.query("PostedAfter=2020-01-01&PostedBefore=2021-01-01");
    h.check(&list, &too_old, 400).await;

    let v2024 = Model::load("finances_2024-06-19.json");
    let list = endpoint(&v2024, "/finances/2024-06-19/transactions");
    let url = list.query(&format!("postedAfter={}", encode(&after)));
    h.check_pages(&list, url, |b| {
        b["payload"]["nextToken"]
            .as_str()
            .map(|t| format!("nextToken={}", encode(t)))
    })
    .await;
    h.check(&list, &list.query("postedBefore=2022-03-07"), 400)
        .await;
}

#[tokio::test]
async fn auth_and_throttling_errors_match_the_model() {
    let model = Model::load("ordersV0.json");
    let h = Harness::start(SimConfig {
        faults: FaultSpec::parse("429#1").unwrap(),
        ..config()
    })
    .await;
    let one = endpoint(&model, "/orders/v0/orders/{orderId}");
    let url = one.at(&h.sim.orders_snapshot()[0].order_id);
    h.check(&one, &url, 429).await;
    let response = h
        .http
        .get(format!("{}{url}", h.sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    one.validate("get", 403, &body, &url);
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn reports_responses_match_the_model() {
    let model = Model::load("reports_2021-06-30.json");
    // Time ×1000: 20 ms in the queue, DONE 60 ms after it is requested,
    // on a clock the test moves (polling the wall clock would race it).
    let clock = SimClock::manual();
    let h = Harness::start(SimConfig {
        orders: 30,
        time_scale: 1000.0,
        clock: clock.clone(),
        ..SimConfig::default()
    })
    .await;
    let create = endpoint(&model, "/reports/2021-06-30/reports");
    let spec = serde_json::json!({
        "reportType": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL",
        "marketplaceIds": ["A1F83G8C2ARO7P"],
        "dataStartTime": "2020-01-01T00:00:00Z",
    });
    let created = h.check_post(&create, &spec, 202).await;
    let id = created["reportId"].as_str().unwrap();
    let get = endpoint(&model, "/reports/2021-06-30/reports/{reportId}");
    let mut statuses = Vec::new();
    let mut report = Value::Null;
    for (age_ms, step_ms) in [(0, 0), (19, 19), (20, 1), (59, 39), (60, 1)] {
        clock.advance(Duration::from_millis(step_ms));
        report = h.check(&get, &get.at(id), 200).await;
        let status = report["processingStatus"].as_str().unwrap().to_owned();
        statuses.push((age_ms, status));
    }
    let statuses: Vec<(u64, &str)> = statuses.iter().map(|(a, s)| (*a, s.as_str())).collect();
    assert_eq!(
        statuses,
        [
            (0, "IN_QUEUE"),
            (19, "IN_QUEUE"),
            (20, "IN_PROGRESS"),
            (59, "IN_PROGRESS"),
            (60, "DONE")
        ]
    );
    let document_id = report["reportDocumentId"].as_str().unwrap();
    let document = endpoint(&model, "/reports/2021-06-30/documents/{reportDocumentId}");
    let body = h.check(&document, &document.at(document_id), 200).await;
    let download = h
        .http
        .get(body["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        download.headers()["content-type"],
        "text/plain;charset=Cp1252"
    );
    assert_eq!(
        &download.bytes().await.unwrap()[..2],
        &[0x1f, 0x8b],
        "gzip magic"
    );

    let bad = serde_json::json!({"reportType": "BAD_FEE_DISCOUNTS_REPORT", "marketplaceIds": ["A1F83G8C2ARO7P"]});
    h.check_post(&create, &bad, 400).await;
    h.check(&get, &get.at("badReportId1"), 400).await;
    h.check(&document, &document.at("badDocumentId1"), 400)
        .await;
}

#[tokio::test]
async fn usage_plans_are_enforced_with_amazons_429() {
    let model = Model::load("ordersV0.json");
    // getOrderItems allows a burst of 30, then 0.5 per second, on a clock
    // that stands still until the test moves it.
    let clock = SimClock::manual();
    let h = Harness::start(SimConfig {
        orders: 3,
        clock: clock.clone(),
        ..SimConfig::default()
    })
    .await;
    let order = h.sim.orders_snapshot()[0].order_id.clone();
    let items = endpoint(&model, "/orders/v0/orders/{orderId}/orderItems");
    let url = items.at(&order);
    for _ in 0..30 {
        h.check(&items, &url, 200).await;
    }
    let body = h.check(&items, &url, 429).await;
    assert_eq!(body["errors"][0]["code"], "QuotaExceeded");
    assert_eq!(h.sim.stats().throttled, 1);
    clock.advance(Duration::from_millis(1999));
    h.check(&items, &url, 429).await;
    clock.advance(Duration::from_millis(1));
    h.check(&items, &url, 200).await;
    assert_eq!(h.sim.stats().throttled, 2, "one token back after 2 s");
    // Other operations have their own buckets.
    let one = endpoint(&model, "/orders/v0/orders/{orderId}");
    h.check(&one, &one.at(&order), 200).await;
}
