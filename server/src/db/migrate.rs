//! The schema, brought up to date at start by refinery from `server/migrations/{sqlite,
//! postgres}/V{n}__{name}.sql`, all pending migrations in one transaction.
//!
//! Servers starting together on one database must apply each migration once. PostgreSQL:
//! the run holds the writers' advisory lock (as a session lock) from the check of what is
//! applied to the last commit. SQLite: the run's transaction is `BEGIN IMMEDIATE` (the
//! writers' lock), so two runs never write at once; one that read "not applied" before the
//! other committed fails on the tables that now exist, rolls back whole, and runs again,
//! finding nothing to do.

use refinery::{Migration, Runner, Target};

use super::{Conn, DbError, Inner, Result, WRITE_LOCK};

const SQLITE: &[(&str, &str)] = &[
    (
        "V1__init",
        include_str!("../../migrations/sqlite/V1__init.sql"),
    ),
    (
        "V2__delivery",
        include_str!("../../migrations/sqlite/V2__delivery.sql"),
    ),
    (
        "V3__webhooks",
        include_str!("../../migrations/sqlite/V3__webhooks.sql"),
    ),
];
const POSTGRES: &[(&str, &str)] = &[
    (
        "V1__init",
        include_str!("../../migrations/postgres/V1__init.sql"),
    ),
    (
        "V2__delivery",
        include_str!("../../migrations/postgres/V2__delivery.sql"),
    ),
    (
        "V3__webhooks",
        include_str!("../../migrations/postgres/V3__webhooks.sql"),
    ),
];

/// Where the server's own runner (before refinery) recorded applied versions.
const OLD_TABLE: &str = "schema_migrations";
/// How often a SQLite run that lost the race to another server's run is tried again.
const SQLITE_ATTEMPTS: usize = 3;

fn runner(list: &[(&str, &str)], target: Target) -> Result<Runner> {
    let migrations = list
        .iter()
        .map(|(name, sql)| Migration::unapplied(name, sql))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| DbError::Other(format!("a migration is malformed: {e}")))?;
    Ok(Runner::new(&migrations)
        .set_grouped(true)
        .set_target(target))
}

fn failed(e: refinery::Error) -> DbError {
    DbError::Other(format!(
        "the database schema could not be brought up to date: {e}"
    ))
}

/// Apply every pending migration. A database made before refinery took over has its
/// applied versions (the old runner's table) recorded as applied first, not run again.
pub(super) async fn migrate(conn: &mut Conn<'_>) -> Result<()> {
    match conn.inner() {
        Inner::Sqlite(c) => {
            let c: &mut rusqlite::Connection = c;
            c.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
            let mut result = Err(DbError::Other("no attempt".into()));
            for _ in 0..SQLITE_ATTEMPTS {
                result = migrate_sqlite(c);
                if result.is_ok() {
                    break;
                }
            }
            c.set_transaction_behavior(rusqlite::TransactionBehavior::Deferred);
            result
        }
        Inner::Postgres(c) => {
            let client: &mut tokio_postgres::Client = c;
            client
                .execute("SELECT pg_advisory_lock($1)", &[&WRITE_LOCK])
                .await?;
            let result = migrate_postgres(client).await;
            let unlocked = client
                .execute("SELECT pg_advisory_unlock($1)", &[&WRITE_LOCK])
                .await;
            result?;
            unlocked?;
            Ok(())
        }
    }
}

fn migrate_sqlite(c: &mut rusqlite::Connection) -> Result<()> {
    let exists = |c: &rusqlite::Connection| -> Result<bool> {
        Ok(c.query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [OLD_TABLE],
            |r| r.get::<_, i64>(0),
        )? > 0)
    };
    if exists(c)? {
        let old: i64 = c.query_row(
            &format!("SELECT COALESCE(MAX(version), 0) FROM {OLD_TABLE}"),
            [],
            |r| r.get(0),
        )?;
        runner(SQLITE, Target::FakeVersion(old as i32))?
            .run(c)
            .map_err(failed)?;
        c.execute_batch(&format!("DROP TABLE IF EXISTS {OLD_TABLE}"))?;
    }
    runner(SQLITE, Target::Latest)?.run(c).map_err(failed)?;
    Ok(())
}

async fn migrate_postgres(c: &mut tokio_postgres::Client) -> Result<()> {
    let old_exists: bool = c
        .query_one(
            &format!("SELECT to_regclass('{OLD_TABLE}') IS NOT NULL"),
            &[],
        )
        .await?
        .get(0);
    let old: Option<i64> = match old_exists {
        true => Some(
            c.query_one(
                &format!("SELECT COALESCE(MAX(version), 0)::BIGINT FROM {OLD_TABLE}"),
                &[],
            )
            .await?
            .get(0),
        ),
        false => None,
    };
    if let Some(old) = old {
        runner(POSTGRES, Target::FakeVersion(old as i32))?
            .run_async(c)
            .await
            .map_err(failed)?;
        c.batch_execute(&format!("DROP TABLE IF EXISTS {OLD_TABLE}"))
            .await?;
    }
    runner(POSTGRES, Target::Latest)?
        .run_async(c)
        .await
        .map_err(failed)?;
    Ok(())
}
