//! The reviewer bundle (`attest::ReviewerAppWith`, what `src/bin/reviewer.rs` mounts and a
//! mail link opens): a reviewer decides from a link through the sync server, and the
//! administrator's full app shows the decision in the review's results.
//!
//! Like tests/browser/sync.rs it needs the server that scripts/with-sync-server.sh starts
//! around the suite (ATTEST_TEST_SYNC_SERVER and _SECRET at build time).

use std::cell::RefCell;
use std::rc::Rc;

use attest::sync::{remember_server, stored_settings};
use attest_engine::definition::*;
use attest_engine::directory::Principal;
use attest_engine::Command;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::Element;

use crate::support::*;

mod early;

pub const SERVER: Option<&str> = option_env!("ATTEST_TEST_SYNC_SERVER");
/// This test's own server (scripts/with-sync-server.sh starts two): its 20-user tenant must not
/// meet the sync tests' tenants, made at other moments, on one server.
const OWN_SERVER: Option<&str> = option_env!("ATTEST_TEST_SYNC_SERVER_2");
pub const SECRET: Option<&str> = option_env!("ATTEST_TEST_SYNC_SECRET");

/// The reviewer bundle's app mounted at `path` in a container of its own; dropping it
/// unmounts it.
pub fn mount_reviewer_bundle(path: &str, config: attest::AppConfig) -> Mounted {
    mount_view(path, false, move || {
        leptos::view! { <attest::ReviewerAppWith config=config /> }
    })
}

/// From now on, hand-overs to the full app are collected here instead of loading a page.
pub fn collect_hand_overs() -> Rc<RefCell<Vec<String>>> {
    let handed = Rc::new(RefCell::new(Vec::new()));
    let into = handed.clone();
    attest::handover::navigate_with(move |to| into.borrow_mut().push(to.to_string()));
    handed
}

/// Where a hand-over from the reviewer bundle at `path` goes: `/` opening `path`.
pub fn full_app_opening(path: &str) -> String {
    format!("/?open={}", js_sys::encode_uri_component(path))
}

/// The "Acting as" choice the next app mounted starts with.
pub fn act_as(user: &str) {
    let actor = attest_engine::Actor::User { id: user.into() };
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .expect("localStorage")
        .set_item(
            attest::ui::session::ACTING_AS_KEY,
            &serde_json::to_string(&actor).unwrap(),
        )
        .expect("remember who acts");
}

/// Polls `probe` for up to 30 s (a sync round is one second, plus the server's answer).
async fn eventually<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    for _ in 0..300 {
        if let Some(v) = probe() {
            return v;
        }
        TimeoutFuture::new(100).await;
    }
    panic!("timed out waiting for {what}");
}

fn synced(root: &Element) -> bool {
    root.query_selector("[role=status].sync-status")
        .ok()
        .flatten()
        .is_some_and(|e| text(&e) == "Synced")
}

/// What [`administrator_with_a_review_link`] leaves: the administrator's app (connected to
/// the server), its runtime and configuration, the review instance, its reviewer and the
/// path of the reviewer's mail link (`/my-reviews/…?reviewer=…#token=…`).
pub struct Linked {
    pub admin_app: Mounted,
    pub admin: attest::Runtime,
    pub admin_config: attest::AppConfig,
    pub instance: String,
    pub reviewer: String,
    pub path: String,
}

/// The administrator's full app connects to the sync server, starts a one-stage review of
/// the sample's first group with members, decided by one user, and has the server make that
/// reviewer's link (also the benchmark's set-up: `bench::history::reviewer_link_setup`).
pub async fn administrator_with_a_review_link(server: &str, secret: &str, users: usize) -> Linked {
    let admin_config = test_config(users);
    let admin_db = admin_config.database.clone();
    let admin_app = mount_with("/settings", admin_config.clone());
    let admin = ready_runtime().await;
    let root: Element = admin_app.root.clone().into();
    let field = |label: &str| {
        control_by_label(&root, label).unwrap_or_else(|| panic!("no field labelled {label}"))
    };
    type_into(&field("Server address"), server);
    type_into(&field("Your name"), "Ada Admin");
    type_into(&field("Administrator secret"), secret);
    click(&button(&root, "Connect").expect("a Connect button"));
    eventually("the administrator's app to sync", || {
        synced(&root).then_some(())
    })
    .await;

    let (group, reviewer) = admin.state.with_untracked(|s| {
        let dir = &s.directory;
        let group = dir
            .groups
            .values()
            .find(|g| g.members.iter().any(|m| matches!(m, Principal::User(_))))
            .expect("a group with user members in the sample")
            .id
            .clone();
        (group, dir.users.keys().next().unwrap().clone())
    });
    let id = format!("bundle-{}", (js_sys::Math::random() * 1e9) as u64);
    let def = group_review(
        &id,
        &group,
        vec![StageSettings {
            reviewers: Reviewers::SelectedUsers {
                users: vec![reviewer.clone()],
            },
            fallback_reviewers: vec![],
            duration_days: 7,
            recommendations: false,
        }],
        admin.now() - chrono::Duration::minutes(1),
    );
    admin
        .run_as(
            Command::CreateReview {
                definition: Box::new(def),
            },
            attest::ui::session::administrator(),
            None,
        )
        .await
        .expect("the review is created");
    let instance = format!("{id}~0~{group}");

    // The server makes the reviewer's link (404 until a sync round has pushed the review).
    let token = stored_settings(&admin_db).admin_token.expect("a session");
    let path = reviewer_link(server, &token, &instance, &reviewer)
        .await
        .unwrap_or_else(|(status, body)| {
            panic!(
                "the server refused the link ({status}): {body} (the administrator's page: {})",
                text(&root)
            )
        });
    Linked {
        admin_app,
        admin,
        admin_config,
        instance,
        reviewer,
        path,
    }
}

