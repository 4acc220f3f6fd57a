//! Attest web app: the route tables of its two bundles and their mount helpers. Screens live
//! under `ui/`, one module per screen; shared pieces under `ui/components/`.
//!
//! Two entry points build from this library: `src/main.rs` ([`mount`], the administrator's
//! full app) and `src/bin/reviewer.rs` ([`mount_reviewer`], what a mail link opens: My access
//! reviews and the reviewer page only). The reviewer bundle never names the other screens,
//! so the linker leaves them (wizard, directory import, Graph definitions, history, settings)
//! out of its `.wasm`.

pub mod handover;
pub mod runtime;
pub mod small_alloc;
pub mod store;
pub mod sync;
pub mod ui;

use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes},
    path, Lazy, LazyRoute,
};

pub use runtime::{use_runtime, AppConfig, Runtime};

/// Small blocks from size classes (see `small_alloc`): single-threaded WebAssembly only.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: small_alloc::SmallBlocks = small_alloc::SmallBlocks::new();
use attest_engine::actor::Area;
use ui::address::{
    provide_own_address, reviewer_screen, use_address, ReviewerScreen, RouterAddress,
};
use ui::components::{NotFound, Restricted, Shell};
use ui::session::Session;

/// The app with its default configuration (the `attest` database, a sample tenant on first run).
#[component]
pub fn App() -> impl IntoView {
    view! { <AppWith config=AppConfig::default() /> }
}

/// Directory users offered in the "Acting as" picker: everyone in a small tenant; in a large
/// one the people who have something to review, so the list stays usable.
const ALL_IDENTITIES_UP_TO: usize = 1000;

/// The whole app: session and runtime contexts, router and the navigation shell.
#[component]
pub fn AppWith(
    /// Which database to open and what to load on first run.
    config: AppConfig,
) -> impl IntoView {
    // A reviewer link runs on a database of its own.
    let config = sync::link_config(config);
    // Earlier formats and the administrator's round, for this database (see `handover`).
    handover::register(&config.database);
    let database = config.database.clone();
    on_cleanup(move || handover::unregister(&database));
    handover::follow_open();
    provide_runtime(config);
    view! {
        <Router>
            <RouterAddress>
                <Shell>
                    <Routes fallback=NotFound>
                        <Route path=path!("/") view=Home />
                        <Route path=path!("/directory") view={Lazy::<DirectoryScreen>::new()} />
                        <Route path=path!("/reviews") view={Lazy::<ReviewsScreen>::new()} />
                        <Route path=path!("/reviews/new") view={Lazy::<WizardScreen>::new()} />
                        <Route path=path!("/reviews/:instance") view={Lazy::<ReviewScreen>::new()} />
                        <Route path=path!("/my-reviews") view=ui::my_reviews::MyReviews />
                        <Route path=path!("/my-reviews/:instance/:stage") view={Lazy::<ReviewerPageScreen>::new()} />
                        <Route path=path!("/remediation") view={Lazy::<RemediationScreen>::new()} />
                        <Route path=path!("/notifications") view={Lazy::<NotificationsScreen>::new()} />
                        <Route path=path!("/history") view={Lazy::<HistoryScreen>::new()} />
                        <Route path=path!("/settings") view={Lazy::<SettingsScreen>::new()} />
                    </Routes>
                </Shell>
            </RouterAddress>
        </Router>
    }
}

/// A screen of the administrator's app that is not needed to show its first page. In the
/// release build (`--features split-admin`, scripts/build-dist.sh) the code of each part
/// (the name before the colon: screens used together share one) is cut into a `.wasm` of
/// its own, fetched in the background after start-up or on the first visit to one of its
/// screens; everywhere else (tests, `make dev`) it is an ordinary route. The split
/// functions are exported by name, so each bundle has a feature of its own: an export would
/// keep its screens in the other bundle.
macro_rules! later_screen {
    ($($part:ident: $route:ident / $load:ident => $view:expr;)*) => {$(
        #[cfg_attr(feature = "split-admin", leptos::lazy($part))]
        async fn $load() -> AnyView {
            $view.into_any()
        }

        struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_: Self) -> AnyView {
                $load().await
            }
        }
    )*};
}

