//! Reassigning from the reviewer page (issue 24): the reviewer selects reviewees, picks a
//! person and gives a reason; the items leave their page and reach the new reviewer's, and
//! the history says who reassigned what to whom and why. Naming a delegate on My access
//! reviews hands the reviewer's items to the delegate for the days given.

use attest::ui::reviewer::reviewer_link;
use attest::ui::session::{administrator, ACTING_AS_KEY};
use attest_engine::definition::*;
use attest_engine::evidence::audit_rows;
use attest_engine::Command;
use leptos::prelude::{Set, WithUntracked};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::*;

const REVIEWER: &str = "u-000002";

/// Item indices `reviewer` reviews in the first stage now (delegations followed).
fn items_of(rt: &attest::Runtime, instance: &str, reviewer: &str) -> Vec<u32> {
    rt.state.with_untracked(|s| {
        let inst = &s.instances[instance];
        inst.items
            .iter()
            .enumerate()
            .filter(|(_, it)| s.reviews_item(inst, it, 0, reviewer))
            .map(|(i, _)| i as u32)
            .collect()
    })
}

#[wasm_bindgen_test]
async fn a_reviewer_reassigns_selected_reviewees_from_the_reviewer_page() {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.remove_item(ACTING_AS_KEY);
    }
    let config = test_config(120);
    let app = mount_with("/", config.clone());
    let rt = ready_runtime().await;
    let mut def = group_review(
        "reassign",
        "g-partner-collaboration",
        vec![StageSettings {
            reviewers: Reviewers::SelectedUsers {
                users: vec![REVIEWER.into()],
            },
            fallback_reviewers: vec![],
            duration_days: 7,
            recommendations: true,
        }],
        chrono::Utc::now(),
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
    .expect("review created");
    let instance = rt
        .state
        .with_untracked(|s| {
            s.instances
                .keys()
                .find(|k| k.starts_with("reassign~"))
                .cloned()
        })
        .expect("the review started");
    let mine = items_of(&rt, &instance, REVIEWER);
    assert!(mine.len() > 2, "the reviewer has reviewees to hand over");
    // Someone who is neither the reviewer nor a reviewee here.
    let (to, to_upn) = rt.state.with_untracked(|s| {
        let inst = &s.instances[&instance];
        s.directory
            .users
            .values()
            .find(|u| {
                u.id != REVIEWER && u.account_enabled && inst.items.iter().all(|it| it.user != u.id)
            })
            .map(|u| (u.id.clone(), u.user_principal_name.clone()))
            .expect("a person to reassign to")
    });
    drop(app);

    let app = mount_with(&reviewer_link(&instance, 0, REVIEWER), config);
    let rt = ready_runtime().await;
    let total = mine.len();
    wait_for("the reviewer's rows", || {
        find_by_text(&app.root, "p", &format!("0 selected · {total} shown"))
    })
    .await;
    // Select the first two rows.
    let rows = all(&app.root, "[role='listitem']");
    let mut chosen = Vec::new();
    for row in rows.iter().take(2) {
        let item: u32 = row
            .id()
            .strip_prefix("reviewee-")
            .and_then(|n| n.parse().ok())
            .expect("a reviewee row id");
        click(
            &row.query_selector("input[type='checkbox']")
                .unwrap()
                .expect("a row checkbox"),
        );
        chosen.push(item);
    }
    wait_for("two selected", || {
        find_by_text(&app.root, "p", &format!("2 selected · {total} shown"))
    })
    .await;
    click(&button(&app.root, "Reassign selected").expect("the Reassign control"));
    wait_for("the Reassign form", || {
        control_by_label(&app.root, "Find a person")
    })
    .await;
    type_into(
        &control_by_label(&app.root, "Find a person").expect("the person search"),
        &to_upn,
    );
    wait_for("the person offered", || {
        all(&app.root, "#rv-reassign-to option")
            .into_iter()
            .find(|o| o.get_attribute("value").as_deref() == Some(to.as_str()))
    })
    .await;
    choose(
        &control_by_label(&app.root, "Reassign to").expect("the person picker"),
        &to,
    );
    type_into(
        &control_by_label(&app.root, "Reason for reassigning").expect("the reason"),
        "Owns the partner contracts now",
    );
    click(&button(&app.root, "Reassign").expect("the Reassign button"));
    wait_for("the confirmation", || {
        all(&app.root, ".rv-reassign [role='status']")
            .into_iter()
            .find(|p| text(p).starts_with("Reassigned 2 reviewees to"))
    })
    .await;
    // The items left this reviewer's page and are the new reviewer's.
    wait_for("the page without them", || {
        find_by_text(&app.root, "p", &format!("0 selected · {} shown", total - 2))
    })
    .await;
    let mut theirs = items_of(&rt, &instance, &to);
    theirs.sort_unstable();
    chosen.sort_unstable();
    assert_eq!(theirs, chosen);
    assert_eq!(items_of(&rt, &instance, REVIEWER).len(), total - 2);
    // The history says who reassigned what to whom and why.
    let (log, _) = rt.log();
    let records = wait_for("the log", || {
        log.with_untracked(|l| l.clone())
            .filter(|l| l.iter().any(|r| r.actor.user_id() == Some(REVIEWER)))
    })
    .await;
    let rows = rt.state.with_untracked(|s| audit_rows(s, &records));
    let reassigned: Vec<_> = rows.iter().filter(|r| r.action == "Reassigned").collect();
    assert_eq!(reassigned.len(), 2);
    assert!(reassigned
        .iter()
        .all(|r| r.actor_id.as_deref() == Some(REVIEWER)
            && r.reviewers == vec![REVIEWER.to_string(), to.clone()]
            && r.details.ends_with(": Owns the partner contracts now")));
}

