//! Context for decisions (issue 25): the access path of every kind of access in the sample
//! tenant, "since last review" on a recurring review's rows, and delta mode's occurrence
//! contents over three recurrences.

mod support;

use std::collections::BTreeSet;

use attest_engine::context::{access_context, LastReview, PathFinder, Route, SinceLastReview};
use attest_engine::definition::*;
use attest_engine::directory::{Directory, Principal, ResourceKind};
use attest_engine::instance::{snapshot, Decision};
use attest_engine::sample::{sample_tenant, SampleConfig};
use attest_engine::view::reviewer_view;
use attest_engine::Command;
use support::*;

fn sample() -> Directory {
    sample_tenant(&SampleConfig {
        users: 400,
        seed: 1,
        now: t0(),
    })
}

/// Which route text a review's items show, and whether the grant date is known for them.
#[test]
fn paths_for_every_kind_of_access_in_the_sample_tenant() {
    let dir = sample();
    // (resource kind, resource, transitive, a route the review must show, grant date known)
    let table: &[(ResourceKind, &str, bool, &str, bool)] = &[
        (
            ResourceKind::Group,
            "g-engineering",
            false,
            "Direct member",
            false,
        ),
        (
            ResourceKind::Group,
            "g-engineering",
            true,
            "Member through nested group Platform Team",
            false,
        ),
        (
            ResourceKind::Group,
            "g-engineering",
            true,
            "Member through nested group Mobile Team",
            false,
        ),
        (
            ResourceKind::Application,
            "app-workday",
            false,
            "Assigned directly",
            true,
        ),
        (
            ResourceKind::Application,
            "app-salesforce",
            false,
            "Assigned through group Sales",
            false,
        ),
        (
            ResourceKind::Application,
            "app-github",
            false,
            "Assigned through group Engineering \u{203a} Platform Team",
            false,
        ),
        (
            ResourceKind::Application,
            "app-github",
            false,
            "Assigned through group Engineering",
            false,
        ),
        // The legacy portal predates its records: no dates.
        (
            ResourceKind::Application,
            "app-legacy-expenses",
            false,
            "Assigned directly",
            false,
        ),
        (
            ResourceKind::DirectoryRole,
            "role-global-admin",
            false,
            "Active role assignment",
            true,
        ),
        (
            ResourceKind::DirectoryRole,
            "role-global-admin",
            false,
            "Eligible role assignment (activate when needed)",
            true,
        ),
        (
            ResourceKind::AccessPackage,
            "ap-marketing",
            false,
            "Access package assignment",
            true,
        ),
    ];
    let mut kinds = std::collections::HashSet::new();
    for &(kind, resource, transitive, route, dated) in table {
        let mut def = definition("paths", kind, resource);
        def.scope.transitive = transitive;
        let inst = snapshot(&def, &dir, resource, 0, t0());
        let mut finder = PathFinder::default();
        let shown: Vec<_> = inst
            .items
            .iter()
            .map(|it| (it, access_context(&dir, &mut finder, &inst.resource, it)))
            .filter(|(_, c)| c.route.text() == route)
            .collect();
        assert!(
            !shown.is_empty(),
            "{resource}: no row shows \"{route}\"; it shows {:?}",
            inst.items
                .iter()
                .map(|it| access_context(&dir, &mut finder, &inst.resource, it)
                    .route
                    .text())
                .collect::<BTreeSet<_>>()
        );
        for (it, c) in &shown {
            kinds.insert(std::mem::discriminant(&c.route));
            // A direct grant's date is the directory's date for that very link.
            let expected = dated.then(|| dir.granted_at(resource, &it.user)).flatten();
            assert_eq!(
                c.granted.is_some(),
                dated,
                "{resource}, {}: granted",
                it.user
            );
            if matches!(
                c.route,
                Route::AssignedDirectly | Route::Role { .. } | Route::AccessPackage
            ) {
                assert_eq!(c.granted, expected, "{resource}, {}", it.user);
            }
        }
    }
    assert_eq!(
        kinds.len(),
        6,
        "every kind of route appears in the sample tenant"
    );
}

