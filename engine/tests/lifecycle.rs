//! Lifecycle and authorization: stages running out, stopping, recurrence, reminders, who
//! may do what, and what a reviewer can see.

mod support;

use attest_engine::definition::*;
use attest_engine::directory::ResourceKind;
use attest_engine::event::{Event, ItemDecision};
use attest_engine::instance::{
    Decision, DecisionSource, InstanceStatus, StageEndReason, StageStatus,
};
use attest_engine::view::{
    my_reviews, reviewer_progress, reviewer_view, stage_progress, ViewError,
};
use attest_engine::{Actor, Command, EngineError};
use support::*;

// One test binary; its parts live in tests/lifecycle/ (a crate root finds modules beside it).
#[path = "lifecycle/reviewers.rs"]
mod reviewers;

const ID: &str = "r~0~g-exception";

fn two_stage() -> ReviewDefinition {
    let mut def = definition("r", ResourceKind::Group, "g-exception");
    def.stages = vec![
        stage(Reviewers::Managers, &["olivia"], 5),
        stage(Reviewers::ResourceOwners, &[], 4),
    ];
    def.decisions_to_next_stage = vec![Outcome::NotReviewed];
    def
}

#[test]
fn stages_run_out_on_the_clock_with_their_scheduled_times() {
    let mut sim = Sim::new(tenant());
    sim.create(two_stage());
    sim.decide(ID, "mary", "alice", Decision::Approve).unwrap();
    // Twenty days later the app opens: both stage deadlines passed, in order.
    sim.advance(days(20));
    let inst = sim.instance(ID);
    assert_eq!(inst.status, InstanceStatus::Completed);
    assert_eq!(
        inst.stages[0].ended,
        Some(t0() + days(5)),
        "stage 1 ended at its deadline"
    );
    assert_eq!(
        inst.stages[1].started,
        Some(t0() + days(5)),
        "stage 2 started at once"
    );
    assert_eq!(inst.stages[1].ended, Some(t0() + days(9)));
    assert_eq!(inst.completed, Some(t0() + days(9)));
    assert_eq!(inst.stages[0].end_reason, Some(StageEndReason::Deadline));
    assert_eq!(
        sim.in_stage(ID, 1),
        names(&["bob", "carol", "dave"]),
        "only not reviewed went on"
    );
    // Nothing changes in the directory until results are applied.
    assert_eq!(sim.state.directory, tenant());
}

#[test]
fn stop_current_stage_and_stop_review() {
    let mut sim = Sim::new(tenant());
    sim.create(two_stage());
    sim.advance(days(1));
    sim.ok(
        &admin(),
        Command::StopCurrentStage {
            instance: ID.into(),
        },
    );
    let inst = sim.instance(ID);
    assert_eq!(inst.current_stage, 1);
    assert_eq!(inst.stages[0].end_reason, Some(StageEndReason::Stopped));
    assert_eq!(
        inst.stages[1].deadline,
        Some(t0() + days(1) + days(4)),
        "next stage runs its own duration from now"
    );
    sim.ok(
        &admin(),
        Command::StopReview {
            instance: ID.into(),
        },
    );
    let inst = sim.instance(ID);
    assert_eq!(
        (inst.status, inst.stopped),
        (InstanceStatus::Completed, true)
    );
    assert_eq!(inst.stages[1].status, StageStatus::Completed);
    // Stopping is irreversible and decisions close.
    for cmd in [
        Command::StopReview {
            instance: ID.into(),
        },
        Command::StopCurrentStage {
            instance: ID.into(),
        },
    ] {
        assert!(matches!(
            sim.run(&admin(), cmd),
            Err(EngineError::WrongStatus { .. })
        ));
    }
    assert!(matches!(
        sim.decide(ID, "olivia", "bob", Decision::Approve),
        Err(EngineError::WrongStatus { .. })
    ));
    sim.ok(
        &admin(),
        Command::ApplyResults {
            instance: ID.into(),
        },
    );
    assert!(
        matches!(
            sim.run(
                &admin(),
                Command::ApplyResults {
                    instance: ID.into()
                }
            ),
            Err(EngineError::WrongStatus { .. })
        ),
        "applied once only"
    );
}

