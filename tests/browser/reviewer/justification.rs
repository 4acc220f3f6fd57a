//! Justifications: required ones, one decision each, and recommendations dated when they
//! were made.

use super::*;

#[wasm_bindgen_test]
async fn approving_needs_a_justification_when_the_review_requires_one() {
    let config = test_config(50);
    let now = chrono::Utc::now();
    let mut def = definition(
        "justify",
        "g-it-local-admin",
        vec![stage(selected("u-000002"))],
        now,
    );
    def.settings.justification_required = true;
    let (app, rt, instance) = with_review(&config, def).await;
    let mine = items_of(&rt, &instance, 0, "u-000002");
    drop(app);
    let app = mount_with(&reviewer_link(&instance, 0, "u-000002"), config);
    let rt = ready_runtime().await;
    wait_shown(&app, mine.len()).await;
    let (item, name) = &row_item(&rendered_rows(&app)[0]);
    let approve = wait_for("the Approve button", || {
        control_by_label(&app.root, &format!("Approve {name}"))
    })
    .await;
    click(&approve);
    let row = || {
        rendered_rows(&app)
            .into_iter()
            .find(|r| r.get_attribute("aria-label").as_deref() == Some(name.as_str()))
    };
    let alert = wait_for("the message on the row", || {
        row()?.query_selector("[role='alert']").ok().flatten()
    })
    .await;
    assert_eq!(
        text(&alert),
        format!("Not saved: a justification is required to approve access ({name}).")
    );
    assert_eq!(
        decision_of(&rt, &instance, *item, 0),
        None,
        "nothing was recorded"
    );

    type_into(&by_label(&app, "Justification"), "Runs the on-call rota");
    click(&by_label(&app, &format!("Approve {name}")));
    wait_for("the approval", || decision_of(&rt, &instance, *item, 0)).await;
    assert_eq!(
        decision_of(&rt, &instance, *item, 0).unwrap().1,
        "Runs the on-call rota"
    );
    wait_for("the message to go", || {
        row()?
            .query_selector("[role='alert']")
            .ok()
            .flatten()
            .is_none()
            .then_some(())
    })
    .await;
}

/// A justification is typed for one decision: once recorded, the box empties, so a later
/// decision on someone else does not carry it.
#[wasm_bindgen_test]
async fn a_justification_goes_with_one_decision_only() {
    let config = test_config(50);
    let def = definition(
        "justify-once",
        "g-it-local-admin",
        vec![stage(selected("u-000002"))],
        chrono::Utc::now(),
    );
    let (app, _rt, instance) = with_review(&config, def).await;
    let mine = items_of(&_rt, &instance, 0, "u-000002");
    assert!(mine.len() >= 2, "two reviewees to decide");
    drop(app);
    let app = mount_with(&reviewer_link(&instance, 0, "u-000002"), config);
    let rt = ready_runtime().await;
    wait_shown(&app, mine.len()).await;
    let rows = rendered_rows(&app);
    let (first, first_name) = row_item(&rows[0]);
    let (second, second_name) = row_item(&rows[1]);
    type_into(&by_label(&app, "Justification"), "Campaign owner");
    click(&by_label(&app, &format!("Approve {first_name}")));
    wait_for("the approval", || decision_of(&rt, &instance, first, 0)).await;
    assert_eq!(
        decision_of(&rt, &instance, first, 0).unwrap().1,
        "Campaign owner"
    );
    let justification = by_label(&app, "Justification");
    wait_for("the box to empty", || {
        let value = justification
            .dyn_ref::<web_sys::HtmlTextAreaElement>()?
            .value();
        value.is_empty().then_some(())
    })
    .await;
    click(&by_label(&app, &format!("Deny {second_name}")));
    wait_for("the denial", || decision_of(&rt, &instance, second, 0)).await;
    assert_eq!(
        decision_of(&rt, &instance, second, 0).unwrap(),
        (Decision::Deny, String::new(), DecisionSource::Reviewer),
        "the denial carries no one else's reason"
    );
}

