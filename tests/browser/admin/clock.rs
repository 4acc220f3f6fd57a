//! Time passing: reminders to reviewers with undecided items, a deadline recorded at its time.

use super::*;

#[wasm_bindgen_test]
async fn reminders_go_only_to_reviewers_with_undecided_items() {
    let (app, rt) = admin_app("/notifications").await;
    let id = create(
        &rt,
        review(
            &rt,
            "mgr",
            "g-it-local-admin",
            vec![stage(Reviewers::Managers, 10)],
        ),
    )
    .await;
    let reviewees = items(&rt, &id, 0);
    let reviewers: BTreeSet<String> = reviewees.iter().map(|(_, _, r)| r.clone()).collect();
    assert!(
        reviewers.len() >= 2,
        "several managers review: {reviewers:?}"
    );
    // One manager decides everything of theirs before the halfway reminder.
    let done = reviewees[0].2.clone();
    for (item, _, r) in reviewees.iter().filter(|(_, _, r)| *r == done) {
        decide(&rt, &id, r, *item, Decision::Approve, "still needed").await;
    }
    rt.skip(chrono::Duration::days(5) + chrono::Duration::hours(1))
        .await
        .unwrap();
    choose(
        &control_by_label(&app.root, "Message").expect("the message filter"),
        "Reminder",
    );
    let expected: BTreeSet<String> = rt.state.with_untracked(|s| {
        reviewers
            .iter()
            .filter(|r| **r != done)
            .map(|r| s.directory.users[r].display_name.clone())
            .collect()
    });
    let reminded = wait_on(&app, "the reminders", || {
        let names: BTreeSet<String> = all(
            &app.root,
            ".message[data-kind='Reminder'] .message-to strong",
        )
        .iter()
        .map(text)
        .collect();
        (names.len() == expected.len()).then_some(names)
    })
    .await;
    assert_eq!(reminded, expected, "everyone but the manager who finished");
    assert!(all(&app.root, ".message")
        .iter()
        .all(|m| m.get_attribute("data-kind").as_deref() == Some("Reminder")));

    // A start message's link opens that reviewer's page.
    choose(
        &control_by_label(&app.root, "Message").unwrap(),
        "ReviewStarted",
    );
    let message = wait_on(&app, "a start message", || {
        within(&app.root, ".message[data-kind='ReviewStarted']")
    })
    .await;
    let link = within(&message, ".message-link a").unwrap();
    let href = link.get_attribute("href").unwrap();
    assert!(
        href.starts_with(&format!("/my-reviews/{}/1?reviewer=u-", id)),
        "{href}"
    );
    assert!(
        text(&message).contains("Please confirm who still needs this access."),
        "description for reviewers"
    );
    // The deadline reads in the reader's locale and zone, not as the engine's UTC stamp.
    let deadline = rt
        .state
        .with_untracked(|s| s.instances[&id].stages[0].deadline.unwrap());
    let says = text(&message);
    assert!(
        says.contains(&format!(
            "Please decide by {}.",
            attest::ui::components::local_time(deadline)
        )),
        "{says}"
    );
    assert!(
        !says.contains(&attest_engine::evidence::timestamp(deadline)),
        "{says}"
    );
    click(&link);
    wait_for("the reviewer page", || {
        (current_path() == format!("/my-reviews/{id}/1")).then_some(())
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_deadline_passes_by_the_clock_and_is_recorded_at_its_time() {
    let (app, rt) = admin_app("/").await;
    let id = create(
        &rt,
        review(
            &rt,
            "clock",
            "g-auditors",
            vec![stage(Reviewers::ResourceOwners, 3)],
        ),
    )
    .await;
    let deadline = rt
        .state
        .with_untracked(|s| s.instances[&id].stages[0].deadline.unwrap());
    rt.skip(chrono::Duration::days(4)).await.unwrap();
    wait_status(&rt, &id, InstanceStatus::Completed).await;
    let ended = rt
        .state
        .with_untracked(|s| s.instances[&id].stages[0].ended);
    assert_eq!(
        ended,
        Some(deadline),
        "recorded at the deadline, not when the app noticed"
    );
    // The dashboard lists it among the results waiting to be applied.
    let waiting = wait_on(&app, "results waiting on the dashboard", || {
        section_titled(&app.root, "Progress")
            .filter(|s| text(s).contains("Finished: select Apply results"))
    })
    .await;
    assert!(link(&waiting, "Review clock · Contoso auditors").is_some());
}
