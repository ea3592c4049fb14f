//! Real Chromium through chromedriver (WebDriver), for tests that click.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp};

/// A headless Chromium session and the chromedriver behind it.
pub struct Browser {
    pub client: Client,
    driver: Child,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl Browser {
    /// Starts chromedriver and a browser, or `None` when chromedriver is
    /// not installed (only outside CI: there it is a failure).
    pub async fn start() -> Option<Browser> {
        let driver_bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let port = free_port();
        let driver = match Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(child) => child,
            Err(e) if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") => {
                panic!("chromedriver is required in CI ({driver_bin}: {e})")
            }
            Err(e) => {
                eprintln!("browser test skipped: cannot run {driver_bin}: {e}");
                return None;
            }
        };
        let mut caps = serde_json::Map::new();
        let chrome = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chrome,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--no-first-run", "--disable-quic", "--window-size=1280,900"]
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut last_err = None;
        for _ in 0..50 {
            match ClientBuilder::native()
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => return Some(Browser { client, driver }),
                Err(e) => {
                    last_err = Some(e);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        panic!("could not start a browser session: {last_err:?}");
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

mod inventory {
    use brickdesk::auth::Role;
    use brickdesk::config::DemoMode;
    use brickdesk::db;
    use brickdesk::db::inventory::InventoryQuery;

    use super::Browser;
    use crate::helpers::spawn_app;

    #[tokio::test]
    async fn add_a_unit_through_the_form_and_find_it_by_search() {
        let app = spawn_app(DemoMode::Off).await;
        app.add_user("anna", Role::Owner).await;
        let Some(b) = Browser::start().await else {
            return;
        };
        b.sign_in(&app, "anna").await;

        b.client
            .goto(&format!("{}/inventory/new", app.address))
            .await
            .expect("open form");
        b.find("input[name=set_number]")
            .await
            .send_keys("75192")
            .await
            .expect("type");
        b.find("input[name=item_name]")
            .await
            .send_keys("Millennium Falcon UCS")
            .await
            .expect("type");
        b.find("select[name=status]")
            .await
            .select_by_value("LISTED")
            .await
            .expect("status");
        b.find("input[name=storage_location]")
            .await
            .send_keys("A-07")
            .await
            .expect("type");
        b.find("input[name=listing_price]")
            .await
            .send_keys("599.99")
            .await
            .expect("type");
        b.find("#unit-form button[type=submit]")
            .await
            .click()
            .await
            .expect("save");
        b.wait_for_text("History").await;
        b.wait_for_text("£599.99").await;

        // Another unit, which the search must leave out.
        let other = brickdesk::inventory::UnitInput {
            set_number: "10294".into(),
            item_name: "Titanic".into(),
            condition: "New".into(),
            status: "LISTED".into(),
            ..Default::default()
        };
        brickdesk::inventory::create(&app.db, &other, None)
            .await
            .expect("second unit");

        b.client
            .goto(&format!("{}/inventory", app.address))
            .await
            .expect("open list");
        b.wait_for_text("Titanic").await;
        // Typing alone searches (300 ms debounce), no button press.
        b.find("input[name=search]")
            .await
            .send_keys("falcon ucs")
            .await
            .expect("type search");
        let mut searched = false;
        for _ in 0..50 {
            let url = b.client.current_url().await.expect("url");
            if url.query().is_some_and(|q| q.contains("search=falcon+ucs")) {
                searched = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(searched, "the debounced search never submitted");
        let rows = b
            .find("#inventory-table tbody")
            .await
            .text()
            .await
            .expect("table text");
        assert!(
            rows.contains("Millennium Falcon UCS") && rows.contains("A-07"),
            "{rows}"
        );
        assert!(
            !rows.contains("Titanic"),
            "search filters the table: {rows}"
        );

        let q = InventoryQuery {
            search: Some("falcon ucs".into()),
            ..InventoryQuery::default()
        };
        let (found, total) = db::inventory::list(&app.db, &q).await.expect("list");
        assert_eq!(total, 1);
        assert_eq!(found[0].status, "LISTED");
        assert_eq!(found[0].listing_price_minor, Some(59_999));
        b.client.clone().close().await.expect("close browser");
    }
}
