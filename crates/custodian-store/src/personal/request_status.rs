//! Where a request about someone's data stands. Stored as the words the
//! `rights_requests.status` column has always held, read back once, at the
//! row.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestStatus {
    /// The statutory clock is running.
    Open,
    /// The clock is stopped until the person proves who they are.
    WaitingForIdentity,
    Done,
    Refused,
}

impl RequestStatus {
    const ALL: [RequestStatus; 4] = [
        RequestStatus::Open,
        RequestStatus::WaitingForIdentity,
        RequestStatus::Done,
        RequestStatus::Refused,
    ];

    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Open => "open",
            RequestStatus::WaitingForIdentity => "waiting_for_identity",
            RequestStatus::Done => "done",
            RequestStatus::Refused => "refused",
        }
    }

    /// A stored word back into a status; `None` for any other text.
    pub fn parse(text: &str) -> Option<RequestStatus> {
        RequestStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// What the person and staff see.
    pub fn label(self) -> &'static str {
        match self {
            RequestStatus::Open => "Open",
            RequestStatus::WaitingForIdentity => "Waiting for proof of identity",
            RequestStatus::Done => "Done",
            RequestStatus::Refused => "Refused",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RequestStatus;

    #[test]
    fn every_status_reads_back_as_itself() {
        for s in RequestStatus::ALL {
            assert_eq!(RequestStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(RequestStatus::parse("closed"), None);
    }
}
