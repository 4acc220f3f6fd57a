//! Checking a pack: signature, digests, and the history's hash chain.

use ed25519_dalek::{Signature, VerifyingKey};

use crate::evidence::{sha256_hex, verify_audit_csv};

use super::*;

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
