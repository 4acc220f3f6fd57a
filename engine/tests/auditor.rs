//! The auditor: reads everything, changes nothing, and signs off finished reviews. Tables of
//! role × command (allowed or refused, and why) and role × screen, then a sign-off that lands
//! in the history and in the evidence pack.

mod support;

use attest_engine::actor::Area;
use attest_engine::directory::ResourceKind;
use attest_engine::event::ItemDecision;
use attest_engine::evidence::audit_rows;
use attest_engine::evidence::pack::{evidence_pack, read_container, verify_pack};
use attest_engine::evidence::signoff::{sign_offs, Verdict};
use attest_engine::instance::Decision;
use attest_engine::{decide, Actor, Command, EngineError};
use support::*;

const OPEN: &str = "open~0~g-exception";
const DONE: &str = "done~0~g-partners";

fn auditor() -> Actor {
    Actor::Auditor {
        name: "Aaron Auditor".into(),
    }
}

/// One review still open (olivia reviews g-exception) and one finished (g-partners, stopped).
fn two_reviews() -> Sim {
    let mut sim = Sim::new(tenant());
    sim.create(definition("open", ResourceKind::Group, "g-exception"));
    sim.create(definition("done", ResourceKind::Group, "g-partners"));
    sim.decide(DONE, "olivia", "gwen", Decision::Approve)
        .unwrap();
    sim.ok(
        &admin(),
        Command::StopReview {
            instance: DONE.into(),
        },
    );
    sim
}

fn sign_off(instance: &str, verdict: Verdict, comment: &str) -> Command {
    Command::SignOff {
        instance: instance.into(),
        verdict,
        comment: comment.into(),
    }
}

#[test]
fn an_auditor_changes_nothing_and_only_an_auditor_signs_off() {
    let sim = two_reviews();
    let state = &sim.state;
    let item = sim.item(OPEN, "alice");
    let draft = {
        let mut d = definition("draft", ResourceKind::Group, "g-sales");
        d.schedule.start = sim.now + days(30);
        d
    };
    let commands: Vec<(&str, Command)> = vec![
        (
            "import",
            Command::ImportDirectory {
                directory: Box::new(tenant()),
                source: "t".into(),
            },
        ),
        (
            "save draft",
            Command::SaveDraft {
                definition: Box::new(draft.clone()),
            },
        ),
        (
            "create review",
            Command::CreateReview {
                definition: Box::new(draft),
            },
        ),
        (
            "decide",
            Command::RecordDecisions {
                instance: OPEN.into(),
                decisions: vec![ItemDecision {
                    item,
                    decision: Decision::Deny,
                    justification: "gone".into(),
                }],
            },
        ),
        (
            "accept recommendations",
            Command::AcceptRecommendations {
                instance: OPEN.into(),
                items: None,
                justification: String::new(),
            },
        ),
        (
            "reset decisions",
            Command::ResetDecisions {
                instance: OPEN.into(),
                items: vec![item],
            },
        ),
        (
            "stop stage",
            Command::StopCurrentStage {
                instance: OPEN.into(),
            },
        ),
        (
            "stop review",
            Command::StopReview {
                instance: OPEN.into(),
            },
        ),
        (
            "apply results",
            Command::ApplyResults {
                instance: DONE.into(),
            },
        ),
        (
            "end series",
            Command::EndSeries {
                definition: "open".into(),
            },
        ),
        (
            "sign off",
            sign_off(DONE, Verdict::Accepted, "evidence complete"),
        ),
    ];
    // Role, then per command in the order above: allowed (Ok) or the refusal.
    let admin_only = || EngineError::AdministratorOnly { action: "" };
    let auditor_only = || EngineError::AuditorOnly { action: "" };
    let roles: Vec<(&str, Actor, Vec<Result<(), EngineError>>)> = vec![
        (
            "administrator",
            admin(),
            vec![
                Ok(()),
                Ok(()),
                Ok(()),
                Err(EngineError::NotAReviewer),
                Err(EngineError::NotAReviewer),
                Err(EngineError::NotAReviewer),
                Ok(()),
                Ok(()),
                Ok(()),
                Ok(()),
                Err(auditor_only()),
            ],
        ),
        (
            "reviewer (olivia)",
            as_user("olivia"),
            vec![
                Err(admin_only()),
                Err(admin_only()),
                Err(admin_only()),
                Ok(()),
                Ok(()),
                Ok(()),
                Err(admin_only()),
                Err(admin_only()),
                Err(admin_only()),
                Err(admin_only()),
                Err(auditor_only()),
            ],
        ),
        (
            "auditor",
            auditor(),
            vec![
                Err(admin_only()),
                Err(admin_only()),
                Err(admin_only()),
                Err(EngineError::NotAReviewer),
                Err(EngineError::NotAReviewer),
                Err(EngineError::NotAReviewer),
                Err(admin_only()),
                Err(admin_only()),
                Err(admin_only()),
                Err(admin_only()),
                Ok(()),
            ],
        ),
    ];
    for (role, actor, expected) in roles {
        assert_eq!(
            expected.len(),
            commands.len(),
            "{role}: one answer per command"
        );
        for ((what, cmd), want) in commands.iter().zip(expected) {
            let got = decide(state, cmd, &actor, sim.now).map(|_| ());
            // The refusal's kind matters, not which action the message names.
            let same = match (&got, &want) {
                (Ok(()), Ok(())) => true,
                (
                    Err(EngineError::AdministratorOnly { .. }),
                    Err(EngineError::AdministratorOnly { .. }),
                ) => true,
                (Err(EngineError::AuditorOnly { .. }), Err(EngineError::AuditorOnly { .. })) => {
                    true
                }
                (Err(a), Err(b)) => a == b,
                _ => false,
            };
            assert!(same, "{role} / {what}: got {got:?}, expected {want:?}");
        }
    }
}

