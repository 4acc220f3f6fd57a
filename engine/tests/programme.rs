//! The review programme: coverage of the directory, overdue reviews and reviewers, the
//! built-in checks, launch readiness, Run now and mover reviews started from an import.

mod support;

use attest_engine::definition::{Frequency, ReviewDefinition, Reviewers};
use attest_engine::directory::{AssignmentKind, Directory, ResourceKind, RoleAssignment};
use attest_engine::event::Event;
use attest_engine::instance::Decision;
use attest_engine::programme::{
    mover_reviews, moves, programme, readiness, Check, ExtraCause, Finding, ProgrammeConfig, Why,
};
use attest_engine::replay_check::recheck_exact;
use attest_engine::{Command, Context, State};
use support::*;

fn quarterly(id: &str, kind: ResourceKind, resource: &str) -> ReviewDefinition {
    let mut def = definition(id, kind, resource);
    def.schedule.frequency = Frequency::Quarterly;
    def
}

// ---------------------------------------------------------------------------------------
// Coverage

#[test]
fn every_resource_shows_its_last_certification_next_review_and_coverage() {
    let mut sim = Sim::new(tenant());
    // The CRM app: reviewed once, finished and applied; nothing more scheduled.
    sim.create(definition("once", ResourceKind::Application, "app-crm"));
    sim.advance(days(8));
    let once = "once~0~app-crm";
    let certified = sim.instance(once).completed.expect("finished");
    sim.ok(
        &admin(),
        Command::ApplyResults {
            instance: once.into(),
        },
    );
    // g-exception: reviewed quarterly, the first occurrence running now.
    let mut q = quarterly("q", ResourceKind::Group, "g-exception");
    q.schedule.start = sim.now;
    sim.create(q);
    sim.advance(days(0));
    let p = programme(&sim.state, sim.now, &ProgrammeConfig::default());
    let next_q = sim.state.reviews["q"].next_start();

    // (resource, covered, in progress, last certified, next review, needs attention)
    let table = [
        ("app-crm", false, false, Some(certified), None, false),
        ("g-exception", true, true, None, next_q, false),
        // Privileged and never certified: highlighted.
        ("role-ga", false, false, None, None, true),
        // Four guests, never certified: highlighted.
        ("g-partners", false, false, None, None, true),
        ("ap-tools", false, false, None, None, false),
    ];
    for (id, covered, running, last, next, attention) in table {
        let row = p
            .resources
            .iter()
            .find(|r| r.id == id)
            .unwrap_or_else(|| panic!("{id} is not listed"));
        assert_eq!(
            (
                row.covered,
                row.in_progress,
                row.last_certified,
                row.next_review,
                row.needs_attention
            ),
            (covered, running, last, next, attention),
            "{id}"
        );
    }
    let dir = &sim.state.directory;
    let all =
        dir.groups.len() + dir.applications.len() + dir.roles.len() + dir.access_packages.len();
    assert_eq!(
        p.resources.len(),
        all,
        "every resource of the directory is listed"
    );
    assert!(
        p.resources[0].needs_attention && p.resources[1].needs_attention,
        "highlighted resources come first"
    );
    assert_eq!(p.needing_attention(), 2);
}

#[test]
fn a_recent_certification_clears_the_highlight_and_an_old_one_does_not() {
    // (days after the review finished, highlighted)
    for (later, highlighted) in [(10, false), (89, false), (95, true)] {
        let mut sim = Sim::new(tenant());
        let mut def = definition("ga", ResourceKind::DirectoryRole, "role-ga");
        def.stages = vec![stage(
            Reviewers::SelectedUsers {
                users: names(&["olivia"]),
            },
            &[],
            7,
        )];
        sim.create(def);
        sim.advance(days(8));
        sim.now += days(later);
        let p = programme(&sim.state, sim.now, &ProgrammeConfig::default());
        let row = p.resources.iter().find(|r| r.id == "role-ga").unwrap();
        assert!(row.last_certified.is_some());
        assert_eq!(row.needs_attention, highlighted, "{later} days later");
    }
}

