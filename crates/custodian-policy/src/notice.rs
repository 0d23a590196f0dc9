//! The privacy notice, generated from the policy.
//!
//! The notice is written once, as Markdown: that text is what
//! `policy render --format markdown` prints, what each published version
//! stores and diffs, and what the web page renders to HTML. One text means
//! the page, the file and the diff can never disagree.

use std::fmt::Write as _;

use crate::check::{CheckedConfig, CookieLifetime};
use crate::law::LawfulBasis;
use crate::model::RecipientKind;

/// A published version, shown at the end of the notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedAs {
    pub sequence: i64,
    /// e.g. "22 November 2026".
    pub date: String,
}

/// A heading in the notice, for the contents list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Heading {
    pub id: String,
    pub text: String,
}

/// The notice's sections, in order.
pub fn contents(checked: &CheckedConfig) -> Vec<Heading> {
    sections(checked)
        .into_iter()
        .map(|(id, text, _)| Heading {
            id,
            text: unescape(&text),
        })
        .collect()
}

/// A heading as a person reads it, for places that escape HTML themselves.
fn unescape(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut chars = markdown.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            other => out.push(other),
        }
    }
    out
}

/// The notice body as Markdown, without a title or version line: this is the
/// text each published version stores and diffs.
pub fn body_markdown(checked: &CheckedConfig) -> String {
    let mut out = String::new();
    if let Some(intro) = &checked.config.policy.introduction {
        out.push_str(intro.trim());
        out.push_str("\n\n");
    }
    for (id, heading, text) in sections(checked) {
        let _ = write!(out, "## {heading} {{#{id}}}\n\n{}\n\n", text.trim_end());
    }
    out.trim_end().to_owned() + "\n"
}

/// The whole notice as a Markdown document, for `policy render`.
pub fn document_markdown(checked: &CheckedConfig, published: Option<&PublishedAs>) -> String {
    let mut out = format!(
        "# Privacy notice: {}\n\n",
        inline(&checked.config.site.name)
    );
    out.push_str(&body_markdown(checked));
    out.push('\n');
    out.push_str(&version_line(published));
    out.push('\n');
    out
}

/// "Version 3, published 22 November 2026." or the draft equivalent.
pub fn version_line(published: Option<&PublishedAs>) -> String {
    match published {
        Some(p) => format!("Version {}, published {}.", p.sequence, p.date),
        None => "Draft: this notice has not been published yet.".to_owned(),
    }
}

/// The notice's sections: (id, heading as Markdown, body as Markdown).
pub fn sections(checked: &CheckedConfig) -> Vec<(String, String, String)> {
    let mut out = vec![
        (
            "who-we-are".into(),
            "Who we are".into(),
            who_we_are(checked),
        ),
        (
            "what-we-collect".into(),
            "What we collect".into(),
            what_we_collect(checked),
        ),
        (
            "how-we-use-it".into(),
            "How we use your information".into(),
            how_we_use_it(checked),
        ),
        (
            "sharing".into(),
            "Who we share it with".into(),
            sharing(checked),
        ),
        (
            "where-it-is-kept".into(),
            "Where your information is kept".into(),
            checked
                .config
                .policy
                .international_transfers
                .trim()
                .to_owned()
                + "\n",
        ),
        (
            "automated-decisions".into(),
            "Decisions made by computer".into(),
            checked.config.policy.automated_decisions.trim().to_owned() + "\n",
        ),
    ];
    if !checked.config.forms.is_empty() {
        // After "How we use your information": what each form is for.
        out.insert(
            3,
            ("forms".into(), "Our online forms".into(), forms(checked)),
        );
    }
    if let Some(text) = children(checked) {
        let age = checked.children.map_or(0, |c| c.age);
        out.push(("children".into(), format!("If you are under {age}"), text));
    }
    out.push(("cookies".into(), "Cookies".into(), cookies(checked)));
    let mut own = 0;
    for section in &checked.config.policy.sections {
        if section.within.is_some() {
            continue;
        }
        own += 1;
        out.push((
            format!("more-{own}"),
            inline(&section.title),
            section.body.trim().to_owned() + "\n",
        ));
    }
    out.push(("your-rights".into(), "Your rights".into(), rights(checked)));
    out.push((
        "contact-us".into(),
        "How to contact us".into(),
        contact(checked),
    ));
    out.push(("complain".into(), "How to complain".into(), complain()));
    // Text a site wrote for a generated section opens it, under its title,
    // in the order the config gives.
    for (id, _, text) in &mut out {
        let written: Vec<String> = checked
            .config
            .policy
            .sections
            .iter()
            .filter(|s| s.within.as_ref().is_some_and(|w| w.get_ref() == id))
            .map(|s| format!("### {}\n\n{}\n\n", inline(&s.title), s.body.trim()))
            .collect();
        if !written.is_empty() {
            *text = written.concat() + text.as_str();
        }
    }
    out
}

