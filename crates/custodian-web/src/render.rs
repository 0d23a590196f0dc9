//! Templates and the Markdown the notice is written in.

use minijinja::{Environment, Value};
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, html};
use time::OffsetDateTime;

/// GOV.UK Frontend's body snippet: marks the page as scriptable so
/// components enhance. It is the one inline script, allowed by its hash.
pub const BODY_CLASS_SCRIPT: &str = "document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');";
pub const BODY_CLASS_SCRIPT_HASH: &str = "sha256-GUQ5ad8JK5KmEWmROf3LZd9ge94daqNvd8xy9YS1iDw=";

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates![
    "layout.html",
    "help_now.html",
    "your_data/link.html",
    "updates/age.html",
    "updates/held.html",
    "pages/cookie_banner.html",
    "pages/home.html",
    "pages/privacy.html",
    "pages/notice_body.html",
    "pages/versions.html",
    "pages/version.html",
    "pages/cookies.html",
    "pages/cookie_table.html",
    "pages/accessibility.html",
    "error.html",
    "pages/standalone_notice.html",
    "pages/standalone_ropa.html",
    "staff/disclosures.html",
    "staff/disclosure.html",
    "staff/disclosure_new.html",
    "staff/requests.html",
    "staff/request_new.html",
    "staff/request.html",
    "your_data/start.html",
    "your_data/code.html",
    "your_data/held.html",
    "campaigns/campaign.html",
    "your_data/correct.html",
    "your_data/requested.html",
    "your_data/delete.html",
    "your_data/deleted.html",
    "error_summary.html",
    "kept_items.html",
    "staff/sign_in.html",
    "staff/home.html",
    "staff/audit.html",
    "staff/people.html",
    "staff/person.html",
    "staff/erase_confirm.html",
    "staff/erased.html",
    "staff/retention.html",
    "staff/accounts.html",
    "staff/account_added.html",
    "staff/enrol.html",
    "staff/enrolled.html",
    "staff/keys.html",
    "staff/mail.html",
    "forms/index.html",
    "forms/start.html",
    "forms/fields.html",
    "honeypot.html",
    "forms/page.html",
    "forms/check.html",
    "forms/sent.html",
    "forms/held.html",
    "forms/guardian_permission.html",
    "forms/guardian_decided.html",
    "staff/cases.html",
    "staff/case.html",
    "staff/consultations.html",
    "staff/consultation.html",
    "staff/statistics.html",
    "accounts/fields.html",
    "accounts/register.html",
    "accounts/check_email.html",
    "accounts/confirm.html",
    "accounts/confirmed.html",
    "accounts/sign_in.html",
    "accounts/reset_request.html",
    "accounts/reset_sent.html",
    "accounts/reset_new.html",
    "accounts/change_password.html",
    "accounts/change_email.html",
    "accounts/email_changed.html",
    "accounts/account.html",
    "accounts/delete.html",
    "accounts/deleted.html",
    "updates/topic_checkboxes.html",
    "updates/subscribe.html",
    "updates/check_email.html",
    "updates/confirm.html",
    "updates/confirmed.html",
    "updates/manage.html",
    "updates/unsubscribe.html",
    "updates/unsubscribed.html",
    "staff/updates.html",
    "staff/update_new.html",
    "staff/update.html",
];

pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn new() -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        env.add_global(
            "body_class_script",
            Value::from_safe_string(BODY_CLASS_SCRIPT.to_owned()),
        );
        Ok(Templates { env })
    }

    pub fn render(&self, name: &str, context: Value) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(context)
    }
}

/// "22 November 2026", as GOV.UK style writes dates.
pub fn format_date(unix: i64) -> String {
    let Ok(t) = OffsetDateTime::from_unix_timestamp(unix) else {
        return String::new();
    };
    let format = time::macros::format_description!("[day padding:none] [month repr:long] [year]");
    t.format(&format).unwrap_or_default()
}

/// Where Markdown comes from, which decides the one thing that differs:
/// whether a heading may keep an `{#id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkdownSource {
    /// The generated notice: its headings carry the ids its contents list
    /// links to. Only a plain id survives; classes and attributes never.
    Notice,
    /// Anything a person wrote (an update, a form's introduction, the
    /// accessibility statement): no attribute syntax is read at all, so
    /// `{onclick=...}` stays visible text.
    Written,
}

/// Markdown to HTML, the one renderer every path uses (pages, previews,
/// emails, `policy render --format html`). Raw HTML is shown as text,
/// never interpreted; no attribute reaches the output but a notice
/// heading's plain id; links may only go to web, mail or telephone
/// addresses or this site; images are dropped.
pub fn markdown(markdown: &str, source: MarkdownSource) -> String {
    let options = match source {
        MarkdownSource::Notice => Options::ENABLE_TABLES | Options::ENABLE_HEADING_ATTRIBUTES,
        MarkdownSource::Written => Options::ENABLE_TABLES,
    };
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        // No images from operator Markdown: they could load from anywhere
        // (the standalone page has no Content-Security-Policy). The alt
        // text still shows.
        Event::Start(Tag::Image { .. }) | Event::End(pulldown_cmark::TagEnd::Image) => {
            Event::Text(CowStr::Borrowed(""))
        }
        Event::Start(Tag::Heading { level, id, .. }) => Event::Start(Tag::Heading {
            level,
            id: id.filter(|id| plain_id(id)),
            classes: Vec::new(),
            attrs: Vec::new(),
        }),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) if !safe_link(&dest_url) => Event::Start(Tag::Link {
            link_type,
            dest_url: CowStr::Borrowed("#"),
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut out, events);
    out
}

