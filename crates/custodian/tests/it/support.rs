//! Test kit: the real `custodian` binary on a random port, with its own
//! data directory and database (a SQLite file by default; a fresh PostgreSQL
//! database per test when CUSTODIAN_TEST_DATABASE_URL names a server), and a
//! minimal browser that keeps cookies the way a browser does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const FIXTURE: &str = include_str!("fixtures/site.toml");

pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_custodian")
}

/// A database for one test, dropped with it.
pub struct TestDb {
    pub url: Option<String>,
    admin: Option<(String, String)>,
}

impl TestDb {
    /// A database already migrated to this build's schema.
    pub async fn new() -> TestDb {
        TestDb::made(true).await
    }

    /// A database with nothing in it, for restoring a dump into.
    pub async fn empty() -> TestDb {
        TestDb::made(false).await
    }

    async fn made(migrated: bool) -> TestDb {
        let Ok(admin_url) = std::env::var("CUSTODIAN_TEST_DATABASE_URL") else {
            // SQLite: the server creates the file in its data dir.
            return TestDb {
                url: None,
                admin: None,
            };
        };
        let name = format!("custodian_t_{}", hex(&rand_bytes()));
        let (base, _) = admin_url.rsplit_once('/').unwrap_or((&admin_url, ""));
        if migrated {
            copy_migrated_template(&admin_url, base, &name).await;
        } else {
            let mut admin = sqlx_connect(&admin_url).await;
            sqlx_exec(&mut admin, &format!("CREATE DATABASE {name}")).await;
        }
        TestDb {
            url: Some(format!("{base}/{name}")),
            admin: Some((admin_url, name)),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.admin.take() else {
            return;
        };
        // Dropping runs inside the test's runtime, which cannot block:
        // clean up from a thread with its own runtime.
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(async {
                    let mut admin = sqlx_connect(&admin_url).await;
                    sqlx_exec(
                        &mut admin,
                        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                    )
                    .await;
                });
            }
        })
        .join();
    }
}

/// Creates `name` as a copy of a database migrated to this build's schema,
/// made once by whichever test gets there first: migrating afresh took
/// most of a PostgreSQL test's set-up. The server still runs its
/// migrations on the copy, and finds nothing to do; `TestDb::empty` gives
/// a database to migrate from nothing.
///
/// Copies hold a shared advisory lock, so any number run at once; building
/// a template, and dropping the templates of other schemas, takes it
/// exclusively, so no build drops a template another is copying.
async fn copy_migrated_template(admin_url: &str, base: &str, name: &str) {
    const LOCK: &str = "7301";
    let template = format!(
        "custodian_template_{}",
        custodian_store::schema_fingerprint()
    );
    let mut admin = sqlx_connect(admin_url).await;
    loop {
        sqlx_exec(
            &mut admin,
            &format!("SELECT pg_advisory_lock_shared({LOCK})"),
        )
        .await;
        if database_exists(&mut admin, &template).await {
            sqlx_exec(
                &mut admin,
                &format!("CREATE DATABASE {name} TEMPLATE {template}"),
            )
            .await;
            sqlx_exec(
                &mut admin,
                &format!("SELECT pg_advisory_unlock_shared({LOCK})"),
            )
            .await;
            return;
        }
        sqlx_exec(
            &mut admin,
            &format!("SELECT pg_advisory_unlock_shared({LOCK})"),
        )
        .await;
        sqlx_exec(&mut admin, &format!("SELECT pg_advisory_lock({LOCK})")).await;
        if !database_exists(&mut admin, &template).await {
            build_template(&mut admin, base, &template).await;
        }
        sqlx_exec(&mut admin, &format!("SELECT pg_advisory_unlock({LOCK})")).await;
    }
}

