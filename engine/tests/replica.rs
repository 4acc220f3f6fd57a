//! Two replicas writing to one log in random interleavings, each following the optimistic
//! rule of `replica`: decide on the state at a position, append only if the log is still
//! there, otherwise fold what was missed and decide again. Whatever the interleaving, every
//! record in the log is valid at its position and every replica's state is the replay of
//! the log it has read.

mod support;

use attest_engine::event::{Event, ItemDecision};
use attest_engine::instance::Decision;
use attest_engine::replay_check::recheck_exact;
use attest_engine::replica::{already_in_order, rebase, Appended, Dropped, MemoryLog, Replica};
use attest_engine::{replay, Actor, Command, Context, EngineError, Record, State};
use chrono::{DateTime, Utc};
use proptest::prelude::*;
use support::*;

const REVIEWERS: [&str; 3] = ["aaron", "mary", "olivia"];

#[derive(Clone, Debug)]
enum Op {
    /// Writer `w` decides a command on its state (the record is now in flight).
    Start { w: usize, cmd: Cmd },
    /// Writer `w`'s record in flight reaches the log.
    Land { w: usize },
    /// Writer `w` reads what others appended (another tab's broadcast).
    Follow { w: usize },
    /// The clock moves on.
    Wait { hours: i64 },
}

#[derive(Clone, Debug)]
enum Cmd {
    Decide {
        who: usize,
        item: u32,
        approve: bool,
    },
    StopStage,
    StopReview,
    Apply,
    Advance,
}

/// A command decided but not yet appended, with what it takes to decide it again.
struct InFlight {
    cmd: Command,
    ctx: Context,
    record: Record,
    decided_at: u64,
}

struct Writer {
    replica: Replica,
    in_flight: Option<InFlight>,
    refused: Vec<EngineError>,
}

impl Writer {
    /// Decides `cmd` on this writer's state; refused commands are remembered (the person
    /// would see why), commands with nothing to do change nothing.
    fn start(&mut self, cmd: Command, ctx: Context) {
        match self.replica.state.prepare(&cmd, &ctx) {
            Ok(Some(record)) => {
                self.in_flight = Some(InFlight {
                    cmd,
                    ctx,
                    record,
                    decided_at: self.replica.position,
                })
            }
            Ok(None) => {}
            Err(e) => self.refused.push(e),
        }
    }

    /// Offers the record in flight to the log: stored and folded, or the missed records
    /// folded and the command decided again (in flight again, or refused).
    fn land(&mut self, log: &mut MemoryLog) {
        let Some(f) = self.in_flight.take() else {
            return;
        };
        match log.append_at(f.record.clone(), f.decided_at) {
            Appended::At(position) => {
                self.replica.fold(vec![attest_engine::replica::Logged {
                    position,
                    record: f.record,
                }]);
            }
            Appended::Behind(missed) => {
                self.replica.fold(missed);
                self.start(f.cmd, f.ctx);
            }
        }
    }
}

fn cmd() -> impl Strategy<Value = Cmd> {
    prop_oneof![
        6 => (0..REVIEWERS.len(), 0u32..8, any::<bool>())
            .prop_map(|(who, item, approve)| Cmd::Decide { who, item, approve }),
        2 => Just(Cmd::StopStage),
        1 => Just(Cmd::StopReview),
        1 => Just(Cmd::Apply),
        1 => Just(Cmd::Advance),
    ]
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        4 => (0..2usize, cmd()).prop_map(|(w, cmd)| Op::Start { w, cmd }),
        4 => (0..2usize).prop_map(|w| Op::Land { w }),
        1 => (0..2usize).prop_map(|w| Op::Follow { w }),
        1 => (1i64..100).prop_map(|hours| Op::Wait { hours }),
    ];
    prop::collection::vec(op, 1..60)
}

/// A record is valid at its position when deciding its command there, as its actor at its
/// time, gives exactly its events (the clock's records: when running the time loop does).
fn valid_at(before: &State, record: &Record) -> Result<(), String> {
    if record.actor == Actor::System {
        let ctx = Context {
            actor: Actor::System,
            now: record.at,
            record_id: record.id.clone(),
            reason: None,
        };
        let again = before.clone().execute(&Command::AdvanceTime, &ctx);
        return match again {
            Ok(Some(r)) if r.events == record.events => Ok(()),
            other => Err(format!(
                "the clock's record {} is not what was due: {other:?}",
                record.id
            )),
        };
    }
    for e in &record.events {
        if let Event::DecisionsRecorded {
            instance, stage, ..
        } = e
        {
            let inst = &before.instances[instance];
            if !inst.is_open() || inst.current_stage != *stage {
                return Err(format!(
                    "{} records a decision in closed stage {stage}",
                    record.id
                ));
            }
        }
    }
    recheck_exact(before, record)
        .map_err(|e| format!("{} is not valid where it landed: {e}", record.id))
}

