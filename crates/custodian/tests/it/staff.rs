use custodian_vault::NewRecord;

use crate::support::{STAFF_PASSWORD, Site, now, stderr, stdout};

#[tokio::test]
async fn staff_add_prints_a_secret_and_refuses_bad_input() {
    let site = Site::start().await;
    let add = |username: &str, role: &str, password: &str| {
        site.cli_with_input(
            &[
                "staff",
                "add",
                "--username",
                username,
                "--role",
                role,
                "--password-stdin",
            ],
            password,
        )
    };
    let ok = add("dana", "dpo", STAFF_PASSWORD);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let text = stdout(&ok);
    assert!(text.contains("created dana (Data protection officer)"));
    assert!(
        text.lines()
            .any(|l| l.starts_with("authenticator secret: ") && l.len() > 40)
    );
    assert!(text.contains("authenticator address: otpauth://totp/"));
    assert!(
        !text.contains(STAFF_PASSWORD.trim_end()),
        "the password is never printed"
    );

    for (username, role, password, expected) in [
        ("dana", "dpo", STAFF_PASSWORD, "already exists"),
        ("Dana Smith", "dpo", STAFF_PASSWORD, "a username is 2 to 40"),
        ("erin", "superuser", STAFF_PASSWORD, "is not a role"),
        ("erin", "editor", "short\n", "at least 12 characters"),
    ] {
        let out = add(username, role, password);
        assert_eq!(out.status.code(), Some(2), "{username} {role}");
        assert!(stderr(&out).contains(expected), "{}", stderr(&out));
    }
    site.server.stop().await;
}

