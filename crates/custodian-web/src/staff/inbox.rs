//! `/staff/cases`: a caseworker's inbox, as the Ministry of Justice design
//! system lays out a caseload: tabs with counts (sub-navigation), a
//! sortable table, and pages of 25. Open cases come oldest first; closed
//! ones most recently closed first. Searching by reference is a link;
//! searching by email address is a form sent by POST, so the address never
//! goes into a URL, and it is found through the vault's keyed index and
//! audited as a read.

use axum::Form;
use axum::extract::{Extension, Query, State};
use axum::response::{IntoResponse, Response};
use custodian_store::personal::cases::CaseStatus;
use custodian_store::personal::inbox::{InboxFilter, InboxPage, InboxQuery, InboxSort, InboxTab};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::StaffUser;
use super::cases::{Dates, summary};
use crate::error::AppResult;
use crate::page::Page;
use crate::state::AppState;

/// Cases on a page.
const PER_PAGE: i64 = 25;
/// Search results shown at once: one person's cases, or one reference.
const SEARCH_RESULTS: i64 = 100;

#[derive(Deserialize, Default)]
pub struct InboxParams {
    #[serde(default)]
    tab: Option<String>,
    #[serde(default)]
    team: Option<String>,
    #[serde(default)]
    sort: Option<String>,
    #[serde(default)]
    order: Option<String>,
    #[serde(default)]
    page: Option<String>,
    /// A reference to find (not personal, so it may be in the address).
    #[serde(default)]
    reference: Option<String>,
    /// The tab by its older name: `?status=new`.
    #[serde(default)]
    status: Option<String>,
}

/// What the page shows, read from the address and checked: anything it
/// does not recognise falls back to the default rather than failing.
#[derive(Clone)]
struct View {
    tab: InboxTab,
    team: Option<String>,
    sort: InboxSort,
    descending: bool,
    /// From 0.
    page: i64,
}

impl View {
    fn read(params: &InboxParams, user: &StaffUser) -> View {
        let tab = params
            .tab
            .as_deref()
            .and_then(InboxTab::parse)
            .or_else(
                || match params.status.as_deref().and_then(CaseStatus::parse) {
                    Some(CaseStatus::New) => Some(InboxTab::Unassigned),
                    Some(CaseStatus::Assigned) => Some(InboxTab::Mine),
                    Some(CaseStatus::Replied) => Some(InboxTab::Replied),
                    Some(CaseStatus::Closed) => Some(InboxTab::Closed),
                    _ => None,
                },
            )
            .unwrap_or(InboxTab::Unassigned);
        let (default_sort, default_descending) = default_order(tab);
        let sort = params.sort.as_deref().and_then(InboxSort::parse);
        let descending = match params.order.as_deref() {
            Some("descending") => true,
            Some("ascending") => false,
            _ if sort.is_none() => default_descending,
            _ => false,
        };
        let page = params
            .page
            .as_deref()
            .and_then(|p| p.parse::<i64>().ok())
            .filter(|p| (1..=100_000).contains(p))
            .map_or(0, |p| p - 1);
        View {
            tab,
            team: params.team.clone().filter(|t| user.teams.contains(t)),
            sort: sort.unwrap_or(default_sort),
            descending,
            page,
        }
    }

    /// The address of this view with some of it changed.
    fn href(&self) -> String {
        let order = if self.descending {
            "descending"
        } else {
            "ascending"
        };
        let page = (self.page + 1).to_string();
        let mut pairs = vec![("tab", self.tab.as_str())];
        if let Some(team) = &self.team {
            pairs.push(("team", team));
        }
        pairs.extend([("sort", self.sort.as_str()), ("order", order)]);
        if self.page > 0 {
            pairs.push(("page", &page));
        }
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        format!("/staff/cases?{query}")
    }

    /// This view's page of its tab.
    fn query<'a>(&self, teams: &'a [String], user: &'a StaffUser) -> InboxQuery<'a> {
        InboxQuery {
            teams,
            me: &user.username,
            filter: InboxFilter::Tab(self.tab),
            sort: self.sort,
            descending: self.descending,
            page: self.page,
            per_page: PER_PAGE,
        }
    }

    /// A search's results, newest first, on one page.
    fn search<'a>(
        &self,
        teams: &'a [String],
        user: &'a StaffUser,
        filter: InboxFilter<'a>,
    ) -> InboxQuery<'a> {
        InboxQuery {
            filter,
            sort: InboxSort::Received,
            descending: true,
            page: 0,
            per_page: SEARCH_RESULTS,
            ..self.query(teams, user)
        }
    }

    /// The teams whose cases it shows: the one chosen, or all of the member's.
    fn teams(&self, user: &StaffUser) -> Vec<String> {
        self.team
            .as_ref()
            .map_or_else(|| user.teams.clone(), |t| vec![t.clone()])
    }
}

