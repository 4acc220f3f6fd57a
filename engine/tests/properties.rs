//! Property tests over random definitions and random command sequences: the invariants of
//! SPEC section 4 hold whatever people click.

mod support;

use attest_engine::definition::*;
use attest_engine::directory::ResourceKind;
use attest_engine::event::{Event, ItemDecision};
use attest_engine::instance::{Decision, InstanceStatus};
use attest_engine::{apply, replay, Actor, Command, Context, Record, State};
use proptest::prelude::*;
use support::*;

const USERS: [&str; 8] = [
    "mary", "mike", "olivia", "aaron", "alice", "bob", "carol", "dave",
];

#[derive(Clone, Debug)]
enum Op {
    Decide {
        who: usize,
        item: u32,
        decision: Decision,
        justified: bool,
    },
    Accept {
        who: usize,
    },
    Reset {
        who: usize,
        item: u32,
    },
    StopStage {
        admin: bool,
    },
    StopReview {
        admin: bool,
    },
    Apply {
        admin: bool,
    },
    Advance {
        hours: i64,
    },
}

fn reviewers() -> impl Strategy<Value = Reviewers> {
    prop_oneof![
        Just(Reviewers::Managers),
        Just(Reviewers::ResourceOwners),
        Just(Reviewers::SelfReview),
        Just(Reviewers::SelectedUsers {
            users: vec!["aaron".into(), "mary".into()]
        }),
        Just(Reviewers::GroupMembers {
            group: "g-auditors".into()
        }),
    ]
}

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        Just(Outcome::Approve),
        Just(Outcome::Deny),
        Just(Outcome::DontKnow),
        Just(Outcome::NotReviewed)
    ]
}

fn no_response() -> impl Strategy<Value = NoResponse> {
    prop_oneof![
        Just(NoResponse::NoChange),
        Just(NoResponse::RemoveAccess),
        Just(NoResponse::ApproveAccess),
        Just(NoResponse::TakeRecommendations)
    ]
}

prop_compose! {
    fn definitions()(
        resource in prop_oneof![
            Just((ResourceKind::Group, "g-exception", false)),
            Just((ResourceKind::Group, "g-parent", true)),
            Just((ResourceKind::Application, "app-crm", false)),
            Just((ResourceKind::AccessPackage, "ap-tools", false)),
        ],
        stages in prop::collection::vec((reviewers(), 1u32..4, any::<bool>()), 1..=3),
        show in any::<bool>(),
        next in prop::collection::vec(outcome(), 1..=4),
        no_resp in no_response(),
        justification in any::<bool>(),
        auto_apply in any::<bool>(),
    ) -> ReviewDefinition {
        let (kind, id, transitive) = resource;
        let mut def = definition("p", kind, id);
        def.scope.transitive = transitive;
        def.stages = stages
            .into_iter()
            .map(|(r, days, fallback)| stage(r, if fallback { &["olivia"] } else { &[] }, days))
            .collect();
        def.show_previous_decisions = show && def.stages.len() > 1;
        def.decisions_to_next_stage = next;
        def.settings.if_no_response = no_resp;
        def.settings.justification_required = justification;
        def.settings.auto_apply = auto_apply;
        def
    }
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        6 => (0..USERS.len(), 0u32..6, prop_oneof![Just(Decision::Approve), Just(Decision::Deny), Just(Decision::DontKnow)], any::<bool>())
            .prop_map(|(who, item, decision, justified)| Op::Decide { who, item, decision, justified }),
        1 => (0..USERS.len()).prop_map(|who| Op::Accept { who }),
        1 => (0..USERS.len(), 0u32..6).prop_map(|(who, item)| Op::Reset { who, item }),
        1 => any::<bool>().prop_map(|admin| Op::StopStage { admin }),
        1 => any::<bool>().prop_map(|admin| Op::StopReview { admin }),
        1 => any::<bool>().prop_map(|admin| Op::Apply { admin }),
        2 => (1i64..72).prop_map(|hours| Op::Advance { hours }),
    ];
    prop::collection::vec(op, 1..40)
}

fn actor_for(admin: bool, who: usize) -> Actor {
    if admin {
        support::admin()
    } else {
        as_user(USERS[who % USERS.len()])
    }
}

/// The decisions and resets in a record touch only items assigned to its actor in the
/// stage that was open, judged on the state before the record.
fn only_own_items(before: &State, record: &Record) -> Result<(), String> {
    for e in &record.events {
        let (instance, stage, items): (&str, usize, Vec<u32>) = match e {
            Event::DecisionsRecorded {
                instance,
                stage,
                decisions,
                ..
            } => (instance, *stage, decisions.iter().map(|d| d.item).collect()),
            Event::DecisionsReset {
                instance,
                stage,
                items,
                ..
            } => (instance, *stage, items.clone()),
            _ => continue,
        };
        let user = record
            .actor
            .user_id()
            .ok_or("a decision recorded by a non-user")?;
        let inst = &before.instances[instance];
        if !inst.is_open() || inst.current_stage != stage {
            return Err(format!("decision in a closed stage {stage}"));
        }
        for i in items {
            if !inst.is_reviewer(&inst.items[i as usize], stage, user) {
                return Err(format!("{user} changed item {i}, which is not theirs"));
            }
        }
    }
    Ok(())
}

