//! Where a case stands. Stored as the words the `cases.status` column has
//! always held, and read back into this type once, at the row, so nothing
//! above the store compares strings.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseStatus {
    /// Received, nobody has taken it yet.
    New,
    /// A caseworker has taken it.
    Assigned,
    /// Answered by email; the case stays open for what follows.
    Replied,
    Closed,
    /// Sent by a child under the parental consent age to something that
    /// needs a parent's permission: no inbox, analysis or search shows it
    /// until they agree.
    AwaitingGuardian,
}

impl CaseStatus {
    /// The statuses a caseworker's inbox lists and filters by, in order.
    pub const IN_THE_INBOX: [CaseStatus; 4] = [
        CaseStatus::New,
        CaseStatus::Assigned,
        CaseStatus::Replied,
        CaseStatus::Closed,
    ];

    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::New => "new",
            CaseStatus::Assigned => "assigned",
            CaseStatus::Replied => "replied",
            CaseStatus::Closed => "closed",
            CaseStatus::AwaitingGuardian => "awaiting_guardian",
        }
    }

    /// A stored word back into a status; `None` for any other text.
    pub fn parse(text: &str) -> Option<CaseStatus> {
        [
            CaseStatus::New,
            CaseStatus::Assigned,
            CaseStatus::Replied,
            CaseStatus::Closed,
            CaseStatus::AwaitingGuardian,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// What staff see.
    pub fn label(self) -> &'static str {
        match self {
            CaseStatus::New => "New",
            CaseStatus::Assigned => "Assigned",
            CaseStatus::Replied => "Replied",
            CaseStatus::Closed => "Closed",
            CaseStatus::AwaitingGuardian => "Waiting for a parent or guardian",
        }
    }

    /// Taking a case moves it from new to assigned; any later state stays.
    pub fn taken(self) -> CaseStatus {
        match self {
            CaseStatus::New => CaseStatus::Assigned,
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CaseStatus;

    #[test]
    fn every_status_reads_back_as_itself() {
        for s in CaseStatus::IN_THE_INBOX
            .into_iter()
            .chain([CaseStatus::AwaitingGuardian])
        {
            assert_eq!(CaseStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(CaseStatus::parse("New"), None);
        assert_eq!(CaseStatus::New.taken(), CaseStatus::Assigned);
        assert_eq!(CaseStatus::Replied.taken(), CaseStatus::Replied);
    }
}
