//! Evidence and outbox: SHA-256 against the standard vectors, the results CSV/JSON with
//! Graph names and values, the audit report's hash chain (and that tampering is caught), and
//! the messages the log makes the system send.

mod support;

use attest_engine::definition::*;
use attest_engine::directory::ResourceKind;
use attest_engine::evidence::*;
use attest_engine::import::parse_csv;
use attest_engine::instance::Decision;
use attest_engine::outbox::{outbox, reviewer_link, url_encode, MessageKind, Recipient};
use attest_engine::preview::stop_review_preview;
use attest_engine::Command;
use support::*;

/// The chain's digests are printed as `sha256sum` prints them (lower-case hex of SHA-256),
/// so auditors can recompute them with standard tools (docs/evidence.md).
#[test]
fn digests_are_printed_as_sha256sum_prints_them() {
    let cases: &[(&[u8], &str)] = &[
        (
            b"",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        (
            b"abc",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(
            sha256_hex(input),
            *want,
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
}

const EXC: &str = "exc~0~g-exception";

/// Owners (olivia) review g-exception; alice, bob, carol, dave are members.
fn exception_review(sim: &mut Sim) {
    let mut def = definition("exc", ResourceKind::Group, "g-exception");
    def.settings.if_no_response = NoResponse::RemoveAccess;
    sim.create(def);
}

fn decide_with(sim: &mut Sim, reviewer: &str, user: &str, decision: Decision, why: &str) {
    let item = sim.item(EXC, user);
    sim.ok(
        &as_user(reviewer),
        Command::RecordDecisions {
            instance: EXC.into(),
            decisions: vec![attest_engine::event::ItemDecision {
                item,
                decision,
                justification: why.into(),
            }],
        },
    );
}

fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

#[test]
fn results_csv_has_bom_one_row_per_reviewee_and_graph_values() {
    let mut sim = Sim::new(tenant());
    exception_review(&mut sim);
    decide_with(
        &mut sim,
        "olivia",
        "alice",
        Decision::Approve,
        "needs it, \"daily\", for CRM\nsee ticket 7",
    );
    decide_with(
        &mut sim,
        "olivia",
        "bob",
        Decision::Deny,
        "=HYPERLINK(\"x\")",
    );
    decide_with(&mut sim, "olivia", "carol", Decision::DontKnow, "");

    let inst = sim.instance(EXC).clone();
    let csv = results_csv(&sim.state, &inst, sim.now);
    assert!(csv.starts_with('\u{feff}'), "UTF-8 BOM first");
    assert!(csv.contains("\r\n"), "CRLF line breaks");
    let records = parse_csv(&csv).expect("the download parses as CSV");
    let header = &records[0].1;
    assert_eq!(
        header[..3],
        ["ReviewId", "ReviewName", "AccessReviewInstanceId"]
    );
    let rows: Vec<&Vec<String>> = records[1..].iter().map(|(_, r)| r).collect();
    assert_eq!(rows.len(), 4, "one row per reviewee");
    let by = |user: &str| {
        *rows
            .iter()
            .find(|r| r[column(header, "PrincipalId")] == user)
            .unwrap_or_else(|| panic!("row for {user}"))
    };
    let alice = by("alice");
    assert_eq!(alice[column(header, "Stage1Decision")], "Approve");
    assert_eq!(alice[column(header, "Stage1ReviewedBy")], "Olivia");
    assert_eq!(
        alice[column(header, "Stage1Justification")],
        "needs it, \"daily\", for CRM\nsee ticket 7",
        "comma, quotes and a line break survive the round trip"
    );
    assert_eq!(
        by("bob")[column(header, "Stage1Justification")],
        "'=HYPERLINK(\"x\")",
        "a formula is defused for spreadsheets"
    );
    assert_eq!(by("carol")[column(header, "Decision")], "DontKnow");
    let dave = by("dave");
    assert_eq!(dave[column(header, "Stage1Decision")], "NotReviewed");
    assert_eq!(
        dave[column(header, "Decision")],
        "Deny",
        "no response: remove access"
    );
    assert_eq!(
        dave[column(header, "DecisionSource")],
        "IfReviewersDontRespond"
    );
    assert_eq!(
        dave[column(header, "ApplyResult")],
        "New",
        "nothing applied yet"
    );
    assert_eq!(
        dave[column(header, "ApplyDescription")],
        "Access will be removed"
    );

    sim.ok(
        &admin(),
        Command::StopReview {
            instance: EXC.into(),
        },
    );
    sim.ok(
        &admin(),
        Command::ApplyResults {
            instance: EXC.into(),
        },
    );
    let inst = sim.instance(EXC).clone();
    let csv = results_csv(&sim.state, &inst, sim.now);
    let records = parse_csv(&csv).unwrap();
    let dave = records[1..]
        .iter()
        .find(|(_, r)| r[column(header, "PrincipalId")] == "dave")
        .unwrap();
    assert_eq!(dave.1[column(header, "ApplyResult")], "AppliedSuccessfully");
    assert_eq!(dave.1[column(header, "ApplyDescription")], "Access removed");
    assert_eq!(
        dave.1[column(header, "AppliedBy")],
        "Administrator (Ada Admin)"
    );
}

#[test]
fn results_json_uses_graph_decision_item_names() {
    let mut sim = Sim::new(tenant());
    let mut def = definition("dyn", ResourceKind::Group, "g-dynamic");
    def.settings.if_no_response = NoResponse::RemoveAccess;
    sim.create(def);
    let id = "dyn~0~g-dynamic";
    let inst = sim.instance(id).clone();
    let json = results_json(&sim.state, &inst, sim.now);
    let items = json["value"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let first = &items[0];
    for field in [
        "id",
        "accessReviewId",
        "decision",
        "applyResult",
        "reviewedBy",
        "reviewedDateTime",
        "justification",
        "principal",
        "resource",
        "recommendation",
        "appliedBy",
        "appliedDateTime",
    ] {
        assert!(first.get(field).is_some(), "field {field} in {first}");
    }
    assert_eq!(first["decision"], "NotReviewed");
    assert_eq!(first["applyResult"], "New");
    assert_eq!(
        first["principal"]["@odata.type"],
        "#microsoft.graph.userIdentity"
    );
    assert_eq!(first["resource"]["id"], "g-dynamic");

    sim.ok(
        &admin(),
        Command::StopReview {
            instance: id.into(),
        },
    );
    sim.ok(
        &admin(),
        Command::ApplyResults {
            instance: id.into(),
        },
    );
    let inst = sim.instance(id).clone();
    let json = results_json(&sim.state, &inst, sim.now);
    assert_eq!(json["value"][0]["applyResult"], "ApplyNotSupported");
    assert!(json["value"][0]["applyDescription"]
        .as_str()
        .unwrap()
        .contains("dynamic group"));
}

fn audited_sim() -> Sim {
    let mut sim = Sim::new(tenant());
    exception_review(&mut sim);
    decide_with(
        &mut sim,
        "olivia",
        "alice",
        Decision::Approve,
        "works on, the \"CRM\"\r\nproject",
    );
    decide_with(&mut sim, "olivia", "bob", Decision::Deny, "left the team");
    sim.advance(days(8));
    sim.ok(
        &admin(),
        Command::ApplyResults {
            instance: EXC.into(),
        },
    );
    sim
}

#[test]
fn audit_rows_say_who_did_what_when_and_why() {
    let sim = audited_sim();
    let rows = audit_rows(&sim.state, &sim.log);
    let bob = rows
        .iter()
        .find(|r| r.action == "Decision recorded" && r.subject == "Bob")
        .expect("bob's decision");
    assert_eq!(bob.actor, "Olivia");
    assert_eq!(bob.reason, "left the team");
    assert_eq!(bob.decision, Some(Decision::Deny));
    assert_eq!(bob.review.as_deref(), Some("exc"));
    // The deadline is recorded with the time it was due, not when the clock noticed.
    let ended = rows.iter().find(|r| r.action == "Stage ended").unwrap();
    assert_eq!(ended.at, t0() + days(7));
    assert!(ended.recorded > ended.at);
    assert!(rows
        .iter()
        .any(|r| r.action == "Access removed" && r.subject == "Bob"));

    let only_denials = AuditFilter {
        decision: Some(Decision::Deny),
        ..Default::default()
    };
    let denied: Vec<_> = rows.iter().filter(|r| only_denials.matches(r)).collect();
    assert_eq!(denied.len(), 1);
    let by_olivia = AuditFilter {
        reviewer: Some("olivia".into()),
        ..Default::default()
    };
    let actions: Vec<_> = rows
        .iter()
        .filter(|r| by_olivia.matches(r))
        .map(|r| r.action.as_str())
        .collect();
    // Her two decisions and the halfway reminder (carol and dave were still undecided).
    assert_eq!(
        actions,
        ["Decision recorded", "Decision recorded", "Reminder sent"]
    );
    let by_admin = AuditFilter {
        actor: Some("Administrator (Ada Admin)".into()),
        ..Default::default()
    };
    let actions: Vec<_> = rows
        .iter()
        .filter(|r| by_admin.matches(r))
        .map(|r| r.action.as_str())
        .collect();
    assert!(actions.contains(&"Directory imported"), "{actions:?}");
    assert!(
        actions.iter().all(|a| !a.starts_with("Decision")),
        "{actions:?}"
    );
    let before_start = AuditFilter {
        until: Some(t0()),
        ..Default::default()
    };
    assert!(rows
        .iter()
        .filter(|r| before_start.matches(r))
        .all(|r| r.action == "Directory imported"));
}

#[test]
fn an_exported_report_verifies_and_tampering_is_caught() {
    let sim = audited_sim();
    let rows = audit_rows(&sim.state, &sim.log);
    let report = audit_csv(&rows);
    assert!(report.csv.starts_with('\u{feff}'));
    assert_eq!(
        verify_audit_csv(&report.csv),
        Ok((report.head.clone(), rows.len()))
    );

    let lines: Vec<&str> = report.csv.split("\r\n").collect();
    let alice_line = lines
        .iter()
        .position(|l| l.contains("Decision recorded") && l.contains(",Alice,"))
        .expect("alice's line");
    let bob_line = lines
        .iter()
        .position(|l| l.contains("left the team"))
        .expect("bob's line");
    // The justification with a quoted line break spans two physical lines.
    assert!(bob_line > alice_line);

    // A changed decision.
    let changed = report.csv.replace("left the team", "still on the team");
    let err = verify_audit_csv(&changed).unwrap_err();
    assert!(err.problem.contains("changed"), "{err}");

    // A removed row.
    let mut without: Vec<&str> = lines.clone();
    without.remove(bob_line);
    let err = verify_audit_csv(&without.join("\r\n")).unwrap_err();
    assert!(err.problem.contains("removed"), "{err}");

    // The last row removed, trailer kept.
    let mut cut: Vec<&str> = lines.clone();
    let trailer = cut
        .iter()
        .position(|l| l.starts_with(CHAIN_TRAILER))
        .unwrap();
    cut.remove(trailer - 1);
    assert!(verify_audit_csv(&cut.join("\r\n")).is_err());

    // Cut short before the trailer.
    let short = lines[..trailer].join("\r\n");
    let err = verify_audit_csv(&short).unwrap_err();
    assert!(err.problem.contains("cut short"), "{err}");

    // A filtered report is a report of its own and verifies too.
    let filter = AuditFilter {
        decision: Some(Decision::Approve),
        ..Default::default()
    };
    let some: Vec<AuditRow> = rows.into_iter().filter(|r| filter.matches(r)).collect();
    let filtered = audit_csv(&some);
    assert_eq!(verify_audit_csv(&filtered.csv).map(|v| v.1), Ok(1));
}

#[test]
fn stop_review_preview_counts_undecided_and_the_no_response_outcome() {
    let mut sim = Sim::new(tenant());
    exception_review(&mut sim);
    decide_with(&mut sim, "olivia", "alice", Decision::Approve, "ok");
    let p = stop_review_preview(&sim.state, sim.instance(EXC));
    assert_eq!(p.undecided_in_stage, 3);
    assert_eq!(p.without_standing_decision, 3);
    assert_eq!(p.no_response, NoResponse::RemoveAccess);
    assert_eq!(p.outcomes.denied, 3);
}

#[test]
fn links_are_url_encoded_deep_links_to_the_reviewer_page() {
    assert_eq!(url_encode("def~0~g-sales"), "def~0~g-sales");
    assert_eq!(url_encode("a b/c?d&é"), "a%20b%2Fc%3Fd%26%C3%A9");
    assert_eq!(
        reviewer_link("r 1~0~g/x", 1, "u-000001"),
        "/my-reviews/r%201~0~g%2Fx/2?reviewer=u-000001"
    );
}

/// Managers review g-exception: mary has alice and bob, mike has carol, dave has no manager
/// so the fallback aaron reviews him. Ten days, so the reminder is due on day 5.
fn managers_review(sim: &mut Sim) -> &'static str {
    let mut def = definition("mgr", ResourceKind::Group, "g-exception");
    def.description_for_reviewers = "Confirm your reports still need the exception.".into();
    def.stages = vec![
        stage(Reviewers::Managers, &["aaron"], 10),
        stage(Reviewers::ResourceOwners, &[], 4),
    ];
    def.decisions_to_next_stage = vec![Outcome::Approve];
    sim.create(def);
    "mgr~0~g-exception"
}

#[test]
fn outbox_sends_start_reminder_and_completion_messages() {
    let mut sim = Sim::new(tenant());
    let id = managers_review(&mut sim);
    for user in ["alice", "bob"] {
        sim.decide(id, "mary", user, Decision::Approve).unwrap();
    }
    sim.advance(days(5));
    let messages = outbox(&sim.state, &sim.log);

    let started: Vec<_> = messages
        .iter()
        .filter(|m| m.kind == MessageKind::ReviewStarted)
        .collect();
    let to: Vec<_> = started.iter().filter_map(|m| m.to.user_id()).collect();
    assert_eq!(
        to,
        ["aaron", "mary", "mike"],
        "every stage 1 reviewer, once"
    );
    let mary = started
        .iter()
        .find(|m| m.to.user_id() == Some("mary"))
        .unwrap();
    assert_eq!(mary.link, reviewer_link(id, 0, "mary"));
    assert!(mary
        .body
        .contains("Confirm your reports still need the exception."));
    assert!(mary.body.contains("2 reviewee(s)"));

    let reminded: Vec<_> = messages
        .iter()
        .filter(|m| m.kind == MessageKind::Reminder)
        .filter_map(|m| m.to.user_id())
        .collect();
    assert_eq!(
        reminded,
        ["aaron", "mike"],
        "mary decided everything: no reminder"
    );

    sim.advance(days(5));
    let messages = outbox(&sim.state, &sim.log);
    let stage2: Vec<_> = messages
        .iter()
        .filter(|m| m.kind == MessageKind::StageStarted)
        .collect();
    assert_eq!(stage2.len(), 1);
    assert_eq!(stage2[0].to.user_id(), Some("olivia"));
    assert_eq!(stage2[0].link, reviewer_link(id, 1, "olivia"));
    assert!(
        stage2[0].body.contains("2 reviewee(s)"),
        "only the approved moved on"
    );
    assert!(messages
        .iter()
        .any(|m| m.kind == MessageKind::StageEnded && m.to == Recipient::Administrators));

    sim.ok(
        &admin(),
        Command::StopReview {
            instance: id.into(),
        },
    );
    let messages = outbox(&sim.state, &sim.log);
    let done: Vec<_> = messages
        .iter()
        .filter(|m| m.kind == MessageKind::ReviewCompleted)
        .collect();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].to, Recipient::Administrators);
    assert!(done[0].body.contains("was stopped"));
}

#[test]
fn outbox_tells_administrators_about_blocked_and_deleted_guests() {
    let mut sim = Sim::new(tenant());
    let mut def = definition("gst", ResourceKind::Group, "g-partners");
    def.scope.principals = PrincipalScope::GuestsOnly;
    def.settings.denied_guest_action = Some(DeniedGuestAction::BlockThenDelete);
    def.settings.if_no_response = NoResponse::RemoveAccess;
    def.settings.auto_apply = true;
    sim.create(def);
    sim.advance(days(7));
    let blocked: Vec<_> = outbox(&sim.state, &sim.log)
        .into_iter()
        .filter(|m| m.kind == MessageKind::GuestBlocked)
        .collect();
    assert_eq!(blocked.len(), 4, "every guest was denied by no response");
    assert!(blocked.iter().all(|m| m.to == Recipient::Administrators));
    sim.advance(days(31));
    let deleted: Vec<_> = outbox(&sim.state, &sim.log)
        .into_iter()
        .filter(|m| m.kind == MessageKind::GuestDeleted)
        .collect();
    assert_eq!(deleted.len(), 4);
    assert!(
        deleted.iter().any(|m| m.subject == "Guest deleted: Gina"),
        "deleted users are still named: {:?}",
        deleted.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
}
