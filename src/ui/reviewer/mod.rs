//! Reviewer page: the reviewees assigned to the acting identity in one stage of one
//! instance. Notification links point here (`/my-reviews/:instance/:stage`).

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::ui::components::{Coming, Page};

#[component]
pub fn ReviewerPage() -> impl IntoView {
    let params = use_params_map();
    let param = move |key: &'static str| move || params.with(|p| p.get(key).unwrap_or_default());
    view! {
        <Page title="Access review" lead="Decide whether each person still needs this access.">
            <p class="meta">
                "Instance " <code>{param("instance")}</code> " · Stage " <code>{param("stage")}</code>
            </p>
            <Coming>"Approve, Deny or Don't know for each reviewee, with filters, search, bulk select and recommendations."</Coming>
        </Page>
    }
}
