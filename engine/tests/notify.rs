//! Notification templates (issue 24): an administrator words each message kind with
//! placeholders; the engine refuses templates that would not render (naming unknown
//! placeholders), and the outbox renders every message with the wording in force.

mod support;

use attest_engine::definition::Reviewers;
use attest_engine::directory::ResourceKind;
use attest_engine::notify::{self, Template};
use attest_engine::outbox::{outbox, outbox_at, MessageKind};
use attest_engine::{Command, EngineError};
use support::*;

fn template(subject: &str, body: &str) -> Option<Template> {
    Some(Template {
        subject: subject.into(),
        body: body.into(),
    })
}

fn set(kind: MessageKind, t: Option<Template>) -> Command {
    Command::SetNotificationTemplate { kind, template: t }
}

/// Managers review g-exception: alice and bob -> mary, carol -> mike, dave -> olivia.
fn started() -> Sim {
    let mut sim = Sim::new(tenant());
    let mut def = definition("r", ResourceKind::Group, "g-exception");
    def.name = "Quarterly exceptions".into();
    def.stages = vec![stage(Reviewers::Managers, &["olivia"], 7)];
    def.description_for_reviewers = String::new();
    def.settings.reminders = true;
    sim.create(def);
    sim
}

#[test]
fn templates_that_would_not_render_are_refused_and_change_nothing() {
    // (who, kind, subject, body, the refusal's words or None when accepted)
    let table: [(&str, MessageKind, &str, &str, Option<&str>); 10] = [
        ("admin", MessageKind::Reminder, "Still {count} to go", "Hi {reviewer}: {link}", None),
        (
            "admin",
            MessageKind::Reminder,
            "Hi {reviwer}",
            "{link}",
            Some("the Reminder subject uses {reviwer} which is not a placeholder of this message: use {reviewer}, {review}, {resource}, {stage}, {due}, {count}, {link}"),
        ),
        (
            "admin",
            MessageKind::Reminder,
            "Hi",
            "{reason} and {description} and {reason}",
            Some("the Reminder body uses {reason}, {description} which are not placeholders"),
        ),
        // A placeholder one kind offers and another does not.
        ("admin", MessageKind::Reassigned, "From {person}", "{reason}", None),
        (
            "admin",
            MessageKind::ReviewCompleted,
            "From {person}",
            "",
            Some("the Review completed subject uses {person}"),
        ),
        ("admin", MessageKind::Reminder, "{{literal}} braces", "}} and {{", None),
        (
            "admin",
            MessageKind::Reminder,
            "Open {link",
            "x",
            Some("the Reminder subject has a { that is not closed (write {{ for a brace)"),
        ),
        ("admin", MessageKind::Reminder, "  ", "x", Some("the Reminder subject is empty")),
        (
            "admin",
            MessageKind::Reminder,
            "two\nlines",
            "x",
            Some("the Reminder subject must be one line"),
        ),
        (
            "mary",
            MessageKind::Reminder,
            "Hi",
            "x",
            Some("only a review administrator can word the notifications"),
        ),
    ];
    for (who, kind, subject, body, refusal) in table {
        let mut sim = started();
        let before = sim.state.clone();
        let actor = if who == "admin" {
            admin()
        } else {
            as_user(who)
        };
        let result = sim.run(&actor, set(kind, template(subject, body)));
        match refusal {
            None => {
                assert_eq!(result, Ok(()), "{subject:?} / {body:?}");
                assert_eq!(
                    sim.state.notification_templates.get(&kind),
                    template(subject, body).as_ref()
                );
            }
            Some(words) => {
                let err = result.expect_err(subject);
                assert!(
                    err.to_string().contains(words),
                    "{subject:?} / {body:?}: {err} does not say {words:?}"
                );
                assert_eq!(sim.state, before, "a refused template changed the state");
            }
        }
    }
}

#[test]
fn a_template_too_long_is_refused_by_the_limits() {
    let mut sim = started();
    let body = "x".repeat(notify::MAX_BODY + 1);
    let err = sim
        .run(&admin(), set(MessageKind::Reminder, template("Hi", &body)))
        .unwrap_err();
    assert!(matches!(err, EngineError::TooLong { .. }), "{err}");
}

