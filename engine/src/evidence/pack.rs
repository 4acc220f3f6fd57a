//! The evidence pack of one review instance: a zip of JSON and CSV members, a manifest of
//! their SHA-256 digests and sizes with the head of the history's hash chain, and an Ed25519
//! signature over the manifest's bytes (layout and checks with standard tools:
//! docs/evidence.md). Pure: the time and the signing key come in as arguments.

use std::io::{Cursor, Read, Write};

use chrono::{DateTime, Datelike, Timelike, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::signoff::sign_offs;
use super::{
    access_text, audit_csv, audit_rows, cell, csv_line, end_reason_text, person_name, person_upn,
    results_csv, sha256_hex, timestamp, verify_audit_csv, BOM, CRLF,
};
use crate::directory::{AccessPath, UserType};
use crate::event::Record;
use crate::instance::Instance;
use crate::outbox::outbox;
use crate::state::State;

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

fn user_type(t: UserType) -> &'static str {
    match t {
        UserType::Member => "Member",
        UserType::Guest => "Guest",
    }
}

fn csv(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
    let mut out = String::from(BOM);
    let header: Vec<String> = header.iter().map(|s| s.to_string()).collect();
    out.push_str(&csv_line(&header));
    out.push_str(CRLF);
    for row in rows {
        let row: Vec<String> = row.iter().map(|s| cell(s)).collect();
        out.push_str(&csv_line(&row));
        out.push_str(CRLF);
    }
    out.into_bytes()
}

fn json_bytes(value: &impl Serialize) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(value).expect("plain data serializes");
    v.push(b'\n');
    v
}

/// The members of an instance's pack, before the manifest: name and bytes, in pack order,
/// and the history chain's head.
/// What one occurrence contributes, by member name: population, decisions, stages, results
/// and sign-offs.
struct Occurrence {
    population: Vec<u8>,
    decisions: Vec<u8>,
    stages: Vec<u8>,
    results: Vec<u8>,
    signoffs: Vec<u8>,
}

fn occurrence(
    state: &State,
    records: &[Record],
    inst: &Instance,
    created: DateTime<Utc>,
) -> Occurrence {
    let instance = inst.id.as_str();
    let dir = &state.directory;

    // Who had which access, through what path, when the review started: the snapshot.
    let population = csv(
        &[
            "Item",
            "PrincipalId",
            "PrincipalDisplayName",
            "PrincipalUserPrincipalName",
            "PrincipalType",
            "AccessType",
            "AccessGroupId",
            "LastSignInDateTime",
        ],
        inst.items.iter().enumerate().map(|(i, it)| {
            vec![
                i.to_string(),
                it.user.clone(),
                it.user_name.clone(),
                it.user_principal_name.clone(),
                user_type(it.user_type).into(),
                access_text(dir, &it.access),
                match &it.access {
                    AccessPath::Direct => String::new(),
                    AccessPath::ViaGroup { group } => group.clone(),
                },
                it.last_sign_in.map(timestamp).unwrap_or_default(),
            ]
        }),
    );

    // The decision that stands in each stage; every change is in history.csv.
    let decisions = csv(
        &[
            "Item",
            "Stage",
            "PrincipalId",
            "PrincipalDisplayName",
            "Decision",
            "ReviewedById",
            "ReviewedBy",
            "ReviewedByUserPrincipalName",
            "ReviewedDateTime",
            "Justification",
            "DecisionSource",
        ],
        inst.items.iter().enumerate().flat_map(|(i, it)| {
            it.decisions
                .iter()
                .enumerate()
                .filter_map(move |(s, d)| d.as_ref().map(|d| (i, s, it, d)))
                .map(|(i, s, it, d)| {
                    vec![
                        i.to_string(),
                        (s + 1).to_string(),
                        it.user.clone(),
                        it.user_name.clone(),
                        d.decision.outcome().graph_value().to_string(),
                        d.reviewer.clone(),
                        person_name(state, &d.reviewer),
                        person_upn(state, &d.reviewer),
                        timestamp(d.at),
                        d.justification.clone(),
                        serde_json::to_value(d.source)
                            .ok()
                            .and_then(|v| v.as_str().map(String::from))
                            .unwrap_or_default(),
                    ]
                })
        }),
    );

    let stages: Vec<Value> = inst
        .stages
        .iter()
        .enumerate()
        .map(|(s, st)| {
            json!({
                "stage": s + 1,
                "status": st.status,
                "started": st.started.map(timestamp),
                "deadline": st.deadline.map(timestamp),
                "ended": st.ended.map(timestamp),
                "endReason": st.end_reason,
                "endReasonText": st.end_reason.map(end_reason_text),
            })
        })
        .collect();
    let stages = json!({
        "instance": inst.id,
        "status": inst.status,
        "stopped": inst.stopped,
        "started": timestamp(inst.started),
        "completed": inst.completed.map(timestamp),
        "stages": stages,
    });

    // The auditors' verdicts on this instance (also rows of history.csv, under its chain).
    let signoffs = csv(
        &["DateTime", "Auditor", "Verdict", "Comment", "RecordId"],
        sign_offs(records, instance).into_iter().map(|s| {
            vec![
                timestamp(s.at),
                s.auditor,
                s.verdict.label().to_string(),
                s.comment,
                s.record,
            ]
        }),
    );
    Occurrence {
        population,
        decisions,
        stages: json_bytes(&stages),
        results: results_csv(state, inst, created).into_bytes(),
        signoffs,
    }
}

