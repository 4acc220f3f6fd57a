//! Outcome simulation before launch: what the review would remove and keep "if nobody
//! responds" and "if everyone accepts the recommendations", per stage and in total. Each
//! reviewee of the starting snapshot is walked through the stages with the engine's own
//! rules — which decision moves a reviewee on (`moving_on_by`), the final outcome
//! (`final_outcome`: the last stage reached, else "If reviewers don't respond") — so the
//! figures are what the running review would produce for those responses.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::definition::{Outcome, ReviewDefinition};
use crate::directory::Directory;
use crate::instance::{snapshot, DecisionItem, DecisionSource, Instance, RecordedDecision};
use crate::view::Tally;

/// How reviewers respond in a simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scenario {
    /// No reviewer decides anything in any stage.
    NobodyResponds,
    /// Every reviewer selects "Accept recommendations" on their items in every stage that
    /// shows recommendations; items without a recommendation stay Not reviewed.
    AcceptRecommendations,
}

impl Scenario {
    /// Both scenarios, in the order screens show them.
    pub const ALL: [Scenario; 2] = [Scenario::NobodyResponds, Scenario::AcceptRecommendations];

    /// The scenario as screens name it.
    pub fn label(self) -> &'static str {
        match self {
            Scenario::NobodyResponds => "If nobody responds",
            Scenario::AcceptRecommendations => "If everyone accepts the recommendations",
        }
    }
}

/// One stage's figures in a simulation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StageFigures {
    /// Reviewees who reach the stage.
    pub reached: usize,
    /// The decisions recorded in the stage (Not reviewed: none).
    pub decisions: Tally,
    /// Reviewees going on to the next stage.
    pub moved_on: usize,
    /// Reviewees who leave the review at this stage and lose the access.
    pub removed: usize,
    /// Reviewees who leave the review at this stage and keep the access.
    pub kept: usize,
}

/// One scenario's figures over every instance of one occurrence.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Simulation {
    /// Per stage, in order.
    pub stages: Vec<StageFigures>,
    /// Final outcomes of every reviewee.
    pub outcomes: Tally,
    /// Removals Attest could not apply itself (dynamic, on-premises, nested, group-assigned):
    /// included in `removed`, left to be done at the source.
    pub removal_not_supported: usize,
}

impl Simulation {
    /// Accesses removed at the end of the review (outcome Deny).
    pub fn removed(&self) -> usize {
        self.outcomes.denied
    }

    /// Accesses kept: Approve, Don't know, and Not reviewed under "No change".
    pub fn kept(&self) -> usize {
        self.outcomes.total() - self.outcomes.denied
    }
}

/// Both scenarios.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcomes {
    /// If nobody responds.
    pub nobody_responds: Simulation,
    /// If everyone accepts the recommendations.
    pub accept_recommendations: Simulation,
}

impl Outcomes {
    /// The figures of `scenario`.
    pub fn get(&self, scenario: Scenario) -> &Simulation {
        match scenario {
            Scenario::NobodyResponds => &self.nobody_responds,
            Scenario::AcceptRecommendations => &self.accept_recommendations,
        }
    }

    /// Add one instance's reviewees to both scenarios' figures.
    pub fn add_instance(&mut self, def: &ReviewDefinition, inst: &Instance) {
        run(
            def,
            inst,
            Scenario::NobodyResponds,
            &mut self.nobody_responds,
        );
        run(
            def,
            inst,
            Scenario::AcceptRecommendations,
            &mut self.accept_recommendations,
        );
    }
}

/// Both scenarios for the occurrence of `def` that would start at `at` over `dir`: every
/// resource's snapshot, as the instance would take it. Resources missing from the
/// directory add nothing (validation says why).
pub fn simulate(def: &ReviewDefinition, dir: &Directory, at: DateTime<Utc>) -> Outcomes {
    let mut out = Outcomes::default();
    for resource in &def.scope.resources {
        if def.stages.is_empty()
            || dir
                .resource_name(def.scope.resource_kind, resource)
                .is_none()
        {
            continue;
        }
        out.add_instance(def, &snapshot(def, dir, resource, 0, at));
    }
    out
}

/// Walk every reviewee of `inst` through the stages as `scenario` responds.
fn run(def: &ReviewDefinition, inst: &Instance, scenario: Scenario, sim: &mut Simulation) {
    let stages = def.stages.len();
    if sim.stages.len() < stages {
        sim.stages.resize(stages, StageFigures::default());
    }
    // One scratch item, refilled with each reviewee's fields the rules read: no per-item
    // copy of names (a 100,000-reviewee preview recomputes on every wizard change).
    let Some(first) = inst.items.first() else {
        return;
    };
    let mut it = first.clone();
    for original in &inst.items {
        it.decisions = Default::default();
        it.stage = 0;
        it.reviewers = original.reviewers;
        it.fallback = original.fallback;
        it.recommendation.clone_from(&original.recommendation);
        it.not_supported.clone_from(&original.not_supported);
        loop {
            let s = it.stage;
            let figures = &mut sim.stages[s];
            figures.reached += 1;
            it.decisions[s] = response(def, inst, &it, s, scenario);
            figures.decisions.add(it.outcome_in(s));
            let moves = s + 1 < stages
                && def
                    .decisions_to_next_stage
                    .contains(&crate::state::moving_on_by(inst, &it));
            if moves {
                figures.moved_on += 1;
                it.stage += 1;
                continue;
            }
            let outcome = inst.outcome(&it, def.settings.if_no_response);
            sim.outcomes.add(outcome);
            if outcome == Outcome::Deny {
                figures.removed += 1;
                sim.removal_not_supported += usize::from(it.not_supported.is_some());
            } else {
                figures.kept += 1;
            }
            break;
        }
    }
}

/// What `item`'s reviewers record in `stage` under `scenario`: nothing, or its
/// recommendation when the stage shows them and the item has reviewers to accept it.
fn response(
    def: &ReviewDefinition,
    inst: &Instance,
    item: &DecisionItem,
    stage: usize,
    scenario: Scenario,
) -> Option<RecordedDecision> {
    if scenario == Scenario::NobodyResponds {
        return None;
    }
    // Someone must be there to accept; which one does not change the outcome.
    inst.reviewers_of(item, stage).first()?;
    let shown = def.stages.get(stage).is_some_and(|s| s.recommendations);
    let rec = item.recommendation_to_accept(stage, shown)?;
    Some(RecordedDecision {
        decision: rec.decision,
        reviewer: String::new(),
        justification: String::new(),
        at: inst.started,
        source: DecisionSource::AcceptedRecommendation,
    })
}
