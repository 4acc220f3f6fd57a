//! The samples the pins are made of: a value of every Event, DirectoryChange, Command and
//! Actor variant, and each variant's index for the coverage check (`serialized.rs`).

use attest_engine::definition::*;
use attest_engine::directory::*;
use attest_engine::event::{DirectoryChange, Event, ItemApplied, ItemDecision};
use attest_engine::evidence::signoff::Verdict;
use attest_engine::instance::{
    snapshot, ApplyResult, Decision, DecisionSource, Effect, NotSupported, StageEndReason,
};
use attest_engine::notify::Template;
use attest_engine::outbox::MessageKind;
use attest_engine::remediation::{FileDigest, ItemRef};
use attest_engine::{Actor, Command};

use crate::support::*;

/// A directory small enough to read in a pin: one owner, one member, one group.
pub fn small_directory() -> Directory {
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

pub fn small_definition() -> ReviewDefinition {
    let mut def = attest_engine::templates::blank("r", t0());
    def.name = "Sales access".into();
    def.scope.resources = vec!["g".into()];
    def.stages = vec![stage(Reviewers::ResourceOwners, &[], 7)];
    def
}

/// Index of each variant; the match has no wildcard, so a new variant does not compile
/// until it is numbered here, and the coverage check below then asks for its sample.
pub fn event_variant(e: &Event) -> usize {
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
pub const EVENT_VARIANTS: usize = 28;

pub fn change_variant(c: &DirectoryChange) -> usize {
    match c {
        DirectoryChange::RemoveGroupMember { .. } => 0,
        DirectoryChange::RemoveAppAssignment { .. } => 1,
        DirectoryChange::RemoveRoleAssignment { .. } => 2,
        DirectoryChange::RemovePackageAssignment { .. } => 3,
        DirectoryChange::BlockGuest { .. } => 4,
        DirectoryChange::DeleteUser { .. } => 5,
    }
}
pub const CHANGE_VARIANTS: usize = 6;

pub fn command_variant(c: &Command) -> usize {
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
pub const COMMAND_VARIANTS: usize = 22;

pub fn actor_variant(a: &Actor) -> usize {
    match a {
        Actor::Administrator { .. } => 0,
        Actor::User { .. } => 1,
        Actor::System => 2,
        Actor::Auditor { .. } => 3,
    }
}
pub const ACTOR_VARIANTS: usize = 4;

pub fn changes() -> Vec<DirectoryChange> {
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

pub fn events() -> Vec<Event> {
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

pub fn commands() -> Vec<Command> {
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

pub fn item_ref() -> ItemRef {
    ItemRef {
        instance: "r~0~g".into(),
        item: 0,
    }
}

pub fn file_digest() -> FileDigest {
    FileDigest {
        name: "ticket.pdf".into(),
        sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".into(),
    }
}

pub fn actors() -> Vec<Actor> {
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
