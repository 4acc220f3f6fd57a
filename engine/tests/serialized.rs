//! Every serialized Command, Event (with every DirectoryChange) and Record actor, pinned as
//! JSON. Stored logs, backups and sync peers read these bytes: a change here is a change of
//! the compatibility promise, made on purpose with `UPDATE_EXPECT=1 cargo test`.

#[path = "serialized/samples.rs"]
mod samples;
mod support;

use attest_engine::event::{Event, RECORD_VERSION};
use attest_engine::{Actor, Record};
use expect_test::expect;
use samples::*;
use serde::{de::DeserializeOwned, Serialize};
use support::*;

/// One line per value: its JSON; and each reads back as itself.
fn pin<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(values: &[T]) -> String {
    let mut out = String::new();
    for v in values {
        let json = serde_json::to_string(v).unwrap();
        assert_eq!(&serde_json::from_str::<T>(&json).unwrap(), v, "{json}");
        // As the app reads it (structs from objects only).
        assert_eq!(
            &attest_engine::json::from_bytes::<T>(json.as_bytes()).unwrap(),
            v,
            "{json}"
        );
        out.push_str(&json);
        out.push('\n');
    }
    out
}

fn covered(indices: impl Iterator<Item = usize>, count: usize, what: &str) {
    let mut seen = vec![false; count];
    for i in indices {
        seen[i] = true;
    }
    let missing: Vec<usize> = (0..count).filter(|i| !seen[*i]).collect();
    assert!(
        missing.is_empty(),
        "{what} variants without a pinned sample: {missing:?}"
    );
}

#[test]
fn every_variant_has_a_pinned_sample() {
    covered(events().iter().map(event_variant), EVENT_VARIANTS, "Event");
    covered(
        changes().iter().map(change_variant),
        CHANGE_VARIANTS,
        "DirectoryChange",
    );
    covered(
        commands().iter().map(command_variant),
        COMMAND_VARIANTS,
        "Command",
    );
    covered(actors().iter().map(actor_variant), ACTOR_VARIANTS, "Actor");
}