later_screen! {
    directory: DirectoryScreen / directory_screen => view! { <Restricted area=Area::Directory><ui::directory::Directory /></Restricted> };
    reviews: ReviewsScreen / reviews_screen => view! { <Restricted area=Area::Reviews><ui::reviews::Reviews /></Restricted> };
    wizard: WizardScreen / wizard_screen => view! { <Restricted area=Area::NewReview><ui::wizard::NewReview /></Restricted> };
    reviews: ReviewScreen / review_screen => view! { <Restricted area=Area::Reviews><ui::review::ReviewOverview /></Restricted> };
    reviews: ReviewerPageScreen / reviewer_page_screen => view! { <ui::reviewer::ReviewerPage /> };
    reviews: RemediationScreen / remediation_screen => view! { <Restricted area=Area::Reviews><ui::remediation::Remediation /></Restricted> };
    workplace: NotificationsScreen / notifications_screen => view! { <Restricted area=Area::Notifications><ui::notifications::Notifications /></Restricted> };
    workplace: HistoryScreen / history_screen => view! { <Restricted area=Area::History><ui::history::History /></Restricted> };
    workplace: SettingsScreen / settings_screen => view! { <Restricted area=Area::Settings><ui::settings::Settings /></Restricted> };
}

/// The reviewer bundle's app with its default configuration.
#[component]
pub fn ReviewerApp() -> impl IntoView {
    view! { <ReviewerAppWith config=AppConfig::default() /> }
}

/// What a mail link opens: the same session, store, runtime and sync as [`AppWith`], with
/// My access reviews and the reviewer page as its only screens. Any other address (the
/// navigation offers them to an administrator) is loaded again as a whole page, which the
/// server answers with the administrator's app. Data of an earlier release and an
/// administrator's connection are handed over to the full app too (`handover`).
#[component]
pub fn ReviewerAppWith(
    /// Which database to open and what to load on first run.
    config: AppConfig,
) -> impl IntoView {
    provide_runtime(sync::link_config(config));
    let address = provide_own_address(|path| reviewer_screen(path) != ReviewerScreen::Elsewhere);
    let screen = Memo::new(move |_| address.path.with(|p| reviewer_screen(p)));
    // Only the reviewer page replaces a mail link's first view itself; a problem outside any
    // screen (the store cannot open) is shown by the shell, so the first view goes for it.
    let runtime = use_runtime();
    Effect::new(move |_| {
        if screen.get() != ReviewerScreen::ReviewerPage || runtime.problem.with(Option::is_some) {
            ui::reviewer::first_view::done();
        }
    });
    view! {
        <Shell>
            {move || match screen.get() {
                ReviewerScreen::MyReviews => view! { <ui::my_reviews::MyReviews /> }.into_any(),
                ReviewerScreen::ReviewerPage => view! { <ui::reviewer::ReviewerPage /> }.into_any(),
                ReviewerScreen::NotFound => view! { <NotFound /> }.into_any(),
                ReviewerScreen::Elsewhere => view! { <ToFullApp /> }.into_any(),
            }}
        </Shell>
    }
}

/// An address the reviewer bundle has no screen for: the full app, by loading the page again
/// (the server routes only `/my-reviews…` to the reviewer bundle, so this cannot loop).
#[component]
fn ToFullApp() -> impl IntoView {
    let address = use_address();
    let target = untrack(|| {
        format!(
            "{}{}{}",
            address.path.get(),
            address.search.get(),
            address.hash.get()
        )
    });
    handover::navigate(&target);
    view! { <p class="lead">"Opening Attest…"</p> }
}