/// The notice's Markdown to HTML.
pub fn markdown_to_html(notice: &str) -> String {
    markdown(notice, MarkdownSource::Notice)
}

/// Markdown a person wrote, to HTML.
pub fn written_markdown_to_html(text: &str) -> String {
    markdown(text, MarkdownSource::Written)
}

/// Markdown as plain text for an email's text body: a link becomes its
/// words followed by its address in brackets.
pub fn markdown_to_plain_text(text: &str) -> String {
    let mut out = String::new();
    let mut link: Option<String> = None;
    for event in Parser::new(text) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::Start(Tag::Link { dest_url, .. }) => link = Some(dest_url.to_string()),
            Event::End(pulldown_cmark::TagEnd::Link) => {
                if let Some(url) = link.take() {
                    out.push_str(&format!(" ({url})"));
                }
            }
            Event::End(pulldown_cmark::TagEnd::Paragraph) => out.push_str("\n\n"),
            _ => {}
        }
    }
    out.trim().to_owned()
}

/// An id the notice generator writes: lower-case letters, digits and
/// hyphens. Anything else is dropped, not escaped.
fn plain_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn safe_link(url: &str) -> bool {
    ["https://", "http://", "mailto:", "tel:", "/", "#"]
        .iter()
        .any(|p| url.starts_with(p))
        && !url.starts_with("//")
}

/// The notice as a complete HTML page with the site's stylesheet, for
/// `custodian policy render --format html`.
pub fn standalone_notice_html(
    checked: &custodian_policy::CheckedConfig,
    published: Option<&custodian_policy::notice::PublishedAs>,
) -> Result<String, minijinja::Error> {
    use custodian_policy::notice;
    let templates = Templates::new()?;
    templates.render(
        "pages/standalone_notice.html",
        minijinja::context! {
            site_name => checked.config.site.name,
            contents => notice::contents(checked),
            notice_html => Value::from_safe_string(markdown_to_html(&notice::body_markdown(checked))),
            version_line => notice::version_line(published),
        },
    )
}

/// The record of processing activities as a page of its own, for
/// `custodian policy render --format ropa`.
pub fn standalone_ropa_html(
    checked: &custodian_policy::CheckedConfig,
) -> Result<String, minijinja::Error> {
    let templates = Templates::new()?;
    templates.render(
        "pages/standalone_ropa.html",
        minijinja::context! {
            site_name => checked.config.site.name,
            record => custodian_policy::ropa::record(checked),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_and_script_links_are_neutralised() {
        let html = markdown_to_html(
            "<script>alert(1)</script>\n\n[x](javascript:alert(1)) [y](https://ico.org.uk/)",
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("href=\"https://ico.org.uk/\""), "{html}");
        let image = markdown_to_html("![a tracking pixel](https://tracker.example/p.gif)");
        assert!(
            !image.contains("<img") && image.contains("a tracking pixel"),
            "{image}"
        );
    }

    #[test]
    fn attribute_syntax_never_reaches_the_output() {
        let attack = "# Hello {#intro .govuk-visually-hidden style=\"color:red\" onclick=\"alert(1)\"}\n\n\
                      ## Next {onmouseover=alert(1)}\n\ntext";
        // What people write: no attribute is read; the braces stay text.
        let written = written_markdown_to_html(attack);
        assert!(written.contains("<h1>Hello {#intro"), "{written}");
        assert!(written.contains("<h2>Next {"), "{written}");
        // The notice: a plain id survives, and nothing else.
        let notice = markdown_to_html(attack);
        assert!(notice.contains("<h1 id=\"intro\">Hello</h1>"), "{notice}");
        assert!(notice.contains("<h2>Next</h2>"), "{notice}");
        assert!(
            !notice.contains("onclick") && !notice.contains("style="),
            "{notice}"
        );
        assert!(
            !written.contains("<h1 ") && !written.contains("<h2 "),
            "{written}"
        );
        // The notice keeps its plain ids; what people write keeps none.
        assert!(markdown_to_html("## Who we are {#who-we-are}").contains("<h2 id=\"who-we-are\">"));
        assert!(!markdown_to_html("## X {#Bad_Id!}").contains("id="));
        let written = written_markdown_to_html("## Who we are {#who-we-are}");
        assert!(!written.contains("id="), "{written}");
    }

    #[test]
    fn the_inline_script_hash_matches_the_script() {
        use base64::Engine;
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(BODY_CLASS_SCRIPT.as_bytes());
        let expected = format!(
            "sha256-{}",
            base64::engine::general_purpose::STANDARD.encode(digest)
        );
        assert_eq!(expected, BODY_CLASS_SCRIPT_HASH);
    }

    #[test]
    fn dates_read_the_gov_uk_way() {
        assert_eq!(format_date(1_795_305_600), "22 November 2026");
    }
}
