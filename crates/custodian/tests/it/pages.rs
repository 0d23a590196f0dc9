use crate::support::Site;

#[tokio::test]
async fn the_notice_is_rendered_from_the_policy() {
    let site = Site::start().await;
    let mut browser = site.browser();
    let home = browser.get("/").await;
    assert_eq!(home.status, 200);
    for link in [
        "href=\"/privacy\"",
        "href=\"/cookies\"",
        "href=\"/accessibility\"",
        "href=\"/privacy/versions\"",
    ] {
        assert!(home.body.contains(link), "home links {link}");
    }
    let privacy = browser.get("/privacy").await;
    for expected in [
        "Test Department",                                               // who we are
        "Contact details",                                               // what we collect
        "Answering your questions",                                      // why
        "Public task (Article 6(1)(e))",                                 // lawful basis
        "1 year after the case is closed",                               // how long
        "Other government departments, only if you give us permission",  // who receives it, when
        "The web server deletes its logs of IP addresses after 30 days", // IP logs
        "<code>usage_id</code>",                                         // cookies
        "object to how we use your information",                         // rights (public task)
        "mailto:privacy@test.example",                                   // contact
        "dpo@test.example",                                              // DPO
        "ico.org.uk/make-a-complaint",                                   // complain to the ICO
        "Changes to this notice",                                        // free-text section
        "Version 1, published",                                          // version and date
    ] {
        assert!(
            privacy.body.contains(expected),
            "/privacy lacks {expected:?}"
        );
    }
    site.server.stop().await;
}

#[tokio::test]
async fn privacy_json_is_machine_readable_with_dpv_terms() {
    let site = Site::start().await;
    let page = site.browser().get("/privacy.json").await;
    assert!(
        page.header("content-type")
            .is_some_and(|c| c.starts_with("application/json"))
    );
    let json: serde_json::Value = serde_json::from_str(&page.body).unwrap_or_default();
    assert_eq!(json["@context"]["dpv"], "https://w3id.org/dpv#");
    assert_eq!(json["controller"]["name"], "Test Department");
    let purpose = &json["purposes"][0];
    assert_eq!(purpose["id"], "answer_enquiries");
    assert_eq!(purpose["lawful_basis"]["dpv"], "eu-gdpr:A6-1-e");
    assert_eq!(purpose["dpv"], "dpv:CustomerCare");
    assert_eq!(purpose["retention"]["after"], "case_closed");
    assert_eq!(json["categories"][0]["dpv"], "pd:Contact");
    assert_eq!(json["recipients"][0]["dpv"], "dpv:GovernmentalOrganisation");
    assert_eq!(json["cookies"].as_array().map(Vec::len), Some(4));
    assert_eq!(json["version"]["sequence"], 1);
    site.server.stop().await;
}

#[tokio::test]
async fn unknown_routes_get_a_404_page_in_the_site_layout() {
    let site = Site::start().await;
    let page = site.browser().get("/no/such/page").await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("Page not found"));
    assert!(page.body.contains("govuk-generic-header"), "in the layout");
    assert!(
        page.body.contains("href=\"/privacy\""),
        "footer links the notice"
    );
    site.server.stop().await;
}

#[tokio::test]
async fn an_oversized_body_gets_a_413_page_and_changes_nothing() {
    let site = Site::start().await;
    let mut browser = site.browser();
    let token = browser
        .get("/cookies")
        .await
        .hidden("request_token")
        .unwrap_or_default();
    let big = "x".repeat(100 * 1024);
    let page = browser
        .post(
            "/cookies",
            &[
                ("request_token", &token),
                ("usage", "yes"),
                ("filler", &big),
            ],
        )
        .await;
    assert_eq!(page.status, 413);
    assert!(page.body.contains("What you sent is too large"));
    assert!(page.cookie("cookie_preferences").is_none());
    site.server.stop().await;
}

#[tokio::test]
async fn the_accessibility_statement_is_served() {
    let site = Site::start().await;
    let page = site.browser().get("/accessibility").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Accessibility statement"));
    assert!(page.body.contains("WCAG"));
    site.server.stop().await;
}

#[tokio::test]
async fn a_failure_gets_the_500_page_and_reveals_nothing() {
    let site = Site::start().await;
    site.sabotage("DROP TABLE policy_versions").await;
    let page = site.browser().get("/privacy/versions").await;
    assert_eq!(page.status, 500);
    assert!(
        page.body
            .contains("Sorry, there is a problem with the service")
    );
    assert!(page.body.contains("govuk-generic-header"), "in the layout");
    for detail in [
        "policy_versions",
        "no such table",
        "relation",
        "sqlx",
        "error returned",
    ] {
        assert!(!page.body.contains(detail), "the page reveals {detail:?}");
    }
    assert!(
        site.server.log().contains("request failed"),
        "the cause goes to the log"
    );
    site.server.stop().await;
}
