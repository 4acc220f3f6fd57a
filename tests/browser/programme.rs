//! The dashboard's review programme over the sample tenant: an uncovered privileged role is
//! highlighted, and a finished review whose results wait is listed as overdue.

use attest::ui::session::administrator;
use attest_engine::definition::{Reviewers, StageSettings};
use attest_engine::Command;
use leptos::prelude::Set;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::Element;

use crate::support::*;

/// The row of the table under `root` whose header cell starts with `name`.
fn row_named(root: &Element, name: &str) -> Option<Element> {
    all(root, "tr").into_iter().find(|tr| {
        tr.query_selector("th[scope='row']")
            .ok()
            .flatten()
            .is_some_and(|th| text(&th).starts_with(name))
    })
}

#[wasm_bindgen_test]
async fn the_dashboard_shows_an_uncovered_privileged_role_and_an_overdue_review() {
    let app = mount_at("/");
    let rt = ready_runtime().await;
    rt.acting_as.set(administrator());

    // A one-week review of a group, finished three weeks ago, its results never applied.
    let def = group_review(
        "prog",
        "g-it-local-admin",
        vec![StageSettings {
            reviewers: Reviewers::ResourceOwners,
            fallback_reviewers: vec!["u-000001".into()],
            duration_days: 7,
            recommendations: false,
        }],
        rt.now() - chrono::Duration::minutes(1),
    );
    rt.run_as(
        Command::CreateReview {
            definition: Box::new(def),
        },
        administrator(),
        None,
    )
    .await
    .expect("the review is created");
    rt.skip(chrono::Duration::days(28))
        .await
        .expect("the clock runs");

    // Overdue: the review's row links to its overview and says why.
    let overdue = wait_for("the overdue review", || {
        row_named(&app.root, "Review prog").filter(|r| text(r).contains("results not applied"))
    })
    .await;
    assert!(
        link(&overdue, "Review prog · IT exception - local admin").is_some(),
        "the overdue review links to its overview: {}",
        text(&overdue)
    );

    // Coverage, needing attention first: the Global Administrator role, privileged and never
    // reviewed, is highlighted and not covered.
    let role = wait_for("the Global Administrator row", || {
        row_named(&app.root, "Global Administrator")
    })
    .await;
    let words = text(&role);
    assert!(words.contains("privileged"), "{words}");
    assert!(words.contains("Needs a review"), "{words}");
    assert!(words.contains("Not covered"), "{words}");
    assert!(words.contains("Never"), "never certified: {words}");
    assert!(
        role.class_list().contains("attention"),
        "the row is highlighted"
    );

    // The group reviewed three weeks ago counts as certified under "All resources".
    let show = control_by_label(&app.root, "Show").expect("the coverage filter");
    choose(&show, "all");
    let group = wait_for("the reviewed group's row", || {
        row_named(&app.root, "IT exception - local admin")
    })
    .await;
    let words = text(&group);
    assert!(!words.contains("Never"), "certified: {words}");
    assert!(
        words.contains("Not covered"),
        "a one-time review covers nothing more: {words}"
    );

    // Every table is named and reachable by keyboard.
    let names = assert_tables_scroll_by_keyboard(&app.root);
    for wanted in ["Overdue reviews", "Resources and their reviews"] {
        assert!(names.iter().any(|n| n == wanted), "{wanted} in {names:?}");
    }
    drop(app);
}

#[wasm_bindgen_test]
async fn run_now_is_refused_while_an_occurrence_is_open_then_starts_one() {
    let app = mount_at("/reviews/again~0~g-it-local-admin");
    let rt = ready_runtime().await;
    rt.acting_as.set(administrator());
    let mut def = group_review(
        "again",
        "g-it-local-admin",
        vec![StageSettings {
            reviewers: Reviewers::ResourceOwners,
            fallback_reviewers: vec!["u-000001".into()],
            duration_days: 7,
            recommendations: false,
        }],
        rt.now() - chrono::Duration::minutes(1),
    );
    def.schedule.frequency = attest_engine::definition::Frequency::Quarterly;
    rt.run_as(
        Command::CreateReview {
            definition: Box::new(def),
        },
        administrator(),
        None,
    )
    .await
    .expect("the review is created");
    rt.advance_time()
        .await
        .expect("the first occurrence starts");

    // While the first occurrence runs, the engine's reason is shown and nothing starts.
    let run = wait_for("the Run now button", || button(&app.root, "Run now")).await;
    assert_eq!(
        run.get_attribute("aria-label").as_deref(),
        Some("Run Review again now")
    );
    click(&run);
    let refusal = wait_for("the refusal", || {
        all(&app.root, ".run-now [role='alert']").into_iter().next()
    })
    .await;
    assert!(
        text(&refusal).contains("still in progress"),
        "{}",
        text(&refusal)
    );

    // Once it finished, Run now starts an extra occurrence and links to it.
    rt.skip(chrono::Duration::days(8))
        .await
        .expect("the clock runs");
    click(&button(&app.root, "Run now").expect("the Run now button"));
    let started = wait_for("the started occurrence", || {
        link(&app.root, "IT exception - local admin")
    })
    .await;
    assert_eq!(
        started.get_attribute("href").as_deref(),
        Some(attest_engine::outbox::overview_link("again~0~now0~g-it-local-admin").as_str())
    );
    drop(app);
}
