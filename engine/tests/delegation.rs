//! Reassigning items and delegating while away (issue 24): who sees and decides which items,
//! what is refused (independence, self-review stages, depth, reasons), and what the history
//! and the outbox say. The `Sim` checks on every record that replay, snapshots and
//! `apply_owned` agree and that a refused command changes nothing.

mod support;

use attest_engine::definition::Reviewers;
use attest_engine::directory::ResourceKind;
use attest_engine::event::{Event, ItemDecision};
use attest_engine::evidence::audit_rows;
use attest_engine::outbox::{outbox, reviewer_link, MessageKind};
use attest_engine::view::{my_reviews, reviewer_view};
use attest_engine::{Actor, Command, Decision, EngineError};
use support::*;

const INST: &str = "r~0~g-exception";

/// g-exception (alice, bob, carol, dave) reviewed by its owner olivia, started at t0.
fn started() -> Sim {
    let mut sim = Sim::new(tenant());
    sim.create(definition("r", ResourceKind::Group, "g-exception"));
    sim
}

/// The reviewees `reviewer` sees on the reviewer page of `instance`'s first stage.
fn seen(sim: &Sim, instance: &str, reviewer: &str) -> Vec<String> {
    let mut v: Vec<String> = reviewer_view(&sim.state, instance, 0, reviewer)
        .map(|view| view.rows.into_iter().map(|r| r.user).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn items(sim: &Sim, users: &[&str]) -> Vec<u32> {
    users.iter().map(|u| sim.item(INST, u)).collect()
}

fn reassign(from: Option<&str>, items: Option<Vec<u32>>, to: &str, reason: &str) -> Command {
    Command::ReassignItems {
        instance: INST.into(),
        from: from.map(Into::into),
        items,
        to: to.into(),
        reason: reason.into(),
    }
}

#[test]
fn reassigning_moves_items_to_the_new_reviewer() {
    // (who acts, whose items, which reviewees (None: all), to whom, olivia keeps, to sees)
    type Case = (
        Actor,
        Option<&'static str>,
        Option<&'static [&'static str]>,
        &'static str,
        &'static [&'static str],
        &'static [&'static str],
    );
    let cases: Vec<Case> = vec![
        (
            as_user("olivia"),
            None,
            Some(&["alice"]),
            "mary",
            &["bob", "carol", "dave"],
            &["alice"],
        ),
        (
            as_user("olivia"),
            Some("olivia"),
            Some(&["alice", "bob"]),
            "mike",
            &["carol", "dave"],
            &["alice", "bob"],
        ),
        (
            as_user("olivia"),
            None,
            None,
            "mike",
            &[],
            &["alice", "bob", "carol", "dave"],
        ),
        (
            admin(),
            Some("olivia"),
            None,
            "mike",
            &[],
            &["alice", "bob", "carol", "dave"],
        ),
        (
            admin(),
            Some("olivia"),
            Some(&["carol"]),
            "mary",
            &["alice", "bob", "dave"],
            &["carol"],
        ),
    ];
    for (actor, from, which, to, keeps, gets) in cases {
        let mut sim = started();
        let chosen = which.map(|w| items(&sim, w));
        sim.ok(&actor, reassign(from, chosen, to, "on leave"));
        assert_eq!(
            seen(&sim, INST, "olivia"),
            names(keeps),
            "{actor:?} {which:?}"
        );
        assert_eq!(seen(&sim, INST, to), names(gets), "{actor:?} {which:?}");
        // My access reviews follows too.
        assert_eq!(my_reviews(&sim.state, to).len(), 1);
        // The new reviewer decides; the old one no longer can.
        let first = gets[0];
        sim.decide(INST, to, first, Decision::Approve).unwrap();
        assert_eq!(
            sim.decide(INST, "olivia", first, Decision::Deny),
            Err(EngineError::NotYourItem {
                item: sim.item(INST, first),
                stage: 0
            })
        );
    }
}

#[test]
fn reassignment_is_in_the_history_and_the_outbox() {
    let mut sim = started();
    let chosen = items(&sim, &["alice", "bob"]);
    sim.ok(
        &as_user("olivia"),
        reassign(None, Some(chosen), "mike", "moved teams"),
    );
    let rows: Vec<_> = audit_rows(&sim.state, &sim.log)
        .into_iter()
        .filter(|r| r.action == "Reassigned")
        .map(|r| (r.actor, r.subject, r.details))
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                "Olivia".to_string(),
                "Alice".to_string(),
                "from Olivia to Mike: moved teams".to_string()
            ),
            (
                "Olivia".to_string(),
                "Bob".to_string(),
                "from Olivia to Mike: moved teams".to_string()
            ),
        ]
    );
    let sent: Vec<_> = outbox(&sim.state, &sim.log)
        .into_iter()
        .filter(|m| m.kind == MessageKind::Reassigned)
        .collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to.user_id(), Some("mike"));
    assert_eq!(sent[0].link, reviewer_link(INST, 0, "mike"));
    assert!(sent[0]
        .body
        .contains("Olivia reassigned 2 reviewee(s) to you. Reason: moved teams"));
}

