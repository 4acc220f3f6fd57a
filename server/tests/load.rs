//! Load on loopback, bounded in size (20 reviewers × 20 reviewees): every acknowledged
//! decision is stored exactly once on SQLite, on one server over PostgreSQL, and on two
//! servers sharing one PostgreSQL database. Timings are never asserted here; the measured
//! run (100 × 100, PostgreSQL with fsync on) is the load command, `make load`.

mod support;

use support::load::{load, Setup};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviewers_at_once_lose_nothing_sqlite() {
    load(Setup::Sqlite, 20, 20, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviewers_at_once_lose_nothing_postgres() {
    load(Setup::Postgres, 20, 20, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviewers_at_once_lose_nothing_two_servers() {
    load(Setup::TwoServersOnePostgres, 20, 20, false).await;
}
