//! The escalation ladder in the wizard (issue 24): switched on in the Settings step, its
//! reminders and escalation are shown as a timeline of the stage, follow what is typed, and
//! the created review keeps the ladder.

use attest_engine::definition::Ladder;
use leptos::prelude::WithUntracked;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::Element;

use crate::support::*;

fn timeline(root: &Element) -> Vec<String> {
    all(root, ".ladder-timeline li").iter().map(text).collect()
}

async fn step(root: &Element, title: &str) {
    wait_for(&format!("step {title:?}"), || {
        root.query_selector(".wizard-step-panel h2")
            .ok()
            .flatten()
            .filter(|h| text(h) == title)
    })
    .await;
}

async fn next(root: &Element) {
    click(&wait_for("Next", || button(root, "Next")).await);
    next_tick().await;
}

#[wasm_bindgen_test]
async fn the_wizard_shows_the_ladder_as_a_timeline_and_keeps_it() {
    let app = mount_at("/reviews/new");
    let rt = ready_runtime().await;
    step(&app.root, "Review type").await;
    click(
        &wait_for("a group", || {
            control_by_label(&app.root, "Partner collaboration")
        })
        .await,
    );
    next(&app.root).await;
    step(&app.root, "Reviews").await;
    next(&app.root).await;
    step(&app.root, "Settings").await;
    assert!(
        timeline(&app.root).is_empty(),
        "no ladder until it is chosen"
    );

    click(&control_by_label(&app.root, "Escalation ladder").expect("the ladder's switch"));
    // The default ladder (7, 3 and 1 days before the end, escalate after the 2nd) on the
    // 7-day stage: 7 days before the end is its start, so that point is skipped.
    let want = [
        "Day 0 Stage starts: reviewers are notified",
        "Day 4 Reminder 1 (3 day(s) before the end), to reviewers with undecided reviewees",
        "Day 6 Reminder 2 (1 day(s) before the end), to reviewers with undecided reviewees; then escalated to each reviewer's manager",
        "Day 7 Stage ends",
    ];
    wait_for("the default ladder's timeline", || {
        (timeline(&app.root) == want).then_some(())
    })
    .await;
    assert!(find_by_text(
        &app.root,
        ".ladder-timeline .hint",
        "1 reminder point(s) fall before this stage starts and are skipped."
    )
    .is_some());

    type_into(
        &control_by_label(&app.root, "Remind at (days before the stage ends)").expect("the days"),
        "2, 5",
    );
    type_into(
        &control_by_label(&app.root, "Escalate after reminder number (empty: never)")
            .expect("the escalation point"),
        "",
    );
    let want = [
        "Day 0 Stage starts: reviewers are notified",
        "Day 2 Reminder 1 (5 day(s) before the end), to reviewers with undecided reviewees",
        "Day 5 Reminder 2 (2 day(s) before the end), to reviewers with undecided reviewees",
        "Day 7 Stage ends",
    ];
    wait_for("the timeline following the typing", || {
        (timeline(&app.root) == want).then_some(())
    })
    .await;

    next(&app.root).await;
    step(&app.root, "Review + create").await;
    type_into(
        &control_by_label(&app.root, "Review name").expect("the name field"),
        "Laddered review",
    );
    click(&button(&app.root, "Create").expect("Create"));
    wait_for("the created review", || {
        rt.state.with_untracked(|s| {
            s.reviews
                .values()
                .find(|r| r.definition.name == "Laddered review")
                .map(|r| r.definition.settings.escalation.clone())
        })
    })
    .await
    .map(|l: Ladder| {
        assert_eq!(l.days_before, vec![5, 2]);
        assert_eq!(l.escalate_after, None);
    })
    .expect("the review keeps its ladder");
}
