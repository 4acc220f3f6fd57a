//! The frame around every screen: header with the product name, the "Acting as" picker and
//! the main navigation, which collapses behind a "Menu" button on narrow screens.

use attest_engine::actor::Area;
use attest_engine::Actor;
use leptos::prelude::*;

use crate::ui::address::use_address;
use crate::ui::session::{
    actor_from_option, administrator, option_value, use_session, ADMINISTRATOR_NAME,
};

/// One entry of the main navigation.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    /// Shown only to identities that may read this area.
    pub area: Area,
    /// Active only on this exact path (the dashboard would otherwise match every path).
    pub exact: bool,
}

impl NavItem {
    /// Whether this entry is the current screen's (marked `aria-current="page"`): its path,
    /// or below it unless `exact`.
    pub fn shows(&self, path: &str) -> bool {
        let path = path
            .strip_suffix('/')
            .filter(|p| !p.is_empty())
            .unwrap_or(path);
        path == self.href
            || (!self.exact
                && path
                    .strip_prefix(self.href)
                    .is_some_and(|rest| rest.starts_with('/')))
    }
}

/// The main navigation, in display order. Screens reached from other screens (the wizard,
/// a review's overview, the reviewer page) are not listed.
pub const NAV: &[NavItem] = &[
    NavItem {
        href: "/",
        area: Area::Dashboard,
        label: "Dashboard",
        exact: true,
    },
    NavItem {
        href: "/reviews",
        area: Area::Reviews,
        label: "Reviews",
        exact: false,
    },
    NavItem {
        href: "/remediation",
        area: Area::Reviews,
        label: "Remediation",
        exact: false,
    },
    NavItem {
        href: "/my-reviews",
        area: Area::MyReviews,
        label: "My access reviews",
        exact: false,
    },
    NavItem {
        href: "/directory",
        area: Area::Directory,
        label: "Directory",
        exact: false,
    },
    NavItem {
        href: "/notifications",
        area: Area::Notifications,
        label: "Notifications",
        exact: false,
    },
    NavItem {
        href: "/history",
        area: Area::History,
        label: "History",
        exact: false,
    },
    NavItem {
        href: "/settings",
        area: Area::Settings,
        label: "Settings",
        exact: false,
    },
];

const NAV_ID: &str = "primary-nav";

/// Header, navigation and the `<main>` landmark that holds the current screen.
#[component]
pub fn Shell(children: Children) -> impl IntoView {
    let menu_open = RwSignal::new(false);
    let session = use_session();
    // Following a link closes the collapsed menu, so the new screen is not hidden behind it.
    let pathname = use_address().path;
    // `watch` without `immediate`: the first run would close a menu opened right after mounting.
    Effect::watch(
        move || pathname.get(),
        move |_, _, _| menu_open.set(false),
        false,
    );

    view! {
        <a class="skip-link" href="#main" on:click=skip_to_main>"Skip to content"</a>
        <header class="app-header">
            <div class="container header-bar">
                <a class="brand" href="/">
                    <img class="brand-mark" src="/favicon.svg" alt="" width="28" height="28" />
                    <span class="brand-name">"Attest"</span>
                </a>
                <ActingAs />
                <button
                    type="button"
                    class="menu-button"
                    aria-controls=NAV_ID
                    aria-expanded=move || menu_open.get().to_string()
                    on:click=move |_| menu_open.update(|open| *open = !*open)
                >
                    <span class="menu-icon" aria-hidden="true"></span>
                    "Menu"
                </button>
            </div>
            <nav id=NAV_ID class="primary-nav" class:open=move || menu_open.get() aria-label="Main">
                <ul class="container">
                    {move || NAV
                        .iter()
                        .filter(|item| session.acting_as.with(|a| a.may_read(item.area)))
                        .map(|item| {
                            view! {
                                <li>
                                    <a
                                        href=item.href
                                        aria-current=move || pathname.with(|p| item.shows(p)).then_some("page")
                                    >
                                        {item.label}
                                    </a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </nav>
        </header>
        <main id="main" class="container app-main" tabindex="-1">
            <crate::ui::components::RuntimeProblem />
            <crate::ui::settings::sync::RefusedChanges />
            {children()}
        </main>
    }
}

/// The "Acting as" identity picker: the administrator plus every directory user.
#[component]
pub fn ActingAs() -> impl IntoView {
    let session = use_session();
    let current = Memo::new(move |_| session.acting_as.with(option_value));
    let options =
        move || {
            let mut options = vec![
                (
                    option_value(&administrator()),
                    ADMINISTRATOR_NAME.to_owned(),
                ),
                (
                    "auditor".to_owned(),
                    crate::ui::session::AUDITOR_NAME.to_owned(),
                ),
            ];
            session.identities.with(|users| {
                options.extend(users.iter().map(|(id, name)| {
                    (option_value(&Actor::User { id: id.clone() }), name.clone())
                }))
            });
            // An identity restored from storage stays visible before the directory has loaded.
            if let Actor::User { id } = session.acting_as.get() {
                let value = option_value(&Actor::User { id: id.clone() });
                if options.iter().all(|(v, _)| *v != value) {
                    options.push((value, id));
                }
            }
            options
        };

    view! {
        <div class="acting-as">
            <label for="acting-as">"Acting as"</label>
            <select
                id="acting-as"
                on:change:target=move |ev| {
                    if let Some(actor) = actor_from_option(&ev.target().value()) {
                        session.acting_as.set(actor);
                    }
                }
            >
                {move || {
                    let current = current.get();
                    options()
                        .into_iter()
                        .map(|(value, label)| {
                            let selected = value == current;
                            view! { <option value=value selected=selected>{label}</option> }
                        })
                        .collect_view()
                }}
            </select>
        </div>
    }
}

/// "Skip to content" moves keyboard focus into `<main>` itself; following the `#main` link
/// would leave focus on the link (and the router would treat it as a navigation).
fn skip_to_main(ev: leptos::ev::MouseEvent) {
    ev.prevent_default();
    if let Some(main) = document()
        .get_element_by_id("main")
        .and_then(|m| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(m).ok())
    {
        let _ = main.focus();
    }
}
