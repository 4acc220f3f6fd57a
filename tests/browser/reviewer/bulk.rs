//! Bulk decisions: Accept recommendations, the filtered selection, the Inactive filter.

use super::*;

#[wasm_bindgen_test]
async fn accept_recommendations_touches_only_undecided_items() {
    let config = test_config(50);
    let now = chrono::Utc::now();
    let (app, rt, instance) = with_review(
        &config,
        definition(
            "accept",
            "g-it-local-admin",
            vec![stage(selected("u-000002"))],
            now,
        ),
    )
    .await;
    let recommended: Vec<(u32, Decision)> = rt.state.with_untracked(|s| {
        s.instances[&instance]
            .items
            .iter()
            .enumerate()
            .filter_map(|(i, it)| Some((i as u32, it.recommendation.as_ref()?.decision)))
            .collect()
    });
    assert!(
        recommended.len() >= 2,
        "some reviewees have recommendations"
    );
    // Decide one recommended item against its recommendation first.
    let (kept, rec) = recommended[0];
    let mine_first = if rec == Decision::Deny {
        Decision::Approve
    } else {
        Decision::Deny
    };
    rt.run_as(
        Command::RecordDecisions {
            instance: instance.clone(),
            decisions: vec![ItemDecision {
                item: kept,
                decision: mine_first,
                justification: "known".into(),
            }],
        },
        Actor::User {
            id: "u-000002".into(),
        },
        None,
    )
    .await
    .unwrap();
    drop(app);
    let app = mount_with(&reviewer_link(&instance, 0, "u-000002"), config);
    let rt = ready_runtime().await;
    let accept = wait_for("Accept recommendations", || {
        button(&app.root, "Accept recommendations")
    })
    .await;
    assert!(
        !text(&app.root).contains("As of "),
        "a review that started today does not date its recommendations"
    );
    click(&accept);
    // Deciding more than one at once asks first.
    let undecided = recommended.len() - 1;
    if undecided > 1 {
        let said = confirm(&app.root, "Accept recommendations").await;
        assert!(
            said.contains(&format!("Accept {undecided} recommendations?")),
            "says how many it decides: {said}"
        );
    }
    let (last, _) = *recommended.last().unwrap();
    wait_for("recommendations accepted", || {
        decision_of(&rt, &instance, last, 0)
    })
    .await;
    assert_eq!(
        decision_of(&rt, &instance, kept, 0).unwrap().0,
        mine_first,
        "a decided item keeps its decision"
    );
    for &(item, rec) in &recommended[1..] {
        let (d, _, source) = decision_of(&rt, &instance, item, 0).unwrap();
        assert_eq!((d, source), (rec, DecisionSource::AcceptedRecommendation));
    }
    let total = items_of(&rt, &instance, 0, "u-000002").len();
    let undecided = (0..total as u32)
        .filter(|&i| decision_of(&rt, &instance, i, 0).is_none())
        .count();
    assert_eq!(
        undecided,
        total - recommended.len(),
        "items without a recommendation stay undecided"
    );
}

#[wasm_bindgen_test]
async fn a_bulk_decision_applies_to_the_filtered_selection_only() {
    let config = test_config(120);
    let now = chrono::Utc::now();
    let (app, rt, instance) = with_review(
        &config,
        definition(
            "bulk",
            "g-partner-collaboration",
            vec![stage(selected("u-000002"))],
            now,
        ),
    )
    .await;
    let guests: Vec<u32> = rt.state.with_untracked(|s| {
        s.instances[&instance]
            .items
            .iter()
            .enumerate()
            .filter(|(_, it)| it.user_type == UserType::Guest)
            .map(|(i, _)| i as u32)
            .collect()
    });
    let total = items_of(&rt, &instance, 0, "u-000002").len();
    assert!(
        !guests.is_empty() && guests.len() < total,
        "a mix of guests and members"
    );
    drop(app);
    let app = mount_with(&reviewer_link(&instance, 0, "u-000002"), config);
    let rt = ready_runtime().await;
    wait_shown(&app, total).await;
    click(
        &wait_for("the Guests filter", || {
            control_by_label(&app.root, "Guests")
        })
        .await,
    );
    wait_shown(&app, guests.len()).await;
    for row in rendered_rows(&app) {
        assert!(guests.contains(&row_item(&row).0), "only guests are listed");
    }
    click(&button(&app.root, "Select filtered").unwrap());
    wait_for("the selection count", || {
        find_by_text(
            &app.root,
            "p",
            &format!("{} selected · {} shown", guests.len(), guests.len()),
        )
    })
    .await;
    type_into(&by_label(&app, "Justification"), "Partner contract ended");
    click(&button(&app.root, "Deny selected").unwrap());
    wait_for("the denials", || {
        decision_of(&rt, &instance, *guests.last().unwrap(), 0)
    })
    .await;
    for &g in &guests {
        assert_eq!(
            decision_of(&rt, &instance, g, 0),
            Some((
                Decision::Deny,
                "Partner contract ended".into(),
                DecisionSource::Reviewer
            ))
        );
    }
    let decided = (0..total as u32)
        .filter(|&i| decision_of(&rt, &instance, i, 0).is_some())
        .count();
    assert_eq!(decided, guests.len(), "members were not touched");
}

