//! Applying results: what cannot be applied, and why, in the reviewer's words.

use super::*;

/// Items whose denial Attest cannot apply: shown as not supported with the reason before
/// apply (preview) and recorded so after it; the directory is left alone for them.
#[test]
fn not_supported_apply_cases() {
    let table: [(
        &str,
        ResourceKind,
        &str,
        bool,
        &str,
        fn(&NotSupported) -> bool,
    ); 4] = [
        (
            "dynamic group",
            ResourceKind::Group,
            "g-dynamic",
            false,
            "alice",
            |r| *r == NotSupported::DynamicGroup,
        ),
        (
            "on-premises group",
            ResourceKind::Group,
            "g-onprem",
            false,
            "alice",
            |r| *r == NotSupported::OnPremisesGroup,
        ),
        (
            "nested membership",
            ResourceKind::Group,
            "g-parent",
            true,
            "carol",
            |r| matches!(r, NotSupported::NestedMembership { group } if group == "g-sales"),
        ),
        (
            "group-assigned app",
            ResourceKind::Application,
            "app-crm",
            false,
            "dave",
            |r| matches!(r, NotSupported::GroupAssignedApplication { group } if group == "g-sales"),
        ),
    ];
    for (name, kind, resource, transitive, user, expected) in table {
        let mut def = definition("ns", kind, resource);
        def.scope.transitive = transitive;
        def.settings.if_no_response = NoResponse::RemoveAccess;
        let mut sim = Sim::new(tenant());
        sim.create(def);
        let id = format!("ns~0~{resource}");
        let before = sim.state.directory.clone();
        let row = |sim: &Sim| {
            results(&sim.state, sim.instance(&id), sim.now)
                .into_iter()
                .find(|r| r.user == user)
                .unwrap()
        };
        let preview = row(&sim);
        assert!(!preview.applied, "{name}: only a preview before apply");
        match &preview.apply_result {
            ApplyResult::NotSupported { reason } => assert!(expected(reason), "{name}: {reason:?}"),
            other => panic!("{name}: preview should say not supported, got {other:?}"),
        }
        assert!(!reason_text(&sim, &preview.apply_result).is_empty());
        sim.ok(
            &admin(),
            Command::StopReview {
                instance: id.clone(),
            },
        );
        sim.ok(
            &admin(),
            Command::ApplyResults {
                instance: id.clone(),
            },
        );
        let after = row(&sim);
        assert!(after.applied, "{name}: recorded after apply");
        assert_eq!(
            after.apply_result, preview.apply_result,
            "{name}: same result after apply"
        );
        let still_there = sim
            .state
            .directory
            .access_holders(kind, resource, transitive)
            .iter()
            .any(|a| a.user == user);
        assert!(
            still_there,
            "{name}: {user} keeps access that cannot be removed here"
        );
        if name != "nested membership" && name != "group-assigned app" {
            assert_eq!(
                sim.state.directory.groups[resource], before.groups[resource],
                "{name}: group untouched"
            );
        }
    }
}

fn reason_text(sim: &Sim, r: &ApplyResult) -> String {
    match r {
        ApplyResult::NotSupported { reason } => reason.reason(&sim.state.directory),
        _ => String::new(),
    }
}

#[test]
fn object_not_found_when_access_is_gone_before_apply() {
    let mut def = definition("gone", ResourceKind::DirectoryRole, "role-ga");
    def.stages[0].reviewers = Reviewers::SelectedUsers {
        users: vec!["aaron".into()],
    };
    let mut sim = Sim::new(tenant());
    sim.create(def);
    let id = "gone~0~role-ga";
    sim.decide(id, "aaron", "alice", Deny).unwrap();
    sim.decide(id, "aaron", "bob", Deny).unwrap();
    // Someone removes bob's eligible assignment by hand while the review runs.
    let mut dir = sim.state.directory.clone();
    dir.roles
        .get_mut("role-ga")
        .unwrap()
        .assignments
        .retain(|a| a.user != "bob");
    sim.ok(
        &admin(),
        Command::ImportDirectory {
            directory: Box::new(dir),
            source: "manual".into(),
        },
    );
    assert_eq!(
        sim.reviewees(id),
        names(&["alice", "bob"]),
        "the snapshot does not drift"
    );
    sim.ok(
        &admin(),
        Command::StopReview {
            instance: id.into(),
        },
    );
    sim.ok(
        &admin(),
        Command::ApplyResults {
            instance: id.into(),
        },
    );
    let rows = results(&sim.state, sim.instance(id), sim.now);
    let result = |u: &str| {
        rows.iter()
            .find(|r| r.user == u)
            .unwrap()
            .apply_result
            .clone()
    };
    assert_eq!(
        result("alice"),
        ApplyResult::Applied {
            effect: Effect::AccessRemoved
        }
    );
    assert_eq!(result("bob"), ApplyResult::ObjectNotFound);
    assert!(sim.state.directory.roles["role-ga"].assignments.is_empty());
    let applied = sim.instance(id).applied.as_ref().unwrap();
    assert_eq!(applied.by, admin(), "who applied is recorded");
}