#[wasm_bindgen_test]
async fn a_decision_from_the_reviewer_bundle_shows_in_the_administrators_app() {
    let (Some(server), Some(secret)) = (OWN_SERVER.or(SERVER), SECRET) else {
        web_sys::console::warn_1(&"reviewer bundle test not run: no server (run the suite through scripts/with-sync-server.sh, as make test does)".into());
        return;
    };
    let Linked {
        admin_app,
        admin,
        admin_config,
        instance,
        reviewer,
        path,
    } = administrator_with_a_review_link(server, secret, 20).await;
    let handed = collect_hand_overs();

    // The reviewer bundle opens the link in the reviewer's browser and shows their rows.
    let reviewer_config = test_config(0);
    remember_server(&reviewer_config.database, server);
    let reviewer_app = mount_reviewer_bundle(&path, reviewer_config);
    let reviewer_root: Element = reviewer_app.root.clone().into();
    let row = eventually("the reviewer's first row", || {
        all(&reviewer_root, "[role='listitem']").into_iter().next()
    })
    .await;
    let name = row.get_attribute("aria-label").expect("a row name");
    click(
        &control_by_label(&reviewer_root, &format!("Deny {name}"))
            .unwrap_or_else(|| panic!("a Deny button for {name}")),
    );
    let reviewer_name = admin
        .state
        .with_untracked(|s| s.directory.display_name(&reviewer).to_string());
    let sync = attest::sync::current_sync().expect("the reviewer bundle's sync");
    eventually("the reviewer bundle to show the decision", || {
        all(&reviewer_root, "[role='listitem']")
            .into_iter()
            .find(|r| r.get_attribute("aria-label").as_deref() == Some(&name))
            .filter(|r| text(r).contains("Denied"))
    })
    .await;
    eventually("the reviewer bundle to send it to the server", || {
        (sync.status.get_untracked() == attest::sync::SyncStatus::Synced).then_some(())
    })
    .await;

    // The administrator's app pulls it and shows it in the review's results.
    eventually("the decision in the administrator's app", || {
        admin.state.with_untracked(|s| {
            s.instances[&instance]
                .items
                .iter()
                .any(|it| it.decisions.iter().any(|d| d.is_some()))
                .then_some(())
        })
    })
    .await;
    drop(reviewer_app);
    drop(admin_app);
    assert_eq!(
        *handed.borrow(),
        Vec::<String>::new(),
        "a reviewer link stays in the reviewer bundle"
    );

    // The reviewer bundle on the administrator's (connected) database has no administrator
    // round: it hands the page over to the full app, which syncs and shows the same page.
    let my_reviews = format!("/my-reviews/{}/1", js_sys::encode_uri_component(&instance));
    act_as(&reviewer);
    let bundle = mount_reviewer_bundle(&my_reviews, admin_config.clone());
    let to = eventually("the hand-over to the full app", || {
        handed.borrow().first().cloned()
    })
    .await;
    assert_eq!(to, full_app_opening(&my_reviews));
    drop(bundle);
    let full = mount_with(&to, admin_config.clone());
    let full_root: Element = full.root.clone().into();
    let row = eventually(
        "the reviewer page with the decision in the full app",
        || {
            all(&full_root, "[role='listitem']")
                .into_iter()
                .find(|r| r.get_attribute("aria-label").as_deref() == Some(&name))
                .filter(|r| text(r).contains("Denied"))
        },
    )
    .await;
    assert!(text(&row).contains("Denied"));
    assert_eq!(
        current_path(),
        my_reviews,
        "the full app opened the same page"
    );
    let full_sync = attest::sync::current_sync().expect("the full app's sync");
    let mut status = full_sync.status.get_untracked();
    for _ in 0..300 {
        if status == attest::sync::SyncStatus::Synced {
            break;
        }
        TimeoutFuture::new(100).await;
        status = full_sync.status.get_untracked();
    }
    assert_eq!(
        status,
        attest::sync::SyncStatus::Synced,
        "the full app's administrator round"
    );
    assert_eq!(handed.borrow().len(), 1, "the full app does not hand over");
    drop(full);
    // The link made this browser act as the reviewer; the administrator's app acts as the
    // administrator again.
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.remove_item(attest::ui::session::ACTING_AS_KEY);
    }
    let overview = mount_with(
        &format!("/reviews/{}", js_sys::encode_uri_component(&instance)),
        admin_config,
    );
    let shown = eventually("the results row of the denied reviewee", || {
        all(&overview.root, ".results-table tbody tr")
            .into_iter()
            .find(|tr| {
                tr.query_selector("th")
                    .ok()
                    .flatten()
                    .is_some_and(|th| text(&th).contains(&name))
                    && tr.query_selector(".decision").ok().flatten().is_some()
            })
    })
    .await;
    let decision = text(&shown.query_selector(".decision").unwrap().unwrap());
    assert_eq!(decision, "Deny", "row: {}", text(&shown));
    assert!(
        text(&shown).contains(&format!("by {reviewer_name}")),
        "row: {}",
        text(&shown)
    );
}

