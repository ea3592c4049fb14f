//! Real Chromium through chromedriver (WebDriver), for tests that click.
//!
//! One browser at a time in a process: `cargo test` runs the tests as
//! threads of one process, and [`Browser::start`] waits for the browser
//! before it (a process-wide lock) so a 2-core machine stays responsive
//! and the tests' timings honest. (Under nextest, each test is its own
//! process; `.config/nextest.toml` puts them in a group of one thread.)

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tokio::sync::{Mutex, MutexGuard};

use crate::helpers::{Optional, PASSWORD, TestApp};

mod inventory;
mod phone;
mod reports;
mod ship;

/// Held by the one [`Browser`] of this process.
static ONE_BROWSER: Mutex<()> = Mutex::const_new(());

/// A headless Chromium session and the chromedriver behind it.
pub struct Browser {
    pub client: Client,
    driver: Child,
    port: u16,
    session: Option<String>,
    // Dropped last, after chromedriver and Chromium are gone.
    _turn: MutexGuard<'static, ()>,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A test that failed half-way never closed its session: ending it
        // makes chromedriver quit Chromium, which would outlive a killed
        // chromedriver (and slow the next test down).
        if let Some(session) = &self.session {
            end_session(self.port, session);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// `DELETE /session/{id}` to chromedriver, blocking, in a second at most
/// each way (Drop cannot await). A closed session answers 404: no harm.
fn end_session(port: u16, session: &str) {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let request = format!(
        "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_ok() {
        let _ = stream.read(&mut [0; 512]);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// The first of `names` found in a folder of `PATH`.
fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// The browser to drive: `CHROMIUM`, else Chromium (or Chrome) on `PATH`
/// or where macOS installs it.
fn chromium() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("CHROMIUM").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("CHROMIUM={} is not a file", path.display()))
        };
    }
    on_path(&[
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ])
    .or_else(|| {
        [
            "/Applications/Chromium.app/Contents/MacOS/Chromium",
            "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
        ]
        .iter()
        .map(Path::new)
        .find(|p| p.is_file())
        .map(Path::to_path_buf)
    })
    .ok_or_else(|| "no chromium (or google-chrome) on PATH".to_owned())
}

