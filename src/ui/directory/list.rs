//! The list of one tab: search, the user filters and pages of [`PAGE_SIZE`] rows, so a
//! 100,000-user tenant renders 50 rows at a time.

use attest_engine::directory::{AssignmentKind, Directory, GroupKind, Membership, User, UserType};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::{count, follow, DirQuery, Go, Tab, FILTERS, INACTIVE_DAYS};
use crate::runtime::use_runtime;
use crate::ui::components::TableRegion;

pub const PAGE_SIZE: usize = 50;

/// One cell: its text and, for a status, the badge class it is shown with.
#[derive(Clone, Debug, PartialEq)]
struct Cell {
    text: String,
    badge: Option<&'static str>,
}

fn plain(text: impl Into<String>) -> Cell {
    Cell {
        text: text.into(),
        badge: None,
    }
}

fn badge(text: impl Into<String>, class: &'static str) -> Cell {
    Cell {
        text: text.into(),
        badge: Some(class),
    }
}

#[derive(Clone, Debug, PartialEq)]
struct Row {
    id: String,
    name: String,
    /// Shown under the name (a user's principal name).
    subtitle: Option<String>,
    cells: Vec<Cell>,
}

/// One page of a tab's list.
#[derive(Clone, Debug, PartialEq)]
struct Listing {
    columns: &'static [&'static str],
    /// Rows matching the search and filters, over all pages.
    total: usize,
    /// Zero-based page shown (clamped to the last page).
    page: usize,
    rows: Vec<Row>,
}

/// Case-insensitive "contains" on any of `fields`; an empty search matches everything.
/// `needle` is already lower case.
fn matches(needle: &str, fields: &[&str]) -> bool {
    needle.is_empty() || fields.iter().any(|f| contains_folded(f, needle))
}

/// Whether `hay` contains `needle` (lower case) ignoring case. ASCII text — ids, principal
/// names, most display names — is compared in place: a search over 100,000 users then
/// allocates nothing.
fn contains_folded(hay: &str, needle: &str) -> bool {
    if hay.is_ascii() && needle.is_ascii() {
        let (hay, needle) = (hay.as_bytes(), needle.as_bytes());
        needle.len() <= hay.len()
            && hay
                .windows(needle.len())
                .any(|w| w.eq_ignore_ascii_case(needle))
    } else {
        hay.to_lowercase().contains(needle)
    }
}

fn user_kept(u: &User, needle: &str, query: &DirQuery, now: DateTime<Utc>) -> bool {
    let f = query.filters;
    (!f.guests || u.user_type == UserType::Guest)
        && (!f.inactive || u.is_inactive(INACTIVE_DAYS, now))
        && (!f.no_manager || u.manager.is_none())
        && (!f.blocked || !u.account_enabled)
        && matches(needle, &[&u.display_name, &u.user_principal_name, &u.id])
}

/// "today", "yesterday", "94 days ago".
pub fn days_ago(days: i64) -> String {
    match days {
        i64::MIN..=0 => "today".into(),
        1 => "yesterday".into(),
        n => format!("{} days ago", count(n as usize)),
    }
}

pub fn last_sign_in(u: &User, now: DateTime<Utc>) -> String {
    match u.last_sign_in {
        Some(at) => days_ago((now - at).num_days()),
        None => "Never".into(),
    }
}

pub fn group_kind(kind: GroupKind) -> &'static str {
    match kind {
        GroupKind::Security => "Security",
        GroupKind::Microsoft365 => "Microsoft 365",
    }
}

/// The page the query asks for, in order of `key` (name, then id, so pages never overlap),
/// turned into rows. Only that page is sorted: two selections find its rows among
/// everything found, which keeps a 100,000-user list from sorting 100,000 names.
fn page_of<T>(
    mut found: Vec<&T>,
    query: &DirQuery,
    columns: &'static [&'static str],
    key: impl Fn(&T) -> (&str, &str),
    row: impl Fn(&T) -> Row,
) -> Listing {
    let total = found.len();
    let last_page = total.saturating_sub(1) / PAGE_SIZE;
    let page = query.page.min(last_page);
    let order = |a: &&T, b: &&T| key(a).cmp(&key(b));
    let from = page * PAGE_SIZE;
    if from > 0 && from < total {
        found.select_nth_unstable_by(from, order);
    }
    let rest = &mut found[from.min(total)..];
    if rest.len() > PAGE_SIZE {
        rest.select_nth_unstable_by(PAGE_SIZE, order);
    }
    let shown = PAGE_SIZE.min(rest.len());
    let shown = &mut rest[..shown];
    shown.sort_unstable_by(order);
    Listing {
        columns,
        total,
        page,
        rows: shown.iter().map(|t| row(t)).collect(),
    }
}

