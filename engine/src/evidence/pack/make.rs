//! Making a pack: the members of an instance or a series, the manifest, and the seal.

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signer, SigningKey};
use serde::Serialize;
use serde_json::{json, Value};

use crate::directory::{AccessPath, UserType};
use crate::event::Record;
use crate::evidence::signoff::sign_offs;
use crate::evidence::{
    access_text, audit_csv, audit_rows, cell, csv_line, end_reason_text, person_name, person_upn,
    results_csv, sha256_hex, timestamp, BOM, CRLF,
};
use crate::instance::Instance;
use crate::outbox::outbox;
use crate::state::State;

use super::*;

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
    keep: impl Fn(&crate::evidence::AuditRow) -> bool,
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
    instances.sort_unstable_by(|a, b| (a.occurrence, &a.id).cmp(&(b.occurrence, &b.id)));
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
