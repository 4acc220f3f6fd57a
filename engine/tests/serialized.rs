//! Every serialized Command, Event (with every DirectoryChange) and Record actor, pinned as
//! JSON. Stored logs, backups and sync peers read these bytes: a change here is a change of
//! the compatibility promise, made on purpose with `UPDATE_EXPECT=1 cargo test`.

mod support;

use attest_engine::definition::*;
use attest_engine::directory::*;
use attest_engine::event::{DirectoryChange, Event, ItemApplied, ItemDecision, RECORD_VERSION};
use attest_engine::evidence::signoff::Verdict;
use attest_engine::instance::{
    snapshot, ApplyResult, Decision, DecisionSource, Effect, NotSupported, StageEndReason,
};
use attest_engine::notify::Template;
use attest_engine::outbox::MessageKind;
use attest_engine::remediation::{FileDigest, ItemRef};
use attest_engine::{Actor, Command, Record};
use expect_test::expect;
use serde::{de::DeserializeOwned, Serialize};
use support::*;

/// A directory small enough to read in a pin: one owner, one member, one group.
fn small_directory() -> Directory {
    let mut dir = Directory::default();
    for u in [
        user("olivia", None, false, Some(1)),
        user("bob", Some("olivia"), false, None),
    ] {
        dir.users.insert(u.id.clone(), u);
    }
    dir.groups.insert(
        "g".into(),
        group("g", &["olivia"], &[Principal::User("bob".into())]),
    );
    dir
}

fn small_definition() -> ReviewDefinition {
    let mut def = attest_engine::templates::blank("r", t0());
    def.name = "Sales access".into();
    def.scope.resources = vec!["g".into()];
    def.stages = vec![stage(Reviewers::ResourceOwners, &[], 7)];
    def
}

/// Index of each variant; the match has no wildcard, so a new variant does not compile
/// until it is numbered here, and the coverage check below then asks for its sample.
fn event_variant(e: &Event) -> usize {
    match e {
        Event::DirectoryImported { .. } => 0,
        Event::DraftSaved { .. } => 1,
        Event::DraftDeleted { .. } => 2,
        Event::ReviewCreated { .. } => 3,
        Event::InstanceStarted { .. } => 4,
        Event::DecisionsRecorded { .. } => 5,
        Event::DecisionsReset { .. } => 6,
        Event::ReminderSent { .. } => 7,
        Event::StageEnded { .. } => 8,
        Event::StageStarted { .. } => 9,
        Event::InstanceCompleted { .. } => 10,
        Event::ResultsApplied { .. } => 11,
        Event::DirectoryChanged { .. } => 12,
        Event::SeriesEnded { .. } => 13,
        Event::RemediationAssigned { .. } => 14,
        Event::RemediationEvidenceRecorded { .. } => 15,
        Event::RemediationDoneExternally { .. } => 16,
        Event::SignedOff { .. } => 17,
        Event::ItemsReassigned { .. } => 18,
        Event::DelegationSet { .. } => 19,
        Event::DelegationStarted { .. } => 20,
        Event::DelegationEnded { .. } => 21,
        Event::Escalated { .. } => 22,
        Event::NotificationTemplateSet { .. } => 23,
        Event::BulkApprovalConfirmed { .. } => 24,
        Event::ApprovalTimeBound { .. } => 25,
        Event::TimeBoundApprovalEnded { .. } => 26,
        Event::ExtraOccurrenceStarted { .. } => 27,
    }
}
const EVENT_VARIANTS: usize = 28;

fn change_variant(c: &DirectoryChange) -> usize {
    match c {
        DirectoryChange::RemoveGroupMember { .. } => 0,
        DirectoryChange::RemoveAppAssignment { .. } => 1,
        DirectoryChange::RemoveRoleAssignment { .. } => 2,
        DirectoryChange::RemovePackageAssignment { .. } => 3,
        DirectoryChange::BlockGuest { .. } => 4,
        DirectoryChange::DeleteUser { .. } => 5,
    }
}
const CHANGE_VARIANTS: usize = 6;

fn command_variant(c: &Command) -> usize {
    match c {
        Command::ImportDirectory { .. } => 0,
        Command::SaveDraft { .. } => 1,
        Command::DeleteDraft { .. } => 2,
        Command::CreateReview { .. } => 3,
        Command::RecordDecisions { .. } => 4,
        Command::AcceptRecommendations { .. } => 5,
        Command::ResetDecisions { .. } => 6,
        Command::StopCurrentStage { .. } => 7,
        Command::StopReview { .. } => 8,
        Command::ApplyResults { .. } => 9,
        Command::EndSeries { .. } => 10,
        Command::AdvanceTime => 11,
        Command::AssignRemediation { .. } => 12,
        Command::RecordRemediationEvidence { .. } => 13,
        Command::MarkRemediationDone { .. } => 14,
        Command::SignOff { .. } => 15,
        Command::ReassignItems { .. } => 16,
        Command::DelegateReviews { .. } => 17,
        Command::SetNotificationTemplate { .. } => 18,
        Command::ConfirmBulkApproval { .. } => 19,
        Command::ApproveUntil { .. } => 20,
        Command::RunNow { .. } => 21,
    }
}
const COMMAND_VARIANTS: usize = 22;