#[test]
fn nobody_moving_on_completes_the_review() {
    let mut sim = Sim::new(tenant());
    let mut def = two_stage();
    def.decisions_to_next_stage = vec![Outcome::Deny];
    sim.create(def);
    sim.ok(
        &admin(),
        Command::StopCurrentStage {
            instance: ID.into(),
        },
    );
    let inst = sim.instance(ID);
    assert_eq!(inst.status, InstanceStatus::Completed);
    assert_eq!(inst.stages[1].end_reason, Some(StageEndReason::NoReviewees));
}

#[test]
fn only_administrators_create_stop_and_apply() {
    let mut sim = Sim::new(tenant());
    let reviewer = as_user("mary");
    let def = two_stage();
    for cmd in [
        Command::CreateReview {
            definition: Box::new(def.clone()),
        },
        Command::SaveDraft {
            definition: Box::new(def.clone()),
        },
        Command::ImportDirectory {
            directory: Box::new(tenant()),
            source: "x".into(),
        },
    ] {
        assert!(matches!(
            sim.run(&reviewer, cmd),
            Err(EngineError::AdministratorOnly { .. })
        ));
    }
    sim.create(def);
    for cmd in [
        Command::StopCurrentStage {
            instance: ID.into(),
        },
        Command::StopReview {
            instance: ID.into(),
        },
        Command::ApplyResults {
            instance: ID.into(),
        },
        Command::EndSeries {
            definition: "r".into(),
        },
    ] {
        assert!(matches!(
            sim.run(&reviewer, cmd.clone()),
            Err(EngineError::AdministratorOnly { .. })
        ));
        assert!(matches!(
            sim.run(&Actor::System, cmd),
            Err(EngineError::AdministratorOnly { .. })
        ));
    }
    // Administrators are not reviewers: they cannot decide on anyone's access.
    let item = sim.item(ID, "alice");
    let decide = Command::RecordDecisions {
        instance: ID.into(),
        decisions: vec![ItemDecision {
            item,
            decision: Decision::Approve,
            justification: "x".into(),
        }],
    };
    assert_eq!(sim.run(&admin(), decide), Err(EngineError::NotAReviewer));
}

#[test]
fn halfway_reminder_goes_only_to_reviewers_with_undecided_items() {
    let mut sim = Sim::new(tenant());
    let mut def = two_stage();
    def.stages[0].duration_days = 6;
    sim.create(def);
    sim.decide(ID, "mike", "carol", Decision::Approve).unwrap();
    sim.advance(days(3));
    let reminders: Vec<_> = sim
        .log
        .iter()
        .flat_map(|r| &r.events)
        .filter_map(|e| match e {
            Event::ReminderSent { reviewers, at, .. } => Some((reviewers.clone(), *at)),
            _ => None,
        })
        .collect();
    assert_eq!(
        reminders,
        vec![(names(&["mary", "olivia"]), t0() + days(3))]
    );
}

#[test]
fn recurrence_starts_each_occurrence_and_stops_after_the_last() {
    let table = [
        (
            Frequency::Weekly,
            ScheduleEnd::AfterOccurrences { count: 3 },
            60,
            vec![0, 7, 14],
        ),
        (
            Frequency::Monthly,
            ScheduleEnd::OnDate {
                date: t0() + days(70),
            },
            200,
            vec![0, 31, 59],
        ),
        (
            Frequency::Quarterly,
            ScheduleEnd::Never,
            200,
            vec![0, 90, 181],
        ),
    ];
    for (frequency, end, horizon, starts) in table {
        let mut def = definition("rec", ResourceKind::Group, "g-exception");
        def.schedule = Schedule {
            start: t0(),
            frequency,
            end,
        };
        def.stages[0].duration_days = 5;
        let mut sim = Sim::new(tenant());
        sim.create(def);
        // A day at a time, as a running app or server does: a jump over several periods
        // starts only the latest occurrence (see `bounded_catch_up.rs`).
        for _ in 0..horizon {
            sim.advance(days(1));
        }
        let got: Vec<i64> = sim
            .state
            .instances
            .values()
            .map(|i| (i.started - t0()).num_days())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(got, starts, "{frequency:?}");
        assert!(
            sim.state
                .instances
                .values()
                .all(|i| i.status == InstanceStatus::Completed),
            "{frequency:?}: all ended"
        );
    }
}

#[test]
fn end_series_stops_future_occurrences() {
    let mut def = definition("rec", ResourceKind::Group, "g-exception");
    def.schedule = Schedule {
        start: t0(),
        frequency: Frequency::Weekly,
        end: ScheduleEnd::Never,
    };
    let mut sim = Sim::new(tenant());
    sim.create(def);
    sim.advance(days(8));
    sim.ok(
        &admin(),
        Command::EndSeries {
            definition: "rec".into(),
        },
    );
    sim.advance(days(30));
    assert_eq!(sim.state.instances.len(), 2);
}