#[tokio::test]
async fn sign_in_needs_the_password_and_a_fresh_code_and_rotates_the_session() {
    let site = Site::start().await;
    let secret = site.add_staff("casey", "caseworker");
    let mut browser = site.browser();
    assert_eq!(
        browser.get("/staff").await.location().as_deref(),
        Some("/staff/sign-in"),
        "signed out: sent to sign in"
    );

    let wrong = browser
        .submit(
            "/staff/sign-in",
            "/staff/sign-in",
            &[
                ("username", "casey"),
                ("password", "not the password"),
                ("code", "123456"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert!(
        wrong
            .body
            .contains("The username, password or code is not right")
    );
    assert!(
        wrong.body.contains("value=\"casey\""),
        "what they typed is kept"
    );
    assert!(
        !wrong.body.contains("not the password"),
        "but never the password"
    );

    let before = browser.jar.get("custodian_session").cloned();
    let ok = browser.sign_in("casey", &secret).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert_eq!(ok.location().as_deref(), Some("/staff"));
    assert_ne!(
        browser.jar.get("custodian_session").cloned(),
        before,
        "a new session id at sign-in"
    );
    let home = browser.get("/staff").await;
    assert_eq!(home.status, 200);
    assert!(
        home.body
            .contains("You are signed in as casey (Caseworker)")
    );

    // The same code cannot be used again, even from another browser.
    let mut thief = site.browser();
    let replay = thief.sign_in("casey", &secret).await;
    assert_eq!(replay.status, 400, "a code works once");

    let out = browser.submit("/staff", "/staff/sign-out", &[]).await;
    assert_eq!(out.status, 303);
    assert!(
        browser
            .get("/staff/sign-in")
            .await
            .body
            .contains("You have signed out")
    );
    assert_eq!(
        browser.get("/staff").await.location().as_deref(),
        Some("/staff/sign-in")
    );
    let audit = site.cli(&["audit", "verify"]);
    assert_eq!(audit.status.code(), Some(0));

    // An unknown name is refused the same way, and not written down.
    let unknown = site
        .browser()
        .submit(
            "/staff/sign-in",
            "/staff/sign-in",
            &[
                ("username", "mallory.secret"),
                ("password", "x"),
                ("code", "123456"),
            ],
        )
        .await;
    assert_eq!(unknown.status, 400);
    assert!(
        unknown
            .body
            .contains("The username, password or code is not right")
    );
    let (store, _) = site.vault().await;
    let entries = store.audit_recent(None, 50).await.unwrap();
    assert!(entries.iter().any(|e| e.actor == "staff:(unknown name)"));
    assert!(!entries.iter().any(|e| e.actor.contains("mallory")));
    site.server.stop().await;
}

#[tokio::test]
async fn sign_in_is_throttled_per_account() {
    let site = Site::start().await;
    let secret = site.add_staff("terry", "analyst");
    let mut browser = site.browser();
    for _ in 0..5 {
        let wrong = browser
            .submit(
                "/staff/sign-in",
                "/staff/sign-in",
                &[
                    ("username", "terry"),
                    ("password", "wrong password"),
                    ("code", "000000"),
                ],
            )
            .await;
        assert_eq!(wrong.status, 400);
    }
    let locked = browser.sign_in("terry", &secret).await;
    assert_eq!(locked.status, 400, "even the right details wait");
    assert!(locked.body.contains("too many attempts"));
    // Each refusal is in the audit log, under the account it was for, the
    // locked-out one saying so.
    assert_eq!(
        site.count_rows("audit_log WHERE actor = 'staff:terry' AND action = 'sign in refused'")
            .await,
        6
    );
    assert_eq!(
        site.count_rows("audit_log WHERE actor = 'staff:terry' AND detail = 'too many attempts'")
            .await,
        1
    );
    site.server.stop().await;
}

#[tokio::test]
async fn every_staff_route_admits_exactly_the_roles_the_table_gives_it() {
    let site = Site::start().await;
    let roles = custodian_web::staff::Role::ALL;
    let mut browsers = Vec::new();
    for role in roles {
        let secret = site.add_staff(&format!("{}-person", role.id()), role.id());
        let mut browser = site.browser();
        assert_eq!(
            browser
                .sign_in(&format!("{}-person", role.id()), &secret)
                .await
                .status,
            303
        );
        browsers.push((Some(role), browser));
    }
    browsers.push((None, site.browser()));

    let table = custodian_web::staff::routes();
    assert!(table.len() >= 8, "the table lists every staff route");
    for route in &table {
        assert!(
            !route.roles.is_empty(),
            "{} {} admits no role: every staff route must name who may use it",
            route.method,
            route.path
        );
    }
    for route in &table {
        for (role, browser) in &mut browsers {
            let page = if route.method == axum::http::Method::GET {
                browser.get(route.path).await
            } else {
                // Sign-out last would end the session; send it as a plain
                // POST with a token but expect only admission, not effects.
                if route.path == "/staff/sign-out" {
                    continue;
                }
                browser
                    .submit(
                        "/",
                        route.path,
                        &[("subject", "s_unknown"), ("email", "nobody@example.com")],
                    )
                    .await
            };
            let label = format!("{} {} as {:?}", route.method, route.path, role);
            match role {
                None => {
                    assert_eq!(page.status, 303, "{label}");
                    assert_eq!(
                        page.location().as_deref(),
                        Some("/staff/sign-in"),
                        "{label}"
                    );
                }
                Some(r) if route.roles.contains(r) => {
                    assert_ne!(page.status, 403, "{label} should be admitted");
                    assert_ne!(
                        page.location().as_deref(),
                        Some("/staff/sign-in"),
                        "{label}"
                    );
                }
                Some(_) => {
                    assert_eq!(page.status, 403, "{label} should be refused");
                    assert!(page.body.contains("You cannot see this page"), "{label}");
                }
            }
        }
    }
    // Sign-out admits every role (and, signed out, just returns to sign in).
    for (_, browser) in &mut browsers {
        let page = browser.submit("/", "/staff/sign-out", &[]).await;
        assert_eq!(page.status, 303);
        assert_eq!(page.location().as_deref(), Some("/staff/sign-in"));
    }
    site.server.stop().await;
}

#[tokio::test]
async fn the_dpo_finds_reads_downloads_and_erases_in_the_staff_area() {
    let site = Site::start().await;
    let (_, vault) = site.vault().await;
    let at = now();
    let frank = vault
        .subject_for_email("frank@example.com", true, at)
        .await
        .unwrap();
    let record = |field, value| NewRecord {
        category: "message",
        purpose: "answer_enquiries",
        source: "form:contact",
        field,
        value,
    };
    vault
        .put(
            &frank,
            record("message", "Frank's question about school transport"),
            at,
        )
        .await
        .unwrap();
    let secret = site.add_staff("pat", "dpo");
    let mut dpo = site.browser();
    assert_eq!(dpo.sign_in("pat", &secret).await.status, 303);

    let found = dpo
        .submit(
            "/staff/people",
            "/staff/people/find",
            &[("email", "Frank@example.com")],
        )
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert!(
        found
            .body
            .contains("Frank&#x27;s question about school transport"),
        "{}",
        found.body
    );
    assert!(
        !found.body.contains("frank@example.com"),
        "the page names the person by reference"
    );
    let subject = found.hidden("subject").unwrap();

    let token = found.hidden("request_token").unwrap();
    let download = dpo
        .post(
            "/staff/people/export",
            &[("request_token", &token), ("subject", &subject)],
        )
        .await;
    assert_eq!(download.status, 200);
    assert!(
        download
            .header("content-disposition")
            .is_some_and(|d| d.contains("attachment"))
    );
    assert!(download.body.contains("school transport"));

    let confirm = dpo
        .post(
            "/staff/people/erase",
            &[("request_token", &token), ("subject", &subject)],
        )
        .await;
    assert!(
        confirm
            .body
            .contains("Are you sure you want to erase this person")
    );
    assert!(confirm.body.contains("1 items will be deleted"));
    let erased = dpo
        .post(
            "/staff/people/erase",
            &[
                ("request_token", &token),
                ("subject", &subject),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert!(erased.body.contains("Data erased"), "{}", erased.body);
    assert!(
        vault
            .find_by_email("frank@example.com")
            .await
            .unwrap()
            .is_none()
    );

    let audit = dpo.get("/staff/audit").await;
    for action in ["read", "export", "erase", "sign in"] {
        assert!(
            audit.body.contains(&format!(
                "<td class=\"govuk-table__cell\" data-label=\"What\">{action}</td>"
            )),
            "audited: {action}"
        );
    }
    assert!(audit.body.contains("The log is intact"));
    assert!(!audit.body.contains("frank@example.com"));
    site.server.stop().await;
}

#[tokio::test]
async fn the_admin_adds_staff_rotates_the_key_and_sees_the_outbox() {
    let site = Site::start_with(&crate::support::fixture_with_mail_files()).await;
    let (store, vault) = site.vault().await;
    let at = now();
    let ivy = vault
        .subject_for_email("ivy@example.com", true, at)
        .await
        .unwrap();
    let record = NewRecord {
        category: "message",
        purpose: "answer_enquiries",
        source: "form:contact",
        field: "message",
        value: "Ivy's message",
    };
    vault.put(&ivy, record, at).await.unwrap();
    let secret = site.add_staff("ada", "admin");
    let mut admin = site.browser();
    assert_eq!(admin.sign_in("ada", &secret).await.status, 303);
    let home = admin.get("/staff").await;
    for link in ["Staff accounts", "Master key", "Outbox", "Retention"] {
        assert!(
            home.body.contains(link),
            "the administrator's home links {link}"
        );
    }
    assert!(
        !home.body.contains("People&#x27;s data"),
        "but not people's data"
    );

    // A bad form changes nothing and says what is wrong.
    let bad = admin
        .submit(
            "/staff/accounts",
            "/staff/accounts",
            &[("username", "Quinn Smith"), ("email", "not an address")],
        )
        .await;
    assert_eq!(bad.status, 400);
    for text in [
        "Enter a username",
        "Select the role this person needs",
        "Enter an email address in the correct format",
    ] {
        assert!(bad.body.contains(text), "{text}");
    }
    // Administrators cannot make someone a DPO or an administrator.
    let escalate = admin
        .submit(
            "/staff/accounts",
            "/staff/accounts",
            &[
                ("username", "eve"),
                ("role", "dpo"),
                ("email", "eve@test.example"),
            ],
        )
        .await;
    assert_eq!(escalate.status, 400);
    assert!(escalate.body.contains("Select the role this person needs"));
    let added = admin
        .submit(
            "/staff/accounts",
            "/staff/accounts",
            &[
                ("username", "quinn"),
                ("role", "caseworker"),
                ("email", "quinn@test.example"),
            ],
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert!(added.body.contains("Staff account created"));
    // The administrator sees no secret and sets no password: the new
    // colleague sets up the account from the emailed link.
    assert!(!added.body.contains("otpauth") && !added.body.contains("authenticator secret"));
    let link = crate::support::enrolment_link(&site, "quinn").await;
    let mut quinn = site.browser();
    let quinn_secret = crate::support::enrol(&mut quinn, &link, "another long passphrase").await;
    let code = crate::support::totp_code_at(&quinn_secret, 30);
    let signed_in = quinn
        .submit(
            "/staff/sign-in",
            "/staff/sign-in",
            &[
                ("username", "quinn"),
                ("password", "another long passphrase"),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(signed_in.status, 303, "the new colleague can sign in");

    let before = store.personal_data().master_key_ids_in_use().await.unwrap();
    let rotated = admin.submit("/staff/keys", "/staff/keys/rotate", &[]).await;
    assert!(rotated.body.contains("is now current"), "{}", rotated.body);
    assert_ne!(
        store.personal_data().master_key_ids_in_use().await.unwrap(),
        before
    );
    let export = vault.export(&ivy, "test", now()).await.unwrap();
    assert_eq!(
        export.items[0].value, "Ivy's message",
        "still readable under the new key"
    );

    let outbox = admin.get("/staff/mail").await;
    assert!(outbox.body.contains("Waiting to be sent"));
    let audit = admin.get("/staff/audit").await;
    assert!(audit.body.contains("staff add") && audit.body.contains("rotate master key"));
    site.server.stop().await;
}

#[tokio::test]
async fn a_changed_role_or_a_removed_account_takes_effect_on_the_next_request() {
    let site = Site::start().await;
    let secret = site.add_staff("morgan", "caseworker");
    let mut browser = site.browser();
    assert_eq!(browser.sign_in("morgan", &secret).await.status, 303);
    assert_eq!(browser.get("/staff/cases").await.status, 200);

    let out = site.cli(&["staff", "role", "--username", "morgan", "--role", "analyst"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        crate::support::stderr(&out)
    );
    // A changed role ends the session at once: the person signs in again,
    // under the new role.
    let ended = browser.get("/staff/cases").await;
    assert_eq!(ended.location().as_deref(), Some("/staff/sign-in"));
    assert_eq!(browser.get("/staff/sign-in").await.status, 200);
    // This step's code was used at the first sign-in; the next step's is
    // accepted (one step of clock drift either way).
    let again = browser.sign_in_at("morgan", &secret, 30).await;
    assert_eq!(again.status, 303, "{}", again.body);
    assert_eq!(browser.get("/staff/cases").await.status, 403);
    assert_eq!(browser.get("/staff/consultations").await.status, 200);
    let out = site.cli(&["staff", "remove", "--username", "morgan"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        crate::support::stderr(&out)
    );
    let page = browser.get("/staff/consultations").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location().as_deref(), Some("/staff/sign-in"));

    let out = site.cli(&["staff", "remove", "--username", "morgan"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(crate::support::stderr(&out).contains("no staff account named `morgan`"));
    let out = site.cli(&["staff", "role", "--username", "nobody", "--role", "wizard"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(crate::support::stderr(&out).contains("is not a role"));

    let (store, _) = site.vault().await;
    let entries = store.audit_recent(None, 50).await.unwrap();
    for action in ["staff role", "staff remove"] {
        assert!(
            entries.iter().any(|e| e.action == action),
            "{action} audited"
        );
    }
}

/// Issue 18, item 2: a session belongs to one account for good. Removing
/// it ends its sessions at once (their rows go), a name given again to
/// someone new does not bring them back, and the removed person's browser
/// lands on the sign-in form instead of looping.
#[tokio::test]
async fn a_removed_account_stays_out_even_when_its_name_is_given_again() {
    let site = Site::start().await;
    let secret = site.add_staff("morgan", "dpo");
    let mut old = site.browser();
    assert_eq!(old.sign_in("morgan", &secret).await.status, 303);
    assert_eq!(old.get("/staff/people").await.status, 200);
    let sessions_before = site.count_rows("sessions").await;

    let out = site.cli(&["staff", "remove", "--username", "morgan"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        crate::support::stderr(&out)
    );
    assert_eq!(
        site.count_rows("sessions").await,
        sessions_before - 1,
        "the removed account's session is deleted, not only refused"
    );
    let new_secret = site.add_staff("morgan", "caseworker");
    assert_ne!(new_secret, secret);
    for path in ["/staff", "/staff/people", "/staff/cases"] {
        let page = old.get(path).await;
        assert_eq!(page.status, 303, "{path}");
        assert_eq!(page.location().as_deref(), Some("/staff/sign-in"));
    }
    let sign_in = old.get("/staff/sign-in").await;
    assert_eq!(sign_in.status, 200, "the sign-in form, not a loop");
    assert!(sign_in.body.contains("name=\"username\""));

    // The new morgan signs in for themselves; the old code does not work.
    let mut new = site.browser();
    assert_eq!(new.sign_in("morgan", &secret).await.status, 400);
    assert_eq!(new.sign_in("morgan", &new_secret).await.status, 303);
    assert_eq!(new.get("/staff/cases").await.status, 200);
    assert_eq!(new.get("/staff/people").await.status, 403);
}

/// Issue 18, items 1 and 2 (found in review): a request that loaded the
/// session before a sign-out, and changes it after, cannot write the
/// signed-in session back. Copies of the cookies race the sign-out.
#[tokio::test]
async fn a_request_racing_a_sign_out_cannot_bring_the_session_back() {
    let site = Site::start().await;
    let secret = site.add_staff("rae", "analyst");
    for offset in [-30, 0, 30] {
        let mut b = site.browser();
        let signed_in = b.sign_in_at("rae", &secret, offset).await;
        assert_eq!(signed_in.status, 303, "{offset}: {}", signed_in.body);
        let token = b
            .get("/cookies")
            .await
            .hidden("request_token")
            .unwrap_or_default();
        let stolen = b.jar.clone();
        let mut racers = Vec::new();
        for _ in 0..8 {
            let mut copy = site.browser();
            copy.jar = stolen.clone();
            let token = token.clone();
            racers.push(tokio::spawn(async move {
                copy.post("/cookies", &[("request_token", &token), ("usage", "no")])
                    .await
                    .status
            }));
        }
        let out = b.submit("/staff", "/staff/sign-out", &[]).await;
        assert_eq!(out.status, 303);
        for racer in racers {
            let _ = racer.await;
        }
        let mut thief = site.browser();
        thief.jar = stolen;
        let after = thief.get("/staff").await;
        assert_eq!(after.status, 303, "signed out stays signed out ({offset})");
    }
}

/// Issue 18, item 3: an administrator adding an account never sees its
/// password or authenticator secret, so cannot use it: the new person sets
/// both up from a link emailed to them, which works once.
#[tokio::test]
async fn a_new_colleague_sets_up_their_own_account_from_a_link_that_works_once() {
    let site = Site::start_with(&crate::support::fixture_with_mail_files()).await;
    let secret = site.add_staff("ada", "admin");
    let mut admin = site.browser();
    assert_eq!(admin.sign_in("ada", &secret).await.status, 303);
    let added = admin
        .submit(
            "/staff/accounts",
            "/staff/accounts",
            &[
                ("username", "nia"),
                ("role", "analyst"),
                ("email", "nia@test.example"),
            ],
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert!(added.body.contains("We have emailed them a link"));
    // Until the link is used the account cannot sign in, whatever is typed.
    let mut guess = site.browser();
    assert_eq!(guess.sign_in("nia", &secret).await.status, 400);

    let link = crate::support::enrolment_link(&site, "nia").await;
    let mut nia = site.browser();
    // A weak password or a wrong code is refused, and the link still works.
    let page = nia.get(&link).await;
    assert!(page.body.contains("Set up your staff account"));
    assert!(
        !page.body.contains("otpauth"),
        "opening the link shows no secret"
    );
    let weak = nia
        .submit(
            &link,
            &link,
            &[("password", "password1234"), ("code", "000000")],
        )
        .await;
    assert_eq!(weak.status, 400);
    assert!(
        weak.body.contains("Choose a different password"),
        "{}",
        weak.body
    );
    assert!(
        weak.body.contains("Enter the 6-digit code"),
        "{}",
        weak.body
    );
    let nia_secret = crate::support::enrol(&mut nia, &link, "tarn willow ember lattice").await;
    // Once only.
    let again = nia.get(&link).await;
    assert_eq!(again.status, 410);
    assert!(again.body.contains("expired or has already been used"));
    let replay = nia
        .submit(
            &link,
            &link,
            &[("password", "a different long phrase"), ("code", "123456")],
        )
        .await;
    assert_eq!(replay.status, 410);

    let mut signing_in = site.browser();
    let code = crate::support::totp_code_at(&nia_secret, 30);
    let signed = signing_in
        .submit(
            "/staff/sign-in",
            "/staff/sign-in",
            &[
                ("username", "nia"),
                ("password", "tarn willow ember lattice"),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    assert_eq!(signing_in.get("/staff/statistics").await.status, 200);

    // Nothing of the address is kept once the message has gone, and the
    // audit log says who added whom.
    let (store, _) = site.vault().await;
    let entries = store.audit_recent(None, 50).await.unwrap_or_default();
    assert!(entries.iter().any(|e| e.action == "staff add"
        && e.actor == "staff:ada"
        && e.detail.contains("nia")
        && e.detail.contains("an address at test.example")));
    assert!(
        entries
            .iter()
            .any(|e| e.action == "staff enrolled" && e.actor == "staff:nia")
    );
    store.close().await;
    let bytes = crate::support::database_bytes(&site.data_dir());
    assert!(!crate::support::contains(&bytes, b"nia@test.example"));
    site.server.stop().await;
}

/// Issue 18, item 12: the command line writes while the server is busy
/// writing too, and waits its turn instead of failing with "database is
/// locked".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_commands_succeed_while_the_server_is_writing() {
    let site = Site::start_with_args(
        crate::support::FIXTURE,
        &[
            "--min-fill-seconds",
            "0",
            "--submissions-per-minute",
            "100000",
        ],
    )
    .await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for n in 0..3 {
        let mut b = site.browser();
        let stop = stop.clone();
        writers.push(tokio::spawn(async move {
            let mut sent = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let email = format!("busy{n}-{sent}@example.com");
                if matches!(
                    crate::crash::send_one(&mut b, "Busy Person", &email).await,
                    Ok(Some(_))
                ) {
                    sent += 1;
                }
            }
            sent
        }));
    }
    for n in 0..4 {
        let name = format!("busy-{n}");
        let added = tokio::task::block_in_place(|| {
            site.cli_with_input(
                &[
                    "staff",
                    "add",
                    "--username",
                    &name,
                    "--role",
                    "caseworker",
                    "--password-stdin",
                ],
                crate::support::STAFF_PASSWORD,
            )
        });
        assert_eq!(added.status.code(), Some(0), "{}", stderr(&added));
        let teams = tokio::task::block_in_place(|| {
            site.cli(&["staff", "teams", "--username", &name, "--team", "enquiries"])
        });
        assert_eq!(teams.status.code(), Some(0), "{}", stderr(&teams));
        let role = tokio::task::block_in_place(|| {
            site.cli(&["staff", "role", "--username", &name, "--role", "analyst"])
        });
        assert_eq!(role.status.code(), Some(0), "{}", stderr(&role));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut total = 0;
    for w in writers {
        total += w.await.unwrap_or(0);
    }
    assert!(total > 0, "the server was writing throughout");
}

/// Issue 18, item 6: staff sign-in is limited per connection, like public
/// sign-in, so one connection cannot try a password on many names.
#[tokio::test]
async fn staff_sign_in_is_limited_per_connection() {
    let site =
        Site::start_with_args(crate::support::FIXTURE, &["--submissions-per-minute", "3"]).await;
    let mut b = site.browser();
    for name in ["one", "two", "three"] {
        let page = b.sign_in(name, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").await;
        assert!(page.body.contains("is not right"), "{name}: {}", page.body);
    }
    let fourth = b.sign_in("four", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").await;
    assert_eq!(fourth.status, 400);
    assert!(
        fourth
            .body
            .contains("too many attempts from your connection"),
        "{}",
        fourth.body
    );
}
