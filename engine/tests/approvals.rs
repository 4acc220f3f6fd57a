//! Issue 25: approve until a date (ended by the clock unless a newer review approved), the
//! bulk-approval guardrails, and reviewer insight from a scripted review.

mod support;

use attest_engine::definition::{NoResponse, Reviewers};
use attest_engine::directory::{Principal, ResourceKind};
use attest_engine::event::{Event, ItemDecision};
use attest_engine::expiry::BoundStatus;
use attest_engine::insight::{reviewer_insight, Flag};
use attest_engine::instance::{instance_id, Decision};
use attest_engine::replay_check::recheck_exact;
use attest_engine::results::results;
use attest_engine::{replay, Command, EngineError, ReviewDefinition};
use chrono::Duration;
use support::*;

/// A review of the privileged Global Administrator role (alice active, bob eligible) by
/// olivia, auto-applied, with approve-until allowed.
fn role_review(id: &str) -> ReviewDefinition {
    let mut def = definition(id, ResourceKind::DirectoryRole, "role-ga");
    def.stages = vec![stage(
        Reviewers::SelectedUsers {
            users: vec!["olivia".into()],
        },
        &[],
        7,
    )];
    def.settings.approval.approve_until = true;
    def.settings.auto_apply = true;
    def.settings.if_no_response = NoResponse::NoChange;
    def
}

fn holds_role(sim: &Sim, user: &str) -> bool {
    sim.state.directory.roles["role-ga"]
        .assignments
        .iter()
        .any(|a| a.user == user)
}

/// Every record a person made re-checks to exactly its events (what the sync server does).
fn rechecks(sim: &Sim) {
    for (i, record) in sim.log.iter().enumerate() {
        if record.actor == attest_engine::Actor::System {
            continue;
        }
        let before = replay(&sim.log[..i]);
        assert_eq!(
            recheck_exact(&before, record),
            Ok(()),
            "record {} does not re-check",
            record.id
        );
    }
}

fn approve_until(sim: &mut Sim, instance: &str, users: &[&str], until_days: i64) {
    let items = users.iter().map(|u| sim.item(instance, u)).collect();
    sim.ok(
        &as_user("olivia"),
        Command::ApproveUntil {
            instance: instance.into(),
            items,
            until: t0() + days(until_days),
            justification: "Project ends this quarter".into(),
        },
    );
}

fn bound_of(sim: &Sim, instance: &str, user: &str) -> Option<BoundStatus> {
    let item = sim.item(instance, user);
    results(&sim.state, sim.instance(instance), sim.now)[item as usize]
        .approved_until
        .clone()
        .map(|(_, status)| status)
}

#[test]
fn an_approval_until_a_date_ends_through_the_time_loop() {
    let mut sim = Sim::new(tenant());
    sim.create(role_review("r"));
    let id = instance_id("r", 0, "role-ga");
    approve_until(&mut sim, &id, &["alice"], 30);
    sim.decide(&id, "olivia", "bob", Decision::Approve).unwrap();

    // The stage ends on day 7 and results apply: nothing is removed yet.
    sim.advance(days(8));
    assert!(sim.instance(&id).applied.is_some());
    assert!(holds_role(&sim, "alice") && holds_role(&sim, "bob"));
    assert_eq!(
        bound_of(&sim, &id, "alice"),
        Some(BoundStatus::Running { days_left: 22 })
    );
    assert_eq!(bound_of(&sim, &id, "bob"), None);
    let rows = attest_engine::expiry::bound_rows(&sim.state, sim.now);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status.text(), "22 days left");

    // Day 30: the clock removes alice's role; bob's plain approval stays.
    sim.advance(days(22));
    assert!(
        !holds_role(&sim, "alice"),
        "the approval ended, the role goes"
    );
    assert!(holds_role(&sim, "bob"));
    let ended = sim.log.last().unwrap();
    assert!(matches!(
        ended.events.as_slice(),
        [Event::TimeBoundApprovalEnded { certified_by: None, at, .. }, Event::DirectoryChanged { .. }]
            if *at == t0() + days(30)
    ));
    assert!(matches!(
        bound_of(&sim, &id, "alice"),
        Some(BoundStatus::Removed { .. })
    ));
    // Nothing more is due: the clock ends each approval once.
    let before = sim.log.len();
    sim.advance(days(400));
    assert_eq!(sim.log.len(), before);
    rechecks(&sim);
}

