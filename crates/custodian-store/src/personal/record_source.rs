//! Where a vault record came from: the `records.source` column, written
//! beside the ciphertext in plain text, so only ids, never anything a
//! person wrote. Built and read here only, so the words `case:`, `draft:`
//! and the rest appear in one place.

/// A record's source, borrowing the id it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordSource<'a> {
    /// An answer in a case (a form sent), by case id.
    Case(&'a str),
    /// An answer in a form not yet sent, by form id.
    Draft(&'a str),
    /// A request about someone's data, by request id.
    Request(&'a str),
    /// What the DPO recorded of a disclosure, by disclosure id.
    Disclosure(&'a str),
    /// An email-updates subscription, by subscriber id.
    Subscriber(&'a str),
    /// A public account, by account id.
    Account(&'a str),
    /// An email waiting to be sent, by outbox id.
    Outbox(&'a str),
}

impl<'a> RecordSource<'a> {
    fn parts(&self) -> (&'static str, &'a str) {
        match *self {
            RecordSource::Case(id) => ("case", id),
            RecordSource::Draft(id) => ("draft", id),
            RecordSource::Request(id) => ("request", id),
            RecordSource::Disclosure(id) => ("disclosure", id),
            RecordSource::Subscriber(id) => ("subscriber", id),
            RecordSource::Account(id) => ("account", id),
            RecordSource::Outbox(id) => ("outbox", id),
        }
    }

    /// The stored text: `case:<id>`.
    pub fn stored(&self) -> String {
        let (kind, id) = self.parts();
        format!("{kind}:{id}")
    }

    /// Stored text back into a source; `None` for a kind this does not know.
    pub fn parse(text: &'a str) -> Option<RecordSource<'a>> {
        let (kind, id) = text.split_once(':')?;
        let make = match kind {
            "case" => RecordSource::Case,
            "draft" => RecordSource::Draft,
            "request" => RecordSource::Request,
            "disclosure" => RecordSource::Disclosure,
            "subscriber" => RecordSource::Subscriber,
            "account" => RecordSource::Account,
            "outbox" => RecordSource::Outbox,
            _ => return None,
        };
        Some(make(id))
    }

    /// The id the source names.
    pub fn id(&self) -> &'a str {
        self.parts().1
    }
}

#[cfg(test)]
mod tests {
    use super::RecordSource;

    #[test]
    fn every_source_reads_back_as_itself() {
        for source in [
            RecordSource::Case("c_1"),
            RecordSource::Draft("contact"),
            RecordSource::Request("r_1"),
            RecordSource::Disclosure("d_1"),
            RecordSource::Subscriber("s_1"),
            RecordSource::Account("a_1"),
            RecordSource::Outbox("o_1"),
        ] {
            let stored = source.stored();
            assert_eq!(RecordSource::parse(&stored), Some(source));
        }
        assert_eq!(RecordSource::parse("form:contact"), None);
        assert_eq!(RecordSource::parse("case"), None);
        assert_eq!(RecordSource::Case("c_1").stored(), "case:c_1");
    }
}
