//! Evidence packs signed by the server (`server/src/evidence.rs`): who may ask (a table of
//! refusals), and that the pack the server builds from its own log verifies under the public
//! key it states and its key file holds.

mod support;

use std::net::SocketAddr;

use attest_engine::evidence::key::read_key_file;
use attest_engine::evidence::pack::{public_key_hex, verify_pack};
use attest_engine::instance::Decision;
use chrono::Utc;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// GET `path`: status, content type and the body's bytes (a zip is not text).
async fn get_bytes(addr: SocketAddr, path: &str, token: &str) -> (u16, String, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\r\n"
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    assert!(
        !head.contains("transfer-encoding: chunked"),
        "a pack has a length: {head}"
    );
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let kind = head
        .lines()
        .find_map(|l| l.strip_prefix("content-type: "))
        .unwrap_or_default()
        .to_string();
    (status, kind, raw[end + 4..].to_vec())
}

#[tokio::test]
async fn the_server_signs_packs_of_its_own_log_for_administrators_only() {
    let key_path = temp_dir("evidence").join("evidence-key.json");
    let with_key = serve_with(Backend::Sqlite, |c| c.evidence_key = Some(key_path.clone())).await;
    let without_key = serve(Backend::Sqlite).await;
    let addr = with_key.addr();
    let mut admin = AdminClient::new(addr).await;
    let id = start_review(
        &mut admin,
        tenant(2, 3),
        definition("ev", Utc::now(), false),
    )
    .await;
    let reviewer = items_by_reviewer(&admin.state, &id, 0)
        .into_keys()
        .next()
        .unwrap();
    let link_token = link(addr, &admin.token, &id, 0, &reviewer).await;
    // The reviewer decides one item through their link, so the pack has a decision in it.
    let item = items_by_reviewer(&admin.state, &id, 0)[&reviewer][0];
    let decided = decision_record(
        "ev-d1",
        &reviewer,
        &id,
        0,
        &[(item, Decision::Deny)],
        Utc::now(),
    );
    let r = push(addr, &link_token, &[decided]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let other_admin = sign_in(without_key.addr()).await;
    let pack_path = format!("/api/v1/evidence/packs/{id}");

    // Who asks, where, for what: status and error code; nothing is made for a refusal.
    let cases: Vec<(&str, SocketAddr, Option<&str>, &str, u16, Option<&str>)> = vec![
        (
            "no credential",
            addr,
            None,
            "/api/v1/evidence/key",
            401,
            None,
        ),
        (
            "a reviewer's link",
            addr,
            Some(&link_token),
            "/api/v1/evidence/key",
            403,
            Some("forbidden"),
        ),
        (
            "a reviewer's link, pack",
            addr,
            Some(&link_token),
            &pack_path,
            403,
            Some("forbidden"),
        ),
        (
            "a made-up token",
            addr,
            Some("not-a-token"),
            &pack_path,
            401,
            None,
        ),
        (
            "server without a key",
            without_key.addr(),
            Some(&other_admin),
            "/api/v1/evidence/key",
            404,
            Some("noSigningKey"),
        ),
        (
            "unknown instance",
            addr,
            Some(&admin.token),
            "/api/v1/evidence/packs/nope~0~g-sales",
            404,
            Some("noInstance"),
        ),
        (
            "unknown series",
            addr,
            Some(&admin.token),
            "/api/v1/evidence/series/nope",
            404,
            Some("noReview"),
        ),
        (
            "a reviewer's link, series",
            addr,
            Some(&link_token),
            "/api/v1/evidence/series/ev",
            403,
            Some("forbidden"),
        ),
    ];
    for (name, at, token, path, status, code) in cases {
        let r = get(at, path, token).await;
        assert_eq!(r.status, status, "{name}: {}", r.text);
        if let Some(code) = code {
            assert_eq!(r.body["error"], code, "{name}: {}", r.text);
        }
    }

    // The key file was made on first use, readable by its owner only.
    let seed = read_key_file(&std::fs::read_to_string(&key_path).unwrap()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the key file is owner-only");
    }
    let key = get(addr, "/api/v1/evidence/key", Some(&admin.token)).await;
    assert_eq!(key.status, 200, "{}", key.text);
    assert_eq!(key.body["publicKey"], public_key_hex(&seed));
    assert!(key.body["publicKeyPem"]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN PUBLIC KEY-----"));

    let (status, kind, bytes) = get_bytes(addr, &pack_path, &admin.token).await;
    assert_eq!((status, kind.as_str()), (200, "application/zip"));
    let verified = verify_pack(&bytes, Some(&public_key_hex(&seed))).expect("the pack verifies");
    assert_eq!(verified.manifest.instance, id);
    // The whole of the server's log for this instance: as many history rows as the log gives.
    let (records, _) = pull_all(addr, &admin.token, 0, 1000).await;
    let state = attest_engine::replay(&records);
    let rows = attest_engine::evidence::audit_rows(&state, &records)
        .into_iter()
        .filter(|r| r.instance.as_deref() == Some(id.as_str()))
        .count();
    assert_eq!(
        verified.manifest.chain.rows, rows,
        "the instance's history is in it"
    );
    assert!(rows >= 2, "the start and the decision: {rows}");
    let members = attest_engine::evidence::pack::read_container(&bytes).unwrap();
    let decisions = &members
        .iter()
        .find(|(n, _)| n == "decisions.csv")
        .unwrap()
        .1;
    assert!(
        String::from_utf8_lossy(decisions).contains("Deny"),
        "the decision is in the pack"
    );

    // The series' pack: every occurrence (one here), under the same key.
    let (status, _, series) = get_bytes(addr, "/api/v1/evidence/series/ev", &admin.token).await;
    assert_eq!(status, 200);
    let verified = verify_pack(&series, Some(&public_key_hex(&seed))).expect("the series verifies");
    assert_eq!(verified.manifest.instances, [id.clone()]);
}
