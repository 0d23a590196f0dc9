//! The caseworker's inbox: their teams' cases in tabs by where each stands,
//! counted, sorted by a column and a page at a time. Cases held for a
//! parent's permission are in no tab: staff cannot read them.

use sqlx::Row;

use super::PersonalData;
use super::cases::{CaseRow, CaseStatus, case_from};
use crate::{Result, with_pool};

/// Where a case stands, as the inbox's tabs divide them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxTab {
    /// New: nobody has taken it.
    Unassigned,
    /// Taken by the member of staff looking, and not yet answered.
    Mine,
    /// Taken by a colleague, and not yet answered.
    Colleagues,
    /// Answered: waiting for the person, if anything.
    Replied,
    Closed,
}

impl InboxTab {
    pub const ALL: [InboxTab; 5] = [
        InboxTab::Unassigned,
        InboxTab::Mine,
        InboxTab::Colleagues,
        InboxTab::Replied,
        InboxTab::Closed,
    ];

    /// The word in the address: `?tab=mine`.
    pub fn as_str(self) -> &'static str {
        match self {
            InboxTab::Unassigned => "unassigned",
            InboxTab::Mine => "mine",
            InboxTab::Colleagues => "colleagues",
            InboxTab::Replied => "replied",
            InboxTab::Closed => "closed",
        }
    }

    pub fn parse(word: &str) -> Option<InboxTab> {
        InboxTab::ALL.into_iter().find(|t| t.as_str() == word)
    }

    /// Where a case is: its status, and for a taken one, whose it is.
    pub fn of(case: &CaseRow, me: &str) -> Option<InboxTab> {
        Some(match case.status {
            CaseStatus::New => InboxTab::Unassigned,
            CaseStatus::Assigned if case.assigned_to.as_deref() == Some(me) => InboxTab::Mine,
            CaseStatus::Assigned => InboxTab::Colleagues,
            CaseStatus::Replied => InboxTab::Replied,
            CaseStatus::Closed => InboxTab::Closed,
            CaseStatus::AwaitingGuardian => return None,
        })
    }
}

/// The columns the inbox sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxSort {
    Received,
    Reference,
    Form,
    /// When anything last happened to it.
    Updated,
}

impl InboxSort {
    pub const ALL: [InboxSort; 4] = [
        InboxSort::Received,
        InboxSort::Reference,
        InboxSort::Form,
        InboxSort::Updated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InboxSort::Received => "received",
            InboxSort::Reference => "reference",
            InboxSort::Form => "form",
            InboxSort::Updated => "updated",
        }
    }

    pub fn parse(word: &str) -> Option<InboxSort> {
        InboxSort::ALL.into_iter().find(|s| s.as_str() == word)
    }

    fn column(self) -> &'static str {
        match self {
            InboxSort::Received => "created_at",
            InboxSort::Reference => "reference",
            InboxSort::Form => "form",
            InboxSort::Updated => "updated_at",
        }
    }
}

/// Which cases: a tab, or everything of the teams' matching a search.
#[derive(Debug, Clone, Copy)]
pub enum InboxFilter<'a> {
    Tab(InboxTab),
    /// A case's reference, exactly.
    Reference(&'a str),
    /// A person's cases, found through the vault's keyed index.
    Subject(&'a str),
}

#[derive(Debug, Clone, Copy)]
pub struct InboxQuery<'a> {
    pub teams: &'a [String],
    /// The username of the member of staff looking.
    pub me: &'a str,
    pub filter: InboxFilter<'a>,
    pub sort: InboxSort,
    pub descending: bool,
    /// From 0.
    pub page: i64,
    pub per_page: i64,
}

/// One page of cases, and how many there are in all.
#[derive(Debug)]
pub struct InboxPage {
    pub cases: Vec<CaseRow>,
    pub total: i64,
}

/// A value bound to the inbox's SQL.
enum Bound<'a> {
    Text(&'a str),
    Number(i64),
}

/// The conditions of a query and the values they bind, numbered from `$1`.
struct Conditions<'a> {
    sql: String,
    values: Vec<Bound<'a>>,
}

impl<'a> Conditions<'a> {
    fn new(teams: &'a [String]) -> Self {
        let mut c = Conditions {
            sql: String::new(),
            values: Vec::new(),
        };
        if teams.is_empty() {
            c.sql.push_str("1 = 0");
        } else {
            let marks: Vec<String> = teams.iter().map(|t| c.bind(Bound::Text(t))).collect();
            c.sql.push_str(&format!("team IN ({})", marks.join(", ")));
        }
        c
    }

    /// Binds a value; its placeholder.
    fn bind(&mut self, value: Bound<'a>) -> String {
        self.values.push(value);
        format!("${}", self.values.len())
    }

    fn and(&mut self, clause: &str) {
        self.sql.push_str(" AND ");
        self.sql.push_str(clause);
    }

    fn status_is(&mut self, status: CaseStatus) {
        let mark = self.bind(Bound::Text(status.as_str()));
        self.and(&format!("status = {mark}"));
    }

