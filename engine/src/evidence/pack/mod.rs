//! The evidence pack of one review instance: a zip of JSON and CSV members, a manifest of
//! their SHA-256 digests and sizes with the head of the history's hash chain, and an Ed25519
//! signature over the manifest's bytes (layout and checks with standard tools:
//! docs/evidence.md). Pure: the time and the signing key come in as arguments.
//!
//! Here: the formats and keys; `make.rs` builds a pack, `container.rs` the zip, `verify.rs`
//! checks one.

use chrono::{DateTime, Utc};
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

mod container;
mod make;
mod verify;

pub use container::{read_container, write_container};
pub use make::{evidence_pack, seal, series_pack};
pub use verify::verify_pack;

/// What the manifest's `format` says; a verifier refuses anything else.
pub const PACK_FORMAT: &str = "attest-evidence-pack";
/// The layout version this code writes and reads.
pub const PACK_VERSION: u32 = 1;
pub const MANIFEST: &str = "manifest.json";
pub const SIGNATURE: &str = "signature.json";
/// The member holding the hash-chained history the manifest's chain head covers.
pub const HISTORY: &str = "history.csv";
/// An instance's pack holds 10 members, a series' pack 5 more per occurrence (a weekly
/// review for 15 years); more is not a pack this code wrote.
pub const MAX_MEMBERS: usize = 4096;

/// A pack's members in order: name and bytes.
pub type Members = Vec<(String, Vec<u8>)>;

/// One member's entry in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MemberDigest {
    pub name: String,
    pub size: u64,
    /// Lower-case hex, as `sha256sum` prints it.
    pub sha256: String,
}

/// The head of the history's hash chain, as `history.csv`'s trailer states it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChainHead {
    pub member: String,
    pub head: String,
    pub rows: usize,
}

/// manifest.json: what the signature covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub review: String,
    pub review_name: String,
    /// The instance of an instance's pack; empty (and left out) in a series' pack.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub instance: String,
    /// Every occurrence in a series' pack, in start order; left out of an instance's pack.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<String>,
    pub created: DateTime<Utc>,
    pub chain: ChainHead,
    pub members: Vec<MemberDigest>,
}

/// signature.json: the Ed25519 signature of manifest.json's exact bytes and the key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignatureFile {
    pub algorithm: String,
    pub signed_member: String,
    /// 32 bytes, hex.
    pub public_key: String,
    /// The same key as SubjectPublicKeyInfo PEM, for `openssl pkeyutl`.
    pub public_key_pem: String,
    /// 64 bytes, hex.
    pub signature: String,
}

/// A pack whose digests, chain and signature all check out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedPack {
    pub manifest: Manifest,
    /// Hex of the key that signed it.
    pub public_key: String,
    pub members: Vec<String>,
}

/// Why a pack failed verification, naming the member and where in it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PackError {
    #[error("not a readable evidence pack: {0}")]
    Container(String),
    #[error("{member}: missing from the pack")]
    Missing { member: String },
    #[error("{member}: in the pack but not listed in manifest.json (added after signing)")]
    Unlisted { member: String },
    #[error("{member}: field \"{field}\": {problem}")]
    Field {
        member: String,
        field: String,
        problem: String,
    },
    #[error("signature.json: the signature does not match manifest.json: the manifest was changed or the signature or key swapped")]
    BadSignature,
    #[error("signature.json: signed by key {actual}, not by the expected key {expected}")]
    UnexpectedKey { expected: String, actual: String },
    #[error(
        "{member}: size is {actual} bytes, manifest.json says {expected}: the member was changed"
    )]
    Size {
        member: String,
        expected: u64,
        actual: u64,
    },
    #[error(
        "{member}: SHA-256 is {actual}, manifest.json says {expected}: the member was changed"
    )]
    Digest {
        member: String,
        expected: String,
        actual: String,
    },
    #[error("{member}: line {line}: {problem}")]
    Chain {
        member: String,
        line: usize,
        problem: String,
    },
    #[error("the instance {0} does not exist")]
    NoInstance(String),
    #[error("the review {0} does not exist")]
    NoReview(String),
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

pub(crate) fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

/// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the 32 key bytes follow.
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The public key of a signing key (its 32-byte seed), hex: what Settings shows and
/// `attest verify --key` pins.
pub fn public_key_hex(signing_key: &[u8; 32]) -> String {
    hex(SigningKey::from_bytes(signing_key)
        .verifying_key()
        .as_bytes())
}

/// The public key of a signing key as SubjectPublicKeyInfo PEM: what Settings shows for
/// `openssl pkeyutl -pubin`.
pub fn public_key_pem_of(signing_key: &[u8; 32]) -> String {
    public_key_pem(&SigningKey::from_bytes(signing_key).verifying_key())
}

fn public_key_pem(key: &VerifyingKey) -> String {
    let mut der = SPKI_PREFIX.to_vec();
    der.extend_from_slice(key.as_bytes());
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        base64(&der)
    )
}

// ---- The members -----------------------------------------------------------------------------
