//! Two app instances on one database racing each other, each race in both orders: a
//! decision against "Stop current stage", two conflicting decisions, and a pull from the
//! server against a local decision. Both clicks (or the click and the pull) start before
//! either is stored, so the second is decided on a state the first has made stale. The log
//! never holds a decision for a closed stage, every app ends with the replay of the log, and
//! a decision refused because of the other's record says why on screen.

use attest::store::Store;
use attest::ui::reviewer::reviewer_link;
use attest::ui::session::administrator;
use attest::Runtime;
use attest_engine::definition::{Reviewers, StageSettings};
use attest_engine::event::Event;
use attest_engine::{apply, Command, Context, Decision, Record, State};
use leptos::prelude::{GetUntracked, WithUntracked};
use leptos::task::spawn_local;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::Element;

use crate::support::*;

const REVIEWER: &str = "u-000002";

/// A database holding a one-stage review of a sample group by `REVIEWER`.
struct Race {
    config: attest::AppConfig,
    instance: String,
}

async fn race_review() -> Race {
    let config = test_config(50);
    let setup = mount_with("/", config.clone());
    let rt = ready_runtime().await;
    let stage = StageSettings {
        reviewers: Reviewers::SelectedUsers {
            users: vec![REVIEWER.into()],
        },
        fallback_reviewers: vec![],
        duration_days: 7,
        recommendations: false,
    };
    let mut def = group_review(
        "race",
        "g-it-local-admin",
        vec![stage],
        rt.now() - chrono::Duration::minutes(1),
    );
    def.decisions_to_next_stage = vec![];
    rt.run_as(
        Command::CreateReview {
            definition: Box::new(def),
        },
        administrator(),
        None,
    )
    .await
    .expect("the review is created");
    let instance = rt
        .state
        .with_untracked(|s| s.instances.keys().next().cloned())
        .expect("the review started");
    drop(setup);
    Race { config, instance }
}

/// Mounts another app instance on the race's database at `path`; its runtime once loaded.
async fn open(race: &Race, path: &str, others: &[Runtime]) -> (Mounted, Runtime) {
    let app = mount_with(path, race.config.clone());
    let rt = wait_for("the new app's runtime", || {
        attest::runtime::current_runtime()
            .filter(|r| r.ready.get_untracked() && others.iter().all(|o| o.state != r.state))
    })
    .await;
    (app, rt)
}

/// The reviewer page of the race's review, with its rows rendered.
async fn reviewer_app(race: &Race, others: &[Runtime]) -> (Mounted, Runtime) {
    let (app, rt) = open(race, &reviewer_link(&race.instance, 0, REVIEWER), others).await;
    wait_for("the reviewer's rows", || {
        (!all(&app.root, "[role='listitem']").is_empty()).then_some(())
    })
    .await;
    (app, rt)
}

/// The first row's decision button `verb` ("Approve", "Deny"), the row's name and item.
fn decision_button(app: &Mounted, verb: &str) -> (Element, String, usize) {
    let row = all(&app.root, "[role='listitem']")
        .into_iter()
        .next()
        .expect("a reviewee row");
    let name = row.get_attribute("aria-label").expect("a row name");
    let item = row
        .id()
        .strip_prefix("reviewee-")
        .and_then(|n| n.parse().ok())
        .expect("a reviewee row id");
    let button = control_by_label(&app.root, &format!("{verb} {name}"))
        .unwrap_or_else(|| panic!("a {verb} button for {name}"));
    (button, name, item)
}

/// The stage-1 decision `rt` holds for `item`.
fn decision_of(rt: &Runtime, instance: &str, item: usize) -> Option<Decision> {
    rt.state.with_untracked(|s| {
        s.instances[instance].items[item].decisions[0]
            .as_ref()
            .map(|d| d.decision)
    })
}

/// The button that stops the stage: "Stop stage" in the confirmation "Stop current stage"
/// opens (clicking it is the moment the stop is decided).
async fn stop_button(app: &Mounted) -> Element {
    let open = wait_for("Stop current stage", || {
        button(&app.root, "Stop current stage")
    })
    .await;
    click(&open);
    let dialog = wait_for("the confirmation", || {
        app.root.query_selector("[role='dialog']").ok().flatten()
    })
    .await;
    button(&dialog, "Stop stage").expect("Stop stage in the confirmation")
}

