//! The W3C Data Privacy Vocabulary (DPV 2) terms a policy may map its
//! categories, purposes and recipients to in `/privacy.json`.
//!
//! Only terms listed here are accepted, so a typo in a policy is an error
//! rather than a silently wrong machine-readable record.

/// Prefixes used in `/privacy.json`'s `@context`.
pub const CONTEXT: [(&str, &str); 4] = [
    ("dpv", "https://w3id.org/dpv#"),
    ("pd", "https://w3id.org/dpv/pd#"),
    ("eu-gdpr", "https://w3id.org/dpv/legal/eu/gdpr#"),
    ("dpv-owl", "https://w3id.org/dpv/owl#"),
];

/// Personal data categories (DPV-PD).
pub const PERSONAL_DATA: &[&str] = &[
    "pd:Age",
    "pd:AgeRange",
    "pd:BrowsingBehaviour",
    "pd:Communication",
    "pd:CommunicationsMetadata",
    "pd:Contact",
    "pd:Country",
    "pd:DateOfBirth",
    "pd:Education",
    "pd:EmailAddress",
    "pd:EmploymentHistory",
    "pd:Family",
    "pd:HealthRecord",
    "pd:Identifier",
    "pd:IPAddress",
    "pd:Location",
    "pd:Name",
    "pd:Opinion",
    "pd:Password",
    "pd:PhysicalAddress",
    "pd:PostalAddress",
    "pd:Preference",
    "pd:Professional",
    "pd:Qualification",
    "pd:Skills",
    "pd:TelephoneNumber",
    "pd:UserAgent",
    "pd:Username",
];

/// Purposes (DPV core).
pub const PURPOSES: &[&str] = &[
    "dpv:CommunicationForCustomerCare",
    "dpv:CommunicationManagement",
    "dpv:CustomerCare",
    "dpv:EnforceSecurity",
    "dpv:FraudPreventionAndDetection",
    "dpv:IdentityVerification",
    "dpv:LegalCompliance",
    "dpv:Marketing",
    "dpv:OptimisationForConsumer",
    "dpv:PersonnelManagement",
    "dpv:ProvideEventRecommendations",
    "dpv:PublicBenefit",
    "dpv:ResearchAndDevelopment",
    "dpv:ServiceProvision",
    "dpv:ServiceUsageAnalytics",
    "dpv:UserInterfacePersonalisation",
    "dpv:AccountManagement",
    "dpv:ProtectionOfVitalInterests",
    "dpv:Recruitment",
];

/// Kinds of recipient (DPV entities).
pub const RECIPIENTS: &[&str] = &[
    "dpv:DataController",
    "dpv:DataProcessor",
    "dpv:DataSubProcessor",
    "dpv:GovernmentalOrganisation",
    "dpv:ThirdParty",
    "dpv:Recipient",
];

/// The closest known term to `term` in `list`, to suggest in an error.
pub fn suggest(term: &str, list: &[&'static str]) -> Option<&'static str> {
    let lower = term.to_ascii_lowercase();
    let local = lower.rsplit(':').next().unwrap_or(&lower).to_owned();
    list.iter().copied().find(|t| {
        t.to_ascii_lowercase().ends_with(&local) || t.to_ascii_lowercase().contains(&local)
    })
}
