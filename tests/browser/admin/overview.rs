//! The review overview: Stop current stage, Stop review then Apply results as previewed, the
//! reviews list's filters, and the seed's "Reduce burden" scenario through the overview.

use super::*;

#[wasm_bindgen_test]
async fn stop_current_stage_moves_exactly_the_configured_reviewees() {
    let (app, rt) = admin_app("/reviews").await;
    let mut def = review(
        &rt,
        "stop",
        "g-it-local-admin",
        vec![
            stage(Reviewers::ResourceOwners, 7),
            stage(
                Reviewers::SelectedUsers {
                    users: vec![CEO.into()],
                },
                7,
            ),
        ],
    );
    def.decisions_to_next_stage = vec![Outcome::Approve, Outcome::DontKnow];
    let id = create(&rt, def).await;
    let reviewees = items(&rt, &id, 0);
    assert!(reviewees.len() >= 4, "enough reviewees in the sample group");
    let owner = reviewees[0].2.clone();
    decide(
        &rt,
        &id,
        &owner,
        reviewees[0].0,
        Decision::Approve,
        "still admin",
    )
    .await;
    decide(
        &rt,
        &id,
        &owner,
        reviewees[1].0,
        Decision::DontKnow,
        "not sure",
    )
    .await;
    decide(&rt, &id, &owner, reviewees[2].0, Decision::Deny, "left IT").await;

    // From the reviews list to the overview.
    let open = wait_on(&app, "the review in the list", || {
        link(&app.root, "Review stop")
    })
    .await;
    click(&open);
    let stop = wait_on(&app, "Stop current stage", || {
        button(&app.root, "Stop current stage")
    })
    .await;
    // Stage 2 has not run: nobody "did not reach" it yet.
    let results = text(&section_titled(&app.root, "Results").expect("the results"));
    assert!(
        results.contains("Stage not started") && !results.contains("Did not reach this stage"),
        "{results}"
    );
    let explains = text(&within(&app.root, "#stop-stage-text").expect("what stopping does"));
    assert!(
        explains.contains("Stage 2 starts at once with the 2 reviewee(s)"),
        "{explains}"
    );

    // It asks first, saying which stage ends and who moves on; Escape cancels.
    click(&stop);
    let dialog = wait_on(&app, "the confirmation", || {
        within(&app.root, "[role='dialog']")
    })
    .await;
    assert_eq!(dialog.get_attribute("aria-modal").as_deref(), Some("true"));
    let says = text(&dialog);
    assert!(says.contains("Stop stage 1?"), "{says}");
    assert!(
        says.contains("Stage 2 starts at once with the 2 reviewee(s)"),
        "{says}"
    );
    escape_closes(&app, &dialog).await;
    assert_eq!(
        rt.state.with_untracked(|s| s.instances[&id].current_stage),
        0,
        "cancel changes nothing"
    );
    wait_for("focus back on Stop current stage", || {
        (document().active_element()?.id() == "stop-stage-trigger").then_some(())
    })
    .await;
    click(&stop);
    confirm_stop_stage(&app).await;
    wait_for("stage 2 to start", || {
        rt.state
            .with_untracked(|s| (s.instances[&id].current_stage == 1).then_some(()))
    })
    .await;
    let moved: BTreeSet<u32> = rt.state.with_untracked(|s| {
        s.instances[&id]
            .items
            .iter()
            .enumerate()
            .filter(|(_, it)| it.stage == 1)
            .map(|(i, _)| i as u32)
            .collect()
    });
    assert_eq!(
        moved,
        BTreeSet::from([reviewees[0].0, reviewees[1].0]),
        "only the approved and the don't know"
    );

    // The screen shows stage 2 running with those two reviewees and stage 1 ended by the stop.
    let stage2 = wait_on(&app, "stage 2 progress", || {
        section_titled(&app.root, "Stage 2")
    })
    .await;
    let legend = text(&within(&stage2, ".chart-legend").unwrap());
    assert!(legend.contains("Not reviewed: 2"), "{legend}");
    let timeline = text(&within(&app.root, ".timeline").unwrap());
    assert!(
        timeline.contains("stopped by an administrator"),
        "{timeline}"
    );
    assert!(
        within(&app.root, "svg[role='img'][aria-label^='Stage 1']").is_some(),
        "a chart per stage"
    );
}

