//! The signed evidence pack of a finished three-stage review: it verifies, its members say
//! what an auditor needs, and every kind of tampering is caught with a message that names
//! the member and where in it.

mod support;

use attest_engine::definition::*;
use attest_engine::directory::ResourceKind;
use attest_engine::evidence::pack::*;
use attest_engine::evidence::sha256_hex;
use attest_engine::import::parse_csv;
use attest_engine::instance::Decision::{Approve, Deny};
use attest_engine::Command;
use support::*;

const KEY: [u8; 32] = [7; 32];
const OTHER_KEY: [u8; 32] = [9; 32];
const ID: &str = "consensus~0~g-exception";

/// Managers, then group owners, then the auditors group; decisions in every stage, two
/// stages stopped early, the last one running out, results applied.
fn finished_review() -> Sim {
    let mut sim = Sim::new(tenant());
    let mut def = definition("consensus", ResourceKind::Group, "g-exception");
    def.stages = vec![
        stage(Reviewers::Managers, &["olivia"], 7),
        stage(Reviewers::ResourceOwners, &[], 7),
        stage(
            Reviewers::GroupMembers {
                group: "g-auditors".into(),
            },
            &[],
            7,
        ),
    ];
    def.show_previous_decisions = true;
    def.decisions_to_next_stage = Outcome::ALL.to_vec();
    def.settings.if_no_response = NoResponse::RemoveAccess;
    sim.create(def);
    let stop = |sim: &mut Sim| {
        sim.ok(
            &admin(),
            Command::StopCurrentStage {
                instance: ID.into(),
            },
        )
    };
    sim.decide(ID, "mary", "alice", Approve).unwrap();
    sim.decide(ID, "mary", "bob", Deny).unwrap();
    sim.decide(ID, "mike", "carol", Approve).unwrap();
    stop(&mut sim);
    sim.decide(ID, "olivia", "bob", Approve).unwrap();
    sim.decide(ID, "olivia", "carol", Deny).unwrap();
    stop(&mut sim);
    sim.decide(ID, "aaron", "alice", Deny).unwrap();
    sim.decide(ID, "aaron", "bob", Approve).unwrap();
    sim.advance(days(8));
    sim.ok(
        &admin(),
        Command::ApplyResults {
            instance: ID.into(),
        },
    );
    sim
}

fn pack(sim: &Sim) -> Vec<u8> {
    evidence_pack(&sim.state, &sim.log, ID, sim.now, &KEY).unwrap()
}

fn member<'a>(members: &'a [(String, Vec<u8>)], name: &str) -> &'a [u8] {
    &members.iter().find(|(n, _)| n == name).unwrap().1
}

fn csv_rows(members: &[(String, Vec<u8>)], name: &str) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(member(members, name)).unwrap();
    parse_csv(text)
        .unwrap()
        .into_iter()
        .map(|(_, r)| r)
        .collect()
}