#[test]
fn reassignment_refusals() {
    let long = "x".repeat(attest_engine::limits::MAX_REASON + 1);
    let sim = started();
    let alice = sim.item(INST, "alice");
    let cases: Vec<(Actor, Command, &str)> = vec![
        // Independence: nobody is handed their own access.
        (
            as_user("olivia"),
            reassign(None, Some(vec![alice]), "alice", "r"),
            "Alice cannot be handed a decision about their own access",
        ),
        (
            as_user("olivia"),
            reassign(None, None, "bob", "r"),
            "Bob cannot be handed a decision about their own access",
        ),
        (
            as_user("mike"),
            reassign(None, Some(vec![alice]), "mary", "r"),
            "reviewee 0 is not assigned to you in stage 1",
        ),
        (
            as_user("mike"),
            reassign(None, None, "mary", "r"),
            "there are no items to reassign",
        ),
        (
            as_user("mike"),
            reassign(Some("olivia"), None, "mary", "r"),
            "only a review administrator can reassign another reviewer's items",
        ),
        (
            admin(),
            reassign(None, None, "mary", "r"),
            "name the reviewer whose items are handed over",
        ),
        (
            as_user("olivia"),
            reassign(None, None, "mary", "  "),
            "give a reason",
        ),
        (
            as_user("olivia"),
            reassign(None, None, "mary", &long),
            "the reason is longer than 1000 characters",
        ),
        (
            as_user("olivia"),
            reassign(None, None, "nobody", "r"),
            "user \"nobody\" does not exist",
        ),
        (
            as_user("olivia"),
            reassign(None, None, "olivia", "r"),
            "choose someone else to hand the items to",
        ),
        (
            Actor::System,
            reassign(Some("olivia"), None, "mary", "r"),
            "only a review administrator can reassign another reviewer's items",
        ),
    ];
    for (actor, cmd, message) in cases {
        let mut sim = started();
        let err = sim.run(&actor, cmd.clone()).expect_err(message);
        assert_eq!(err.to_string(), message, "{cmd:?}");
    }
}

#[test]
fn a_self_review_stage_and_a_finished_stage_cannot_be_reassigned() {
    let mut sim = Sim::new(tenant());
    let mut def = definition("r", ResourceKind::Group, "g-exception");
    def.stages = vec![stage(Reviewers::SelfReview, &[], 7)];
    sim.create(def);
    let alice = sim.item(INST, "alice");
    assert_eq!(
        sim.run(
            &as_user("alice"),
            reassign(None, Some(vec![alice]), "mary", "r")
        ),
        Err(EngineError::SelfReviewStage { stage: 0 })
    );
    let mut sim = started();
    sim.advance(days(8));
    let err = sim
        .run(&as_user("olivia"), reassign(None, None, "mary", "r"))
        .unwrap_err();
    assert!(matches!(err, EngineError::WrongStatus { .. }), "{err}");
}

fn delegate(reviewer: Option<&str>, to: &str, from_day: i64, until_day: i64) -> Command {
    Command::DelegateReviews {
        reviewer: reviewer.map(Into::into),
        delegate: to.into(),
        from: t0() + days(from_day),
        until: t0() + days(until_day),
        reason: "holiday".into(),
    }
}

#[test]
fn delegated_items_go_to_the_delegate_for_the_window_and_come_back() {
    for actor in [as_user("olivia"), admin()] {
        let mut sim = started();
        let named = actor.is_administrator().then_some("olivia");
        sim.ok(&actor, delegate(named, "mike", 2, 5));
        let all = names(&["alice", "bob", "carol", "dave"]);
        // (day, olivia sees, mike sees)
        let timeline: [(i64, Vec<String>, Vec<String>); 4] = [
            (1, all.clone(), vec![]),
            (2, vec![], all.clone()),
            (4, vec![], all.clone()),
            (5, all.clone(), vec![]),
        ];
        for (day, olivia, mike) in timeline {
            sim.now = t0() + days(day);
            sim.ok(&Actor::System, Command::AdvanceTime);
            assert_eq!(seen(&sim, INST, "olivia"), olivia, "day {day}");
            assert_eq!(seen(&sim, INST, "mike"), mike, "day {day}");
            if day == 2 {
                sim.decide(INST, "mike", "alice", Decision::Approve)
                    .unwrap();
                let item = sim.item(INST, "alice");
                assert!(sim.decide(INST, "olivia", "bob", Decision::Deny).is_err());
                assert_eq!(
                    sim.instance(INST).items[item as usize].decisions[0]
                        .as_ref()
                        .unwrap()
                        .reviewer,
                    "mike"
                );
            }
        }
        let kinds: Vec<&str> = sim
            .log
            .iter()
            .flat_map(|r| &r.events)
            .filter_map(|e| match e {
                Event::DelegationSet { .. } => Some("set"),
                Event::DelegationStarted { .. } => Some("started"),
                Event::DelegationEnded { .. } => Some("ended"),
                _ => None,
            })
            .collect();
        assert_eq!(kinds, ["set", "started", "ended"]);
        assert!(sim.state.delegations.is_empty());
    }
}

