//! Order search answers exactly what a plain scan of every order answers,
//! whichever way the storage plans it (trigram index candidates, a scan in
//! date order for broad terms, or LIKE for short text).

use brickdesk::db::orders::{OrderListQuery, SEARCH_SPARSE_CAP};
use brickdesk::db::{self, Db};
use brickdesk::domain::{OrderId, Platform, UiStatus};
use brickdesk_bench::orders_list;

use crate::helpers::on_both_backends;

fn query(search: Option<&str>, offset: u64, limit: u64) -> OrderListQuery {
    OrderListQuery {
        platform: Some(Platform::Amazon),
        status: None,
        matching: None,
        channel: None,
        marketplace: None,
        search: search.map(str::to_owned),
        offset,
        limit,
    }
}

/// Every order id, newest first, with the text a search may match and
/// its status.
async fn every_order(db: &Db) -> Vec<(String, String, UiStatus)> {
    let mut out = Vec::new();
    loop {
        let (page, _) = db::orders::list_orders(db, &query(None, out.len() as u64, 100))
            .await
            .expect("page");
        if page.is_empty() {
            return out;
        }
        let ids: Vec<OrderId> = page.iter().map(|o| o.id).collect();
        let lines = db::orders::lines_for_orders(db, &ids).await.expect("lines");
        for o in page {
            let mut text = o.reported.platform_order_id.to_lowercase();
            for l in lines.iter().filter(|l| l.order_id == o.id) {
                for field in [&l.reported.asin, &l.reported.sku, &l.reported.title]
                    .into_iter()
                    .flatten()
                {
                    text.push('\n');
                    text.push_str(&field.to_lowercase());
                }
            }
            out.push((o.order.reported.platform_order_id, text, o.order.ui_status));
        }
    }
}

async fn search_agrees_with_a_scan(db: &Db) {
    orders_list::seed(db, 3_000, 7_500, orders_list::Mix::Live)
        .await
        .expect("seed");
    let all = every_order(db).await;
    assert_eq!(all.len(), 3_000);
    let some_id = all[1_234].0.clone();
    for term in [
        "lego",          // every order: broad
        "Falcon",        // a few hundred: the index's candidates
        &some_id[4..15], // one order
        "b0",            // too short for trigrams
        "unknown item",  // lines without ASIN
        "no-such-thing", // nothing
        "\"quoted\"",    // the index's quote character
    ] {
        // The other filters narrow a search, its total included.
        for status in [None, Some(UiStatus::Shipped)] {
            let needle = term.to_lowercase();
            let expected: Vec<&str> = all
                .iter()
                .filter(|(_, text, ui)| text.contains(&needle) && status.is_none_or(|s| s == *ui))
                .map(|(id, _, _)| id.as_str())
                .collect();
            agrees(db, term, status, &expected).await;
        }
    }
}

/// The pages of `term` (with `status`) hold `expected` in order, and the
/// total counts them, exactly or (for a broad term) up to the cap.
async fn agrees(db: &Db, term: &str, status: Option<UiStatus>, expected: &[&str]) {
    for (offset, limit) in [(0, 50), (100, 50), (expected.len().saturating_sub(3), 50)] {
        let q = OrderListQuery {
            status,
            ..query(Some(term), offset as u64, limit)
        };
        let (page, total) = db::orders::list_orders(db, &q).await.expect("search");
        let got: Vec<&str> = page
            .iter()
            .map(|o| o.reported.platform_order_id.as_str())
            .collect();
        let want: Vec<&str> = expected.iter().skip(offset).take(50).copied().collect();
        assert_eq!(got, want, "{term:?} ({status:?}) at offset {offset}");
        let exact = total.count == expected.len() as i64 && !total.more;
        let bounded = total.more
            && total.count >= SEARCH_SPARSE_CAP as i64
            && (total.count as usize) < expected.len();
        assert!(
            exact || bounded,
            "{term:?} ({status:?}): {total:?} for {} hits",
            expected.len()
        );
    }
}

on_both_backends! {
    order_search_agrees_with_a_scan => search_agrees_with_a_scan;
}
