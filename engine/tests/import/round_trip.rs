//! Export -> import round trip, and prepare_owned deciding imports as prepare does.

use super::*;

fn check_round_trip(dir: &Directory) {
    let files = export_graph(dir);
    let back = import_graph(&Directory::default(), &files).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(&back, dir);
    assert_eq!(export_graph(&back), files, "export is stable");
}

#[test]
fn export_imports_back_identical() {
    let mut small = expected_graph_directory();
    small.users.get_mut("u2").unwrap().department = None;
    small.users.get_mut("u3").unwrap().last_sign_in =
        Some(at(2025, 1, 2) + chrono::Duration::nanoseconds(123_456_789));
    check_round_trip(&small);
    check_round_trip(&Directory::default());
    check_round_trip(&sample_tenant(&SampleConfig {
        users: 2_000,
        seed: 5,
        now: at(2025, 6, 30),
    }));
}

/// Not an assertion on time: prints how long 100,000 users take to generate, export and
/// import (run with --release --nocapture to measure).
#[test]
fn hundred_thousand_users_round_trip() {
    let started = std::time::Instant::now();
    let dir = sample_tenant(&SampleConfig {
        users: 100_000,
        seed: 1,
        now: at(2025, 6, 30),
    });
    let generated = started.elapsed();
    let files = export_graph(&dir);
    let exported = started.elapsed() - generated;
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let started = std::time::Instant::now();
    let mut import = GraphImport::new(&Directory::default());
    for (name, text) in &files {
        import.add_file(name, text).unwrap();
    }
    let split = started.elapsed();
    let mut steps = 0;
    while {
        let p = import.step(5_000).unwrap();
        steps += 1;
        p.done < p.total
    } {}
    let (back, summary) = import.finish().unwrap();
    println!(
        "100,000 users: generate {generated:?}, export {exported:?} ({} MB), import {:?} (add_file {split:?}, {steps} steps)",
        bytes / 1_000_000,
        started.elapsed()
    );
    assert_eq!(summary.users, Some(100_000));
    assert!(back == dir);
}

/// The runtime saves imports through `prepare_owned` (the directory moves into the record);
/// it must decide exactly as `prepare`: the same record for a good directory, the same
/// refusal for a dangling one or a reviewer trying to import.
#[test]
fn prepare_owned_decides_imports_as_prepare_does() {
    use attest_engine::{Actor, Command, Context, State};
    let good = sample_tenant(&SampleConfig {
        users: 120,
        seed: 9,
        now: Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
    });
    let mut dangling = good.clone();
    dangling.users.values_mut().next().unwrap().manager = Some("u-nobody".into());
    let admin = Actor::Administrator { name: "Ada".into() };
    let reviewer = Actor::User {
        id: good.users.keys().next().unwrap().clone(),
    };
    let state = State {
        directory: good.clone(),
        ..State::default()
    };
    for (directory, actor) in [
        (good, admin.clone()),
        (dangling, admin),
        (state.directory.clone(), reviewer),
    ] {
        let cmd = Command::ImportDirectory {
            directory: Box::new(directory),
            source: "test".into(),
        };
        let ctx = Context {
            actor,
            now: Utc.with_ymd_and_hms(2026, 1, 6, 9, 0, 0).unwrap(),
            record_id: "r1".into(),
            reason: None,
        };
        assert_eq!(
            state.prepare_owned(cmd.clone(), &ctx),
            state.prepare(&cmd, &ctx)
        );
    }
}