#[test]
fn events_are_pinned() {
    expect![[r#"
        {"type":"directoryImported","directory":{"users":{"bob":{"id":"bob","displayName":"Bob","userPrincipalName":"bob@contoso.com","userType":"Member","manager":"olivia","accountEnabled":true,"created":"2023-04-11T09:00:00Z","lastSignIn":null,"department":"Sales"},"olivia":{"id":"olivia","displayName":"Olivia","userPrincipalName":"olivia@contoso.com","userType":"Member","manager":null,"accountEnabled":true,"created":"2023-04-11T09:00:00Z","lastSignIn":"2026-01-04T09:00:00Z","department":"Sales"}},"groups":{"g":{"id":"g","displayName":"g","kind":"Security","membership":{"type":"assigned"},"onPremisesSync":false,"mailEnabled":false,"owners":["olivia"],"members":[{"type":"user","id":"bob"}]}},"applications":{},"roles":{},"accessPackages":{}},"source":"test"}
        {"type":"draftSaved","definition":{"v":1,"id":"r","name":"Sales access","descriptionForAdmins":"","descriptionForReviewers":"","scope":{"resourceKind":"Group","resources":["g"],"principals":"AllUsers","inactiveDays":null,"transitive":false},"stages":[{"reviewers":{"type":"resourceOwners"},"fallbackReviewers":[],"durationDays":7,"recommendations":true}],"showPreviousDecisions":false,"decisionsToNextStage":["Approve","Deny","NotReviewed","DontKnow"],"settings":{"ifNoResponse":"NoChange","justificationRequired":false,"autoApply":false,"deniedGuestAction":null,"recommendations":{"inactivity":true,"lookBackDays":30,"peerAffiliation":true},"reminders":true},"schedule":{"start":"2026-01-05T09:00:00Z","frequency":"OneTime","end":{"type":"never"}}}}
        {"type":"draftDeleted","definition":"r"}
        {"type":"reviewCreated","definition":{"v":1,"id":"r","name":"Sales access","descriptionForAdmins":"","descriptionForReviewers":"","scope":{"resourceKind":"Group","resources":["g"],"principals":"AllUsers","inactiveDays":null,"transitive":false},"stages":[{"reviewers":{"type":"resourceOwners"},"fallbackReviewers":[],"durationDays":7,"recommendations":true}],"showPreviousDecisions":false,"decisionsToNextStage":["Approve","Deny","NotReviewed","DontKnow"],"settings":{"ifNoResponse":"NoChange","justificationRequired":false,"autoApply":false,"deniedGuestAction":null,"recommendations":{"inactivity":true,"lookBackDays":30,"peerAffiliation":true},"reminders":true},"schedule":{"start":"2026-01-05T09:00:00Z","frequency":"OneTime","end":{"type":"never"}}}}
        {"type":"instanceStarted","instance":{"id":"r~0~g","definition":"r","occurrence":0,"resource":{"kind":"Group","id":"g","name":"g"},"status":"InProgress","stopped":false,"started":"2026-01-05T09:00:00Z","completed":null,"stages":[{"status":"InProgress","started":"2026-01-05T09:00:00Z","deadline":"2026-01-12T09:00:00Z","ended":null,"endReason":null,"reminded":false}],"currentStage":0,"items":[{"user":"bob","userName":"Bob","userPrincipalName":"bob@contoso.com","userType":"Member","lastSignIn":null,"access":{"type":"direct"},"assignment":null,"recommendation":{"decision":"Deny","reasons":[{"type":"neverSignedIn","account_days":1000}]},"reviewers":[1,4294967295,4294967295],"fallback":[false,false,false],"stage":0,"decisions":[null,null,null],"notSupported":null,"applyResult":null}],"reviewerSets":[[],["olivia"]],"applied":null,"outcomeRule":"StageDecision"}}
        {"type":"decisionsRecorded","instance":"r~0~g","stage":0,"reviewer":"olivia","source":"Reviewer","decisions":[{"item":0,"decision":"DontKnow","justification":"On leave"}]}
        {"type":"decisionsReset","instance":"r~0~g","stage":0,"reviewer":"olivia","items":[0]}
        {"type":"reminderSent","instance":"r~0~g","stage":0,"at":"2026-01-08T09:00:00Z","reviewers":["olivia"]}
        {"type":"stageEnded","instance":"r~0~g","stage":0,"at":"2026-01-12T09:00:00Z","reason":"Stopped"}
        {"type":"stageStarted","instance":"r~0~g","stage":1,"at":"2026-01-12T09:00:00Z","deadline":"2026-01-19T09:00:00Z","items":[0]}
        {"type":"instanceCompleted","instance":"r~0~g","at":"2026-01-19T09:00:00Z","stopped":false}
        {"type":"resultsApplied","instance":"r~0~g","at":"2026-01-19T09:00:00Z","results":[{"item":0,"result":{"type":"applied","effect":"AccessRemoved"}},{"item":1,"result":{"type":"notSupported","reason":{"type":"dynamicGroup"}}},{"item":2,"result":{"type":"objectNotFound"}},{"item":3,"result":{"type":"failed","reason":"offline"}}]}
        {"type":"directoryChanged","change":{"type":"removeGroupMember","group":"g","user":"bob"},"at":"2026-01-19T09:00:00Z","instance":"r~0~g"}
        {"type":"directoryChanged","change":{"type":"removeAppAssignment","application":"app","user":"bob"},"at":"2026-01-19T09:00:00Z","instance":"r~0~g"}
        {"type":"directoryChanged","change":{"type":"removeRoleAssignment","role":"role","user":"bob"},"at":"2026-01-19T09:00:00Z","instance":"r~0~g"}
        {"type":"directoryChanged","change":{"type":"removePackageAssignment","package":"pkg","user":"bob"},"at":"2026-01-19T09:00:00Z","instance":"r~0~g"}
        {"type":"directoryChanged","change":{"type":"blockGuest","user":"bob","delete_at":"2026-02-04T09:00:00Z"},"at":"2026-01-19T09:00:00Z","instance":"r~0~g"}
        {"type":"directoryChanged","change":{"type":"deleteUser","user":"bob"},"at":"2026-01-19T09:00:00Z","instance":"r~0~g"}
        {"type":"seriesEnded","definition":"r","at":"2026-02-04T09:00:00Z"}
        {"type":"remediationAssigned","items":[{"instance":"r~0~g","item":0}],"owner":"olivia","due":"2026-02-14T09:00:00Z"}
        {"type":"remediationEvidenceRecorded","item":{"instance":"r~0~g","item":0},"comment":"Removed in the on-premises directory","file":{"name":"ticket.pdf","sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}
        {"type":"remediationDoneExternally","items":[{"instance":"r~0~g","item":0}],"comment":"Done by the AD team"}
        {"type":"signedOff","instance":"r~0~g","verdict":"accepted","comment":"Checked against the ticket log"}
        {"type":"itemsReassigned","instance":"r~0~g","stage":0,"from":"olivia","to":"bob","items":[0],"reason":"on leave"}
        {"type":"delegationSet","reviewer":"olivia","delegate":"bob","from":"2026-01-06T09:00:00Z","until":"2026-01-10T09:00:00Z","reason":"holiday"}
        {"type":"delegationStarted","reviewer":"olivia","delegate":"bob","at":"2026-01-06T09:00:00Z"}
        {"type":"delegationEnded","reviewer":"olivia","delegate":"bob","at":"2026-01-10T09:00:00Z"}
        {"type":"escalated","instance":"r~0~g","stage":0,"at":"2026-01-11T09:00:00Z","reviewer":"olivia","to":"bob","items":[0]}
        {"type":"notificationTemplateSet","kind":"Reminder","template":{"subject":"Still waiting: {review}","body":"Hello {reviewer}, {count} left: {link}"}}
        {"type":"bulkApprovalConfirmed","instance":"r~0~g","stage":0,"reviewer":"olivia","items":[0,1],"justification":"Both on the on-call rota"}
        {"type":"approvalTimeBound","instance":"r~0~g","stage":0,"items":[0],"until":"2026-04-05T09:00:00Z"}
        {"type":"timeBoundApprovalEnded","instance":"r~0~g","item":0,"at":"2026-04-05T09:00:00Z","certified_by":null}
        {"type":"extraOccurrenceStarted","definition":"r","run":0,"at":"2026-01-07T09:00:00Z","cause":{"type":"runNow"}}
        {"type":"extraOccurrenceStarted","definition":"r","run":1,"at":"2026-01-08T09:00:00Z","cause":{"type":"moved","users":["alice"]}}
    "#]].assert_eq(&pin(&events()));
}

#[test]
fn commands_are_pinned() {
    expect![[r#"
        {"type":"importDirectory","directory":{"users":{"bob":{"id":"bob","displayName":"Bob","userPrincipalName":"bob@contoso.com","userType":"Member","manager":"olivia","accountEnabled":true,"created":"2023-04-11T09:00:00Z","lastSignIn":null,"department":"Sales"},"olivia":{"id":"olivia","displayName":"Olivia","userPrincipalName":"olivia@contoso.com","userType":"Member","manager":null,"accountEnabled":true,"created":"2023-04-11T09:00:00Z","lastSignIn":"2026-01-04T09:00:00Z","department":"Sales"}},"groups":{"g":{"id":"g","displayName":"g","kind":"Security","membership":{"type":"assigned"},"onPremisesSync":false,"mailEnabled":false,"owners":["olivia"],"members":[{"type":"user","id":"bob"}]}},"applications":{},"roles":{},"accessPackages":{}},"source":"test"}
        {"type":"saveDraft","definition":{"v":1,"id":"r","name":"Sales access","descriptionForAdmins":"","descriptionForReviewers":"","scope":{"resourceKind":"Group","resources":["g"],"principals":"AllUsers","inactiveDays":null,"transitive":false},"stages":[{"reviewers":{"type":"resourceOwners"},"fallbackReviewers":[],"durationDays":7,"recommendations":true}],"showPreviousDecisions":false,"decisionsToNextStage":["Approve","Deny","NotReviewed","DontKnow"],"settings":{"ifNoResponse":"NoChange","justificationRequired":false,"autoApply":false,"deniedGuestAction":null,"recommendations":{"inactivity":true,"lookBackDays":30,"peerAffiliation":true},"reminders":true},"schedule":{"start":"2026-01-05T09:00:00Z","frequency":"OneTime","end":{"type":"never"}}}}
        {"type":"deleteDraft","definition":"r"}
        {"type":"createReview","definition":{"v":1,"id":"r","name":"Sales access","descriptionForAdmins":"","descriptionForReviewers":"","scope":{"resourceKind":"Group","resources":["g"],"principals":"AllUsers","inactiveDays":null,"transitive":false},"stages":[{"reviewers":{"type":"resourceOwners"},"fallbackReviewers":[],"durationDays":7,"recommendations":true}],"showPreviousDecisions":false,"decisionsToNextStage":["Approve","Deny","NotReviewed","DontKnow"],"settings":{"ifNoResponse":"NoChange","justificationRequired":false,"autoApply":false,"deniedGuestAction":null,"recommendations":{"inactivity":true,"lookBackDays":30,"peerAffiliation":true},"reminders":true},"schedule":{"start":"2026-01-05T09:00:00Z","frequency":"OneTime","end":{"type":"never"}}}}
        {"type":"recordDecisions","instance":"r~0~g","decisions":[{"item":0,"decision":"Approve","justification":"Still on the team"}]}
        {"type":"acceptRecommendations","instance":"r~0~g","items":[0],"justification":""}
        {"type":"resetDecisions","instance":"r~0~g","items":[0]}
        {"type":"stopCurrentStage","instance":"r~0~g"}
        {"type":"stopReview","instance":"r~0~g"}
        {"type":"applyResults","instance":"r~0~g"}
        {"type":"endSeries","definition":"r"}
        {"type":"advanceTime"}
        {"type":"assignRemediation","items":[{"instance":"r~0~g","item":0}],"owner":"olivia","due":"2026-02-14T09:00:00Z"}
        {"type":"recordRemediationEvidence","item":{"instance":"r~0~g","item":0},"comment":"Removed in the on-premises directory","file":{"name":"ticket.pdf","sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}
        {"type":"markRemediationDone","items":[{"instance":"r~0~g","item":0}],"comment":"Done by the AD team"}
        {"type":"signOff","instance":"r~0~g","verdict":"accepted","comment":"Checked against the ticket log"}
        {"type":"reassignItems","instance":"r~0~g","items":[0],"to":"bob","reason":"on leave"}
        {"type":"reassignItems","instance":"r~0~g","from":"olivia","items":null,"to":"bob","reason":"left the team"}
        {"type":"delegateReviews","delegate":"bob","from":"2026-01-06T09:00:00Z","until":"2026-01-10T09:00:00Z","reason":"holiday"}
        {"type":"setNotificationTemplate","kind":"Escalation","template":null}
        {"type":"confirmBulkApproval","justification":"Both on the on-call rota","command":{"type":"acceptRecommendations","instance":"r~0~g","items":null,"justification":""}}
        {"type":"approveUntil","instance":"r~0~g","items":[0],"until":"2026-04-05T09:00:00Z","justification":"Project ends in March"}
        {"type":"runNow","definition":"r"}
    "#]].assert_eq(&pin(&commands()));
}

/// A record under each kind of actor, with and without a reason.
#[test]
fn records_are_pinned() {
    let records: Vec<Record> = actors()
        .into_iter()
        .enumerate()
        .map(|(i, actor)| Record {
            v: RECORD_VERSION,
            id: format!("browser-1:{i}"),
            at: t0(),
            reason: actor
                .is_administrator()
                .then(|| "Auditor deadline".to_string()),
            actor,
            events: vec![Event::SeriesEnded {
                definition: "r".into(),
                at: t0(),
            }],
        })
        .collect();
    expect![[r#"
        {"v":1,"id":"browser-1:0","at":"2026-01-05T09:00:00Z","actor":{"kind":"administrator","name":"Ada Admin"},"reason":"Auditor deadline","events":[{"type":"seriesEnded","definition":"r","at":"2026-01-05T09:00:00Z"}]}
        {"v":1,"id":"browser-1:1","at":"2026-01-05T09:00:00Z","actor":{"kind":"user","id":"olivia"},"events":[{"type":"seriesEnded","definition":"r","at":"2026-01-05T09:00:00Z"}]}
        {"v":1,"id":"browser-1:2","at":"2026-01-05T09:00:00Z","actor":{"kind":"system"},"events":[{"type":"seriesEnded","definition":"r","at":"2026-01-05T09:00:00Z"}]}
        {"v":1,"id":"browser-1:3","at":"2026-01-05T09:00:00Z","actor":{"kind":"auditor","name":"Ada Auditor"},"events":[{"type":"seriesEnded","definition":"r","at":"2026-01-05T09:00:00Z"}]}
    "#]].assert_eq(&pin(&records));
}

/// The column names of the exported files auditors and spreadsheets read.
#[test]
fn export_headers_are_pinned() {
    let audit = attest_engine::evidence::AUDIT_COLUMNS.join(",");
    let results = attest_engine::evidence::results_header(2).join(",");
    expect![[r#"
        DateTime,RecordedDateTime,RecordId,Actor,Action,ReviewId,ReviewName,AccessReviewInstanceId,Stage,Reviewer,Subject,Decision,Details,Reason,ReviewerIds,Chain
        ReviewId,ReviewName,AccessReviewInstanceId,ResourceType,ResourceId,ResourceDisplayName,PrincipalId,PrincipalDisplayName,PrincipalUserPrincipalName,PrincipalType,AccessType,Stage1Decision,Stage1ReviewedBy,Stage1ReviewedByUserPrincipalName,Stage1ReviewedDateTime,Stage1Justification,Stage2Decision,Stage2ReviewedBy,Stage2ReviewedByUserPrincipalName,Stage2ReviewedDateTime,Stage2Justification,Decision,DecisionSource,Recommendation,RecommendationReason,ApplyResult,ApplyDescription,AppliedBy,AppliedDateTime
    "#]].assert_eq(&format!("{audit}\n{results}\n"));
}

/// The Graph `accessReviewScheduleDefinition` a definition exports as.
#[test]
fn graph_definition_export_is_pinned() {
    let json = attest_engine::graph_definition::export_definition(&small_definition());
    expect![[r##"
        {
          "descriptionForAdmins": "",
          "descriptionForReviewers": "",
          "displayName": "Sales access",
          "fallbackReviewers": [],
          "id": "r",
          "reviewers": [
            {
              "query": "/groups/g/owners",
              "queryType": "MicrosoftGraph"
            }
          ],
          "scope": {
            "@odata.type": "#microsoft.graph.accessReviewQueryScope",
            "query": "/groups/g/members",
            "queryType": "MicrosoftGraph"
          },
          "settings": {
            "applyActions": [
              {
                "@odata.type": "#microsoft.graph.removeAccessApplyAction"
              }
            ],
            "autoApplyDecisionsEnabled": false,
            "decisionHistoriesForReviewersEnabled": false,
            "defaultDecision": "None",
            "defaultDecisionEnabled": false,
            "instanceDurationInDays": 7,
            "justificationRequiredOnApproval": false,
            "mailNotificationsEnabled": true,
            "recommendationInsightSettings": [
              {
                "@odata.type": "#microsoft.graph.userLastSignInRecommendationInsightSetting",
                "recommendationLookBackDuration": "P30D",
                "signInScope": "tenant"
              },
              {
                "@odata.type": "#microsoft.graph.groupPeerOutlierRecommendationInsightSettings"
              }
            ],
            "recommendationLookBackDuration": "P30D",
            "recommendationsEnabled": true,
            "recurrence": {
              "range": {
                "startDate": "2026-01-05T09:00:00.000Z",
                "type": "noEnd"
              }
            },
            "reminderNotificationsEnabled": true
          }
        }"##]]
    .assert_eq(&serde_json::to_string_pretty(&json).unwrap());
}

/// The browser's log stores records in the engine's own layout (`snapshot::encode_record`):
/// every event sample (so every variant, by the coverage check above) under every actor
/// reads back as itself, alone and all in one record; cut short anywhere, it is refused
/// with the byte where it broke, never a panic.
#[test]
fn every_event_round_trips_through_the_record_layout() {
    use attest_engine::snapshot::{decode_record, encode_record};
    let record = |i: usize, actor: Actor, events: Vec<Event>| Record {
        v: RECORD_VERSION,
        id: format!("browser-1:{i}"),
        at: t0(),
        reason: (i % 2 == 0).then(|| "Auditor deadline".to_string()),
        actor,
        events,
    };
    let mut records: Vec<Record> = events()
        .into_iter()
        .enumerate()
        .map(|(i, e)| record(i, actors()[i % actors().len()].clone(), vec![e]))
        .collect();
    records.push(record(99, Actor::System, events()));
    records.push(record(100, Actor::System, vec![]));
    for r in &records {
        let bytes = encode_record(r);
        assert_eq!(&decode_record(&bytes).expect("reads back"), r);
    }
    let all = encode_record(&records[records.len() - 2]);
    for cut in 0..all.len() {
        let e = decode_record(&all[..cut]).expect_err("a record cut short is refused");
        assert!(e.at <= cut, "cut at {cut}, reported at {}", e.at);
    }
    let mut longer = all.clone();
    longer.push(0);
    assert!(decode_record(&longer).is_err(), "bytes after the record");
    assert!(
        decode_record(b"ATSN\x03").is_err(),
        "a snapshot is not a record"
    );
}

/// Records earlier releases stored (`ATRC`: the small events as their JSON) still read, but
/// only through `decode_earlier_record` (the full app, which rewrites them once); the
/// current reader refuses them by name, and neither reader takes the other's layout. The
/// bytes are written here by hand, as those releases wrote them.
#[test]
fn a_record_of_an_earlier_release_reads_only_through_the_earlier_reader() {
    use attest_engine::snapshot::{decode_earlier_record, decode_record, encode_record};
    fn uint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }
    fn text(out: &mut Vec<u8>, s: &[u8]) {
        uint(out, s.len() as u64);
        out.extend_from_slice(s);
    }
    let at = t0();
    let time = |out: &mut Vec<u8>| {
        let secs = at.timestamp();
        uint(out, ((secs << 1) ^ (secs >> 63)) as u64);
        uint(out, u64::from(at.timestamp_subsec_nanos()));
    };
    let delegation = Event::DelegationStarted {
        reviewer: "u-1".into(),
        delegate: "u-2".into(),
        at,
    };
    let mut old = b"ATRC".to_vec();
    uint(&mut old, 4); // the snapshot layout of the parts inside
    uint(&mut old, u64::from(RECORD_VERSION));
    text(&mut old, b"browser-1:7");
    time(&mut old);
    text(&mut old, &serde_json::to_vec(&Actor::System).unwrap());
    old.push(0); // no reason
    uint(&mut old, 2);
    old.push(0); // an event as JSON
    text(&mut old, &serde_json::to_vec(&delegation).unwrap());
    old.push(4); // DecisionsReset in its own layout, as today
    text(&mut old, b"inst-1");
    uint(&mut old, 1);
    text(&mut old, b"u-1");
    uint(&mut old, 2);
    uint(&mut old, 3);
    uint(&mut old, 300);
    let expected = Record {
        v: RECORD_VERSION,
        id: "browser-1:7".into(),
        at,
        actor: Actor::System,
        reason: None,
        events: vec![
            delegation,
            Event::DecisionsReset {
                instance: "inst-1".into(),
                stage: 1,
                reviewer: "u-1".into(),
                items: vec![3, 300],
            },
        ],
    };
    assert_eq!(decode_earlier_record(&old).expect("reads"), expected);
    let refused = decode_record(&old).expect_err("the current reader refuses it");
    assert_eq!(
        (refused.at, refused.what.as_str()),
        (0, "a record in the layout of an earlier release")
    );
    let now = encode_record(&expected);
    assert_eq!(&now[..4], b"ATR2");
    assert!(decode_earlier_record(&now).is_err());
    assert_eq!(decode_record(&now).expect("reads"), expected);
    assert!(
        now.len() < old.len(),
        "the current layout is smaller: {} < {} bytes",
        now.len(),
        old.len()
    );
    // A JSON event inside a current record is damage, not an earlier release's record.
    let only = |events: Vec<Event>| {
        encode_record(&Record {
            events,
            ..expected.clone()
        })
    };
    let at_event = only(vec![]).len(); // the header; the event count is one byte either way
    let mut forged = only(vec![expected.events[0].clone()]);
    assert_eq!(forged[at_event], 21, "DelegationStarted's code");
    forged[at_event] = 0;
    let e = decode_record(&forged).expect_err("refused");
    assert_eq!(e.what, "an event as JSON (an earlier layout)");
}

/// A reviewer link's page in bytes (what the sync server sends the reviewer bundle): every
/// field and every record read back; cut short anywhere, or with a byte too many, it is
/// refused with where, counted in the whole page.
#[test]
fn a_reviewer_page_round_trips_through_its_layout() {
    use attest_engine::snapshot::{decode_reviewer_page, encode_reviewer_page};
    use attest_engine::wire::ReviewerPage;
    let records: Vec<Record> = events()
        .into_iter()
        .enumerate()
        .map(|(i, e)| Record {
            v: RECORD_VERSION,
            id: format!("reviewer-view:{i}"),
            at: t0(),
            actor: Actor::System,
            reason: None,
            events: vec![e],
        })
        .collect();
    for (expires_at, records) in [(Some(t0()), records), (None, vec![])] {
        let page = ReviewerPage {
            records,
            cursor: 4_321,
            reviewer: "u-000002".into(),
            instance: "rev-1:0".into(),
            stage: 1,
            expires_at,
        };
        let bytes = encode_reviewer_page(&page);
        assert_eq!(decode_reviewer_page(&bytes).expect("reads back"), page);
        for cut in 0..bytes.len() {
            let e = decode_reviewer_page(&bytes[..cut]).expect_err("cut short");
            assert!(e.at <= cut, "cut at {cut}, reported at {}", e.at);
        }
        let mut longer = bytes.clone();
        longer.push(0);
        let e = decode_reviewer_page(&longer).expect_err("a byte too many");
        assert_eq!(
            (e.at, e.what.as_str()),
            (bytes.len(), "bytes left over after the page")
        );
    }
    let e = decode_reviewer_page(b"ATR2\x04").expect_err("a record is not a page");
    assert_eq!(e.what, "not a reviewer's page");
}

/// A reviewer's round keeps its stored view when the server's holds the same events
/// (`snapshot::same_events`, compared in the record layout): every sample is the same as
/// itself, differs from every other sample, and a list differs with one event fewer or in
/// another order.
#[test]
fn same_events_tells_every_event_apart() {
    use attest_engine::snapshot::same_events;
    let all = events();
    for (i, a) in all.iter().enumerate() {
        for (j, b) in all.iter().enumerate() {
            assert_eq!(
                same_events(std::slice::from_ref(a), std::slice::from_ref(b)),
                a == b,
                "samples {i} and {j}"
            );
        }
    }
    assert!(same_events(&all, &all.clone()));
    assert!(!same_events(&all, &all[1..]), "one event fewer");
    let mut changed = all.clone();
    let last = changed.len() - 1;
    changed.swap(0, last);
    assert!(
        !same_events(&all, &changed),
        "the same events in another order"
    );
}
