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
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::*;

const SERVER: Option<&str> = option_env!("ATTEST_TEST_SYNC_SERVER");
const SECRET: Option<&str> = option_env!("ATTEST_TEST_SYNC_SECRET");

/// Polls `probe` for up to 30 s (a sync round is one second, plus the server's answer).
async fn eventually<T>(what: &str, probe: impl FnMut() -> Option<T>) -> T {
    eventually_or_say(what, probe, String::new).await
}

/// [`eventually`], whose failure also says what `state` tells then (each side's sync
/// status), so a timeout in CI shows which side stopped.
async fn eventually_or_say<T>(
    what: &str,
    mut probe: impl FnMut() -> Option<T>,
    state: impl Fn() -> String,
) -> T {
    for _ in 0..300 {
        if let Some(v) = probe() {
            return v;
        }
        TimeoutFuture::new(100).await;
    }
    panic!("timed out waiting for {what}; {}", state());
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
    synced_or_say(root_el, "the administrator's browser to sync").await;
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
    synced_or_say(root_el, "the review to reach the server").await;

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
    let reviewer_root: web_sys::Element = reviewer_app.root.clone().into();
    let decided = eventually_or_say(
        "the decision in the administrator's browser",
        || {
            admin
                .state
                .with_untracked(|s| s.instances[&instance].items[0].decisions[0].clone())
        },
        || {
            format!(
                "the administrator's sync status: {:?}; the reviewer's: {:?} ({:?}); the reviewer's page: {:?}",
                status_text(root_el),
                status_text(&reviewer_root),
                sync.status.get_untracked(),
                text(&reviewer_root).chars().take(400).collect::<String>()
            )
        },
    )
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
    synced_or_say(root, &format!("{name}'s browser to sync")).await;
}

/// Waits for the status to read "Synced"; on time-out says what it read instead.
async fn synced_or_say(root: &web_sys::Element, what: &str) {
    let mut seen: Vec<String> = Vec::new();
    for _ in 0..300 {
        let now = status_text(root);
        if now == "Synced" {
            return;
        }
        if seen.last() != Some(&now) {
            seen.push(now);
        }
        TimeoutFuture::new(100).await;
    }
    panic!("timed out waiting for {what}; the status read {seen:?}");
}

/// The runtime of the app mounted last, once loaded, that is none of `others`.
async fn new_runtime(others: &[&attest::Runtime]) -> attest::Runtime {
    wait_for("the new app's runtime", || {
        attest::runtime::current_runtime()
            .filter(|r| r.ready.get_untracked() && others.iter().all(|o| o.state != r.state))
    })
    .await
}

/// Waits until `rt` holds exactly the replay of its stored log; returns that log.
async fn holds_the_replay(rt: &attest::Runtime) -> Vec<attest_engine::Record> {
    let store = rt.store().expect("a store");
    for _ in 0..100 {
        let records = store.records().await.expect("read the log");
        let replayed = attest_engine::replay(records.iter());
        if rt.state.with_untracked(|s| *s == replayed) {
            return records;
        }
        TimeoutFuture::new(100).await;
    }
    panic!("the state is not the replay of the stored log");
}

/// The first group of the directory with user members, and its first user member.
fn group_and_member(rt: &attest::Runtime) -> (String, String) {
    rt.state.with_untracked(|s| {
        s.directory
            .groups
            .values()
            .find_map(|g| {
                g.members.iter().find_map(|m| match m {
                    Principal::User(u) => Some((g.id.clone(), u.clone())),
                    _ => None,
                })
            })
            .expect("a group with user members")
    })
}

/// A one-stage review of `group` decided by `reviewer`, started a minute ago.
fn create_review(rt: &attest::Runtime, id: &str, group: &str, reviewer: &str) -> Command {
    let def = crate::support::group_review(
        id,
        group,
        vec![StageSettings {
            reviewers: Reviewers::SelectedUsers {
                users: vec![reviewer.to_string()],
            },
            fallback_reviewers: vec![],
            duration_days: 7,
            recommendations: false,
        }],
        rt.now() - chrono::Duration::minutes(1),
    );
    Command::CreateReview {
        definition: Box::new(def),
    }
}

/// The changes-not-kept notice above the screen, if shown.
fn refusal_notice(app: &Mounted) -> Option<String> {
    app.root
        .query_selector(".sync-refused[role=alert]")
        .ok()
        .flatten()
        .map(|e| text(&e))
}