/// The history rows matching `keep` as history.csv, and its chain head for the manifest.
fn history(
    state: &State,
    records: &[Record],
    keep: impl Fn(&super::AuditRow) -> bool,
) -> (Vec<u8>, ChainHead) {
    let rows: Vec<_> = audit_rows(state, records)
        .into_iter()
        .filter(keep)
        .collect();
    let history = audit_csv(&rows);
    let chain = ChainHead {
        member: HISTORY.into(),
        head: history.head,
        rows: history.rows,
    };
    (history.csv.into_bytes(), chain)
}

/// The members of an instance's pack, before the manifest, and the history chain's head.
fn members(
    state: &State,
    records: &[Record],
    instance: &str,
    created: DateTime<Utc>,
) -> Result<(Members, ChainHead), PackError> {
    let inst = state
        .instances
        .get(instance)
        .ok_or_else(|| PackError::NoInstance(instance.into()))?;
    let def = state.definition_of(inst);
    let notifications: Vec<_> = outbox(state, records)
        .into_iter()
        .filter(|m| m.instance.as_deref() == Some(instance))
        .collect();
    let (history, chain) = history(state, records, |r| r.instance.as_deref() == Some(instance));
    let o = occurrence(state, records, inst, created);
    Ok((
        vec![
            ("definition.json".into(), json_bytes(def)),
            ("population.csv".into(), o.population),
            ("decisions.csv".into(), o.decisions),
            ("stages.json".into(), o.stages),
            ("notifications.json".into(), json_bytes(&notifications)),
            ("results.csv".into(), o.results),
            (HISTORY.into(), history),
            ("signoffs.csv".into(), o.signoffs),
        ],
        chain,
    ))
}

