//! `/privacy.json`: the same content as the notice, for machines, with
//! categories, purposes, bases and recipients mapped to W3C Data Privacy
//! Vocabulary terms where one fits.

use serde_json::{Map, Value, json};

use crate::check::{CheckedConfig, CookieLifetime};
use crate::dpv;
use crate::model::RecipientKind;
use crate::notice::PublishedAs;

pub fn to_json(
    checked: &CheckedConfig,
    published: Option<&PublishedAs>,
    content_hash: &str,
) -> Value {
    let site = &checked.config.site;
    let policy = &checked.config.policy;
    let context: Map<String, Value> = dpv::CONTEXT
        .iter()
        .map(|(prefix, iri)| ((*prefix).to_owned(), Value::String((*iri).to_owned())))
        .collect();

    let categories: Vec<Value> = policy
        .categories
        .iter()
        .map(|(id, c)| {
            json!({
                "id": id,
                "name": c.name,
                "description": c.description,
                "special_category": c.special,
                "source": c.source,
                "dpv": c.dpv.as_ref().map(|d| d.get_ref()),
            })
        })
        .collect();

    let purposes: Vec<Value> = policy
        .purposes
        .iter()
        .map(|(id, p)| {
            let rule = checked.retention.get(id);
            json!({
                "id": id,
                "name": p.name,
                "description": p.description,
                "dpv": p.dpv.as_ref().map(|d| d.get_ref()),
                "lawful_basis": {
                    "id": p.lawful_basis,
                    "article": p.lawful_basis.article(),
                    "label": p.lawful_basis.label(),
                    "dpv": p.lawful_basis.dpv(),
                },
                "legitimate_interest": p.legitimate_interest,
                "special_condition": p.special_condition.as_ref().map(|c| {
                    let c = *c.get_ref();
                    json!({ "id": c, "article": c.article(), "dpv": c.dpv() })
                }),
                "categories": p.categories.iter().map(|c| c.get_ref()).collect::<Vec<_>>(),
                "provision": p.provision,
                "keep_on_erasure": p.keep_on_erasure,
                "retention": rule.map(|r| json!({
                    "rule": r.to_string(),
                    "after": r.after,
                    "period": r.period,
                })),
                "recipients": p.recipients.iter().map(|r| json!({
                    "recipient": r.recipient.get_ref(),
                    "when": r.when,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();

    let recipients: Vec<Value> = policy
        .recipients
        .iter()
        .map(|(id, r)| {
            let default_dpv = match r.kind {
                RecipientKind::Processor => "dpv:DataProcessor",
                RecipientKind::Controller => "dpv:DataController",
                RecipientKind::PublicAuthority => "dpv:GovernmentalOrganisation",
            };
            json!({
                "id": id,
                "name": r.name,
                "kind": r.kind,
                "description": r.description,
                "location": r.location,
                "dpv": r.dpv.as_ref().map_or(default_dpv, |d| d.get_ref().as_str()),
            })
        })
        .collect();

    let cookies: Vec<Value> = policy
        .cookies
        .iter()
        .zip(&checked.cookie_lifetimes)
        .map(|(c, lifetime)| {
            json!({
                "name": c.name.get_ref(),
                "purpose": c.purpose,
                "essential": c.essential,
                "consent_category": c.consent_category.as_ref().map(|x| x.get_ref()),
                "expires": match lifetime {
                    CookieLifetime::Session => json!("session"),
                    CookieLifetime::For(p) => json!(p),
                },
                "holds": c.holds,
                "set_by": c.set_by.as_ref().map(|x| x.get_ref()),
                "domain": c.domain,
            })
        })
        .collect();

    json!({
        "@context": context,
        "site": site.name,
        "version": published.map(|p| json!({ "sequence": p.sequence, "published": p.date })),
        "content_hash": content_hash,
        "controller": {
            "name": policy.controller.name,
            "email": policy.controller.email,
            "address": policy.controller.address,
            "phone": policy.controller.phone,
            "ico_registration": policy.controller.ico_registration,
            "data_protection_officer": policy.controller.data_protection_officer.as_ref().map(|d| json!({
                "name": d.name, "email": d.email, "address": d.address,
            })),
        },
        "scope": { "domains": policy.scope.domains, "exclusions": policy.scope.exclusions },
        "categories": categories,
        "purposes": purposes,
        "recipients": recipients,
        "cookie_categories": policy.cookie_categories.iter().map(|(id, c)| json!({
            "id": id, "name": c.name, "description": c.description,
            "purpose": c.purpose.get_ref(),
        })).collect::<Vec<_>>(),
        "cookies": cookies,
        "children": policy.children.as_ref().map(|c| json!({ "parental_consent_age": c.parental_consent_age.get_ref() })),
        "server_logs": {
            "ip_retention": checked.ip_retention,
            "purpose": policy.server_logs.purpose.get_ref(),
        },
        "automated_decisions": policy.automated_decisions,
        "international_transfers": policy.international_transfers,
        "sections": policy.sections.iter().map(|s| json!({ "title": s.title, "markdown": s.body, "within": s.within.as_ref().map(|w| w.get_ref()) })).collect::<Vec<_>>(),
        "supervisory_authority": {
            "name": "Information Commissioner's Office",
            "url": "https://ico.org.uk/make-a-complaint/",
            "telephone": "0303 123 1113",
        },
    })
}