fn listing(dir: &Directory, query: &DirQuery, now: DateTime<Utc>) -> Listing {
    let needle = query.search.trim().to_lowercase();
    let needle = needle.as_str();
    match query.tab {
        Tab::Users => page_of(
            dir.users
                .values()
                .filter(|u| user_kept(u, needle, query, now))
                .collect(),
            query,
            &["Name", "Type", "Department", "Account", "Last sign-in"],
            |u| (&u.display_name, &u.id),
            |u| Row {
                id: u.id.clone(),
                name: u.display_name.clone(),
                subtitle: Some(u.user_principal_name.clone()),
                cells: vec![
                    match u.user_type {
                        UserType::Member => plain("Member"),
                        UserType::Guest => badge("Guest", "badge-warning"),
                    },
                    plain(u.department.clone().unwrap_or_default()),
                    if u.account_enabled {
                        plain("Enabled")
                    } else {
                        badge("Blocked", "badge-danger")
                    },
                    plain(last_sign_in(u, now)),
                ],
            },
        ),
        Tab::Groups => page_of(
            dir.groups
                .values()
                .filter(|g| matches(needle, &[&g.display_name, &g.id]))
                .collect(),
            query,
            &["Name", "Type", "Membership", "Source", "Owners", "Members"],
            |g| (&g.display_name, &g.id),
            |g| Row {
                id: g.id.clone(),
                name: g.display_name.clone(),
                subtitle: None,
                cells: vec![
                    plain(group_kind(g.kind)),
                    match g.membership {
                        Membership::Assigned => plain("Assigned"),
                        Membership::Dynamic { .. } => badge("Dynamic", "badge-warning"),
                    },
                    if g.on_premises_sync {
                        badge("On-premises", "badge-warning")
                    } else {
                        plain("Cloud")
                    },
                    plain(count(g.owners.len())),
                    plain(count(g.members.len())),
                ],
            },
        ),
        Tab::Applications => page_of(
            dir.applications
                .values()
                .filter(|a| matches(needle, &[&a.display_name, &a.id]))
                .collect(),
            query,
            &["Name", "Owners", "Assignments"],
            |a| (&a.display_name, &a.id),
            |a| Row {
                id: a.id.clone(),
                name: a.display_name.clone(),
                subtitle: None,
                cells: vec![
                    plain(count(a.owners.len())),
                    plain(count(a.assignments.len())),
                ],
            },
        ),
        Tab::Roles => page_of(
            dir.roles
                .values()
                .filter(|r| matches(needle, &[&r.display_name, &r.id]))
                .collect(),
            query,
            &["Name", "Privileged", "Active", "Eligible"],
            |r| (&r.display_name, &r.id),
            |r| {
                let of = |kind| r.assignments.iter().filter(|a| a.kind == kind).count();
                Row {
                    id: r.id.clone(),
                    name: r.display_name.clone(),
                    subtitle: None,
                    cells: vec![
                        if r.privileged {
                            badge("Privileged", "badge-danger")
                        } else {
                            plain("No")
                        },
                        plain(count(of(AssignmentKind::Active))),
                        plain(count(of(AssignmentKind::Eligible))),
                    ],
                }
            },
        ),
        Tab::Packages => page_of(
            dir.access_packages
                .values()
                .filter(|p| matches(needle, &[&p.display_name, &p.id]))
                .collect(),
            query,
            &["Name", "Owners", "Assignments"],
            |p| (&p.display_name, &p.id),
            |p| Row {
                id: p.id.clone(),
                name: p.display_name.clone(),
                subtitle: None,
                cells: vec![
                    plain(count(p.owners.len())),
                    plain(count(p.assignments.len())),
                ],
            },
        ),
    }
}

