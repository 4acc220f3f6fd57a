//! The detail panel of the selected object: a user's account, manager chain and access; a
//! group's kind, owners and members; an application's, role's or package's assignments.
//! Every related object is a link that selects it.

use attest_engine::directory::{
    AccessPath, AssignmentKind, Directory, Membership, Principal, UserType,
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::access::{direct_reports, user_access};
use super::list::{days_ago, group_kind};
use super::{count, follow, DirQuery, Go, Tab, DETAIL_ID};
use crate::runtime::use_runtime;

/// Long member lists show this many links, then say how many more there are.
const LINKS_SHOWN: usize = 100;

#[component]
pub fn DetailPanel(query: Memo<DirQuery>) -> impl IntoView {
    let runtime = use_runtime();
    let selection = Memo::new(move |_| query.with(|q| (q.tab, q.selected.clone())));
    let body = move || {
        let (tab, selected) = selection.get();
        let Some(id) = selected else {
            return view! {
                <p class="detail-empty">{format!("Select a {} to see its details.", tab.noun())}</p>
            }
            .into_any();
        };
        let now = runtime.now();
        runtime.state.with(|s| {
            let dir = &s.directory;
            let found = match tab {
                Tab::Users => user_detail(dir, &id, now),
                Tab::Groups => group_detail(dir, &id),
                Tab::Applications => application_detail(dir, &id),
                Tab::Roles => role_detail(dir, &id),
                Tab::Packages => package_detail(dir, &id),
            };
            found.unwrap_or_else(|| {
                view! {
                    <p class="detail-empty" role="alert">
                        {format!("There is no {} with id \u{201c}{id}\u{201d} in the directory.", tab.noun())}
                    </p>
                }
                .into_any()
            })
        })
    };
    view! {
        <aside id=DETAIL_ID class="directory-detail card" aria-label="Details" tabindex="-1">
            {body}
        </aside>
    }
}

/// A link that selects `id` on `tab`, named by its display name.
fn object_link(dir: &Directory, tab: Tab, id: &str) -> AnyView {
    let name = dir.display_name(id).to_string();
    let target = DirQuery {
        tab,
        selected: Some(id.to_string()),
        ..DirQuery::default()
    };
    let go = expect_context::<Go>();
    view! {
        <a href=target.href() on:click=move |ev| follow(&ev, go, &target)>
            {name}
        </a>
    }
    .into_any()
}

fn principal_link(dir: &Directory, p: &Principal) -> AnyView {
    match p {
        Principal::User(u) => object_link(dir, Tab::Users, u),
        Principal::Group(g) => {
            view! { {object_link(dir, Tab::Groups, g)} " " <span class="badge">"Group"</span> }
                .into_any()
        }
    }
}

/// The first [`LINKS_SHOWN`] of `items` as views: long lists are cut before building views.
fn capped<T>(items: &[T], view: impl Fn(&T) -> AnyView) -> (usize, Vec<AnyView>) {
    (
        items.len(),
        items.iter().take(LINKS_SHOWN).map(view).collect(),
    )
}

/// A titled list of links out of `total`, "None" when empty.
fn link_list(title: &str, (total, items): (usize, Vec<AnyView>)) -> AnyView {
    let heading = format!("{title} ({})", count(total));
    let body = if total == 0 {
        view! { <p class="meta">"None"</p> }.into_any()
    } else {
        let more = (total > LINKS_SHOWN).then(
            || view! { <p class="meta">{format!("and {} more", count(total - LINKS_SHOWN))}</p> },
        );
        view! {
            <ul class="detail-links">
                {items.into_iter().map(|item| view! { <li>{item}</li> }).collect_view()}
            </ul>
            {more}
        }
        .into_any()
    };
    view! {
        <section class="detail-section">
            <h3>{heading}</h3>
            {body}
        </section>
    }
    .into_any()
}

fn fact(term: &'static str, value: AnyView) -> impl IntoView {
    view! {
        <div class="detail-fact">
            <dt>{term}</dt>
            <dd>{value}</dd>
        </div>
    }
}

fn text(s: impl Into<String>) -> AnyView {
    s.into().into_any()
}

fn date(at: DateTime<Utc>) -> String {
    crate::ui::components::local_day(at)
}

fn path_text(dir: &Directory, path: &AccessPath) -> AnyView {
    match path {
        AccessPath::Direct => text("Direct"),
        AccessPath::ViaGroup { group } => {
            view! { "Via " {object_link(dir, Tab::Groups, group)} }.into_any()
        }
    }
}

fn assignment_kind(kind: AssignmentKind) -> &'static str {
    match kind {
        AssignmentKind::Active => "Active",
        AssignmentKind::Eligible => "Eligible",
    }
}

