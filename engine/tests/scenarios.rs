//! The scenario tables of the multi-stage seed document, from definition to applied result,
//! driven as a table of steps through one `check()`.

mod support;

use attest_engine::definition::*;
use attest_engine::directory::{Principal, ResourceKind};
use attest_engine::instance::{ApplyResult, Decision, Effect, InstanceStatus, NotSupported};
use attest_engine::results::results;
use attest_engine::view::reviewer_view;
use attest_engine::{Command, EngineError};
use support::*;

use Decision::*;

enum Step {
    /// reviewer, reviewee, decision: must be accepted.
    Decide(&'static str, &'static str, Decision),
    /// reviewer, reviewee, decision: must be refused as not the reviewer's item.
    Refused(&'static str, &'static str, Decision),
    /// The users in this stage now (0-based stage).
    InStage(usize, &'static [&'static str]),
    /// What a reviewer of the current stage sees of earlier decisions: (reviewee, count).
    EarlierShown(&'static str, &'static str, usize),
    StopCurrentStage,
    StopReview,
    Advance(i64),
    ApplyResults,
    Status(InstanceStatus),
    /// Users whose sign-in is blocked and who wait for deletion.
    Blocked(&'static [&'static str]),
    /// Users no longer in the directory.
    Deleted(&'static [&'static str]),
}
use Step::*;

// One test binary; its parts live in tests/scenarios/ (a crate root finds modules beside it).
#[path = "scenarios/apply.rs"]
mod apply;

struct Case {
    name: &'static str,
    def: ReviewDefinition,
    reviewees: &'static [&'static str],
    steps: Vec<Step>,
    outcomes: &'static [(&'static str, Outcome)],
    /// Who holds the access after results are applied.
    holders_after: &'static [&'static str],
}

fn check(case: Case) {
    let mut sim = Sim::new(tenant());
    let kind = case.def.scope.resource_kind;
    let resource = case.def.scope.resources[0].clone();
    let id = format!("{}~0~{}", case.def.id, resource);
    let no_response = case.def.settings.if_no_response;
    sim.create(case.def);
    assert_eq!(
        sim.reviewees(&id),
        names(case.reviewees),
        "{}: reviewees",
        case.name
    );
    for (n, step) in case.steps.into_iter().enumerate() {
        let at = format!("{} step {n}", case.name);
        match step {
            Decide(r, u, d) => sim
                .decide(&id, r, u, d)
                .unwrap_or_else(|e| panic!("{at}: {r} on {u}: {e}")),
            Refused(r, u, d) => match sim.decide(&id, r, u, d) {
                Err(EngineError::NotYourItem { .. }) => {}
                other => panic!("{at}: {r} deciding on {u} should be refused, got {other:?}"),
            },
            InStage(s, users) => {
                assert_eq!(sim.instance(&id).current_stage, s, "{at}: current stage");
                assert_eq!(
                    sim.in_stage(&id, s),
                    names(users),
                    "{at}: reviewees in stage {}",
                    s + 1
                );
            }
            EarlierShown(r, u, count) => {
                let inst = sim.instance(&id);
                let view = reviewer_view(&sim.state, &id, inst.current_stage, r).unwrap();
                let row = view.rows.iter().find(|row| row.user == u).unwrap();
                assert_eq!(
                    row.earlier.len(),
                    count,
                    "{at}: earlier decisions {r} sees on {u}"
                );
            }
            StopCurrentStage => sim.ok(
                &admin(),
                Command::StopCurrentStage {
                    instance: id.clone(),
                },
            ),
            StopReview => sim.ok(
                &admin(),
                Command::StopReview {
                    instance: id.clone(),
                },
            ),
            Advance(d) => sim.advance(days(d)),
            ApplyResults => sim.ok(
                &admin(),
                Command::ApplyResults {
                    instance: id.clone(),
                },
            ),
            Status(s) => assert_eq!(sim.instance(&id).status, s, "{at}: status"),
            Blocked(users) => {
                for u in users {
                    let user = &sim.state.directory.users[*u];
                    assert!(!user.account_enabled, "{at}: {u} should be blocked");
                    assert!(
                        sim.state.pending_deletions.contains_key(*u),
                        "{at}: {u} deletion scheduled"
                    );
                }
            }
            Deleted(users) => {
                for u in users {
                    assert!(
                        !sim.state.directory.users.contains_key(*u),
                        "{at}: {u} should be deleted"
                    );
                }
            }
        }
    }
    let inst = sim.instance(&id);
    let rows = results(&sim.state, inst, sim.now);
    for (user, expected) in case.outcomes {
        let row = rows.iter().find(|r| r.user == *user).unwrap();
        assert_eq!(row.outcome, *expected, "{}: outcome of {user}", case.name);
    }
    assert_eq!(
        inst.status,
        InstanceStatus::Applied,
        "{}: applied",
        case.name
    );
    let _ = no_response;
    let mut holders: Vec<String> = sim
        .state
        .directory
        .access_holders(kind, &resource, false)
        .into_iter()
        .map(|a| a.user)
        .filter(|u| case.reviewees.contains(&u.as_str()))
        .collect();
    holders.sort();
    assert_eq!(
        holders,
        names(case.holders_after),
        "{}: who keeps access",
        case.name
    );
}

