//! The escalation ladder (issue 24): reminders at chosen days before a stage ends, only to
//! reviewers with undecided items, and escalation to the reviewer's manager (or a named
//! person) after the Nth reminder. Reviews without a ladder keep the halfway reminder.

mod support;

use attest_engine::definition::{Ladder, Reviewers};
use attest_engine::directory::ResourceKind;
use attest_engine::event::Event;
use attest_engine::outbox::{outbox, MessageKind};
use attest_engine::view::reviewer_view;
use attest_engine::{Decision, ReviewDefinition};
use chrono::{DateTime, Utc};
use support::*;

const INST: &str = "r~0~g-exception";

/// Managers review g-exception: alice and bob -> mary, carol -> mike, dave (no manager) ->
/// the fallback olivia. mike's manager is aaron, olivia's is mary.
fn sim_with(ladder: Option<Ladder>) -> Sim {
    let mut dir = tenant();
    dir.users.get_mut("mike").unwrap().manager = Some("aaron".into());
    dir.users.get_mut("olivia").unwrap().manager = Some("mary".into());
    let mut sim = Sim::new(dir);
    let mut def: ReviewDefinition = definition("r", ResourceKind::Group, "g-exception");
    def.stages = vec![stage(Reviewers::Managers, &["olivia"], 7)];
    def.settings.escalation = ladder;
    sim.create(def);
    sim
}

fn reminders(sim: &Sim) -> Vec<(DateTime<Utc>, Vec<String>)> {
    sim.log
        .iter()
        .flat_map(|r| &r.events)
        .filter_map(|e| match e {
            Event::ReminderSent { at, reviewers, .. } => Some((*at, reviewers.clone())),
            _ => None,
        })
        .collect()
}

fn escalations(sim: &Sim) -> Vec<(DateTime<Utc>, String, String, Vec<String>)> {
    let inst = sim.instance(INST);
    sim.log
        .iter()
        .flat_map(|r| &r.events)
        .filter_map(|e| match e {
            Event::Escalated {
                at,
                reviewer,
                to,
                items,
                ..
            } => Some((
                *at,
                reviewer.clone(),
                to.clone(),
                items
                    .iter()
                    .map(|&i| inst.items[i as usize].user.clone())
                    .collect(),
            )),
            _ => None,
        })
        .collect()
}

fn ladder(after: Option<u32>, to: Option<&str>) -> Ladder {
    Ladder {
        days_before: vec![5, 3, 1],
        escalate_after: after,
        escalate_to: to.map(Into::into),
    }
}

#[test]
fn the_ladder_reminds_only_reviewers_with_undecided_items() {
    let mut sim = sim_with(Some(ladder(None, None)));
    // mary decides both her reviewees before the first rung (day 2 of 7).
    sim.now = t0() + days(1);
    sim.decide(INST, "mary", "alice", Decision::Approve)
        .unwrap();
    sim.decide(INST, "mary", "bob", Decision::Deny).unwrap();
    // mike decides carol between the second rung (day 4) and the third (day 6).
    sim.advance(days(4));
    sim.decide(INST, "mike", "carol", Decision::Approve)
        .unwrap();
    sim.advance(days(3));
    assert_eq!(
        reminders(&sim),
        vec![
            (t0() + days(2), names(&["mike", "olivia"])),
            (t0() + days(4), names(&["mike", "olivia"])),
            (t0() + days(6), names(&["olivia"])),
        ]
    );
    assert!(escalations(&sim).is_empty());
}

#[test]
fn escalation_after_the_nth_reminder_goes_to_the_manager_or_the_named_person() {
    // (ladder, escalations expected at the second rung)
    let cases = [
        (
            ladder(Some(2), None),
            vec![
                (
                    t0() + days(4),
                    "mike".to_string(),
                    "aaron".to_string(),
                    names(&["carol"]),
                ),
                (
                    t0() + days(4),
                    "olivia".to_string(),
                    "mary".to_string(),
                    names(&["dave"]),
                ),
            ],
        ),
        (
            ladder(Some(2), Some("mike")),
            // mike is not escalated to himself; olivia's item goes to mike.
            vec![(
                t0() + days(4),
                "olivia".to_string(),
                "mike".to_string(),
                names(&["dave"]),
            )],
        ),
        (ladder(Some(4), None), vec![]),
    ];
    for (l, expected) in cases {
        let mut sim = sim_with(Some(l.clone()));
        sim.now = t0() + days(1);
        sim.decide(INST, "mary", "alice", Decision::Approve)
            .unwrap();
        sim.decide(INST, "mary", "bob", Decision::Approve).unwrap();
        sim.advance(days(4));
        assert_eq!(escalations(&sim), expected, "{l:?}");
        for (_, _, to, users) in &expected {
            let view = reviewer_view(&sim.state, INST, 0, to).unwrap();
            let rows: Vec<&str> = view.rows.iter().map(|r| r.user.as_str()).collect();
            for u in users {
                assert!(rows.contains(&u.as_str()), "{to} sees {rows:?}");
            }
        }
        let sent = outbox(&sim.state, &sim.log)
            .into_iter()
            .filter(|m| m.kind == MessageKind::Escalation)
            .count();
        assert_eq!(sent, expected.len());
    }
}

#[test]
fn the_person_escalated_to_can_decide_and_then_is_no_longer_reminded_for_it() {
    let mut sim = sim_with(Some(ladder(Some(2), None)));
    sim.now = t0() + days(1);
    sim.decide(INST, "mary", "alice", Decision::Approve)
        .unwrap();
    sim.decide(INST, "mary", "bob", Decision::Approve).unwrap();
    sim.advance(days(4));
    sim.decide(INST, "aaron", "carol", Decision::Deny).unwrap();
    sim.advance(days(2));
    // Third rung: only dave is undecided (olivia, and mary by escalation).
    assert_eq!(
        reminders(&sim).last().unwrap(),
        &(t0() + days(6), names(&["mary", "olivia"]))
    );
}

#[test]
fn without_a_ladder_the_halfway_reminder_is_unchanged() {
    let mut sim = sim_with(None);
    sim.advance(days(8));
    assert_eq!(
        reminders(&sim),
        vec![(
            t0() + days(3) + chrono::Duration::hours(12),
            names(&["mary", "mike", "olivia"])
        )]
    );
}