fn user_detail(dir: &Directory, id: &str, now: DateTime<Utc>) -> Option<AnyView> {
    let u = dir.user(id)?;
    let chain = dir.manager_chain(id);
    let manager_chain = if chain.is_empty() {
        text("No manager")
    } else {
        view! {
            <ol class="manager-chain" aria-label="Manager chain">
                {chain.iter().map(|m| view! { <li>{object_link(dir, Tab::Users, m)}</li> }).collect_view()}
            </ol>
        }
        .into_any()
    };
    let sign_in = match u.last_sign_in {
        Some(at) => format!("{} ({})", date(at), days_ago((now - at).num_days())),
        None => "Never signed in".to_string(),
    };
    let access = user_access(dir, id);
    let groups = capped(&access.groups, |(g, path)| {
        view! { {object_link(dir, Tab::Groups, g)} " \u{00b7} " {path_text(dir, path)} }.into_any()
    });
    let applications = capped(&access.applications, |(a, path)| {
        view! { {object_link(dir, Tab::Applications, a)} " \u{00b7} " {path_text(dir, path)} }
            .into_any()
    });
    let roles = capped(&access.roles, |(r, kind)| {
        let privileged = dir.roles.get(r).is_some_and(|r| r.privileged);
        view! {
            {object_link(dir, Tab::Roles, r)}
            " \u{00b7} "
            {assignment_kind(*kind)}
            {privileged.then(|| view! { " " <span class="badge badge-danger">"Privileged"</span> })}
        }
        .into_any()
    });
    let packages = capped(&access.packages, |p| object_link(dir, Tab::Packages, p));
    Some(
        view! {
            <h2>{u.display_name.clone()}</h2>
            <dl class="detail-facts">
                {fact("Type", text(match u.user_type { UserType::Member => "Member", UserType::Guest => "Guest" }))}
                {fact("User principal name", text(u.user_principal_name.clone()))}
                {fact("Department", text(u.department.clone().unwrap_or_else(|| "\u{2014}".into())))}
                {fact(
                    "Account",
                    if u.account_enabled {
                        text("Enabled")
                    } else {
                        view! { <span class="badge badge-danger">"Blocked"</span> }.into_any()
                    },
                )}
                {fact("Created", text(date(u.created)))}
                {fact("Last sign-in", text(sign_in))}
                {fact("Manager chain", manager_chain)}
                {fact("Direct reports", text(count(direct_reports(dir, id))))}
                {fact("Id", view! { <code>{id.to_string()}</code> }.into_any())}
            </dl>
            <h3 class="detail-subheading">"Access"</h3>
            {link_list("Groups", groups)}
            {link_list("Applications", applications)}
            {link_list("Roles", roles)}
            {link_list("Access packages", packages)}
        }
        .into_any(),
    )
}

fn yes_no(b: bool) -> AnyView {
    text(if b { "Yes" } else { "No" })
}

fn group_detail(dir: &Directory, id: &str) -> Option<AnyView> {
    let g = dir.groups.get(id)?;
    let membership = match &g.membership {
        Membership::Assigned => text("Assigned"),
        Membership::Dynamic { rule } => {
            view! { "Dynamic: " <code>{rule.clone()}</code> }.into_any()
        }
    };
    let owners = capped(&g.owners, |o| object_link(dir, Tab::Users, o));
    let members = capped(&g.members, |m| principal_link(dir, m));
    Some(
        view! {
            <h2>{g.display_name.clone()}</h2>
            <dl class="detail-facts">
                {fact("Type", text(group_kind(g.kind)))}
                {fact("Membership", membership)}
                {fact("Source", text(if g.on_premises_sync { "Synced from on-premises" } else { "Cloud" }))}
                {fact("Mail-enabled", yes_no(g.mail_enabled))}
                {fact("Id", view! { <code>{id.to_string()}</code> }.into_any())}
            </dl>
            {link_list("Owners", owners)}
            {link_list("Members", members)}
        }
        .into_any(),
    )
}

fn application_detail(dir: &Directory, id: &str) -> Option<AnyView> {
    let a = dir.applications.get(id)?;
    let owners = capped(&a.owners, |o| object_link(dir, Tab::Users, o));
    let assignments = capped(&a.assignments, |p| principal_link(dir, p));
    Some(
        view! {
            <h2>{a.display_name.clone()}</h2>
            <dl class="detail-facts">{fact("Id", view! { <code>{id.to_string()}</code> }.into_any())}</dl>
            {link_list("Owners", owners)}
            {link_list("Assignments", assignments)}
        }
        .into_any(),
    )
}

fn role_detail(dir: &Directory, id: &str) -> Option<AnyView> {
    let r = dir.roles.get(id)?;
    let assignments = capped(&r.assignments, |a| {
        view! { {object_link(dir, Tab::Users, &a.user)} " \u{00b7} " {assignment_kind(a.kind)} }
            .into_any()
    });
    Some(
        view! {
            <h2>{r.display_name.clone()}</h2>
            <dl class="detail-facts">
                {fact("Privileged", yes_no(r.privileged))}
                {fact("Id", view! { <code>{id.to_string()}</code> }.into_any())}
            </dl>
            {link_list("Assignments", assignments)}
        }
        .into_any(),
    )
}

fn package_detail(dir: &Directory, id: &str) -> Option<AnyView> {
    let p = dir.access_packages.get(id)?;
    let owners = capped(&p.owners, |o| object_link(dir, Tab::Users, o));
    let assignments = capped(&p.assignments, |u| object_link(dir, Tab::Users, u));
    Some(
        view! {
            <h2>{p.display_name.clone()}</h2>
            <dl class="detail-facts">{fact("Id", view! { <code>{id.to_string()}</code> }.into_any())}</dl>
            {link_list("Owners", owners)}
            {link_list("Assignments", assignments)}
        }
        .into_any(),
    )
}
