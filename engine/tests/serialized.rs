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
