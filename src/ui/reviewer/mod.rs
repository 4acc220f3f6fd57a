//! Reviewer page: the reviewees assigned to one reviewer in one stage of one instance.
//! Notification links point here (`/my-reviews/:instance/:stage?reviewer=<user id>`, stage
//! 1-based). Everything shown comes from the engine's `reviewer_view`, which holds only this
//! reviewer's items and, in a blind review, nothing of earlier stages.

pub mod first_view;
mod list;
mod reassign;
pub use reassign::PersonPicker;
pub mod rows;

use std::sync::Arc;

use attest_engine::directory::ResourceKind;
use attest_engine::instance::ResourceRef;
use attest_engine::view::{reviewer_view, ReviewerView};
use attest_engine::Actor;
use leptos::prelude::*;

use crate::runtime::use_runtime;
use crate::ui::address::{reviewer_page_of, use_address};
use crate::ui::components::Page;
use crate::ui::session::use_session;

use list::DecisionList;

/// The path of the reviewer page for `reviewer` in `stage` (0-based) of `instance`: the link
/// every notification carries.
pub fn reviewer_link(instance: &str, stage: usize, reviewer: &str) -> String {
    format!(
        "/my-reviews/{}/{}?reviewer={}",
        escape(instance),
        stage + 1,
        escape(reviewer)
    )
}

fn escape(s: &str) -> String {
    js_sys::encode_uri_component(s).into()
}

fn unescape(s: &str) -> String {
    js_sys::decode_uri_component(s)
        .map(String::from)
        .unwrap_or_else(|_| s.to_string())
}

/// "Group: Sales", "Application: Salesforce".
pub fn resource_label(resource: &ResourceRef) -> String {
    let kind = match resource.kind {
        ResourceKind::Group => "Group",
        ResourceKind::Application => "Application",
        ResourceKind::DirectoryRole => "Microsoft Entra role",
        ResourceKind::AccessPackage => "Access package",
    };
    format!("{kind}: {}", resource.name)
}

/// The parts of the page above the list; they change far less often than the rows.
#[derive(Clone, Debug, PartialEq)]
struct Header {
    review_name: String,
    description: String,
    resource: String,
    stage: usize,
    stage_count: usize,
    due: Option<String>,
}

impl Header {
    fn of(v: &ReviewerView) -> Header {
        Header {
            review_name: v.review_name.clone(),
            description: v.description_for_reviewers.clone(),
            resource: resource_label(&v.resource),
            stage: v.stage,
            stage_count: v.stage_count,
            due: v.deadline.map(rows::date),
        }
    }

    /// The description for reviewers, or what the page asks when the review gives none.
    fn lead(&self) -> String {
        if self.description.trim().is_empty() {
            "Decide whether each person still needs this access.".to_string()
        } else {
            self.description.clone()
        }
    }

    /// Resource, stage and due date.
    fn facts(&self) -> impl IntoView {
        view! {
            <dl class="rv-facts">
                <div><dt>"Resource"</dt><dd>{self.resource.clone()}</dd></div>
                <div><dt>"Stage"</dt><dd>{format!("Stage {} of {}", self.stage + 1, self.stage_count)}</dd></div>
                <div><dt>"Due"</dt><dd>{self.due.clone().unwrap_or_else(|| "No due date".into())}</dd></div>
            </dl>
        }
    }
}

/// The last decision of this page the engine refused, and why (set by the list).
#[derive(Clone, Copy)]
pub struct LastRefusal(pub RwSignal<Option<String>>);

#[derive(Clone, Debug, PartialEq)]
enum Status {
    Loading,
    /// Acting as the administrator: only directory users review.
    NoIdentity,
    /// The link cannot be opened, or the stage is closed or not this reviewer's.
    Problem(String),
    Ready(Header),
}

