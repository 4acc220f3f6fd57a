//! The frame of one screen (heading, lead text, document title) and the placeholder shown by
//! screens that are not built yet.

use leptos::prelude::*;

/// One screen: its `<h1>`, an optional lead paragraph, optional header actions and content.
/// Also sets the document title, so browser history and tabs name the screen.
#[component]
pub fn Page(
    /// The screen's name, shown as its only `<h1>`.
    #[prop(into)]
    title: String,
    /// One sentence saying what the screen is for.
    #[prop(optional, into)]
    lead: Option<String>,
    /// Buttons or links shown next to the heading.
    #[prop(optional)]
    actions: Option<Children>,
    children: Children,
) -> impl IntoView {
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        document.set_title(&format!("{title} · Attest"));
    }
    view! {
        <div class="page">
            <div class="page-header">
                <div>
                    <h1>{title}</h1>
                    {lead.map(|lead| view! { <p class="lead">{lead}</p> })}
                </div>
                {actions.map(|actions| view! { <div class="page-actions">{actions()}</div> })}
            </div>
            {children()}
        </div>
    }
}

/// Placeholder for a part of a screen that is not built yet.
#[component]
pub fn Coming(children: Children) -> impl IntoView {
    view! {
        <section class="card coming">
            <span class="badge">"Coming"</span>
            <p>{children()}</p>
        </section>
    }
}

/// Shown for any path that matches no screen.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <Page title="Page not found" lead="There is no screen at this address.">
            <p>
                <a class="button button-secondary" href="/">"Go to the dashboard"</a>
            </p>
        </Page>
    }
}

/// A screen only some identities may read (`Actor::may_read`, decided by the engine): its
/// content for them, and for anyone else a refusal that says why and where to go instead.
/// Nothing of the screen is built for an identity that may not read it.
#[component]
pub fn Restricted(
    /// The part of Attest the screen belongs to.
    area: attest_engine::actor::Area,
    children: ChildrenFn,
) -> impl IntoView {
    let session = crate::ui::session::use_session();
    let allowed = Memo::new(move |_| session.acting_as.with(|a| a.may_read(area)));
    move || {
        if allowed.get() {
            children().into_any()
        } else {
            view! {
                <Page
                    title="Not available to reviewers"
                    lead=format!("Only administrators can open {}.", area.title())
                >
                    <p>
                        "You are acting as a reviewer: you see the reviews assigned to you and your own reviewees only. Choose \u{201c}Administrator\u{201d} under \u{201c}Acting as\u{201d} to manage reviews."
                    </p>
                    <p>
                        <a class="button button-primary" href="/my-reviews">"Go to My access reviews"</a>
                    </p>
                </Page>
            }
            .into_any()
        }
    }
}
