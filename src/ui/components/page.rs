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