/// Reads the stored log, checks that no decision landed in a closed stage, and waits until
/// every app holds exactly the state the log replays to. Returns the log.
async fn check_log(race: &Race, apps: &[Runtime]) -> Vec<Record> {
    let store = Store::open(&race.config.database).await.expect("open");
    let records = store.records().await.expect("read the log");
    let mut state = State::default();
    for record in &records {
        for event in &record.events {
            if let Event::DecisionsRecorded {
                instance, stage, ..
            } = event
            {
                let inst = &state.instances[instance];
                assert!(
                    inst.is_open() && inst.current_stage == *stage,
                    "record {} decides in stage {}, which was closed at its position",
                    record.id,
                    stage + 1
                );
            }
        }
        apply(&mut state, record);
    }
    for (n, rt) in apps.iter().enumerate() {
        wait_for(&format!("app {n} to hold the replay of the log"), || {
            rt.state.with_untracked(|s| (*s == state).then_some(()))
        })
        .await;
    }
    records
}

fn kinds(records: &[Record]) -> Vec<&'static str> {
    records
        .iter()
        .flat_map(|r| &r.events)
        .filter_map(|e| match e {
            Event::DecisionsRecorded { .. } => Some("decision"),
            Event::StageEnded { .. } => Some("stage ended"),
            _ => None,
        })
        .collect()
}

/// What the reviewer page says when a decision was refused.
async fn refusal_on_screen(app: &Mounted) -> String {
    wait_for("the refusal on the reviewer's screen", || {
        all(&app.root, "[role='alert']")
            .into_iter()
            .map(|e| text(&e))
            .find(|t| t.starts_with("Not saved"))
    })
    .await
}

#[wasm_bindgen_test]
async fn stop_current_stage_first_then_a_decision_the_decision_is_refused_with_the_reason() {
    let race = race_review().await;
    let (admin_app, admin) = open(&race, &format!("/reviews/{}", race.instance), &[]).await;
    let (reviewer_app, reviewer) = reviewer_app(&race, &[admin]).await;
    let stop = stop_button(&admin_app).await;
    let (approve, _, item) = decision_button(&reviewer_app, "Approve");

    // Both before either is stored: the decision is decided while the stage is open.
    click(&stop);
    click(&approve);

    let said = refusal_on_screen(&reviewer_app).await;
    assert!(
        said.contains("can no longer be changed"),
        "the engine's reason: {said}"
    );
    let log = check_log(&race, &[admin, reviewer]).await;
    assert_eq!(
        kinds(&log),
        ["stage ended"],
        "the decision is not in the log"
    );
    assert_eq!(decision_of(&reviewer, &race.instance, item), None);
}

#[wasm_bindgen_test]
async fn a_decision_first_then_stop_current_stage_both_are_kept_in_that_order() {
    let race = race_review().await;
    let (admin_app, admin) = open(&race, &format!("/reviews/{}", race.instance), &[]).await;
    let (reviewer_app, reviewer) = reviewer_app(&race, &[admin]).await;
    let stop = stop_button(&admin_app).await;
    let (approve, _, item) = decision_button(&reviewer_app, "Approve");

    click(&approve);
    click(&stop);

    let log = check_log(&race, &[admin, reviewer]).await;
    let log = wait_for_kinds(&race, &[admin, reviewer], log, 2).await;
    assert_eq!(kinds(&log), ["decision", "stage ended"]);
    assert_eq!(
        decision_of(&admin, &race.instance, item),
        Some(Decision::Approve),
        "the decision counts"
    );
}

/// Waits until the log holds `n` records of interest (the second write may land later).
async fn wait_for_kinds(
    race: &Race,
    apps: &[Runtime],
    mut log: Vec<Record>,
    n: usize,
) -> Vec<Record> {
    for _ in 0..200 {
        if kinds(&log).len() >= n {
            return log;
        }
        gloo_timers::future::TimeoutFuture::new(20).await;
        log = check_log(race, apps).await;
    }
    panic!("the log holds {:?}", kinds(&log));
}