/// The members of a series' pack: the definition, the series' notifications and history,
/// then each occurrence's members under a folder named by its instance id, in start order.
fn series_members(
    state: &State,
    records: &[Record],
    review: &str,
    created: DateTime<Utc>,
) -> Result<(Members, ChainHead, Vec<String>), PackError> {
    let def = &state
        .reviews
        .get(review)
        .ok_or_else(|| PackError::NoReview(review.into()))?
        .definition;
    let mut instances: Vec<&Instance> = state
        .instances
        .values()
        .filter(|i| i.definition == review)
        .collect();
    instances.sort_by(|a, b| (a.occurrence, &a.id).cmp(&(b.occurrence, &b.id)));
    if instances.len() * 5 + 5 > MAX_MEMBERS {
        return Err(PackError::Container(format!(
            "{} occurrences are more than one pack holds; make a pack per occurrence",
            instances.len()
        )));
    }
    let ids: Vec<String> = instances.iter().map(|i| i.id.clone()).collect();
    let notifications: Vec<_> = outbox(state, records)
        .into_iter()
        .filter(|m| m.instance.as_ref().is_some_and(|i| ids.contains(i)))
        .collect();
    let (history, chain) = history(state, records, |r| {
        r.review.as_deref() == Some(review) || r.instance.as_ref().is_some_and(|i| ids.contains(i))
    });
    let mut members: Members = vec![
        ("definition.json".into(), json_bytes(def)),
        ("notifications.json".into(), json_bytes(&notifications)),
        (HISTORY.into(), history),
    ];
    for inst in &instances {
        let o = occurrence(state, records, inst, created);
        let id = &inst.id;
        members.extend([
            (format!("{id}/population.csv"), o.population),
            (format!("{id}/decisions.csv"), o.decisions),
            (format!("{id}/stages.json"), o.stages),
            (format!("{id}/results.csv"), o.results),
            (format!("{id}/signoffs.csv"), o.signoffs),
        ]);
    }
    Ok((members, chain, ids))
}

/// Build the signed pack of `instance`: `records` is the whole log (the history and the
/// notifications are derived from it), `created` dates the pack and the apply preview,
/// `signing_key` is the organisation's Ed25519 key (its 32-byte seed).
pub fn evidence_pack(
    state: &State,
    records: &[Record],
    instance: &str,
    created: DateTime<Utc>,
    signing_key: &[u8; 32],
) -> Result<Vec<u8>, PackError> {
    let (members, chain) = members(state, records, instance, created)?;
    let inst = &state.instances[instance];
    let def = state.definition_of(inst);
    let manifest = Manifest {
        format: PACK_FORMAT.into(),
        version: PACK_VERSION,
        review: def.id.clone(),
        review_name: def.name.clone(),
        instance: inst.id.clone(),
        instances: Vec::new(),
        created,
        chain,
        members: digests(&members),
    };
    Ok(seal(&json_bytes(&manifest), members, signing_key, created))
}

/// Build the signed pack of a whole series (every occurrence of the review `review`): the
/// same checks verify it; its manifest lists the `instances` instead of one `instance`.
pub fn series_pack(
    state: &State,
    records: &[Record],
    review: &str,
    created: DateTime<Utc>,
    signing_key: &[u8; 32],
) -> Result<Vec<u8>, PackError> {
    let (members, chain, instances) = series_members(state, records, review, created)?;
    let def = &state.reviews[review].definition;
    let manifest = Manifest {
        format: PACK_FORMAT.into(),
        version: PACK_VERSION,
        review: def.id.clone(),
        review_name: def.name.clone(),
        instance: String::new(),
        instances,
        created,
        chain,
        members: digests(&members),
    };
    Ok(seal(&json_bytes(&manifest), members, signing_key, created))
}

fn digests(members: &Members) -> Vec<MemberDigest> {
    members
        .iter()
        .map(|(name, bytes)| MemberDigest {
            name: name.clone(),
            size: bytes.len() as u64,
            sha256: sha256_hex(bytes),
        })
        .collect()
}

