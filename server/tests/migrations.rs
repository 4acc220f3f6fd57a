//! The schema at start: servers starting together on one database apply each migration
//! once, and a database made by the server's earlier runner is taken over as it is.

mod support;

use attest_server::{start, Clock, Config, Storage};
use support::*;

on_both!(
    servers_starting_together_apply_each_migration_once,
    a_database_from_the_earlier_runner_keeps_its_records,
);

/// Versions in refinery's history, and whether the earlier runner's table is still there.
async fn schema(storage: &Storage) -> (Vec<i64>, bool) {
    let history = "SELECT version FROM refinery_schema_history ORDER BY version";
    match storage {
        Storage::Sqlite(path) => {
            let c = rusqlite::Connection::open(path).unwrap();
            let versions = c
                .prepare(history)
                .unwrap()
                .query_map([], |r| r.get::<_, i64>(0))
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            let old: i64 = c
                .query_row(
                    "SELECT COUNT(*) FROM sqlite_master WHERE name = 'schema_migrations'",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            (versions, old > 0)
        }
        Storage::Postgres(url) => {
            let (c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            let versions = c
                .query(history, &[])
                .await
                .unwrap()
                .iter()
                .map(|r| i64::from(r.get::<_, i32>(0)))
                .collect();
            let old: bool = c
                .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])
                .await
                .unwrap()
                .get(0);
            (versions, old)
        }
    }
}

fn config(storage: &Storage) -> Config {
    let mut c = Config::new(storage.clone(), SECRET);
    c.listen = "127.0.0.1:0".parse().unwrap();
    c
}

async fn servers_starting_together_apply_each_migration_once(b: Backend) {
    let storage = storage(b).await;
    let starts = (0..4).map(|_| {
        let config = config(&storage);
        tokio::spawn(async move { start(config, Clock::default()).await.map(|s| s.addr) })
    });
    for s in starts {
        let started = s.await.unwrap();
        assert!(
            started.is_ok(),
            "a server did not start: {:?}",
            started.err()
        );
    }
    assert_eq!(schema(&storage).await, (vec![1, 2, 3], false));
}

/// The earlier runner's schema: both migrations applied, versions in `schema_migrations`.
async fn earlier_runner_database(storage: &Storage) {
    let (init, delivery) = match storage {
        Storage::Sqlite(_) => (
            include_str!("../migrations/sqlite/V1__init.sql"),
            include_str!("../migrations/sqlite/V2__delivery.sql"),
        ),
        Storage::Postgres(_) => (
            include_str!("../migrations/postgres/V1__init.sql"),
            include_str!("../migrations/postgres/V2__delivery.sql"),
        ),
    };
    let sql = format!(
        "{init};\n{delivery};\nCREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL);\n\
         INSERT INTO schema_migrations VALUES (1, 0), (2, 0);\n\
         INSERT INTO records (id, body, received_at) VALUES ('kept', '{{}}', 0);"
    );
    match storage {
        Storage::Sqlite(path) => rusqlite::Connection::open(path)
            .unwrap()
            .execute_batch(&sql)
            .unwrap(),
        Storage::Postgres(url) => {
            let (c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            c.batch_execute(&sql).await.unwrap();
        }
    }
}

async fn a_database_from_the_earlier_runner_keeps_its_records(b: Backend) {
    let storage = storage(b).await;
    earlier_runner_database(&storage).await;
    let server = start(config(&storage), Clock::default())
        .await
        .unwrap_or_else(|e| panic!("the earlier database was not taken over: {e}"));
    let health = get(server.addr, "/api/v1/health", None).await;
    assert_eq!(
        (health.status, health.body["cursor"].as_i64()),
        (200, Some(1)),
        "{}",
        health.text
    );
    drop(server);
    assert_eq!(schema(&storage).await, (vec![1, 2, 3], false));
    // A second start finds nothing to do.
    start(config(&storage), Clock::default()).await.unwrap();
    assert_eq!(schema(&storage).await, (vec![1, 2, 3], false));
}
