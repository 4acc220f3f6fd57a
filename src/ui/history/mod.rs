//! History / audit report: every recorded event, filterable and downloadable.

use leptos::prelude::*;

use crate::ui::components::{Coming, Page};

#[component]
pub fn History() -> impl IntoView {
    view! {
        <Page title="History / audit" lead="Every command ever recorded, with who, when and why: the evidence for auditors.">
            <Coming>"Filter the audit history by review, actor and date, and download it as a report."</Coming>
        </Page>
    }
}