#[test]
fn built_in_checks() {
    let crowded = |active: usize| {
        let mut dir = tenant();
        let role = dir.roles.get_mut("role-ga").unwrap();
        role.assignments = ["mary", "mike", "olivia", "aaron", "alice", "bob", "carol"]
            .iter()
            .take(active)
            .map(|u| RoleAssignment {
                user: u.to_string(),
                kind: AssignmentKind::Active,
            })
            .collect();
        dir
    };
    // (directory, what is done first, days later, the checks that fail)
    type Setup = fn(&mut Sim);
    let nothing: Setup = |_| {};
    let review_partners: Setup = |sim| {
        sim.create(definition("p", ResourceKind::Group, "g-partners"));
        sim.advance(days(8));
    };
    let table: Vec<(&str, Directory, Setup, i64, Vec<&str>)> = vec![
        (
            "five active members is the limit",
            crowded(5),
            nothing,
            0,
            vec!["guests:g-partners"],
        ),
        (
            "six is one too many",
            crowded(6),
            nothing,
            0,
            vec!["crowded:role-ga:6", "guests:g-partners"],
        ),
        (
            "guests reviewed last week",
            tenant(),
            review_partners,
            7,
            vec![],
        ),
        (
            "guests reviewed 100 days ago",
            tenant(),
            review_partners,
            100,
            vec!["guests:g-partners"],
        ),
    ];
    for (name, dir, setup, later, expected) in table {
        let mut sim = Sim::new(dir);
        setup(&mut sim);
        sim.now += days(later);
        let p = programme(&sim.state, sim.now, &ProgrammeConfig::default());
        let mut got: Vec<String> = p
            .checks
            .iter()
            .map(|c| match c {
                Check::CrowdedPrivilegedRole { role, active, .. } => {
                    format!("crowded:{role}:{active}")
                }
                Check::GuestsNotReviewed { resource, .. } => format!("guests:{resource}"),
            })
            .collect();
        got.sort();
        assert_eq!(got, expected, "{name}");
        for c in &p.checks {
            assert!(!c.text().is_empty());
        }
    }
}

#[test]
fn overdue_reviews_and_reviewers() {
    let mut sim = Sim::new(tenant());
    let mut def = definition("late", ResourceKind::Group, "g-exception");
    def.stages = vec![stage(Reviewers::Managers, &["olivia"], 10)];
    sim.create(def);
    let inst = "late~0~g-exception";
    sim.decide(inst, "mike", "carol", Decision::Approve)
        .unwrap();
    let cfg = ProgrammeConfig::default();

    // Before halfway nobody is overdue; after it, mary (alice, bob) and olivia (dave, the
    // fallback) are; mike decided.
    let p = programme(&sim.state, sim.now + days(4), &cfg);
    assert!(p.overdue_reviewers.is_empty());
    let p = programme(&sim.state, sim.now + days(6), &cfg);
    let reviewers: Vec<(&str, usize)> = p
        .overdue_reviewers
        .iter()
        .map(|r| (r.user.as_str(), r.items))
        .collect();
    assert_eq!(reviewers, [("mary", 2), ("olivia", 1)]);
    assert!(p.overdue_reviews.is_empty());

    // Past the deadline before the clock closed it: overdue.
    let p = programme(&sim.state, sim.now + days(11), &cfg);
    assert!(
        matches!(p.overdue_reviews[..], [ref r] if r.instance == inst && matches!(r.why, Why::PastDeadline { .. }))
    );

    // Finished, results not applied: overdue after a week, and no longer once applied.
    sim.advance(days(11));
    let p = programme(&sim.state, sim.now + days(3), &cfg);
    assert!(p.overdue_reviews.is_empty(), "{:?}", p.overdue_reviews);
    let p = programme(&sim.state, sim.now + days(8), &cfg);
    assert!(matches!(p.overdue_reviews[..], [ref r] if matches!(r.why, Why::NotApplied { .. })));
    sim.ok(
        &admin(),
        Command::ApplyResults {
            instance: inst.into(),
        },
    );
    assert!(programme(&sim.state, sim.now + days(8), &cfg)
        .overdue_reviews
        .is_empty());
}

// ---------------------------------------------------------------------------------------
// Launch readiness

