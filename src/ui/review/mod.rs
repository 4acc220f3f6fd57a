//! Review overview for administrators: one instance's stages, reviewers and results.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::ui::components::{Coming, Page};

#[component]
pub fn ReviewOverview() -> impl IntoView {
    let params = use_params_map();
    let instance = move || params.with(|p| p.get("instance").unwrap_or_default());
    view! {
        <Page title="Review overview" lead="Progress per stage, reviewers and who was notified, and the results.">
            <p class="meta">"Instance " <code>{instance}</code></p>
            <Coming>"Stop current stage, Stop review, Apply results, the results table and CSV download."</Coming>
        </Page>
    }
}
