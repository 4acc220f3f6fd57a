//! Administrators' sessions and reviewers' links (only a token's hash is stored).

use super::{Conn, Inner, Result, TokenRow};

impl Conn<'_> {
    pub async fn insert_token(&mut self, hash: &str, row: &TokenRow, now: i64) -> Result<()> {
        self.write()?;
        match self.inner() {
            Inner::Sqlite(c) => {
                c.execute(
                    "INSERT INTO tokens (hash, kind, name, reviewer, instance, stage, created_at, expires_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    rusqlite::params![
                        hash, row.kind, row.name, row.reviewer, row.instance, row.stage, now,
                        row.expires_at
                    ],
                )?;
            }
            Inner::Postgres(c) => {
                c.execute(
                    "INSERT INTO tokens (hash, kind, name, reviewer, instance, stage, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    &[
                        &hash, &row.kind, &row.name, &row.reviewer, &row.instance, &row.stage,
                        &now, &row.expires_at,
                    ],
                )
                .await?;
            }
        }
        Ok(())
    }

    pub async fn token(&mut self, hash: &str) -> Result<Option<TokenRow>> {
        match self.inner() {
            Inner::Sqlite(c) => {
                let mut stmt = c.prepare_cached(
                    "SELECT kind, name, reviewer, instance, stage, expires_at FROM tokens WHERE hash = ?1",
                )?;
                let mut rows = stmt.query([hash])?;
                match rows.next()? {
                    None => Ok(None),
                    Some(r) => Ok(Some(TokenRow {
                        kind: r.get(0)?,
                        name: r.get(1)?,
                        reviewer: r.get(2)?,
                        instance: r.get(3)?,
                        stage: r.get(4)?,
                        expires_at: r.get(5)?,
                    })),
                }
            }
            Inner::Postgres(c) => {
                let row = c
                    .query_opt(
                        "SELECT kind, name, reviewer, instance, stage, expires_at FROM tokens WHERE hash = $1",
                        &[&hash],
                    )
                    .await?;
                Ok(row.map(|r| TokenRow {
                    kind: r.get(0),
                    name: r.get(1),
                    reviewer: r.get(2),
                    instance: r.get(3),
                    stage: r.get(4),
                    expires_at: r.get(5),
                }))
            }
        }
    }

    /// Delete every token of `kind` ("administrator" or "reviewer"); how many there were.
    pub async fn delete_tokens_of_kind(&mut self, kind: &str) -> Result<u64> {
        Ok(match self.inner() {
            Inner::Sqlite(c) => c.execute("DELETE FROM tokens WHERE kind = ?1", [kind])? as u64,
            Inner::Postgres(c) => {
                c.execute("DELETE FROM tokens WHERE kind = $1", &[&kind])
                    .await?
            }
        })
    }

    /// Delete the reviewer links of one reviewer in one stage of one instance.
    pub async fn delete_links(
        &mut self,
        instance: &str,
        stage: i64,
        reviewer: &str,
    ) -> Result<u64> {
        Ok(match self.inner() {
            Inner::Sqlite(c) => c.execute(
                "DELETE FROM tokens WHERE kind = 'reviewer' AND instance = ?1 AND stage = ?2 AND reviewer = ?3",
                rusqlite::params![instance, stage, reviewer],
            )? as u64,
            Inner::Postgres(c) => {
                c.execute(
                    "DELETE FROM tokens WHERE kind = 'reviewer' AND instance = $1 AND stage = $2 AND reviewer = $3",
                    &[&instance, &stage, &reviewer],
                )
                .await?
            }
        })
    }

    /// Delete the tokens that expired before `now` (milliseconds); how many there were.
    pub async fn purge_expired_tokens(&mut self, now: i64) -> Result<u64> {
        Ok(match self.inner() {
            Inner::Sqlite(c) => {
                c.execute("DELETE FROM tokens WHERE expires_at <= ?1", [now])? as u64
            }
            Inner::Postgres(c) => {
                c.execute("DELETE FROM tokens WHERE expires_at <= $1", &[&now])
                    .await?
            }
        })
    }

    pub async fn delete_token(&mut self, hash: &str) -> Result<()> {
        match self.inner() {
            Inner::Sqlite(c) => {
                c.execute("DELETE FROM tokens WHERE hash = ?1", [hash])?;
            }
            Inner::Postgres(c) => {
                c.execute("DELETE FROM tokens WHERE hash = $1", &[&hash])
                    .await?;
            }
        }
        Ok(())
    }
}