fn actor_variant(a: &Actor) -> usize {
    match a {
        Actor::Administrator { .. } => 0,
        Actor::User { .. } => 1,
        Actor::System => 2,
        Actor::Auditor { .. } => 3,
    }
}
const ACTOR_VARIANTS: usize = 4;

fn changes() -> Vec<DirectoryChange> {
    let user = || "bob".to_string();
    vec![
        DirectoryChange::RemoveGroupMember {
            group: "g".into(),
            user: user(),
        },
        DirectoryChange::RemoveAppAssignment {
            application: "app".into(),
            user: user(),
        },
        DirectoryChange::RemoveRoleAssignment {
            role: "role".into(),
            user: user(),
        },
        DirectoryChange::RemovePackageAssignment {
            package: "pkg".into(),
            user: user(),
        },
        DirectoryChange::BlockGuest {
            user: user(),
            delete_at: t0() + days(30),
        },
        DirectoryChange::DeleteUser { user: user() },
    ]
}

fn events() -> Vec<Event> {
    let instance = || "r~0~g".to_string();
    let dir = small_directory();
    let def = small_definition();
    let mut events = vec![
        Event::DirectoryImported {
            directory: Box::new(dir.clone()),
            source: "test".into(),
        },
        Event::DraftSaved {
            definition: Box::new(def.clone()),
        },
        Event::DraftDeleted {
            definition: "r".into(),
        },
        Event::ReviewCreated {
            definition: Box::new(def.clone()),
        },
        Event::InstanceStarted {
            instance: Box::new(snapshot(&def, &dir, "g", 0, t0())),
        },
        Event::DecisionsRecorded {
            instance: instance(),
            stage: 0,
            reviewer: "olivia".into(),
            source: DecisionSource::Reviewer,
            decisions: vec![ItemDecision {
                item: 0,
                decision: Decision::DontKnow,
                justification: "On leave".into(),
            }],
        },
        Event::DecisionsReset {
            instance: instance(),
            stage: 0,
            reviewer: "olivia".into(),
            items: vec![0],
        },
        Event::ReminderSent {
            instance: instance(),
            stage: 0,
            at: t0() + days(3),
            reviewers: vec!["olivia".into()],
        },
        Event::StageEnded {
            instance: instance(),
            stage: 0,
            at: t0() + days(7),
            reason: StageEndReason::Stopped,
        },
        Event::StageStarted {
            instance: instance(),
            stage: 1,
            at: t0() + days(7),
            deadline: t0() + days(14),
            items: vec![0],
        },
        Event::InstanceCompleted {
            instance: instance(),
            at: t0() + days(14),
            stopped: false,
        },
        Event::ResultsApplied {
            instance: instance(),
            at: t0() + days(14),
            results: vec![
                ItemApplied {
                    item: 0,
                    result: ApplyResult::Applied {
                        effect: Effect::AccessRemoved,
                    },
                },
                ItemApplied {
                    item: 1,
                    result: ApplyResult::NotSupported {
                        reason: NotSupported::DynamicGroup,
                    },
                },
                ItemApplied {
                    item: 2,
                    result: ApplyResult::ObjectNotFound,
                },
                ItemApplied {
                    item: 3,
                    result: ApplyResult::Failed {
                        reason: "offline".into(),
                    },
                },
            ],
        },
    ];
    events.extend(changes().into_iter().map(|change| Event::DirectoryChanged {
        change,
        at: t0() + days(14),
        instance: Some(instance()),
    }));
    events.push(Event::SeriesEnded {
        definition: "r".into(),
        at: t0() + days(30),
    });
    events.extend([
        Event::RemediationAssigned {
            items: vec![item_ref()],
            owner: "olivia".into(),
            due: t0() + days(40),
        },
        Event::RemediationEvidenceRecorded {
            item: item_ref(),
            comment: "Removed in the on-premises directory".into(),
            file: Some(file_digest()),
        },
        Event::RemediationDoneExternally {
            items: vec![item_ref()],
            comment: "Done by the AD team".into(),
        },
        Event::SignedOff {
            instance: instance(),
            verdict: Verdict::Accepted,
            comment: "Checked against the ticket log".into(),
        },
        Event::ItemsReassigned {
            instance: instance(),
            stage: 0,
            from: "olivia".into(),
            to: "bob".into(),
            items: vec![0],
            reason: "on leave".into(),
        },
        Event::DelegationSet {
            reviewer: "olivia".into(),
            delegate: "bob".into(),
            from: t0() + days(1),
            until: t0() + days(5),
            reason: "holiday".into(),
        },
        Event::DelegationStarted {
            reviewer: "olivia".into(),
            delegate: "bob".into(),
            at: t0() + days(1),
        },
        Event::DelegationEnded {
            reviewer: "olivia".into(),
            delegate: "bob".into(),
            at: t0() + days(5),
        },
        Event::Escalated {
            instance: instance(),
            stage: 0,
            at: t0() + days(6),
            reviewer: "olivia".into(),
            to: "bob".into(),
            items: vec![0],
        },
        Event::NotificationTemplateSet {
            kind: MessageKind::Reminder,
            template: Some(Template {
                subject: "Still waiting: {review}".into(),
                body: "Hello {reviewer}, {count} left: {link}".into(),
            }),
        },
        Event::BulkApprovalConfirmed {
            instance: instance(),
            stage: 0,
            reviewer: "olivia".into(),
            items: vec![0, 1],
            justification: "Both on the on-call rota".into(),
        },
        Event::ApprovalTimeBound {
            instance: instance(),
            stage: 0,
            items: vec![0],
            until: t0() + days(90),
        },
        Event::TimeBoundApprovalEnded {
            instance: instance(),
            item: 0,
            at: t0() + days(90),
            certified_by: None,
        },
        Event::ExtraOccurrenceStarted {
            definition: "r".into(),
            run: 0,
            at: t0() + days(2),
            cause: attest_engine::programme::ExtraCause::RunNow,
        },
        Event::ExtraOccurrenceStarted {
            definition: "r".into(),
            run: 1,
            at: t0() + days(3),
            cause: attest_engine::programme::ExtraCause::Moved {
                users: vec!["alice".into()],
            },
        },
    ]);
    events
}

