//! A deep page read from its nearest page mark holds exactly the orders
//! the same page read by offset alone holds, for every filter, on both
//! engines; a listing with an undated order gets no marks. The generated
//! seller these tests (and the benchmarks) load holds the match counts the
//! app itself computes.

use brickdesk::db::orders::{MARK_EVERY, OrderListQuery, Refresh};
use brickdesk::db::{self, Db};
use brickdesk::domain::{MatchFilter, MatchStatus, MatchSummary, OrderId, Platform, UiStatus};
use brickdesk_bench::orders_list;

use crate::helpers::{on_both_backends, orders_query, raw};

/// The page's order ids, read by offset alone or from `q`'s marks.
async fn page(db: &Db, q: &OrderListQuery, marked: bool) -> (Vec<OrderId>, i64) {
    let marks = if marked {
        let marks = db::orders::page_marks(db, q).await.expect("marks");
        Some(marks.expect("a dated listing has marks"))
    } else {
        None
    };
    let (orders, total) = db::orders::list_orders_marked(db, q, marks.as_ref())
        .await
        .expect("page");
    (orders.iter().map(|o| o.id).collect(), total.count)
}

async fn marked_pages_equal_offset_pages(db: &Db) {
    orders_list::seed(db, 3_500, 3_500, orders_list::Mix::Live)
        .await
        .expect("seed");
    let every = orders_query(Some(Platform::Amazon), 10);
    let marks = db::orders::page_marks(db, &every)
        .await
        .expect("marks")
        .expect("marks");
    assert_eq!(marks.len(), 3, "rows 1,000, 2,000 and 3,000 of 3,500");
    let filtered = [
        every.clone(),
        OrderListQuery {
            status: Some(UiStatus::Completed),
            ..every.clone()
        },
        OrderListQuery {
            matching: Some(MatchFilter::Unmatched),
            ..every.clone()
        },
    ];
    for filters in filtered {
        let total = page(db, &filters, false).await.1;
        assert!(total > 0, "{filters:?} lists orders");
        let total = u64::try_from(total).expect("count");
        // Around each mark, between marks, the last rows and past the end.
        let offsets = [
            MARK_EVERY - 1,
            MARK_EVERY,
            MARK_EVERY + 1,
            2 * MARK_EVERY - 5,
            2 * MARK_EVERY + 333,
            total.saturating_sub(7),
            total + 10,
        ];
        for offset in offsets {
            let q = OrderListQuery {
                offset,
                limit: 10,
                ..filters.clone()
            };
            let by_offset = page(db, &q, false).await;
            assert_eq!(
                page(db, &q, true).await,
                by_offset,
                "{filters:?} at offset {offset}"
            );
        }
    }

    raw(
        db,
        "UPDATE orders SET order_date = NULL WHERE id = (SELECT MAX(id) FROM orders)",
    )
    .await;
    assert_eq!(
        db::orders::page_marks(db, &every).await.expect("marks"),
        None,
        "an undated order cannot be placed by its date"
    );
}

on_both_backends! {
    page_marks_agree_with_offsets => marked_pages_equal_offset_pages;
}

/// Every order's match counts and every line's match status, by id.
async fn match_state(db: &Db) -> Vec<(OrderId, MatchSummary, Vec<MatchStatus>)> {
    let (orders, _) = db::orders::list_orders(db, &orders_query(Some(Platform::Amazon), 10_000))
        .await
        .expect("orders");
    orders
        .into_iter()
        .map(|o| {
            let lines = o.lines.iter().map(|l| l.match_status).collect();
            (o.id, o.match_summary(), lines)
        })
        .collect()
}

/// The benchmark's seller, loaded with its match statuses and counts
/// written directly, holds what the app's own refresh computes.
async fn seeded_match_state_is_the_refreshed_one(db: &Db) {
    orders_list::seed(db, 1_200, 3_000, orders_list::Mix::Live)
        .await
        .expect("seed");
    let seeded = match_state(db).await;
    assert_eq!(seeded.len(), 1_200);
    let mut tx = db.begin().await.expect("begin");
    db::orders::refresh_match_counts(&mut tx, Refresh::All)
        .await
        .expect("refresh");
    tx.commit().await.expect("commit");
    assert_eq!(match_state(db).await, seeded);
}

on_both_backends! {
    seeded_match_state_is_refreshed => seeded_match_state_is_the_refreshed_one;
}
