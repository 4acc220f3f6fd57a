//! What a reviewer may do and see: justifications, several reviewers, accepting
//! recommendations, blind stages, My access reviews.

use super::*;

#[test]
fn justification_required_on_approval() {
    let mut sim = Sim::new(tenant());
    let mut def = two_stage();
    def.settings.justification_required = true;
    sim.create(def);
    let record = |sim: &mut Sim, decision, justification: &str| {
        let item = sim.item(ID, "alice");
        sim.run(
            &as_user("mary"),
            Command::RecordDecisions {
                instance: ID.into(),
                decisions: vec![ItemDecision {
                    item,
                    decision,
                    justification: justification.into(),
                }],
            },
        )
    };
    assert_eq!(
        record(&mut sim, Decision::Approve, "  "),
        Err(EngineError::JustificationRequired {
            user: "Alice".into()
        })
    );
    assert_eq!(
        record(&mut sim, Decision::Deny, ""),
        Ok(()),
        "denying needs no justification"
    );
    assert_eq!(
        record(
            &mut sim,
            Decision::Approve,
            "Still runs the exception process"
        ),
        Ok(())
    );
    let inst = sim.instance(ID);
    let d = inst.items[sim.item(ID, "alice") as usize]
        .decision_in(0)
        .unwrap();
    assert_eq!(
        (d.decision, d.justification.as_str()),
        (Decision::Approve, "Still runs the exception process"),
        "the last decision wins"
    );
}

#[test]
fn accepting_recommendations_that_approve_needs_the_justification_the_review_requires() {
    use attest_engine::replay_check::recheck_exact;
    let mut sim = Sim::new(tenant());
    let mut def = two_stage();
    def.settings.justification_required = true;
    def.settings.recommendations.peer_affiliation = false;
    sim.create(def);
    // mary reviews alice (recommend approve) and bob (recommend deny).
    let accept = |items: Option<Vec<u32>>, justification: &str| Command::AcceptRecommendations {
        instance: ID.into(),
        items,
        justification: justification.into(),
    };
    let (alice, bob) = (sim.item(ID, "alice"), sim.item(ID, "bob"));
    for blank in ["", "   "] {
        assert_eq!(
            sim.run(&as_user("mary"), accept(None, blank)),
            Err(EngineError::JustificationRequired {
                user: "Alice".into()
            })
        );
    }
    let decided = |sim: &Sim, item: u32| {
        sim.instance(ID).items[item as usize]
            .decision_in(0)
            .cloned()
    };
    assert_eq!(decided(&sim, bob), None, "a refusal records nothing");
    // Accepting only denials needs none, as denying does.
    sim.ok(&as_user("mary"), accept(Some(vec![bob]), ""));
    assert_eq!(decided(&sim, bob).unwrap().decision, Decision::Deny);
    let before = sim.state.clone();
    sim.ok(&as_user("mary"), accept(None, " Runs the payroll export "));
    let a = decided(&sim, alice).unwrap();
    assert_eq!(
        (a.decision, a.source, a.justification.as_str()),
        (
            Decision::Approve,
            DecisionSource::AcceptedRecommendation,
            "Runs the payroll export"
        )
    );
    let record = sim.log.last().unwrap().clone();
    assert_eq!(
        recheck_exact(&before, &record),
        Ok(()),
        "a peer decides it the same"
    );
}

#[test]
fn several_reviewers_last_decision_wins_and_reset() {
    let mut sim = Sim::new(tenant());
    let mut def = two_stage();
    def.stages[0].reviewers = Reviewers::GroupMembers {
        group: "g-exception".into(),
    };
    sim.create(def);
    sim.decide(ID, "alice", "bob", Decision::Approve).unwrap();
    sim.advance(chrono::Duration::hours(1));
    sim.decide(ID, "carol", "bob", Decision::Deny).unwrap();
    let item = sim.item(ID, "bob") as usize;
    let d = sim.instance(ID).items[item].decision_in(0).unwrap().clone();
    assert_eq!((d.decision, d.reviewer.as_str()), (Decision::Deny, "carol"));
    sim.ok(
        &as_user("alice"),
        Command::ResetDecisions {
            instance: ID.into(),
            items: vec![item as u32],
        },
    );
    assert!(sim.instance(ID).items[item].decision_in(0).is_none());
}

#[test]
fn accept_recommendations_touches_only_the_callers_undecided_items() {
    let mut sim = Sim::new(tenant());
    let mut def = two_stage();
    def.settings.recommendations.peer_affiliation = false;
    sim.create(def);
    // mary reviews alice (active: recommend approve) and bob (100 days: recommend deny).
    sim.decide(ID, "mary", "alice", Decision::Deny).unwrap();
    sim.ok(
        &as_user("mary"),
        Command::AcceptRecommendations {
            instance: ID.into(),
            items: None,
            justification: String::new(),
        },
    );
    let inst = sim.instance(ID);
    let decision = |u: &str| {
        inst.items
            .iter()
            .find(|i| i.user == u)
            .unwrap()
            .decision_in(0)
            .cloned()
    };
    assert_eq!(
        decision("alice").unwrap().decision,
        Decision::Deny,
        "an existing decision is kept"
    );
    let bob = decision("bob").unwrap();
    assert_eq!(
        (bob.decision, bob.source),
        (Decision::Deny, DecisionSource::AcceptedRecommendation)
    );
    assert!(
        bob.justification.contains("no sign-in for 100 days"),
        "{}",
        bob.justification
    );
    assert_eq!(decision("carol"), None, "mike's reviewee untouched");
    assert_eq!(
        decision("dave"),
        None,
        "fallback reviewer's reviewee untouched"
    );
    let carol = sim.item(ID, "carol");
    assert!(matches!(
        sim.run(
            &as_user("mary"),
            Command::AcceptRecommendations {
                instance: ID.into(),
                items: Some(vec![carol]),
                justification: String::new(),
            }
        ),
        Err(EngineError::NotYourItem { .. })
    ));
}

