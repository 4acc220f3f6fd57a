//! The Remediation screen closes the loop: review → Apply results → a directory import in
//! which one removal did not happen shows that item as still present; a later import that
//! brings another one back shows it as came back; bulk assign gives it an owner.

use attest::ui::session::administrator;
use attest::Runtime;
use attest_engine::definition::*;
use attest_engine::directory::{Directory, Principal};
use attest_engine::instance::{ApplyResult, Effect};
use attest_engine::Command;
use leptos::prelude::{Set, WithUntracked};
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::Element;

use crate::support::*;

/// The sample tenant's CEO: the fallback reviewer, and the owner given in the test.
const CEO: &str = "u-000001";
const GROUP: &str = "g-engineering";

async fn admin_run(rt: &Runtime, cmd: Command) {
    rt.run_as(cmd, administrator(), None)
        .await
        .expect("the administrator's command is recorded");
}

async fn import(rt: &Runtime, directory: Directory, source: &str) {
    admin_run(
        rt,
        Command::ImportDirectory {
            directory: Box::new(directory),
            source: source.into(),
        },
    )
    .await;
}

/// Rows of the remediation table as (visible text, status value).
fn rows(root: &Element) -> Vec<(String, String)> {
    all(root, "tr[data-status]")
        .iter()
        .map(|tr| {
            (
                text(tr),
                tr.get_attribute("data-status").unwrap_or_default(),
            )
        })
        .collect()
}

fn with_member(mut dir: Directory, user: &str) -> Directory {
    dir.groups
        .get_mut(GROUP)
        .expect("the group")
        .members
        .push(Principal::User(user.into()));
    dir
}

#[wasm_bindgen_test]
async fn an_import_where_a_removal_did_not_happen_shows_it_still_present_then_came_back() {
    let app = mount_at("/remediation");
    let rt = ready_runtime().await;
    rt.acting_as.set(administrator());

    // A review where nobody answers and "If reviewers don't respond" removes access.
    let mut def = group_review(
        "fix",
        GROUP,
        vec![StageSettings {
            reviewers: Reviewers::ResourceOwners,
            fallback_reviewers: vec![CEO.into()],
            duration_days: 7,
            recommendations: false,
        }],
        rt.now() - chrono::Duration::minutes(1),
    );
    def.settings.if_no_response = NoResponse::RemoveAccess;
    let id = format!("fix~0~{GROUP}");
    admin_run(
        &rt,
        Command::CreateReview {
            definition: Box::new(def),
        },
    )
    .await;
    admin_run(
        &rt,
        Command::StopReview {
            instance: id.clone(),
        },
    )
    .await;
    admin_run(
        &rt,
        Command::ApplyResults {
            instance: id.clone(),
        },
    )
    .await;

    let (applied, removed): (Directory, Vec<(String, String)>) = rt.state.with_untracked(|s| {
        let removed = s.instances[&id]
            .items
            .iter()
            .filter(|it| {
                it.apply_result
                    == Some(ApplyResult::Applied {
                        effect: Effect::AccessRemoved,
                    })
            })
            .map(|it| (it.user.clone(), it.user_name.clone()))
            .collect();
        (s.directory.clone(), removed)
    });
    assert!(removed.len() >= 2, "several removals: {removed:?}");
    let (kept_user, kept_name) = &removed[0];
    let (back_user, back_name) = &removed[1];

    // Before any import, every removal waits for one to verify it.
    let waiting = wait_for("the applied removals", || {
        let r = rows(&app.root);
        (r.len() == removed.len()).then_some(r)
    })
    .await;
    assert!(waiting.iter().all(|(_, s)| s == "Applied"), "{waiting:?}");

    // The tenant's export: every removal happened but the first one.
    import(
        &rt,
        with_member(applied.clone(), kept_user),
        "tenant export 1",
    )
    .await;
    let open = wait_for("only the removal that did not happen", || {
        let r = rows(&app.root);
        (r.len() == 1).then_some(r)
    })
    .await;
    assert!(open[0].0.contains(kept_name.as_str()), "{open:?}");
    assert_eq!(open[0].1, "StillPresent");
    assert!(open[0].0.contains("Still present"), "{open:?}");
    let alert = wait_for("the administrator is told", || {
        all(&app.root, "[role='alert']")
            .into_iter()
            .find(|a| text(a).contains("still present or came back"))
    })
    .await;
    assert!(
        text(&alert).starts_with("1 removed access"),
        "{}",
        text(&alert)
    );

    // Next export: that one is gone now, but another removed member is back.
    import(
        &rt,
        with_member(applied.clone(), back_user),
        "tenant export 2",
    )
    .await;
    let open = wait_for("the access that came back", || {
        let r = rows(&app.root);
        (r.len() == 1 && r[0].1 == "CameBack").then_some(r)
    })
    .await;
    assert!(open[0].0.contains(back_name.as_str()), "{open:?}");
    assert!(
        open[0].0.contains("tenant export 2"),
        "names the import: {open:?}"
    );

    // Bulk assign it to the CEO by sign-in name, with a due date.
    let upn = rt
        .state
        .with_untracked(|s| s.directory.users[CEO].user_principal_name.clone());
    let check = control_by_label(&app.root, &format!("Select {back_name} on Engineering"))
        .or_else(|| all(&app.root, "tr[data-status] input[type='checkbox']").pop())
        .expect("the row's checkbox");
    click(&check);
    type_into(
        &control_by_label(&app.root, "Assign to (sign-in name)").expect("owner field"),
        &upn,
    );
    type_into(
        &control_by_label(&app.root, "Due date").expect("due date field"),
        "2099-01-31",
    );
    click(&button(&app.root, "Assign selected").expect("Assign selected"));
    let ceo_name = rt
        .state
        .with_untracked(|s| s.directory.users[CEO].display_name.clone());
    // The due day as the reader's locale writes it (the chosen day ends at 23:59:59 UTC).
    let due_day = attest::ui::components::local_day(
        chrono::NaiveDate::from_ymd_opt(2099, 1, 31)
            .and_then(|d| d.and_hms_opt(23, 59, 59))
            .expect("a valid moment")
            .and_utc(),
    );
    let open = wait_for("the owner on the row", || {
        let r = rows(&app.root);
        r.first()
            .filter(|(t, _)| t.contains(&ceo_name) && t.contains(&format!("due {due_day}")))
            .cloned()
    })
    .await;
    assert_eq!(
        open.1, "CameBack",
        "an owner does not hide that it came back"
    );

    // The owner filter lists the owner and keeps the row.
    let owner = control_by_label(&app.root, "Owner").expect("owner filter");
    choose(&owner, CEO);
    wait_for("the owner's items", || {
        (rows(&app.root).len() == 1).then_some(())
    })
    .await;
}