fn setup(def: attest_engine::ReviewDefinition, now: DateTime<Utc>) -> (MemoryLog, State) {
    let mut state = State::default();
    let mut log = MemoryLog::default();
    for (n, cmd) in [
        Command::ImportDirectory {
            directory: Box::new(tenant()),
            source: "t".into(),
        },
        Command::CreateReview {
            definition: Box::new(def),
        },
    ]
    .into_iter()
    .enumerate()
    {
        let ctx = Context {
            actor: admin(),
            now,
            record_id: format!("setup-{n}"),
            reason: None,
        };
        let record = state.execute(&cmd, &ctx).unwrap().unwrap();
        log.append(record);
    }
    (log, state)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn two_replicas_on_one_log_stay_the_fold_of_a_valid_log(stages in 1usize..=3, ops in ops()) {
        let mut def = definition("race", attest_engine::directory::ResourceKind::Group, "g-exception");
        def.stages = (0..stages)
            .map(|_| stage(attest_engine::definition::Reviewers::SelectedUsers { users: REVIEWERS.iter().map(|r| r.to_string()).collect() }, &[], 3))
            .collect();
        def.decisions_to_next_stage = vec![
            attest_engine::definition::Outcome::Approve,
            attest_engine::definition::Outcome::Deny,
            attest_engine::definition::Outcome::NotReviewed,
        ];
        let mut now = t0();
        let (mut log, state) = setup(def, now);
        let instance = "race~0~g-exception".to_string();
        let replica = Replica { state, position: log.position() };
        let mut writers: Vec<Writer> = (0..2)
            .map(|_| Writer { replica: replica.clone(), in_flight: None, refused: Vec::new() })
            .collect();
        let mut n = 0;
        for op in ops {
            match op {
                Op::Start { w, cmd } => {
                    if writers[w].in_flight.is_some() {
                        continue;
                    }
                    let items = writers[w].replica.state.instances[&instance].items.len().max(1) as u32;
                    let (actor, command) = match cmd {
                        Cmd::Decide { who, item, approve } => (
                            as_user(REVIEWERS[who]),
                            Command::RecordDecisions {
                                instance: instance.clone(),
                                decisions: vec![ItemDecision {
                                    item: item % items,
                                    decision: if approve { Decision::Approve } else { Decision::Deny },
                                    justification: "needed".into(),
                                }],
                            },
                        ),
                        Cmd::StopStage => (admin(), Command::StopCurrentStage { instance: instance.clone() }),
                        Cmd::StopReview => (admin(), Command::StopReview { instance: instance.clone() }),
                        Cmd::Apply => (admin(), Command::ApplyResults { instance: instance.clone() }),
                        Cmd::Advance => (Actor::System, Command::AdvanceTime),
                    };
                    n += 1;
                    let ctx = Context { actor, now, record_id: format!("w{w}-{n}"), reason: None };
                    writers[w].start(command, ctx);
                }
                Op::Land { w } => writers[w].land(&mut log),
                Op::Follow { w } => {
                    let missed = log.after(writers[w].replica.position);
                    writers[w].replica.fold(missed);
                }
                Op::Wait { hours } => now += chrono::Duration::hours(hours),
            }
        }
        // Everything in flight lands (a retry may put it in flight again), then both follow.
        for _ in 0..10 {
            for w in &mut writers {
                w.land(&mut log);
            }
        }
        prop_assert!(writers.iter().all(|w| w.in_flight.is_none()), "a retry loop did not end");
        let records: Vec<Record> = log.entries.iter().map(|e| e.record.clone()).collect();
        let mut before = State::default();
        for record in &records {
            valid_at(&before, record).map_err(TestCaseError::fail)?;
            attest_engine::apply(&mut before, record);
        }
        let replayed = replay(&records);
        for (i, w) in writers.iter_mut().enumerate() {
            let missed = log.after(w.replica.position);
            w.replica.fold(missed);
            prop_assert_eq!(w.replica.position, log.position());
            prop_assert!(w.replica.state == replayed, "writer {} is not the replay of the log", i);
        }
    }
}

