//! The pack the command-line and verifier-page tests check: a finished two-stage review,
//! driven by the engine's test tenant and simulator the way the app drives it.
#![allow(dead_code)] // Each test uses a different subset.

#[path = "../../../engine/tests/support/mod.rs"]
pub mod support;

use attest_engine::definition::{NoResponse, Outcome, Reviewers};
use attest_engine::directory::ResourceKind;
use attest_engine::evidence::pack::{evidence_pack, series_pack};
use attest_engine::instance::Decision::{Approve, Deny};
use attest_engine::Command;
use support::*;

/// The signing key of the good pack.
pub const KEY: [u8; 32] = [3; 32];
pub const ID: &str = "two~0~g-exception";

pub fn good_pack() -> Vec<u8> {
    let sim = finished();
    evidence_pack(&sim.state, &sim.log, ID, sim.now, &KEY).unwrap()
}

/// The same review's pack as a series (its one occurrence under a folder).
pub fn good_series_pack() -> Vec<u8> {
    let sim = finished();
    series_pack(&sim.state, &sim.log, "two", sim.now, &KEY).unwrap()
}

fn finished() -> Sim {
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
    sim
}
