//! A recurring review's reviewer rows: each shows how the person holds the access (with
//! the date it was granted when the directory knows it) and what the last occurrence
//! decided, or that the access is new since then.

use super::*;

use attest_engine::directory::{AssignmentKind, ResourceKind, RoleAssignment};

#[wasm_bindgen_test]
async fn a_row_shows_its_access_path_and_what_is_new_since_last_review() {
    let config = test_config(50);
    let now = chrono::Utc::now();
    let reviewer = "u-000001";
    let mut def = definition(
        "role-weekly",
        "role-global-admin",
        vec![stage(selected(reviewer))],
        now,
    );
    def.name = "Global Administrator every week".into();
    def.scope.resource_kind = ResourceKind::DirectoryRole;
    def.stages[0].duration_days = 5;
    def.schedule.frequency = Frequency::Weekly;
    def.schedule.end = ScheduleEnd::Never;
    let (app, rt, first) = with_review(&config, def).await;
    let mine = items_of(&rt, &first, 0, reviewer);
    assert!(mine.len() >= 2, "the role has holders to review: {mine:?}");
    let (approved_item, approved) = mine[0].clone();
    rt.run_as(
        Command::RecordDecisions {
            instance: first.clone(),
            decisions: vec![ItemDecision {
                item: approved_item,
                decision: Decision::Approve,
                justification: String::new(),
            }],
        },
        Actor::User {
            id: reviewer.into(),
        },
        None,
    )
    .await
    .expect("approved");
    // Someone new becomes eligible for the role before the next week's review.
    let (newcomer_id, newcomer) = rt.state.with_untracked(|s| {
        let holders: Vec<&str> = s.directory.roles["role-global-admin"]
            .assignments
            .iter()
            .map(|a| a.user.as_str())
            .collect();
        s.directory
            .users
            .values()
            .find(|u| u.user_type == UserType::Member && !holders.contains(&u.id.as_str()))
            .map(|u| (u.id.clone(), u.display_name.clone()))
            .expect("a member without the role")
    });
    let mut directory = rt.state.with_untracked(|s| s.directory.clone());
    let role = directory.roles.get_mut("role-global-admin").unwrap();
    role.assignments.push(RoleAssignment {
        user: newcomer_id,
        kind: AssignmentKind::Eligible,
    });
    rt.run_as(
        Command::ImportDirectory {
            directory: Box::new(directory),
            source: "a newly eligible administrator".into(),
        },
        administrator(),
        None,
    )
    .await
    .expect("directory changed");
    rt.skip(chrono::Duration::days(7))
        .await
        .expect("a week later");
    let second = first.replace("~0~", "~1~");
    assert!(
        rt.state
            .with_untracked(|s| s.instances.contains_key(&second)),
        "the second week's review started"
    );
    drop(app);

    let app = mount_with(&reviewer_link(&second, 0, reviewer), config.clone());
    let _rt = ready_runtime().await;
    wait_shown(&app, mine.len() + 1).await;
    let row_of = |name: &str| {
        rendered_rows(&app)
            .into_iter()
            .find(|r| r.get_attribute("aria-label").as_deref() == Some(name))
            .map(|r| text(&r))
            .unwrap_or_else(|| panic!("a row for {name}"))
    };
    let new_row = row_of(&newcomer);
    assert!(
        new_row.contains("New since last review"),
        "the newcomer's row: {new_row}"
    );
    assert!(
        new_row.contains("Eligible role assignment"),
        "the newcomer's row names the path: {new_row}"
    );
    let kept = row_of(&approved);
    assert!(
        kept.contains("Last review: Approved by"),
        "the approved holder's row: {kept}"
    );
    assert!(
        kept.contains("role assignment") && kept.contains("Granted "),
        "the path and its grant date: {kept}"
    );
    assert!(!kept.contains("New since last review"), "{kept}");
    // "Show only: New since last review" leaves the newcomer alone.
    click(&by_label(&app, "New since last review"));
    wait_shown(&app, 1).await;
    let rows: Vec<String> = rendered_rows(&app)
        .iter()
        .filter_map(|r| r.get_attribute("aria-label"))
        .collect();
    assert_eq!(rows, [newcomer.clone()]);
}
