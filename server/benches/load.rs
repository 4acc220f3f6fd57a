//! The load command (`make load`): the sync server under a bounded load on loopback, built
//! for release. 100 reviewers × 100 reviewees push single-decision records while every
//! reviewer opens their page at once, on SQLite, on one server over PostgreSQL (fsync on)
//! and on two servers sharing one PostgreSQL database. Prints pushes/s, p50/p99 and the
//! exactly-once check; fails if any acknowledged decision is lost or stored twice.
//!
//! `cargo bench -p attest-server --bench load -- [--setup sqlite] [--reviewers N] [--per-reviewer N]`

#[path = "../tests/support/mod.rs"]
mod support;

use clap::{value_parser, Arg, ArgAction, Command};
use support::load::{load, Setup};

fn main() {
    let args = Command::new("load")
        .about("the sync server under a bounded load on loopback")
        .arg(
            Arg::new("setup")
                .long("setup")
                .value_parser(["sqlite", "postgres", "two-servers", "all"])
                .default_value("all"),
        )
        .arg(
            Arg::new("reviewers")
                .long("reviewers")
                .value_parser(value_parser!(u16).range(1..=500))
                .default_value("100"),
        )
        .arg(
            Arg::new("per-reviewer")
                .long("per-reviewer")
                .value_parser(value_parser!(u16).range(1..=500))
                .default_value("100"),
        )
        // `cargo bench` passes --bench to every bench target.
        .arg(
            Arg::new("bench")
                .long("bench")
                .action(ArgAction::SetTrue)
                .hide(true),
        )
        .get_matches();
    let setups = match args.get_one::<String>("setup").map(String::as_str) {
        Some("sqlite") => vec![Setup::Sqlite],
        Some("postgres") => vec![Setup::Postgres],
        Some("two-servers") => vec![Setup::TwoServersOnePostgres],
        _ => vec![Setup::Sqlite, Setup::Postgres, Setup::TwoServersOnePostgres],
    };
    let reviewers = *args.get_one::<u16>("reviewers").expect("default") as usize;
    let per = *args.get_one::<u16>("per-reviewer").expect("default") as usize;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    for setup in setups {
        let report = runtime.block_on(load(setup, reviewers, per, true));
        print!("{report}");
    }
}
