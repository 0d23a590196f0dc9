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

/// `GET /staff/cases`: a tab of the inbox, or one reference.
pub async fn show(
    State(app): State<AppState>,
    Extension(user): Extension<StaffUser>,
    Query(params): Query<InboxParams>,
    page: Page,
) -> AppResult<Response> {
    let view = View::read(&params, &user);
    let teams = view.teams(&user);
    let reference = params
        .reference
        .map(|r| r.trim().to_ascii_uppercase())
        .filter(|r| !r.is_empty());
    let query = match reference.as_deref() {
        Some(reference) => view.search(&teams, &user, InboxFilter::Reference(reference)),
        None => view.query(&teams, &user),
    };
    let found = app.vault.inbox(&query).await?;
    let searched = reference.map_or(Search::None, |r| Search::Done(format!("reference {r}")));
    render(&app, &user, &page, &view, found, searched).await
}

#[derive(Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    team: Option<String>,
}

/// `POST /staff/cases/search`: one person's cases, by their email address.
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
    let view = View::read(&params, &user);
    let email = form.email.trim();
    if email.is_empty() || crate::fields::email_error(email).is_some() {
        return render_with_error(&app, &user, &page, &view).await;
    }
    let teams = view.teams(&user);
    let query = view.search(&teams, &user, InboxFilter::Tab(view.tab));
    let now = app.clock.unix();
    let found = app
        .vault
        .inbox_search_by_email(&query, email, &user.actor(), now)
        .await?;
    let searched = Search::Done("the email address you entered".to_owned());
    render(&app, &user, &page, &view, found, searched).await
}

/// The inbox with the search box's error, and its tab as it was: nothing
/// was searched, so nothing is audited.
async fn render_with_error(
    app: &AppState,
    user: &StaffUser,
    page: &Page,
    view: &View,
) -> AppResult<Response> {
    let teams = view.teams(user);
    let found = app.vault.inbox(&view.query(&teams, user)).await?;
    let error = "Enter an email address in the correct format, like name@example.com";
    let mut response = render(app, user, page, view, found, Search::Refused(error)).await?;
    *response.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    Ok(response)
}

/// What the page says about a search.
enum Search {
    None,
    /// Found by: "reference ABC-123".
    Done(String),
    /// The search box's error.
    Refused(&'static str),
}

async fn render(
    app: &AppState,
    user: &StaffUser,
    page: &Page,
    view: &View,
    found: InboxPage,
    search: Search,
) -> AppResult<Response> {
    let (searched, search_error) = match search {
        Search::None => (None, None),
        Search::Done(what) => (Some(what), None),
        Search::Refused(error) => (None, Some(error)),
    };
    let counts = app
        .vault
        .inbox_counts(&view.teams(user), &user.username)
        .await?;
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
    let pages = pagination(view, found.total);
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
    let context = context! {
        tabs, sorting, cases, pages, searched, search_error, team_choices,
        tab => tab_label(view.tab),
        total => found.total,
        from => first,
        to => first + shown - 1,
        team => view.team,
        current_tab => view.tab.as_str(),
    };
    let title = if search_error.is_some() {
        "Error: Cases"
    } else {
        "Cases"
    };
    Ok(page
        .render("staff/cases.html", title, context)?
        .into_response())
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
