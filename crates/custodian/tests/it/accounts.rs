//! Public accounts over HTTP, with mail delivered to a real SMTP server on
//! loopback: register, confirm, sign in, carry a form draft into the
//! account, reset and change the password, change the address, delete.

use crate::support::{Browser, Site, SmtpServer, fixture_with_accounts, link_in};

const PASSWORD: &str = "marble kettle orbit";

async fn site_with_accounts(smtp: &SmtpServer) -> Site {
    Site::start_with_args(
        &fixture_with_accounts(smtp.port),
        &["--min-fill-seconds", "0", "--mail-interval", "1"],
    )
    .await
}

async fn mail_to(smtp: &SmtpServer, to: &str, subject: &str) -> String {
    smtp.message_to(to, subject).await
}

/// Register; the status, 200 when the reply is "Check your email" naming
/// the address (whether or not it already had an account).
async fn register(b: &mut Browser, email: &str, username: &str, password: &str) -> u16 {
    let page = b
        .submit(
            "/account/register",
            "/account/register",
            &[
                ("email", email),
                ("username", username),
                ("password", password),
            ],
        )
        .await;
    if page.status == 200 {
        assert!(page.body.contains("Check your email"), "{}", page.body);
        assert!(
            page.body.contains(&format!(
                "<strong class=\"app-break-words\">{}</strong>",
                email.trim()
            )),
            "the page names the address: {}",
            page.body
        );
    }
    page.status
}

/// Register and follow the confirmation link.
async fn registered(site: &Site, smtp: &SmtpServer, email: &str, username: &str) -> Browser {
    let mut b = site.browser();
    assert_eq!(register(&mut b, email, username, PASSWORD).await, 200);
    let mail = mail_to(smtp, email, "Confirm your email address").await;
    let link = link_in(&mail, "/account/confirm/").unwrap_or_default();
    let done = b.submit(&link, &link, &[]).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Your email address is confirmed"));
    b
}

async fn sign_in(b: &mut Browser, login: &str, password: &str) -> crate::support::Page {
    b.submit(
        "/account/sign-in",
        "/account/sign-in",
        &[("login", login), ("password", password)],
    )
    .await
}

async fn account_count(site: &Site) -> i64 {
    site.count_rows("accounts").await
}