#[test]
fn the_outbox_renders_each_kind_with_the_wording_in_force() {
    let mut sim = started();
    let mary_start = |sim: &Sim| {
        outbox_at(&sim.state, &sim.log, "https://attest.example")
            .into_iter()
            .find(|m| m.kind == MessageKind::ReviewStarted && m.to.user_id() == Some("mary"))
            .expect("mary is told the review started")
    };
    // The default wording, filled with mary's data.
    let m = mary_start(&sim);
    assert_eq!(
        m.subject,
        "Please review access to g-exception: Quarterly exceptions"
    );
    assert!(
        m.body.starts_with("Hello Mary,\n\nYou are asked to review access to g-exception (stage 1 of 1): 2 reviewee(s)"),
        "{}",
        m.body
    );
    assert!(
        m.body.ends_with(
            "Open your review:\nhttps://attest.example/my-reviews/r~0~g-exception/1?reviewer=mary"
        ),
        "{}",
        m.body
    );

    // (kind, subject, body, expected subject, expected body) for mary's start message.
    sim.ok(
        &admin(),
        set(
            MessageKind::ReviewStarted,
            template(
                "{{Action}} {review}, {count} for {reviewer}",
                "Due {due}.\n\n\n{description}\n\n\nGo: {link}",
            ),
        ),
    );
    let m = mary_start(&sim);
    assert_eq!(m.subject, "{Action} Quarterly exceptions, 2 for Mary");
    // The empty description leaves one blank line, not three.
    assert_eq!(
        m.body,
        "Due 2026-01-12T09:00:00Z.\n\nGo: https://attest.example/my-reviews/r~0~g-exception/1?reviewer=mary"
    );
    // Other reviewers get the same wording with their own data; other kinds are untouched.
    let mike = outbox(&sim.state, &sim.log)
        .into_iter()
        .find(|m| m.to.user_id() == Some("mike"))
        .unwrap();
    assert_eq!(mike.subject, "{Action} Quarterly exceptions, 1 for Mike");
    assert!(mike
        .body
        .ends_with("Go: /my-reviews/r~0~g-exception/1?reviewer=mike"));

    // Back to the default wording.
    sim.ok(&admin(), set(MessageKind::ReviewStarted, None));
    assert_eq!(
        mary_start(&sim).subject,
        "Please review access to g-exception: Quarterly exceptions"
    );
}

#[test]
fn setting_the_wording_in_force_again_records_nothing() {
    let mut sim = started();
    let t = template("Reminder for {reviewer}", "{link}");
    sim.ok(&admin(), set(MessageKind::Reminder, t.clone()));
    let records = sim.log.len();
    sim.ok(&admin(), set(MessageKind::Reminder, t));
    sim.ok(&admin(), set(MessageKind::Escalation, None));
    assert_eq!(sim.log.len(), records);
}

#[test]
fn every_default_template_is_valid_and_uses_only_what_its_kind_offers() {
    for kind in MessageKind::ALL {
        assert_eq!(
            notify::check(kind, &notify::default_template(kind)),
            Ok(()),
            "{kind:?}"
        );
    }
}

#[test]
fn reminders_and_reassignments_are_worded_by_their_templates() {
    let mut sim = started();
    for (kind, subject) in [
        (
            MessageKind::Reminder,
            "R {count} left in {stage} for {reviewer}",
        ),
        (MessageKind::Reassigned, "H {count} from {person}: {reason}"),
    ] {
        sim.ok(&admin(), set(kind, template(subject, "{link}")));
    }
    let bob = sim.item("r~0~g-exception", "bob");
    sim.ok(
        &as_user("mary"),
        Command::ReassignItems {
            instance: "r~0~g-exception".into(),
            from: None,
            items: Some(vec![bob]),
            to: "aaron".into(),
            reason: "Aaron knows bob's work".into(),
        },
    );
    // Halfway through the stage: mary still has alice undecided, mike carol, olivia dave,
    // aaron the reassigned bob; mike decides first and is not reminded.
    sim.decide(
        "r~0~g-exception",
        "mike",
        "carol",
        attest_engine::Decision::Approve,
    )
    .unwrap();
    sim.advance(days(4));
    let mut got: Vec<(MessageKind, String, String)> = outbox(&sim.state, &sim.log)
        .into_iter()
        .filter(|m| matches!(m.kind, MessageKind::Reminder | MessageKind::Reassigned))
        .map(|m| (m.kind, m.to.user_id().unwrap().to_string(), m.subject))
        .collect();
    got.sort();
    let want = [
        (
            MessageKind::Reminder,
            "aaron",
            "R 1 left in 1 of 1 for Aaron",
        ),
        (MessageKind::Reminder, "mary", "R 1 left in 1 of 1 for Mary"),
        (
            MessageKind::Reminder,
            "olivia",
            "R 1 left in 1 of 1 for Olivia",
        ),
        (
            MessageKind::Reassigned,
            "aaron",
            "H 1 from Mary: Aaron knows bob's work",
        ),
    ];
    assert_eq!(
        got,
        want.map(|(k, u, s)| (k, u.to_string(), s.to_string()))
            .to_vec()
    );
}
