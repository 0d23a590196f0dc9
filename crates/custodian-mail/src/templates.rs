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
        name: "case_reply",
        subject: "Our reply about {{ reference }}",
    },
];

const BODIES: &[(&str, &str)] = &[
    ("test.txt", include_str!("../templates/test.txt")),
    ("test.html", include_str!("../templates/test.html")),
    (
        "form_received.txt",
        include_str!("../templates/form_received.txt"),
    ),
    (
        "form_received.html",
        include_str!("../templates/form_received.html"),
    ),
    (
        "case_reply.txt",
        include_str!("../templates/case_reply.txt"),
    ),
    (
        "case_reply.html",
        include_str!("../templates/case_reply.html"),
    ),
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