fn commands() -> Vec<Command> {
    let instance = || "r~0~g".to_string();
    vec![
        Command::ImportDirectory {
            directory: Box::new(small_directory()),
            source: "test".into(),
        },
        Command::SaveDraft {
            definition: Box::new(small_definition()),
        },
        Command::DeleteDraft {
            definition: "r".into(),
        },
        Command::CreateReview {
            definition: Box::new(small_definition()),
        },
        Command::RecordDecisions {
            instance: instance(),
            decisions: vec![ItemDecision {
                item: 0,
                decision: Decision::Approve,
                justification: "Still on the team".into(),
            }],
        },
        Command::AcceptRecommendations {
            instance: instance(),
            items: Some(vec![0]),
            justification: String::new(),
        },
        Command::ResetDecisions {
            instance: instance(),
            items: vec![0],
        },
        Command::StopCurrentStage {
            instance: instance(),
        },
        Command::StopReview {
            instance: instance(),
        },
        Command::ApplyResults {
            instance: instance(),
        },
        Command::EndSeries {
            definition: "r".into(),
        },
        Command::AdvanceTime,
        Command::AssignRemediation {
            items: vec![item_ref()],
            owner: "olivia".into(),
            due: t0() + days(40),
        },
        Command::RecordRemediationEvidence {
            item: item_ref(),
            comment: "Removed in the on-premises directory".into(),
            file: Some(file_digest()),
        },
        Command::MarkRemediationDone {
            items: vec![item_ref()],
            comment: "Done by the AD team".into(),
        },
        Command::SignOff {
            instance: instance(),
            verdict: Verdict::Accepted,
            comment: "Checked against the ticket log".into(),
        },
        Command::ReassignItems {
            instance: instance(),
            from: None,
            items: Some(vec![0]),
            to: "bob".into(),
            reason: "on leave".into(),
        },
        Command::ReassignItems {
            instance: instance(),
            from: Some("olivia".into()),
            items: None,
            to: "bob".into(),
            reason: "left the team".into(),
        },
        Command::DelegateReviews {
            reviewer: None,
            delegate: "bob".into(),
            from: t0() + days(1),
            until: t0() + days(5),
            reason: "holiday".into(),
        },
        Command::SetNotificationTemplate {
            kind: MessageKind::Escalation,
            template: None,
        },
        Command::ConfirmBulkApproval {
            justification: "Both on the on-call rota".into(),
            command: Box::new(Command::AcceptRecommendations {
                instance: instance(),
                items: None,
                justification: String::new(),
            }),
        },
        Command::ApproveUntil {
            instance: instance(),
            items: vec![0],
            until: t0() + days(90),
            justification: "Project ends in March".into(),
        },
        Command::RunNow {
            definition: "r".into(),
        },
    ]
}

fn item_ref() -> ItemRef {
    ItemRef {
        instance: "r~0~g".into(),
        item: 0,
    }
}

fn file_digest() -> FileDigest {
    FileDigest {
        name: "ticket.pdf".into(),
        sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".into(),
    }
}

fn actors() -> Vec<Actor> {
    vec![
        Actor::Administrator {
            name: "Ada Admin".into(),
        },
        Actor::User {
            id: "olivia".into(),
        },
        Actor::System,
        Actor::Auditor {
            name: "Ada Auditor".into(),
        },
    ]
}

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