/// A stage that starts takes only reviewees whose decision in the stage that just ended is
/// in "Reviewees going to the next stage" (Not reviewed when they got none there), judged on
/// the state before the record.
fn only_going_on_move(before: &State, record: &Record) -> Result<(), String> {
    for e in &record.events {
        let Event::StageStarted {
            instance,
            stage,
            items,
            ..
        } = e
        else {
            continue;
        };
        let Some(previous) = stage.checked_sub(1) else {
            continue;
        };
        let inst = &before.instances[instance];
        let going_on = &before.reviews[&inst.definition]
            .definition
            .decisions_to_next_stage;
        for &i in items {
            let decided = inst.items[i as usize].outcome_in(previous);
            if !going_on.contains(&decided) {
                return Err(format!(
                    "item {i} entered stage {} with {decided:?} in stage {previous}, not in {going_on:?}",
                    stage + 1
                ));
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_for_random_reviews(def in definitions(), ops in ops()) {
        let initial_dir = tenant();
        let mut state = State::default();
        let mut log: Vec<Record> = Vec::new();
        let mut now = t0();
        let mut n = 0;
        let mut run = |state: &mut State, log: &mut Vec<Record>, actor: Actor, cmd: Command, now| -> Result<(), String> {
            n += 1;
            let before = state.clone();
            let ctx = Context { actor, now, record_id: format!("r{n}"), reason: None };
            match state.execute(&cmd, &ctx) {
                Ok(Some(record)) => {
                    only_own_items(&before, &record)?;
                    only_going_on_move(&before, &record)?;
                    let mut again = state.clone();
                    apply(&mut again, &record);
                    if &again != state { return Err("a record applied twice changed the state".into()); }
                    log.push(record);
                }
                Ok(None) => {}
                Err(_) => if &before != state { return Err("a refused command changed the state".into()); },
            }
            Ok(())
        };
        run(&mut state, &mut log, admin(), Command::ImportDirectory { directory: Box::new(initial_dir.clone()), source: "t".into() }, now).unwrap();
        if !def.validate(&initial_dir).is_empty() {
            return Ok(()); // e.g. owners of a role: refused at creation, covered elsewhere
        }
        run(&mut state, &mut log, admin(), Command::CreateReview { definition: Box::new(def.clone()) }, now).unwrap();
        let id = format!("p~0~{}", def.scope.resources[0]);
        for op in ops {
            let items = state.instances[&id].items.len().max(1) as u32;
            let (actor, cmd) = match op {
                Op::Decide { who, item, decision, justified } => (actor_for(false, who), Command::RecordDecisions {
                    instance: id.clone(),
                    decisions: vec![ItemDecision { item: item % items, decision, justification: if justified { "needed".into() } else { String::new() } }],
                }),
                Op::Accept { who } => (actor_for(false, who), Command::AcceptRecommendations { instance: id.clone(), items: None, justification: String::new() }),
                Op::Reset { who, item } => (actor_for(false, who), Command::ResetDecisions { instance: id.clone(), items: vec![item % items] }),
                Op::StopStage { admin } => (actor_for(admin, 0), Command::StopCurrentStage { instance: id.clone() }),
                Op::StopReview { admin } => (actor_for(admin, 1), Command::StopReview { instance: id.clone() }),
                Op::Apply { admin } => (actor_for(admin, 2), Command::ApplyResults { instance: id.clone() }),
                Op::Advance { hours } => {
                    now += chrono::Duration::hours(hours);
                    (Actor::System, Command::AdvanceTime)
                }
            };
            run(&mut state, &mut log, Actor::System, Command::AdvanceTime, now).map_err(TestCaseError::fail)?;
            run(&mut state, &mut log, actor, cmd, now).map_err(TestCaseError::fail)?;
            let inst = &state.instances[&id];
            if inst.status != InstanceStatus::Applied {
                prop_assert_eq!(&state.directory, &initial_dir, "access changed before the review was applied");
            }
            prop_assert!(inst.items.iter().all(|it| it.stage <= inst.current_stage));
        }
        let read_back = attest_engine::snapshot::decode(&attest_engine::snapshot::encode(&state));
        prop_assert_eq!(
            read_back.as_ref(),
            Ok(&state),
            "the snapshot does not read back as the state"
        );
        prop_assert_eq!(replay(&log), state, "state rebuilt from the log differs from the live state");
    }
}
