//! A release build embeds the stylesheet and scripts that `frontend/`
//! builds. Without them every page would be served unstyled, with only a
//! log line to say so; refuse instead, and say what to run.

use std::path::Path;

fn main() {
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../frontend/dist");
    println!("cargo:rerun-if-changed={}", dist.join("app.css").display());
    println!("cargo:rerun-if-changed={}", dist.join("init.mjs").display());
    // Debug builds read frontend/dist from disk while they run, so a
    // stylesheet built later still shows; only a release build embeds it.
    if std::env::var("PROFILE").as_deref() != Ok("release") {
        return;
    }
    if !dist.join("app.css").is_file() || !dist.join("init.mjs").is_file() {
        eprintln!(
            "error: frontend/dist has no built stylesheet, so a release build would serve every page unstyled.\n\
             Build it first: npm --prefix frontend ci && npm --prefix frontend run build\n\
             (scripts/setup does both)."
        );
        std::process::exit(1);
    }
}