#[test]
fn snapshot_ignores_later_directory_changes() {
    let mut sim = Sim::new(tenant());
    sim.create(two_stage());
    let mut dir = sim.state.directory.clone();
    dir.groups
        .get_mut("g-exception")
        .unwrap()
        .members
        .push(support::u("aaron"));
    dir.users.get_mut("alice").unwrap().manager = Some("mike".into());
    sim.ok(
        &admin(),
        Command::ImportDirectory {
            directory: Box::new(dir),
            source: "later".into(),
        },
    );
    assert_eq!(sim.reviewees(ID), names(&["alice", "bob", "carol", "dave"]));
    assert!(
        sim.decide(ID, "mary", "alice", Decision::Approve).is_ok(),
        "reviewers are snapshotted too"
    );
}

#[test]
fn drafts_are_saved_edited_and_deleted_by_administrators() {
    let mut sim = Sim::new(tenant());
    let mut def = two_stage();
    def.name = String::new(); // drafts may be incomplete
    sim.ok(
        &admin(),
        Command::SaveDraft {
            definition: Box::new(def.clone()),
        },
    );
    def.name = "Quarterly exception review".into();
    sim.ok(
        &admin(),
        Command::SaveDraft {
            definition: Box::new(def.clone()),
        },
    );
    assert_eq!(sim.state.drafts["r"].name, "Quarterly exception review");
    let mut invalid = def.clone();
    invalid.stages.clear();
    assert!(matches!(
        sim.run(
            &admin(),
            Command::CreateReview {
                definition: Box::new(invalid)
            }
        ),
        Err(EngineError::InvalidDefinition { .. })
    ));
    sim.create(def);
    assert!(
        sim.state.drafts.is_empty(),
        "creating from a draft consumes it"
    );
    assert!(matches!(
        sim.run(
            &admin(),
            Command::DeleteDraft {
                definition: "r".into()
            }
        ),
        Err(EngineError::NotFound { .. })
    ));
}

#[test]
fn a_peers_records_are_rechecked_by_deciding_them_again() {
    use attest_engine::replay_check::{recheck_exact, RecheckError};
    let mut sim = Sim::new(tenant());
    sim.create(two_stage());
    let before = sim.state.clone();
    sim.decide(ID, "mary", "alice", Decision::Approve).unwrap();
    let honest = sim.log.last().unwrap().clone();
    assert_eq!(recheck_exact(&before, &honest), Ok(()));
    // The same events claimed by someone who does not review alice are refused.
    let mut forged = honest.clone();
    forged.actor = as_user("mike");
    assert!(matches!(
        recheck_exact(&before, &forged),
        Err(RecheckError::Refused(EngineError::NotYourItem { .. }))
    ));
    let mut forged = honest.clone();
    forged.actor = as_user("mike");
    if let Event::DecisionsRecorded { reviewer, .. } = &mut forged.events[0] {
        *reviewer = "mike".into();
    }
    assert!(recheck_exact(&before, &forged).is_err());
    sim.ok(
        &admin(),
        Command::StopCurrentStage {
            instance: ID.into(),
        },
    );
    assert!(
        recheck_exact(&sim.state, &honest).is_err(),
        "a decision for a closed stage is refused"
    );
}

#[test]
fn prepare_does_not_change_state_and_applies_to_the_same_result() {
    let mut sim = Sim::new(tenant());
    sim.create(two_stage());
    let mut state = sim.state.clone();
    let ctx = |id: &str, actor: Actor, now| attest_engine::Context {
        actor,
        now,
        record_id: id.into(),
        reason: None,
    };
    let item = sim.item(ID, "alice");
    let cmd = Command::RecordDecisions {
        instance: ID.into(),
        decisions: vec![ItemDecision {
            item,
            decision: Decision::Deny,
            justification: String::new(),
        }],
    };
    let record = state
        .prepare(&cmd, &ctx("p1", as_user("mary"), t0()))
        .unwrap()
        .unwrap();
    assert_eq!(state, sim.state, "prepare leaves the state alone");
    attest_engine::apply(&mut state, &record);
    let later = t0() + days(30);
    let advance = state
        .prepare(&Command::AdvanceTime, &ctx("p2", Actor::System, later))
        .unwrap()
        .unwrap();
    let mut executed = state.clone();
    executed
        .execute(&Command::AdvanceTime, &ctx("p2", Actor::System, later))
        .unwrap();
    attest_engine::apply(&mut state, &advance);
    assert_eq!(
        state, executed,
        "applying a prepared time step equals executing it"
    );
    assert_eq!(state.instances[ID].status, InstanceStatus::Completed);
}