async fn database_exists(admin: &mut sqlx::PgConnection, name: &str) -> bool {
    match sqlx::query("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_optional(admin)
        .await
    {
        Ok(found) => found.is_some(),
        Err(e) => panic!("cannot list the databases: {e}"),
    }
}

/// Migrates a new database from nothing and names it `template`; drops
/// the templates of other schemas, which are no use to anyone now.
async fn build_template(admin: &mut sqlx::PgConnection, base: &str, template: &str) {
    use sqlx::Row;
    let old: Vec<String> = match sqlx::query(
        "SELECT datname FROM pg_database WHERE datname LIKE 'custodian\\_template\\_%'",
    )
    .fetch_all(&mut *admin)
    .await
    {
        Ok(rows) => rows.iter().map(|r| r.get::<String, _>(0)).collect(),
        Err(e) => panic!("cannot list the templates: {e}"),
    };
    for name in old {
        sqlx_exec(
            admin,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        )
        .await;
    }
    let building = format!("{template}_building");
    sqlx_exec(admin, &format!("DROP DATABASE IF EXISTS {building}")).await;
    sqlx_exec(admin, &format!("CREATE DATABASE {building}")).await;
    let store = match custodian_store::Store::connect(&format!("{base}/{building}")).await {
        Ok(s) => s,
        Err(e) => panic!("cannot open the template database: {e}"),
    };
    if let Err(e) = store.migrate(now()).await {
        panic!("cannot migrate the template database: {e}");
    }
    store.close().await;
    sqlx_exec(
        admin,
        &format!("ALTER DATABASE {building} RENAME TO {template}"),
    )
    .await;
}

async fn sqlx_connect(url: &str) -> sqlx::PgConnection {
    use sqlx::Connection;
    match sqlx::PgConnection::connect(url).await {
        Ok(c) => c,
        Err(e) => panic!("cannot reach the PostgreSQL named by CUSTODIAN_TEST_DATABASE_URL: {e}"),
    }
}

async fn sqlx_exec(conn: &mut sqlx::PgConnection, sql: &str) {
    if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(conn)
        .await
    {
        panic!("{sql}: {e}");
    }
}

fn rand_bytes() -> [u8; 6] {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let pid = std::process::id();
    let counter = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut out = [0u8; 6];
    out[..4].copy_from_slice(&(nanos ^ pid.rotate_left(16)).to_le_bytes());
    out[4..].copy_from_slice(&counter.to_le_bytes());
    out
}
static COUNTER: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A running server.
pub struct Server {
    pub base: String,
    child: Child,
    pub log: Arc<Mutex<String>>,
}

impl Server {
    /// Start `custodian serve` with this config on this data dir and db.
    pub async fn start(config: &Path, data_dir: &Path, db: &TestDb) -> Server {
        Server::start_with_args(config, data_dir, db, &[]).await
    }

    pub async fn start_with_args(
        config: &Path,
        data_dir: &Path,
        db: &TestDb,
        extra: &[&str],
    ) -> Server {
        Server::start_with_env(config, data_dir, db, extra, &[]).await
    }

    /// With environment variables set for the server alone.
    pub async fn start_with_env(
        config: &Path,
        data_dir: &Path,
        db: &TestDb,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Server {
        let mut cmd = Command::new(binary());
        cmd.envs(env.iter().copied());
        cmd.arg("serve")
            .args(extra)
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--config")
            .arg(config)
            .arg("--data-dir")
            .arg(data_dir)
            .env_remove("CUSTODIAN_DATABASE_URL")
            .env("CUSTODIAN_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(url) = &db.url {
            cmd.arg("--database-url").arg(url);
        }
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => panic!("cannot start custodian: {e}"),
        };
        let log = Arc::new(Mutex::new(String::new()));
        if let Some(stderr) = child.stderr.take() {
            let log = log.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Ok(mut l) = log.lock() {
                        l.push_str(&line);
                        l.push('\n');
                    }
                }
            });
        }
        let Some(stdout) = child.stdout.take() else {
            panic!("no stdout")
        };
        let mut lines = BufReader::new(stdout).lines();
        let found = tokio::time::timeout(Duration::from_secs(30), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(rest) = line.strip_prefix("Listening on ") {
                    return rest
                        .split_whitespace()
                        .next()
                        .map(|u| u.trim_end_matches('/').to_owned());
                }
            }
            None
        })
        .await;
        let Ok(Some(base)) = found else {
            let status = child.try_wait();
            let log = log.lock().map(|l| l.clone()).unwrap_or_default();
            panic!("custodian did not start ({status:?}):\n{log}");
        };
        // Keep draining stdout so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Server { base, child, log }
    }

    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }

    /// Ask the server to stop, as an init system does (SIGTERM).
    pub fn terminate(&self) {
        let Some(pid) = self.child.id() else {
            panic!("the server has already exited")
        };
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
        assert!(
            sent.as_ref().is_ok_and(|s| s.success()),
            "kill -TERM {pid}: {sent:?}"
        );
    }

    /// Kill the server outright (SIGKILL), as a crash or the OOM killer would.
    pub fn kill_now(&mut self) {
        let _ = self.child.start_kill();
    }

    /// How the server exited, waiting at most `limit`; none if it still runs.
    pub async fn exit_within(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        tokio::time::timeout(limit, self.child.wait())
            .await
            .ok()
            .and_then(Result::ok)
    }
}

