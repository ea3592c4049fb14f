//! SIGTERM, as systemd and `docker stop` send it: the real binary exits
//! by itself and cleanly, even with a progress stream open.

use std::time::Duration;

use crate::amazon_sync::sim;
use crate::crash::Server;
use crate::helpers::sqlite;
use crate::promises::owner_with_token;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_server_with_an_event_stream_open() {
    let t = sqlite().await;
    let sim = sim(5, 400.0, "").await;
    let (_, token) = owner_with_token(&t.db, "owner").await;
    let dir = tempfile::tempdir().expect("data dir");
    let mut server = Server::on(&t, dir.path(), &sim);
    let http = reqwest::Client::new();
    server.start();
    server.wait_ready(&http).await;
    let mut stream = http
        .get(format!("{}/api/orders/backfill/events", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("open the event stream");
    assert_eq!(stream.status(), 200);
    let first = stream.chunk().await.expect("an event").expect("a chunk");
    assert!(String::from_utf8_lossy(&first).contains("progress"));
    let status = server.terminate(Duration::from_secs(20)).await;
    assert!(
        status.is_some_and(|s| s.success()),
        "the server exits by itself with the stream open: {status:?}"
    );
}