/// The ids of the sections the notice generates, which `within` may name.
pub const GENERATED_SECTIONS: &[&str] = &[
    "who-we-are",
    "what-we-collect",
    "how-we-use-it",
    "forms",
    "sharing",
    "where-it-is-kept",
    "automated-decisions",
    "children",
    "cookies",
    "your-rights",
    "contact-us",
    "complain",
];

fn who_we_are(checked: &CheckedConfig) -> String {
    let policy = &checked.config.policy;
    let c = &policy.controller;
    let mut out = format!(
        "{} is responsible for the personal information you give us through this website. In data protection law we are the \"controller\".\n\n",
        inline(&c.name)
    );
    if let Some(reg) = &c.ico_registration {
        let _ = writeln!(
            out,
            "We are registered with the Information Commissioner's Office, number {}.\n",
            inline(reg)
        );
    }
    let domains: Vec<String> = policy
        .scope
        .domains
        .iter()
        .map(|d| format!("`{d}`"))
        .collect();
    let _ = writeln!(
        out,
        "This notice covers these websites: {}.\n",
        domains.join(", ")
    );
    if let Some(exclusions) = &policy.scope.exclusions {
        out.push_str(exclusions.trim());
        out.push('\n');
    }
    out
}

fn what_we_collect(checked: &CheckedConfig) -> String {
    let policy = &checked.config.policy;
    let mut out = String::from("We collect these kinds of information:\n\n");
    for category in policy.categories.values() {
        let _ = write!(
            out,
            "- **{}**: {}",
            inline(&category.name),
            inline(&category.description)
        );
        if category.special {
            out.push_str(" This is sensitive information (\"special category data\"), which the law protects more strictly.");
        }
        if let Some(source) = &category.source {
            let _ = write!(out, " Where we get it: {}", inline(source));
        }
        out.push('\n');
    }
    out
}

fn how_we_use_it(checked: &CheckedConfig) -> String {
    let policy = &checked.config.policy;
    let mut out = String::new();
    let logs = policy.server_logs.purpose.get_ref();
    for (id, purpose) in &policy.purposes {
        // The purpose the web server's logs serve carries what is said of
        // IP addresses, so that it is said once, where its reason is.
        let anchor = if id == logs { " {#ip-addresses}" } else { "" };
        let _ = writeln!(
            out,
            "### {}{anchor}\n\n{}\n",
            inline(&purpose.name),
            inline(&purpose.description)
        );
        if id == logs {
            let _ = writeln!(out, "{}", ip_addresses(checked));
        }
        let categories: Vec<String> = purpose
            .categories
            .iter()
            .filter_map(|c| policy.categories.get(c.get_ref()))
            .map(|c| inline(&c.name))
            .collect();
        let basis = purpose.lawful_basis;
        let _ = writeln!(out, "- What we use: {}", categories.join(", "));
        if let Some(provision) = &purpose.provision {
            let _ = writeln!(out, "- Do you have to give it: {}", inline(provision));
        }
        let _ = writeln!(
            out,
            "- Our lawful basis: {} ({}): {}",
            basis.label(),
            basis.article(),
            basis.explanation()
        );
        if basis == LawfulBasis::LegitimateInterests
            && let Some(interest) = &purpose.legitimate_interest
        {
            let _ = writeln!(out, "- Our legitimate interest: {}", inline(interest));
        }
        if let Some(cond) = &purpose.special_condition {
            let cond = *cond.get_ref();
            let _ = writeln!(
                out,
                "- Why we may use sensitive information: {} ({})",
                cond.explanation(),
                cond.article()
            );
        }
        if let Some(rule) = checked.retention.get(id) {
            let _ = writeln!(out, "- How long we keep it: {rule}");
        }

        match &purpose.keep_on_erasure {
            Some(reason) => {
                let _ = writeln!(
                    out,
                    "- If you ask us to delete it: we keep it until then, because {}",
                    phrase_case(&inline(reason))
                );
            }
            None => out.push_str("- If you ask us to delete it: we delete it\n"),
        }
        if purpose.recipients.is_empty() {
            out.push_str("- Who receives it: only our own staff\n");
        } else {
            for r in &purpose.recipients {
                let name = policy
                    .recipients
                    .get(r.recipient.get_ref())
                    .map_or(r.recipient.get_ref().as_str(), |x| x.name.as_str());
                let _ = writeln!(
                    out,
                    "- Who receives it: {}, {}",
                    inline(name),
                    phrase_case(&inline(&r.when))
                );
            }
        }
        out.push('\n');
    }
    out
}