/// What the reviewer bundle shows at each address, and the reviewer page's parts of it.
#[wasm_bindgen_test]
fn the_reviewer_bundle_shows_its_screens_by_address() {
    use attest::ui::address::{reviewer_page_of, reviewer_screen, ReviewerScreen::*};
    let rows = [
        ("/my-reviews", MyReviews, None),
        ("/my-reviews/", MyReviews, None),
        (
            "/my-reviews/inst%201/2",
            ReviewerPage,
            Some(("inst%201", "2")),
        ),
        ("/my-reviews/inst/1/", ReviewerPage, Some(("inst", "1"))),
        ("/my-reviews/inst", NotFound, None),
        ("/my-reviews/inst/1/extra", NotFound, None),
        ("/my-reviews//1", NotFound, None),
        ("/my-reviewsx", Elsewhere, None),
        ("/", Elsewhere, None),
        ("/reviews/inst", Elsewhere, None),
    ];
    for (path, screen, page) in rows {
        assert_eq!(reviewer_screen(path), screen, "{path}");
        assert_eq!(reviewer_page_of(path), page, "{path}");
    }
}

/// An address the reviewer bundle has no screen for goes to the full app, query and
/// fragment kept; an unknown `/my-reviews/…` address is "not found" in place.
#[wasm_bindgen_test]
async fn other_addresses_go_to_the_full_app_and_unknown_reviewer_addresses_are_not_found() {
    let handed = collect_hand_overs();
    let app = mount_reviewer_bundle("/history?from=mail#top", test_config(0));
    let to = eventually("the hand-over", || handed.borrow().first().cloned()).await;
    assert_eq!(to, "/history?from=mail#top");
    drop(app);
    handed.borrow_mut().clear();
    let app = mount_reviewer_bundle("/my-reviews/some-review", test_config(0));
    let root: Element = app.root.clone().into();
    eventually("the not-found page", || heading(&root, "Page not found")).await;
    assert_eq!(*handed.borrow(), Vec::<String>::new());
}

/// A browser with nothing stored, outside a reviewer link: the full app starts it (with the
/// sample tenant, which the reviewer bundle does not carry), at the same address; nothing
/// was loaded into the reviewer bundle's database.
#[wasm_bindgen_test]
async fn a_first_run_outside_a_link_goes_to_the_full_app() {
    let handed = collect_hand_overs();
    let config = test_config(20);
    let database = config.database.clone();
    let app = mount_reviewer_bundle("/my-reviews?from=mail", config);
    let to = eventually("the hand-over", || handed.borrow().first().cloned()).await;
    assert_eq!(to, full_app_opening("/my-reviews?from=mail"));
    drop(app);
    let store = attest::store::Store::open(&database).await.expect("open");
    let state = store.load().await.expect("load");
    assert!(
        state.directory.users.is_empty(),
        "no sample in the reviewer bundle's database"
    );
    assert!(state.applied_records.is_empty());
}