/// A site under test: config file, data dir, database and server.
pub struct Site {
    pub dir: TempDir,
    pub db: TestDb,
    pub server: Server,
}

impl Site {
    pub async fn start() -> Site {
        Site::start_with(FIXTURE).await
    }

    pub async fn start_with(config: &str) -> Site {
        Site::start_with_args(config, &[]).await
    }

    /// A site whose server gets extra `serve` arguments.
    pub async fn start_with_args(config: &str, extra: &[&str]) -> Site {
        Site::start_with_env(config, extra, &[]).await
    }

    /// The same, with environment variables for the server (a secret that
    /// never goes in the config file).
    pub async fn start_with_env(config: &str, extra: &[&str], env: &[(&str, &str)]) -> Site {
        let dir = tempdir();
        let db = TestDb::new().await;
        let config_path = write(dir.path(), "site.toml", config);
        let server =
            Server::start_with_env(&config_path, &dir.path().join("data"), &db, extra, env).await;
        Site { dir, db, server }
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("site.toml")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Stop the server and start it again on a changed config.
    pub async fn restart_with(self, config: &str) -> Site {
        let Site { dir, db, server } = self;
        server.stop().await;
        let config_path = write(dir.path(), "site.toml", config);
        let server = Server::start(&config_path, &dir.path().join("data"), &db).await;
        Site { dir, db, server }
    }

    /// The site's database URL, as the server uses it.
    pub fn database_url(&self) -> String {
        self.db.url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}",
                self.data_dir().join("custodian.db").display()
            )
        })
    }

    /// The site's vault, opened in this test process as a second instance
    /// would open it: same database, same key file.
    pub async fn vault(&self) -> (custodian_store::Store, custodian_vault::Vault) {
        let store = match custodian_store::Store::connect(&self.database_url()).await {
            Ok(s) => s,
            Err(e) => panic!("store: {e}"),
        };
        let keys =
            match custodian_vault::load_keys(&store, &self.data_dir().join("master.key"), None)
                .await
            {
                Ok(k) => k,
                Err(e) => panic!("keys: {e}"),
            };
        let source = std::fs::read_to_string(self.config_path()).unwrap_or_default();
        let checked = match custodian_policy::load(
            "site.toml",
            &source,
            &custodian_policy::ServerCookies::current(),
        ) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        match custodian_vault::Vault::open(store.clone(), keys, std::sync::Arc::new(checked), now())
            .await
        {
            Ok(v) => (store, v),
            Err(e) => panic!("vault: {e}"),
        }
    }

    /// Run `custodian ARGS` against this site's data dir and database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = std::process::Command::new(binary());
        cmd.args(args)
            .arg("--config")
            .arg(self.config_path())
            .arg("--data-dir")
            .arg(self.data_dir())
            .arg("--database-url")
            .arg(self.database_url())
            .env_remove("CUSTODIAN_MASTER_KEY");
        match cmd.output() {
            Ok(o) => o,
            Err(e) => panic!("cannot run custodian: {e}"),
        }
    }

    /// Create a staff account through the CLI; returns its authenticator
    /// secret (base32).
    pub fn add_staff(&self, username: &str, role: &str) -> String {
        let out = self.cli_with_input(
            &[
                "staff",
                "add",
                "--username",
                username,
                "--role",
                role,
                "--password-stdin",
            ],
            STAFF_PASSWORD,
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.lines()
            .find_map(|l| l.strip_prefix("authenticator secret: "))
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no secret in: {text}"))
    }

    /// `custodian ARGS` with `input` on standard input.
    pub fn cli_with_input(&self, args: &[&str], input: &str) -> std::process::Output {
        use std::io::Write;
        let mut cmd = std::process::Command::new(binary());
        cmd.args(args)
            .arg("--config")
            .arg(self.config_path())
            .arg("--data-dir")
            .arg(self.data_dir())
            .arg("--database-url")
            .arg(self.database_url())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => panic!("cannot run custodian: {e}"),
        };
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(input.as_bytes());
        }
        match child.wait_with_output() {
            Ok(o) => o,
            Err(e) => panic!("custodian: {e}"),
        }
    }

    /// Run SQL directly on the site's database, behind the server's back:
    /// for tests that need a failure only a broken database can cause.
    pub async fn sabotage(&self, sql: &str) {
        use sqlx::Connection;
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        let outcome = match &self.db.url {
            Some(url) => match sqlx::PgConnection::connect(url).await {
                Ok(mut c) => sqlx::raw_sql(sql).execute(&mut c).await.map(|_| ()),
                Err(e) => Err(e),
            },
            None => {
                let url = format!(
                    "sqlite://{}",
                    self.data_dir().join("custodian.db").display()
                );
                match sqlx::SqliteConnection::connect(&url).await {
                    Ok(mut c) => sqlx::raw_sql(sql).execute(&mut c).await.map(|_| ()),
                    Err(e) => Err(e),
                }
            }
        };
        if let Err(e) = outcome {
            panic!("sabotage failed: {e}");
        }
    }

    /// Rows in a table, read directly: for checking that nothing was
    /// stored, whatever the server says.
    pub async fn count_rows(&self, table: &str) -> i64 {
        use sqlx::Connection;
        let sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"));
        let counted: Result<i64, sqlx::Error> = match &self.db.url {
            Some(url) => match sqlx::PgConnection::connect(url).await {
                Ok(mut c) => sqlx::query_scalar(sql).fetch_one(&mut c).await,
                Err(e) => Err(e),
            },
            None => {
                let url = format!(
                    "sqlite://{}",
                    self.data_dir().join("custodian.db").display()
                );
                match sqlx::SqliteConnection::connect(&url).await {
                    Ok(mut c) => sqlx::query_scalar(sql).fetch_one(&mut c).await,
                    Err(e) => Err(e),
                }
            }
        };
        counted.unwrap_or_else(|e| panic!("count {table}: {e}"))
    }

    pub fn browser(&self) -> Browser {
        Browser::new(&self.server.base)
    }
}