#[test]
fn new_items_during_the_window_go_to_the_delegate() {
    let mut sim = started();
    sim.ok(&as_user("olivia"), delegate(None, "mike", 1, 5));
    sim.advance(days(2));
    // A review that starts during the window: its owner olivia is away.
    let mut crm = definition("crm", ResourceKind::Application, "app-crm");
    crm.schedule.start = sim.now;
    sim.create(crm);
    let crm_inst = "crm~0~app-crm";
    assert_eq!(seen(&sim, crm_inst, "olivia"), Vec::<String>::new());
    assert_eq!(
        seen(&sim, crm_inst, "mike"),
        names(&["alice", "bob", "carol", "dave"])
    );
    sim.now = t0() + days(5);
    sim.ok(&Actor::System, Command::AdvanceTime);
    assert_eq!(
        seen(&sim, crm_inst, "olivia"),
        names(&["alice", "bob", "carol", "dave"])
    );
    assert_eq!(seen(&sim, crm_inst, "mike"), Vec::<String>::new());
}

#[test]
fn a_delegate_never_gets_their_own_access_and_self_review_is_not_delegated() {
    // alice is olivia's delegate and a reviewee of g-exception: her item stays with olivia.
    let mut sim = started();
    sim.ok(&as_user("olivia"), delegate(None, "alice", 1, 5));
    sim.advance(days(2));
    assert_eq!(seen(&sim, INST, "alice"), names(&["bob", "carol", "dave"]));
    assert_eq!(seen(&sim, INST, "olivia"), names(&["alice"]));
    assert!(sim
        .decide(INST, "alice", "alice", Decision::Approve)
        .is_err());

    // In a self-review stage each reviewee keeps their own item, delegate or not.
    let mut sim = Sim::new(tenant());
    let mut def = definition("r", ResourceKind::Group, "g-exception");
    def.stages = vec![stage(Reviewers::SelfReview, &[], 7)];
    sim.create(def);
    sim.ok(&as_user("bob"), delegate(None, "mary", 1, 5));
    sim.advance(days(2));
    assert_eq!(seen(&sim, INST, "bob"), names(&["bob"]));
    assert_eq!(seen(&sim, INST, "mary"), Vec::<String>::new());
}

#[test]
fn delegation_refusals() {
    let cases: Vec<(Actor, Command, &str)> = vec![
        (
            as_user("olivia"),
            delegate(None, "olivia", 1, 5),
            "choose someone else as the delegate",
        ),
        (
            as_user("olivia"),
            delegate(None, "mike", 5, 1),
            "the delegation must end after it starts",
        ),
        (
            as_user("olivia"),
            delegate(None, "mike", -5, -1),
            "the delegation would already be over",
        ),
        (
            as_user("olivia"),
            delegate(None, "nobody", 1, 5),
            "user \"nobody\" does not exist",
        ),
        (
            as_user("mike"),
            delegate(Some("olivia"), "mary", 1, 5),
            "only a review administrator can delegate another reviewer's items",
        ),
        (
            admin(),
            delegate(None, "mary", 1, 5),
            "name the reviewer whose items are handed over",
        ),
        // Depth: mike is olivia's delegate (below) and cannot pass anything on; someone
        // away cannot be named as a delegate.
        (
            as_user("mike"),
            delegate(None, "mary", 1, 5),
            "a delegate cannot delegate again",
        ),
        (
            as_user("mary"),
            delegate(None, "olivia", 1, 5),
            "Olivia is away and has a delegate; choose someone else",
        ),
        (
            as_user("olivia"),
            Command::DelegateReviews {
                reviewer: None,
                delegate: "mary".into(),
                from: t0() + days(1),
                until: t0() + days(5),
                reason: " ".into(),
            },
            "give a reason",
        ),
    ];
    for (actor, cmd, message) in cases {
        let mut sim = started();
        sim.ok(&as_user("olivia"), delegate(None, "mike", 1, 5));
        let err = sim.run(&actor, cmd.clone()).expect_err(message);
        assert_eq!(err.to_string(), message, "{cmd:?}");
    }
}

#[test]
fn delegated_items_are_not_reassigned_by_the_delegate() {
    let mut sim = started();
    sim.ok(&as_user("olivia"), delegate(None, "mike", 1, 5));
    sim.advance(days(2));
    let alice = sim.item(INST, "alice");
    assert_eq!(
        sim.run(
            &as_user("mike"),
            reassign(None, Some(vec![alice]), "mary", "r")
        ),
        Err(EngineError::NotYourItem {
            item: alice,
            stage: 0
        })
    );
    // The decision recorded by the delegate is an ordinary one.
    sim.ok(
        &as_user("mike"),
        Command::RecordDecisions {
            instance: INST.into(),
            decisions: vec![ItemDecision {
                item: alice,
                decision: Decision::Deny,
                justification: "left".into(),
            }],
        },
    );
}
