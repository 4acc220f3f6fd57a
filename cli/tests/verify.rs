//! `attest verify` run as a user runs it: on a pack of a finished two-stage review, that pack
//! with one byte of the history changed, and with the wrong expected key.

mod common;

use std::path::PathBuf;
use std::process::Command as Process;

use attest_engine::evidence::pack::{public_key_hex, read_container, write_container};
use common::{good_pack, support::t0, KEY};

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