/// Search box, filters (users), the table of one page and the page links.
#[component]
pub fn DirectoryList(query: Memo<DirQuery>, go: Go) -> impl IntoView {
    let runtime = use_runtime();
    // Selecting a row changes the URL but not the list: don't filter again for it.
    let list_query = Memo::new(move |_| DirQuery {
        selected: None,
        ..query.get()
    });
    let listing = Memo::new(move |_| {
        let q = list_query.get();
        runtime
            .state
            .with(|s| listing(&s.directory, &q, runtime.now()))
    });
    let tab = Memo::new(move |_| query.with(|q| q.tab));

    let on_search = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        let mut q = query.get_untracked();
        q.search = value;
        q.page = 0;
        go.to(&q, true);
    };

    let filters = move || {
        (tab.get() == Tab::Users).then(|| {
            view! {
                <fieldset class="directory-filters">
                    <legend class="visually-hidden">"Show only"</legend>
                    {FILTERS
                        .iter()
                        .map(|(word, label)| {
                            let word = *word;
                            view! {
                                <label class="filter-chip">
                                    <input
                                        type="checkbox"
                                        prop:checked=move || query.with(|q| q.filters.is_on(word))
                                        on:change=move |_| {
                                            let mut q = query.get_untracked();
                                            if let Some(on) = q.filters.flag(word) {
                                                *on = !*on;
                                            }
                                            q.page = 0;
                                            go.to(&q, false);
                                        }
                                    />
                                    {*label}
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
            }
        })
    };

    let page_link = move |label: &'static str, delta: isize| {
        move || {
            let l = listing.get();
            let last = l.total.saturating_sub(1) / PAGE_SIZE;
            let target = l.page as isize + delta;
            if target < 0 || target as usize > last {
                view! { <span class="button button-secondary" aria-disabled="true">{label}</span> }
                    .into_any()
            } else {
                let mut q = query.get();
                q.page = target as usize;
                view! { <a class="button button-secondary" href=q.href()>{label}</a> }.into_any()
            }
        }
    };

    let summary = move || {
        let l = listing.get();
        let noun = tab.get().label().to_lowercase();
        if !runtime.ready.get() {
            "Loading the directory\u{2026}".to_string()
        } else if l.total == 0 {
            format!("No {noun} match.")
        } else {
            let first = l.page * PAGE_SIZE + 1;
            let last = (first + l.rows.len()).saturating_sub(1);
            format!(
                "Showing {}\u{2013}{} of {} {noun}",
                count(first),
                count(last),
                count(l.total)
            )
        }
    };

    view! {
        <section class="directory-list" aria-label=move || tab.get().label()>
            <div class="directory-search">
                <label for="directory-search">{move || format!("Search {}", tab.get().label().to_lowercase())}</label>
                <input
                    id="directory-search"
                    type="search"
                    autocomplete="off"
                    placeholder=move || {
                        if tab.get() == Tab::Users { "Name, user principal name or id" } else { "Name or id" }
                    }
                    prop:value=move || query.with(|q| q.search.clone())
                    on:input=on_search
                />
            </div>
            {filters}
            <p class="directory-count" role="status">{summary}</p>
            <TableRegion label="Directory">
                <table class="directory-table">
                    <thead>
                        <tr>
                            {move || listing.with(|l| l.columns.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view())}
                        </tr>
                    </thead>
                    <tbody>
                        {move || {
                            let l = listing.get();
                            let current = query.get();
                            l.rows
                                .into_iter()
                                .map(|row| {
                                    let selected = current.selected.as_deref() == Some(row.id.as_str());
                                    let mut q = current.clone();
                                    q.selected = Some(row.id.clone());
                                    q.page = l.page;
                                    view! {
                                        <tr class:selected=selected>
                                            <th scope="row">
                                                <a
                                                    href=q.href()
                                                    aria-current=selected.then_some("true")
                                                    on:click=move |ev| follow(&ev, go, &q)
                                                >
                                                    {row.name}
                                                </a>
                                                {row.subtitle.map(|s| {
                                                    // A narrow column breaks a principal name before its domain, not mid-word.
                                                    let (name, domain) = s.split_at(s.find('@').unwrap_or(s.len()));
                                                    view! { <span class="row-subtitle">{name.to_string()}<wbr />{domain.to_string()}</span> }
                                                })}
                                            </th>
                                            {row
                                                .cells
                                                .into_iter()
                                                .map(|cell| match cell.badge {
                                                    Some(class) => view! { <td><span class=format!("badge {class}")>{cell.text}</span></td> }.into_any(),
                                                    None => view! { <td>{cell.text}</td> }.into_any(),
                                                })
                                                .collect_view()}
                                        </tr>
                                    }
                                })
                                .collect_view()
                        }}
                    </tbody>
                </table>
            </TableRegion>
            <nav class="directory-pages" aria-label="Pages">
                {page_link("Previous", -1)}
                {page_link("Next", 1)}
            </nav>
        </section>
    }
}