#[test]
fn a_newer_review_that_approved_keeps_the_access() {
    let mut sim = Sim::new(tenant());
    sim.create(role_review("r"));
    let first = instance_id("r", 0, "role-ga");
    approve_until(&mut sim, &first, &["alice"], 30);
    sim.advance(days(20));
    let mut newer = role_review("r2");
    newer.schedule.start = sim.now;
    sim.create(newer);
    let second = instance_id("r2", 0, "role-ga");
    sim.decide(&second, "olivia", "alice", Decision::Approve)
        .unwrap();
    sim.advance(days(15));
    assert!(holds_role(&sim, "alice"), "certified by the newer review");
    assert_eq!(
        bound_of(&sim, &first, "alice"),
        Some(BoundStatus::Certified {
            at: t0() + days(30),
            by: second.clone()
        })
    );
    rechecks(&sim);
}

#[test]
fn a_later_plain_decision_replaces_the_date() {
    let mut sim = Sim::new(tenant());
    sim.create(role_review("r"));
    let id = instance_id("r", 0, "role-ga");
    approve_until(&mut sim, &id, &["alice"], 30);
    sim.decide(&id, "olivia", "alice", Decision::Approve)
        .unwrap();
    sim.advance(days(60));
    assert!(holds_role(&sim, "alice"));
    assert_eq!(bound_of(&sim, &id, "alice"), None);
}

#[test]
fn approve_until_is_refused_where_it_does_not_fit() {
    type Case = (&'static str, fn(&mut ReviewDefinition), i64, &'static str);
    let cases: &[Case] = &[
        (
            "review does not allow it",
            |d| d.settings.approval.approve_until = false,
            30,
            "this review does not allow approving until a date",
        ),
        (
            "date in the past",
            |_| {},
            -1,
            "the date an approval ends must lie in the future",
        ),
        (
            "more than three years",
            |_| {},
            2000,
            "an approval can run for at most 1095 days",
        ),
    ];
    for (what, change, until, message) in cases {
        let mut sim = Sim::new(tenant());
        let mut def = role_review("r");
        change(&mut def);
        sim.create(def);
        let id = instance_id("r", 0, "role-ga");
        let item = sim.item(&id, "alice");
        let err = sim
            .run(
                &as_user("olivia"),
                Command::ApproveUntil {
                    instance: id.clone(),
                    items: vec![item],
                    until: t0() + days(*until),
                    justification: String::new(),
                },
            )
            .expect_err(what);
        assert_eq!(err.to_string(), *message, "{what}");
    }
}

