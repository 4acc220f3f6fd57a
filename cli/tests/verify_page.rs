//! The standalone verifier page (public/verify.html) opened from a file:// URL in headless
//! Chromium with no network (tests/verify-page/check.mjs, playwright-core): it accepts a good
//! pack and refuses every tampered copy with the same message as the engine's `verify_pack`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use attest_engine::evidence::pack::{
    public_key_hex, read_container, seal, verify_pack, write_container, Manifest, Members,
};
use attest_engine::evidence::sha256_hex;
use common::{good_pack, good_series_pack, support::t0, KEY};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The browser: `CHROMIUM` if set, else the first Chromium or Chrome on the PATH.
fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return p.into();
    }
    let path = std::env::var_os("PATH").expect("PATH is set");
    std::env::split_paths(&path)
        .flat_map(|dir| {
            ["chromium", "chromium-browser", "google-chrome"].map(|name| dir.join(name))
        })
        .find(|p| p.is_file())
        .expect("Chromium on the PATH (scripts/setup.sh installs it), or CHROMIUM=path")
}

fn edit_member(members: &mut Members, name: &str, f: impl FnOnce(&mut Vec<u8>)) {
    f(&mut members.iter_mut().find(|(n, _)| n == name).unwrap().1);
}

fn changed(pack: &[u8], f: impl FnOnce(&mut Members)) -> Vec<u8> {
    let mut members = read_container(pack).unwrap();
    f(&mut members);
    write_container(&members, t0())
}

/// Members changed, the manifest made to match and signed again with `key`: a forger's pack.
fn resealed(pack: &[u8], key: &[u8; 32], f: impl FnOnce(&mut Members, &mut Manifest)) -> Vec<u8> {
    let mut members = read_container(pack).unwrap();
    let mut manifest: Manifest = serde_json::from_slice(&members[0].1).unwrap();
    members.drain(..2);
    f(&mut members, &mut manifest);
    for d in &mut manifest.members {
        if let Some((_, b)) = members.iter().find(|(n, _)| *n == d.name) {
            d.size = b.len() as u64;
            d.sha256 = sha256_hex(b);
        }
    }
    seal(
        &serde_json::to_vec_pretty(&manifest).unwrap(),
        members,
        key,
        t0(),
    )
}

fn lines(bytes: &mut Vec<u8>, f: impl FnOnce(&mut Vec<String>)) {
    let text = String::from_utf8(bytes.clone()).unwrap();
    let mut rows: Vec<String> = text.split_inclusive("\r\n").map(String::from).collect();
    f(&mut rows);
    *bytes = rows.concat().into_bytes();
}