#[test]
fn a_decision_decided_before_stop_current_stage_landed_is_refused_with_the_reason() {
    let mut def = definition(
        "race",
        attest_engine::directory::ResourceKind::Group,
        "g-exception",
    );
    def.stages = vec![stage(
        attest_engine::definition::Reviewers::SelectedUsers {
            users: vec!["aaron".into()],
        },
        &[],
        3,
    )];
    let (mut log, state) = setup(def, t0());
    let replica = Replica {
        state,
        position: log.position(),
    };
    let mut reviewer = Writer {
        replica: replica.clone(),
        in_flight: None,
        refused: vec![],
    };
    let mut administrator = Writer {
        replica,
        in_flight: None,
        refused: vec![],
    };
    let instance = "race~0~g-exception".to_string();
    let ctx = |actor, id: &str| Context {
        actor,
        now: t0(),
        record_id: id.into(),
        reason: None,
    };
    reviewer.start(
        Command::RecordDecisions {
            instance: instance.clone(),
            decisions: vec![ItemDecision {
                item: 0,
                decision: Decision::Approve,
                justification: "needed".into(),
            }],
        },
        ctx(as_user("aaron"), "decision"),
    );
    administrator.start(
        Command::StopCurrentStage {
            instance: instance.clone(),
        },
        ctx(admin(), "stop"),
    );
    administrator.land(&mut log);
    reviewer.land(&mut log);
    assert!(reviewer.in_flight.is_none());
    assert_eq!(
        log.entries
            .iter()
            .map(|e| e.record.id.as_str())
            .collect::<Vec<_>>(),
        ["setup-0", "setup-1", "stop"],
        "the decision did not land after the stop"
    );
    assert_eq!(
        reviewer.refused.len(),
        1,
        "the reviewer is told: {:?}",
        reviewer.refused
    );
    assert!(
        reviewer.refused[0]
            .to_string()
            .contains("decisions can no longer be changed"),
        "the reason says the review was closed: {}",
        reviewer.refused[0]
    );
    assert_eq!(
        reviewer.replica.state,
        replay(log.entries.iter().map(|e| &e.record))
    );
}

/// The command `cmd` stands for on `instance` (with `items` items), and who issues it.
fn command_for(cmd: Cmd, instance: &str, items: u32) -> (Actor, Command) {
    let instance = instance.to_string();
    match cmd {
        Cmd::Decide { who, item, approve } => (
            as_user(REVIEWERS[who]),
            Command::RecordDecisions {
                instance,
                decisions: vec![ItemDecision {
                    item: item % items.max(1),
                    decision: if approve {
                        Decision::Approve
                    } else {
                        Decision::Deny
                    },
                    justification: "needed".into(),
                }],
            },
        ),
        Cmd::StopStage => (admin(), Command::StopCurrentStage { instance }),
        Cmd::StopReview => (admin(), Command::StopReview { instance }),
        Cmd::Apply => (admin(), Command::ApplyResults { instance }),
        Cmd::Advance => (Actor::System, Command::AdvanceTime),
    }
}

/// Runs `cmds` one after another on `state` (refused ones change nothing), as `side`, an
/// hour apart from `now`; returns the records made.
fn run_side(state: &mut State, side: &str, cmds: Vec<Cmd>, instance: &str) -> Vec<Record> {
    let mut now = t0();
    let mut records = Vec::new();
    for (n, cmd) in cmds.into_iter().enumerate() {
        now += chrono::Duration::hours(1);
        let items = state.instances[instance].items.len() as u32;
        let (actor, command) = command_for(cmd, instance, items);
        let ctx = Context {
            actor,
            now,
            record_id: format!("{side}-{n}"),
            reason: None,
        };
        if let Ok(Some(record)) = state.execute(&command, &ctx) {
            records.push(record);
        }
    }
    records
}

