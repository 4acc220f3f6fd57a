//! New review wizard: Review type, Reviews/stages, Settings, Review + create.

use leptos::prelude::*;

use crate::ui::components::{Coming, Page};

#[component]
pub fn NewReview() -> impl IntoView {
    view! {
        <Page title="New access review" lead="Review type, reviews and stages, settings, then review and create.">
            <Coming>"The step-by-step wizard with a summary and validation on every step, and save as draft."</Coming>
        </Page>
    }
}