/// "Undecided with a recommendation" is one rule: Accept recommendations records exactly
/// the items the reviewer's page offers, and none when the stage shows no recommendations.
#[test]
fn accept_recommendations_decides_exactly_what_the_page_offers() {
    for shown in [true, false] {
        let mut sim = Sim::new(tenant());
        let mut def = two_stage();
        def.settings.recommendations.peer_affiliation = false;
        def.stages[0].recommendations = shown;
        sim.create(def);
        sim.decide(ID, "mary", "alice", Decision::Deny).unwrap();
        let offered = reviewer_view(&sim.state, ID, 0, "mary")
            .unwrap()
            .recommendations_to_accept(&[]);
        assert_eq!(offered.is_empty(), !shown, "shown: {shown}");
        sim.ok(
            &as_user("mary"),
            Command::AcceptRecommendations {
                instance: ID.into(),
                items: None,
                justification: String::new(),
            },
        );
        let inst = sim.instance(ID);
        let accepted: Vec<u32> = (0..inst.items.len() as u32)
            .filter(|&i| {
                inst.items[i as usize]
                    .decision_in(0)
                    .is_some_and(|d| d.source == DecisionSource::AcceptedRecommendation)
            })
            .collect();
        assert_eq!(accepted, offered, "shown: {shown}");
    }
}

#[test]
fn reviewer_view_shows_only_own_items_and_hides_earlier_decisions_when_blind() {
    for show_previous in [false, true] {
        let mut sim = Sim::new(tenant());
        let mut def = two_stage();
        def.decisions_to_next_stage = Outcome::ALL.to_vec();
        def.show_previous_decisions = show_previous;
        sim.create(def);
        sim.decide(ID, "mary", "alice", Decision::Deny).unwrap();
        let view = reviewer_view(&sim.state, ID, 0, "mary").unwrap();
        let users: Vec<&str> = view.rows.iter().map(|r| r.user.as_str()).collect();
        assert_eq!(users, ["alice", "bob"], "mary sees her reports only");
        assert_eq!(
            reviewer_view(&sim.state, ID, 0, "aaron"),
            Err(ViewError::NotYourReview { stage: 0 })
        );
        assert_eq!(
            reviewer_view(&sim.state, ID, 1, "olivia"),
            Err(ViewError::StageNotOpen {
                stage: 1,
                state: "it has not started"
            })
        );
        sim.ok(
            &admin(),
            Command::StopCurrentStage {
                instance: ID.into(),
            },
        );
        assert!(
            matches!(
                reviewer_view(&sim.state, ID, 0, "mary"),
                Err(ViewError::StageNotOpen { stage: 0, .. })
            ),
            "a closed stage's link says so"
        );
        let view = reviewer_view(&sim.state, ID, 1, "olivia").unwrap();
        let alice = view.rows.iter().find(|r| r.user == "alice").unwrap();
        assert!(
            alice.decision.is_none(),
            "the stage-2 decision starts empty"
        );
        let serialized = serde_json::to_string(&view).unwrap();
        if show_previous {
            assert_eq!(alice.earlier.len(), 1);
            assert_eq!(alice.earlier[0].reviewer_name, "Mary");
        } else {
            assert!(alice.earlier.is_empty());
            assert!(
                !serialized.contains("mary on alice") && !serialized.contains("\"mary\""),
                "blind view leaks: {serialized}"
            );
        }
    }
}

#[test]
fn my_reviews_and_progress() {
    let mut sim = Sim::new(tenant());
    sim.create(two_stage());
    sim.decide(ID, "mary", "alice", Decision::Approve).unwrap();
    let mine = my_reviews(&sim.state, "mary");
    assert_eq!(mine.len(), 1);
    assert_eq!(
        (mine[0].open, mine[0].assigned, mine[0].undecided),
        (true, 2, 1)
    );
    assert_eq!(mine[0].deadline, Some(t0() + days(5)));
    assert!(my_reviews(&sim.state, "aaron").is_empty());
    let progress = &stage_progress(sim.instance(ID))[0];
    assert_eq!(
        (progress.approved, progress.not_reviewed, progress.total()),
        (1, 3, 4)
    );
    let by_reviewer = reviewer_progress(sim.instance(ID), 0);
    let get = |r: &str| {
        by_reviewer
            .iter()
            .find(|p| p.reviewer == r)
            .map(|p| (p.assigned, p.decided))
    };
    assert_eq!(get("mary"), Some((2, 1)));
    assert_eq!(get("mike"), Some((1, 0)));
    assert_eq!(
        get("olivia"),
        Some((1, 0)),
        "dave has no manager: his fallback reviewer"
    );
    sim.advance(days(10));
    let mine = my_reviews(&sim.state, "mary");
    assert!(!mine[0].open, "finished stages are listed as finished");
}
