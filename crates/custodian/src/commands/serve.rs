//! `custodian serve`: check the policy, migrate, publish the notice if it
//! changed, and serve until told to stop.

use anyhow::Context;
use custodian_store::policy_versions::Publication;
use custodian_store::{Store, redact_url};
use custodian_web::{AppState, Clock, ServeOptions};

use crate::cli::{Global, ServeArgs};
use crate::connections::{ConnectionLimits, Guarded};
use crate::error::CliResult;
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
                    crate::error::CliError::Invalid(format!(
                        "cannot serve HTTPS with the certificate {} and key {}: {e}",
                        cert.display(),
                        key.display()
                    ))
                })?,
        ),
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let url = site::database_url(global)?;
    let store = match Store::connect(&url).await {
        Ok(store) => store,
        Err(e) if e.is_bad_url() => return Err(e.into()),
        Err(e) => {
            return Err(anyhow::Error::new(e)
                .context(format!("cannot open the database at {}", redact_url(&url)))
                .into());
        }
    };
    let clock = Clock::default();
    store.migrate(clock.unix()).await?;
    // The vault opens before anything is served: a missing or wrong master
    // key stops the server here, naming the cause.
    site::create_private_dir(&global.data_dir)?;
    let env_key = std::env::var("CUSTODIAN_MASTER_KEY").ok();
    let keys = custodian_vault::load_keys(&store, &site::key_file(global), env_key.as_deref())
        .await
        .map_err(|e| crate::error::CliError::Runtime(e.into()))?;
    let vault = custodian_vault::Vault::open(
        store.clone(),
        keys.clone(),
        std::sync::Arc::new(checked.clone()),
        clock.unix(),
    )
    .await
    .map_err(|e| crate::error::CliError::Runtime(e.into()))?;
    let vault = std::sync::Arc::new(vault);
    if global.config.is_none() {
        crate::demo::seed(&vault, clock.unix())
            .await
            .map_err(|e| crate::error::CliError::Runtime(e.into()))?;
    }
    let site_name = checked.config.site.name.clone();
    let mailer = std::sync::Arc::new(site::mailer(global, store.clone(), vault.clone())?);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let local = listener
        .local_addr()
        .context("cannot read the listening address")?;
    // The demo's base_url is the real site's: its links must come here.
    let configured = checked
        .config
        .site
        .base_url
        .clone()
        .filter(|_| global.config.is_some());
    let public_url = args
        .public_url
        .clone()
        .or(configured)
        .unwrap_or_else(|| format!("{scheme}://{local}"));
    let counter = (!args.no_page_stats).then(|| {
        crate::page_stats::Counter::start(
            store.clone(),
            args.page_stats_site.clone(),
            std::time::Duration::from_secs(args.page_stats_seconds.max(1)),
        )
    });
    let options = ServeOptions {
        body_read_timeout: std::time::Duration::from_secs(args.body_read_seconds.max(1)),
        staff_session_seconds: args.staff_session_seconds,
        account_session_seconds: args.account_session_seconds,
        min_fill_seconds: args.min_fill_seconds,
        submissions_per_minute: args.submissions_per_minute,
        public_url,
        page_hits: counter.as_ref().map(|c| c.hits.clone()),
        page_stats_site: args.page_stats_site.clone(),
        tls: tls.is_some(),
        metrics: custodian_web::metrics::MetricsAccess {
            allow: args.metrics_allow.clone(),
            token: args.metrics_token.clone().filter(|t| !t.is_empty()),
        },
        ..ServeOptions::default()
    };
    let (state, publication) = AppState::start(
        checked,
        store.clone(),
        vault.clone(),
        Some(keys),
        clock.clone(),
        options,
        Some(mailer.clone()),
    )
    .await
    .context("cannot prepare the site")?;
    if args.no_page_stats && state.checked.measurement.is_some() {
        tracing::warn!(
            "--no-page-stats: the measurement cookie the policy declares will not be set or counted, though the banner still asks about it"
        );
    }
    match &publication {
        Publication::Published(v) => {
            say!("Published the privacy notice as version {}", v.sequence)
        }
        Publication::Unchanged(v) => {
            say!("The privacy notice is unchanged at version {}", v.sequence)
        }
    }

    // Tests and scripts read this line to find the port when asked for port 0.
    say!("Listening on {scheme}://{local}/ ({site_name})");

    if !args.no_jobs {
        // Updates a stopped server left part-queued carry on.
        let resumed = state.clone();
        tokio::spawn(async move {
            if let Err(e) = custodian_web::updates::queue::resume_all(&resumed).await {
                tracing::error!(error = %e, "could not carry on queueing updates");
            }
        });
    }
    let owner = format!("{:016x}", rand_owner());
    let jobs = if args.no_jobs {
        tracing::info!("--no-jobs: retention, the session sweep and mail delivery run elsewhere");
        Vec::new()
    } else {
        vec![
            tokio::spawn(crate::jobs::every(
                store.clone(),
                clock.clone(),
                owner.clone(),
                state.metrics.clone(),
                "retention",
                args.job_interval,
                {
                    let (vault, clock, metrics) =
                        (vault.clone(), clock.clone(), state.metrics.clone());
                    move || crate::jobs::retention(vault.clone(), clock.clone(), metrics.clone())
                },
            )),
            tokio::spawn(crate::jobs::every(
                store.clone(),
                clock.clone(),
                owner.clone(),
                state.metrics.clone(),
                "campaign showings",
                args.job_interval,
                {
                    let (state, clock) = (state.clone(), clock.clone());
                    move || {
                        let (state, clock) = (state.clone(), clock.clone());
                        async move {
                            crate::commands::campaigns::forget_views(
                                &state.checked,
                                &state.store,
                                clock.unix(),
                            )
                            .await;
                        }
                    }
                },
            )),
            tokio::spawn(crate::jobs::every(
                store.clone(),
                clock.clone(),
                owner.clone(),
                state.metrics.clone(),
                "campaign feeds",
                CAMPAIGN_FEED_SECONDS,
                {
                    let (state, clock) = (state.clone(), clock.clone());
                    move || {
                        let (state, clock) = (state.clone(), clock.clone());
                        async move {
                            if state.checked.campaigns.imports.is_empty() {
                                return;
                            }
                            let results = crate::commands::campaigns::fetch_all(
                                &state.checked,
                                &state.store,
                                clock.unix(),
                            )
                            .await;
                            crate::commands::campaigns::log(&results);
                            state.imported_campaigns.refresh().await;
                        }
                    }
                },
            )),
            tokio::spawn(crate::jobs::every(
                store.clone(),
                clock.clone(),
                owner.clone(),
                state.metrics.clone(),
                "session sweep",
                args.job_interval,
                {
                    let (store, clock) = (store.clone(), clock.clone());
                    move || crate::jobs::sweep_sessions(store.clone(), clock.clone())
                },
            )),
            tokio::spawn(crate::jobs::every(
                store.clone(),
                clock.clone(),
                owner,
                state.metrics.clone(),
                "weekly summaries",
                u64::try_from(custodian_web::updates::digest::WEEK_SECONDS).unwrap_or(604_800),
                {
                    let (state, clock) = (state.clone(), clock.clone());
                    move || {
                        let (state, clock) = (state.clone(), clock.clone());
                        async move {
                            match custodian_web::updates::digest::weekly(&state, clock.unix()).await
                            {
                                Ok(0) => {}
                                Ok(n) => tracing::info!(summaries = n, "weekly summaries queued"),
                                Err(e) => {
                                    tracing::warn!(error = %e, "weekly summaries could not run")
                                }
                            }
                        }
                    }
                },
            )),
            tokio::spawn(crate::jobs::deliver_mail(
                mailer.clone(),
                clock.clone(),
                args.mail_interval,
            )),
        ]
    };
    // Showings without the campaign cookie are written every few seconds
    // (per instance: they are this instance's own counts).
    let uncounted = state.uncounted_campaigns.clone();
    let flusher = tokio::spawn({
        let (uncounted, store) = (uncounted.clone(), store.clone());
        async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(UNCOUNTED_SECONDS)).await;
                write_uncounted_showings(&uncounted, &store).await;
            }
        }
    });
    // The audit log's head, anchored outside the database (beside the key)
    // as it moves, and printed to the log if asked.
    let anchor_file = crate::audit_anchor::path(&global.data_dir);
    let anchor_every = std::time::Duration::from_secs(args.audit_anchor_seconds.max(1));
    let to_log = args.audit_head_to_log;
    anchor_audit_head(&store, &anchor_file, &clock, to_log).await;
    let anchorer = tokio::spawn({
        let (store, anchor_file, clock) = (store.clone(), anchor_file.clone(), clock.clone());
        async move {
            loop {
                tokio::time::sleep(anchor_every).await;
                anchor_audit_head(&store, &anchor_file, &clock, to_log).await;
            }
        }
    });
    // The peer address reaches the form rate limiter, hashed in memory;
    // it is never logged or stored.
    let app =
        custodian_web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let (stopping, mut stopped) = tokio::sync::watch::channel(false);
    // HTTP and HTTPS are served the same way, under the same connection
    // limits; only the acceptor differs.
    let limits = ConnectionLimits {
        max_connections: args.max_connections,
        idle: std::time::Duration::from_secs(args.idle_seconds.max(1)),
        header_read: std::time::Duration::from_secs(args.header_read_seconds.max(1)),
    };
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
    let guarded = Guarded::new(&limits);
    let mut server = match tls {
        None => {
            let mut server = axum_server::from_tcp(listener)
                .context("cannot serve HTTP on the listening socket")?
                .acceptor(guarded)
                .handle(handle);
            time_headers(server.http_builder(), &limits);
            tokio::spawn(server.serve(app))
        }
        Some(config) => {
            let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(config)
                .handshake_timeout(limits.header_read)
                .acceptor(guarded);
            let mut server = axum_server::from_tcp(listener)
                .context("cannot serve HTTPS on the listening socket")?
                .acceptor(acceptor)
                .handle(handle);
            time_headers(server.http_builder(), &limits);
            tokio::spawn(server.serve(app))
        }
    };
    let patience = std::time::Duration::from_secs(args.shutdown_seconds);
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
                seconds = args.shutdown_seconds,
                "requests still in flight after the shutdown time: stopping without them"
            );
            server.abort();
        }
    }
    for job in jobs {
        job.abort();
    }
    flusher.abort();
    write_uncounted_showings(&uncounted, &store).await;
    anchorer.abort();
    anchor_audit_head(&store, &anchor_file, &clock, to_log).await;
    // Mail this instance had claimed but not sent goes back to the queue
    // now, for another instance (or the next start) to send at once.
    match mailer.release_leases().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(messages = n, "mail leases released"),
        Err(e) => tracing::warn!(error = %e, "could not release mail leases"),
    }
    if let Some(counter) = counter {
        counter.finish(std::time::Duration::from_secs(5)).await;
    }
    store.close().await;
    Ok(())
}

/// Moves the anchored audit head forward; a failure is logged, and the
/// next run tries again.
async fn anchor_audit_head(store: &Store, file: &std::path::Path, clock: &Clock, to_log: bool) {
    match crate::audit_anchor::advance(store, file, clock.unix()).await {
        Ok(Some(head)) if to_log => {
            tracing::info!(seq = head.seq, hash = %head.hash, "audit head");
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "could not anchor the audit log's head"),
    }
}

/// Writes the showings counted in memory since the last write; a failure
/// is logged and the counts stay for the next try.
async fn write_uncounted_showings(
    uncounted: &custodian_web::campaigns::uncounted::Uncounted,
    store: &Store,
) {
    if let Err(e) = uncounted.flush(store).await {
        tracing::warn!(error = %e, "campaign showings could not be written");
    }
}

/// A name for this process in job and lease records.
fn rand_owner() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos().into())
        .unwrap_or(0)
        ^ u64::from(std::process::id()) << 32
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

/// How often showings without the campaign cookie are written.
const UNCOUNTED_SECONDS: u64 = 5;

/// How often imported campaign feeds are read again.
const CAMPAIGN_FEED_SECONDS: u64 = 15 * 60;

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