/// Sign `manifest` and write the container: manifest, signature, then the members. Public so
/// tests can re-seal a pack whose manifest they changed, as a forger holding the key would.
pub fn seal(
    manifest: &[u8],
    members: Members,
    signing_key: &[u8; 32],
    created: DateTime<Utc>,
) -> Vec<u8> {
    let key = SigningKey::from_bytes(signing_key);
    let signature = SignatureFile {
        algorithm: "Ed25519".into(),
        signed_member: MANIFEST.into(),
        public_key: hex(key.verifying_key().as_bytes()),
        public_key_pem: public_key_pem(&key.verifying_key()),
        signature: hex(&key.sign(manifest).to_bytes()),
    };
    let mut all = vec![
        (MANIFEST.to_string(), manifest.to_vec()),
        (SIGNATURE.to_string(), json_bytes(&signature)),
    ];
    all.extend(members);
    write_container(&all, created)
}

/// A zip of stored (uncompressed) members, dated `at`: the same input gives the same bytes.
pub fn write_container(members: &[(String, Vec<u8>)], at: DateTime<Utc>) -> Vec<u8> {
    // Zip dates run from 1980 to 2107; outside that the epoch of zip is used.
    let date = zip::DateTime::from_date_and_time(
        at.year().clamp(1980, 2107) as u16,
        at.month() as u8,
        at.day() as u8,
        at.hour() as u8,
        at.minute() as u8,
        at.second() as u8,
    )
    .unwrap_or_default();
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(date)
        .unix_permissions(0o644);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in members {
        // Writing to memory cannot fail; names are ours and distinct.
        zip.start_file(name.as_str(), options)
            .expect("zip member starts");
        zip.write_all(bytes).expect("zip member writes");
    }
    zip.finish().expect("zip finishes").into_inner()
}

/// The members of a container in order. Refuses compressed members (a pack stores them),
/// duplicate names and more members than a pack has.
pub fn read_container(bytes: &[u8]) -> Result<Members, PackError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| PackError::Container(format!("not a zip file ({e})")))?;
    if zip.len() > MAX_MEMBERS {
        return Err(PackError::Container(format!(
            "{} members, a pack has at most {MAX_MEMBERS}",
            zip.len()
        )));
    }
    let mut out: Members = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let mut file = zip
            .by_index(i)
            .map_err(|e| PackError::Container(format!("member {}: {e}", i + 1)))?;
        let name = file.name().to_string();
        if file.compression() != zip::CompressionMethod::Stored {
            return Err(PackError::Container(format!(
                "{name}: compressed; pack members are stored"
            )));
        }
        // Stored: a member cannot be larger than the file that holds it.
        if file.size() > bytes.len() as u64 {
            return Err(PackError::Container(format!(
                "{name}: claims {} bytes in a {}-byte file",
                file.size(),
                bytes.len()
            )));
        }
        if out.iter().any(|(n, _)| *n == name) {
            return Err(PackError::Container(format!("{name}: appears twice")));
        }
        let mut data = Vec::with_capacity(file.size() as usize);
        file.read_to_end(&mut data)
            .map_err(|e| PackError::Container(format!("{name}: unreadable ({e})")))?;
        out.push((name, data));
    }
    Ok(out)
}

fn field(member: &str, field: &str, problem: impl Into<String>) -> PackError {
    PackError::Field {
        member: member.into(),
        field: field.into(),
        problem: problem.into(),
    }
}

