//! For `scripts/bench-updates`: fills a site's database with N confirmed
//! subscribers of one topic, through the vault as real subscriptions are
//! made, and records one update sent to that topic, so that the server
//! queues and delivers it as soon as it starts.
//!
//!   bench_seed_updates CONFIG DATA_DIR N

use std::sync::Arc;

use custodian_store::Store;
use custodian_store::sends::SendRow;
use custodian_vault::{Subscribed, Vault};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(0))
        .unwrap_or(0)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, config, data_dir, n] = args.as_slice() else {
        return Err("usage: bench_seed_updates CONFIG DATA_DIR N".into());
    };
    let n: usize = n.parse()?;
    let source = std::fs::read_to_string(config)?;
    let checked =
        custodian_policy::load(config, &source, &custodian_policy::ServerCookies::current())
            .map_err(|d| d.to_string())?;
    let topic = checked
        .config
        .topics
        .keys()
        .next()
        .cloned()
        .ok_or("the config has no topics")?;
    std::fs::create_dir_all(data_dir)?;
    let url = format!("sqlite://{data_dir}/custodian.db");
    let store = Store::connect(&url).await?;
    store.migrate(now()).await?;
    let keys = custodian_vault::load_keys(
        &store,
        &std::path::Path::new(data_dir).join("master.key"),
        None,
    )
    .await?;
    let vault = Vault::open(store.clone(), keys, Arc::new(checked), now()).await?;
    let started = std::time::Instant::now();
    for i in 0..n {
        let email = format!("subscriber{i}@bench.example");
        let Subscribed::Pending { token, .. } = vault
            .subscribe(
                custodian_vault::NewSubscriber {
                    email: &email,
                    guardian_email: None,
                },
                &[topic.as_str()],
                None,
                86_400,
                now(),
            )
            .await?
        else {
            continue;
        };
        vault.confirm_subscription(&token, 0, now()).await?;
        if (i + 1) % 10_000 == 0 {
            println!("{} subscribers in {:.0?}", i + 1, started.elapsed());
        }
    }
    store
        .insert_send(&SendRow {
            id: "d_bench".into(),
            subject: "A benchmark update".into(),
            markdown: "Hello.\n\nThis is **the** update.".into(),
            html: "<p>Hello.</p>\n<p>This is <strong>the</strong> update.</p>\n".into(),
            text: "Hello.\n\nThis is **the** update.".into(),
            topics: topic,
            created_by: "bench".into(),
            created_at: now(),
            cursor: String::new(),
            queued: 0,
            queued_all: false,
            audience: "each".into(),
        })
        .await?;
    println!(
        "seeded {n} confirmed subscribers in {:.1?}",
        started.elapsed()
    );
    store.close().await;
    Ok(())
}