/// A grant through a chain is dated by its latest link: the person has the access only
/// once every link exists. A missing link's date leaves it unknown.
#[test]
fn a_chain_is_granted_when_its_last_link_was() {
    let mut dir = tenant();
    // app-crm is assigned to g-sales; g-parent holds g-sales.
    let day = |n| t0() - days(n);
    let set = |dir: &mut Directory, target: &str, member: &str, n| {
        dir.granted
            .entry(target.into())
            .or_default()
            .insert(member.into(), day(n));
    };
    set(&mut dir, "app-crm", "g-sales", 300);
    let mut def = definition("crm", ResourceKind::Application, "app-crm");
    def.scope.transitive = false;
    let dated = |dir: &Directory| {
        let inst = snapshot(&def, dir, "app-crm", 0, t0());
        let carol = inst.items.iter().find(|i| i.user == "carol").unwrap();
        access_context(dir, &mut PathFinder::default(), &inst.resource, carol)
    };
    let c = dated(&dir);
    assert_eq!(c.route.text(), "Assigned through group g-sales");
    assert_eq!(c.granted, None, "carol's membership of g-sales has no date");
    set(&mut dir, "g-sales", "carol", 40);
    assert_eq!(
        dated(&dir).granted,
        Some(day(40)),
        "the later of the two links"
    );
    set(&mut dir, "app-crm", "g-sales", 10);
    assert_eq!(
        dated(&dir).granted,
        Some(day(10)),
        "the later of the two links"
    );
}

/// A weekly review of g-exception (alice, bob, carol, dave) by its owner olivia.
fn weekly(delta: bool) -> Sim {
    let mut def = definition("weekly", ResourceKind::Group, "g-exception");
    def.schedule = Schedule {
        start: t0(),
        frequency: Frequency::Weekly,
        end: ScheduleEnd::Never,
    };
    def.stages[0].duration_days = 5;
    def.settings.delta_mode = delta;
    let mut sim = Sim::new(tenant());
    sim.create(def);
    sim
}

fn occurrence(n: u32) -> String {
    format!("weekly~{n}~g-exception")
}

/// Replace the directory (an administrator's import) with `change` applied.
fn change_directory(sim: &mut Sim, change: impl FnOnce(&mut Directory)) {
    let mut dir = sim.state.directory.clone();
    change(&mut dir);
    sim.ok(
        &admin(),
        Command::ImportDirectory {
            directory: Box::new(dir),
            source: "test".into(),
        },
    );
}

fn set_members(dir: &mut Directory, members: &[&str]) {
    dir.groups.get_mut("g-exception").unwrap().members = members
        .iter()
        .map(|m| Principal::User(m.to_string()))
        .collect();
}

/// After a decided first week, the second week's rows say what the first decided, by whom,
/// and which access is new.
#[test]
fn rows_say_what_the_last_review_decided() {
    let mut sim = weekly(false);
    let first = occurrence(0);
    for (who, d) in [("alice", Decision::Approve), ("bob", Decision::Deny)] {
        sim.decide(&first, "olivia", who, d).unwrap();
    }
    let view = reviewer_view(&sim.state, &first, 0, "olivia").unwrap();
    assert!(
        view.rows
            .iter()
            .all(|r| r.context.as_ref().unwrap().since.is_none()),
        "the first occurrence has no last review"
    );
    change_directory(&mut sim, |d| {
        set_members(d, &["alice", "bob", "carol", "dave", "gwen"])
    });
    sim.advance(days(7));
    let ended = sim.instance(&first).completed.expect("week 1 completed");
    let view = reviewer_view(&sim.state, &occurrence(1), 0, "olivia").unwrap();
    let day = |at: chrono::DateTime<chrono::Utc>| at.format("%Y-%m-%d").to_string();
    let shown: Vec<(String, String)> = view
        .rows
        .iter()
        .map(|r| {
            let since = r.context.as_ref().unwrap().since.as_ref().unwrap();
            (r.user.clone(), since.text(day))
        })
        .collect();
    let on = day(ended);
    assert_eq!(
        shown,
        [
            ("alice", format!("Last review: Approved by Olivia ({on})")),
            ("bob", format!("Last review: Denied by Olivia ({on})")),
            ("carol", format!("Last review: Not reviewed ({on})")),
            ("dave", format!("Last review: Not reviewed ({on})")),
            ("gwen", "New since last review".to_string()),
        ]
        .map(|(u, t)| (u.to_string(), t))
    );
    let gwen = view.rows.iter().find(|r| r.user == "gwen").unwrap();
    assert!(gwen
        .context
        .as_ref()
        .unwrap()
        .since
        .as_ref()
        .unwrap()
        .is_new());
}

