//! Snapshots: a whole state reads back exactly (every scenario's states are also checked
//! step by step in `support::Sim`), and damaged bytes are refused with where, never a panic
//! or a wrong state.

mod support;

use attest_engine::command::Command;
use attest_engine::definition::Reviewers;
use attest_engine::directory::ResourceKind;
use attest_engine::instance::Decision;
use attest_engine::sample::{sample_tenant, SampleConfig};
use attest_engine::snapshot::{decode, encode};
use support::*;

/// A sample tenant of 1,500 users with a finished, applied three-stage review of All
/// Employees: recommendations with reasons, accepted recommendations, decisions with
/// justifications, fallback reviewers, items that did not move on, apply results.
fn finished_review() -> Sim {
    let dir = sample_tenant(&SampleConfig {
        users: 1_500,
        seed: 3,
        now: t0(),
    });
    let mut sim = Sim::new(dir);
    let mut def = definition("snap", ResourceKind::Group, "g-it-local-admin");
    def.stages = vec![
        stage(Reviewers::Managers, &["u-000001"], 7),
        stage(
            Reviewers::SelectedUsers {
                users: vec!["u-000002".into()],
            },
            &[],
            7,
        ),
        stage(Reviewers::ResourceOwners, &["u-000001"], 7),
    ];
    def.show_previous_decisions = true;
    def.settings.recommendations.peer_affiliation = true;
    sim.create(def);
    let id = sim
        .state
        .instances
        .keys()
        .next()
        .expect("the review started")
        .clone();
    let reviewers: Vec<String> = sim
        .instance(&id)
        .reviewer_sets
        .iter()
        .flatten()
        .cloned()
        .collect();
    for (n, reviewer) in reviewers.iter().enumerate() {
        let cmd = Command::AcceptRecommendations {
            instance: id.clone(),
            items: None,
            justification: String::new(),
        };
        if n % 2 == 0 {
            let _ = sim.run(&as_user(reviewer), cmd);
        }
    }
    let users: Vec<String> = sim
        .instance(&id)
        .items
        .iter()
        .map(|i| i.user.clone())
        .collect();
    for user in users.iter().take(5) {
        let item = &sim.instance(&id).items[sim.item(&id, user) as usize];
        let reviewer = sim.instance(&id).reviewers_of(item, 0)[0].clone();
        let _ = sim.decide(&id, &reviewer, user, Decision::Deny);
    }
    for _ in 0..3 {
        let _ = sim.run(
            &admin(),
            Command::StopCurrentStage {
                instance: id.clone(),
            },
        );
    }
    sim.ok(&admin(), Command::ApplyResults { instance: id });
    sim
}

#[test]
fn a_finished_applied_review_reads_back_exactly_and_smaller_than_json() {
    let sim = finished_review();
    let instance = sim.state.instances.values().next().unwrap();
    assert!(instance.items.iter().any(|i| i.recommendation.is_some()));
    assert!(instance.items.iter().any(|i| i.apply_result.is_some()));
    assert!(instance
        .items
        .iter()
        .any(|i| i.decisions.iter().any(Option::is_some)));
    let bytes = encode(&sim.state);
    assert_eq!(decode(&bytes).as_ref(), Ok(&sim.state));
    let json = serde_json::to_vec(&sim.state).unwrap();
    assert!(
        bytes.len() * 2 < json.len(),
        "{} bytes vs {} as JSON",
        bytes.len(),
        json.len()
    );
}

#[test]
fn damaged_snapshots_are_refused_with_where() {
    let good = encode(&finished_review().state);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "at byte 0: it ends too early"),
        (
            "another file",
            b"{\"users\":[]}".to_vec(),
            "at byte 0: not an Attest snapshot",
        ),
        (
            "a newer layout",
            [&good[..4], &[9], &good[5..]].concat(),
            "at byte 4: layout version 9 is not known",
        ),
        (
            "one byte too many",
            [&good[..], &[0]].concat(),
            "bytes left over after the state",
        ),
        (
            "a count beyond the end",
            [&good[..5], &[0xff, 0xff, 0xff, 0x7f]].concat(),
            "at byte 5: a count of",
        ),
    ];
    for (name, bytes, expected) in cases {
        let err = decode(&bytes).expect_err(name).to_string();
        assert!(err.contains(expected), "{name}: {err}");
    }
    // Cut anywhere: always an error, never a panic or a partial state.
    for cut in (0..good.len()).step_by(good.len() / 500 + 1) {
        assert!(
            decode(&good[..cut]).is_err(),
            "cut at {cut} read as a state"
        );
    }
    // Any single byte changed: an error or some state, never a panic.
    for at in (0..good.len()).step_by(good.len() / 500 + 1) {
        let mut bad = good.clone();
        bad[at] ^= 0x5a;
        let _ = decode(&bad);
    }
}

#[test]
fn a_directory_alone_reads_back_and_damage_is_refused() {
    use attest_engine::snapshot::{decode_directory, encode_directory};
    let dir = sample_tenant(&SampleConfig {
        users: 800,
        seed: 5,
        now: t0(),
    });
    let bytes = encode_directory(&dir);
    assert_eq!(decode_directory(&bytes).as_ref(), Ok(&dir));
    // A whole-state snapshot is not a directory, and a cut one is refused.
    let state = encode(&finished_review().state);
    assert!(decode_directory(&state)
        .unwrap_err()
        .to_string()
        .contains("not an Attest directory"));
    assert!(decode_directory(&bytes[..bytes.len() - 1]).is_err());
}