impl Browser {
    /// Waits for the browser of any other test in this process to end,
    /// then starts chromedriver and a browser; `None` when they are not
    /// installed (said once; in CI a failure instead). A test holds one
    /// browser at a time: a second `start` while holding one never returns.
    pub async fn start() -> Option<Browser> {
        let turn = ONE_BROWSER.lock().await;
        let chrome = match chromium() {
            Ok(chrome) => chrome,
            Err(why) => {
                Optional::Browser.skip(&why);
                return None;
            }
        };
        let driver_bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let port = free_port();
        let driver = match Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(child) => child,
            Err(e) => {
                Optional::Browser.skip(&format!("cannot run {driver_bin} ({e})"));
                return None;
            }
        };
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chrome,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--no-first-run", "--disable-quic", "--window-size=1280,900"]
            }),
        );
        // chromedriver answers plain HTTP on loopback: no TLS (and so no
        // OpenSSL to build against).
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(caps);
        let url = format!("http://127.0.0.1:{port}");
        let mut last_err = None;
        for _ in 0..50 {
            match builder.connect(&url).await {
                Ok(client) => {
                    let session = client.session_id().await.ok().flatten();
                    return Some(Browser {
                        client,
                        driver,
                        port,
                        session,
                        _turn: turn,
                    });
                }
                Err(e) => {
                    last_err = Some(e);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        let mut driver = driver;
        let _ = driver.kill();
        let _ = driver.wait();
        panic!(
            "could not start a browser session with {} through {driver_bin}: {last_err:?}",
            chrome.display()
        );
    }

    /// Waits for an element (up to 10 s).
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("element {css} did not appear: {e}"))
    }

    /// Opens `path` of `app`.
    pub async fn open(&self, app: &TestApp, path: &str) {
        self.client
            .goto(&format!("{}{path}", app.address))
            .await
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    /// Waits for an element (up to 10 s) and clicks it.
    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Waits until the page's text contains `text` (up to 10 s).
    pub async fn wait_for_text(&self, text: &str) {
        for _ in 0..100 {
            let body = self.client.source().await.expect("page source");
            if body.contains(text) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let url = self
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        panic!("'{text}' never appeared on {url}");
    }

    /// Signs in through the login page as a user made with [`PASSWORD`].
    pub async fn sign_in(&self, app: &TestApp, username: &str) {
        self.client
            .goto(&format!("{}/login", app.address))
            .await
            .expect("open login");
        self.find("input[name=username]")
            .await
            .send_keys(username)
            .await
            .expect("type username");
        self.find("input[name=password]")
            .await
            .send_keys(PASSWORD)
            .await
            .expect("type password");
        self.find("form[action='/login'] button[type=submit]")
            .await
            .click()
            .await
            .expect("submit");
        self.wait_for_text("Dashboard").await;
    }
}

mod amazon_orders {
    use std::time::Duration;

    use brickdesk::auth::Role;
    use brickdesk::config::DemoMode;
    use brickdesk::db;
    use brickdesk::db::inventory::InventoryQuery;
    use brickdesk::db::orders::OrderListQuery;
    use brickdesk::domain::{MatchFilter, MatchStatus, Platform, UiStatus};
    use fantoccini::Locator;

    use super::Browser;
    use crate::helpers::{PASSWORD, TestApp, get_json, orders_query};

    async fn wait_for_url(b: &Browser, needle: &str) {
        for _ in 0..100 {
            let url = b.client.current_url().await.expect("url").to_string();
            if url.contains(needle) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("URL never contained {needle}");
    }

    #[tokio::test]
    async fn link_an_asin_from_the_amazon_orders_page() {
        let app = TestApp::builder().demo(DemoMode::On).spawn().await;
        app.add_user("anna", Role::Owner).await;
        let (api, _) = app.sign_in("anna", PASSWORD).await;

        // A Paid order of one unmatched single-unit line whose ASIN another order also has.
        let q = OrderListQuery {
            matching: Some(MatchFilter::Unmatched),
            channel: None,
            marketplace: None,
            ..orders_query(Some(Platform::Amazon), 100)
        };
        let (unmatched, _) = db::orders::list_orders(&app.db, &q).await.expect("orders");
        let lines = db::orders::lines_for_orders(
            &app.db,
            &unmatched.iter().map(|o| o.id).collect::<Vec<_>>(),
        )
        .await
        .expect("lines");
        let (target, line, other) = unmatched
            .iter()
            .filter(|o| o.ui_status == UiStatus::Paid && o.lines_total == 1)
            .find_map(|o| {
                let line = lines.iter().find(|l| {
                    l.order_id == o.id
                        && l.reported.quantity == 1
                        && l.match_status == MatchStatus::Unmatched
                })?;
                let other = lines
                    .iter()
                    .find(|l| l.order_id != o.id && l.reported.asin == line.reported.asin)?;
                Some((o.clone(), line.clone(), other.order_id))
            })
            .expect("the demo has a Paid single-line unmatched order sharing its ASIN");
        let other = unmatched
            .iter()
            .find(|o| o.id == other)
            .expect("other order")
            .reported
            .platform_order_id
            .clone();
        let set = spapi_sim::catalogue::by_asin(line.reported.asin.as_deref().expect("asin"))
            .expect("catalogue")
            .set_number;
        let iq = InventoryQuery {
            search: Some(set.into()),
            sellable_unlinked: true,
            descending: true,
            ..InventoryQuery::default()
        };
        let (units, n) = db::inventory::list(&app.db, &iq).await.expect("units");
        assert!(
            n >= 2,
            "several units of {set}, so choosing one is a real choice"
        );
        let chosen = units[0].id; // the newest: FIFO would pick the oldest

        let Some(b) = Browser::start().await else {
            return;
        };
        b.sign_in(&app, "anna").await;
        b.client
            .goto(&format!("{}/orders/amazon", app.address))
            .await
            .expect("open");
        let summary = get_json(
            &api,
            format!("{}/api/orders/amazon/status-summary", app.address),
        )
        .await;
        for (label, key) in [
            ("All", "all"),
            ("Pending", "Pending"),
            ("Paid", "Paid"),
            ("Shipped", "Shipped"),
            ("Completed", "Completed"),
            ("Cancelled", "Cancelled"),
        ] {
            let text = b
                .find(&format!("a.card[data-status='{label}'] .card-count"))
                .await
                .text()
                .await
                .expect("count");
            assert_eq!(text.trim(), summary[key].to_string(), "card {label}");
        }

        b.find("a.card[data-status='Paid']")
            .await
            .click()
            .await
            .expect("click Paid");
        wait_for_url(&b, "status=Paid").await;
        let statuses = b
            .client
            .find_all(Locator::Css("#orders-table [data-ui-status]"))
            .await
            .expect("rows");
        assert!(!statuses.is_empty());
        for s in statuses {
            assert_eq!(s.text().await.expect("status"), "Paid");
        }
        assert!(
            b.find("a.card[data-status='Paid']")
                .await
                .attr("class")
                .await
                .expect("class")
                .unwrap_or_default()
                .contains("selected")
        );

        b.find("select[name=match]")
            .await
            .select_by_value("unmatched")
            .await
            .expect("match filter");
        wait_for_url(&b, "match=unmatched").await;
        let row = format!("tr[data-order-id='{}']", target.reported.platform_order_id);
        b.find(&format!("{row} a[data-badge=unmatched]"))
            .await
            .click()
            .await
            .expect("open badge");
        b.find("dialog#bd-dialog[open]").await;
        b.wait_for_text("These items need to be linked to inventory")
            .await;
        b.find(&format!("dialog a[data-line='{}']", line.id))
            .await
            .click()
            .await
            .expect("open matcher");
        b.wait_for_text("Link ASIN to Inventory").await;
        b.find(&format!("dialog input[name=unit][value='{chosen}']"))
            .await
            .click()
            .await
            .expect("choose unit");
        b.find("dialog #matcher-form button[type=submit]")
            .await
            .click()
            .await
            .expect("create mapping");
        wait_for_url(&b, "mapped=").await;

        let item = line.id;
        assert_eq!(
            db::links::units_of(&app.db, item).await.expect("links"),
            [(0, chosen)],
            "the chosen unit is linked"
        );
        b.client
            .goto(&format!(
                "{}/orders/amazon?search={}",
                app.address, target.reported.platform_order_id
            ))
            .await
            .expect("open");
        b.find(&format!("{row} [data-badge=linked]")).await;

        let others = get_json(
            &api,
            format!("{}/api/orders/amazon?search={other}", app.address),
        )
        .await;
        let other_lines = others["orders"][0]["items"]
            .as_array()
            .expect("items")
            .clone();
        assert!(
            other_lines
                .iter()
                .filter(|i| i["item_number"].as_str() == line.reported.asin.as_deref())
                .all(|i| i["match_status"] == "matched")
        );
        b.client
            .goto(&format!("{}/orders/amazon?search={other}", app.address))
            .await
            .expect("open other");
        let other_row = format!("tr[data-order-id='{other}']");
        let still = others["orders"][0]["match_summary"]["unmatched"]
            .as_i64()
            .unwrap_or(0);
        let badges = b
            .client
            .find_all(Locator::Css(&format!(
                "{other_row} a[data-badge=unmatched]"
            )))
            .await
            .expect("badges");
        if still == 0 {
            assert!(badges.is_empty(), "the other order shows matched");
        } else {
            assert_eq!(
                badges[0].text().await.expect("text"),
                format!("⚠ {still} unmatched")
            );
        }
        let href = b
            .find(&format!("{other_row} a[data-action=view-on-amazon]"))
            .await
            .attr("href")
            .await
            .expect("href");
        assert_eq!(
            href.as_deref(),
            Some(format!("https://sellercentral.amazon.co.uk/orders-v3/order/{other}").as_str())
        );
        b.client.clone().close().await.expect("close");
    }
}