/// The guardrails as a table: review, command, whether it records, and what.
#[test]
fn bulk_approval_guardrails() {
    #[derive(Clone, Copy, Debug)]
    enum Expect {
        /// Recorded; with a confirmation event or not.
        Recorded {
            confirmed: bool,
        },
        Unconfirmed,
        Forbidden,
    }
    use Expect::*;
    let decisions = |sim: &Sim, id: &str, pairs: &[(&str, Decision)]| -> Vec<ItemDecision> {
        pairs
            .iter()
            .map(|(u, d)| ItemDecision {
                item: sim.item(id, u),
                decision: *d,
                justification: String::new(),
            })
            .collect()
    };
    let confirm = |text: &str, cmd: Command| Command::ConfirmBulkApproval {
        justification: text.into(),
        command: Box::new(cmd),
    };
    type Case = (
        &'static str,
        ResourceKind,
        &'static str,
        bool,
        &'static [(&'static str, Decision)],
        Option<&'static str>,
        Expect,
    );
    use Decision::{Approve, Deny};
    let cases: &[Case] = &[
        // (what, kind, resource, forbid bulk, decisions, confirmation, expected)
        (
            "privileged, bulk approve, no confirmation",
            ResourceKind::DirectoryRole,
            "role-ga",
            false,
            &[("alice", Approve), ("bob", Approve)],
            None,
            Unconfirmed,
        ),
        (
            "privileged, bulk approve, blank justification",
            ResourceKind::DirectoryRole,
            "role-ga",
            false,
            &[("alice", Approve), ("bob", Approve)],
            Some("   "),
            Unconfirmed,
        ),
        (
            "privileged, bulk approve, justified",
            ResourceKind::DirectoryRole,
            "role-ga",
            false,
            &[("alice", Approve), ("bob", Approve)],
            Some("Both on the on-call rota"),
            Recorded { confirmed: true },
        ),
        (
            "privileged, one approval",
            ResourceKind::DirectoryRole,
            "role-ga",
            false,
            &[("alice", Approve)],
            None,
            Recorded { confirmed: false },
        ),
        (
            "privileged, bulk deny",
            ResourceKind::DirectoryRole,
            "role-ga",
            false,
            &[("alice", Deny), ("bob", Deny)],
            None,
            Recorded { confirmed: false },
        ),
        (
            "group, bulk approve against a Deny recommendation",
            ResourceKind::Group,
            "g-exception",
            false,
            &[("alice", Approve), ("bob", Approve)],
            None,
            Unconfirmed,
        ),
        (
            "group, the same, justified",
            ResourceKind::Group,
            "g-exception",
            false,
            &[("alice", Approve), ("bob", Approve)],
            Some("Bob is back from leave"),
            Recorded { confirmed: true },
        ),
        (
            "group, bulk approve as recommended",
            ResourceKind::Group,
            "g-exception",
            false,
            &[("alice", Approve), ("carol", Approve)],
            None,
            Recorded { confirmed: false },
        ),
        (
            "bulk approve forbidden",
            ResourceKind::Group,
            "g-exception",
            true,
            &[("alice", Approve), ("carol", Approve)],
            Some("Trust me"),
            Forbidden,
        ),
        (
            "bulk approve forbidden, one approval",
            ResourceKind::Group,
            "g-exception",
            true,
            &[("alice", Approve)],
            None,
            Recorded { confirmed: false },
        ),
        (
            "bulk approve forbidden, bulk deny",
            ResourceKind::Group,
            "g-exception",
            true,
            &[("alice", Deny), ("carol", Deny)],
            None,
            Recorded { confirmed: false },
        ),
    ];
    for (what, kind, resource, forbid, pairs, confirmation, expected) in cases {
        let mut sim = Sim::new(tenant());
        let mut def = definition("r", *kind, resource);
        def.stages = vec![stage(
            Reviewers::SelectedUsers {
                users: vec!["olivia".into()],
            },
            &[],
            7,
        )];
        def.settings.approval.forbid_bulk_approve = *forbid;
        def.settings.recommendations.peer_affiliation = false;
        sim.create(def);
        let id = instance_id("r", 0, resource);
        let cmd = Command::RecordDecisions {
            instance: id.clone(),
            decisions: decisions(&sim, &id, pairs),
        };
        let cmd = match confirmation {
            Some(text) => confirm(text, cmd),
            None => cmd,
        };
        let logged = sim.log.len();
        let result = sim.run(&as_user("olivia"), cmd);
        match (expected, result) {
            (Recorded { confirmed }, Ok(())) => {
                let record = sim.log.last().unwrap();
                let first_is_confirmation =
                    matches!(record.events[0], Event::BulkApprovalConfirmed { .. });
                assert_eq!(first_is_confirmation, *confirmed, "{what}");
                assert!(sim.log.len() > logged, "{what}: nothing recorded");
                rechecks(&sim);
            }
            (Unconfirmed, Err(EngineError::BulkApprovalUnconfirmed { count, .. })) => {
                assert!(count > 0, "{what}");
                assert_eq!(sim.log.len(), logged, "{what}: something was recorded");
            }
            (Forbidden, Err(e @ EngineError::NotAllowed(_))) => {
                assert_eq!(
                    e.to_string(),
                    "this review does not allow bulk approval: approve each reviewee on its own",
                    "{what}"
                );
            }
            (expected, got) => panic!("{what}: expected {expected:?}, got {got:?}"),
        }
    }
}

#[test]
fn accepting_recommendations_on_a_privileged_role_needs_a_confirmation() {
    let mut sim = Sim::new(tenant());
    let mut def = role_review("r");
    def.settings.recommendations.peer_affiliation = false;
    sim.create(def);
    let id = instance_id("r", 0, "role-ga");
    let accept = Command::AcceptRecommendations {
        instance: id.clone(),
        items: None,
        justification: String::new(),
    };
    // alice is recommended Approve, bob Deny: one approval of two decisions is a bulk one.
    let err = sim.run(&as_user("olivia"), accept.clone()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "confirm this bulk approval with a justification: the role is privileged (1 flagged)"
    );
    sim.ok(
        &as_user("olivia"),
        Command::ConfirmBulkApproval {
            justification: "Checked with the security team".into(),
            command: Box::new(accept),
        },
    );
    let inst = sim.instance(&id);
    assert!(inst.items.iter().all(|it| it.decision_in(0).is_some()));
    // A confirmed approval until a date: both guardrail and time bound in one record.
    let items = vec![sim.item(&id, "alice"), sim.item(&id, "bob")];
    let until = Command::ApproveUntil {
        instance: id.clone(),
        items,
        until: t0() + days(40),
        justification: String::new(),
    };
    assert!(matches!(
        sim.run(&as_user("olivia"), until.clone()),
        Err(EngineError::BulkApprovalUnconfirmed { count: 2, .. })
    ));
    sim.ok(
        &as_user("olivia"),
        Command::ConfirmBulkApproval {
            justification: "Until the migration is done".into(),
            command: Box::new(until),
        },
    );
    assert!(matches!(
        sim.log.last().unwrap().events.as_slice(),
        [
            Event::BulkApprovalConfirmed { .. },
            Event::DecisionsRecorded { .. },
            Event::ApprovalTimeBound { .. }
        ]
    ));
    rechecks(&sim);
}

