//! Issue 25 through a reviewer link: the link's page knows the role is privileged, an
//! unconfirmed bulk approval of it is refused, a confirmed one and an approval until a date
//! are accepted with the link's item numbers mapped back.

use super::*;
use attest_engine::directory::{AssignmentKind, DirectoryRole, ResourceKind, RoleAssignment};
use attest_engine::event::ItemDecision;
use attest_engine::instance::DecisionSource;

const REVIEWER: &str = "manager000";

fn reviewer_record(id: &str, events: Vec<Event>) -> Record {
    Record {
        v: RECORD_VERSION,
        id: id.into(),
        at: Utc::now(),
        actor: Actor::User {
            id: REVIEWER.into(),
        },
        reason: None,
        events,
    }
}

fn approvals(instance: &str, items: &[u32]) -> Event {
    Event::DecisionsRecorded {
        instance: instance.into(),
        stage: 0,
        reviewer: REVIEWER.into(),
        source: DecisionSource::Reviewer,
        decisions: items
            .iter()
            .map(|&item| ItemDecision {
                item,
                decision: Decision::Approve,
                justification: String::new(),
            })
            .collect(),
    }
}

pub(super) async fn guarded_approvals_through_a_review_link(b: Backend) {
    let s = serve(b).await;
    let addr = s.addr();
    let mut admin = AdminClient::new(addr).await;
    let mut dir = tenant(2, 2);
    // A privileged role held by the other manager's two reports and one of manager000's.
    let holders = ["user001x0000", "user001x0001", "user000x0000"];
    dir.roles.insert(
        "role-ga".into(),
        DirectoryRole {
            id: "role-ga".into(),
            display_name: "Global Administrator".into(),
            privileged: true,
            assignments: holders
                .iter()
                .map(|u| RoleAssignment {
                    user: u.to_string(),
                    kind: AssignmentKind::Active,
                })
                .collect(),
        },
    );
    let mut def = definition("roles", Utc::now(), false);
    def.scope.resource_kind = ResourceKind::DirectoryRole;
    def.scope.resources = vec!["role-ga".into()];
    def.stages[0].reviewers = attest_engine::definition::Reviewers::SelectedUsers {
        users: vec![REVIEWER.into()],
    };
    def.settings.approval.approve_until = true;
    let instance = start_review(&mut admin, dir, def).await;
    let token = link(addr, &admin.token, &instance, 0, REVIEWER).await;
    let page = reviewer_page(addr, &token).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(page.body["view"]["guardrails"]["privileged"], true);
    assert_eq!(page.body["view"]["rows"].as_array().unwrap().len(), 3);

    // Unconfirmed: refused, nothing stored.
    let before = admin.state.clone();
    let r = push(
        addr,
        &token,
        &[reviewer_record("b1", vec![approvals(&instance, &[0, 1])])],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.body["rejected"][0]["code"], "refused");
    assert!(r.body["rejected"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("confirm this bulk approval with a justification"));
    admin.pull().await;
    assert_eq!(admin.state.instances, before.instances);

    // Confirmed: accepted, in the instance's own numbering.
    let confirmed = reviewer_record(
        "b2",
        vec![
            Event::BulkApprovalConfirmed {
                instance: instance.clone(),
                stage: 0,
                reviewer: REVIEWER.into(),
                items: vec![0, 1],
                justification: "Both on the on-call rota".into(),
            },
            approvals(&instance, &[0, 1]),
        ],
    );
    let r = push(addr, &token, &[confirmed]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Until a date: the third reviewee.
    let until = Utc::now() + Duration::days(30);
    let timed = reviewer_record(
        "b3",
        vec![
            approvals(&instance, &[2]),
            Event::ApprovalTimeBound {
                instance: instance.clone(),
                stage: 0,
                items: vec![2],
                until,
            },
        ],
    );
    let r = push(addr, &token, &[timed]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    admin.pull().await;
    let inst = &admin.state.instances[&instance];
    assert!(inst.items.iter().all(|it| it
        .decision_in(0)
        .is_some_and(|d| d.decision == Decision::Approve)));
    let bounds = &admin.state.time_bound[&instance];
    assert_eq!(bounds.len(), 1);
    let (&item, bound) = bounds.iter().next().unwrap();
    assert_eq!(bound.until, until);
    // The link's item 2 is the instance's third reviewee in instance order.
    assert_eq!(item, 2);
}