#[component]
pub fn ReviewerPage() -> impl IntoView {
    let runtime = use_runtime();
    let session = use_session();
    let address = use_address();
    let instance = Memo::new(move |_| {
        address.path.with(|p| {
            reviewer_page_of(p)
                .map(|(instance, _)| unescape(instance))
                .unwrap_or_default()
        })
    });
    // The URL counts stages from 1.
    let stage = Memo::new(move |_| {
        address.path.with(|p| {
            reviewer_page_of(p)
                .and_then(|(_, stage)| stage.parse::<usize>().ok())
                .filter(|&n| n >= 1)
                .map(|n| n - 1)
        })
    });

    // A link names the reviewer it was sent to. Without a server this browser acts as that
    // reviewer, once, and says so; choosing another identity afterwards is respected.
    let link_handled = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    // A decision the engine refused after its rows were gone (another tab or the server
    // closed the stage first): the page still says why it was not saved.
    let refused = RwSignal::new(None::<String>);
    provide_context(LastRefusal(refused));
    let link_problem = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if !runtime.shown() || link_handled.get_untracked() {
            return;
        }
        if let Some(wanted) = untrack(|| address.query("reviewer")) {
            let already = session
                .acting_as
                .with_untracked(|a| a.user_id() == Some(wanted.as_str()));
            // Tracked: a server link's first pull brings the directory after the page opened.
            let name = runtime.state.with(|s| {
                s.directory
                    .users
                    .get(&wanted)
                    .map(|u| u.display_name.clone())
            });
            let server_link = crate::sync::current_sync()
                .is_some_and(|s| s.settings.with_untracked(|s| s.link_token.is_some()));
            match name {
                // The server's data has not arrived yet: wait for it, not "not in directory".
                None if server_link => return,
                Some(_) if already => {}
                Some(name) => {
                    session.acting_as.set(Actor::User { id: wanted });
                    notice.set(Some(name));
                }
                None => link_problem.set(Some(format!(
                    "This link was sent to a reviewer (\u{201c}{wanted}\u{201d}) who is not in this directory."
                ))),
            }
        }
        link_handled.set(true);
    });

    let view = Memo::new(move |_| -> Option<Result<Arc<ReviewerView>, String>> {
        if !runtime.shown() || !link_handled.get() {
            return None;
        }
        if let Some(problem) = link_problem.get() {
            return Some(Err(problem));
        }
        let user = session
            .acting_as
            .with(|a| a.user_id().map(str::to_string))?;
        let Some(stage) = stage.get() else {
            return Some(Err(
                "This link names no stage of the review; stages are counted from 1.".into(),
            ));
        };
        let id = instance.get();
        Some(runtime.state.with(|s| {
            reviewer_view(s, &id, stage, &user)
                .map(Arc::new)
                .map_err(|e| capitalise(&e.to_string()))
        }))
    });
    let status = Memo::new(move |_| {
        if !runtime.shown() || !link_handled.get() {
            return Status::Loading;
        }
        view.with(|v| match v {
            None => Status::NoIdentity,
            Some(Err(e)) => Status::Problem(e.clone()),
            Some(Ok(v)) => Status::Ready(Header::of(v)),
        })
    });
    // A mail link's first view (reviewer bundle) stays until this page has more to show.
    Effect::new(move |_| {
        if status.with(|s| *s != Status::Loading) {
            first_view::done();
        }
    });
    let rows = Memo::new(move |_| view.with(|v| v.as_ref().and_then(|v| v.as_ref().ok()).cloned()));

    let notice_view = move || {
        notice.get().map(|name| {
            view! {
                <p class="rv-notice" role="status">
                    "You are now acting as " <strong>{name.clone()}</strong> ", the reviewer this link was sent to."
                </p>
            }
        })
    };
    let body = move || {
        match status.get() {
        Status::Loading => view! {
            <Page title="Access review">
                <p class="meta" role="status">"Loading the review\u{2026}"</p>
            </Page>
        }
        .into_any(),
        Status::NoIdentity => view! {
            <Page title="Access review">
                <section class="card rv-problem" role="alert">
                    <p>"You are acting as the administrator. Choose the reviewer you are in \u{201c}Acting as\u{201d} to see their reviewees."</p>
                    <p><a href="/my-reviews">"Go to My access reviews"</a></p>
                </section>
            </Page>
        }
        .into_any(),
        Status::Problem(message) => view! {
            <Page title="Access review">
                {notice_view}
                {move || refused.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <section class="card rv-problem" role="alert">
                    <p>{message}</p>
                    <p><a href="/my-reviews">"Go to My access reviews"</a></p>
                </section>
            </Page>
        }
        .into_any(),
        Status::Ready(h) => {
            view! {
                <Page title=h.review_name.clone() lead=h.lead()>
                    {notice_view}
                    {h.facts()}
                    <DecisionList view=rows />
                </Page>
            }
            .into_any()
        }
    }
    };
    view! { <div class="reviewer-page">{body}</div> }
}

fn capitalise(s: &str) -> String {
    match s.is_empty() {
        true => String::new(),
        false => crate::ui::components::capitalise(s) + ".",
    }
}