fn finding_key(f: &Finding) -> String {
    match f {
        Finding::ReviewerUnavailable {
            stage,
            user,
            deleted,
            fallback,
            ..
        } => format!(
            "unavailable:{}:{user}:{}{}",
            stage + 1,
            if *deleted { "deleted" } else { "blocked" },
            if *fallback { ":fallback" } else { "" }
        ),
        Finding::NoManager {
            stage,
            reviewees,
            fallback,
            ..
        } => format!(
            "no-manager:{}:{reviewees}:{}",
            stage + 1,
            fallback.join("+")
        ),
        Finding::NoOwners {
            stage,
            resource,
            fallback,
        } => format!("no-owners:{}:{resource}:{}", stage + 1, fallback.join("+")),
        Finding::NoResources => "no-resources".into(),
        Finding::ResourceMissing { resource } => format!("missing:{resource}"),
        Finding::EmptyScope { resource } => format!("empty:{resource}"),
        Finding::StaleImport { days } => format!("stale:{days}"),
    }
}

#[test]
fn readiness_findings() {
    type Edit = fn(&mut ReviewDefinition, &mut State);
    let table: Vec<(&str, Edit, Vec<&str>)> = vec![
        ("owners present, nothing to say", |_, _| {}, vec![]),
        (
            "a blocked selected reviewer and a deleted one",
            |d, s| {
                d.stages[0].reviewers = Reviewers::SelectedUsers {
                    users: vec!["mike".into(), "zed".into()],
                };
                s.directory.users.get_mut("mike").unwrap().account_enabled = false;
            },
            vec!["unavailable:1:mike:blocked", "unavailable:1:zed:deleted"],
        ),
        (
            "a blocked fallback reviewer",
            |_, s| s.directory.users.get_mut("olivia").unwrap().account_enabled = false,
            // olivia is also the owner: named once per stage.
            vec!["unavailable:1:olivia:blocked:fallback"],
        ),
        (
            "reviewees without a manager go to the fallback",
            |d, _| d.stages[0].reviewers = Reviewers::Managers,
            vec!["no-manager:1:1:Olivia"],
        ),
        (
            "without a fallback nobody reviews them",
            |d, _| {
                d.stages[0].reviewers = Reviewers::Managers;
                d.stages[0].fallback_reviewers.clear();
            },
            vec!["no-manager:1:1:"],
        ),
        (
            "a blocked manager",
            |d, s| {
                d.stages[0].reviewers = Reviewers::Managers;
                s.directory.users.get_mut("mary").unwrap().account_enabled = false;
            },
            vec!["unavailable:1:mary:blocked", "no-manager:1:1:Olivia"],
        ),
        (
            "a group without owners",
            |d, _| d.scope.resources = vec!["g-sales".into()],
            vec!["no-owners:1:g-sales:Olivia"],
        ),
        (
            "no resource at all",
            |d, _| d.scope.resources.clear(),
            vec!["no-resources"],
        ),
        (
            "a resource the directory does not hold",
            |d, _| d.scope.resources.push("g-gone".into()),
            vec!["missing:g-gone"],
        ),
        (
            "guests only on a group without guests: empty scope",
            |d, _| d.scope.principals = attest_engine::definition::PrincipalScope::GuestsOnly,
            vec!["empty:g-exception"],
        ),
        (
            "the directory imported 45 days ago",
            |_, s| s.directory_imported = Some(t0() - days(45)),
            vec!["stale:45"],
        ),
        (
            "imported 30 days ago is recent enough",
            |_, s| s.directory_imported = Some(t0() - days(30)),
            vec![],
        ),
    ];
    for (name, edit, expected) in table {
        let mut sim = Sim::new(tenant());
        sim.state.directory_imported = Some(t0() - days(1));
        let mut def = definition("r", ResourceKind::Group, "g-exception");
        edit(&mut def, &mut sim.state);
        let found = readiness(&def, &sim.state, t0());
        let keys: Vec<String> = found.iter().map(finding_key).collect();
        assert_eq!(keys, expected, "{name}");
        for f in &found {
            assert!(!f.problem().is_empty() && !f.action().is_empty(), "{name}");
        }
    }
}

