//! `custodian serve`: check the policy, bind, build the site (`app.rs`),
//! announce it, and serve until told to stop.

use std::time::Duration;

use anyhow::Context;
use custodian_store::policy_versions::Publication;

use crate::app::App;
use crate::cli::{Global, ServeArgs};
use crate::connections::{ConnectionLimits, Guarded};
use crate::error::{CliError, CliResult};
use crate::site;

pub async fn run(global: &Global, args: &ServeArgs) -> CliResult {
    // The policy is checked before anything else: a server never starts on
    // a policy inconsistent with what it serves.
    let checked = site::load(global)?;
    for note in &checked.notes {
        tracing::info!("policy note: {note}");
    }
    if global.config.is_none() {
        tracing::warn!(
            "no --config given: serving the built-in demo site (the Children's Commissioner example); \
             pass --config FILE to serve your own"
        );
    }
    // A certificate that cannot be used stops the server before anything
    // else is touched, naming the file.
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(
            axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .map_err(|e| {
                    CliError::Invalid(format!(
                        "cannot serve HTTPS with the certificate {} and key {}: {e}",
                        cert.display(),
                        key.display()
                    ))
                })?,
        ),
        _ => None,
    };
    let site_name = checked.config.site.name.clone();
    let (app, listener) = App::build(global, args, checked, tls.is_some()).await?;
    let local = app.local;
    match &app.publication {
        Publication::Published(v) => {
            say!("Published the privacy notice as version {}", v.sequence)
        }
        Publication::Unchanged(v) => {
            say!("The privacy notice is unchanged at version {}", v.sequence)
        }
    }
    // Tests and scripts read this line to find the port when asked for port 0.
    let scheme = if tls.is_some() { "https" } else { "http" };
    say!("Listening on {scheme}://{local}/ ({site_name})");

    let background = app.start_background().await;
    // HTTP and HTTPS are served the same way, under the same connection
    // limits; only the acceptor differs.
    let limits = ConnectionLimits {
        max_connections: args.max_connections,
        idle: Duration::from_secs(args.idle_seconds.max(1)),
        header_read: Duration::from_secs(args.header_read_seconds.max(1)),
    };
    let served = serve_until_stopped(
        listener,
        tls,
        &limits,
        app.service(),
        Duration::from_secs(args.shutdown_seconds),
    )
    .await;
    app.finish(background).await;
    served
}

/// Serves until SIGTERM (or Ctrl-C), then lets requests in flight finish
/// for at most `patience`.
async fn serve_until_stopped(
    listener: tokio::net::TcpListener,
    tls: Option<axum_server::tls_rustls::RustlsConfig>,
    limits: &ConnectionLimits,
    service: axum::extract::connect_info::IntoMakeServiceWithConnectInfo<
        axum::Router,
        std::net::SocketAddr,
    >,
    patience: Duration,
) -> CliResult {
    let (stopping, mut stopped) = tokio::sync::watch::channel(false);
    let handle = axum_server::Handle::new();
    let on_signal = handle.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stopping.send(true);
        // Stop accepting at once and let requests in flight finish; the
        // wait below bounds them.
        on_signal.graceful_shutdown(None);
    });
    let listener = listener
        .into_std()
        .context("cannot hand the listening socket to the server")?;
    let guarded = Guarded::new(limits);
    let mut server = match tls {
        None => {
            let mut server = axum_server::from_tcp(listener)
                .context("cannot serve HTTP on the listening socket")?
                .acceptor(guarded)
                .handle(handle);
            time_headers(server.http_builder(), limits);
            tokio::spawn(server.serve(service))
        }
        Some(config) => {
            let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(config)
                .handshake_timeout(limits.header_read)
                .acceptor(guarded);
            let mut server = axum_server::from_tcp(listener)
                .context("cannot serve HTTPS on the listening socket")?
                .acceptor(acceptor)
                .handle(handle);
            time_headers(server.http_builder(), limits);
            tokio::spawn(server.serve(service))
        }
    };
    tokio::select! {
        finished = &mut server => {
            finished
                .context("the server task failed")?
                .context("the server stopped with an error")?;
        }
        () = async {
            let _ = stopped.wait_for(|s| *s).await;
            tokio::time::sleep(patience).await;
        } => {
            tracing::warn!(
                seconds = patience.as_secs(),
                "requests still in flight after the shutdown time: stopping without them"
            );
            server.abort();
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: no new connections; finishing requests in flight");
}

/// A request's headers must arrive whole within the header timeout (hyper's
/// own timer, which also bounds the wait for the next request on a kept-alive
/// connection).
fn time_headers(
    builder: &mut hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>,
    limits: &ConnectionLimits,
) {
    builder
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_read);
}
