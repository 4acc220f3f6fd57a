//! Guardrails (issue 25): a bulk approval of a privileged role asks for a confirmation with
//! a justification; the engine refuses a blank one (the dialog says so and stays open), and
//! one with a justification records the approvals and the confirmation.

use super::*;
use attest_engine::directory::ResourceKind;
use attest_engine::evidence::audit_rows;

const REVIEWER: &str = "u-000002";

#[wasm_bindgen_test]
async fn bulk_approve_of_a_privileged_role_needs_a_justified_confirmation() {
    let config = test_config(50);
    let mut def = definition(
        "guard",
        "role-global-admin",
        vec![stage(selected(REVIEWER))],
        chrono::Utc::now(),
    );
    def.scope.resource_kind = ResourceKind::DirectoryRole;
    let (app, rt, instance) = with_review(&config, def).await;
    let total = items_of(&rt, &instance, 0, REVIEWER).len();
    assert!(
        total >= 2,
        "the role has several holders to approve at once"
    );
    drop(app);
    let app = mount_with(&reviewer_link(&instance, 0, REVIEWER), config);
    let rt = ready_runtime().await;
    wait_shown(&app, total).await;
    click(&button(&app.root, "Select all").unwrap());
    wait_for("the selection count", || {
        find_by_text(
            &app.root,
            "p",
            &format!("{total} selected \u{b7} {total} shown"),
        )
    })
    .await;
    click(&button(&app.root, "Approve selected").unwrap());

    let dialog = wait_for("the confirmation dialog", || {
        app.root.query_selector("[role='dialog']").ok().flatten()
    })
    .await;
    let said = text(&dialog);
    assert!(
        said.contains(&format!("Confirm approving {total} reviewees?"))
            && said.contains("the role is privileged"),
        "says what and why: {said}"
    );
    let undecided = || (0..total as u32).all(|i| decision_of(&rt, &instance, i, 0).is_none());
    assert!(undecided(), "nothing is recorded before the confirmation");

    // A blank justification: the engine refuses, the dialog stays and says why.
    click(&button(&dialog, "Approve with justification").unwrap());
    let refusal = wait_for("the refusal", || {
        dialog.query_selector("[role='alert']").ok().flatten()
    })
    .await;
    assert!(
        text(&refusal).contains("confirm this bulk approval with a justification"),
        "the refusal says what is missing: {}",
        text(&refusal)
    );
    assert!(undecided(), "a refused confirmation records nothing");

    type_into(
        &control_by_label(&dialog, "Justification for this bulk approval")
            .expect("the justification box has an accessible name"),
        "All four are on the on-call rota",
    );
    click(&button(&dialog, "Approve with justification").unwrap());
    wait_for("the approvals", || {
        (0..total as u32)
            .all(|i| decision_of(&rt, &instance, i, 0).is_some_and(|d| d.0 == Decision::Approve))
            .then_some(())
    })
    .await;
    wait_for("the dialog to close", || {
        app.root
            .query_selector("[role='dialog']")
            .ok()
            .flatten()
            .is_none()
            .then_some(())
    })
    .await;
    // The history keeps the confirmation and its justification.
    let (log, _) = rt.log();
    let records = wait_for("the log", || {
        log.with_untracked(|l| l.clone())
            .filter(|l| l.iter().any(|r| r.actor.user_id() == Some(REVIEWER)))
    })
    .await;
    let rows = rt.state.with_untracked(|s| audit_rows(s, &records));
    let confirmed: Vec<_> = rows
        .iter()
        .filter(|r| r.action == "Bulk approval confirmed")
        .collect();
    assert_eq!(confirmed.len(), 1);
    assert_eq!(confirmed[0].reason, "All four are on the on-call rota");
}