/// A tenant of 120 users in one group: mary manages u000–u109, mike u110–u119; every
/// fourth user has not signed in for 200 days (recommended Deny).
fn busy_tenant() -> attest_engine::Directory {
    let mut d = tenant();
    let mut members = Vec::new();
    for i in 0..120 {
        let id = format!("u{i:03}");
        let manager = if i < 110 { "mary" } else { "mike" };
        let seen = if i % 4 == 0 { 200 } else { 2 };
        d.users
            .insert(id.clone(), user(&id, Some(manager), false, Some(seen)));
        members.push(Principal::User(id));
    }
    d.groups
        .insert("g-big".into(), group("g-big", &["olivia"], &members));
    d
}

#[test]
fn reviewer_insight_from_a_scripted_review() {
    let mut sim = Sim::new(busy_tenant());
    let mut def = definition("r", ResourceKind::Group, "g-big");
    def.stages = vec![stage(Reviewers::Managers, &["olivia"], 7)];
    def.settings.recommendations.peer_affiliation = false;
    sim.create(def);
    let id = instance_id("r", 0, "g-big");
    let batch = |sim: &Sim, from: usize, to: usize| -> Vec<ItemDecision> {
        (from..to)
            .map(|i| ItemDecision {
                item: sim.item(&id, &format!("u{i:03}")),
                decision: Decision::Approve,
                justification: "ok".into(),
            })
            .collect()
    };
    // mary: 110 approvals in three bulk records 20 seconds apart, 28 against Deny.
    sim.now += Duration::hours(1);
    for (from, to) in [(0, 50), (50, 100), (100, 110)] {
        let decisions = batch(&sim, from, to);
        sim.ok(
            &as_user("mary"),
            Command::ConfirmBulkApproval {
                justification: "All fine".into(),
                command: Box::new(Command::RecordDecisions {
                    instance: id.clone(),
                    decisions,
                }),
            },
        );
        sim.now += Duration::seconds(20);
    }
    // mike: ten decisions, one each half hour; denies u112 and u116 (recommended Deny) and
    // u111 and u113 (recommended Approve: two overrides).
    for i in 110..120 {
        sim.now += Duration::minutes(30);
        let user = format!("u{i}");
        let decision = if [111, 112, 113, 116].contains(&i) {
            Decision::Deny
        } else {
            Decision::Approve
        };
        sim.decide(&id, "mike", &user, decision).unwrap();
    }
    let insight = reviewer_insight(&sim.state, &sim.log, &id);
    let table: Vec<_> = insight
        .iter()
        .map(|r| {
            (
                r.reviewer.as_str(),
                r.decisions,
                r.approvals,
                r.approve_percent(),
                r.median_seconds,
                r.with_recommendation,
                r.overridden,
                r.overridden_percent(),
                r.flags.iter().map(Flag::text).collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(
        table,
        vec![
            (
                "mary",
                110,
                110,
                100,
                Some(0.4),
                110,
                28,
                25,
                vec![
                    "110 approvals within 60 seconds".to_string(),
                    "0.4 seconds per decision (median)".to_string(),
                    "approved all 110 decisions".to_string(),
                    "approved 28 of 28 recommended Deny".to_string(),
                ]
            ),
            ("mike", 10, 6, 60, Some(1800.0), 10, 2, 20, vec![]),
        ]
    );
}

#[test]
fn a_recommendation_the_stage_does_not_show_raises_no_guardrail() {
    let mut sim = Sim::new(tenant());
    let mut def = definition("r", ResourceKind::Group, "g-exception");
    let olivia = stage(
        Reviewers::SelectedUsers {
            users: vec!["olivia".into()],
        },
        &[],
        7,
    );
    // Stage 2 shows recommendations (so they are made); stage 1 does not.
    def.stages = vec![olivia.clone(), olivia];
    def.stages[0].recommendations = false;
    sim.create(def);
    let id = instance_id("r", 0, "g-exception");
    // bob is recommended Deny, but olivia is not shown it in stage 1.
    assert!(sim.instance(&id).items[sim.item(&id, "bob") as usize]
        .recommendation
        .as_ref()
        .is_some_and(|r| r.decision == Decision::Deny));
    let decisions = ["alice", "bob"]
        .iter()
        .map(|u| ItemDecision {
            item: sim.item(&id, u),
            decision: Decision::Approve,
            justification: String::new(),
        })
        .collect();
    sim.ok(
        &as_user("olivia"),
        Command::RecordDecisions {
            instance: id.clone(),
            decisions,
        },
    );
}
