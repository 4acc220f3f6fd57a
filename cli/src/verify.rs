//! `attest verify PACK [--key PUBKEY]`: check an evidence pack offline — every member's
//! SHA-256 against the signed manifest, the history's hash chain and the Ed25519 signature
//! (see docs/evidence.md). Exit code 0 when it verifies, 1 when it does not, 2 when the
//! file cannot be read or the command line is wrong.

use std::process::ExitCode;

use attest_engine::evidence::pack::verify_pack;
use attest_engine::evidence::timestamp;
use clap::ArgMatches;

/// Larger than any pack Attest writes; refuse rather than read a huge file into memory.
const MAX_PACK_BYTES: u64 = 1 << 30;

pub fn run(args: &ArgMatches) -> ExitCode {
    let path = args.get_one::<String>("pack").expect("required");
    let key = args.get_one::<String>("key").map(String::as_str);
    let bytes = match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_PACK_BYTES => {
            eprintln!("{path}: {} bytes is larger than any evidence pack", m.len());
            return ExitCode::from(2);
        }
        Ok(_) => match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{path}: cannot read it: {e}");
                return ExitCode::from(2);
            }
        },
        Err(e) => {
            eprintln!("{path}: cannot read it: {e}");
            return ExitCode::from(2);
        }
    };
    match verify_pack(&bytes, key) {
        Ok(ok) => {
            let m = &ok.manifest;
            println!("VERIFIED {path}");
            let what = if m.instance.is_empty() {
                format!("every occurrence: {}", m.instances.join(", "))
            } else {
                format!("instance {}", m.instance)
            };
            println!(
                "  review \"{}\" ({}), {what}, pack created {}",
                m.review_name,
                m.review,
                timestamp(m.created)
            );
            println!(
                "  {} members match their SHA-256 digests; history chain of {} rows ends {}",
                m.members.len(),
                m.chain.rows,
                m.chain.head
            );
            println!(
                "  signed with Ed25519 key {}{}",
                ok.public_key,
                if key.is_some() {
                    " (the expected key)"
                } else {
                    " (not pinned: pass --key with your organisation's published key)"
                }
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("NOT VERIFIED {path}: {e}");
            ExitCode::from(1)
        }
    }
}