#[test]
fn the_verifier_page_accepts_a_good_pack_and_names_what_is_wrong_with_tampered_ones() {
    let good = good_pack();
    let ours = public_key_hex(&KEY);
    let theirs = public_key_hex(&[4; 32]);
    let flip = |b: &mut Vec<u8>| {
        let at = b.len() / 2;
        b[at] ^= 1;
    };
    // name, pack, pinned key; every refusal must read as the engine's.
    let cases: Vec<(&str, Vec<u8>, Option<&str>)> = vec![
        ("good", good.clone(), None),
        ("good-pinned", good.clone(), Some(&ours)),
        ("other-key-expected", good.clone(), Some(&theirs)),
        (
            "history-byte",
            changed(&good, |m| edit_member(m, "history.csv", flip)),
            None,
        ),
        (
            "decisions-byte",
            changed(&good, |m| edit_member(m, "decisions.csv", flip)),
            None,
        ),
        (
            "manifest-byte",
            changed(&good, |m| edit_member(m, "manifest.json", flip)),
            None,
        ),
        (
            "public-key-swapped",
            changed(&good, |m| {
                edit_member(m, "signature.json", |b| {
                    let text = String::from_utf8(b.clone()).unwrap();
                    let pem_ours = attest_engine::evidence::pack::public_key_pem_of(&KEY);
                    let pem_theirs = attest_engine::evidence::pack::public_key_pem_of(&[4; 32]);
                    let pem = |p: &str| serde_json::to_string(p).unwrap();
                    *b = text
                        .replace(&ours, &theirs)
                        .replace(&pem(&pem_ours), &pem(&pem_theirs))
                        .into_bytes();
                })
            }),
            None,
        ),
        (
            "history-reordered-resigned",
            resealed(&good, &KEY, |m, _| {
                edit_member(m, "history.csv", |b| lines(b, |l| l.swap(2, 3)))
            }),
            None,
        ),
        (
            "history-row-removed-resigned",
            resealed(&good, &KEY, |m, _| {
                edit_member(m, "history.csv", |b| lines(b, |l| drop(l.remove(2))))
            }),
            None,
        ),
        (
            "chain-rows-resigned",
            resealed(&good, &KEY, |_, manifest| manifest.chain.rows += 1),
            None,
        ),
        (
            "decision-removed-resigned-by-another-key",
            resealed(&good, &[4; 32], |m, _| {
                edit_member(m, "decisions.csv", |b| lines(b, |l| drop(l.remove(1))))
            }),
            Some(&ours),
        ),
        (
            "member-added",
            changed(&good, |m| m.push(("note.txt".into(), b"all fine".to_vec()))),
            None,
        ),
        (
            "member-removed",
            changed(&good, |m| m.retain(|(n, _)| n != "results.csv")),
            None,
        ),
        ("not-a-zip", b"PK\x03\x04 this is not a zip".to_vec(), None),
        ("series", good_series_pack(), Some(&ours)),
        (
            "series-occurrence-byte",
            changed(&good_series_pack(), |m| {
                edit_member(m, "two~0~g-exception/decisions.csv", flip)
            }),
            None,
        ),
    ];

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("verify-page");
    std::fs::create_dir_all(&dir).unwrap();
    let mut args = vec![
        root().join("tests/verify-page/check.mjs").into_os_string(),
        chromium().into_os_string(),
        root().join("public/verify.html").into_os_string(),
    ];
    for (name, bytes, key) in &cases {
        let path = dir.join(format!("{name}.zip"));
        std::fs::write(&path, bytes).unwrap();
        let mut arg = path.into_os_string();
        if let Some(k) = key {
            arg.push(format!("={k}"));
        }
        args.push(arg);
    }
    let out = Process::new("node")
        .args(&args)
        .output()
        .expect("node runs (scripts/setup.sh installs it)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the page harness failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(results.len(), cases.len(), "one answer per pack: {stdout}");
    for ((name, bytes, key), page) in cases.iter().zip(&results) {
        let state = page["state"].as_str().unwrap();
        match verify_pack(bytes, *key) {
            Ok(_) => {
                assert_eq!(state, "verified", "{name}: {page}");
                let text = page["text"].as_str().unwrap();
                assert!(text.contains(&ours), "{name}: names the key: {text}");
                assert_eq!(
                    text.contains("(the expected key)"),
                    key.is_some(),
                    "{name}: says whether the key was pinned: {text}"
                );
            }
            Err(engine) => {
                assert_eq!(state, "failed", "{name}: {page}");
                let problem = page["problem"].as_str().unwrap();
                let engine = engine.to_string();
                if *name == "not-a-zip" {
                    // The zip readers word a broken container differently; the kind is the same.
                    assert!(
                        problem.starts_with("not a readable evidence pack:"),
                        "{problem}"
                    );
                    assert!(
                        engine.starts_with("not a readable evidence pack:"),
                        "{engine}"
                    );
                } else {
                    assert_eq!(
                        problem, engine,
                        "{name}: the page says what the engine says"
                    );
                }
            }
        }
    }
    let refused = results.iter().filter(|r| r["state"] == "failed").count();
    assert_eq!(refused, cases.len() - 3, "every tampered pack is refused");
}