/// Open cases oldest first, so nothing waits at the bottom; closed ones
/// most recently touched first.
fn default_order(tab: InboxTab) -> (InboxSort, bool) {
    match tab {
        InboxTab::Closed => (InboxSort::Updated, true),
        _ => (InboxSort::Received, false),
    }
}

fn tab_label(tab: InboxTab) -> &'static str {
    match tab {
        InboxTab::Unassigned => "Unassigned",
        InboxTab::Mine => "Assigned to me",
        InboxTab::Colleagues => "Assigned to colleagues",
        InboxTab::Replied => "Replied",
        InboxTab::Closed => "Closed",
    }
}

fn sort_label(sort: InboxSort) -> &'static str {
    match sort {
        InboxSort::Received => "Received",
        InboxSort::Reference => "Reference",
        InboxSort::Form => "Form",
        InboxSort::Updated => "Last action",
    }
}

#[derive(Serialize)]
struct Tab {
    label: &'static str,
    count: i64,
    href: String,
    current: bool,
}

#[derive(Serialize)]
struct Column {
    label: &'static str,
    href: String,
    /// `aria-sort`: "ascending", "descending" or "none".
    sorted: &'static str,
}

/// `GET /staff/cases`: a tab of the inbox, or one reference (the search box
/// sends by POST; a reference in the address is for links).
pub async fn show(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    Query(params): Query<InboxParams>,
    page: Page,
) -> AppResult<Response> {
    let mut view = View::read(&params, &user);
    let teams = view.teams(&user);
    let reference = params
        .reference
        .map(|r| r.trim().to_ascii_uppercase())
        .filter(|r| !r.is_empty() && !r.contains('@'));
    if let Some(reference) = reference {
        let query = view.search(&teams, &user, InboxFilter::Reference(&reference));
        let found = with_counts(&app, &user, &teams, &query).await?;
        let searched = Search::Done(format!("reference {reference}"));
        return render(&app, &user, &page, &view, found, searched);
    }
    let found = tab_page(&app, &user, &teams, &mut view).await?;
    render(&app, &user, &page, &view, found, Search::None)
}

/// A page of the view's tab; a page past the end is its last page.
async fn tab_page(
    app: &AppState,
    user: &StaffUser,
    teams: &[String],
    view: &mut View,
) -> AppResult<(InboxPage, Counts)> {
    let (found, counts) = with_counts(app, user, teams, &view.query(teams, user)).await?;
    let last = (found.total.max(1) - 1) / PER_PAGE;
    if view.page <= last {
        return Ok((found, counts));
    }
    view.page = last;
    Ok((app.vault.inbox(&view.query(teams, user)).await?, counts))
}

/// How many cases each tab holds.
type Counts = Vec<(InboxTab, i64)>;

/// A page and the tabs' counts, asked for at once (BENCHMARKS.md, the
/// inbox).
async fn with_counts(
    app: &AppState,
    user: &StaffUser,
    teams: &[String],
    query: &InboxQuery<'_>,
) -> AppResult<(InboxPage, Counts)> {
    Ok(tokio::try_join!(
        app.vault.inbox(query),
        app.vault.inbox_counts(teams, &user.username)
    )?)
}

#[derive(Deserialize)]
pub struct SearchForm {
    /// A reference, or an email address.
    #[serde(default)]
    q: String,
    #[serde(default)]
    team: Option<String>,
}

/// `POST /staff/cases/search`: a case by its reference, or one person's
/// cases by their email address, which by POST goes into no URL, history
/// or log; an address is matched through the keyed index and audited.
pub async fn search(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    page: Page,
    Form(form): Form<SearchForm>,
) -> AppResult<Response> {
    let params = InboxParams {
        team: form.team,
        ..InboxParams::default()
    };
    let mut view = View::read(&params, &user);
    let typed = form.q.trim();
    let problem = if typed.is_empty() {
        Some("Enter a reference or an email address")
    } else if typed.contains('@') && crate::fields::email_error(typed).is_some() {
        Some("Enter an email address in the correct format, like name@example.com")
    } else {
        None
    };
    let teams = view.teams(&user);
    if let Some(error) = problem {
        let found = tab_page(&app, &user, &teams, &mut view).await?;
        let search = Search::Refused { error, typed };
        let mut response = render(&app, &user, &page, &view, found, search)?;
        *response.status_mut() = axum::http::StatusCode::BAD_REQUEST;
        return Ok(response);
    }
    let counts = app.vault.inbox_counts(&teams, &user.username);
    let (found, searched) = if typed.contains('@') {
        let query = view.search(&teams, &user, InboxFilter::Tab(view.tab));
        let (actor, now) = (user.actor(), app.clock.unix());
        let found = app.vault.inbox_search_by_email(&query, typed, &actor, now);
        let found = tokio::try_join!(found, counts)?;
        (found, "the email address you entered".to_owned())
    } else {
        let reference = typed.to_ascii_uppercase();
        let query = view.search(&teams, &user, InboxFilter::Reference(&reference));
        let found = tokio::try_join!(app.vault.inbox(&query), counts)?;
        (found, format!("reference {reference}"))
    };
    render(&app, &user, &page, &view, found, Search::Done(searched))
}