/// Each form, the purpose its answers serve and how long they are kept,
/// and what happens to answers that are never sent.
fn forms(checked: &CheckedConfig) -> String {
    let policy = &checked.config.policy;
    let mut out = String::new();
    for form in checked.config.forms.values() {
        let purpose = policy.purposes.get(form.purpose.get_ref());
        let name = purpose.map_or(form.purpose.get_ref().as_str(), |p| p.name.as_str());
        let kept = checked
            .retention
            .get(form.purpose.get_ref())
            .map(|rule| format!(" How long we keep your answers: {rule}."))
            .unwrap_or_default();
        let answered = form
            .target()
            .map(|t| format!(" We aim to reply within {t}."))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "- {} (what it is for: {}).{kept}{answered}",
            inline(&form.title),
            inline(name)
        );
        if form
            .questions()
            .any(|q| q.kind == crate::forms::QuestionKind::Publication)
        {
            out.push_str("  We publish what you told us only if you say we may, and without your name unless you choose otherwise.\n");
        }
    }
    out.push_str("\nIf you start a form and do not send it, what you have entered is deleted within a day.\n");
    out
}

/// What the server does with the web server's logs, said in the entry of
/// the purpose they serve.
fn ip_addresses(checked: &CheckedConfig) -> String {
    format!(
        "The web server deletes its logs of IP addresses after {}. \
         The statistics we keep from them hold no IP addresses, and we never link an IP address to any person.\n",
        checked.ip_retention
    )
}

fn sharing(checked: &CheckedConfig) -> String {
    let policy = &checked.config.policy;
    if policy.recipients.is_empty() {
        return "We do not share your information with other organisations.\n".to_owned();
    }
    let mut out = String::from(
        "We only share information in the cases listed under each use above. These organisations may receive it:\n\n",
    );
    for r in policy.recipients.values() {
        let kind = match r.kind {
            RecipientKind::Processor => "a supplier working on our instructions",
            RecipientKind::Controller => "an organisation that decides for itself how to use it",
            RecipientKind::PublicAuthority => "a public body",
        };
        let _ = write!(
            out,
            "- **{}** ({kind}): {}",
            inline(&r.name),
            inline(&r.description)
        );
        if let Some(location) = &r.location {
            let _ = write!(out, " Held in: {}.", inline(location));
        }
        out.push('\n');
    }
    out
}

