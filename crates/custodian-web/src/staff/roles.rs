//! Staff roles, each with least privilege: a role sees only the staff pages
//! the route table in [`super`] grants it.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the service: keys and retention, not people's data.
    Admin,
    /// The data protection officer: people's requests, erasure, the audit log.
    Dpo,
    /// Answers messages sent through forms: the case inboxes.
    Caseworker,
    /// Reads statistics and consultation results.
    Analyst,
    /// Writes and sends email updates.
    Editor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Dpo,
        Role::Caseworker,
        Role::Analyst,
        Role::Editor,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Dpo => "dpo",
            Role::Caseworker => "caseworker",
            Role::Analyst => "analyst",
            Role::Editor => "editor",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Dpo => "Data protection officer",
            Role::Caseworker => "Caseworker",
            Role::Analyst => "Analyst",
            Role::Editor => "Editor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.id() == s).ok_or_else(|| {
            format!("`{s}` is not a role: use admin, dpo, caseworker, analyst or editor")
        })
    }
}
