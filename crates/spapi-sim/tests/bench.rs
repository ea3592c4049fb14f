//! The rate benchmark meets its target.

#[tokio::test]
async fn two_hundred_get_order_items_calls_reach_95_percent_of_the_plan_without_429() {
    let report = spapi_sim::bench_rate(200, 100.0).await.unwrap();
    println!("{report}");
    assert_eq!(report.calls, 200);
    assert_eq!(report.throttled, 0);
    assert!(report.ratio >= 0.95, "{report}");
    assert!(
        report.ratio <= 1.0,
        "faster than permitted cannot be: {report}"
    );
}