fn multi(
    id: &str,
    kind: ResourceKind,
    resource: &str,
    stages: Vec<StageSettings>,
    show: bool,
    next: &[Outcome],
    no_response: NoResponse,
) -> ReviewDefinition {
    let mut def = definition(id, kind, resource);
    def.stages = stages;
    def.show_previous_decisions = show;
    def.decisions_to_next_stage = next.to_vec();
    def.settings.if_no_response = no_response;
    def
}

#[test]
fn reach_consensus_across_three_stages() {
    // Managers, then group owners, then the auditors group; earlier decisions shown; all
    // reviewees go on; the last decision recorded wins; no response removes access.
    check(Case {
        name: "consensus",
        def: multi(
            "consensus",
            ResourceKind::Group,
            "g-exception",
            vec![
                stage(Reviewers::Managers, &["olivia"], 7),
                stage(Reviewers::ResourceOwners, &[], 7),
                stage(
                    Reviewers::GroupMembers {
                        group: "g-auditors".into(),
                    },
                    &[],
                    7,
                ),
            ],
            true,
            &Outcome::ALL,
            NoResponse::RemoveAccess,
        ),
        reviewees: &["alice", "bob", "carol", "dave"],
        steps: vec![
            Decide("mary", "alice", Approve),
            Decide("mary", "bob", Deny),
            Decide("mike", "carol", Approve),
            Refused("mike", "alice", Approve),
            Refused("olivia", "alice", Approve), // olivia is only dave's fallback in stage 1
            StopCurrentStage,
            InStage(1, &["alice", "bob", "carol", "dave"]),
            EarlierShown("olivia", "bob", 1),
            Refused("mary", "alice", Deny), // stage 1 is over for managers
            Decide("olivia", "bob", Approve),
            Decide("olivia", "carol", Deny),
            Decide("olivia", "dave", Approve),
            StopCurrentStage,
            InStage(2, &["alice", "bob", "carol", "dave"]),
            EarlierShown("aaron", "carol", 2),
            Decide("aaron", "alice", Deny),
            Decide("aaron", "bob", Approve),
            // carol and dave are Not reviewed in stage 3, whatever stage 2 said: no response
            // removes their access.
            Advance(8),
            Status(InstanceStatus::Completed),
            ApplyResults,
        ],
        outcomes: &[
            ("alice", Outcome::Deny),
            ("bob", Outcome::Approve),
            ("carol", Outcome::Deny),
            ("dave", Outcome::Deny),
        ],
        holders_after: &["bob"],
    });
}

#[test]
fn alternate_reviewers_weigh_in_on_unreviewed_decisions() {
    // App owners first; only Not reviewed and Don't know go to managers, blind; no response
    // approves. Carol's access comes through g-sales, so her denial cannot be applied.
    check(Case {
        name: "alternate reviewers",
        def: multi(
            "alternate",
            ResourceKind::Application,
            "app-crm",
            vec![
                stage(
                    Reviewers::SelectedUsers {
                        users: vec!["olivia".into()],
                    },
                    &[],
                    14,
                ),
                stage(Reviewers::Managers, &["aaron"], 7),
            ],
            false,
            &[Outcome::NotReviewed, Outcome::DontKnow],
            NoResponse::ApproveAccess,
        ),
        reviewees: &["alice", "bob", "carol", "dave"],
        steps: vec![
            Decide("olivia", "alice", Approve),
            Decide("olivia", "bob", DontKnow),
            Decide("olivia", "carol", Deny),
            StopCurrentStage,
            InStage(1, &["bob", "dave"]),
            EarlierShown("mary", "bob", 0),
            Refused("mike", "carol", Approve),
            Decide("mary", "bob", Deny),
            Advance(7),
            ApplyResults,
        ],
        outcomes: &[
            ("alice", Outcome::Approve),
            ("bob", Outcome::Deny),
            ("carol", Outcome::Deny),
            ("dave", Outcome::Approve),
        ],
        holders_after: &["alice", "carol", "dave"],
    });
}

