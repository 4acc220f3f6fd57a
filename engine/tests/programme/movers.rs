//! Mover reviews: an import whose diff shows a user's manager or department changed starts a
//! small review of their access by the new manager, for definitions marked "review on move".

use super::*;

fn moved(edit: fn(&mut Directory)) -> Directory {
    let mut dir = tenant();
    edit(&mut dir);
    dir
}

#[test]
fn moves_are_manager_or_department_changes_of_users_in_both_directories() {
    let old = tenant();
    let new = moved(|d| {
        d.users.get_mut("alice").unwrap().manager = Some("mike".into());
        d.users.get_mut("dave").unwrap().department = Some("Legal".into());
        d.users.get_mut("carol").unwrap().last_sign_in = None;
        d.users.remove("gus");
    });
    let users: Vec<String> = moves(&old, &new).into_iter().map(|m| m.user).collect();
    assert_eq!(users, ["alice", "dave"]);
}

#[test]
fn mover_reviews_start_from_an_import_diff() {
    // (case, review on move, the new directory, expected: (instance, reviewee, stage-1 reviewers))
    type Expect = Vec<(&'static str, &'static str, Vec<&'static str>)>;
    let table: Vec<(&str, bool, Directory, Expect)> = vec![
        (
            "alice moves from mary to mike: mike reviews her access",
            true,
            moved(|d| d.users.get_mut("alice").unwrap().manager = Some("mike".into())),
            vec![("q~0~move0~g-exception", "alice", vec!["mike"])],
        ),
        (
            "dave changes department, no manager: the fallback reviews",
            true,
            moved(|d| d.users.get_mut("dave").unwrap().department = Some("Legal".into())),
            vec![("q~0~move0~g-exception", "dave", vec!["olivia"])],
        ),
        (
            "a mover without this access: nothing starts",
            true,
            moved(|d| d.users.get_mut("gwen").unwrap().department = Some("Legal".into())),
            vec![],
        ),
        (
            "the review is not marked review on move",
            false,
            moved(|d| d.users.get_mut("alice").unwrap().manager = Some("mike".into())),
            vec![],
        ),
        ("nobody moved", true, tenant(), vec![]),
    ];
    for (name, on_move, new, expected) in table {
        let mut sim = Sim::new(tenant());
        let mut def = quarterly("q", ResourceKind::Group, "g-exception");
        def.stages = vec![stage(Reviewers::Managers, &["olivia"], 14)];
        def.settings.review_on_move = on_move;
        sim.create(def);
        sim.advance(days(0));
        let before_instances = sim.state.instances.len();
        let before = sim.state.clone();

        // The browser's import path (moves the directory) decides the same events.
        let ctx = Context {
            actor: admin(),
            now: sim.now,
            record_id: "x".into(),
            reason: None,
        };
        let cmd = Command::ImportDirectory {
            directory: Box::new(new.clone()),
            source: "second import".into(),
        };
        let owned = before.prepare_owned(cmd.clone(), &ctx).unwrap().unwrap();
        let decided = before.prepare(&cmd, &ctx).unwrap().unwrap();
        assert_eq!(owned.events, decided.events, "{name}");

        sim.ok(&admin(), cmd);
        let record = sim.log.last().unwrap().clone();
        recheck_exact(&before, &record).unwrap_or_else(|e| panic!("{name}: {e}"));
        let started: Vec<_> = sim
            .state
            .instances
            .values()
            .filter(|i| i.id.contains("~move"))
            .collect();
        assert_eq!(started.len(), expected.len(), "{name}");
        assert_eq!(
            sim.state.instances.len(),
            before_instances + expected.len(),
            "{name}"
        );
        for (id, reviewee, reviewers) in &expected {
            let inst = sim.instance(id);
            let users: Vec<&str> = inst.items.iter().map(|i| i.user.as_str()).collect();
            assert_eq!(users, [*reviewee], "{name}");
            assert_eq!(
                inst.reviewers_of(&inst.items[0], 0),
                reviewers.as_slice(),
                "{name}"
            );
            assert!(
                matches!(
                    &record.events[1],
                    Event::ExtraOccurrenceStarted { cause: ExtraCause::Moved { users }, .. } if users == &[reviewee.to_string()]
                ),
                "{name}"
            );
        }
        // The new manager sees the item; the schedule is untouched.
        assert_eq!(
            sim.state.reviews["q"].next_start(),
            before.reviews["q"].next_start()
        );
    }
}

#[test]
fn the_first_import_starts_no_mover_review() {
    let mut state = State::default();
    let mut def = quarterly("q", ResourceKind::Group, "g-exception");
    def.settings.review_on_move = true;
    state.reviews.insert(
        "q".into(),
        attest_engine::state::Review {
            definition: def,
            created: t0(),
            next_occurrence: 0,
            ended: None,
            extra_runs: 0,
        },
    );
    assert!(mover_reviews(&state, &tenant(), t0()).is_empty());
}