/// Two reviewer pages decide the same reviewee differently at once: both decisions are
/// stored, the second decided on the state holding the first, and the last one counts on
/// both screens.
async fn two_conflicting_decisions(first: &str, second: &str, last: Decision, shown: &str) {
    let race = race_review().await;
    let (one_app, one) = reviewer_app(&race, &[]).await;
    let (two_app, two) = reviewer_app(&race, &[one]).await;
    let (a, name, item) = decision_button(&one_app, first);
    let (b, _, _) = decision_button(&two_app, second);

    click(&a);
    click(&b);

    let log = check_log(&race, &[one, two]).await;
    let log = wait_for_kinds(&race, &[one, two], log, 2).await;
    assert_eq!(kinds(&log), ["decision", "decision"]);
    check_log(&race, &[one, two]).await;
    for rt in [one, two] {
        assert_eq!(
            decision_of(&rt, &race.instance, item),
            Some(last),
            "the later decision wins"
        );
    }
    for app in [&one_app, &two_app] {
        wait_for("both screens to show the later decision", || {
            all(&app.root, "[role='listitem']")
                .into_iter()
                .find(|r| r.get_attribute("aria-label").as_deref() == Some(name.as_str()))
                .filter(|r| text(r).contains(shown))
        })
        .await;
    }
}

#[wasm_bindgen_test]
async fn two_conflicting_decisions_approve_then_deny() {
    two_conflicting_decisions("Approve", "Deny", Decision::Deny, "Denied").await;
}

#[wasm_bindgen_test]
async fn two_conflicting_decisions_deny_then_approve() {
    two_conflicting_decisions("Deny", "Approve", Decision::Approve, "Approved").await;
}

/// A "Stop current stage" recorded on the server (by an administrator elsewhere), as the
/// sync pull hands it to the runtime.
fn stop_from_the_server(rt: &Runtime, instance: &str) -> Record {
    let ctx = Context {
        actor: administrator(),
        now: rt.now(),
        record_id: "server-admin:1".into(),
        reason: None,
    };
    rt.state
        .with_untracked(|s| {
            s.prepare(
                &Command::StopCurrentStage {
                    instance: instance.into(),
                },
                &ctx,
            )
        })
        .expect("the stop is valid on the server")
        .expect("a record")
}

#[wasm_bindgen_test]
async fn a_pulled_stop_first_then_a_local_decision_the_decision_is_refused_with_the_reason() {
    let race = race_review().await;
    let (_admin_app, admin) = open(&race, "/", &[]).await;
    let (reviewer_app, reviewer) = reviewer_app(&race, &[admin]).await;
    let stop = stop_from_the_server(&admin, &race.instance);
    let (approve, _, item) = decision_button(&reviewer_app, "Approve");

    spawn_local(async move {
        admin.receive(vec![stop]).await.expect("the pull is stored");
    });
    click(&approve);

    let said = refusal_on_screen(&reviewer_app).await;
    assert!(said.contains("can no longer be changed"), "{said}");
    let log = check_log(&race, &[admin, reviewer]).await;
    assert_eq!(kinds(&log), ["stage ended"]);
    assert_eq!(decision_of(&reviewer, &race.instance, item), None);
}

#[wasm_bindgen_test]
async fn a_local_decision_first_then_a_pulled_stop_both_are_kept_in_that_order() {
    let race = race_review().await;
    let (_admin_app, admin) = open(&race, "/", &[]).await;
    let (reviewer_app, reviewer) = reviewer_app(&race, &[admin]).await;
    let stop = stop_from_the_server(&admin, &race.instance);
    let again = stop.clone();
    let (approve, _, item) = decision_button(&reviewer_app, "Approve");

    click(&approve);
    spawn_local(async move {
        admin.receive(vec![stop]).await.expect("the pull is stored");
    });

    let log = check_log(&race, &[admin, reviewer]).await;
    let log = wait_for_kinds(&race, &[admin, reviewer], log, 2).await;
    assert_eq!(kinds(&log), ["decision", "stage ended"]);
    assert_eq!(
        decision_of(&admin, &race.instance, item),
        Some(Decision::Approve)
    );
    // The same record pulled again (the next round) is not stored twice.
    assert_eq!(
        admin.receive(vec![again]).await.ok(),
        Some(0),
        "already here"
    );
}