fn cookies(checked: &CheckedConfig) -> String {
    let policy = &checked.config.policy;
    // Text the site wrote for this section already says what cookies are.
    let introduced = policy
        .sections
        .iter()
        .any(|s| s.within.as_ref().is_some_and(|w| w.get_ref() == "cookies"));
    let mut out = if introduced {
        String::new()
    } else {
        "Cookies are small files saved on your phone, tablet or computer when you visit a website. "
            .to_owned()
    };
    out.push_str(
        "Cookies we set without asking are essential: the site cannot work safely without them. \
         We only set any other cookie if you say yes, and you can change your mind on our [cookies page](/cookies).\n\n\
         | Name | What it is for | Essential | Expires |\n| --- | --- | --- | --- |\n",
    );
    for (cookie, lifetime) in policy.cookies.iter().zip(&checked.cookie_lifetimes) {
        let essential = match cookie
            .consent_category
            .as_ref()
            .and_then(|c| policy.cookie_categories.get(c.get_ref()))
        {
            None => "Yes".to_owned(),
            Some(category) => format!("No, we ask first ({})", label_case(&inline(&category.name))),
        };
        let expires = match lifetime {
            CookieLifetime::Session => "When you close your browser".to_owned(),
            CookieLifetime::For(p) => format!("After {p}"),
        };
        let domain = cookie
            .domain
            .as_deref()
            .map(|d| format!(" (set for {})", inline(d)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| `{}`{domain} | {} It holds {} | {essential} | {expires} |",
            cookie.name.get_ref(),
            inline(&cookie.purpose),
            phrase_case(&inline(&cookie.holds)),
        );
    }
    out
}

fn rights(checked: &CheckedConfig) -> String {
    let policy = &checked.config.policy;
    let bases: Vec<LawfulBasis> = policy.purposes.values().map(|p| p.lawful_basis).collect();
    let mut out = String::from("You have the right to:\n\n");
    out.push_str("- see the information we hold about you (a \"subject access request\"); if the law lets us hold something back, we will tell you why\n");
    out.push_str("- ask us to correct information that is wrong\n");
    out.push_str("- ask us to delete your information\n");
    out.push_str("- ask us to limit how we use your information\n");
    if bases.iter().any(|b| {
        matches!(
            b,
            LawfulBasis::PublicTask | LawfulBasis::LegitimateInterests
        )
    }) {
        out.push_str("- object to how we use your information\n");
    }
    if bases
        .iter()
        .any(|b| matches!(b, LawfulBasis::Consent | LawfulBasis::Contract))
    {
        out.push_str("- get a copy of what you gave us in a form a computer can read\n");
    }
    let explicit_consent = policy.purposes.values().any(|p| {
        p.special_condition
            .as_ref()
            .is_some_and(|c| *c.get_ref() == crate::law::SpecialCondition::ExplicitConsent)
    });
    if bases.contains(&LawfulBasis::Consent) || explicit_consent {
        out.push_str("- withdraw your consent at any time, as easily as you gave it\n");
    }
    if checked.config.rights.is_some() {
        let _ = write!(
            out,
            "\nTo use any of these rights, [use our your-data page](/your-data): you can see what we hold, correct it or ask us to delete it there, straight away. Or email [{0}](mailto:{0}). You do not have to pay, and we will reply within one month.\n",
            checked.config.policy.controller.email
        );
    } else {
        let _ = write!(
            out,
            "\nTo use any of these rights, email [{0}](mailto:{0}). You do not have to pay, and we will reply within one month.\n",
            checked.config.policy.controller.email
        );
    }
    out
}

fn contact(checked: &CheckedConfig) -> String {
    let c = &checked.config.policy.controller;
    let mut out = String::from(
        "If you have any questions about how we look after your personal information, contact us:\n\n",
    );
    let _ = writeln!(out, "- Email: [{0}](mailto:{0})", c.email);
    if let Some(phone) = &c.phone {
        let _ = writeln!(out, "- Telephone: {}", inline(phone));
    }
    let mut post = vec![inline(&c.name)];
    post.extend(c.address.iter().map(|line| inline(line)));
    let _ = writeln!(out, "- Post: {}", post.join(", "));
    if let Some(dpo) = &c.data_protection_officer {
        let who = match dpo.name.as_deref() {
            Some(name) => format!("{} is our data protection officer", inline(name)),
            None => "We have a data protection officer".to_owned(),
        };
        let _ = write!(
            out,
            "\n{who}. You can email them at [{0}](mailto:{0})",
            dpo.email
        );
        if !dpo.address.is_empty() {
            let _ = write!(
                out,
                " or write to {}",
                dpo.address
                    .iter()
                    .map(|l| inline(l))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        out.push_str(".\n");
    }
    out
}

fn complain() -> String {
    "If you are unhappy with how we have used your information, please tell us first so we can try to put it right.\n\n\
     You can also complain to the Information Commissioner's Office (ICO), which makes sure organisations follow data protection law:\n\n\
     - Website: [ico.org.uk/make-a-complaint](https://ico.org.uk/make-a-complaint/)\n\
     - Telephone: 0303 123 1113\n\
     - Post: Information Commissioner's Office, Wycliffe House, Water Lane, Wilmslow, Cheshire, SK9 5AF\n"
        .to_owned()
}

/// Lower-case the first word when it is a word that starts a phrase ("A
/// random number", "Only if ...") so the phrase reads on inside a sentence;
/// anything else, such as a name ("Ofsted"), is left as written.
pub fn phrase_case(text: &str) -> String {
    const PHRASE_STARTS: &[&str] = &[
        "a", "an", "the", "your", "our", "only", "if", "when", "where", "after", "before", "with",
        "without", "unless", "to", "for", "in", "on", "any", "some", "all", "we", "you", "it",
        "this", "that", "what",
    ];
    let text = text.trim();
    let first = text
        .split(|c: char| !c.is_alphabetic())
        .next()
        .unwrap_or("");
    if PHRASE_STARTS.contains(&first.to_lowercase().as_str())
        && first.chars().skip(1).all(char::is_lowercase)
    {
        let mut chars = text.chars();
        chars
            .next()
            .map(|c| c.to_lowercase().chain(chars).collect())
            .unwrap_or_default()
    } else {
        text.to_owned()
    }
}

/// A label ("Usage cookies", "Site usage statistics") as it reads inside a
/// sentence: a capitalised first word is lower-cased, but acronyms and
/// mixed-case names ("IP addresses", "WebSAF details") keep their letters.
pub fn label_case(text: &str) -> String {
    let text = text.trim();
    let first = text
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    let mut chars = first.chars();
    let titlecase = chars.next().is_some_and(char::is_uppercase) && chars.all(char::is_lowercase);
    if titlecase {
        let mut all = text.chars();
        all.next()
            .map(|c| c.to_lowercase().chain(all).collect())
            .unwrap_or_default()
    } else {
        text.to_owned()
    }
}

/// Text from the policy placed inside a sentence, list item or table cell:
/// line breaks become spaces so the Markdown structure holds.
fn inline(text: &str) -> String {
    let escaped = escape(&text.split_whitespace().collect::<Vec<_>>().join(" "));
    // A value that begins a line must not begin a list or a rule.
    let digits = escaped.chars().take_while(char::is_ascii_digit).count();
    match escaped.chars().nth(digits) {
        Some('.' | ')') if digits > 0 => format!("{}\\{}", &escaped[..digits], &escaped[digits..]),
        Some('-' | '+' | '=') if digits == 0 => format!("\\{escaped}"),
        _ => escaped,
    }
}

/// Escape text from the policy so Markdown shows it literally.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(
            ch,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '{' | '}' | '!'
        ) {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// What someone under the policy's age needs to know: which services ask
/// a parent's permission, which never do, and why. Said of what the site
/// does, never more.
fn children(checked: &CheckedConfig) -> Option<String> {
    let config = &checked.config;
    let children = checked.children?;
    let age = children.age;
    let asks = |purpose: &str| {
        config
            .policy
            .purposes
            .get(purpose)
            .is_some_and(crate::model::Purpose::asks_parent)
    };
    let mut asking: Vec<String> = config
        .forms
        .values()
        .filter(|f| crate::children::asks_parent(config, f))
        .map(|f| format!("the “{}” form", f.title))
        .collect();
    if config.updates.is_some() && config.topics.values().any(|t| asks(t.purpose.get_ref())) {
        asking.insert(0, "our email updates".to_owned());
    }
    let never: Vec<&crate::forms::Form> = config
        .forms
        .values()
        .filter(|f| crate::children::collects_personal_data(f))
        .filter(|f| !crate::children::asks_parent(config, f))
        .collect();
    // Why they do not ask is true only of forms that do not rest on consent.
    let public_work = never.iter().all(|f| {
        config
            .policy
            .purposes
            .get(f.purpose.get_ref())
            .is_some_and(|p| p.lawful_basis != LawfulBasis::Consent)
    });
    let never: Vec<String> = never.iter().map(|f| f.title.clone()).collect();
    let mut text = String::new();
    if !asking.is_empty() {
        text.push_str(&format!(
            "If you are under {age}, we need a parent's or guardian's permission before you use {}. These are things you choose to sign up for, so the law asks us to get a parent's OK first.\n\nWhen you sign up, we ask your age. If you are under {age}, we also ask for your parent's or guardian's email address. We email them a link that explains what we would keep and why, without showing them anything you wrote, and asks them to agree. Until they do, we do not use it. If they say no, or have not agreed within {}, we delete it.\n",
            join_and(&asking),
            children.wait
        ));
    }
    if !never.is_empty() {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&format!(
            "You never need a parent's permission to fill in {}: {}.{}\n",
            if never.len() == 1 { "this form" } else { "these forms" },
            join_and(&never),
            if public_work {
                " They are part of our public work, not something we need your consent for, so you can come to us yourself, whatever your age."
            } else {
                ""
            }
        ));
    }
    (!text.is_empty()).then_some(text)
}

/// "a", "a and b", "a, b and c".
pub(crate) fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_read_on_but_names_keep_their_capitals() {
        assert_eq!(phrase_case("A random number."), "a random number.");
        assert_eq!(phrase_case("Only if you say yes"), "only if you say yes");
        assert_eq!(
            phrase_case("Ofsted, when it inspects us"),
            "Ofsted, when it inspects us"
        );
        assert_eq!(phrase_case("IP addresses"), "IP addresses");
    }

    #[test]
    fn policy_text_cannot_become_markdown_structure() {
        assert_eq!(
            inline("Help {#contact-us .hidden}"),
            "Help \\{\\#contact-us .hidden\\}"
        );
        assert_eq!(inline("1. Not a list"), "1\\. Not a list");
        assert_eq!(inline("- not a bullet"), "\\- not a bullet");
        assert_eq!(
            inline("![img](https://x/y.png)"),
            "\\!\\[img\\](https://x/y.png)"
        );
        assert_eq!(unescape("Changes \\*soon\\*"), "Changes *soon*");
    }

    #[test]
    fn inline_text_keeps_markdown_structure() {
        assert_eq!(
            inline("two\nlines |  and *stars*"),
            "two lines \\| and \\*stars\\*"
        );
    }
}
