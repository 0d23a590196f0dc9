//! HTTPS from the binary itself: `serve --tls-cert --tls-key` answers over
//! TLS (rustls) with HSTS and `Secure` cookies, refuses plain HTTP on that
//! port, and still stops gracefully. The certificate is made for the test
//! by `openssl` from Debian's packages.

use std::path::Path;
use std::time::Duration;

use crate::support::{FIXTURE, Server, TestDb, tempdir, write};

pub fn self_signed(dir: &Path) -> (String, String) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args([
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        // A server's own certificate, not an authority's (rustls refuses
        // an authority's certificate used by a server).
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .args(["-addext", "extendedKeyUsage=serverAuth"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output();
    let Ok(made) = made else {
        panic!("openssl is needed for this test: {made:?}")
    };
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    (cert.display().to_string(), key.display().to_string())
}

#[tokio::test]
async fn serve_speaks_https_with_hsts_and_secure_cookies() {
    let dir = tempdir();
    let (cert, key) = self_signed(dir.path());
    let config = write(dir.path(), "site.toml", FIXTURE);
    let db = TestDb::new().await;
    let mut server = Server::start_with_args(
        &config,
        &dir.path().join("data"),
        &db,
        &["--tls-cert", &cert, "--tls-key", &key],
    )
    .await;
    assert!(server.base.starts_with("https://"), "{}", server.base);

    let pem = std::fs::read(&cert).unwrap_or_default();
    let Ok(root) = reqwest::Certificate::from_pem(&pem) else {
        panic!("the certificate does not parse")
    };
    let client = reqwest::Client::builder()
        .add_root_certificate(root)
        .redirect(reqwest::redirect::Policy::none())
        .build();
    let Ok(client) = client else {
        panic!("no client")
    };
    let reply = client.get(format!("{}/cookies", server.base)).send().await;
    let Ok(reply) = reply else {
        panic!("no HTTPS reply: {reply:?}\n{}", server.log())
    };
    assert_eq!(reply.status().as_u16(), 200);
    let hsts = reply
        .headers()
        .get("strict-transport-security")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(hsts.contains("max-age="), "HSTS: {hsts:?}");
    let cookies: Vec<String> = reply
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    assert!(!cookies.is_empty());
    assert!(cookies.iter().all(|c| c.contains("Secure")), "{cookies:?}");

    // Plain HTTP on the TLS port gets no page.
    let plain = server.base.replacen("https://", "http://", 1);
    let refused = reqwest::Client::new()
        .get(format!("{plain}/cookies"))
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    assert!(
        refused.as_ref().map_or(true, |r| !r.status().is_success()),
        "{refused:?}"
    );

    server.terminate();
    let status = server.exit_within(Duration::from_secs(10)).await;
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?}\n{}",
        server.log()
    );
}

#[tokio::test]
async fn a_missing_or_unreadable_certificate_stops_the_server_with_the_reason() {
    let site_dir = tempdir();
    let config = write(site_dir.path(), "site.toml", FIXTURE);
    let out = std::process::Command::new(crate::support::binary())
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(site_dir.path().join("data"))
        .args([
            "--tls-cert",
            "/nonexistent/cert.pem",
            "--tls-key",
            "/nonexistent/key.pem",
        ])
        .env_remove("CUSTODIAN_DATABASE_URL")
        .output();
    let Ok(out) = out else {
        panic!("cannot run custodian")
    };
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/nonexistent/cert.pem"), "{stderr}");
    // Only one of the two is a usage error.
    let half = std::process::Command::new(crate::support::binary())
        .args(["serve", "--tls-cert", "/tmp/cert.pem"])
        .output();
    assert!(half.is_ok_and(|o| o.status.code() == Some(2)));
}