#[wasm_bindgen_test]
async fn stop_review_then_apply_changes_the_directory_as_previewed() {
    let (app, rt) = admin_app(&overview_link("eng~0~g-engineering")).await;
    let mut def = review(
        &rt,
        "eng",
        "g-engineering",
        vec![stage(Reviewers::ResourceOwners, 7)],
    );
    def.scope.transitive = true;
    let id = create(&rt, def).await;
    let reviewees = items(&rt, &id, 0);
    let (direct, nested): (Vec<_>, Vec<_>) = rt.state.with_untracked(|s| {
        let inst = &s.instances[&id];
        reviewees
            .iter()
            .cloned()
            .partition(|(i, _, _)| inst.items[*i as usize].not_supported.is_none())
    });
    assert!(
        direct.len() >= 2 && !nested.is_empty(),
        "direct and nested members"
    );
    let owner = direct[0].2.clone();
    decide(
        &rt,
        &id,
        &owner,
        direct[0].0,
        Decision::Approve,
        "core team",
    )
    .await;
    decide(
        &rt,
        &id,
        &owner,
        direct[1].0,
        Decision::Deny,
        "moved to sales",
    )
    .await;
    // Not supported items are shown before anything is applied.
    let results = wait_on(&app, "the results", || section_titled(&app.root, "Results")).await;
    assert_eq!(
        assert_tables_scroll_by_keyboard(&app.root),
        [
            "Reviewers of stage 1",
            "Results table",
            "Reviewer insight table"
        ],
        "the overview's tables scroll inside boxes the keyboard reaches"
    );
    let cannot = all_text(&results, "td.apply-unsupported");
    assert_eq!(cannot.len(), nested.len(), "{cannot:?}");
    assert!(
        cannot
            .iter()
            .all(|t| t.contains("Preview") && t.contains("nested group")),
        "{cannot:?}"
    );

    // Stop review asks first; Escape cancels and gives focus back.
    let trigger = wait_on(&app, "Stop review", || button(&app.root, "Stop review")).await;
    click(&trigger);
    let dialog = wait_on(&app, "the dialog", || within(&app.root, "[role='dialog']")).await;
    assert_eq!(dialog.get_attribute("aria-modal").as_deref(), Some("true"));
    let undecided = reviewees.len() - 2;
    let says = text(&dialog);
    assert!(
        says.contains(&format!(
            "{undecided} reviewee(s) still have no decision in stage 1"
        )),
        "{says}"
    );
    assert!(says.contains("Remove access"), "{says}");
    escape_closes(&app, &dialog).await;
    assert_eq!(
        rt.state.with_untracked(|s| s.instances[&id].status),
        InstanceStatus::InProgress,
        "cancel changes nothing"
    );
    wait_for("focus back on Stop review", || {
        (document().active_element()?.id() == "stop-review-trigger").then_some(())
    })
    .await;

    click(&button(&app.root, "Stop review").unwrap());
    let dialog = wait_on(&app, "the dialog", || within(&app.root, "[role='dialog']")).await;
    click(&button(&dialog, "Stop review").expect("confirm in the dialog"));
    wait_status(&rt, &id, InstanceStatus::Completed).await;

    // The preview names exactly who loses access.
    let preview = wait_on(&app, "the preview", || {
        section_titled(&app.root, "What applying will change")
    })
    .await;
    let group = section_titled(&preview, "Accesses that will be removed").expect("removals listed");
    let previewed: BTreeSet<String> = all_text(&group, "li").into_iter().collect();
    let unsupported = section_titled(&preview, "Cannot be applied").expect("not supported listed");
    assert_eq!(all_text(&unsupported, "li").len(), nested.len());

    let members_before = members(&rt, "g-engineering");
    click(&wait_on(&app, "Apply results", || button(&app.root, "Apply results")).await);
    let said = confirm(&app.root, "Apply results").await;
    assert!(
        said.contains(&format!("{} access(es) will be removed", previewed.len())),
        "the confirmation says what applying removes: {said}"
    );
    wait_status(&rt, &id, InstanceStatus::Applied).await;
    let members_after = members(&rt, "g-engineering");
    let removed: BTreeSet<String> = rt.state.with_untracked(|s| {
        members_before
            .difference(&members_after)
            .map(|u| {
                format!(
                    "{} ({})",
                    s.directory.users[u].display_name, s.directory.users[u].user_principal_name
                )
            })
            .collect()
    });
    assert_eq!(
        removed, previewed,
        "the directory changed exactly as previewed"
    );
    assert!(
        removed.len() > 1 && !members_after.contains(&direct[1].1),
        "the denied and the unanswered lose access"
    );
    assert!(
        members_after.contains(&direct[0].1),
        "the approved keeps it"
    );

    // After apply, the per-item results, not-supported ones included.
    let after = wait_on(&app, "what applying changed", || {
        section_titled(&app.root, "What applying changed")
    })
    .await;
    let still =
        section_titled(&after, "Not applied: not supported").expect("not supported after apply");
    assert_eq!(all_text(&still, "li").len(), nested.len());
    let results = section_titled(&app.root, "Results").unwrap();
    wait_for("applied results in the table", || {
        let cells = all_text(&results, "td.apply-unsupported");
        (cells.len() == nested.len() && cells.iter().all(|t| !t.contains("Preview"))).then_some(())
    })
    .await;
    assert!(all_text(&results, "td.apply-removed")
        .iter()
        .all(|t| t == "Access removed"));

    // The results filters narrow the table to what they name, and together to both.
    let rows = || all(&results, "tbody tr").len();
    let outcome = control_by_label(&results, "Final outcome").expect("the Final outcome filter");
    let apply = control_by_label(&results, "Apply result").expect("the Apply result filter");
    choose(&outcome, "Approve");
    wait_for("only the approved reviewee", || (rows() == 1).then_some(())).await;
    choose(&outcome, "");
    choose(&apply, "unsupported");
    wait_for("only the nested members", || {
        (rows() == nested.len()).then_some(())
    })
    .await;
    choose(&outcome, "Approve");
    wait_for("nobody both approved and not supported", || {
        (rows() == 0).then_some(())
    })
    .await;
    choose(&outcome, "");
    choose(&apply, "");
    wait_for("every reviewee again", || {
        (rows() == reviewees.len()).then_some(())
    })
    .await;
}

