//! My access reviews: the reviews assigned to the identity one acts as.

use leptos::prelude::*;

use crate::ui::components::{Coming, Page};

#[component]
pub fn MyReviews() -> impl IntoView {
    view! {
        <Page title="My access reviews" lead="The reviews waiting for a decision from the identity you are acting as.">
            <Coming>"Your pending and finished access reviews, with links to each stage you review."</Coming>
        </Page>
    }
}