/// Session, runtime and sync contexts shared by both bundles (`config` after `link_config`);
/// keeps the "Acting as" list in step with the directory.
fn provide_runtime(config: AppConfig) -> Session {
    let session = Session::provide();
    let runtime = Runtime::provide(&config, session);
    sync::Sync::provide(runtime, &config);
    Effect::new(move |_| {
        let identities = runtime.state.with(|s| {
            let dir = &s.directory;
            let mut ids: Vec<&str> = if dir.users.len() <= ALL_IDENTITIES_UP_TO {
                dir.users.keys().map(String::as_str).collect()
            } else {
                let mut reviewers = std::collections::BTreeSet::new();
                for inst in s.instances.values().filter(|i| i.is_open()) {
                    for it in inst
                        .items
                        .iter()
                        .filter(|it| it.stage == inst.current_stage)
                    {
                        reviewers.extend(
                            inst.reviewers_of(it, inst.current_stage)
                                .iter()
                                .map(String::as_str),
                        );
                    }
                }
                reviewers.into_iter().take(ALL_IDENTITIES_UP_TO).collect()
            };
            ids.sort_by_key(|id| {
                dir.users
                    .get(*id)
                    .map(|u| u.display_name.as_str())
                    .unwrap_or(id)
            });
            // Two people of the same name are told apart by their sign-in name.
            let mut uses = std::collections::HashMap::<&str, usize>::new();
            for id in &ids {
                *uses.entry(dir.display_name(id)).or_default() += 1;
            }
            ids.into_iter()
                .map(|id| {
                    let name = dir.display_name(id);
                    let label = match dir.users.get(id) {
                        Some(u) if uses[name] > 1 => format!("{name} ({})", u.user_principal_name),
                        _ => name.to_string(),
                    };
                    (id.to_string(), label)
                })
                .collect::<Vec<_>>()
        });
        session.identities.set(identities);
    });
    session
}

/// The start page: the dashboard for those who may read it, otherwise the reviews waiting
/// on the person (a reviewer's whole world).
#[component]
fn Home() -> impl IntoView {
    let session = ui::session::use_session();
    let dashboard = Memo::new(move |_| session.acting_as.with(|a| a.may_read(Area::Dashboard)));
    move || {
        if dashboard.get() {
            view! { <ui::dashboard::Dashboard /> }.into_any()
        } else {
            view! { <ui::my_reviews::MyReviews /> }.into_any()
        }
    }
}

/// Mounts [`App`] into `<body>` for the lifetime of the page.
pub fn mount() {
    console_error_panic_hook_install();
    leptos::mount::mount_to_body(App);
}

/// Mounts [`ReviewerApp`] into `<body>` for the lifetime of the page (the reviewer bundle),
/// showing a mail link's first view (`ui::reviewer::first_view`) until its reviewer page
/// is ready.
pub fn mount_reviewer() {
    console_error_panic_hook_install();
    ui::reviewer::first_view::start();
    // Not leptos's spawn: its executor is set up by the first mount, which comes later.
    wasm_bindgen_futures::spawn_local(reviewer_app_later());
}

/// The reviewer bundle's app. In the release build (`--features split-reviewer`) its code
/// (store, sync, runtime, screens) is a part of its own, fetched as the page starts, so the
/// first view needs only the main part; see [`later_screen!`] for how parts are built.
#[cfg_attr(feature = "split-reviewer", leptos::lazy)]
async fn reviewer_app_later() {
    boot_done();
    leptos::mount::mount_to_body(ReviewerApp);
}

/// Removes reviewer.html's "Opening Attest…", shown while the page's first part downloads.
pub(crate) fn boot_done() {
    if let Some(boot) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot"))
    {
        boot.remove();
    }
}

/// Panics show up in the browser console with their message rather than as "unreachable".
fn console_error_panic_hook_install() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&info.to_string().into());
    }));
}
