//! Bearer tokens: 32 random bytes from the operating system, shown once, stored only as
//! their SHA-256 so a copy of the database grants nothing.

use sha2::{Digest, Sha256};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new token (64 hex characters).
pub fn generate() -> Result<String, getrandom::Error> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf)?;
    Ok(hex(&buf))
}

/// What the database stores for a token.
pub fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// What the database stores for an administrator's session: the token's digest keyed by
/// the secret it signed in with, so a server started with a new secret finds none of the
/// sessions signed in with the old one.
pub fn session_hash(token: &str, secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(Sha256::digest(secret.as_bytes()));
    h.update(token.as_bytes());
    hex(&h.finalize())
}

/// Compare two secrets in time independent of where they differ (digests have equal length).
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}