#[test]
fn a_finished_multi_stage_review_packs_and_verifies() {
    let sim = finished_review();
    let bytes = pack(&sim);
    assert_eq!(
        bytes,
        pack(&sim),
        "the same log and time give the same pack"
    );
    let ok = verify_pack(&bytes, Some(&public_key_hex(&KEY))).unwrap();
    assert_eq!(ok.manifest.instance, ID);
    assert_eq!(ok.public_key, public_key_hex(&KEY));
    assert_eq!(
        ok.members,
        [
            "manifest.json",
            "signature.json",
            "definition.json",
            "population.csv",
            "decisions.csv",
            "stages.json",
            "notifications.json",
            "results.csv",
            "history.csv",
            "signoffs.csv"
        ]
    );

    let members = read_container(&bytes).unwrap();
    // The manifest's digests are what sha256sum prints for each member.
    for m in &ok.manifest.members {
        assert_eq!(
            m.sha256,
            sha256_hex(member(&members, &m.name)),
            "{}",
            m.name
        );
    }
    // Who had access when the review started, and through what path.
    let population = csv_rows(&members, "population.csv");
    let users: Vec<&str> = population[1..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(users, ["alice", "bob", "carol", "dave"]);
    assert!(population[1..]
        .iter()
        .all(|r| r[5] == "Direct" && r[4] == "Member"));
    // Every stage's decision with reviewer, time and justification.
    let decisions = csv_rows(&members, "decisions.csv");
    let seen: Vec<(&str, &str, &str, &str)> = decisions[1..]
        .iter()
        .map(|r| (r[2].as_str(), r[1].as_str(), r[4].as_str(), r[5].as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("alice", "1", "Approve", "mary"),
            ("alice", "3", "Deny", "aaron"),
            ("bob", "1", "Deny", "mary"),
            ("bob", "2", "Approve", "olivia"),
            ("bob", "3", "Approve", "aaron"),
            ("carol", "1", "Approve", "mike"),
            ("carol", "2", "Deny", "olivia"),
        ]
    );
    assert_eq!(decisions[1][9], "mary on alice");
    assert!(
        decisions[1][8].ends_with('Z'),
        "reviewed time: {}",
        decisions[1][8]
    );
    // Stage transitions with their reasons.
    let stages: serde_json::Value =
        serde_json::from_slice(member(&members, "stages.json")).unwrap();
    let reasons: Vec<&str> = stages["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["endReason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["Stopped", "Stopped", "Deadline"]);
    // Who was contacted: each stage's reviewers when it started.
    let sent: serde_json::Value =
        serde_json::from_slice(member(&members, "notifications.json")).unwrap();
    let stage3: Vec<&str> = sent
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["stage"] == 2 && m["kind"] == "StageStarted")
        .map(|m| m["to"]["id"].as_str().unwrap())
        .collect();
    assert!(
        stage3.contains(&"aaron"),
        "stage 3 reviewers contacted: {stage3:?}"
    );
    // Apply results per item; the chain head covers this instance's history.
    let results = csv_rows(&members, "results.csv");
    let apply = results[0].iter().position(|c| c == "ApplyResult").unwrap();
    assert!(results[1..]
        .iter()
        .all(|r| r[apply] == "AppliedSuccessfully"));
    let history = csv_rows(&members, "history.csv");
    assert_eq!(
        ok.manifest.chain.rows,
        history.len() - 2,
        "rows between header and trailer"
    );
    assert_eq!(history.last().unwrap()[1], ok.manifest.chain.head);
}

/// A pack with one member's bytes replaced, as written by someone without the key.
fn with_member(bytes: &[u8], name: &str, f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut members = read_container(bytes).unwrap();
    f(&mut members.iter_mut().find(|(n, _)| n == name).unwrap().1);
    write_container(&members, support::t0())
}

/// A pack whose members were changed and whose manifest was rewritten to match and signed
/// again with `key`: what a forger holding a key could make. `manifest` edits the manifest.
fn resealed(
    bytes: &[u8],
    key: &[u8; 32],
    edit: impl FnOnce(&mut Vec<(String, Vec<u8>)>),
    manifest: impl FnOnce(&mut Manifest),
) -> Vec<u8> {
    let mut members = read_container(bytes).unwrap();
    let mut m: Manifest = serde_json::from_slice(&members[0].1).unwrap();
    members.drain(..2);
    edit(&mut members);
    for d in &mut m.members {
        if let Some((_, b)) = members.iter().find(|(n, _)| *n == d.name) {
            d.size = b.len() as u64;
            d.sha256 = sha256_hex(b);
        }
    }
    manifest(&mut m);
    seal(
        &serde_json::to_vec_pretty(&m).unwrap(),
        members,
        key,
        support::t0(),
    )
}

/// Swap the CSV lines `a` and `b` (0-based, header is 0) of `name`.
fn swap_lines(members: &mut [(String, Vec<u8>)], name: &str, a: usize, b: usize) {
    let m = members.iter_mut().find(|(n, _)| n == name).unwrap();
    let text = String::from_utf8(m.1.clone()).unwrap();
    let mut lines: Vec<&str> = text.split_inclusive("\r\n").collect();
    lines.swap(a, b);
    m.1 = lines.concat().into_bytes();
}

fn remove_line(members: &mut [(String, Vec<u8>)], name: &str, line: usize) {
    let m = members.iter_mut().find(|(n, _)| n == name).unwrap();
    let text = String::from_utf8(m.1.clone()).unwrap();
    let mut lines: Vec<&str> = text.split_inclusive("\r\n").collect();
    lines.remove(line);
    m.1 = lines.concat().into_bytes();
}