/// Reviewees of `instance` (stage 1, `reviewer`) without a sign-in for `days` or more.
fn inactive_items(rt: &attest::Runtime, instance: &str, reviewer: &str, days: i64) -> usize {
    let now = chrono::Utc::now();
    rt.state.with_untracked(|s| {
        let inst = &s.instances[instance];
        inst.items
            .iter()
            .filter(|it| inst.is_reviewer(it, 0, reviewer))
            .filter(|it| {
                s.directory.users[&it.user]
                    .last_sign_in
                    .is_none_or(|at| now - at >= chrono::Duration::days(days))
            })
            .count()
    })
}

/// Opens the reviewer page of `instance`, switches the "Inactive" filter on by its label
/// (which names the days) and waits for `expected` reviewees.
async fn check_inactive_filter(
    config: &attest::AppConfig,
    instance: &str,
    total: usize,
    label: &str,
    expected: usize,
) {
    let app = mount_with(&reviewer_link(instance, 0, "u-000002"), config.clone());
    ready_runtime().await;
    wait_shown(&app, total).await;
    assert!(
        control_by_label(&app.root, "Inactive").is_none(),
        "the filter names its days"
    );
    click(&wait_for(label, || control_by_label(&app.root, label)).await);
    wait_shown(&app, expected).await;
    drop(app);
}

#[wasm_bindgen_test]
async fn the_inactive_filter_uses_the_reviews_own_inactivity_days() {
    let config = test_config(200);
    let now = chrono::Utc::now();
    // Recommendations on a 180-day look-back: "Inactive" means 180+ days, as the reasons do.
    let mut look_back = definition(
        "look-back",
        "g-all-employees",
        vec![stage(selected("u-000002"))],
        now,
    );
    look_back.settings.recommendations.look_back_days = 180;
    let (app, rt, instance) = with_review(&config, look_back).await;
    let total = items_of(&rt, &instance, 0, "u-000002").len();
    let over_180 = inactive_items(&rt, &instance, "u-000002", 180);
    let over_30 = inactive_items(&rt, &instance, "u-000002", 30);
    assert!(
        0 < over_180 && over_180 < over_30 && over_30 < total,
        "the sample has users inactive for 30 to 180 days: {over_180} < {over_30} < {total}"
    );

    // A review of inactive users only: its own days win over the look-back.
    let mut scoped = definition(
        "scoped",
        "g-all-employees",
        vec![stage(selected("u-000002"))],
        now,
    );
    scoped.scope.inactive_days = Some(100);
    scoped.settings.recommendations.look_back_days = 180;
    // Neither: the default of 30 days.
    let mut plain = definition(
        "plain",
        "g-all-employees",
        vec![stage(selected("u-000002"))],
        now,
    );
    plain.settings.recommendations.inactivity = false;
    plain.settings.recommendations.look_back_days = 180;
    for def in [scoped, plain] {
        rt.run_as(
            Command::CreateReview {
                definition: Box::new(def),
            },
            administrator(),
            None,
        )
        .await
        .expect("review created");
    }
    let instance_of = |id: &str| {
        rt.state.with_untracked(|s| {
            s.instances
                .values()
                .find(|i| i.definition == id)
                .map(|i| i.id.clone())
                .expect("the review started")
        })
    };
    let (scoped, plain) = (instance_of("scoped"), instance_of("plain"));
    let scoped_total = items_of(&rt, &scoped, 0, "u-000002").len();
    let scoped_100 = inactive_items(&rt, &scoped, "u-000002", 100);
    let plain_total = items_of(&rt, &plain, 0, "u-000002").len();
    drop(app);

    check_inactive_filter(&config, &instance, total, "Inactive (180+ days)", over_180).await;
    check_inactive_filter(
        &config,
        &scoped,
        scoped_total,
        "Inactive (100+ days)",
        scoped_100,
    )
    .await;
    check_inactive_filter(&config, &plain, plain_total, "Inactive (30+ days)", over_30).await;
}
