//! Microsoft Graph `accessReviewScheduleDefinition` JSON: export what the wizard holds,
//! import a definition into the wizard with every difference reported by JSON path.

use leptos::prelude::*;

#[component]
pub fn GraphPanel() -> impl IntoView {
    view! {}
}

#[component]
pub fn ImportGraph() -> impl IntoView {
    view! {}
}