fn rebase_setup(stages: usize) -> (MemoryLog, State, String) {
    let mut def = definition(
        "race",
        attest_engine::directory::ResourceKind::Group,
        "g-exception",
    );
    def.stages = (0..stages)
        .map(|_| {
            stage(
                attest_engine::definition::Reviewers::SelectedUsers {
                    users: REVIEWERS.iter().map(|r| r.to_string()).collect(),
                },
                &[],
                3,
            )
        })
        .collect();
    let (log, state) = setup(def, t0());
    (log, state, "race~0~g-exception".to_string())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// A browser's unsent records rebased behind the server's: the server's come first in
    /// its order, every record of the new log is valid at its position, the state is its
    /// replay, and each unsent record is kept (decided again) or dropped with a reason —
    /// never both, and the clock's never kept.
    #[test]
    fn unsent_records_rebased_behind_the_servers_make_a_valid_log(
        stages in 1usize..=3,
        server in prop::collection::vec(cmd(), 0..15),
        local in prop::collection::vec(cmd(), 0..15),
    ) {
        let (log, common, instance) = rebase_setup(stages);
        let pulled = run_side(&mut common.clone(), "server", server, &instance);
        let pending = run_side(&mut common.clone(), "local", local, &instance);
        let rebased = rebase(common.clone(), pulled.clone(), pending.clone(), &[]);
        prop_assert_eq!(&rebased.records[..rebased.confirmed], &pulled[..]);
        let mut records: Vec<Record> = log.entries.iter().map(|e| e.record.clone()).collect();
        records.extend(rebased.records.iter().cloned());
        let mut before = State::default();
        for record in &records {
            valid_at(&before, record).map_err(TestCaseError::fail)?;
            attest_engine::apply(&mut before, record);
        }
        prop_assert!(rebased.state == replay(&records), "the state is not the replay of the log");
        for record in &pending {
            let kept = rebased.records[rebased.confirmed..].iter().any(|r| r.id == record.id);
            let dropped = rebased.dropped.iter().any(|d| d.id == record.id);
            prop_assert!(!(kept && dropped), "{} both kept and dropped", record.id);
            prop_assert!(!(kept && record.actor == Actor::System), "the clock's {} kept", record.id);
            prop_assert!(rebased.dropped.iter().all(|d| !d.reason.is_empty()));
        }
    }
}

#[test]
fn a_local_decision_behind_the_servers_stop_is_dropped_with_the_engines_reason() {
    let (_, common, instance) = rebase_setup(1);
    let pulled = run_side(
        &mut common.clone(),
        "server",
        vec![Cmd::StopStage],
        &instance,
    );
    let pending = run_side(
        &mut common.clone(),
        "local",
        vec![
            Cmd::Decide {
                who: 0,
                item: 0,
                approve: true,
            },
            Cmd::Decide {
                who: 1,
                item: 1,
                approve: false,
            },
        ],
        &instance,
    );
    assert_eq!(pending.len(), 2);
    let rebased = rebase(common.clone(), pulled.clone(), pending, &[]);
    assert_eq!(rebased.records, pulled, "only the server's stop stays");
    assert_eq!(rebased.confirmed, 1);
    assert_eq!(
        rebased
            .dropped
            .iter()
            .map(|d| d.id.as_str())
            .collect::<Vec<_>>(),
        ["local-0", "local-1"]
    );
    assert!(
        rebased.dropped[0]
            .reason
            .contains("decisions can no longer be changed"),
        "{}",
        rebased.dropped[0].reason
    );
}

#[test]
fn records_the_server_holds_already_or_refused_are_not_kept_twice() {
    let (_, common, instance) = rebase_setup(1);
    let pending = run_side(
        &mut common.clone(),
        "local",
        vec![
            Cmd::Decide {
                who: 0,
                item: 0,
                approve: true,
            },
            Cmd::Decide {
                who: 1,
                item: 1,
                approve: false,
            },
        ],
        &instance,
    );
    // The server took the first as it is: it is the pulled one, in place.
    let pulled = vec![pending[0].clone()];
    assert_eq!(already_in_order(&pending, &pulled), Some(1));
    let rebased = rebase(common.clone(), pulled.clone(), pending.clone(), &[]);
    assert_eq!(rebased.records, pending);
    assert!(rebased.dropped.is_empty());
    // The server stamped its own time on it: its version replaces the local one, silently.
    let mut theirs = pending[0].clone();
    theirs.at += chrono::Duration::minutes(1);
    theirs.reason = Some("stamped by the server".into());
    assert_eq!(already_in_order(&pending, &[theirs.clone()]), None);
    let rebased = rebase(common.clone(), vec![theirs.clone()], pending.clone(), &[]);
    assert_eq!(rebased.records, vec![theirs, pending[1].clone()]);
    assert!(rebased.dropped.is_empty(), "{:?}", rebased.dropped);
    // Refused by the server: dropped with the server's reason, without deciding again.
    let why = Dropped {
        id: pending[1].id.clone(),
        reason: "refused: the server said no".into(),
    };
    let rebased = rebase(common, vec![], pending.clone(), std::slice::from_ref(&why));
    assert_eq!(rebased.records, vec![pending[0].clone()]);
    assert_eq!(rebased.dropped, vec![why]);
}
