//! Two app instances synced through a running Attest server: the administrator's creates a
//! review, the reviewer's opens a link and decides, the administrator's sees the decision.
//!
//! The server is started around the suite by scripts/with-sync-server.sh (what
//! `make test-browser` runs), which sets ATTEST_TEST_SYNC_SERVER and _SECRET at build time.

use attest::sync::{current_sync, remember_server, stored_settings};
use attest_engine::definition::*;
use attest_engine::directory::Principal;
use attest_engine::event::ItemDecision;
use attest_engine::instance::Decision;
use attest_engine::Command;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::*;

const SERVER: Option<&str> = option_env!("ATTEST_TEST_SYNC_SERVER");
const SECRET: Option<&str> = option_env!("ATTEST_TEST_SYNC_SECRET");

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

fn type_into(el: &web_sys::Element, value: &str) {
    let input = el
        .dyn_ref::<web_sys::HtmlInputElement>()
        .expect("an <input>");
    input.set_value(value);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let ev = web_sys::Event::new_with_event_init_dict("input", &init).unwrap();
    input.dispatch_event(&ev).unwrap();
}

fn status_text(root: &web_sys::Element) -> String {
    root.query_selector("[role=status].sync-status")
        .ok()
        .flatten()
        .map(|e| text(&e))
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn a_reviewer_decides_from_a_link_and_the_administrator_sees_it() {
    let (Some(server), Some(secret)) = (SERVER, SECRET) else {
        // A bare `cargo test` has no server to sync through; `make test` always has one.
        web_sys::console::warn_1(&"sync test not run: no server (run the suite through scripts/with-sync-server.sh, as make test does)".into());
        return;
    };

    // The administrator's browser connects in Settings → Sync server.
    let admin_config = test_config(20);
    let admin_db = admin_config.database.clone();
    let admin_app = mount_with("/settings", admin_config);
    let admin = ready_runtime().await;
    let root = admin_app.root.clone();
    let root_el: &web_sys::Element = root.as_ref();
    let field = |label: &str| {
        control_by_label(root_el, label).unwrap_or_else(|| panic!("no field labelled {label}"))
    };
    type_into(&field("Server address"), server);
    type_into(&field("Your name"), "Ada Admin");
    type_into(&field("Administrator secret"), secret);
    click(&button(root_el, "Connect").expect("a Connect button"));
    eventually("the administrator's browser to sync", || {
        (status_text(root_el) == "Synced").then_some(())
    })
    .await;
    let page = text(root_el);
    assert!(
        page.contains("Connected to") && page.contains("Ada Admin"),
        "{page}"
    );

    // A review of a group with members, decided by one selected user.
    let (group, reviewer) = admin.state.with_untracked(|s| {
        let dir = &s.directory;
        let group = dir
            .groups
            .values()
            .find(|g| g.members.iter().any(|m| matches!(m, Principal::User(_))))
            .expect("a group with user members in the sample")
            .id
            .clone();
        let reviewer = dir.users.keys().next().unwrap().clone();
        (group, reviewer)
    });
    let id = format!("sync-{}", (js_sys::Math::random() * 1e9) as u64);
    let mut def = crate::support::group_review(
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
    def.name = "Synced review".into();
    def.description_for_reviewers = "Please confirm who still needs access.".into();
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
    assert!(admin
        .state
        .with_untracked(|s| s.instances.contains_key(&instance)));
    eventually("the review to reach the server", || {
        (status_text(root_el) == "Synced").then_some(())
    })
    .await;

    // The administrator hands the reviewer their link.
    let token = stored_settings(&admin_db).admin_token.expect("a session");
    let path = reviewer_link(server, &token, &instance, &reviewer)
        .await
        .unwrap_or_else(|(status, body)| {
            panic!(
                "the server refused the link ({status}): {body} (sync status: {})",
                status_text(root_el)
            )
        });
    let path = path.as_str();

    // The reviewer's browser opens it (its own database; the server's address remembered).
    let reviewer_config = test_config(0);
    remember_server(&reviewer_config.database, server);
    let reviewer_app = mount_with(path, reviewer_config);
    let rt = ready_runtime().await;
    let sync = current_sync().expect("the reviewer's sync");
    eventually("the reviewer's items", || {
        rt.state
            .with_untracked(|s| s.instances.get(&instance).map(|i| i.items.len()))
    })
    .await;
    assert!(
        !current_path().contains("token"),
        "the token stays out of the address bar"
    );
    assert_eq!(
        sync.link.get_untracked().map(|l| l.reviewer),
        Some(reviewer.clone())
    );
    let rows = rt
        .state
        .with_untracked(|s| s.instances[&instance].items.len());
    let all = admin
        .state
        .with_untracked(|s| s.instances[&instance].items.len());
    assert_eq!(rows, all, "the selected reviewer reviews every member");
    rt.run(Command::RecordDecisions {
        instance: instance.clone(),
        decisions: vec![ItemDecision {
            item: 0,
            decision: Decision::Deny,
            justification: "Left the team".into(),
        }],
    })
    .await
    .expect("the reviewer's decision is taken");

    // The administrator's browser pulls it.
    let decided = eventually("the decision in the administrator's browser", || {
        admin
            .state
            .with_untracked(|s| s.instances[&instance].items[0].decisions[0].clone())
    })
    .await;
    assert_eq!(decided.decision, Decision::Deny);
    assert_eq!(decided.reviewer, reviewer);
    assert_eq!(decided.justification, "Left the team");
    eventually("the reviewer's browser to report it synced", || {
        (sync.status.get_untracked() == attest::sync::SyncStatus::Synced).then_some(())
    })
    .await;
    drop(reviewer_app);
    drop(admin_app);
}

/// Signs an administrator's browser in through Settings → Sync server.
fn sign_in(app: &Mounted, server: &str, secret: &str, name: &str) {
    let root: &web_sys::Element = app.root.as_ref();
    let field = |label: &str| {
        control_by_label(root, label).unwrap_or_else(|| panic!("no field labelled {label}"))
    };
    type_into(&field("Server address"), server);
    type_into(&field("Your name"), name);
    type_into(&field("Administrator secret"), secret);
    click(&button(root, "Connect").expect("a Connect button"));
}

/// [`sign_in`], then wait for Synced.
async fn connect_admin(app: &Mounted, server: &str, secret: &str, name: &str) {
    sign_in(app, server, secret, name);
    let root: &web_sys::Element = app.root.as_ref();
    eventually(&format!("{name}'s browser to sync"), || {
        (status_text(root) == "Synced").then_some(())
    })
    .await;
}

/// A record whose id the server already holds with other content is refused once with the
/// server's reason, and no longer sent: the browser's later changes still reach the server.
#[wasm_bindgen_test]
async fn a_conflicting_record_is_refused_once_and_later_changes_still_sync() {
    let (Some(server), Some(secret)) = (SERVER, SECRET) else {
        web_sys::console::warn_1(&"sync test not run: no server".into());
        return;
    };
    let first = mount_with("/settings", test_config(20));
    let a = ready_runtime().await;
    connect_admin(&first, server, secret, "Ada").await;
    let draft = |a: &attest::Runtime, id: &str| {
        let mut def = crate::support::group_review(id, "g-all", vec![], a.now());
        def.name = format!("Draft {id}");
        Command::SaveDraft {
            definition: Box::new(def),
        }
    };
    let id = format!("conflict-{}", (js_sys::Math::random() * 1e9) as u64);
    a.run_as(draft(&a, &id), attest::ui::session::administrator(), None)
        .await
        .expect("the draft is saved");
    let sync_a = current_sync().expect("the first browser's sync");
    let store = a.store().expect("a store");
    // The administrator's own last record (the clock may have written after it).
    let mut clash = store
        .records()
        .await
        .unwrap()
        .into_iter()
        .rev()
        .find(|r| r.actor.is_administrator())
        .expect("the draft's record");
    eventually("the draft to reach the server", || {
        sync_a
            .settings
            .with_untracked(|s| s.known.contains(&clash.id))
            .then_some(())
    })
    .await;
    clash.reason = Some("the same id with other content".into());

    let second = mount_with("/settings", test_config(20));
    let b = wait_for("the second app's runtime", || {
        attest::runtime::current_runtime().filter(|r| r.ready.get_untracked() && r.state != a.state)
    })
    .await;
    // The clashing record is in the second browser's log before it first connects.
    b.receive(vec![clash.clone()]).await.expect("folded in");
    sign_in(&second, server, secret, "Bea");
    let root_b: &web_sys::Element = second.root.as_ref();
    let mut seen = Vec::new();
    let mut said = None;
    for _ in 0..300 {
        let now = status_text(root_b);
        if now.contains("already on the server") {
            said = Some(now);
            break;
        }
        if seen.last() != Some(&now) {
            seen.push(now);
        }
        TimeoutFuture::new(100).await;
    }
    let said =
        said.unwrap_or_else(|| panic!("the conflict was never said; the status read {seen:?}"));
    assert!(said.contains(&clash.id), "{said}");
    // Not sent again: the next change reaches the server and the browser reads Synced.
    b.run_as(
        draft(&b, &format!("{id}-later")),
        attest::ui::session::administrator(),
        None,
    )
    .await
    .expect("another draft");
    eventually("the later draft to sync", || {
        (status_text(root_b) == "Synced").then_some(())
    })
    .await;
}