    fn filter(&mut self, filter: InboxFilter<'a>, me: &'a str) {
        match filter {
            InboxFilter::Tab(InboxTab::Unassigned) => self.status_is(CaseStatus::New),
            InboxFilter::Tab(InboxTab::Mine) => {
                self.status_is(CaseStatus::Assigned);
                let mark = self.bind(Bound::Text(me));
                self.and(&format!("assigned_to = {mark}"));
            }
            InboxFilter::Tab(InboxTab::Colleagues) => {
                self.status_is(CaseStatus::Assigned);
                let mark = self.bind(Bound::Text(me));
                self.and(&format!("(assigned_to IS NULL OR assigned_to <> {mark})"));
            }
            InboxFilter::Tab(InboxTab::Replied) => self.status_is(CaseStatus::Replied),
            InboxFilter::Tab(InboxTab::Closed) => self.status_is(CaseStatus::Closed),
            InboxFilter::Reference(reference) => {
                let mark = self.bind(Bound::Text(reference));
                self.and(&format!("reference = {mark}"));
                self.not_held();
            }
            InboxFilter::Subject(subject) => {
                let mark = self.bind(Bound::Text(subject));
                self.and(&format!("subject_id = {mark}"));
                self.not_held();
            }
        }
    }

    fn not_held(&mut self) {
        let mark = self.bind(Bound::Text(CaseStatus::AwaitingGuardian.as_str()));
        self.and(&format!("status <> {mark}"));
    }
}

/// The query `$sql` with the conditions' values bound, for either database.
macro_rules! bound {
    ($sql:expr, $values:expr) => {{
        let mut q = sqlx::query(sqlx::AssertSqlSafe($sql));
        for value in $values {
            q = match value {
                Bound::Text(t) => q.bind(*t),
                Bound::Number(n) => q.bind(*n),
            };
        }
        q
    }};
}

impl PersonalData<'_> {
    /// A page of the inbox and the number of cases it holds in all.
    pub async fn inbox(&self, q: &InboxQuery<'_>) -> Result<InboxPage> {
        let mut c = Conditions::new(q.teams);
        c.filter(q.filter, q.me);
        let count_sql = format!("SELECT COUNT(*) AS n FROM cases WHERE {}", c.sql);
        let count_values = c.values.len();
        let direction = if q.descending { "DESC" } else { "ASC" };
        let limit = c.bind(Bound::Number(q.per_page));
        let offset = c.bind(Bound::Number(q.page.saturating_mul(q.per_page)));
        // Built from fixed clauses only; every value is a bound parameter,
        // and the column is one of `InboxSort`'s.
        let page_sql = format!(
            "SELECT {} FROM cases WHERE {} ORDER BY {col} {direction}, id {direction} LIMIT {limit} OFFSET {offset}",
            super::cases::CASE_COLUMNS,
            c.sql,
            col = q.sort.column(),
        );
        let (cases, total) = with_pool!(&self.store.pool, p => {
            let total: i64 = bound!(count_sql.clone(), &c.values[..count_values])
                .fetch_one(p).await?.try_get("n")?;
            let cases = bound!(page_sql.clone(), &c.values)
                .fetch_all(p).await?
                .iter().map(case_from).collect::<Result<Vec<_>, _>>()?;
            (cases, total)
        });
        Ok(InboxPage { cases, total })
    }

    /// How many cases each tab holds: a count per tab, each answered from
    /// an index on its team and status, all asked at once.
    pub async fn inbox_counts(&self, teams: &[String], me: &str) -> Result<Vec<(InboxTab, i64)>> {
        let [a, b, c, d, e] = InboxTab::ALL;
        let (a, b, c, d, e) = tokio::try_join!(
            self.tab_count(teams, me, a),
            self.tab_count(teams, me, b),
            self.tab_count(teams, me, c),
            self.tab_count(teams, me, d),
            self.tab_count(teams, me, e),
        )?;
        Ok(vec![a, b, c, d, e])
    }

    async fn tab_count(
        &self,
        teams: &[String],
        me: &str,
        tab: InboxTab,
    ) -> Result<(InboxTab, i64)> {
        let mut c = Conditions::new(teams);
        c.filter(InboxFilter::Tab(tab), me);
        let sql = format!("SELECT COUNT(*) AS n FROM cases WHERE {}", c.sql);
        let n: i64 = with_pool!(&self.store.pool, p => {
            bound!(sql.clone(), &c.values).fetch_one(p).await?.try_get("n")?
        });
        Ok((tab, n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_and_sorts_read_back_from_their_words() {
        for tab in InboxTab::ALL {
            assert_eq!(InboxTab::parse(tab.as_str()), Some(tab));
        }
        for sort in InboxSort::ALL {
            assert_eq!(InboxSort::parse(sort.as_str()), Some(sort));
        }
        assert_eq!(InboxTab::parse("Mine"), None);
        assert_eq!(InboxSort::parse("created_at; DROP TABLE cases"), None);
    }

    #[test]
    fn a_search_binds_every_value_and_leaves_held_cases_out() {
        let teams = ["a".to_owned(), "b".to_owned()];
        let mut c = Conditions::new(&teams);
        c.filter(InboxFilter::Reference("X-1"), "me");
        assert_eq!(
            c.sql,
            "team IN ($1, $2) AND reference = $3 AND status <> $4"
        );
        assert_eq!(c.values.len(), 4);
        let mut none = Conditions::new(&[]);
        none.filter(InboxFilter::Tab(InboxTab::Mine), "me");
        assert!(none.sql.starts_with("1 = 0"), "no team, no cases");
    }
}
