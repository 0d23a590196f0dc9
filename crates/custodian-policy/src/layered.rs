//! The first layer of the notice: who we are, what we collect and why, how
//! long we keep it, who sees it, and your rights, in plain words and under
//! 250 words, above the full notice. Generated from the same policy as the
//! rest, so it cannot say something the full notice does not.
//!
//! It is built twice over, as Markdown for the page and as plain text for
//! measuring its length and reading grade ([`crate::readability`]).

use crate::check::CheckedConfig;

/// The first layer as Markdown and as the plain text a reader reads.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstLayer {
    pub markdown: String,
    pub text: String,
}

impl FirstLayer {
    pub fn words(&self) -> usize {
        crate::readability::word_count(&self.text)
    }

    /// Its Flesch-Kincaid grade level.
    pub fn grade(&self) -> f64 {
        crate::readability::flesch_kincaid_grade(&self.text)
    }
}

#[derive(Default)]
struct Builder {
    markdown: String,
    text: String,
}

impl Builder {
    fn push(&mut self, both: &str) {
        self.markdown.push_str(&crate::notice::escape(both));
        self.text.push_str(both);
    }
    /// A heading in the layer. Left out of the measured text: four short
    /// headings would make the sentences look shorter than they are.
    fn heading(&mut self, words: &str) {
        self.markdown
            .push_str(&format!("### {}\n\n", crate::notice::escape(words)));
    }
    fn link(&mut self, words: &str, href: &str) {
        self.markdown
            .push_str(&format!("[{}]({href})", crate::notice::escape(words)));
        self.text.push_str(words);
    }
    fn raw(&mut self, markdown: &str, text: &str) {
        self.markdown.push_str(markdown);
        self.text.push_str(text);
    }
}

/// A sentence as it ends: with a full stop unless it has one.
fn sentence(text: &str) -> String {
    let t = text.trim();
    if t.ends_with(['.', '!', '?']) {
        t.to_owned()
    } else {
        format!("{t}.")
    }
}

/// "Contact details" as it reads mid-sentence: "contact details" (but
/// "IP address" stays).
fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if second.is_lowercase() => {
            first.to_lowercase().chain(name.chars().skip(1)).collect()
        }
        _ => name.to_owned(),
    }
}

pub fn first_layer(checked: &CheckedConfig) -> FirstLayer {
    let config = &checked.config;
    let policy = &config.policy;
    let mut b = Builder::default();

    b.heading("Who we are");
    b.push(&format!(
        "{} runs this website.\n\n",
        policy.controller.name
    ));

    b.heading("What we collect and why");
    let staff_purpose = config.staff.as_ref().map(|s| s.purpose.get_ref().as_str());
    for (id, purpose) in &policy.purposes {
        if Some(id.as_str()) == staff_purpose {
            // Staff accounts are not the public's: the full notice has them.
            continue;
        }
        let what = match purpose.summary.as_deref() {
            Some(summary) => sentence(summary),
            // Without a summary: the purpose's name and what it uses.
            None => {
                let categories: Vec<String> = purpose
                    .categories
                    .iter()
                    .filter_map(|c| policy.categories.get(c.get_ref()))
                    .map(|c| lower_first(&c.name))
                    .collect();
                sentence(&format!(
                    "{}: we use {}",
                    purpose.name,
                    crate::notice::join_and(&categories)
                ))
            }
        };
        b.raw("- ", "");
        b.push(&what);
        if let Some(rule) = checked.retention.get(id) {
            b.push(&format!(" We keep it {rule}."));
        }
        b.raw("\n", "\n");
    }
    b.raw("\n", "\n");

    b.heading("Who sees it");
    b.push("Our staff, to do these things. ");
    let shared = policy
        .purposes
        .iter()
        .any(|(id, p)| Some(id.as_str()) != staff_purpose && !p.recipients.is_empty());
    if shared {
        b.push("Sometimes others too, and only for these reasons. ");
        b.link("See who", "#sharing");
        b.push(".");
    }
    b.raw("\n\n", "\n");

    if let Some(children) = checked.children {
        let never = config.forms.values().any(|f| {
            crate::children::collects_personal_data(f) && !crate::children::asks_parent(config, f)
        });
        let updates_ask = config.updates.is_some()
            && crate::updates::parent_purpose(config, config.topics.keys().map(String::as_str))
                .is_some();
        let forms_ask = config
            .forms
            .values()
            .any(|f| crate::children::asks_parent(config, f));
        if never || updates_ask || forms_ask {
            b.heading(&format!("If you are under {}", children.age));
            if never {
                b.push("You never need a parent's OK to ask us for help. ");
            }
            if updates_ask {
                b.push("To get our email updates, you need a parent's OK first. ");
            }
            if forms_ask {
                b.push("Some forms need a parent's OK first, and say so. ");
            }
            b.link("Read more", "#children");
            b.push(".");
            b.raw("\n\n", "\n");
        }
    }

    b.heading("Your rights");
    b.push("You can see, fix or delete what we hold about you. ");
    if config.rights.is_some() {
        b.link("Use our your-data page", "/your-data");
        b.push(", or email ");
    } else {
        b.push("Email ");
    }
    let email = &policy.controller.email;
    b.raw(&format!("[{email}](mailto:{email})"), "us");
    b.push(".\n");
    FirstLayer {
        markdown: b.markdown,
        text: b.text,
    }
}
