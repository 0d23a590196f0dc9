//! Message bodies: each template has a subject, a plain-text body and an
//! HTML body, rendered with the message's values. HTML is escaped.

use minijinja::{Environment, Value};

use crate::{MailError, Result};

struct MailTemplate {
    name: &'static str,
    subject: &'static str,
}

const TEMPLATES: &[MailTemplate] = &[
    MailTemplate {
        name: "test",
        subject: "A test message from {{ site_name }}",
    },
    MailTemplate {
        name: "form_received",
        subject: "{{ form_title }}: we have your message (reference {{ reference }})",
    },
    MailTemplate {
        name: "form_held",
        subject: "{{ form_title }}: waiting for your parent's or guardian's permission",
    },
    MailTemplate {
        name: "guardian_request",
        subject: "{{ site_name }}: a young person asks for your permission",
    },
    MailTemplate {
        name: "case_forward",
        subject: "{{ site_name }}: a message passed to you (reference {{ reference }})",
    },
    MailTemplate {
        name: "case_reply",
        subject: "Our reply about {{ reference }}",
    },
    MailTemplate {
        name: "account_confirm",
        subject: "Confirm your email address for {{ site_name }}",
    },
    MailTemplate {
        name: "account_exists",
        subject: "You already have a {{ site_name }} account",
    },
    MailTemplate {
        name: "password_reset",
        subject: "Reset your {{ site_name }} password",
    },
    MailTemplate {
        name: "email_change_confirm",
        subject: "Confirm your new email address for {{ site_name }}",
    },
    MailTemplate {
        name: "email_changed",
        subject: "Your {{ site_name }} email address has changed",
    },
    MailTemplate {
        name: "password_changed",
        subject: "Your {{ site_name }} password has changed",
    },
    MailTemplate {
        name: "staff_enrol",
        subject: "Set up your {{ site_name }} staff account",
    },
    MailTemplate {
        name: "subscription_confirm",
        subject: "Confirm your email updates from {{ site_name }}",
    },
    MailTemplate {
        name: "subscription_exists",
        subject: "You already get email updates from {{ site_name }}",
    },
    MailTemplate {
        name: "update",
        subject: "{{ update_subject }}",
    },
    MailTemplate {
        name: "portal_code",
        // Never the code itself: a subject shows on a locked phone's screen.
        subject: "Your code to see your data held by {{ site_name }}",
    },
    MailTemplate {
        name: "request_received",
        subject: "We have your request about your data (reference {{ reference }})",
    },
    MailTemplate {
        name: "disclosure_notice",
        subject: "We have shared your information with {{ recipient }}",
    },
    MailTemplate {
        name: "erasure_done",
        subject: "We have deleted your data (reference {{ reference }})",
    },
];

/// Both bodies of each template, named once: `templates/NAME.txt` and
/// `templates/NAME.html`.
macro_rules! bodies {
    ($($name:literal),* $(,)?) => {
        &[$(
            (concat!($name, ".txt"), include_str!(concat!("../templates/", $name, ".txt"))),
            (concat!($name, ".html"), include_str!(concat!("../templates/", $name, ".html"))),
        )*]
    };
}

const BODIES: &[(&str, &str)] = bodies![
    // Not a message: the end of every message to the public, included by
    // name (where to get help now, and the your-data link).
    "_footer",
    "test",
    "form_received",
    "form_held",
    "guardian_request",
    "case_forward",
    "case_reply",
    "account_confirm",
    "account_exists",
    "password_reset",
    "email_change_confirm",
    "email_changed",
    "password_changed",
    "staff_enrol",
    "subscription_confirm",
    "subscription_exists",
    "update",
    "portal_code",
    "request_received",
    "erasure_done",
    "disclosure_notice",
];

pub struct Templates {
    env: Environment<'static>,
}

pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Templates {
    pub fn new() -> Result<Self> {
        let mut env = Environment::new();
        for (name, source) in BODIES {
            env.add_template(name, source)
                .map_err(|e| MailError::Config(e.to_string()))?;
        }
        // A template without its bodies would fail only when a message is
        // sent: refuse to start instead.
        for t in TEMPLATES {
            for ext in ["txt", "html"] {
                let file = format!("{}.{ext}", t.name);
                if env.get_template(&file).is_err() {
                    return Err(MailError::Config(format!(
                        "mail template {file} is missing"
                    )));
                }
            }
        }
        Ok(Templates { env })
    }

    pub fn exists(&self, name: &str) -> bool {
        TEMPLATES.iter().any(|t| t.name == name)
    }

    pub fn render(&self, name: &str, values: &Value) -> Result<Rendered> {
        let Some(template) = TEMPLATES.iter().find(|t| t.name == name) else {
            return Err(MailError::UnknownTemplate(name.to_owned()));
        };
        let render = |file: String| {
            self.env
                .get_template(&file)
                .and_then(|t| t.render(values))
                .map_err(|e| MailError::Config(format!("template {file}: {e}")))
        };
        Ok(Rendered {
            subject: self
                .env
                .render_str(template.subject, values)
                .map_err(|e| MailError::Config(format!("subject of {name}: {e}")))?
                .trim()
                .to_owned(),
            text: render(format!("{name}.txt"))?,
            html: render(format!("{name}.html"))?,
        })
    }
}
