//! The disclosure form as the DPO fills it in, and what each answer must
//! be: every missing or contradictory answer is named at once, and
//! nothing is recorded until there are none.

use serde::Deserialize;

use super::disclosures::BASES;
use crate::fields::FieldError;

#[derive(Deserialize, Default)]
pub struct DisclosureForm {
    #[serde(default)]
    pub(super) email: String,
    #[serde(default)]
    pub(super) route: String,
    #[serde(default)]
    pub(super) why: String,
    #[serde(default)]
    pub(super) data: String,
    #[serde(default)]
    pub(super) basis: String,
    #[serde(default)]
    pub(super) exemption: String,
    #[serde(default)]
    pub(super) authorised_by: String,
    #[serde(default)]
    pub(super) tell: String,
    #[serde(default)]
    pub(super) told_how: String,
    #[serde(default)]
    pub(super) not_told_reason: String,
}

impl DisclosureForm {
    /// What is wrong with the answers, each against its field. Whether the
    /// address finds anyone is for the vault to say.
    pub(super) fn errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let email = self.email.trim();
        if let Some(e) = crate::fields::email_error(email) {
            errors.push(FieldError::new(
                "email",
                e.text.replace("your email", "their email"),
            ));
        }
        let route = self.route.split_once('/');
        if route.is_none() {
            errors.push(FieldError::new(
                "route",
                "Select who the information went to",
            ));
        }
        if self.why.trim().is_empty() {
            errors.push(FieldError::new(
                "why",
                "Enter why the information was passed on",
            ));
        }
        if self.data.trim().is_empty() {
            errors.push(FieldError::new(
                "data",
                "Enter which information was passed on",
            ));
        }
        let basis_known = BASES.iter().any(|(id, _)| *id == self.basis);
        if !basis_known {
            errors.push(FieldError::new(
                "basis",
                "Select the lawful basis or exemption",
            ));
        } else if self.basis == "exemption" && self.exemption.trim().is_empty() {
            errors.push(FieldError::new(
                "exemption",
                "Enter which exemption applies",
            ));
        }
        if self.authorised_by.trim().is_empty() {
            errors.push(FieldError::new("authorised_by", "Enter who authorised it"));
        }
        match self.tell.as_str() {
            "email" => {}
            "told" if self.told_how.trim().is_empty() => {
                errors.push(FieldError::new(
                    "told_how",
                    "Enter how and when the person was told",
                ));
            }
            "not_told" if self.not_told_reason.trim().is_empty() => errors.push(FieldError::new(
                "not_told_reason",
                "Enter the reason for not telling the person",
            )),
            "told" | "not_told" => {}
            _ => errors.push(FieldError::new("tell", "Select whether the person is told")),
        }
        errors
    }

    /// The words recorded with the disclosure, by field; the address only
    /// when the person is told by email.
    pub(super) fn details(&self) -> [(&'static str, &str); 7] {
        let telling = self.tell == "email";
        [
            ("why", self.why.trim()),
            ("data", self.data.trim()),
            ("authorised_by", self.authorised_by.trim()),
            ("exemption", self.exemption.trim()),
            ("told_how", self.told_how.trim()),
            ("not_told_reason", self.not_told_reason.trim()),
            ("email", if telling { self.email.trim() } else { "" }),
        ]
    }
}
