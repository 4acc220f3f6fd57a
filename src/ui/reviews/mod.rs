//! Reviews: the list of review definitions and their instances, with filters.

use leptos::prelude::*;

use crate::ui::components::{Coming, Page};

#[component]
pub fn Reviews() -> impl IntoView {
    view! {
        <Page
            title="Reviews"
            lead="Every access review, its schedule and the status of its instances."
            actions=Box::new(|| view! { <a class="button button-primary" href="/reviews/new">"New review"</a> }.into_any())
        >
            <Coming>"The list of reviews with filters by status, resource kind and reviewer."</Coming>
        </Page>
    }
}