/// "Justification required" holds for Accept recommendations too: approvals need one.
#[wasm_bindgen_test]
async fn accepting_recommendations_asks_for_the_required_justification() {
    let config = test_config(50);
    let mut def = definition(
        "justify-accept",
        "g-it-local-admin",
        vec![stage(selected("u-000002"))],
        chrono::Utc::now(),
    );
    def.settings.justification_required = true;
    let (app, rt, instance) = with_review(&config, def).await;
    let mine = items_of(&rt, &instance, 0, "u-000002");
    let approving: Vec<u32> = rt.state.with_untracked(|s| {
        mine.iter()
            .filter(|(i, _)| {
                s.instances[&instance].items[*i as usize]
                    .recommendation
                    .as_ref()
                    .is_some_and(|r| r.decision == Decision::Approve)
            })
            .map(|(i, _)| *i)
            .collect()
    });
    assert!(!approving.is_empty(), "a reviewee recommended for approval");
    let with_recommendation = rt.state.with_untracked(|s| {
        mine.iter()
            .filter(|(i, _)| {
                s.instances[&instance].items[*i as usize]
                    .recommendation
                    .is_some()
            })
            .count()
    });
    drop(app);
    let app = mount_with(&reviewer_link(&instance, 0, "u-000002"), config);
    let rt = ready_runtime().await;
    wait_shown(&app, mine.len()).await;
    click(
        &find_by_text(&app.root, "button", "Accept recommendations")
            .expect("the Accept recommendations button"),
    );
    if with_recommendation > 1 {
        confirm(&app.root, "Accept recommendations").await;
    }
    let alert = wait_for("the refusal", || {
        app.root
            .query_selector(".rv-decide [role='alert']")
            .ok()
            .flatten()
    })
    .await;
    assert!(
        text(&alert).starts_with("Not saved: a justification is required to approve access"),
        "{}",
        text(&alert)
    );
    for (item, _) in &mine {
        assert_eq!(
            decision_of(&rt, &instance, *item, 0),
            None,
            "nothing was recorded"
        );
    }
    type_into(
        &by_label(&app, "Justification"),
        "Quarterly check with the owner",
    );
    click(
        &find_by_text(&app.root, "button", "Accept recommendations")
            .expect("the Accept recommendations button"),
    );
    if with_recommendation > 1 {
        confirm(&app.root, "Accept recommendations").await;
    }
    let first = approving[0];
    wait_for("the approvals", || decision_of(&rt, &instance, first, 0)).await;
    for item in &approving {
        assert_eq!(
            decision_of(&rt, &instance, *item, 0).unwrap(),
            (
                Decision::Approve,
                "Quarterly check with the owner".to_string(),
                DecisionSource::AcceptedRecommendation
            )
        );
    }
}

/// A recommendation is worked out when the review starts; its reasons ("signed in 15 days
/// ago") count from then, while the row's "Last sign-in" counts from today. Dated, the two
/// cannot seem to disagree.
#[wasm_bindgen_test]
async fn recommendations_of_a_review_that_started_earlier_say_when_they_were_made() {
    let config = test_config(50);
    let start = chrono::Utc::now() - chrono::Duration::days(3);
    let (app, _rt, instance) = with_review(
        &config,
        definition(
            "dated-recommendations",
            "g-it-local-admin",
            vec![stage(selected("u-000002"))],
            start,
        ),
    )
    .await;
    drop(app);
    let app = mount_with(&reviewer_link(&instance, 0, "u-000002"), config);
    let dated = format!("As of {}: ", attest::ui::components::local_day(start));
    let reason = wait_for("a dated recommendation", || {
        all(&app.root, ".rv-sub")
            .into_iter()
            .find(|el| text(el).starts_with(&dated))
    })
    .await;
    let title = reason.get_attribute("title").unwrap_or_default();
    assert!(
        title.contains("worked out when the review started"),
        "{title:?}"
    );
}