pub fn tempdir() -> TempDir {
    match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("tempdir: {e}"),
    }
}

pub fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    if let Err(e) = std::fs::write(&path, contents) {
        panic!("write {}: {e}", path.display());
    }
    path
}

/// One Set-Cookie header, parsed enough to check its attributes.
#[derive(Debug, Clone)]
pub struct SetCookie {
    pub name: String,
    pub value: String,
    pub attributes: Vec<String>,
}

impl SetCookie {
    pub fn parse(header: &str) -> SetCookie {
        let mut parts = header.split(';').map(str::trim);
        let (name, value) = parts
            .next()
            .and_then(|p| p.split_once('='))
            .unwrap_or(("", ""));
        SetCookie {
            name: name.to_owned(),
            value: value.to_owned(),
            attributes: parts.map(|a| a.to_ascii_lowercase()).collect(),
        }
    }

    pub fn has(&self, attribute: &str) -> bool {
        let attribute = attribute.to_ascii_lowercase();
        self.attributes
            .iter()
            .any(|a| *a == attribute || a.starts_with(&format!("{attribute}=")))
    }

    pub fn attribute(&self, name: &str) -> Option<String> {
        let prefix = format!("{}=", name.to_ascii_lowercase());
        self.attributes
            .iter()
            .find_map(|a| a.strip_prefix(&prefix).map(str::to_owned))
    }

