//! Closed-loop remediation: every status transition of a denied item as a table (apply,
//! imports that show the access gone or still there, manual tasks, evidence, done
//! externally, overdue), who may do it, and the Graph write-back plan checked field by
//! field against the request shapes of Graph v1.0's documentation.

mod support;

use std::collections::BTreeSet;

use attest_engine::definition::*;
use attest_engine::directory::*;
use attest_engine::instance::{Decision, NotSupported};
use attest_engine::remediation::{
    counts, remediation, Blocker, FileDigest, ItemRef, RemediationItem, Status,
};
use attest_engine::writeback::{complete, plan, MAX_BATCH};
use attest_engine::{Actor, Command, EngineError};
use serde_json::json;
use support::*;

#[path = "remediation/writeback.rs"]
mod writeback;

/// What happens next in a scenario, after the review was applied.
#[derive(Clone)]
enum Step {
    /// Import the directory as Attest holds it (every removal done).
    ImportAsApplied,
    /// Import the tenant as it was before apply (no removal happened).
    ImportUnchanged,
    /// Import the directory Attest holds, then change it.
    ImportChanged(fn(&mut Directory)),
    Assign {
        owner: &'static str,
        due_in_days: i64,
    },
    Evidence(&'static str),
    Done,
    Wait(i64),
}

struct Case {
    name: &'static str,
    definition: fn() -> ReviewDefinition,
    /// Who the resource owner (olivia) denies.
    deny: &'static str,
    /// The status right after Apply results.
    applied: Status,
    blocker: Option<Blocker>,
    steps: Vec<(Step, Status)>,
}

fn group_review(resource: &'static str) -> ReviewDefinition {
    definition("rv", ResourceKind::Group, resource)
}

fn instance_of(def: &ReviewDefinition) -> String {
    format!("{}~0~{}", def.id, def.scope.resources[0])
}

/// Create, deny, let the stage run out, apply: the simulator and the denied item.
fn applied(def: ReviewDefinition, deny: &str) -> (Sim, ItemRef) {
    let mut sim = Sim::new(tenant());
    let inst = instance_of(&def);
    sim.create(def);
    sim.decide(&inst, "olivia", deny, Decision::Deny).unwrap();
    sim.advance(days(8));
    sim.ok(
        &admin(),
        Command::ApplyResults {
            instance: inst.clone(),
        },
    );
    let item = sim.item(&inst, deny);
    (
        sim,
        ItemRef {
            instance: inst,
            item,
        },
    )
}

fn status_of(sim: &Sim, at: &ItemRef) -> RemediationItem {
    remediation(&sim.state, &sim.log, sim.now)
        .into_iter()
        .find(|it| &it.at == at)
        .expect("a denied item is tracked")
}

fn import(sim: &mut Sim, directory: Directory) {
    sim.ok(
        &admin(),
        Command::ImportDirectory {
            directory: Box::new(directory),
            source: "graph export".into(),
        },
    );
}

fn run_step(sim: &mut Sim, at: &ItemRef, step: &Step) {
    match step {
        Step::ImportAsApplied => {
            let dir = sim.state.directory.clone();
            import(sim, dir)
        }
        Step::ImportUnchanged => import(sim, tenant()),
        Step::ImportChanged(change) => {
            let mut dir = sim.state.directory.clone();
            change(&mut dir);
            import(sim, dir)
        }
        Step::Assign { owner, due_in_days } => sim.ok(
            &admin(),
            Command::AssignRemediation {
                items: vec![at.clone()],
                owner: owner.to_string(),
                due: sim.now + days(*due_in_days),
            },
        ),
        Step::Evidence(comment) => sim.ok(
            &admin(),
            Command::RecordRemediationEvidence {
                item: at.clone(),
                comment: comment.to_string(),
                file: Some(FileDigest {
                    name: "ticket.pdf".into(),
                    sha256: "ab".repeat(32),
                }),
            },
        ),
        Step::Done => sim.ok(
            &admin(),
            Command::MarkRemediationDone {
                items: vec![at.clone()],
                comment: "removed in Active Directory".into(),
            },
        ),
        Step::Wait(n) => sim.advance(days(*n)),
    }
}

fn add_member(group: &'static str, user: &'static str) -> impl Fn(&mut Directory) {
    move |d| {
        d.groups
            .get_mut(group)
            .unwrap()
            .members
            .push(Principal::User(user.into()))
    }
}

fn remove_member(group: &'static str, user: &'static str) -> impl Fn(&mut Directory) {
    move |d| {
        d.groups
            .get_mut(group)
            .unwrap()
            .members
            .retain(|m| m != &Principal::User(user.into()))
    }
}

/// Roles have no owners: olivia reviews them as a selected user.
fn role_review() -> ReviewDefinition {
    let mut def = definition("rv", ResourceKind::DirectoryRole, "role-ga");
    def.stages = vec![stage(
        Reviewers::SelectedUsers {
            users: vec!["olivia".into()],
        },
        &[],
        7,
    )];
    def
}

fn cases() -> Vec<Case> {
    use Status::*;
    vec![
        Case {
            name: "removed by apply, verified by an import, re-added by a later import: reopens",
            definition: || group_review("g-exception"),
            deny: "bob",
            applied: Applied,
            blocker: None,
            steps: vec![
                (Step::ImportAsApplied, VerifiedRemoved),
                (
                    Step::ImportChanged(|d| add_member("g-exception", "bob")(d)),
                    CameBack,
                ),
                (
                    Step::ImportChanged(|d| remove_member("g-exception", "bob")(d)),
                    VerifiedRemoved,
                ),
            ],
        },
        Case {
            name: "removed by apply but the next import still has it: still present, then a task",
            definition: || group_review("g-exception"),
            deny: "bob",
            applied: Applied,
            blocker: None,
            steps: vec![
                (Step::ImportUnchanged, StillPresent),
                (
                    Step::Assign {
                        owner: "olivia",
                        due_in_days: 5,
                    },
                    StillPresent,
                ),
                (Step::Wait(6), Overdue),
                (Step::Done, DoneExternally),
                // Done by the owner's word, but the import still shows it, past the due date.
                (Step::ImportUnchanged, Overdue),
                (Step::Done, DoneExternally),
                (
                    Step::ImportChanged(|d| {
                        d.groups
                            .get_mut("g-exception")
                            .unwrap()
                            .members
                            .retain(|m| m != &Principal::User("bob".into()))
                    }),
                    VerifiedRemoved,
                ),
            ],
        },
        Case {
            name: "dynamic group: a manual task, done externally, verified by the next import",
            definition: || group_review("g-dynamic"),
            deny: "alice",
            applied: CannotBeApplied,
            blocker: Some(Blocker::NotSupported {
                reason: NotSupported::DynamicGroup,
            }),
            steps: vec![
                (Step::ImportUnchanged, CannotBeApplied),
                (
                    Step::Assign {
                        owner: "olivia",
                        due_in_days: 10,
                    },
                    ManualTask,
                ),
                (
                    Step::Evidence("rule changed to exclude contractors"),
                    ManualTask,
                ),
                (Step::Wait(11), Overdue),
                (Step::Done, DoneExternally),
                (
                    Step::ImportChanged(|d| {
                        d.groups
                            .get_mut("g-dynamic")
                            .unwrap()
                            .members
                            .retain(|m| m != &Principal::User("alice".into()))
                    }),
                    VerifiedRemoved,
                ),
            ],
        },
        Case {
            name: "on-premises group: a manual task with the reason; an import alone can verify it",
            definition: || group_review("g-onprem"),
            deny: "bob",
            applied: CannotBeApplied,
            blocker: Some(Blocker::NotSupported {
                reason: NotSupported::OnPremisesGroup,
            }),
            steps: vec![
                (
                    Step::Assign {
                        owner: "mary",
                        due_in_days: 3,
                    },
                    ManualTask,
                ),
                (Step::Done, DoneExternally),
                (Step::ImportUnchanged, StillPresent),
                (
                    Step::ImportChanged(|d| {
                        d.groups
                            .get_mut("g-onprem")
                            .unwrap()
                            .members
                            .retain(|m| m != &Principal::User("bob".into()))
                    }),
                    VerifiedRemoved,
                ),
            ],
        },
        Case {
            name: "nested group membership: a manual task naming the nested group",
            definition: || ReviewDefinition {
                scope: Scope {
                    transitive: true,
                    ..group_review("g-parent").scope
                },
                ..group_review("g-parent")
            },
            deny: "carol",
            applied: CannotBeApplied,
            blocker: Some(Blocker::NotSupported {
                reason: NotSupported::NestedMembership {
                    group: "g-sales".into(),
                },
            }),
            steps: vec![
                (Step::Done, DoneExternally),
                (
                    Step::ImportChanged(|d| {
                        d.groups
                            .get_mut("g-sales")
                            .unwrap()
                            .members
                            .retain(|m| m != &Principal::User("carol".into()))
                    }),
                    VerifiedRemoved,
                ),
            ],
        },
        Case {
            name: "access through a group assigned to the app: a manual task naming the group",
            definition: || definition("rv", ResourceKind::Application, "app-crm"),
            deny: "carol",
            applied: CannotBeApplied,
            blocker: Some(Blocker::NotSupported {
                reason: NotSupported::GroupAssignedApplication {
                    group: "g-sales".into(),
                },
            }),
            steps: vec![(Step::ImportUnchanged, CannotBeApplied)],
        },
        Case {
            name: "an eligible role assignment removed by apply and still there after import",
            definition: role_review,
            deny: "bob",
            applied: Applied,
            blocker: None,
            steps: vec![
                (Step::ImportUnchanged, StillPresent),
                // An active assignment in place of the eligible one is still the role.
                (
                    Step::ImportChanged(|d| {
                        d.roles
                            .get_mut("role-ga")
                            .unwrap()
                            .assignments
                            .push(RoleAssignment {
                                user: "bob".into(),
                                kind: AssignmentKind::Active,
                            })
                    }),
                    StillPresent,
                ),
                (
                    Step::ImportChanged(|d| {
                        d.roles
                            .get_mut("role-ga")
                            .unwrap()
                            .assignments
                            .retain(|a| a.user != "bob")
                    }),
                    VerifiedRemoved,
                ),
            ],
        },
        Case {
            name: "a denied guest blocked: verified while the account stays disabled",
            definition: || {
                let mut def = group_review("g-partners");
                def.scope.principals = PrincipalScope::GuestsOnly;
                def.settings.denied_guest_action = Some(DeniedGuestAction::BlockThenDelete);
                def
            },
            deny: "gina",
            applied: Applied,
            blocker: None,
            steps: vec![
                (Step::ImportAsApplied, VerifiedRemoved),
                (Step::ImportUnchanged, CameBack),
            ],
        },
    ]
}

#[test]
fn every_status_transition_of_a_denied_item() {
    for case in cases() {
        let (mut sim, at) = applied((case.definition)(), case.deny);
        let it = status_of(&sim, &at);
        assert_eq!(it.status, case.applied, "{}: after apply", case.name);
        assert_eq!(it.blocker, case.blocker, "{}: reason", case.name);
        for (n, (step, want)) in case.steps.iter().enumerate() {
            run_step(&mut sim, &at, step);
            let it = status_of(&sim, &at);
            assert_eq!(it.status, *want, "{}: step {}", case.name, n + 1);
        }
    }
}

#[test]
fn came_back_and_overdue_items_are_counted_for_the_dashboard() {
    let (mut sim, at) = applied(group_review("g-exception"), "bob");
    assert_eq!(counts(&remediation(&sim.state, &sim.log, sim.now)).open, 1);
    run_step(&mut sim, &at, &Step::ImportAsApplied);
    let c = counts(&remediation(&sim.state, &sim.log, sim.now));
    assert_eq!((c.open, c.came_back), (0, 0));
    run_step(&mut sim, &at, &Step::ImportUnchanged);
    run_step(
        &mut sim,
        &at,
        &Step::Assign {
            owner: "olivia",
            due_in_days: 1,
        },
    );
    run_step(&mut sim, &at, &Step::Wait(2));
    let c = counts(&remediation(&sim.state, &sim.log, sim.now));
    assert_eq!((c.open, c.overdue, c.came_back), (1, 1, 1));
    // The item remembers what happened and which import showed it.
    let it = status_of(&sim, &at);
    let steps: Vec<Status> = it.steps.iter().map(|s| s.status).collect();
    assert_eq!(
        steps,
        [Status::Applied, Status::VerifiedRemoved, Status::CameBack]
    );
    assert_eq!(it.steps[2].import.as_deref(), Some("graph export"));
    assert_eq!(it.task.as_ref().map(|t| t.owner.as_str()), Some("olivia"));
}

#[test]
fn evidence_is_kept_with_its_file_digest() {
    let (mut sim, at) = applied(group_review("g-dynamic"), "alice");
    run_step(&mut sim, &at, &Step::Evidence("ticket CHG-1 raised"));
    run_step(&mut sim, &at, &Step::Done);
    let it = status_of(&sim, &at);
    let texts: Vec<(&str, bool, Option<&str>)> = it
        .evidence
        .iter()
        .map(|e| {
            (
                e.comment.as_str(),
                e.done,
                e.file.as_ref().map(|f| f.sha256.as_str()),
            )
        })
        .collect();
    let digest = "ab".repeat(32);
    assert_eq!(
        texts,
        [
            ("ticket CHG-1 raised", false, Some(digest.as_str())),
            ("removed in Active Directory", true, None)
        ]
    );
    assert_eq!(it.evidence[0].by, admin());
}

#[test]
fn remediation_commands_are_refused_unless_they_make_sense() {
    let (mut sim, at) = applied(group_review("g-exception"), "bob");
    let kept = ItemRef {
        instance: at.instance.clone(),
        item: sim.item(&at.instance, "alice"),
    };
    let due = sim.now + days(5);
    let assign = |items: Vec<ItemRef>, owner: &str| Command::AssignRemediation {
        items,
        owner: owner.into(),
        due,
    };
    let evidence = |comment: &str, sha256: &str| Command::RecordRemediationEvidence {
        item: at.clone(),
        comment: comment.into(),
        file: Some(FileDigest {
            name: "proof.png".into(),
            sha256: sha256.into(),
        }),
    };
    let table: Vec<(&str, Actor, Command, &str)> = vec![
        (
            "a reviewer",
            as_user("olivia"),
            assign(vec![at.clone()], "olivia"),
            "only a review administrator can follow up the remediation of denied access",
        ),
        (
            "an approved item",
            admin(),
            assign(vec![kept.clone()], "olivia"),
            "Alice's access was kept: there is nothing to remove",
        ),
        (
            "an owner who is not in the directory",
            admin(),
            assign(vec![at.clone()], "nobody"),
            "owner (directory user) \"nobody\" does not exist",
        ),
        (
            "no item",
            admin(),
            assign(vec![], "olivia"),
            "select at least one item",
        ),
        (
            "an unknown review",
            admin(),
            Command::MarkRemediationDone {
                items: vec![ItemRef {
                    instance: "nope".into(),
                    item: 0,
                }],
                comment: String::new(),
            },
            "review instance \"nope\" does not exist",
        ),
        (
            "an item number past the end",
            admin(),
            Command::MarkRemediationDone {
                items: vec![ItemRef {
                    instance: at.instance.clone(),
                    item: 99,
                }],
                comment: String::new(),
            },
            "reviewee \"rv~0~g-exception item 99\" does not exist",
        ),
        (
            "evidence without a comment",
            admin(),
            evidence("  ", &"0".repeat(64)),
            "evidence needs a comment saying what was done",
        ),
        (
            "a digest that is not SHA-256 hex",
            admin(),
            evidence("screenshot", "ABC"),
            "the digest of \"proof.png\" is not a SHA-256 in lower-case hex (64 characters)",
        ),
        (
            "a comment over the cap",
            admin(),
            evidence(&"x".repeat(2001), &"0".repeat(64)),
            "the evidence comment is longer than 2000 characters",
        ),
    ];
    for (what, actor, cmd, message) in table {
        let before = sim.log.len();
        let err = sim.run(&actor, cmd).expect_err(what);
        assert_eq!(err.to_string(), message, "{what}");
        assert_eq!(sim.log.len(), before, "{what}: nothing recorded");
    }

    // Before apply, there is nothing to remediate yet.
    let mut fresh = Sim::new(tenant());
    let def = group_review("g-exception");
    let inst = instance_of(&def);
    fresh.create(def);
    fresh
        .decide(&inst, "olivia", "bob", Decision::Deny)
        .unwrap();
    let err = fresh
        .run(
            &admin(),
            Command::MarkRemediationDone {
                items: vec![ItemRef {
                    instance: inst.clone(),
                    item: 1,
                }],
                comment: String::new(),
            },
        )
        .unwrap_err();
    assert!(matches!(err, EngineError::WrongStatus { .. }), "{err}");
}

#[test]
fn remediation_records_recheck_as_their_commands_and_appear_in_the_history() {
    let (mut sim, at) = applied(group_review("g-dynamic"), "alice");
    run_step(
        &mut sim,
        &at,
        &Step::Assign {
            owner: "olivia",
            due_in_days: 5,
        },
    );
    run_step(&mut sim, &at, &Step::Evidence("rule changed"));
    run_step(&mut sim, &at, &Step::Done);
    let records: Vec<_> = sim.log.iter().rev().take(3).cloned().collect();
    for record in &records {
        let mut before = sim.state.clone();
        before.applied_records.remove(&record.id);
        attest_engine::replay_check::recheck_exact(&sim.state, record)
            .unwrap_or_else(|e| panic!("{}: {e}", record.id));
    }
    let rows = attest_engine::evidence::audit_rows(&sim.state, &sim.log);
    let actions: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r.action.starts_with("Remediation"))
        .map(|r| (r.action.as_str(), r.subject.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("Remediation assigned", "Alice"),
            ("Remediation evidence", "Alice"),
            ("Remediation done externally", "Alice"),
        ]
    );
}

// ---- Write-back plan (Graph $batch) ----
