//! The UK GDPR's lawful bases (Article 6) and special category conditions
//! (Article 9), with the plain-English wording the notice uses for each.

use serde::{Deserialize, Serialize};

/// Article 6(1): the lawful bases for processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LawfulBasis {
    Consent,
    Contract,
    LegalObligation,
    VitalInterests,
    PublicTask,
    LegitimateInterests,
}

impl LawfulBasis {
    pub fn article(self) -> &'static str {
        match self {
            LawfulBasis::Consent => "Article 6(1)(a)",
            LawfulBasis::Contract => "Article 6(1)(b)",
            LawfulBasis::LegalObligation => "Article 6(1)(c)",
            LawfulBasis::VitalInterests => "Article 6(1)(d)",
            LawfulBasis::PublicTask => "Article 6(1)(e)",
            LawfulBasis::LegitimateInterests => "Article 6(1)(f)",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LawfulBasis::Consent => "Consent",
            LawfulBasis::Contract => "Contract",
            LawfulBasis::LegalObligation => "Legal obligation",
            LawfulBasis::VitalInterests => "Vital interests",
            LawfulBasis::PublicTask => "Public task",
            LawfulBasis::LegitimateInterests => "Legitimate interests",
        }
    }

    /// What the basis means for the person, in words a young person follows.
    pub fn explanation(self) -> &'static str {
        match self {
            LawfulBasis::Consent => {
                "you have said yes to this. You can change your mind at any time, and saying no will not stop you using our service."
            }
            LawfulBasis::Contract => "we need it to give you a service you have asked for.",
            LawfulBasis::LegalObligation => "the law says we must.",
            LawfulBasis::VitalInterests => "we need it to protect someone's life or safety.",
            LawfulBasis::PublicTask => {
                "we need it to carry out our official work, which the law gives us to do in the public interest."
            }
            LawfulBasis::LegitimateInterests => {
                "we have a genuine reason to, which does not override your interests and rights."
            }
        }
    }

    /// The W3C Data Privacy Vocabulary term for this basis under the GDPR.
    pub fn dpv(self) -> &'static str {
        match self {
            LawfulBasis::Consent => "eu-gdpr:A6-1-a",
            LawfulBasis::Contract => "eu-gdpr:A6-1-b",
            LawfulBasis::LegalObligation => "eu-gdpr:A6-1-c",
            LawfulBasis::VitalInterests => "eu-gdpr:A6-1-d",
            LawfulBasis::PublicTask => "eu-gdpr:A6-1-e",
            LawfulBasis::LegitimateInterests => "eu-gdpr:A6-1-f",
        }
    }
}

/// Article 9(2): conditions for processing special category data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpecialCondition {
    ExplicitConsent,
    EmploymentAndSocialSecurity,
    VitalInterests,
    NotForProfitBodies,
    MadePublicByYou,
    LegalClaims,
    SubstantialPublicInterest,
    HealthOrSocialCare,
    PublicHealth,
    ArchivingResearchAndStatistics,
}

impl SpecialCondition {
    pub fn article(self) -> &'static str {
        match self {
            SpecialCondition::ExplicitConsent => "Article 9(2)(a)",
            SpecialCondition::EmploymentAndSocialSecurity => "Article 9(2)(b)",
            SpecialCondition::VitalInterests => "Article 9(2)(c)",
            SpecialCondition::NotForProfitBodies => "Article 9(2)(d)",
            SpecialCondition::MadePublicByYou => "Article 9(2)(e)",
            SpecialCondition::LegalClaims => "Article 9(2)(f)",
            SpecialCondition::SubstantialPublicInterest => "Article 9(2)(g)",
            SpecialCondition::HealthOrSocialCare => "Article 9(2)(h)",
            SpecialCondition::PublicHealth => "Article 9(2)(i)",
            SpecialCondition::ArchivingResearchAndStatistics => "Article 9(2)(j)",
        }
    }

    pub fn explanation(self) -> &'static str {
        match self {
            SpecialCondition::ExplicitConsent => {
                "you have clearly said yes to us using this sensitive information"
            }
            SpecialCondition::EmploymentAndSocialSecurity => {
                "we need it to meet our duties in employment or social security law"
            }
            SpecialCondition::VitalInterests => {
                "we need it to protect someone's life when they cannot give consent"
            }
            SpecialCondition::NotForProfitBodies => {
                "we are a not-for-profit body and it is about our members or regular contacts"
            }
            SpecialCondition::MadePublicByYou => "you have already made this information public",
            SpecialCondition::LegalClaims => "we need it for legal claims or court proceedings",
            SpecialCondition::SubstantialPublicInterest => {
                "we need it for reasons of substantial public interest that the law sets out, such as safeguarding children"
            }
            SpecialCondition::HealthOrSocialCare => "we need it to provide health or social care",
            SpecialCondition::PublicHealth => "we need it for reasons of public health",
            SpecialCondition::ArchivingResearchAndStatistics => {
                "we need it for archiving, research or statistics in the public interest, with safeguards"
            }
        }
    }

    pub fn dpv(self) -> &'static str {
        match self {
            SpecialCondition::ExplicitConsent => "eu-gdpr:A9-2-a",
            SpecialCondition::EmploymentAndSocialSecurity => "eu-gdpr:A9-2-b",
            SpecialCondition::VitalInterests => "eu-gdpr:A9-2-c",
            SpecialCondition::NotForProfitBodies => "eu-gdpr:A9-2-d",
            SpecialCondition::MadePublicByYou => "eu-gdpr:A9-2-e",
            SpecialCondition::LegalClaims => "eu-gdpr:A9-2-f",
            SpecialCondition::SubstantialPublicInterest => "eu-gdpr:A9-2-g",
            SpecialCondition::HealthOrSocialCare => "eu-gdpr:A9-2-h",
            SpecialCondition::PublicHealth => "eu-gdpr:A9-2-i",
            SpecialCondition::ArchivingResearchAndStatistics => "eu-gdpr:A9-2-j",
        }
    }
}
