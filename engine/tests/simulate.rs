//! Outcome simulation before launch, as a table: each case is a definition over the test
//! tenant and, per scenario, the expected figures per stage and in total. Every row is also
//! driven through the engine itself (the same responses, stage by stage) and the review's
//! real outcomes must equal the simulated ones.

mod support;

use std::collections::BTreeSet;

use attest_engine::definition::*;
use attest_engine::directory::ResourceKind;
use attest_engine::instance::InstanceStatus;
use attest_engine::preview::preview;
use attest_engine::simulate::{simulate, Scenario, Simulation};
use attest_engine::view::Tally;
use attest_engine::Command;
use support::*;

use Scenario::*;

/// Per stage: (reached, moved on, removed, kept).
type Stages = &'static [(usize, usize, usize, usize)];

struct Expect {
    scenario: Scenario,
    stages: Stages,
    /// (removed, kept, removals Attest cannot apply itself)
    total: (usize, usize, usize),
}

struct Case {
    name: &'static str,
    def: ReviewDefinition,
    expect: [Expect; 2],
}

fn multi(
    resource_kind: ResourceKind,
    resource: &str,
    stages: Vec<StageSettings>,
    next: &[Outcome],
    no_response: NoResponse,
) -> ReviewDefinition {
    let mut def = definition("sim", resource_kind, resource);
    def.stages = stages;
    def.decisions_to_next_stage = next.to_vec();
    def.settings.if_no_response = no_response;
    def
}

fn one_stage(
    resource: &str,
    reviewers: Reviewers,
    fallback: &[&str],
    no_response: NoResponse,
) -> ReviewDefinition {
    multi(
        ResourceKind::Group,
        resource,
        vec![stage(reviewers, fallback, 7)],
        &[],
        no_response,
    )
}

// The tenant's recommendations at t0 (30-day look-back): bob has not signed in for 100 days
// (Deny); alice, carol and dave signed in lately (Approve).
fn cases() -> Vec<Case> {
    let mut hidden = one_stage(
        "g-exception",
        Reviewers::ResourceOwners,
        &[],
        NoResponse::NoChange,
    );
    hidden.stages[0].recommendations = false;
    vec![
        Case {
            // The seed's "Reduce burden": self-review, managers, owners; only Approved go on;
            // no response removes: only users approved through all three stages keep access.
            name: "reduce burden",
            def: multi(
                ResourceKind::Group,
                "g-exception",
                vec![
                    stage(Reviewers::SelfReview, &[], 3),
                    stage(Reviewers::Managers, &["olivia"], 3),
                    stage(Reviewers::ResourceOwners, &[], 3),
                ],
                &[Outcome::Approve],
                NoResponse::RemoveAccess,
            ),
            expect: [
                Expect {
                    scenario: NobodyResponds,
                    stages: &[(4, 0, 4, 0), (0, 0, 0, 0), (0, 0, 0, 0)],
                    total: (4, 0, 0),
                },
                Expect {
                    scenario: AcceptRecommendations,
                    stages: &[(4, 3, 1, 0), (3, 3, 0, 0), (3, 0, 0, 3)],
                    total: (1, 3, 0),
                },
            ],
        },
        Case {
            // The seed's "Reach consensus": every decision goes on, so the third stage decides;
            // Not reviewed there is removed whatever earlier stages said.
            name: "reach consensus",
            def: multi(
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
                &Outcome::ALL,
                NoResponse::RemoveAccess,
            ),
            expect: [
                Expect {
                    scenario: NobodyResponds,
                    stages: &[(4, 4, 0, 0), (4, 4, 0, 0), (4, 0, 4, 0)],
                    total: (4, 0, 0),
                },
                Expect {
                    scenario: AcceptRecommendations,
                    stages: &[(4, 4, 0, 0), (4, 4, 0, 0), (4, 0, 1, 3)],
                    total: (1, 3, 0),
                },
            ],
        },
        Case {
            // The seed's "Alternate reviewers": only Not reviewed and Don't know go on to
            // managers; no response approves. Carol and dave hold the app through g-sales.
            name: "alternate reviewers",
            def: multi(
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
                &[Outcome::NotReviewed, Outcome::DontKnow],
                NoResponse::ApproveAccess,
            ),
            expect: [
                Expect {
                    scenario: NobodyResponds,
                    stages: &[(4, 4, 0, 0), (4, 0, 0, 4)],
                    total: (0, 4, 0),
                },
                Expect {
                    scenario: AcceptRecommendations,
                    stages: &[(4, 0, 1, 3), (0, 0, 0, 0)],
                    total: (1, 3, 0),
                },
            ],
        },
        Case {
            // Recommendations hidden: accepting them records nothing; no change keeps all.
            name: "recommendations not shown, no change",
            def: hidden,
            expect: [
                Expect {
                    scenario: NobodyResponds,
                    stages: &[(4, 0, 0, 4)],
                    total: (0, 4, 0),
                },
                Expect {
                    scenario: AcceptRecommendations,
                    stages: &[(4, 0, 0, 4)],
                    total: (0, 4, 0),
                },
            ],
        },
        Case {
            // "Take recommendations" when nobody responds gives the same as accepting them.
            name: "take recommendations",
            def: one_stage(
                "g-exception",
                Reviewers::ResourceOwners,
                &[],
                NoResponse::TakeRecommendations,
            ),
            expect: [
                Expect {
                    scenario: NobodyResponds,
                    stages: &[(4, 0, 1, 3)],
                    total: (1, 3, 0),
                },
                Expect {
                    scenario: AcceptRecommendations,
                    stages: &[(4, 0, 1, 3)],
                    total: (1, 3, 0),
                },
            ],
        },
        Case {
            // Dave has no manager and there is no fallback: nobody can accept for him, so no
            // response decides (removes) his access.
            name: "reviewee without a reviewer",
            def: one_stage(
                "g-exception",
                Reviewers::Managers,
                &[],
                NoResponse::RemoveAccess,
            ),
            expect: [
                Expect {
                    scenario: NobodyResponds,
                    stages: &[(4, 0, 4, 0)],
                    total: (4, 0, 0),
                },
                Expect {
                    scenario: AcceptRecommendations,
                    stages: &[(4, 0, 2, 2)],
                    total: (2, 2, 0),
                },
            ],
        },
        Case {
            // A dynamic group: removals are counted and reported as not applicable by Attest.
            name: "dynamic group",
            def: one_stage(
                "g-dynamic",
                Reviewers::ResourceOwners,
                &[],
                NoResponse::RemoveAccess,
            ),
            expect: [
                Expect {
                    scenario: NobodyResponds,
                    stages: &[(2, 0, 2, 0)],
                    total: (2, 0, 2),
                },
                Expect {
                    scenario: AcceptRecommendations,
                    stages: &[(2, 0, 1, 1)],
                    total: (1, 1, 1),
                },
            ],
        },
    ]
}