/// Check a pack: the signature over manifest.json (and, when given, that `expected_key`, hex,
/// made it), every member's size and SHA-256 against the manifest, no member unlisted, and
/// the history's hash chain against its rows and the manifest's chain head.
pub fn verify_pack(bytes: &[u8], expected_key: Option<&str>) -> Result<VerifiedPack, PackError> {
    let members = read_container(bytes)?;
    let get = |name: &str| {
        members
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
            .ok_or_else(|| PackError::Missing {
                member: name.into(),
            })
    };
    let manifest_bytes = get(MANIFEST)?;
    let sig: SignatureFile = serde_json::from_slice(get(SIGNATURE)?)
        .map_err(|e| field(SIGNATURE, "(file)", format!("not the expected JSON: {e}")))?;
    if sig.algorithm != "Ed25519" {
        return Err(field(
            SIGNATURE,
            "algorithm",
            format!("\"{}\", only Ed25519 is accepted", sig.algorithm),
        ));
    }
    if sig.signed_member != MANIFEST {
        return Err(field(SIGNATURE, "signedMember", "must be manifest.json"));
    }
    let key_bytes: [u8; 32] = unhex(&sig.public_key)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| field(SIGNATURE, "publicKey", "not 32 bytes of hex"))?;
    let sig_bytes: [u8; 64] = unhex(&sig.signature)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| field(SIGNATURE, "signature", "not 64 bytes of hex"))?;
    let key = VerifyingKey::from_bytes(&key_bytes)
        .map_err(|_| field(SIGNATURE, "publicKey", "not an Ed25519 public key"))?;
    if let Some(expected) = expected_key {
        let expected = expected.trim().to_ascii_lowercase();
        if expected != sig.public_key.to_ascii_lowercase() {
            return Err(PackError::UnexpectedKey {
                expected,
                actual: sig.public_key.clone(),
            });
        }
    }
    if public_key_pem(&key) != sig.public_key_pem {
        return Err(field(
            SIGNATURE,
            "publicKeyPem",
            "is not the same key as publicKey",
        ));
    }
    key.verify_strict(manifest_bytes, &Signature::from_bytes(&sig_bytes))
        .map_err(|_| PackError::BadSignature)?;

    // The manifest is as signed; now the members must be as it lists them.
    let manifest: Manifest = serde_json::from_slice(manifest_bytes)
        .map_err(|e| field(MANIFEST, "(file)", format!("not the expected JSON: {e}")))?;
    if manifest.format != PACK_FORMAT {
        return Err(field(
            MANIFEST,
            "format",
            format!("must be \"{PACK_FORMAT}\""),
        ));
    }
    if manifest.version != PACK_VERSION {
        return Err(field(
            MANIFEST,
            "version",
            format!(
                "{}: this verifier reads version {PACK_VERSION}",
                manifest.version
            ),
        ));
    }
    for (name, _) in &members {
        if name != MANIFEST
            && name != SIGNATURE
            && !manifest.members.iter().any(|m| m.name == *name)
        {
            return Err(PackError::Unlisted {
                member: name.clone(),
            });
        }
    }
    for m in &manifest.members {
        let data = get(&m.name)?;
        if data.len() as u64 != m.size {
            return Err(PackError::Size {
                member: m.name.clone(),
                expected: m.size,
                actual: data.len() as u64,
            });
        }
        let actual = sha256_hex(data);
        if actual != m.sha256 {
            return Err(PackError::Digest {
                member: m.name.clone(),
                expected: m.sha256.clone(),
                actual,
            });
        }
    }

    // The chain: each row's link, then the head and count against the manifest.
    let chain = &manifest.chain;
    if chain.member != HISTORY || !manifest.members.iter().any(|m| m.name == HISTORY) {
        return Err(field(
            MANIFEST,
            "chain.member",
            format!("must be {HISTORY}, listed with its digest"),
        ));
    }
    let history = std::str::from_utf8(get(&chain.member)?).map_err(|e| PackError::Chain {
        member: chain.member.clone(),
        line: 0,
        problem: format!("not UTF-8 text ({e})"),
    })?;
    let (head, rows) = verify_audit_csv(history).map_err(|e| PackError::Chain {
        member: chain.member.clone(),
        line: e.line,
        problem: e.problem,
    })?;
    if head != chain.head {
        return Err(field(
            MANIFEST,
            "chain.head",
            format!(
                "{} but {} ends its chain with {head}",
                chain.head, chain.member
            ),
        ));
    }
    if rows != chain.rows {
        return Err(field(
            MANIFEST,
            "chain.rows",
            format!("{} but {} has {rows} rows", chain.rows, chain.member),
        ));
    }
    Ok(VerifiedPack {
        public_key: sig.public_key,
        members: members.into_iter().map(|(n, _)| n).collect(),
        manifest,
    })
}