#[tokio::test]
async fn a_person_registers_confirms_by_email_signs_in_and_signs_out() {
    let smtp = SmtpServer::start().await;
    let site = site_with_accounts(&smtp).await;
    let mut b = site.browser();
    assert_eq!(
        register(&mut b, "Robin@Example.com", "robin", PASSWORD).await,
        200
    );
    let mail = mail_to(&smtp, "Robin@Example.com", "Confirm your email address").await;
    let link = link_in(&mail, "/account/confirm/").unwrap_or_default();
    assert_eq!(link.len(), "/account/confirm/".len() + 43, "{link}");

    // Not confirmed yet: sign-in says what to do.
    let early = sign_in(&mut b, "robin", PASSWORD).await;
    assert_eq!(early.status, 400);
    assert!(early.body.contains("confirm your email address first"));

    // Opening the link uses nothing up; pressing the button does, once.
    assert_eq!(b.get(&link).await.status, 200);
    let confirmed = b.submit(&link, &link, &[]).await;
    assert!(confirmed.body.contains("Your email address is confirmed"));
    let again = b.submit(&link, &link, &[]).await;
    assert_eq!(again.status, 400);
    assert!(again.body.contains("already confirmed"));

    let before = b.jar.get("custodian_session").cloned();
    let signed_in = sign_in(&mut b, "robin@example.com", PASSWORD).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    assert_eq!(signed_in.location().as_deref(), Some("/account"));
    // The session id changed at sign-in, and the status cookie holds only
    // a random value.
    assert_ne!(b.jar.get("custodian_session").cloned(), before);
    let status = signed_in.cookie("custodian_status").cloned();
    let Some(status) = status else {
        panic!("no status cookie: {:?}", signed_in.set_cookies)
    };
    assert_eq!(status.value.len(), 64);
    assert!(status.value.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(status.has("httponly") && status.attribute("samesite").as_deref() == Some("lax"));

    let account = b.get("/account").await;
    assert_eq!(account.status, 200);
    assert!(account.body.contains("Robin@Example.com"));
    assert!(account.body.contains(">robin<"));
    assert!(
        account
            .header("cache-control")
            .is_some_and(|v| v.contains("no-store"))
    );

    // Without the status cookie the sign-in does not count.
    let mut thief = site.browser();
    if let Some(session) = b.jar.get("custodian_session") {
        thief
            .jar
            .insert("custodian_session".into(), session.clone());
    }
    let refused = thief.get("/account").await;
    assert_eq!(refused.status, 303);
    assert_eq!(refused.location().as_deref(), Some("/account/sign-in"));
    // And the sign-in is over for the browser it was taken from, too.
    assert_eq!(b.get("/account").await.status, 303);
    assert_eq!(sign_in(&mut b, "robin", PASSWORD).await.status, 303);

    // The value typed at registration never reaches the database in plain.
    let bytes = crate::support::database_bytes(&site.data_dir());
    for secret in ["Robin@Example.com", "robin@example.com", PASSWORD] {
        assert!(
            !crate::support::contains(&bytes, secret.as_bytes()),
            "{secret} on disk"
        );
    }

    let out = b.submit("/account", "/account/sign-out", &[]).await;
    assert_eq!(out.status, 303);
    assert!(
        out.cookie("custodian_status")
            .is_some_and(|c| c.value.is_empty())
    );
    assert_eq!(b.get("/account").await.status, 303);
}

#[tokio::test]
async fn registering_again_with_an_address_that_has_an_account_looks_like_success() {
    let smtp = SmtpServer::start().await;
    let site = site_with_accounts(&smtp).await;
    registered(&site, &smtp, "kim@example.com", "kim").await;
    let mut other = site.browser();
    let again = register(&mut other, "kim@example.com", "someone", PASSWORD).await;
    assert_eq!(again, 200, "the same reply as success");
    let mail = mail_to(&smtp, "kim@example.com", "You already have").await;
    assert!(link_in(&mail, "/account/reset-password").is_some());
    assert_eq!(account_count(&site).await, 1, "no second account");

    // A taken user name is named, and nothing is stored.
    let mut third = site.browser();
    let taken = third
        .submit(
            "/account/register",
            "/account/register",
            &[
                ("email", "new@example.com"),
                ("username", "KIM"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(taken.status, 400);
    assert!(taken.body.contains("That user name is taken"));
    assert_eq!(account_count(&site).await, 1);
}

#[tokio::test]
async fn bad_registrations_get_specific_errors_and_store_nothing() {
    let smtp = SmtpServer::start().await;
    let site = site_with_accounts(&smtp).await;
    let mut b = site.browser();
    for (email, username, password, expect) in [
        (
            "not an address",
            "sam",
            PASSWORD,
            "Enter an email address in the correct format",
        ),
        ("", "sam", PASSWORD, "Enter your email address"),
        (
            "sam@example.com",
            "s",
            PASSWORD,
            "between 3 and 30 characters",
        ),
        (
            "sam@example.com",
            "sam@home",
            PASSWORD,
            "must only include letters",
        ),
        ("sam@example.com", "sam", "short", "8 characters or more"),
        ("sam@example.com", "sam", "password123", "many people use"),
        (
            "sam@example.com",
            "samuel",
            "samuel2024",
            "user name or email address",
        ),
    ] {
        let page = b
            .submit(
                "/account/register",
                "/account/register",
                &[
                    ("email", email),
                    ("username", username),
                    ("password", password),
                ],
            )
            .await;
        assert_eq!(page.status, 400, "{email} {username} {password}");
        assert!(page.body.contains(expect), "{expect}: {}", page.body);
        assert!(page.body.contains("There is a problem"));
        // What was typed comes back, but never the password.
        if !email.is_empty() {
            assert!(page.body.contains(&format!("value=\"{email}\"")));
        }
        assert!(!page.body.contains(&format!("value=\"{password}\"")));
    }
    assert_eq!(account_count(&site).await, 0);
}

#[tokio::test]
async fn sign_in_is_throttled_and_says_nothing_about_which_part_was_wrong() {
    let smtp = SmtpServer::start().await;
    let site = site_with_accounts(&smtp).await;
    registered(&site, &smtp, "lee@example.com", "lee").await;
    let mut b = site.browser();
    let unknown = sign_in(&mut b, "nobody", PASSWORD).await;
    let wrong = sign_in(&mut b, "lee", "not the password").await;
    for page in [&unknown, &wrong] {
        assert_eq!(page.status, 400);
        assert!(
            page.body
                .contains("The email address, user name or password is not right")
        );
    }
    // Both refusals are in the audit log; the unknown name is not.
    assert_eq!(
        site.count_rows("audit_log WHERE action = 'sign in refused' AND actor = 'account:(unknown name)' AND subject IS NULL")
            .await,
        1
    );
    assert_eq!(
        site.count_rows("audit_log WHERE action = 'sign in refused' AND actor LIKE 'account:%' AND subject IS NOT NULL")
            .await,
        1
    );
    assert_eq!(
        site.count_rows("audit_log WHERE actor LIKE '%nobody%' OR detail LIKE '%nobody%'")
            .await,
        0
    );
    for _ in 0..4 {
        sign_in(&mut b, "lee", "not the password").await;
    }
    let throttled = sign_in(&mut b, "lee", PASSWORD).await;
    assert_eq!(throttled.status, 400);
    assert!(throttled.body.contains("too many attempts"));
    assert_eq!(
        site.count_rows("audit_log WHERE action = 'sign in refused' AND detail = 'too many attempts' AND subject IS NOT NULL")
            .await,
        1
    );
}

#[tokio::test]
async fn a_form_started_anonymously_continues_in_the_account_after_sign_in() {
    let smtp = SmtpServer::start().await;
    let site = site_with_accounts(&smtp).await;
    registered(&site, &smtp, "ash@example.com", "ash").await;
    let mut b = site.browser();
    let first = b
        .submit(
            "/forms/contact/name",
            "/forms/contact/name",
            &[("name", "Ash Draftwell")],
        )
        .await;
    assert_eq!(first.status, 303);
    let back = b.get("/forms/contact/name").await;
    assert!(back.body.contains("Ash Draftwell"));

    let signed_in = b
        .submit(
            "/account/sign-in?return=/forms/contact/name",
            "/account/sign-in",
            &[
                ("login", "ash"),
                ("password", PASSWORD),
                ("return", "/forms/contact/name"),
            ],
        )
        .await;
    assert_eq!(signed_in.location().as_deref(), Some("/forms/contact/name"));
    let continued = b.get("/forms/contact/name").await;
    assert!(
        continued.body.contains("Ash Draftwell"),
        "the draft came along"
    );
    let account = b.get("/account").await;
    assert!(account.body.contains("Carry on with"));

    for (path, fields) in [
        (
            "/forms/contact/email",
            vec![("email", "ash.other@example.com")],
        ),
        (
            "/forms/contact/message",
            vec![("topic", "rights"), ("message", "Sent while signed in")],
        ),
        ("/forms/contact/permission", vec![("forward", "no")]),
    ] {
        assert_eq!(b.submit(path, path, &fields).await.status, 303, "{path}");
    }
    let sent = b
        .submit("/forms/contact/check", "/forms/contact/check", &[])
        .await;
    assert_eq!(sent.status, 303);
    let confirmation = b.get("/forms/contact/sent").await;
    let reference = confirmation
        .body
        .split("id=\"reference\">")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .unwrap_or_default()
        .to_owned();
    assert!(!reference.is_empty());
    let account = b.get("/account").await;
    assert!(
        account.body.contains(&reference),
        "the case is the account's"
    );
    assert!(!account.body.contains("Carry on with"));

    // Signing out leaves nothing of the account in this browser.
    b.submit("/account", "/account/sign-out", &[]).await;
    let after = b.get("/forms/contact/name").await;
    assert!(!after.body.contains("Ash Draftwell"));
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_a_link_that_works_once() {
    let smtp = SmtpServer::start().await;
    let site = site_with_accounts(&smtp).await;
    let mut elsewhere = registered(&site, &smtp, "jo@example.com", "jojo").await;
    assert_eq!(sign_in(&mut elsewhere, "jojo", PASSWORD).await.status, 303);

    let mut b = site.browser();
    // An address with no account gets the same page, and no message.
    let none = b
        .submit(
            "/account/reset-password",
            "/account/reset-password",
            &[("email", "nobody@example.com")],
        )
        .await;
    let asked = b
        .submit(
            "/account/reset-password",
            "/account/reset-password",
            &[("email", "JO@example.com")],
        )
        .await;
    assert_eq!(none.status, 200);
    assert_eq!(asked.status, 200);
    assert_eq!(
        none.body.replace("nobody@example.com", ""),
        asked.body.replace("JO@example.com", "")
    );
    assert!(
        asked
            .body
            .contains("<strong class=\"app-break-words\">JO@example.com</strong>"),
        "the page names the address: {}",
        asked.body
    );
    let mail = mail_to(&smtp, "JO@example.com", "Reset your").await;
    let link = link_in(&mail, "/account/reset-password/").unwrap_or_default();
    assert!(
        smtp.messages()
            .iter()
            .all(|m| !m.contains("To: nobody@example.com"))
    );

    // A password that will not do leaves the link working.
    let weak = b.submit(&link, &link, &[("password", "qwerty123")]).await;
    assert_eq!(weak.status, 400);
    assert!(weak.body.contains("many people use"));
    let reset = b
        .submit(&link, &link, &[("password", "copper lantern meadow")])
        .await;
    assert_eq!(reset.status, 303, "{}", reset.body);
    let reused = b
        .submit(&link, &link, &[("password", "another fine phrase")])
        .await;
    assert_eq!(reused.status, 400);
    assert!(reused.body.contains("This link has expired"));
    assert!(reused.body.contains("Get a new link"));

    assert_eq!(sign_in(&mut b, "jojo", PASSWORD).await.status, 400);
    assert_eq!(
        sign_in(&mut b, "jojo", "copper lantern meadow")
            .await
            .status,
        303
    );
    // The session signed in before the reset no longer counts.
    assert_eq!(elsewhere.get("/account").await.status, 303);
}

#[tokio::test]
async fn a_new_address_takes_effect_only_when_confirmed_and_the_old_one_is_told() {
    let smtp = SmtpServer::start().await;
    let site = site_with_accounts(&smtp).await;
    let mut b = registered(&site, &smtp, "old@example.com", "mover").await;
    sign_in(&mut b, "mover", PASSWORD).await;
    let bad = b
        .submit(
            "/account/change-email",
            "/account/change-email",
            &[("email", "nope")],
        )
        .await;
    assert_eq!(bad.status, 400);
    // The current password is asked again, and nothing is sent without it.
    for (typed, says) in [
        ("", "Enter your current password"),
        ("not my password", "Your current password is not right"),
    ] {
        let refused = b
            .submit(
                "/account/change-email",
                "/account/change-email",
                &[("email", "new@example.com"), ("current", typed)],
            )
            .await;
        assert_eq!(refused.status, 400);
        assert!(refused.body.contains(says), "{}", refused.body);
    }
    let asked = b
        .submit(
            "/account/change-email",
            "/account/change-email",
            &[("email", "new@example.com"), ("current", PASSWORD)],
        )
        .await;
    assert_eq!(asked.status, 303);
    let page = b.get("/account").await;
    assert!(
        page.body.contains("old@example.com"),
        "unchanged until confirmed"
    );
    let mail = mail_to(&smtp, "new@example.com", "Confirm your new email address").await;
    let link = link_in(&mail, "/account/confirm-email/").unwrap_or_default();
    let done = b.submit(&link, &link, &[]).await;
    assert_eq!(done.status, 200, "{}", done.body);
    mail_to(&smtp, "old@example.com", "email address has changed").await;
    assert_eq!(
        sign_in(&mut b, "old@example.com", PASSWORD).await.status,
        400
    );
    assert_eq!(
        sign_in(&mut b, "new@example.com", PASSWORD).await.status,
        303
    );
    assert!(b.get("/account").await.body.contains("new@example.com"));
}

#[tokio::test]
async fn deleting_an_account_erases_it_through_the_vault() {
    let smtp = SmtpServer::start().await;
    let site = site_with_accounts(&smtp).await;
    let mut b = registered(&site, &smtp, "del@example.com", "leaver").await;
    sign_in(&mut b, "leaver", PASSWORD).await;
    let confirm = b.get("/account/delete").await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains("You cannot undo this"));
    // Without the password, nothing is deleted.
    let refused = b.submit("/account/delete", "/account/delete", &[]).await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("Enter your current password"));
    assert_eq!(account_count(&site).await, 1);
    let deleted = b
        .submit(
            "/account/delete",
            "/account/delete",
            &[("current", PASSWORD)],
        )
        .await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert!(deleted.body.contains("Your account has been deleted"));
    assert_eq!(account_count(&site).await, 0);
    let (_, vault) = site.vault().await;
    assert!(
        vault
            .find_by_email("del@example.com")
            .await
            .ok()
            .flatten()
            .is_none()
    );
    assert_eq!(sign_in(&mut b, "leaver", PASSWORD).await.status, 400);
    // The name is free again.
    let mut again = site.browser();
    assert_eq!(
        register(&mut again, "del2@example.com", "leaver", PASSWORD).await,
        200
    );
}

#[tokio::test]
async fn an_unconfirmed_account_goes_when_its_link_expires_and_a_dormant_one_after_its_period() {
    let smtp = SmtpServer::start().await;
    let site = site_with_accounts(&smtp).await;
    let mut b = site.browser();
    assert_eq!(
        register(&mut b, "late@example.com", "latecomer", PASSWORD).await,
        200
    );
    registered(&site, &smtp, "kept@example.com", "keeper").await;
    let (_, vault) = site.vault().await;
    let now = crate::support::now();
    // The unconfirmed account's three records are due when its link
    // expires; the confirmed one's only two years after it was last used.
    let due = vault
        .retention_due(now + 24 * 60 * 60 + 60)
        .await
        .unwrap_or_default();
    assert_eq!(due.len(), 3, "{due:?}");
    assert!(due.iter().all(|d| d.source.starts_with("account:")));
    let run = vault.enforce_retention(now + 24 * 60 * 60 + 60).await;
    assert_eq!(run.map(|r| r.records_deleted).unwrap_or(0), 3);
    assert_eq!(
        account_count(&site).await,
        1,
        "only the confirmed account is left"
    );
    // The name of the lapsed one is free again.
    let mut again = site.browser();
    assert_eq!(
        register(&mut again, "late2@example.com", "latecomer", PASSWORD).await,
        200
    );

    let two_years = 2 * 366 * 24 * 60 * 60;
    let due = vault
        .retention_due(now + two_years)
        .await
        .unwrap_or_default();
    assert!(due.len() >= 3, "the dormant account is due: {due:?}");
    let _ = vault.enforce_retention(now + two_years).await;
    assert_eq!(account_count(&site).await, 0);
}

#[tokio::test]
async fn sign_in_is_limited_per_connection_as_well_as_per_account() {
    let smtp = SmtpServer::start().await;
    let site = Site::start_with_args(
        &fixture_with_accounts(smtp.port),
        &["--min-fill-seconds", "0", "--submissions-per-minute", "3"],
    )
    .await;
    let mut b = site.browser();
    // Three different accounts tried from one connection, then a fourth.
    for name in ["one", "two", "three"] {
        let page = sign_in(&mut b, name, "a guess at a password").await;
        assert!(page.body.contains("is not right"), "{name}");
    }
    let fourth = sign_in(&mut b, "four", "a guess at a password").await;
    assert_eq!(fourth.status, 400);
    assert!(
        fourth
            .body
            .contains("too many attempts from your connection")
    );
}

#[tokio::test]
async fn a_signed_in_person_sees_their_data_without_a_code() {
    let smtp = SmtpServer::start().await;
    let site = site_with_accounts(&smtp).await;
    let mut b = registered(&site, &smtp, "noor@example.com", "noor").await;
    assert_eq!(sign_in(&mut b, "noor", PASSWORD).await.status, 303);
    let start = b.get("/your-data").await;
    assert!(
        start.body.contains("you do not need a code"),
        "{}",
        start.body
    );
    let sent_before = smtp.messages().len();
    let shown = b.submit("/your-data", "/your-data/account", &[]).await;
    assert_eq!(shown.location().as_deref(), Some("/your-data/held"));
    let held = b.get("/your-data/held").await;
    assert!(held.body.contains("noor@example.com"), "{}", held.body);
    assert!(held.body.contains("Your account"));
    assert_eq!(smtp.messages().len(), sent_before, "no code was sent");

    // Signed out, the same button only leads back to the start.
    let mut stranger = site.browser();
    let refused = stranger
        .submit("/your-data", "/your-data/account", &[])
        .await;
    assert_eq!(refused.location().as_deref(), Some("/your-data"));
    assert!(
        !stranger
            .get("/your-data/held")
            .await
            .body
            .contains("noor@example.com")
    );
}

/// Issue 18, item 1: a "your data" proof made through an account is a
/// privilege of the sign-in, and ends with it: on sign-out, and when the
/// password changes in another browser.
#[tokio::test]
async fn signing_out_or_a_password_change_ends_the_your_data_proof_made_through_the_account() {
    let smtp = SmtpServer::start().await;
    let site = site_with_accounts(&smtp).await;
    let mut b = registered(&site, &smtp, "ash@example.com", "ash").await;
    assert_eq!(sign_in(&mut b, "ash", PASSWORD).await.status, 303);
    let proven = b.submit("/your-data", "/your-data/account", &[]).await;
    assert_eq!(proven.location().as_deref(), Some("/your-data/held"));
    assert!(
        b.get("/your-data/held")
            .await
            .body
            .contains("ash@example.com")
    );

    let out = b.submit("/account", "/account/sign-out", &[]).await;
    assert_eq!(out.status, 303);
    for path in crate::support::PORTAL_PAGES {
        let page = b.get(path).await;
        assert_eq!(page.status, 303, "{path} after sign-out");
        assert_eq!(page.location().as_deref(), Some("/your-data"), "{path}");
        assert!(!page.body.contains("ash@example.com"));
    }
    let erase = b.submit("/your-data", "/your-data/delete", &[]).await;
    assert_eq!(erase.location().as_deref(), Some("/your-data"));
    assert_eq!(account_count(&site).await, 1, "nothing was erased");

    // A proof in one browser ends when the password changes in another,
    // and the owner is told by email.
    let mut other = site.browser();
    assert_eq!(sign_in(&mut other, "ash", PASSWORD).await.status, 303);
    other.submit("/your-data", "/your-data/account", &[]).await;
    assert_eq!(other.get("/your-data/held").await.status, 200);
    assert_eq!(sign_in(&mut b, "ash", PASSWORD).await.status, 303);
    let changed = b
        .submit(
            "/account/change-password",
            "/account/change-password",
            &[("current", PASSWORD), ("password", "lantern meadow quartz")],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    let held = other.get("/your-data/held").await;
    assert_eq!(held.location().as_deref(), Some("/your-data"));
    assert_eq!(other.get("/account").await.status, 303);
    mail_to(&smtp, "ash@example.com", "password has changed").await;
}

/// Issue 18, item 5: the current password is asked before a dangerous
/// change, and guessing it there counts against the sign-in throttle, for
/// the user name and the address alike.
#[tokio::test]
async fn guessing_the_current_password_shares_the_sign_in_throttle() {
    let smtp = SmtpServer::start().await;
    let site = site_with_accounts(&smtp).await;
    let mut b = registered(&site, &smtp, "kit@example.com", "kit").await;
    assert_eq!(sign_in(&mut b, "kit", PASSWORD).await.status, 303);
    let mut last = String::new();
    for n in 0..6 {
        let guess = format!("guess number {n}");
        let page = b
            .submit(
                "/account/change-password",
                "/account/change-password",
                &[
                    ("current", guess.as_str()),
                    ("password", "lantern meadow quartz"),
                ],
            )
            .await;
        assert_eq!(page.status, 400);
        last = page.body;
    }
    assert!(last.contains("too many wrong passwords"), "{last}");
    // Even the right password waits now, here and at sign-in, whichever
    // name is typed.
    let right = b
        .submit(
            "/account/change-password",
            "/account/change-password",
            &[("current", PASSWORD), ("password", "lantern meadow quartz")],
        )
        .await;
    assert_eq!(right.status, 400);
    let mut elsewhere = site.browser();
    for login in ["kit", "kit@example.com"] {
        let page = sign_in(&mut elsewhere, login, PASSWORD).await;
        assert_eq!(page.status, 400, "{login}");
        assert!(page.body.contains("too many attempts"), "{login}");
    }
    let (store, _) = site.vault().await;
    let refused = store
        .audit_recent(None, 50)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e.action == "re-authentication refused")
        .count();
    assert!(refused >= 6, "each wrong guess is audited: {refused}");
}

/// Issue 18, item 6: wrong passwords slow only the connection they come
/// from (an IPv6 address counted by its /64), so nobody can lock a named
/// person out; the wait grows from a minute.
#[tokio::test]
async fn wrong_passwords_slow_only_their_own_connection_counted_by_its_64() {
    let smtp = SmtpServer::start().await;
    let config = crate::support::behind_a_proxy(&fixture_with_accounts(smtp.port));
    let site = Site::start_with_args(
        &config,
        &["--min-fill-seconds", "0", "--mail-interval", "1"],
    )
    .await;
    let mut owner = registered(&site, &smtp, "lee@example.com", "lee").await;
    let mut attacker = site.browser();
    attacker.coming_from("2001:db8:1:2::1");
    for n in 0..5 {
        let guess = format!("not lee's password {n}");
        let page = sign_in(&mut attacker, "lee@example.com", &guess).await;
        assert!(page.body.contains("is not right"), "{n}: {}", page.body);
    }
    // Another address in the same /64 is the same connection, and the user
    // name counts with the address.
    attacker.coming_from("2001:db8:1:2:ffff::9");
    let waiting = sign_in(&mut attacker, "lee", PASSWORD).await;
    assert_eq!(waiting.status, 400);
    assert!(waiting.body.contains("Wait 1 minute"), "{}", waiting.body);
    // The person, from their own connection, is not held back.
    owner.coming_from("198.51.100.20");
    assert_eq!(sign_in(&mut owner, "lee", PASSWORD).await.status, 303);
    // Nor is the next /64 along.
    let mut neighbour = site.browser();
    neighbour.coming_from("2001:db8:1:3::1");
    let page = sign_in(&mut neighbour, "lee", "a wrong password").await;
    assert!(page.body.contains("is not right"), "{}", page.body);
}

/// Issue 18, item 6: anyone can ask for a link to be sent to any address,
/// so one address gets at most three an hour; the page looks the same.
#[tokio::test]
async fn an_address_gets_at_most_three_links_an_hour() {
    let smtp = SmtpServer::start().await;
    let site = site_with_accounts(&smtp).await;
    registered(&site, &smtp, "flood@example.com", "flood").await;
    let mut b = site.browser();
    for _ in 0..5 {
        let page = b
            .submit(
                "/account/reset-password",
                "/account/reset-password",
                &[("email", "Flood@Example.com")],
            )
            .await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("Check your email"));
    }
    // The confirmation link was the first this hour; two resets follow it.
    smtp.wait_for(3).await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let resets = smtp
        .messages()
        .iter()
        .filter(|m| m.contains("Reset your"))
        .count();
    assert_eq!(
        resets, 2,
        "three links in the hour, the confirmation included"
    );
}