    fn removes(&self) -> bool {
        self.attribute("max-age").is_some_and(|v| v == "0")
    }
}

/// A response, read whole.
pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
    pub set_cookies: Vec<SetCookie>,
}

impl Page {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    pub fn location(&self) -> Option<String> {
        self.header("location")
    }

    pub fn cookie(&self, name: &str) -> Option<&SetCookie> {
        self.set_cookies.iter().find(|c| c.name == name)
    }

    /// The value of the hidden form field `name` in the first form.
    pub fn hidden(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body[start..].find('"')?;
        Some(self.body[start..start + end].to_owned())
    }
}

/// Keeps cookies between requests like a browser, and follows nothing
/// automatically so tests see every redirect.
pub struct Browser {
    base: String,
    client: reqwest::Client,
    pub jar: BTreeMap<String, String>,
    /// Extra headers sent with every request.
    pub extra_headers: Vec<(String, String)>,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Browser {
            base: base.to_owned(),
            client,
            jar: BTreeMap::new(),
            extra_headers: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        match self.try_send(request).await {
            Ok(page) => page,
            Err(e) => panic!("request failed: {e}"),
        }
    }

    /// A request that may fail (the server was killed, say).
    async fn try_send(&mut self, request: reqwest::RequestBuilder) -> Result<Page, reqwest::Error> {
        let mut request = request;
        if !self.jar.is_empty() {
            request = request.header("cookie", self.cookie_header());
        }
        for (k, v) in &self.extra_headers {
            request = request.header(k.as_str(), v.as_str());
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap_or_default();
        let set_cookies: Vec<SetCookie> = headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(SetCookie::parse)
            .collect();
        for c in &set_cookies {
            if c.removes() {
                self.jar.remove(&c.name);
            } else {
                self.jar.insert(c.name.clone(), c.value.clone());
            }
        }
        Ok(Page {
            status,
            headers,
            body,
            set_cookies,
        })
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.client.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded(fields);
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(request).await
    }

    /// Sign in to the staff area; returns the reply.
    pub async fn sign_in(&mut self, username: &str, secret: &str) -> Page {
        self.sign_in_at(username, secret, 0).await
    }

    /// The same with the code `offset` seconds from now (a code is used
    /// once, so signing in again within its 30 seconds needs the next).
    pub async fn sign_in_at(&mut self, username: &str, secret: &str, offset: i64) -> Page {
        let code = totp_code_at(secret, offset);
        self.submit(
            "/staff/sign-in",
            "/staff/sign-in",
            &[
                ("username", username),
                ("password", STAFF_PASSWORD.trim_end()),
                ("code", code.as_str()),
            ],
        )
        .await
    }

    pub async fn try_get(&mut self, path: &str) -> Result<Page, reqwest::Error> {
        let request = self.client.get(format!("{}{path}", self.base));
        self.try_send(request).await
    }

    /// Requests from now on come through a trusted proxy from `ip`.
    pub fn coming_from(&mut self, ip: &str) {
        self.extra_headers.retain(|(k, _)| k != "x-forwarded-for");
        self.extra_headers
            .push(("x-forwarded-for".into(), ip.into()));
    }

    /// [`Browser::submit`] that returns the failure instead of panicking.
    pub async fn try_submit(
        &mut self,
        from: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Result<Page, reqwest::Error> {
        let page = self.try_get(from).await?;
        let token = page.hidden("request_token").unwrap_or_default();
        let mut all: Vec<(&str, &str)> = vec![("request_token", token.as_str())];
        all.extend_from_slice(fields);
        let request = self
            .client
            .post(format!("{}{action}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded(&all));
        self.try_send(request).await
    }

    /// Post a form from the page at `from`, with its CSRF token, as a person
    /// pressing a button would.
    pub async fn submit(&mut self, from: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.get(from).await;
        let token = page.hidden("request_token").unwrap_or_default();
        let mut all: Vec<(&str, &str)> = vec![("request_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }
}

pub fn serde_urlencoded(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub const STAFF_PASSWORD: &str = "a long staff passphrase\n";

/// The current code for an authenticator secret.
pub fn totp_code(secret_base32: &str) -> String {
    totp_code_at(secret_base32, 0)
}

/// The code `offset` seconds from now, as a clock a little ahead shows it.
pub fn totp_code_at(secret_base32: &str, offset: i64) -> String {
    let secret =
        totp_rs::Secret::try_from_base32(secret_base32).unwrap_or_else(|e| panic!("secret: {e}"));
    let totp = totp_rs::Builder::new().with_secret(secret.to_vec()).build();
    match totp {
        Ok(t) => t
            .generate(u64::try_from(now() + offset).unwrap_or(0))
            .to_string(),
        Err(e) => panic!("totp: {e}"),
    }
}

/// The value of one series in a Prometheus text scrape, given as its name
/// and labels exactly as printed, e.g. `custodian_job_runs_total{job="x"}`.
pub fn metric(scrape: &str, series: &str) -> Option<f64> {
    scrape
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(0))
        .unwrap_or(0)
}

pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every file of the SQLite database: the main file and its write-ahead log.
pub fn database_bytes(data_dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for name in ["custodian.db", "custodian.db-wal"] {
        if let Ok(bytes) = std::fs::read(data_dir.join(name)) {
            all.extend(bytes);
        }
    }
    all
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// A real SMTP server on loopback (aiosmtpd, from PyPI), storing what it
/// receives in a Maildir that tests read.
pub struct SmtpServer {
    pub port: u16,
    pub maildir: TempDir,
    child: std::process::Child,
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        let maildir = tempdir();
        for sub in ["tmp", "new", "cur"] {
            let _ = std::fs::create_dir_all(maildir.path().join(sub));
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or(0);
        let child = std::process::Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn();
        let mut child = match child {
            Ok(c) => c,
            Err(e) => panic!("cannot start python3 for the SMTP server: {e}"),
        };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return SmtpServer {
                    port,
                    maildir,
                    child,
                };
            }
            if let Ok(Some(status)) = child.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    use std::io::Read;
                    let _ = e.read_to_string(&mut err);
                }
                panic!(
                    "the SMTP server exited ({status}): {err}\ninstall it with `python3 -m pip install aiosmtpd` (scripts/test does)"
                );
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the SMTP server did not start on port {port}");
    }

    /// Every message received so far, as raw text.
    pub fn messages(&self) -> Vec<String> {
        let mut found: Vec<String> = std::fs::read_dir(self.maildir.path().join("new"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .collect();
        found.sort();
        found
    }

    /// Wait for a message to `to` whose subject or text contains `about`.
    pub async fn message_to(&self, to: &str, about: &str) -> String {
        for _ in 0..300 {
            if let Some(found) = self
                .messages()
                .into_iter()
                .find(|m| m.contains(&format!("To: {to}")) && mail_text(m).contains(about))
            {
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("no message to {to} about {about:?}");
    }

    /// Wait until at least `n` messages have arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<String> {
        for _ in 0..300 {
            let got = self.messages();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("expected {n} messages, got {}", self.messages().len());
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The fixture, sending through an SMTP server on loopback.
pub fn fixture_with_smtp(port: u16) -> String {
    format!(
        "{FIXTURE}\n[mail]\nfrom = \"Test Site <noreply@test.example>\"\ntransport = \"smtp\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\nsmtp_security = \"none\"\n"
    )
}

/// The "your data" pages a proven visit opens, each of which shows or acts
/// on the person's data.
pub const PORTAL_PAGES: [&str; 4] = [
    "/your-data/held",
    "/your-data/download",
    "/your-data/correct",
    "/your-data/delete",
];

/// The newest staff enrolment link in the site's outbox files (a site
/// without `[mail]` writes its messages there).
pub async fn enrolment_link(site: &Site, username: &str) -> String {
    let dir = site.data_dir().join("outbox");
    for _ in 0..100 {
        let found = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .filter(|m| mail_text(m).contains(&format!("username {username}")))
            .find_map(|m| link_in(&m, "/staff/enrol/"));
        if let Some(link) = found {
            return link;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no enrolment link for {username} in {}", dir.display());
}

/// Follow an enrolment link as its person: read the authenticator secret
/// the page shows, choose `password`, prove the app with a code. Returns
/// the secret.
pub async fn enrol(b: &mut Browser, link: &str, password: &str) -> String {
    let first = b.get(link).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(
        !first.body.contains("id=\"secret\""),
        "the secret waits for the button"
    );
    let page = b.submit(link, link, &[("step", "show")]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let secret = page
        .body
        .split("id=\"secret\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_default()
        .to_owned();
    assert!(!secret.is_empty(), "{}", page.body);
    let code = totp_code(&secret);
    let done = b
        .submit(link, link, &[("password", password), ("code", &code)])
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body.contains("Your staff account is ready"),
        "{}",
        done.body
    );
    secret
}

/// A config whose site trusts the proxy in front (so `X-Forwarded-For`
/// names the client, and tests can come from many addresses).
pub fn behind_a_proxy(config: &str) -> String {
    let trusted = config.replace(
        "base_url = \"http://127.0.0.1\"",
        "base_url = \"http://127.0.0.1\"\ntrust_proxy = true",
    );
    assert_ne!(trusted, config, "the config has the fixture's base_url");
    trusted
}

/// The fixture writing its mail to files in `<data dir>/outbox`.
pub fn fixture_with_mail_files() -> String {
    format!(
        "{FIXTURE}\n[mail]\nfrom = \"Test Site <noreply@test.example>\"\ntransport = \"file\"\n"
    )
}

/// Accounts for the fixture: what `[accounts]` needs in the policy.
pub const ACCOUNTS: &str = r#"
[accounts]
purpose = "accounts"
email_category = "account_email"
username_category = "account_username"
password_category = "account_password"

[policy.categories.account_email]
name = "Your account's email address"
description = "The address you register with."
dpv = "pd:EmailAddress"

[policy.categories.account_username]
name = "Your user name"
description = "The name you sign in with."
dpv = "pd:Username"

[policy.categories.account_password]
name = "Your password"
description = "Kept only as a hash that cannot be turned back into it."
dpv = "pd:Password"

[policy.purposes.accounts]
name = "Your account"
description = "Your account lets you sign in and see what you have sent us."
lawful_basis = "public_task"
categories = ["account_email", "account_username", "account_password"]
retention = "2 years after your last sign-in"

[[policy.cookies]]
name = "custodian_status"
purpose = "Says that you are signed in, so that pages for you are never stored by a cache."
essential = true
duration = "session"
holds = "A random identifier."
"#;

/// The fixture with accounts, sending through an SMTP server on loopback.
pub fn fixture_with_accounts(port: u16) -> String {
    format!("{}{ACCOUNTS}", fixture_with_smtp(port))
}

/// A message's text with quoted-printable soft line breaks and escapes
/// undone, so links in it can be read whole.
pub fn mail_text(raw: &str) -> String {
    raw.replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
}

/// The path of the first link to `prefix` in a message, such as
/// `/account/confirm/<token>`.
pub fn link_in(raw: &str, prefix: &str) -> Option<String> {
    let text = mail_text(raw);
    let start = text.find(prefix)?;
    let rest = &text[start..];
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || "/-_".contains(c)))
        .unwrap_or(rest.len());
    Some(rest[..end].to_owned())
}

/// Email updates for the fixture: two topics, by consent.
pub const UPDATES: &str = include_str!("fixtures/updates.toml");