#[test]
fn changing_any_byte_of_any_member_is_caught_and_named() {
    let good = pack(&finished_review());
    for (name, data) in read_container(&good).unwrap() {
        // Every byte of the small members; a spread of positions in the larger ones.
        let step = (data.len() / 400).max(1);
        for at in (0..data.len()).step_by(step).chain([data.len() - 1]) {
            let bad = with_member(&good, &name, |b| b[at] ^= 0x01);
            let err = verify_pack(&bad, None)
                .expect_err(&format!("{name} byte {at} changed but the pack verifies"))
                .to_string();
            // The manifest is covered by the signature, whose member is named.
            let named = if name == MANIFEST { SIGNATURE } else { &name };
            assert!(
                err.starts_with(named),
                "{name} byte {at}: message should name {named}: {err}"
            );
        }
    }
}

#[test]
fn tampering_is_caught_with_what_and_where() {
    let good = pack(&finished_review());
    let other_pub = public_key_hex(&OTHER_KEY);
    let our_pub = public_key_hex(&KEY);
    type Tamper = Box<dyn Fn(&[u8]) -> Vec<u8>>;
    let cases: Vec<(&str, Tamper, Option<&str>, &str)> = vec![
        (
            "a decision row removed",
            Box::new(|p| {
                with_member(p, "decisions.csv", |b| {
                    let text = String::from_utf8(b.clone()).unwrap();
                    let mut lines: Vec<&str> = text.split_inclusive("\r\n").collect();
                    lines.remove(2);
                    *b = lines.concat().into_bytes();
                })
            }),
            None,
            "decisions.csv: size is",
        ),
        (
            "history rows reordered",
            Box::new(|p| {
                let mut m = read_container(p).unwrap();
                swap_lines(&mut m, HISTORY, 2, 3);
                write_container(&m, t0())
            }),
            None,
            "history.csv: SHA-256 is",
        ),
        (
            "history rows reordered, manifest rewritten and signed again",
            Box::new(|p| resealed(p, &KEY, |m| swap_lines(m, HISTORY, 2, 3), |_| {})),
            None,
            "history.csv: line 3: the row's chain value does not match",
        ),
        (
            "a history row removed, manifest rewritten and signed again",
            Box::new(|p| resealed(p, &KEY, |m| remove_line(m, HISTORY, 4), |_| {})),
            None,
            "history.csv: line 5: the row's chain value does not match",
        ),
        (
            "manifest chain head changed and signed again",
            Box::new(|p| resealed(p, &KEY, |_| {}, |m| m.chain.head = "0".repeat(64))),
            None,
            "manifest.json: field \"chain.head\"",
        ),
        (
            "manifest row count changed and signed again",
            Box::new(|p| resealed(p, &KEY, |_| {}, |m| m.chain.rows += 1)),
            None,
            "manifest.json: field \"chain.rows\"",
        ),
        (
            "chain pointed at another member and signed again",
            Box::new(|p| resealed(p, &KEY, |_| {}, |m| m.chain.member = "decisions.csv".into())),
            None,
            "manifest.json: field \"chain.member\"",
        ),
        (
            "a member removed",
            Box::new(|p| {
                let mut m = read_container(p).unwrap();
                m.retain(|(n, _)| n != "stages.json");
                write_container(&m, t0())
            }),
            None,
            "stages.json: missing from the pack",
        ),
        (
            "a member added",
            Box::new(|p| {
                let mut m = read_container(p).unwrap();
                m.push(("note.txt".into(), b"all fine".to_vec()));
                write_container(&m, t0())
            }),
            None,
            "note.txt: in the pack but not listed",
        ),
        (
            "signed again with another key, the expected key pinned",
            Box::new(|p| resealed(p, &OTHER_KEY, |_| {}, |_| {})),
            Some(our_pub.as_str()),
            "signature.json: signed by key",
        ),
        (
            "public key swapped, signature kept",
            Box::new(move |p| {
                let other = resealed(p, &OTHER_KEY, |_| {}, |_| {});
                let mut m = read_container(p).unwrap();
                m[1].1 = read_container(&other).unwrap()[1].1.clone();
                let theirs: SignatureFile = serde_json::from_slice(&m[1].1).unwrap();
                let ours: SignatureFile =
                    serde_json::from_slice(&read_container(p).unwrap()[1].1).unwrap();
                let swapped = SignatureFile {
                    signature: ours.signature,
                    ..theirs
                };
                m[1].1 = serde_json::to_vec(&swapped).unwrap();
                write_container(&m, t0())
            }),
            None,
            "signature.json: the signature does not match manifest.json",
        ),
        (
            "more members than a pack has",
            Box::new(|p| {
                let mut m = read_container(p).unwrap();
                m.extend((0..4100).map(|i| (format!("extra-{i}.txt"), vec![b'x'])));
                write_container(&m, t0())
            }),
            None,
            "not a readable evidence pack: 4110 members, a pack has at most 4096",
        ),
        (
            "not a zip",
            Box::new(|_| b"PK but not really".to_vec()),
            None,
            "not a readable evidence pack",
        ),
    ];
    assert_ne!(other_pub, our_pub);
    for (name, tamper, pinned, expected) in cases {
        let bad = tamper(&good);
        match verify_pack(&bad, pinned) {
            Ok(_) => panic!("{name}: the tampered pack verifies"),
            Err(e) => assert!(
                e.to_string().starts_with(expected),
                "{name}: expected a message starting {expected:?}, got {e}"
            ),
        }
    }
    // Without a pinned key a pack re-signed by someone else verifies, naming their key:
    // that is why a verifier should pin the organisation's published key.
    let other = resealed(&good, &OTHER_KEY, |_| {}, |_| {});
    assert_eq!(verify_pack(&other, None).unwrap().public_key, other_pub);
}