/// What the page says about a search.
enum Search<'a> {
    None,
    /// Found by: "reference ABC-123".
    Done(String),
    /// The search box's error, and what was typed, shown again.
    Refused {
        error: &'static str,
        typed: &'a str,
    },
}

fn render(
    app: &AppState,
    user: &StaffUser,
    page: &Page,
    view: &View,
    (found, counts): (InboxPage, Counts),
    search: Search<'_>,
) -> AppResult<Response> {
    let (searched, search_error, typed) = match search {
        Search::None => (None, None, ""),
        Search::Done(what) => (Some(what), None, ""),
        Search::Refused { error, typed } => (None, Some(error), typed),
    };
    let tabs: Vec<Tab> = counts
        .into_iter()
        .map(|(tab, count)| {
            let (sort, descending) = default_order(tab);
            let to = View {
                tab,
                sort,
                descending,
                page: 0,
                ..view.clone()
            };
            Tab {
                label: tab_label(tab),
                count,
                href: to.href(),
                current: searched.is_none() && tab == view.tab,
            }
        })
        .collect();
    let sorting = columns(view);
    let last = (found.total.max(1) - 1) / PER_PAGE;
    let pages = if searched.is_some() {
        minijinja::Value::UNDEFINED
    } else {
        pagination(view, found.total)
    };
    let first = view.page * PER_PAGE + 1;
    let shown = i64::try_from(found.cases.len()).unwrap_or(0);
    let dates = Dates {
        today: app.clock.now().date(),
        holidays: app.vault.holidays(),
    };
    let cases: Vec<_> = found
        .cases
        .into_iter()
        .map(|c| summary(app, &dates, c))
        .collect();
    let team_choices: Vec<_> = app
        .checked
        .config
        .teams
        .iter()
        .filter(|(id, _)| user.teams.contains(id))
        .map(|(id, t)| context! { id, name => t.name, selected => view.team.as_deref() == Some(id.as_str()) })
        .collect();
    let title = title(view, searched.is_some(), search_error.is_some(), last);
    let context = context! {
        tabs, sorting, cases, pages, searched, search_error, typed, team_choices,
        tab => tab_label(view.tab),
        total => found.total,
        from => if searched.is_some() { 1 } else { first },
        to => if searched.is_some() { shown } else { first + shown - 1 },
        team => view.team,
        current_tab => view.tab.as_str(),
    };
    Ok(page
        .render("staff/cases.html", &title, context)?
        .into_response())
}

/// "Cases: Closed, page 2 of 4": which view this is, in the tab's title.
fn title(view: &View, searched: bool, failed: bool, last: i64) -> String {
    let error = if failed { "Error: " } else { "" };
    if searched {
        return format!("{error}Cases: search results");
    }
    let label = tab_label(view.tab);
    if last == 0 {
        return format!("{error}Cases: {label}");
    }
    format!(
        "{error}Cases: {label}, page {} of {}",
        view.page + 1,
        last + 1
    )
}

/// The sortable columns' headers: a link that sorts by the column, the
/// other way round if it is already sorted by it.
fn columns(view: &View) -> std::collections::BTreeMap<&'static str, Column> {
    InboxSort::ALL
        .into_iter()
        .map(|sort| {
            let current = sort == view.sort;
            let to = View {
                sort,
                descending: current && !view.descending,
                page: 0,
                ..view.clone()
            };
            let column = Column {
                label: sort_label(sort),
                href: to.href(),
                sorted: match (current, view.descending) {
                    (false, _) => "none",
                    (true, false) => "ascending",
                    (true, true) => "descending",
                },
            };
            (sort.as_str(), column)
        })
        .collect()
}

/// GOV.UK pagination: previous, next, the first and last pages, and the
/// pages around this one, with gaps between.
fn pagination(view: &View, total: i64) -> minijinja::Value {
    let last = (total.max(1) - 1) / PER_PAGE;
    let at = |page: i64| {
        View {
            page,
            ..view.clone()
        }
        .href()
    };
    let mut items = Vec::new();
    let mut gap = false;
    for page in 0..=last {
        let near = (page - view.page).abs() <= 1;
        if page == 0 || page == last || near {
            items.push(
                context! { number => page + 1, href => at(page), current => page == view.page },
            );
            gap = false;
        } else if !gap {
            items.push(context! { ellipsis => true });
            gap = true;
        }
    }
    context! {
        items => if last > 0 { items } else { Vec::new() },
        previous => (view.page > 0).then(|| at(view.page - 1)),
        next => (view.page < last).then(|| at(view.page + 1)),
    }
}