fn figures(sim: &Simulation) -> (Vec<(usize, usize, usize, usize)>, (usize, usize, usize)) {
    (
        sim.stages
            .iter()
            .map(|s| (s.reached, s.moved_on, s.removed, s.kept))
            .collect(),
        (sim.removed(), sim.kept(), sim.removal_not_supported),
    )
}

#[test]
fn simulated_outcomes_per_stage_and_in_total() {
    let dir = tenant();
    for case in cases() {
        let outcomes = simulate(&case.def, &dir, t0());
        for e in &case.expect {
            assert_eq!(
                figures(outcomes.get(e.scenario)),
                (e.stages.to_vec(), e.total),
                "{}: {}",
                case.name,
                e.scenario.label()
            );
        }
        // The wizard's preview carries the same figures.
        assert_eq!(
            preview(&case.def, &dir, t0()).outcomes,
            outcomes,
            "{}",
            case.name
        );
    }
}

/// Run the review in the engine with the scenario's responses: in every stage each
/// reviewer with items accepts the recommendations (or nobody does anything), then the
/// stage is stopped. Returns the final outcomes and how many reached each stage.
fn run_review(def: &ReviewDefinition, scenario: Scenario) -> (Tally, Vec<usize>) {
    let mut sim = Sim::new(tenant());
    sim.create(def.clone());
    let id = format!("{}~0~{}", def.id, def.scope.resources[0]);
    let mut reached = Vec::new();
    while sim.instance(&id).status == InstanceStatus::InProgress {
        let inst = sim.instance(&id);
        let stage = inst.current_stage;
        reached.push(inst.items.iter().filter(|it| it.stage == stage).count());
        if scenario == AcceptRecommendations {
            let reviewers: BTreeSet<String> = inst
                .items
                .iter()
                .filter(|it| it.stage == stage)
                .flat_map(|it| inst.reviewers_of(it, stage).to_vec())
                .collect();
            for r in reviewers {
                // A reviewer without a recommendation to accept is refused: nothing to do.
                let _ = sim.run(
                    &as_user(&r),
                    Command::AcceptRecommendations {
                        instance: id.clone(),
                        items: None,
                        justification: String::new(),
                    },
                );
            }
        }
        sim.ok(
            &admin(),
            Command::StopCurrentStage {
                instance: id.clone(),
            },
        );
    }
    let inst = sim.instance(&id);
    reached.resize(def.stages.len(), 0);
    let mut tally = Tally::default();
    for it in &inst.items {
        tally.add(inst.outcome(it, def.settings.if_no_response));
    }
    (tally, reached)
}

#[test]
fn simulation_agrees_with_running_the_review() {
    let dir = tenant();
    for case in cases() {
        let outcomes = simulate(&case.def, &dir, t0());
        for scenario in Scenario::ALL {
            let sim = outcomes.get(scenario);
            let reached: Vec<usize> = sim.stages.iter().map(|s| s.reached).collect();
            assert_eq!(
                run_review(&case.def, scenario),
                (sim.outcomes.clone(), reached),
                "{}: {}",
                case.name,
                scenario.label()
            );
        }
    }
}