/// Delta mode over three recurrences: each occurrence holds new access, changed managers or
/// departments, and everything not approved last time; approved, unchanged access is carried
/// forward with the date it was decided, through more than one occurrence.
#[test]
fn delta_occurrences_over_three_recurrences() {
    type Change = fn(&mut Directory);
    // (directory change before the occurrence, its reviewees, carried (user, occurrence
    // whose end it was decided at), decisions made in it)
    let table: [(Change, &[&str], &[(&str, u32)], &[(&str, Decision)]); 3] = [
        (
            |_| {},
            &["alice", "bob", "carol", "dave"],
            &[],
            &[
                ("alice", Decision::Approve),
                ("bob", Decision::Deny),
                ("carol", Decision::Approve),
            ],
        ),
        (
            // gwen is new; carol's manager changes; bob was denied but is still a member
            // (results not applied); dave was not reviewed.
            |d| {
                set_members(d, &["alice", "bob", "carol", "dave", "gwen"]);
                d.users.get_mut("carol").unwrap().manager = Some("mary".into());
            },
            &["bob", "carol", "dave", "gwen"],
            &[("alice", 0)],
            &[
                ("bob", Decision::Deny),
                ("carol", Decision::Approve),
                ("dave", Decision::DontKnow),
                ("gwen", Decision::Approve),
            ],
        ),
        (
            // bob is removed; gwen's department changes; dave's Don't know asks again.
            |d| {
                set_members(d, &["alice", "carol", "dave", "gwen"]);
                d.users.get_mut("gwen").unwrap().department = Some("Legal".into());
            },
            &["dave", "gwen"],
            &[("alice", 0), ("carol", 1)],
            &[],
        ),
    ];
    let mut sim = weekly(true);
    let mut ended = Vec::new();
    for (n, (change, reviewees, carried, decisions)) in table.into_iter().enumerate() {
        let n = n as u32;
        if n > 0 {
            change_directory(&mut sim, change);
            sim.advance(days(7) - days(5));
        }
        let id = occurrence(n);
        assert_eq!(
            sim.reviewees(&id),
            names(reviewees),
            "occurrence {n}: reviewees"
        );
        let inst = sim.instance(&id);
        let got: Vec<(String, Outcome, chrono::DateTime<chrono::Utc>)> = inst
            .since_last
            .carried
            .iter()
            .map(|c| (c.user.clone(), c.outcome, c.from))
            .collect();
        let want: Vec<_> = carried
            .iter()
            .map(|&(u, from)| (u.to_string(), Outcome::Approve, ended[from as usize]))
            .collect();
        assert_eq!(got, want, "occurrence {n}: carried forward");
        assert_eq!(
            inst.since_last.basis,
            n.checked_sub(1).map(occurrence),
            "occurrence {n}: compared with"
        );
        // The history says so, one row per person carried.
        let rows = attest_engine::evidence::audit_rows(&sim.state, &sim.log);
        let history: Vec<&str> = rows
            .iter()
            .filter(|r| r.instance.as_deref() == Some(id.as_str()))
            .filter(|r| r.action == "Outcome carried forward")
            .map(|r| r.subject.as_str())
            .collect();
        let carried_names: Vec<String> = carried
            .iter()
            .map(|(u, _)| u[..1].to_uppercase() + &u[1..])
            .collect();
        assert_eq!(history, carried_names, "occurrence {n}: history rows");
        for &(who, d) in decisions {
            sim.decide(&id, "olivia", who, d).unwrap();
        }
        sim.advance(days(5));
        ended.push(sim.instance(&id).completed.expect("completed"));
        // The next occurrence's rows show carried outcomes as carried.
        if n == 1 {
            let last = LastReview::before(&sim.state, &{
                let mut next = sim.instance(&id).clone();
                next.occurrence = 2;
                next
            })
            .unwrap();
            assert_eq!(
                last.since(&sim.state.directory, "alice"),
                SinceLastReview::Previous {
                    outcome: Outcome::Approve,
                    by: Some("Olivia".into()),
                    decided: ended[0],
                    carried: true,
                }
            );
        }
    }
}
