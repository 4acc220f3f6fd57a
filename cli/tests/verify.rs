//! `attest verify` run as a user runs it: on a pack of a finished two-stage review, that pack
//! with one byte of the history changed, and with the wrong expected key.

// The engine's test tenant and simulator drive the review the way the app does.
#[path = "../../engine/tests/support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::process::Command as Process;

use attest_engine::definition::{NoResponse, Outcome, Reviewers};
use attest_engine::directory::ResourceKind;
use attest_engine::evidence::pack::{
    evidence_pack, public_key_hex, read_container, write_container,
};
use attest_engine::instance::Decision::{Approve, Deny};
use attest_engine::Command;
use support::*;

const KEY: [u8; 32] = [3; 32];
const ID: &str = "two~0~g-exception";

fn good_pack() -> Vec<u8> {
    let mut sim = Sim::new(tenant());
    let mut def = definition("two", ResourceKind::Group, "g-exception");
    def.stages = vec![
        stage(Reviewers::Managers, &["olivia"], 7),
        stage(Reviewers::ResourceOwners, &[], 7),
    ];
    def.decisions_to_next_stage = Outcome::ALL.to_vec();
    def.settings.if_no_response = NoResponse::RemoveAccess;
    sim.create(def);
    sim.decide(ID, "mary", "alice", Approve).unwrap();
    sim.ok(
        &admin(),
        Command::StopCurrentStage {
            instance: ID.into(),
        },
    );
    sim.decide(ID, "olivia", "alice", Deny).unwrap();
    sim.advance(days(8));
    sim.ok(
        &admin(),
        Command::ApplyResults {
            instance: ID.into(),
        },
    );
    evidence_pack(&sim.state, &sim.log, ID, sim.now, &KEY).unwrap()
}

fn write(name: &str, bytes: &[u8]) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Run `attest verify` with `args`: exit code, stdout, stderr.
fn verify(args: &[&str]) -> (i32, String, String) {
    let out = Process::new(env!("CARGO_BIN_EXE_attest"))
        .arg("verify")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn verify_accepts_a_good_pack_and_names_what_is_wrong_with_a_bad_one() {
    let good = good_pack();
    let mut members = read_container(&good).unwrap();
    let history = members
        .iter_mut()
        .find(|(n, _)| n == "history.csv")
        .unwrap();
    let at = history.1.len() / 2;
    history.1[at] ^= 0x01;
    let tampered = write_container(&members, t0());

    let good = write("good.zip", &good);
    let tampered = write("tampered.zip", &tampered);
    let missing = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("no-such-pack.zip");
    let ours = public_key_hex(&KEY);
    let theirs = public_key_hex(&[4; 32]);
    let p = |p: &PathBuf| p.to_str().unwrap().to_string();
    let cases: Vec<(&str, Vec<String>, i32, &str)> = vec![
        ("good pack", vec![p(&good)], 0, "VERIFIED"),
        (
            "good pack, key pinned",
            vec![p(&good), "--key".into(), ours.clone()],
            0,
            "(the expected key)",
        ),
        (
            "tampered history",
            vec![p(&tampered)],
            1,
            "history.csv: SHA-256 is",
        ),
        (
            "another key expected",
            vec![p(&good), "--key".into(), theirs],
            1,
            "signature.json: signed by key",
        ),
        ("no such file", vec![p(&missing)], 2, "cannot read it"),
    ];
    for (name, args, code, says) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (got, stdout, stderr) = verify(&args);
        assert_eq!(
            got, code,
            "{name}: exit code; stdout {stdout} stderr {stderr}"
        );
        let said = if code == 0 { &stdout } else { &stderr };
        assert!(said.contains(says), "{name}: should say {says:?}: {said}");
    }
}