/// A browser whose own first-run directory differs from the server's (another sample size)
/// adopts the server's log on its first connect, instead of pushing its sample or deciding
/// on it; a review it then creates on that directory is accepted by the server and reaches
/// the other browser.
#[wasm_bindgen_test]
async fn a_browser_with_another_directory_adopts_the_servers_log_and_its_review_is_accepted() {
    let (Some(server), Some(secret)) = (SERVER, SECRET) else {
        web_sys::console::warn_1(&"sync test not run: no server".into());
        return;
    };
    let first = mount_with("/settings", test_config(20));
    let a = new_runtime(&[]).await;
    connect_admin(&first, server, secret, "Ada").await;
    let sync_a = current_sync().expect("the first browser's sync");

    let second = mount_with("/settings", test_config(35));
    let b = new_runtime(&[&a]).await;
    let own_directory = b.state.with_untracked(|s| s.directory.users.len());
    assert_eq!(
        own_directory, 35,
        "the second browser starts with its own sample"
    );
    connect_admin(&second, server, secret, "Bea").await;
    let sync_b = current_sync().expect("the second browser's sync");
    let log = holds_the_replay(&b).await;
    let servers = holds_the_replay(&a).await;
    assert!(
        log.iter().all(|r| servers.iter().any(|s| s.id == r.id)),
        "every record of the second browser's log is the server's: its own sample stays out"
    );
    assert_eq!(
        b.state.with_untracked(|s| s.directory.clone()),
        a.state.with_untracked(|s| s.directory.clone()),
        "the second browser holds the server's directory"
    );

    let (group, reviewer) = group_and_member(&b);
    let id = format!("adopted-{}", (js_sys::Math::random() * 1e9) as u64);
    b.run_as(
        create_review(&b, &id, &group, &reviewer),
        attest::ui::session::administrator(),
        None,
    )
    .await
    .expect("the review is created");
    let instance = format!("{id}~0~{group}");
    let root_b: &web_sys::Element = second.root.as_ref();
    eventually("the review in the first browser", || {
        a.state
            .with_untracked(|s| s.instances.contains_key(&instance))
            .then_some(())
    })
    .await;
    synced_or_say(root_b, "the second browser to sync its review").await;
    assert_eq!(refusal_notice(&second), None);
    assert!(sync_b.refused.get_untracked().is_empty());
    assert!(sync_a.refused.get_untracked().is_empty());
    holds_the_replay(&a).await;
    holds_the_replay(&b).await;
}

/// A change made offline on a state the server has moved past is decided again behind the
/// server's records when the browser syncs: no longer valid, it is dropped from the log,
/// the engine's reason is shown on screen and the status is not "Synced" until dismissed.
#[wasm_bindgen_test]
async fn a_local_change_made_stale_by_a_pulled_record_is_dropped_with_the_engines_reason() {
    let (Some(server), Some(secret)) = (SERVER, SECRET) else {
        web_sys::console::warn_1(&"sync test not run: no server".into());
        return;
    };
    let first = mount_with("/settings", test_config(20));
    let a = new_runtime(&[]).await;
    connect_admin(&first, server, secret, "Ada").await;
    let sync_a = current_sync().expect("the first browser's sync");
    let (group, reviewer) = group_and_member(&a);
    let id = format!("stale-{}", (js_sys::Math::random() * 1e9) as u64);
    let admin = attest::ui::session::administrator;
    a.run_as(create_review(&a, &id, &group, &reviewer), admin(), None)
        .await
        .expect("the review is created");
    let instance = format!("{id}~0~{group}");

    let second = mount_with("/settings", test_config(20));
    let b = new_runtime(&[&a]).await;
    connect_admin(&second, server, secret, "Bea").await;
    let sync_b = current_sync().expect("the second browser's sync");
    eventually("the review in the second browser", || {
        b.state
            .with_untracked(|s| s.instances.contains_key(&instance))
            .then_some(())
    })
    .await;

    // The second browser goes offline and stops the current stage; meanwhile the first
    // stops the whole review, and the server takes that.
    sync_b.disconnect().await;
    b.run_as(
        Command::StopCurrentStage {
            instance: instance.clone(),
        },
        admin(),
        None,
    )
    .await
    .expect("valid on the second browser's state");
    a.run_as(
        Command::StopReview {
            instance: instance.clone(),
        },
        admin(),
        None,
    )
    .await
    .expect("the review is stopped");
    let stop = a
        .store()
        .unwrap()
        .records()
        .await
        .unwrap()
        .into_iter()
        .rev()
        .find(|r| r.actor.is_administrator())
        .expect("the stop's record");
    eventually("the stop to reach the server", || {
        sync_a
            .settings
            .with_untracked(|s| s.known.contains(&stop.id))
            .then_some(())
    })
    .await;

    sync_b
        .connect(server, "Bea", secret)
        .await
        .expect("connected again");
    let said = eventually("the dropped change on screen", || refusal_notice(&second)).await;
    // What the engine says about stopping the stage of a stopped review.
    let reason = b
        .state
        .with_untracked(|s| {
            s.prepare(
                &Command::StopCurrentStage {
                    instance: instance.clone(),
                },
                &attest_engine::Context {
                    actor: admin(),
                    now: b.now(),
                    record_id: "check".into(),
                    reason: None,
                },
            )
        })
        .expect_err("stopping the stage is no longer valid")
        .to_string();
    assert!(said.contains(&reason), "{said} should say {reason}");
    let root_b: &web_sys::Element = second.root.as_ref();
    eventually("the status to say why", || {
        status_text(root_b).contains(&reason).then_some(())
    })
    .await;

    // The log is the server's: its stop, not the second browser's.
    let log = holds_the_replay(&b).await;
    assert!(log.iter().any(|r| r.id == stop.id));
    assert!(
        !log.iter().any(|r| r.actor.is_administrator()
            && r.events.iter().any(|e| matches!(
                e,
                attest_engine::event::Event::StageEnded {
                    reason: attest_engine::instance::StageEndReason::Stopped,
                    ..
                }
            ))),
        "the stale stop is not in the log"
    );
    for _ in 0..20 {
        assert_ne!(status_text(root_b), "Synced", "never Synced while refused");
        TimeoutFuture::new(100).await;
    }
    click(&button(root_b, "Dismiss").expect("a Dismiss button"));
    eventually("Synced once dismissed", || {
        (status_text(root_b) == "Synced").then_some(())
    })
    .await;
    assert_eq!(refusal_notice(&second), None);
    holds_the_replay(&a).await;
}

