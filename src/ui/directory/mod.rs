//! Directory screen: browse, import and export what is reviewed (SPEC section 2).

use leptos::prelude::*;

use crate::ui::components::{Coming, Page};

#[component]
pub fn Directory() -> impl IntoView {
    view! {
        <Page title="Directory" lead="Users, groups, applications, directory roles and access packages: what reviews are about.">
            <Coming>"Browse the directory, load the sample tenant, import Microsoft Graph JSON or CSV, and export."</Coming>
        </Page>
    }
}