#[test]
fn reduce_burden_stage_by_stage() {
    // Self-review, then managers, then owners; blind; only Approved go on; no response
    // removes. Only users approved through all three stages keep access.
    let mut def = multi(
        "burden",
        ResourceKind::Group,
        "g-exception",
        vec![
            stage(Reviewers::SelfReview, &[], 3),
            stage(Reviewers::Managers, &["olivia"], 3),
            stage(Reviewers::ResourceOwners, &[], 3),
        ],
        false,
        &[Outcome::Approve],
        NoResponse::RemoveAccess,
    );
    def.settings.justification_required = true;
    check(Case {
        name: "reduce burden",
        def,
        reviewees: &["alice", "bob", "carol", "dave"],
        steps: vec![
            Decide("alice", "alice", Approve),
            Decide("bob", "bob", Approve),
            Decide("carol", "carol", Deny),
            Decide("dave", "dave", Approve),
            Refused("alice", "bob", Deny), // self-review: only one's own access
            Advance(3),
            InStage(1, &["alice", "bob", "dave"]),
            EarlierShown("mary", "alice", 0),
            Decide("mary", "alice", Approve),
            Decide("mary", "bob", Approve),
            // dave's fallback reviewer (olivia) does not decide: dave is Not reviewed in
            // stage 2, so he does not go on although he approved himself in stage 1.
            StopCurrentStage,
            InStage(2, &["alice", "bob"]),
            Decide("olivia", "alice", Approve),
            // bob, approved through stages 1 and 2, is Not reviewed in stage 3.
            StopReview,
            ApplyResults,
        ],
        outcomes: &[
            ("alice", Outcome::Approve),
            ("bob", Outcome::Deny),
            ("carol", Outcome::Deny),
            ("dave", Outcome::Deny),
        ],
        holders_after: &["alice"],
    });
}

#[test]
fn guest_self_review_then_block_and_delete() {
    // Inactive (180 days) guests only; guests self-review, owners confirm approved ones;
    // denied and unresponsive guests are blocked now and deleted 30 days later.
    let mut def = multi(
        "guests",
        ResourceKind::Group,
        "g-partners",
        vec![
            stage(Reviewers::SelfReview, &[], 7),
            stage(Reviewers::ResourceOwners, &[], 7),
        ],
        false,
        &[Outcome::Approve],
        NoResponse::RemoveAccess,
    );
    def.scope.principals = PrincipalScope::GuestsOnly;
    def.scope.inactive_days = Some(180);
    def.settings.denied_guest_action = Some(DeniedGuestAction::BlockThenDelete);
    def.settings.auto_apply = true;
    check(Case {
        name: "guest review",
        def,
        // gwen signed in 10 days ago, greta was created 20 days ago, alice is a member.
        reviewees: &["gina", "gus"],
        steps: vec![
            Decide("gina", "gina", Approve),
            Decide("gus", "gus", Approve),
            Advance(7),
            InStage(1, &["gina", "gus"]),
            Decide("olivia", "gina", Deny),
            // The owners never decide on gus: his self-approval does not keep his access.
            Advance(7),
            Status(InstanceStatus::Applied),
            Blocked(&["gina", "gus"]),
            Advance(29),
            Blocked(&["gina", "gus"]),
            Advance(1),
            Deleted(&["gina", "gus"]),
        ],
        outcomes: &[("gina", Outcome::Deny), ("gus", Outcome::Deny)],
        holders_after: &[],
    });
}

/// Each "If reviewers don't respond" option on a one-stage review where nobody decides.
/// Bob has not signed in for 100 days (recommend deny); alice signed in yesterday.
#[test]
fn if_reviewers_dont_respond() {
    let table = [
        (
            NoResponse::NoChange,
            Outcome::NotReviewed,
            Outcome::NotReviewed,
            &["alice", "bob", "carol", "dave"][..],
        ),
        (
            NoResponse::RemoveAccess,
            Outcome::Deny,
            Outcome::Deny,
            &[][..],
        ),
        (
            NoResponse::ApproveAccess,
            Outcome::Approve,
            Outcome::Approve,
            &["alice", "bob", "carol", "dave"][..],
        ),
        (
            NoResponse::TakeRecommendations,
            Outcome::Approve,
            Outcome::Deny,
            &["alice", "carol", "dave"][..],
        ),
    ];
    for (option, alice, bob, holders) in table {
        let mut def = definition("noresp", ResourceKind::Group, "g-exception");
        def.settings.if_no_response = option;
        def.settings.recommendations.peer_affiliation = false;
        def.settings.auto_apply = true;
        let mut sim = Sim::new(tenant());
        sim.create(def);
        let id = "noresp~0~g-exception";
        sim.advance(days(7));
        assert_eq!(
            sim.instance(id).status,
            InstanceStatus::Applied,
            "{option:?}"
        );
        let rows = results(&sim.state, sim.instance(id), sim.now);
        let outcome = |u: &str| rows.iter().find(|r| r.user == u).unwrap().outcome;
        assert_eq!(
            (outcome("alice"), outcome("bob")),
            (alice, bob),
            "{option:?}"
        );
        let mut after: Vec<String> = sim.state.directory.groups["g-exception"]
            .members
            .iter()
            .map(|m| match m {
                Principal::User(u) | Principal::Group(u) => u.clone(),
            })
            .collect();
        after.sort();
        assert_eq!(after, names(holders), "{option:?}: members after");
    }
}