/// A change whose id the server already holds with other content gives way to the server's
/// record (the server's version of an id wins), without a refusal, and the browser's later
/// changes still reach the server.
#[wasm_bindgen_test]
async fn a_record_the_server_holds_with_other_content_gives_way_and_later_changes_still_sync() {
    let (Some(server), Some(secret)) = (SERVER, SECRET) else {
        web_sys::console::warn_1(&"sync test not run: no server".into());
        return;
    };
    let first = mount_with("/settings", test_config(20));
    let a = new_runtime(&[]).await;
    connect_admin(&first, server, secret, "Ada").await;
    let sync_a = current_sync().expect("the first browser's sync");
    let second = mount_with("/settings", test_config(20));
    let b = new_runtime(&[&a]).await;
    connect_admin(&second, server, secret, "Bea").await;
    let sync_b = current_sync().expect("the second browser's sync");
    sync_b.disconnect().await;

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
    let mut clash = a
        .store()
        .unwrap()
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
    // The same id with other content, in the offline browser's log.
    clash.reason = Some("the same id with other content".into());
    b.receive(vec![clash.clone()]).await.expect("folded in");
    sync_b
        .connect(server, "Bea", secret)
        .await
        .expect("connected again");
    let root_b: &web_sys::Element = second.root.as_ref();
    let store_b = b.store().expect("a store");
    for n in 0.. {
        let log = store_b.records().await.expect("read the log");
        if log.iter().any(|r| r.id == clash.id && r.reason.is_none()) {
            break;
        }
        assert!(n < 300, "the server's record never replaced the clash");
        TimeoutFuture::new(100).await;
    }
    let log = holds_the_replay(&b).await;
    let kept: Vec<_> = log.iter().filter(|r| r.id == clash.id).collect();
    assert_eq!(kept.len(), 1, "one record of that id");
    assert_eq!(kept[0].reason, None, "the server's content, not the clash");
    assert_eq!(
        refusal_notice(&second),
        None,
        "nothing the person made was refused"
    );

    b.run_as(
        draft(&b, &format!("{id}-later")),
        attest::ui::session::administrator(),
        None,
    )
    .await
    .expect("another draft");
    let later = format!("{id}-later");
    eventually("the later draft in the first browser", || {
        a.state
            .with_untracked(|s| s.drafts.contains_key(&later))
            .then_some(())
    })
    .await;
    eventually("Synced", || (status_text(root_b) == "Synced").then_some(())).await;
}
