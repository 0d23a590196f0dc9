//! Issue 18, item 7: slow clients cannot hold connections. Headers must
//! arrive whole in time, a body in time, a connection with nothing moving
//! is closed, and past the connection cap a new one is closed at once;
//! over HTTP and HTTPS alike.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{FIXTURE, Server, Site, TestDb, tempdir, write};

const LIMITS: &[&str] = &[
    "--header-read-seconds",
    "1",
    "--body-read-seconds",
    "1",
    "--idle-seconds",
    "2",
    "--max-connections",
    "4",
];

fn address(base: &str) -> String {
    base.trim_start_matches("http://")
        .trim_start_matches("https://")
        .to_owned()
}

/// Wait until the server closes the connection, reading whatever it
/// sends; how long that took.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Duration {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(
            tokio::time::Instant::from_std(started + limit),
            stream.read(&mut buf),
        )
        .await
        {
            Ok(Ok(0) | Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => continue,
            Err(_) => panic!("still open after {limit:?}"),
        }
    }
}

/// Send `parts` one at a time, `gap` apart, while the server allows.
async fn drip(stream: &mut TcpStream, parts: &[&str], gap: Duration) {
    for part in parts {
        if stream.write_all(part.as_bytes()).await.is_err() {
            return;
        }
        tokio::time::sleep(gap).await;
    }
}

#[tokio::test]
async fn slow_headers_bodies_and_idle_connections_are_closed_and_the_cap_holds() {
    let site = Site::start_with_args(FIXTURE, LIMITS).await;
    let addr = address(&site.server.base);

    // Headers dripped a line at a time never finish within the second.
    let mut slow = TcpStream::connect(&addr)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let dripping = drip(
        &mut slow,
        &[
            "GET / HTTP/1.1\r\n",
            "Host: x\r\n",
            "X-A: 1\r\n",
            "X-B: 2\r\n",
            "X-C: 3\r\n",
            "X-D: 4\r\n",
        ],
        Duration::from_millis(400),
    );
    dripping.await;
    let took = closed_within(&mut slow, Duration::from_secs(4)).await;
    assert!(took < Duration::from_secs(4), "{took:?}");

    // A body that stalls is answered 408 and the connection goes.
    let mut stalled = TcpStream::connect(&addr)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    stalled
        .write_all(b"POST /cookies HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nusage=no")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut reply = vec![0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(4), stalled.read(&mut reply))
        .await
        .unwrap_or_else(|_| panic!("no reply to a stalled body"))
        .unwrap_or(0);
    let head = String::from_utf8_lossy(&reply[..n]);
    assert!(head.starts_with("HTTP/1.1 408"), "{head}");

    // A kept-alive connection with nothing more to ask is closed.
    let mut idle = TcpStream::connect(&addr)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let took = closed_within(&mut idle, Duration::from_secs(5)).await;
    assert!(
        took >= Duration::from_millis(900),
        "answered, then kept a while: {took:?}"
    );

    // Four connections that send nothing fill the server; a fifth is
    // closed at once, and room comes back when they are closed.
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(
            TcpStream::connect(&addr)
                .await
                .unwrap_or_else(|e| panic!("{e}")),
        );
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut fifth = TcpStream::connect(&addr)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let took = closed_within(&mut fifth, Duration::from_millis(800)).await;
    assert!(took < Duration::from_millis(800), "{took:?}");
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = reqwest::get(format!("{}/healthz", site.server.base)).await;
    assert!(after.is_ok_and(|r| r.status() == 200));
    site.server.stop().await;
}

#[tokio::test]
async fn over_https_a_handshake_that_never_finishes_is_closed() {
    let dir = tempdir();
    let (cert, key) = crate::tls::self_signed(dir.path());
    let config = write(dir.path(), "site.toml", FIXTURE);
    let db = TestDb::new().await;
    let mut args = vec!["--tls-cert", cert.as_str(), "--tls-key", key.as_str()];
    args.extend_from_slice(LIMITS);
    let server = Server::start_with_args(&config, &dir.path().join("data"), &db, &args).await;
    let addr = address(&server.base);
    let mut slow = TcpStream::connect(&addr)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // The first bytes of a ClientHello, then nothing.
    drip(&mut slow, &["\x16\x03\x01\x00"], Duration::from_millis(100)).await;
    let took = closed_within(&mut slow, Duration::from_secs(4)).await;
    assert!(took < Duration::from_secs(4), "{took:?}");
    server.stop().await;
}
