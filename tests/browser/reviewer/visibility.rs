//! What a reviewer sees: only their own items, nothing of a closed stage, earlier decisions
//! only when allowed.

use super::*;

#[wasm_bindgen_test]
async fn reviewers_see_only_their_own_items_and_closed_stages_show_nothing() {
    let config = test_config(50);
    let now = chrono::Utc::now();
    let (app, rt, instance) = with_review(
        &config,
        definition(
            "managers",
            "g-marketing-announcements",
            vec![stage(Reviewers::Managers)],
            now,
        ),
    )
    .await;
    // Two managers with items of their own.
    let managers: Vec<String> = rt.state.with_untracked(|s| {
        let inst = &s.instances[&instance];
        let mut m: Vec<String> = inst
            .items
            .iter()
            .flat_map(|it| inst.reviewers_of(it, 0).to_vec())
            .collect();
        m.sort();
        m.dedup();
        m
    });
    assert!(
        managers.len() >= 2,
        "at least two managers review: {managers:?}"
    );
    let (first, second) = (&managers[0], &managers[1]);
    let own = items_of(&rt, &instance, 0, first);
    let others: Vec<(u32, String)> = items_of(&rt, &instance, 0, second)
        .into_iter()
        .filter(|o| !own.contains(o))
        .collect();
    assert!(!others.is_empty());
    drop(app);

    let app = mount_with(&reviewer_link(&instance, 0, first), config.clone());
    let rt = ready_runtime().await;
    wait_shown(&app, own.len()).await;
    for row in rendered_rows(&app) {
        assert!(
            own.contains(&row_item(&row)),
            "{:?} is someone else's reviewee",
            row_item(&row)
        );
    }
    let stranger = others
        .iter()
        .find(|(_, n)| !own.iter().any(|(_, o)| o == n))
        .expect("a reviewee of someone else only");
    type_into(&by_label(&app, "Search"), &stranger.1);
    wait_for("no match", || {
        find_by_text(&app.root, "p", "No reviewees match these filters.")
    })
    .await;
    assert!(rendered_rows(&app).is_empty());
    assert!(!text(&page(&app)).contains(&stranger.1));
    // The engine refuses a decision on someone else's item too.
    let refused = rt
        .run(Command::RecordDecisions {
            instance: instance.clone(),
            decisions: vec![ItemDecision {
                item: others[0].0,
                decision: Decision::Approve,
                justification: String::new(),
            }],
        })
        .await;
    assert!(refused.is_err());

    // Someone with nothing to review in this stage is told so, and sees no rows.
    rt.acting_as.set(Actor::User {
        id: "u-000050".into(),
    });
    wait_for("the not-yours message", || {
        all(&app.root, "[role='alert']")
            .into_iter()
            .find(|e| text(e).contains("You have nothing to review in stage 1 of this review."))
    })
    .await;
    assert!(rendered_rows(&app).is_empty());
    drop(app);

    // Once the stage has ended, the link says so instead of showing data.
    let app = mount_with(&reviewer_link(&instance, 0, first), config);
    let rt = ready_runtime().await;
    wait_for("the rows", || {
        (!rendered_rows(&app).is_empty()).then_some(())
    })
    .await;
    rt.skip(chrono::Duration::days(8)).await.unwrap();
    wait_for("the closed-stage message", || {
        all(&app.root, "[role='alert']")
            .into_iter()
            .find(|e| text(e).contains("Stage 1 of this review is not open"))
    })
    .await;
    assert!(rendered_rows(&app).is_empty());
}

/// Two stages; stage 1 decided by u-000002 with a telling justification, stage 2 reviewed by
/// u-000003. Returns what the stage 2 reviewer's page shows.
async fn second_stage_page(show_previous: bool) -> (String, String) {
    let config = test_config(50);
    let now = chrono::Utc::now();
    let mut def = definition(
        "blind",
        "g-it-local-admin",
        vec![stage(selected("u-000002")), stage(selected("u-000003"))],
        now,
    );
    def.show_previous_decisions = show_previous;
    let (app, rt, instance) = with_review(&config, def).await;
    let first = items_of(&rt, &instance, 0, "u-000002");
    let decisions = first
        .iter()
        .map(|(item, _)| ItemDecision {
            item: *item,
            decision: Decision::Deny,
            justification: "zebra reason".into(),
        })
        .collect();
    rt.run_as(
        Command::RecordDecisions {
            instance: instance.clone(),
            decisions,
        },
        Actor::User {
            id: "u-000002".into(),
        },
        None,
    )
    .await
    .unwrap();
    rt.run_as(
        Command::StopCurrentStage {
            instance: instance.clone(),
        },
        administrator(),
        None,
    )
    .await
    .unwrap();
    let second = items_of(&rt, &instance, 1, "u-000003");
    assert_eq!(second.len(), first.len(), "everyone goes to stage 2");
    drop(app);

    let app = mount_with(&reviewer_link(&instance, 1, "u-000003"), config);
    let rt = ready_runtime().await;
    wait_shown(&app, second.len()).await;
    assert!(text(&page(&app)).contains("Stage 2 of 2"));
    let first_reviewer = rt
        .state
        .with_untracked(|s| s.directory.display_name("u-000002").to_string());
    (page(&app).inner_html(), first_reviewer)
}

#[wasm_bindgen_test]
async fn a_blind_stage_shows_no_earlier_decisions() {
    let (blind, name) = second_stage_page(false).await;
    for leak in ["zebra reason", "Stage 1:", "Denied", name.as_str()] {
        assert!(!blind.contains(leak), "a blind stage leaks {leak:?}");
    }
    let (open, _) = second_stage_page(true).await;
    assert!(
        open.contains(&format!("Stage 1: Denied by {name}")),
        "the earlier decision shows when allowed"
    );
}