#[wasm_bindgen_test]
async fn the_reviews_list_filters_by_status_and_by_name() {
    let (app, rt) = admin_app("/reviews").await;
    let open = create(
        &rt,
        review(
            &rt,
            "filter-open",
            "g-engineering",
            vec![stage(Reviewers::ResourceOwners, 7)],
        ),
    )
    .await;
    let stopped = create(
        &rt,
        review(
            &rt,
            "filter-stopped",
            "g-sales",
            vec![stage(Reviewers::ResourceOwners, 7)],
        ),
    )
    .await;
    rt.run_as(
        Command::StopReview { instance: stopped },
        administrator(),
        None,
    )
    .await
    .expect("stopped");
    let listed = || {
        let table = section_titled(&app.root, "Review instances")?;
        Some(
            all(&table, "tbody th a")
                .iter()
                .map(text)
                .collect::<Vec<_>>(),
        )
    };
    wait_on(&app, "both reviews listed", || {
        listed().filter(|l| l.len() == 2)
    })
    .await;
    let status = control_by_label(&app.root, "Status").expect("the Status filter");
    choose(&status, "Stopped");
    wait_on(&app, "only the stopped review", || {
        listed().filter(|l| l == &["Review filter-stopped"])
    })
    .await;
    choose(&status, "In progress");
    wait_on(&app, "only the open review", || {
        listed().filter(|l| l == &["Review filter-open"])
    })
    .await;
    choose(&status, "");
    let search = control_by_label(&app.root, "Search reviews").expect("the search field");
    let input: web_sys::HtmlInputElement = search.dyn_into().unwrap();
    input.set_value("sales");
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    wait_on(&app, "the review of Sales", || {
        listed().filter(|l| l == &["Review filter-stopped"])
    })
    .await;
    assert_eq!(
        rt.state.with_untracked(|s| s.instances[&open].status),
        InstanceStatus::InProgress
    );
}

