use std::path::Path;
use std::process::Output;

use crate::support::{FIXTURE, binary, tempdir, write};

fn custodian(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = std::process::Command::new(binary());
    cmd.args(args)
        .env_remove("CUSTODIAN_CONFIG")
        .env_remove("CUSTODIAN_DATA_DIR")
        .env_remove("CUSTODIAN_DATABASE_URL");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    match cmd.output() {
        Ok(o) => o,
        Err(e) => panic!("cannot run custodian: {e}"),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn examples() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

#[test]
fn policy_check_passes_every_example() {
    let found = examples();
    assert_eq!(found.len(), 3);
    for path in found {
        let out = custodian(&["policy", "check", &path.display().to_string()], &[]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            path.display(),
            text(&out.stderr)
        );
        assert!(text(&out.stdout).contains(": ok"));
    }
}

#[test]
fn policy_check_names_an_unknown_key_with_its_position_and_exit_code_2() {
    let dir = tempdir();
    let config = FIXTURE.replace(
        "phone = \"0123 456 7890\"",
        "phone = \"0123 456 7890\"\ncolour = \"red\"",
    );
    let path = write(dir.path(), "site.toml", &config);
    let out = custodian(&["policy", "check", &path.display().to_string()], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    let line = config
        .lines()
        .position(|l| l.starts_with("colour"))
        .map_or(0, |i| i + 1);
    assert!(
        err.contains(&format!(
            "site.toml:{line}:1: error: unknown field `colour`"
        )),
        "{err}"
    );
    assert!(err.contains("help:"), "says what to do: {err}");
}

#[test]
fn policy_check_names_a_cookie_the_server_would_set_without_declaring_it() {
    let dir = tempdir();
    let config = FIXTURE.replace(
        "base_url = \"http://127.0.0.1\"",
        "base_url = \"http://127.0.0.1\"\n\n[site.cookie_names]\nsession = \"sid\"",
    );
    let path = write(dir.path(), "site.toml", &config);
    let out = custodian(&["policy", "check", &path.display().to_string()], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("the server sets a cookie named `sid`"),
        "{err}"
    );
    assert!(err.contains("name = \"sid\""), "says how to fix it: {err}");
}

#[test]
fn policy_check_reports_every_inconsistency_at_once() {
    let dir = tempdir();
    let config = FIXTURE
        .replace(
            "retention = \"1 year after the case is closed\"",
            "retention = \"1 fortnight after the case is closed\"",
        )
        .replace("categories = [\"message\"]", "categories = [\"mesage\"]")
        .replace("consent_category = \"usage\"\n", "")
        .replace(
            "duration = \"1 year\"\nholds = \"Your answers",
            "duration = \"session\"\nholds = \"Your answers",
        )
        .replace("email = \"dpo@test.example\"", "email = \"the DPO\"")
        .replace("domains = [\"test.example\"]", "domains = [\"test example\"]")
        .replace(
            "[policy.cookie_categories.usage]",
            "[policy.cookie_categories.version]\nname = \"V\"\ndescription = \"V.\"\npurpose = \"usage_cookies\"\n\n[policy.cookie_categories.usage]",
        )
        .replace("lawful_basis = \"consent\"", "lawful_basis = \"consent\"\nlegitimate_interest = \"Counting.\"");
    let path = write(dir.path(), "site.toml", &config);
    let out = custodian(&["policy", "check", &path.display().to_string()], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    for expected in [
        "\"fortnight\" is not a unit of time",
        "category `mesage` is not declared",
        "cookie `usage_id` is not essential, so it must sit behind consent",
        "cookie category `usage` has no cookies",
        "cookie `cookie_preferences` is declared to last when you close your browser, but the server keeps it for 1 year",
        "`the DPO` is not an email address",
        "`test example` is not a domain name",
        "`version` cannot name a cookie category",
        "states a legitimate interest but its lawful basis is consent",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
}

#[test]
fn serve_refuses_to_start_on_an_inconsistent_policy() {
    let dir = tempdir();
    let path = write(
        dir.path(),
        "site.toml",
        &FIXTURE.replace(
            "lawful_basis = \"public_task\"",
            "lawful_basis = \"because\"",
        ),
    );
    let data = dir.path().join("data");
    let out = custodian(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--config",
            &path.display().to_string(),
            "--data-dir",
            &data.display().to_string(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("unknown variant `because`"),
        "{}",
        text(&out.stderr)
    );
    assert!(!data.join("custodian.db").exists(), "nothing was created");
}

#[test]
fn policy_render_prints_markdown_json_and_html() {
    let dir = tempdir();
    let path = write(dir.path(), "site.toml", FIXTURE);
    let p = path.display().to_string();
    let md = custodian(&["policy", "render", &p, "--format", "markdown"], &[]);
    assert_eq!(md.status.code(), Some(0));
    assert!(text(&md.stdout).starts_with("# Privacy notice: Test Site"));
    assert!(text(&md.stdout).contains("Draft: this notice has not been published yet."));
    let json = custodian(&["policy", "render", &p, "--format", "json"], &[]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap_or_default();
    assert_eq!(
        value["purposes"][0]["retention"]["rule"],
        "1 year after the case is closed"
    );
    let html = custodian(&["policy", "render", &p, "--format", "html"], &[]);
    assert!(text(&html.stdout).contains("<h1 class=\"govuk-heading-xl\">Privacy notice</h1>"));
    let bad = custodian(&["policy", "render", &p, "--format", "pdf"], &[]);
    assert_eq!(bad.status.code(), Some(2), "usage error");
}

#[test]
fn policy_render_ropa_writes_the_article_30_record_as_csv_and_html() {
    let dir = tempdir();
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/childrens-commissioner.toml"
    );
    let out = dir.path().join("record");
    let o = out.display().to_string();
    let run = custodian(
        &["policy", "render", example, "--format", "ropa", "--out", &o],
        &[],
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));

    let csv = std::fs::read(out.join("ropa.csv")).unwrap_or_default();
    let mut reader = csv::Reader::from_reader(csv.as_slice());
    let headers = reader.headers().cloned().unwrap_or_default();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let rows: Vec<csv::StringRecord> = reader.records().filter_map(Result::ok).collect();
    let help = rows
        .iter()
        .find(|r| column("Purpose id").and_then(|i| r.get(i)) == Some("help_at_hand"))
        .cloned()
        .unwrap_or_default();
    let get = |name: &str| column(name).and_then(|i| help.get(i)).unwrap_or("");
    assert_eq!(get("Controller"), "The Children's Commissioner's Office");
    assert_eq!(
        get("Lawful basis (Article 6)"),
        "Article 6(1)(e): Public task"
    );
    assert!(get("Special category condition (Article 9)").starts_with("Article 9(2)(g)"));
    assert!(get("Categories of personal data").contains("(special category)"));
    assert_eq!(get("Retention"), "2 years after the case is closed");
    assert!(
        get("Categories of people").contains("children"),
        "{}",
        get("Categories of people")
    );
    assert!(get("Security measures").contains("encrypted at rest"));
    let html = std::fs::read_to_string(out.join("ropa.html")).unwrap_or_default();
    assert!(html.contains("Record of processing activities"));
    assert!(html.contains("<h2 class=\"govuk-heading-l\" id=\"help_at_hand\">Help at Hand</h2>"));
    assert_eq!(
        rows.len(),
        html.matches("<h2 class=\"govuk-heading-l\" id=").count(),
        "one row and one section per purpose"
    );

    let without_out = custodian(&["policy", "render", example, "--format", "ropa"], &[]);
    assert_eq!(without_out.status.code(), Some(2));
    assert!(text(&without_out.stderr).contains("needs --out DIR"));
}

#[test]
fn global_options_work_before_or_after_the_subcommand_and_from_the_environment() {
    let dir = tempdir();
    for (i, args) in [
        vec!["--data-dir", "DIR", "migrate"],
        vec!["migrate", "--data-dir", "DIR"],
    ]
    .into_iter()
    .enumerate()
    {
        let data = dir.path().join(format!("d{i}"));
        let args: Vec<String> = args
            .iter()
            .map(|a| a.replace("DIR", &data.display().to_string()))
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = custodian(&args, &[]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(data.join("custodian.db").exists());
    }
    let data = dir.path().join("from-env");
    let out = custodian(
        &["migrate"],
        &[("CUSTODIAN_DATA_DIR", &data.display().to_string())],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("applied migration 1"));
    assert!(data.join("custodian.db").exists());
    let again = custodian(
        &["migrate"],
        &[("CUSTODIAN_DATA_DIR", &data.display().to_string())],
    );
    assert!(text(&again.stdout).contains("up to date"));
}

/// On PostgreSQL, each test's database is a copy of one migrated once;
/// here the migrations run from nothing, as on a new site's server.
#[tokio::test]
async fn postgres_migrates_from_empty_and_then_is_up_to_date() {
    let db = crate::support::TestDb::empty().await;
    let Some(url) = db.url.clone() else {
        return; // SQLite: the test above migrates a new file.
    };
    let dir = tempdir();
    let data = dir.path().join("data");
    let data = data.display().to_string();
    let out = custodian(
        &["migrate", "--data-dir", &data, "--database-url", &url],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("applied migration 1 "),
        "{}",
        text(&out.stdout)
    );
    let again = custodian(
        &["migrate", "--data-dir", &data, "--database-url", &url],
        &[],
    );
    assert!(text(&again.stdout).contains("up to date"));
}

#[test]
fn every_command_has_help_and_usage_errors_exit_2() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["policy", "--help"],
        vec!["policy", "check", "--help"],
        vec!["policy", "render", "--help"],
    ] {
        let out = custodian(&args, &[]);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(text(&out.stdout).contains("Usage:"), "{args:?}");
    }
    let help = custodian(&["help", "--help"], &[]);
    assert_eq!(help.status.code(), Some(0), "help about help is help");
    assert!(text(&help.stdout).contains("Usage:"));
    let add = custodian(&["staff", "add", "--help"], &[]);
    assert!(
        text(&add.stdout).contains("The name they sign in with"),
        "every option says what it is: {}",
        text(&add.stdout)
    );
    // `policy check` and `policy render` read the --config file when given
    // no file of their own, and say what is missing when given neither.
    let example = examples()[0].display().to_string();
    let checked = custodian(&["--config", &example, "policy", "check"], &[]);
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked.stderr));
    assert!(!text(&checked.stdout).contains(" 1 recipients"));
    let neither = custodian(&["policy", "render"], &[]);
    assert_eq!(neither.status.code(), Some(2));
    assert!(text(&neither.stderr).contains("give the site config"));
    assert_eq!(custodian(&["frobnicate"], &[]).status.code(), Some(2));
    assert_eq!(
        custodian(&["policy", "check", "/no/such/file.toml"], &[])
            .status
            .code(),
        Some(2)
    );
    let bad_url = custodian(&["migrate", "--database-url", "mysql://x"], &[]);
    assert_eq!(
        bad_url.status.code(),
        Some(2),
        "a wrong URL is invalid input"
    );
    assert!(text(&bad_url.stderr).contains("must start with sqlite: or postgres:"));
}

/// One data directory, two organisations: serving another site's config
/// on it would publish that organisation's notice as a new version of the
/// first's, with a diff between them. It is refused, saying why, and
/// nothing is published.
#[tokio::test]
async fn serve_refuses_another_organisations_config_on_a_sites_data() {
    let mut site = crate::support::Site::start().await;
    site.server.kill_now();
    let other = write(
        site.dir.path(),
        "other.toml",
        &FIXTURE.replace("name = \"Test Department\"", "name = \"Another Org\""),
    );
    assert_ne!(
        std::fs::read_to_string(&other).unwrap_or_default(),
        FIXTURE,
        "the fixture names its controller"
    );
    let out = custodian(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--config",
            &other.display().to_string(),
            "--data-dir",
            &site.data_dir().display().to_string(),
            "--database-url",
            &site.database_url(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let said = text(&out.stderr);
    assert!(
        said.contains("this database holds the site of \"Test Department\", but the config is for \"Another Org\""),
        "{said}"
    );
    assert!(said.contains("its own data directory"), "{said}");
    let (store, _vault) = site.vault().await;
    let versions = store.policy_versions().await.unwrap_or_default();
    assert_eq!(versions.len(), 1, "nothing was published");
}

#[test]
fn policy_check_refuses_a_response_target_it_cannot_keep() {
    let dir = tempdir();
    let config = FIXTURE.replace(
        "response_target = \"2 working days\"",
        "response_target = \"as soon as we can\"",
    );
    let path = write(dir.path(), "site.toml", &config);
    let out = custodian(&["policy", "check", &path.display().to_string()], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("form `contact`: `as soon as we can` is not a response target"),
        "{err}"
    );
    assert!(
        err.contains("like \"2 working days\""),
        "says what to write: {err}"
    );
}