#[test]
fn an_unknown_instance_has_no_pack() {
    let sim = finished_review();
    assert_eq!(
        evidence_pack(&sim.state, &sim.log, "nope", sim.now, &KEY),
        Err(PackError::NoInstance("nope".into()))
    );
}

/// A weekly review of g-exception by its owner, three occurrences, a decision in each.
fn weekly_series() -> Sim {
    let mut sim = Sim::new(tenant());
    let mut def = definition("weekly", ResourceKind::Group, "g-exception");
    def.stages = vec![stage(Reviewers::ResourceOwners, &[], 5)];
    def.schedule.frequency = Frequency::Weekly;
    sim.create(def);
    for n in 0..3 {
        let id = format!("weekly~{n}~g-exception");
        sim.decide(&id, "olivia", "bob", if n == 1 { Deny } else { Approve })
            .unwrap();
        sim.advance(days(7));
    }
    sim
}

#[test]
fn a_series_packs_every_occurrence_and_verifies() {
    let sim = weekly_series();
    let bytes = series_pack(&sim.state, &sim.log, "weekly", sim.now, &KEY).unwrap();
    let ok = verify_pack(&bytes, Some(&public_key_hex(&KEY))).expect("the series pack verifies");
    let occurrences: Vec<String> = (0..4).map(|n| format!("weekly~{n}~g-exception")).collect();
    assert_eq!(
        ok.manifest.instances, occurrences,
        "every occurrence started, in order"
    );
    assert_eq!(ok.manifest.instance, "");
    for id in &occurrences {
        for part in [
            "population.csv",
            "decisions.csv",
            "stages.json",
            "results.csv",
            "signoffs.csv",
        ] {
            let name = format!("{id}/{part}");
            assert!(ok.members.contains(&name), "{name} in {:?}", ok.members);
        }
    }
    // Each occurrence's decisions are its own.
    let members = read_container(&bytes).unwrap();
    let decided = |n: usize| {
        csv_rows(&members, &format!("weekly~{n}~g-exception/decisions.csv"))[1..]
            .iter()
            .map(|r| (r[2].clone(), r[4].clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(decided(0), [("bob".to_string(), "Approve".to_string())]);
    assert_eq!(decided(1), [("bob".to_string(), "Deny".to_string())]);
    assert!(decided(3).is_empty(), "the running occurrence has none yet");
    // The series' history is every occurrence's, under one chain.
    let per_instance: usize = occurrences
        .iter()
        .map(|id| {
            let one = evidence_pack(&sim.state, &sim.log, id, sim.now, &KEY).unwrap();
            verify_pack(&one, None).unwrap().manifest.chain.rows
        })
        .sum();
    assert!(
        ok.manifest.chain.rows >= per_instance,
        "{} series rows, {per_instance} in the instances' packs",
        ok.manifest.chain.rows
    );
    // A changed byte in an occurrence's member is named.
    let tampered = with_member(&bytes, "weekly~1~g-exception/decisions.csv", |b| {
        let at = b.len() - 3;
        b[at] ^= 1;
    });
    let err = verify_pack(&tampered, None).unwrap_err().to_string();
    assert!(
        err.starts_with("weekly~1~g-exception/decisions.csv: SHA-256 is"),
        "{err}"
    );
    assert_eq!(
        series_pack(&sim.state, &sim.log, "nope", sim.now, &KEY).unwrap_err(),
        PackError::NoReview("nope".into())
    );
}
