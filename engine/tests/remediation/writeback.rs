//! The write-back plan's Graph batch shapes, the CSV export and the pinned event JSON.

use super::*;

/// Apply a review of `resource` where olivia denies `deny`, then plan its write-back.
fn plan_for(def: ReviewDefinition, deny: &[&str]) -> attest_engine::writeback::WritebackPlan {
    let mut sim = Sim::new(tenant());
    let inst = instance_of(&def);
    sim.create(def);
    for user in deny {
        sim.decide(&inst, "olivia", user, Decision::Deny).unwrap();
    }
    sim.advance(days(8));
    sim.ok(
        &admin(),
        Command::ApplyResults {
            instance: inst.clone(),
        },
    );
    let i = sim.instance(&inst);
    plan(&sim.state, &[i], &BTreeSet::new(), sim.now)
}

fn as_json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap()
}

#[test]
fn group_removals_are_member_ref_deletes() {
    let p = plan_for(group_review("g-exception"), &["bob", "dave"]);
    // DELETE /groups/{id}/members/{id}/$ref: no body, no headers.
    assert_eq!(
        as_json(&p.batches),
        json!([{ "requests": [
            { "id": "1", "method": "DELETE", "url": "/groups/g-exception/members/bob/$ref" },
            { "id": "2", "method": "DELETE", "url": "/groups/g-exception/members/dave/$ref" },
        ]}])
    );
    assert!(p.lookups.is_empty() && p.after_lookup.is_empty() && p.manual.is_empty());
}

#[test]
fn role_removals_are_admin_remove_schedule_requests() {
    let p = plan_for(role_review(), &["alice", "bob"]);
    let reqs = &p.batches[0].requests;
    let body = |user: &str| {
        json!({
            "action": "adminRemove",
            "principalId": user,
            "roleDefinitionId": "role-ga",
            "directoryScopeId": "/",
            "justification": "Denied in the access review \"Review rv\"",
        })
    };
    let headers = json!({ "Content-Type": "application/json" });
    // alice is active, bob eligible.
    assert_eq!(
        as_json(reqs),
        json!([
            { "id": "1", "method": "POST",
              "url": "/roleManagement/directory/roleAssignmentScheduleRequests",
              "headers": headers, "body": body("alice") },
            { "id": "2", "method": "POST",
              "url": "/roleManagement/directory/roleEligibilityScheduleRequests",
              "headers": headers, "body": body("bob") },
        ])
    );
}

#[test]
fn app_and_package_removals_look_up_the_assignment_id_first() {
    let p = plan_for(
        definition("rv", ResourceKind::Application, "app-crm"),
        &["bob", "carol"],
    );
    assert!(p.batches.is_empty());
    assert_eq!(
        as_json(&p.lookups),
        json!([{ "requests": [
            { "id": "1", "method": "GET",
              "url": "/users/bob/appRoleAssignments?$filter=resourceId eq app-crm" },
        ]}])
    );
    let after = &p.after_lookup[0];
    assert_eq!(
        as_json(&complete(after, "7", "ASSIGN-1")),
        json!({ "id": "7", "method": "DELETE",
                "url": "/servicePrincipals/app-crm/appRoleAssignedTo/ASSIGN-1" })
    );
    // carol holds the app through g-sales: a manual task, not a request.
    assert_eq!(p.manual.len(), 1);
    assert_eq!(p.manual[0].user, "carol");
    assert!(
        p.manual[0].reason.contains("g-sales"),
        "{}",
        p.manual[0].reason
    );

    let p = plan_for(
        definition("rv", ResourceKind::AccessPackage, "ap-tools"),
        &["carol"],
    );
    assert_eq!(
        p.lookups[0].requests[0].url,
        "/identityGovernance/entitlementManagement/assignments?$filter=accessPackage/id eq 'ap-tools' and target/objectId eq 'carol' and state eq 'delivered'"
    );
    assert_eq!(
        as_json(&complete(&p.after_lookup[0], "1", "pkg-assign-9")),
        json!({ "id": "1", "method": "POST",
                "url": "/identityGovernance/entitlementManagement/assignmentRequests",
                "headers": { "Content-Type": "application/json" },
                "body": { "requestType": "adminRemove", "assignment": { "id": "pkg-assign-9" } } })
    );
}

#[test]
fn denied_guests_are_blocked_then_deleted() {
    let mut def = group_review("g-partners");
    def.scope.principals = PrincipalScope::GuestsOnly;
    def.settings.denied_guest_action = Some(DeniedGuestAction::BlockThenDelete);
    let mut sim = Sim::new(tenant());
    let inst = instance_of(&def);
    sim.create(def);
    sim.decide(&inst, "olivia", "gina", Decision::Deny).unwrap();
    sim.advance(days(8));
    sim.ok(
        &admin(),
        Command::ApplyResults {
            instance: inst.clone(),
        },
    );
    let p = plan(
        &sim.state,
        &[sim.instance(&inst)],
        &BTreeSet::new(),
        sim.now,
    );
    assert_eq!(
        as_json(&p.batches[0].requests),
        json!([{ "id": "1", "method": "PATCH", "url": "/users/gina",
                 "headers": { "Content-Type": "application/json" },
                 "body": { "accountEnabled": false } }])
    );
    // Thirty days later Attest's clock deleted her: so should the tenant.
    sim.advance(days(31));
    let p = plan(
        &sim.state,
        &[sim.instance(&inst)],
        &BTreeSet::new(),
        sim.now,
    );
    assert_eq!(
        as_json(&p.batches[0].requests),
        json!([{ "id": "1", "method": "DELETE", "url": "/users/gina" }])
    );
}

