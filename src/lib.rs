//! Attest web app: the route table and the mount helper. Screens live under `ui/`, one
//! module per screen; shared pieces under `ui/components/`.

pub mod ui;

use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

use ui::components::{NotFound, Shell};
use ui::session::Session;

/// The whole app: session context, router and the navigation shell around every screen.
#[component]
pub fn App() -> impl IntoView {
    Session::provide();
    view! {
        <Router>
            <Shell>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=ui::dashboard::Dashboard />
                    <Route path=path!("/directory") view=ui::directory::Directory />
                    <Route path=path!("/reviews") view=ui::reviews::Reviews />
                    <Route path=path!("/reviews/new") view=ui::wizard::NewReview />
                    <Route path=path!("/reviews/:instance") view=ui::review::ReviewOverview />
                    <Route path=path!("/my-reviews") view=ui::my_reviews::MyReviews />
                    <Route path=path!("/my-reviews/:instance/:stage") view=ui::reviewer::ReviewerPage />
                    <Route path=path!("/notifications") view=ui::notifications::Notifications />
                    <Route path=path!("/history") view=ui::history::History />
                    <Route path=path!("/settings") view=ui::settings::Settings />
                </Routes>
            </Shell>
        </Router>
    }
}

/// Mounts [`App`] into `<body>` for the lifetime of the page.
pub fn mount() {
    console_error_panic_hook_install();
    leptos::mount::mount_to_body(App);
}

/// Panics show up in the browser console with their message rather than as "unreachable".
fn console_error_panic_hook_install() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&info.to_string().into());
    }));
}