#[test]
fn the_import_time_is_kept_and_survives_a_snapshot() {
    let sim = Sim::new(tenant());
    // Sim::new imports at t0 - 1 day; its checks read the snapshot back as the state.
    assert_eq!(sim.state.directory_imported, Some(t0() - days(1)));
    let found = readiness(
        &definition("r", ResourceKind::Group, "g-exception"),
        &sim.state,
        t0() + days(40),
    );
    assert_eq!(
        found.iter().map(finding_key).collect::<Vec<_>>(),
        ["stale:41"]
    );
}

// ---------------------------------------------------------------------------------------
// Run now

#[test]
fn run_now_refusals() {
    type Setup = fn(&mut Sim);
    // (case, setup, actor is an administrator, the refusal's words)
    let table: Vec<(&str, Setup, bool, &str)> = vec![
        (
            "not an administrator",
            |_| {},
            false,
            "only a review administrator can run a review now",
        ),
        ("an occurrence is open", |_| {}, true, "still in progress"),
        (
            "a one-time review",
            |sim| sim.create(definition("one", ResourceKind::Group, "g-auditors")),
            true,
            "one-time review",
        ),
        (
            "the series ended",
            |sim| {
                sim.advance(days(8));
                sim.ok(
                    &admin(),
                    Command::EndSeries {
                        definition: "q".into(),
                    },
                );
            },
            true,
            "has ended",
        ),
        ("an unknown review", |_| {}, true, "does not exist"),
    ];
    for (name, setup, is_admin, words) in table {
        let mut sim = Sim::new(tenant());
        sim.create(quarterly("q", ResourceKind::Group, "g-exception"));
        setup(&mut sim);
        sim.advance(days(0));
        let target = match name {
            "a one-time review" => "one",
            "an unknown review" => "nope",
            _ => "q",
        };
        let before = sim.state.clone();
        let actor = if is_admin { admin() } else { as_user("olivia") };
        let err = sim
            .run(
                &actor,
                Command::RunNow {
                    definition: target.into(),
                },
            )
            .expect_err(name);
        assert!(err.to_string().contains(words), "{name}: {err}");
        assert_eq!(sim.state, before, "{name}: a refusal changes nothing");
    }
}

#[test]
fn run_now_starts_an_extra_occurrence_inside_the_series_and_keeps_the_schedule() {
    let mut sim = Sim::new(tenant());
    let mut def = quarterly("q", ResourceKind::Group, "g-exception");
    def.scope.resources.push("g-auditors".into());
    sim.create(def);
    sim.advance(days(8));
    let next = sim.state.reviews["q"].next_start();
    assert_eq!(sim.state.reviews["q"].next_occurrence, 1);

    // (days later, instance ids the run starts)
    let table = [
        (10, ["q~0~now0~g-auditors", "q~0~now0~g-exception"]),
        (10, ["q~0~now1~g-auditors", "q~0~now1~g-exception"]),
    ];
    for (later, ids) in table {
        sim.now += days(later);
        let before = sim.state.clone();
        sim.ok(
            &admin(),
            Command::RunNow {
                definition: "q".into(),
            },
        );
        let record = sim.log.last().unwrap().clone();
        assert!(matches!(
            record.events[0],
            Event::ExtraOccurrenceStarted {
                cause: ExtraCause::RunNow,
                ..
            }
        ));
        recheck_exact(&before, &record).expect("a peer decides the same run");
        for id in ids {
            let inst = sim.instance(id);
            assert!(inst.is_open(), "{id}");
            assert_eq!(
                (inst.started, inst.occurrence, inst.definition.as_str()),
                (sim.now, 0, "q")
            );
        }
        assert_eq!(
            sim.state.reviews["q"].next_start(),
            next,
            "the schedule keeps its dates"
        );
        sim.advance(days(8));
    }
    assert_eq!(sim.state.reviews["q"].extra_runs, 2);
    // The scheduled occurrence still starts on its date, as occurrence 2 of the series.
    sim.now = next.unwrap();
    sim.advance(days(0));
    assert!(sim.instance("q~1~g-exception").is_open());
}

#[path = "programme/movers.rs"]
mod movers;