#[test]
fn batches_hold_at_most_twenty_requests_and_skip_verified_items() {
    let mut dir = tenant();
    let members: Vec<String> = (0..45).map(|n| format!("m{n:02}")).collect();
    for m in &members {
        dir.users
            .insert(m.clone(), user(m, Some("mary"), false, Some(1)));
    }
    dir.groups.insert(
        "g-big".into(),
        group(
            "g-big",
            &["olivia"],
            &members.iter().map(|m| u(m)).collect::<Vec<_>>(),
        ),
    );
    let mut sim = Sim::new(dir);
    let def = group_review("g-big");
    let inst = instance_of(&def);
    sim.create(def);
    let all: Vec<u32> = (0..45).collect();
    sim.ok(
        &as_user("olivia"),
        Command::RecordDecisions {
            instance: inst.clone(),
            decisions: all
                .iter()
                .map(|&item| attest_engine::event::ItemDecision {
                    item,
                    decision: Decision::Deny,
                    justification: "left".into(),
                })
                .collect(),
        },
    );
    sim.advance(days(8));
    sim.ok(
        &admin(),
        Command::ApplyResults {
            instance: inst.clone(),
        },
    );
    let skip: BTreeSet<ItemRef> = [ItemRef {
        instance: inst.clone(),
        item: 0,
    }]
    .into();
    let p = plan(&sim.state, &[sim.instance(&inst)], &skip, sim.now);
    let sizes: Vec<usize> = p.batches.iter().map(|b| b.requests.len()).collect();
    assert_eq!(sizes, [MAX_BATCH, MAX_BATCH, 4]);
    let ids: BTreeSet<&str> = p
        .batches
        .iter()
        .flat_map(|b| b.requests.iter().map(|r| r.id.as_str()))
        .collect();
    assert_eq!(ids.len(), 44, "request ids are unique across batches");
    assert!(!p.batches[0].requests[0].url.contains("/m00/"));
}

#[test]
fn the_csv_export_has_one_row_per_item_with_status_owner_and_evidence() {
    let (mut sim, at) = applied(group_review("g-dynamic"), "alice");
    sim.ok(
        &admin(),
        Command::AssignRemediation {
            items: vec![at.clone()],
            owner: "olivia".into(),
            due: t0() + days(30),
        },
    );
    let file = attest_engine::remediation::file_digest("ticket.txt", b"abc");
    assert_eq!(
        file.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "SHA-256 of \"abc\" (FIPS 180-2 example)"
    );
    sim.ok(
        &admin(),
        Command::RecordRemediationEvidence {
            item: at.clone(),
            comment: "rule changed, see ticket".into(),
            file: Some(file),
        },
    );
    let items = remediation(&sim.state, &sim.log, sim.now);
    let csv = attest_engine::remediation::csv(&sim.state, &items);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines,
        [
            "ReviewId,ReviewName,AccessReviewInstanceId,ResourceType,ResourceName,PrincipalId,PrincipalName,UserPrincipalName,Status,Reason,Owner,DueDateTime,Evidence",
            "rv,Review rv,rv~0~g-dynamic,Teams + Groups,g-dynamic,alice,Alice,alice@contoso.com,Manual task,\"dynamic group: membership comes from a rule, change the rule instead\",Olivia,2026-02-04T09:00:00Z,\"rule changed, see ticket [ticket.txt sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad]\"",
        ]
    );
}

/// Remediation records are stored and synced like every other: their JSON is pinned.
#[test]
fn remediation_events_are_pinned() {
    use attest_engine::{Event, Record};
    let item = ItemRef {
        instance: "rv~0~g-dynamic".into(),
        item: 2,
    };
    let record = Record {
        v: 1,
        id: "browser-1:50".into(),
        at: t0(),
        actor: admin(),
        reason: None,
        events: vec![
            Event::RemediationAssigned {
                items: vec![item.clone()],
                owner: "olivia".into(),
                due: t0() + days(14),
            },
            Event::RemediationEvidenceRecorded {
                item: item.clone(),
                comment: "rule changed".into(),
                file: Some(FileDigest {
                    name: "chg.pdf".into(),
                    sha256: "ab".repeat(32),
                }),
            },
            Event::RemediationDoneExternally {
                items: vec![item],
                comment: String::new(),
            },
        ],
    };
    let json = serde_json::to_string(&record).unwrap();
    assert_eq!(
        json,
        format!(
            r#"{{"v":1,"id":"browser-1:50","at":"2026-01-05T09:00:00Z","actor":{{"kind":"administrator","name":"Ada Admin"}},"events":[{{"type":"remediationAssigned","items":[{{"instance":"rv~0~g-dynamic","item":2}}],"owner":"olivia","due":"2026-01-19T09:00:00Z"}},{{"type":"remediationEvidenceRecorded","item":{{"instance":"rv~0~g-dynamic","item":2}},"comment":"rule changed","file":{{"name":"chg.pdf","sha256":"{}"}}}},{{"type":"remediationDoneExternally","items":[{{"instance":"rv~0~g-dynamic","item":2}}],"comment":""}}]}}"#,
            "ab".repeat(32)
        )
    );
    assert_eq!(serde_json::from_str::<Record>(&json).unwrap(), record);
}