#[test]
fn an_auditor_reads_every_screen_but_the_wizard_and_settings() {
    use Area::*;
    let areas = [
        Dashboard,
        Reviews,
        NewReview,
        MyReviews,
        Directory,
        Notifications,
        History,
        Settings,
    ];
    let table: [(&str, Actor, [bool; 8]); 3] = [
        ("administrator", admin(), [true; 8]),
        (
            "reviewer",
            as_user("olivia"),
            [false, false, false, true, false, false, false, false],
        ),
        (
            "auditor",
            auditor(),
            [true, true, false, true, true, true, true, false],
        ),
    ];
    for (role, actor, expected) in table {
        for (area, want) in areas.iter().zip(expected) {
            assert_eq!(
                actor.may_read(*area),
                want,
                "{role} reading {}",
                area.title()
            );
        }
    }
}

#[test]
fn a_sign_off_is_checked_recorded_in_the_history_and_carried_in_the_pack() {
    let mut sim = two_reviews();
    let refusals: Vec<(&str, Command, EngineError)> = vec![
        (
            "an open review",
            sign_off(OPEN, Verdict::Accepted, "fine"),
            EngineError::WrongStatus {
                status: "in progress",
                action: "an auditor signs off a review only once it has finished",
            },
        ),
        (
            "a rejection without a comment",
            sign_off(DONE, Verdict::Rejected, "  "),
            EngineError::CommentRequired,
        ),
        (
            "an unknown review",
            sign_off("nope~0~g-x", Verdict::Accepted, ""),
            EngineError::NotFound {
                what: "review instance",
                id: "nope~0~g-x".into(),
            },
        ),
    ];
    for (what, cmd, want) in refusals {
        assert_eq!(sim.run(&auditor(), cmd), Err(want), "{what}");
    }

    sim.ok(
        &auditor(),
        sign_off(DONE, Verdict::Rejected, "stage 1 approved without reasons"),
    );
    sim.ok(
        &auditor(),
        sign_off(DONE, Verdict::Accepted, "reasons added in the ticket"),
    );
    let recorded = sign_offs(&sim.log, DONE);
    assert_eq!(
        recorded
            .iter()
            .map(|s| (s.auditor.as_str(), s.verdict))
            .collect::<Vec<_>>(),
        [
            ("Aaron Auditor", Verdict::Rejected),
            ("Aaron Auditor", Verdict::Accepted)
        ]
    );

    let rows = audit_rows(&sim.state, &sim.log);
    let row = rows
        .iter()
        .find(|r| r.action == "Auditor sign-off: Rejected")
        .expect("in the history");
    assert_eq!(row.actor, "Auditor (Aaron Auditor)");
    assert_eq!(row.instance.as_deref(), Some(DONE));
    assert_eq!(row.reason, "stage 1 approved without reasons");

    let key = [9u8; 32];
    let bytes = evidence_pack(&sim.state, &sim.log, DONE, sim.now, &key).unwrap();
    verify_pack(&bytes, None).expect("the pack with sign-offs verifies");
    let members = read_container(&bytes).unwrap();
    let text = |name: &str| {
        String::from_utf8(members.iter().find(|(n, _)| n == name).unwrap().1.clone()).unwrap()
    };
    let signoffs = text("signoffs.csv");
    assert!(
        signoffs.contains("Aaron Auditor,Rejected,stage 1 approved without reasons"),
        "{signoffs}"
    );
    assert!(
        signoffs.contains("Aaron Auditor,Accepted,reasons added in the ticket"),
        "{signoffs}"
    );
    assert!(text("history.csv").contains("Auditor sign-off: Accepted"));
}

/// The sign-off record's JSON is a compatibility promise: pinned, and read back.
#[test]
fn a_sign_off_record_has_a_pinned_json_shape() {
    let mut sim = two_reviews();
    sim.ok(
        &auditor(),
        sign_off(DONE, Verdict::Rejected, "no reasons given"),
    );
    let record = sim.log.last().unwrap().clone();
    let json = serde_json::to_string(&attest_engine::Record {
        id: "browser-1:7".into(),
        at: t0(),
        ..record
    })
    .unwrap();
    assert_eq!(
        json,
        r#"{"v":1,"id":"browser-1:7","at":"2026-01-05T09:00:00Z","actor":{"kind":"auditor","name":"Aaron Auditor"},"events":[{"type":"signedOff","instance":"done~0~g-partners","verdict":"rejected","comment":"no reasons given"}]}"#
    );
    let back: attest_engine::Record = serde_json::from_str(&json).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    let cmd = serde_json::to_string(&sign_off(DONE, Verdict::Accepted, "ok")).unwrap();
    assert_eq!(
        cmd,
        r#"{"type":"signOff","instance":"done~0~g-partners","verdict":"accepted","comment":"ok"}"#
    );
}