/// A log written by a release that carried earlier stages' decisions over still replays, and
/// its instance keeps the outcomes it was decided with; the same log under this release's
/// rule gives Not reviewed in the last stage reached. Nothing stored is rewritten.
#[test]
fn instances_of_earlier_releases_keep_the_rule_they_ran_under() {
    use attest_engine::instance::OutcomeRule;
    use attest_engine::results::results;
    let mut def = two_stage();
    def.stages[0].reviewers = Reviewers::SelfReview;
    def.decisions_to_next_stage = vec![Outcome::Approve];
    def.settings.if_no_response = NoResponse::RemoveAccess;
    let mut sim = Sim::new(tenant());
    sim.create(def);
    sim.decide(ID, "alice", "alice", Decision::Approve).unwrap();
    sim.advance(days(9));
    assert_eq!(sim.instance(ID).status, InstanceStatus::Completed);
    // What an earlier release stored: the started instance without "outcomeRule".
    let old_log: Vec<attest_engine::Record> = sim
        .log
        .iter()
        .map(|record| {
            let mut value = serde_json::to_value(record).unwrap();
            for event in value["events"].as_array_mut().unwrap() {
                if let Some(instance) = event.get_mut("instance").and_then(|i| i.as_object_mut()) {
                    instance.remove("outcomeRule");
                }
            }
            serde_json::from_value(value).expect("an earlier release's record reads")
        })
        .collect();
    let old = attest_engine::replay(&old_log);
    let outcome = |state: &attest_engine::State| {
        let inst = &state.instances[ID];
        results(state, inst, sim.now)
            .into_iter()
            .find(|r| r.user == "alice")
            .unwrap()
            .outcome
    };
    assert_eq!(old.instances[ID].outcome_rule, OutcomeRule::CarriedOver);
    assert_eq!(outcome(&old), Outcome::Approve, "as it was decided then");
    assert_eq!(sim.instance(ID).outcome_rule, OutcomeRule::StageDecision);
    assert_eq!(
        outcome(&sim.state),
        Outcome::Deny,
        "Not reviewed in stage 2: removed"
    );
}

/// Who reads which part of Attest: reviewers their own reviews only, administrators all.
#[test]
fn reviewers_read_only_their_own_reviews() {
    use attest_engine::actor::Area::*;
    let table = [
        (Dashboard, false),
        (Reviews, false),
        (NewReview, false),
        (MyReviews, true),
        (Directory, false),
        (Notifications, false),
        (History, false),
        (Settings, false),
    ];
    for (area, reviewer_reads) in table {
        assert_eq!(
            as_user("mary").may_read(area),
            reviewer_reads,
            "reviewer: {area:?}"
        );
        assert!(admin().may_read(area), "administrator: {area:?}");
        assert!(
            !Actor::System.may_read(area) || area == MyReviews,
            "system: {area:?}"
        );
    }
}

/// The reason given with a command has the same cap in the browser (prepare, execute) as on
/// the sync server (recheck), so nothing is accepted locally that the server would refuse.
#[test]
fn an_over_long_reason_is_refused_before_anything_is_recorded() {
    use attest_engine::limits::MAX_REASON;
    let mut sim = Sim::new(tenant());
    sim.create(two_stage());
    let ctx = |reason: usize| attest_engine::Context {
        actor: admin(),
        now: sim.now,
        record_id: "stop".into(),
        reason: Some("x".repeat(reason)),
    };
    let stop = Command::StopCurrentStage {
        instance: ID.into(),
    };
    assert!(sim.state.prepare(&stop, &ctx(MAX_REASON)).is_ok());
    let too_long = ctx(MAX_REASON + 1);
    let before = sim.state.clone();
    for refused in [
        sim.state.prepare(&stop, &too_long),
        sim.state.prepare_owned(stop.clone(), &too_long),
        sim.state.clone().execute(&stop, &too_long),
    ] {
        assert!(
            matches!(
                refused,
                Err(EngineError::TooLong {
                    max: MAX_REASON,
                    ..
                })
            ),
            "{refused:?}"
        );
    }
    assert_eq!(sim.state, before);
}
