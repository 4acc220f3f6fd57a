//! Handing items over: reassignment and escalation rewrite an instance's reviewer sets;
//! delegation is a window (`State::delegations`, opened and closed by the clock) read through
//! `State::stand_in` whenever the engine asks who reviews an item now.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::State;
use crate::event::Event;
use crate::instance::{DecisionItem, Instance};

/// A reviewer's delegate for a date range. `active` is set and cleared by the clock
/// (`DelegationStarted` / `DelegationEnded`), so what a reviewer sees needs no clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delegation {
    /// Who decides meanwhile.
    pub delegate: String,
    /// When it starts.
    pub from: DateTime<Utc>,
    /// When it ends.
    pub until: DateTime<Utc>,
    /// Why.
    pub reason: String,
    /// Between its start and its end.
    pub active: bool,
}

impl State {
    /// Whether `stage` of `inst` is a self-review (never reassigned or delegated).
    pub fn is_self_review(&self, inst: &Instance, stage: usize) -> bool {
        self.definition_of(inst)
            .stages
            .get(stage)
            .is_some_and(|s| s.reviewers == crate::definition::Reviewers::SelfReview)
    }

    /// Who decides for reviewer `r` on `item` now: their active delegate, unless the stage
    /// is a self-review or the item is the delegate's own access (independence).
    pub fn stand_in<'a>(
        &'a self,
        inst: &Instance,
        item: &DecisionItem,
        stage: usize,
        r: &'a str,
    ) -> &'a str {
        match self.delegations.get(r) {
            Some(d) if d.active && item.user != d.delegate && !self.is_self_review(inst, stage) => {
                &d.delegate
            }
            _ => r,
        }
    }

    /// Who reviews `item` in `stage` now, delegations followed (one level: a delegate's
    /// own delegation does not pass on items delegated to them).
    pub fn reviewers_now(&self, inst: &Instance, item: &DecisionItem, stage: usize) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in inst.reviewers_of(item, stage) {
            let who = self.stand_in(inst, item, stage, r);
            if !out.iter().any(|o| o == who) {
                out.push(who.to_string());
            }
        }
        out
    }

    /// Whether `user` reviews `item` in `stage` now (the rule the reviewer view, decisions,
    /// reminders and reviewer links share).
    pub fn reviews_item(
        &self,
        inst: &Instance,
        item: &DecisionItem,
        stage: usize,
        user: &str,
    ) -> bool {
        item.stage == stage
            && inst
                .reviewers_of(item, stage)
                .iter()
                .any(|r| self.stand_in(inst, item, stage, r) == user)
    }
}

/// Fold a hand-over event (reassignment, escalation, delegation) into the state.
pub(super) fn apply(state: &mut State, event: &Event) {
    match event {
        Event::ItemsReassigned {
            instance,
            stage,
            from,
            to,
            items,
            ..
        } => {
            if let Some(inst) = state.instances.get_mut(instance) {
                hand_over(inst, *stage, items, Some(from), to);
            }
        }
        Event::Escalated {
            instance,
            stage,
            to,
            items,
            ..
        } => {
            if let Some(inst) = state.instances.get_mut(instance) {
                hand_over(inst, *stage, items, None, to);
            }
        }
        Event::DelegationSet {
            reviewer,
            delegate,
            from,
            until,
            reason,
        } => {
            state.delegations.insert(
                reviewer.clone(),
                Delegation {
                    delegate: delegate.clone(),
                    from: *from,
                    until: *until,
                    reason: reason.clone(),
                    active: false,
                },
            );
        }
        Event::DelegationStarted { reviewer, .. } => {
            if let Some(d) = state.delegations.get_mut(reviewer) {
                d.active = true;
            }
        }
        Event::DelegationEnded { reviewer, .. } => {
            state.delegations.remove(reviewer);
        }
        _ => {}
    }
}

/// Replace `from` by `to` in the items' reviewer sets of `stage` (None: add `to`).
fn hand_over(inst: &mut Instance, stage: usize, items: &[u32], from: Option<&String>, to: &str) {
    for &i in items {
        let Some(item) = inst.items.get(i as usize) else {
            continue;
        };
        let mut set: Vec<String> = inst
            .reviewers_of(item, stage)
            .iter()
            .filter(|r| Some(*r) != from)
            .cloned()
            .collect();
        if !set.iter().any(|r| r == to) {
            set.push(to.to_string());
        }
        inst.set_reviewers(i as usize, stage, set);
    }
}
