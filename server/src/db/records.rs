//! The event log's table: append, read pages, find a stored record.

use super::{Conn, Inner, Result};

impl Conn<'_> {
    /// Up to `limit` records after `after`, in the server's order: (seq, id, JSON body).
    pub async fn records_after(
        &mut self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String, String)>> {
        match self.inner() {
            Inner::Sqlite(c) => {
                let mut stmt = c.prepare_cached(
                    "SELECT seq, id, body FROM records WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                )?;
                let rows = stmt
                    .query_map([after, limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                Ok(rows)
            }
            Inner::Postgres(c) => {
                let rows = c
                    .query(
                        "SELECT seq, id, body FROM records WHERE seq > $1 ORDER BY seq LIMIT $2",
                        &[&after, &limit],
                    )
                    .await?;
                Ok(rows
                    .iter()
                    .map(|r| (r.get(0), r.get(1), r.get(2)))
                    .collect())
            }
        }
    }

    /// The last `seq` (0 for an empty log).
    pub async fn last_seq(&mut self) -> Result<i64> {
        match self.inner() {
            Inner::Sqlite(c) => Ok(c.query_row(
                "SELECT COALESCE(MAX(seq), 0) FROM records",
                [],
                |r| r.get(0),
            )?),
            Inner::Postgres(c) => Ok(c
                .query_one("SELECT COALESCE(MAX(seq), 0)::BIGINT FROM records", &[])
                .await?
                .get(0)),
        }
    }

    /// Append a record; returns its `seq`.
    pub async fn insert_record(&mut self, id: &str, body: &str, now: i64) -> Result<i64> {
        self.write()?;
        match self.inner() {
            Inner::Sqlite(c) => {
                c.prepare_cached(
                    "INSERT INTO records (id, body, received_at) VALUES (?1, ?2, ?3)",
                )?
                .execute(rusqlite::params![id, body, now])?;
                Ok(c.last_insert_rowid())
            }
            Inner::Postgres(c) => Ok(c
                .query_one(
                    "INSERT INTO records (id, body, received_at) VALUES ($1, $2, $3) RETURNING seq",
                    &[&id, &body, &now],
                )
                .await?
                .get(0)),
        }
    }

    /// The stored body of the record `id`, if any (to tell a re-send from a conflict).
    pub async fn record_body(&mut self, id: &str) -> Result<Option<String>> {
        match self.inner() {
            Inner::Sqlite(c) => {
                let mut stmt = c.prepare_cached("SELECT body FROM records WHERE id = ?1")?;
                let mut rows = stmt.query([id])?;
                Ok(match rows.next()? {
                    Some(r) => Some(r.get(0)?),
                    None => None,
                })
            }
            Inner::Postgres(c) => Ok(c
                .query_opt("SELECT body FROM records WHERE id = $1", &[&id])
                .await?
                .map(|r| r.get(0))),
        }
    }
}