#[wasm_bindgen_test]
async fn a_reviewer_names_a_delegate_on_my_access_reviews() {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.remove_item(ACTING_AS_KEY);
    }
    let config = test_config(120);
    let app = mount_with("/", config.clone());
    let rt = ready_runtime().await;
    let mut def = group_review(
        "away",
        "g-partner-collaboration",
        vec![StageSettings {
            reviewers: Reviewers::SelectedUsers {
                users: vec![REVIEWER.into()],
            },
            fallback_reviewers: vec![],
            duration_days: 7,
            recommendations: true,
        }],
        chrono::Utc::now(),
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
    .expect("review created");
    let instance = rt
        .state
        .with_untracked(|s| s.instances.keys().find(|k| k.starts_with("away~")).cloned())
        .expect("the review started");
    let total = items_of(&rt, &instance, REVIEWER).len();
    let (to, to_upn) = rt.state.with_untracked(|s| {
        let inst = &s.instances[&instance];
        s.directory
            .users
            .values()
            .find(|u| {
                u.id != REVIEWER && u.account_enabled && inst.items.iter().all(|it| it.user != u.id)
            })
            .map(|u| (u.id.clone(), u.user_principal_name.clone()))
            .expect("a delegate")
    });
    drop(app);

    let app = mount_with("/my-reviews", config);
    let rt = ready_runtime().await;
    rt.acting_as.set(attest_engine::Actor::User {
        id: REVIEWER.into(),
    });
    click(
        &wait_for("the delegate control", || {
            button(&app.root, "Name a delegate")
        })
        .await,
    );
    type_into(
        &wait_for("the person search", || {
            control_by_label(&app.root, "Find a person")
        })
        .await,
        &to_upn,
    );
    wait_for("the delegate offered", || {
        all(&app.root, "#my-delegate-to option")
            .into_iter()
            .find(|o| o.get_attribute("value").as_deref() == Some(to.as_str()))
    })
    .await;
    choose(&control_by_label(&app.root, "Delegate").unwrap(), &to);
    let in_three_days = (chrono::Utc::now() + chrono::Duration::days(3))
        .format("%Y-%m-%d")
        .to_string();
    type_into(
        &control_by_label(&app.root, "Away until").unwrap(),
        &in_three_days,
    );
    type_into(
        &control_by_label(&app.root, "Reason for delegating").unwrap(),
        "Holiday",
    );
    click(&button(&app.root, "Save delegate").unwrap());
    wait_for("the confirmation", || {
        find_by_text(&app.root, "p", "Delegate named.")
    })
    .await;
    // The window has begun: the reviewer's items are the delegate's, and none are theirs.
    wait_for("the items with the delegate", || {
        (items_of(&rt, &instance, &to).len() == total).then_some(())
    })
    .await;
    assert!(items_of(&rt, &instance, REVIEWER).is_empty());
    let active = rt.state.with_untracked(|s| {
        s.delegations
            .get(REVIEWER)
            .map(|d| (d.delegate.clone(), d.active))
    });
    assert_eq!(active, Some((to, true)));
}