/// The seed's "Reduce burden on later stage reviewers" through the overview: self-review,
/// then managers, then owners; only Approved reviewees go on; no response removes access.
/// A self-approval the manager does not confirm goes no further, and only those approved
/// in every stage they reached keep access after Apply results.
#[wasm_bindgen_test]
async fn reduce_burden_moves_on_only_what_the_ending_stage_approved() {
    let (app, rt) = admin_app(&overview_link("burden~0~g-it-local-admin")).await;
    let mut def = review(
        &rt,
        "burden",
        "g-it-local-admin",
        vec![
            stage(Reviewers::SelfReview, 7),
            stage(Reviewers::Managers, 7),
            stage(Reviewers::ResourceOwners, 7),
        ],
    );
    def.decisions_to_next_stage = vec![Outcome::Approve];
    let id = create(&rt, def).await;
    let people = items(&rt, &id, 0);
    assert!(people.len() >= 4, "enough reviewees in the sample group");
    // Stage 1: everyone but the last approves themselves.
    for (item, _, me) in &people[..people.len() - 1] {
        decide(&rt, &id, me, *item, Decision::Approve, "still needed").await;
    }
    let stop = wait_on(&app, "Stop current stage", || {
        button(&app.root, "Stop current stage")
    })
    .await;
    click(&stop);
    confirm_stop_stage(&app).await;
    wait_for("stage 2 to start", || {
        rt.state
            .with_untracked(|s| (s.instances[&id].current_stage == 1).then_some(()))
    })
    .await;
    // Stage 2: managers confirm the first two self-approvals and leave the rest undecided.
    let managers = items(&rt, &id, 1);
    let confirmed: BTreeSet<u32> = people[..2].iter().map(|(i, _, _)| *i).collect();
    for (item, _, manager) in managers.iter().filter(|(i, _, _)| confirmed.contains(i)) {
        decide(&rt, &id, manager, *item, Decision::Approve, "in my team").await;
    }
    // The screen catches up with the decisions on its next render; a wrong count times out
    // showing what it said.
    wait_on(&app, "only the two manager-approved to go on", || {
        within(&app.root, "#stop-stage-text")
            .map(|e| text(&e))
            .filter(|t| t.contains("Stage 3 starts at once with the 2 reviewee(s)"))
    })
    .await;
    click(&button(&app.root, "Stop current stage").expect("Stop current stage"));
    confirm_stop_stage(&app).await;
    wait_for("stage 3 to start", || {
        rt.state
            .with_untracked(|s| (s.instances[&id].current_stage == 2).then_some(()))
    })
    .await;
    let in_stage_3: BTreeSet<u32> = rt.state.with_untracked(|s| {
        s.instances[&id]
            .items
            .iter()
            .enumerate()
            .filter(|(_, it)| it.stage == 2)
            .map(|(i, _)| i as u32)
            .collect()
    });
    assert_eq!(
        in_stage_3, confirmed,
        "exactly the manager-approved reach the owners"
    );
    // Stage 3: the owner approves one of the two; the other is Not reviewed there.
    let owners = items(&rt, &id, 2);
    let keeper = people[0].0;
    let owner = &owners.iter().find(|(i, _, _)| *i == keeper).unwrap().2;
    decide(
        &rt,
        &id,
        owner,
        keeper,
        Decision::Approve,
        "exception still needed",
    )
    .await;

    click(&wait_on(&app, "Stop review", || button(&app.root, "Stop review")).await);
    let dialog = wait_on(&app, "the dialog", || within(&app.root, "[role='dialog']")).await;
    click(&button(&dialog, "Stop review").expect("confirm in the dialog"));
    wait_status(&rt, &id, InstanceStatus::Completed).await;
    let before = members(&rt, "g-it-local-admin");
    click(&wait_on(&app, "Apply results", || button(&app.root, "Apply results")).await);
    confirm(&app.root, "Apply results").await;
    wait_status(&rt, &id, InstanceStatus::Applied).await;
    let after = members(&rt, "g-it-local-admin");
    let reviewees: BTreeSet<String> = people.iter().map(|(_, u, _)| u.clone()).collect();
    let kept: BTreeSet<String> = after.intersection(&reviewees).cloned().collect();
    assert_eq!(
        kept,
        BTreeSet::from([people[0].1.clone()]),
        "only the reviewee approved through all three stages keeps access"
    );
    assert!(before.is_superset(&reviewees), "all were members before");
}
