//! Graceful shutdown: on SIGTERM the server stops accepting connections,
//! finishes the requests in flight, and exits 0; a request that never
//! finishes holds it up no longer than `--shutdown-seconds`.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::Site;

const BODY: &str = "analytics=no&extra=padding";

/// A request whose body is only partly sent: in flight until the rest comes.
async fn half_sent(base: &str) -> TcpStream {
    let address = base.trim_start_matches("http://");
    let Ok(mut stream) = TcpStream::connect(address).await else {
        panic!("cannot connect to {address}")
    };
    let body = BODY;
    let head = format!(
        "POST /cookies HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let sent = stream.write_all(head.as_bytes()).await;
    assert!(sent.is_ok());
    assert!(stream.write_all(&body.as_bytes()[..8]).await.is_ok());
    stream
}

#[tokio::test]
async fn a_request_in_flight_is_finished_before_the_server_exits_0() {
    let mut site = Site::start().await;
    let base = site.server.base.clone();
    let mut stream = half_sent(&base).await;
    // Let the server start reading the request before it is told to stop.
    tokio::time::sleep(Duration::from_millis(300)).await;
    site.server.terminate();
    tokio::time::sleep(Duration::from_millis(300)).await;

    // No new connections once stopping.
    let address = base.trim_start_matches("http://");
    assert!(
        TcpStream::connect(address).await.is_err(),
        "the server still accepts connections after SIGTERM"
    );

    assert!(stream.write_all(&BODY.as_bytes()[8..]).await.is_ok());
    let mut reply = vec![0u8; 64 * 1024];
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut reply)).await;
    let Ok(Ok(n)) = read else {
        panic!(
            "no reply to the request in flight: {read:?}\n{}",
            site.server.log()
        )
    };
    let reply = String::from_utf8_lossy(&reply[..n]);
    assert!(reply.starts_with("HTTP/1.1 "), "{reply}");
    // The request was answered in full by the application, not cut off.
    assert!(reply.contains("x-request-id"), "{reply}");

    let status = site.server.exit_within(Duration::from_secs(10)).await;
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?}\n{}",
        site.server.log()
    );
}

#[tokio::test]
async fn a_request_that_never_finishes_holds_it_up_only_for_the_shutdown_time() {
    let mut site =
        Site::start_with_args(crate::support::FIXTURE, &["--shutdown-seconds", "1"]).await;
    let _stalled = half_sent(&site.server.base.clone()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked = Instant::now();
    site.server.terminate();
    let status = site.server.exit_within(Duration::from_secs(10)).await;
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?}\n{}",
        site.server.log()
    );
    let took = asked.elapsed();
    assert!(
        took >= Duration::from_millis(900),
        "exited after {took:?}, before the shutdown time"
    );
    assert!(
        site.server
            .log()
            .contains("requests still in flight after the shutdown time"),
        "{}",
        site.server.log()
    );
}
