//! Graph accessReviewScheduleDefinition JSON: export then import gives the same definition;
//! the multi-stage example of the Graph documentation imports; what Attest cannot represent
//! is reported with its JSON path.

mod support;

use attest_engine::definition::*;
use attest_engine::directory::*;
use attest_engine::graph_definition::{export_definition, import_definition};
use attest_engine::preview::preview;
use attest_engine::templates::Template;
use support::*;

fn round_trip(def: &ReviewDefinition) {
    let json = export_definition(def).to_string();
    let back = import_definition(&json, &tenant(), "other-id", t0() + days(99)).expect("imports");
    assert_eq!(back.issues, vec![], "{}: no issues", def.name);
    assert_eq!(&back.definition, def, "{}: same definition", def.name);
}

#[test]
fn export_then_import_gives_the_same_definition() {
    let dir = tenant();
    for t in Template::ALL {
        let mut def = t.definition("t-1", t0(), &dir);
        def.scope.resources = vec![if def.scope.resource_kind == ResourceKind::Application {
            "app-crm".into()
        } else {
            "g-exception".into()
        }];
        def.stages[0].fallback_reviewers = vec!["olivia".into()];
        round_trip(&def);
    }
    let mut one = definition("one", ResourceKind::Group, "g-exception");
    round_trip(&one);
    one.scope.resources.push("g-sales".into());
    one.scope.transitive = true;
    one.schedule.frequency = Frequency::Quarterly;
    one.schedule.end = ScheduleEnd::AfterOccurrences { count: 4 };
    one.settings.if_no_response = NoResponse::TakeRecommendations;
    one.settings.recommendations.peer_affiliation = false;
    one.settings.recommendations.look_back_days = 60;
    one.stages[0].reviewers = Reviewers::SelectedUsers {
        users: vec!["aaron".into(), "mary".into()],
    };
    round_trip(&one);
    let mut role = definition("role", ResourceKind::DirectoryRole, "role-ga");
    role.stages[0].reviewers = Reviewers::Managers;
    role.schedule.frequency = Frequency::Monthly;
    role.schedule.end = ScheduleEnd::OnDate {
        date: t0() + days(365),
    };
    role.scope.inactive_days = Some(90);
    round_trip(&role);
    let mut pkg = definition("pkg", ResourceKind::AccessPackage, "ap-tools");
    pkg.scope.principals = PrincipalScope::GuestsOnly;
    pkg.settings.denied_guest_action = Some(DeniedGuestAction::RemoveMembership);
    pkg.settings.reminders = false;
    pkg.settings.justification_required = true;
    pkg.settings.auto_apply = true;
    pkg.stages[0].recommendations = false;
    round_trip(&pkg);
}

/// The multi-stage example of "Create accessReviewScheduleDefinition" in the Graph
/// documentation, in its shape, with its ids.
const GRAPH_MULTI_STAGE: &str = r##"{
  "displayName": "Group Multi-stage Access Review",
  "descriptionForAdmins": "New scheduled access review",
  "descriptionForReviewers": "If you have any questions, contact jerry@contoso.com",
  "scope": {
    "@odata.type": "#microsoft.graph.accessReviewQueryScope",
    "query": "/groups/02f3bafb-448c-487c-88c2-5fd65ce49a41/transitiveMembers",
    "queryType": "MicrosoftGraph"
  },
  "stageSettings": [
    {
      "stageId": "1",
      "durationInDays": 2,
      "recommendationsEnabled": false,
      "decisionsThatWillMoveToNextStage": ["NotReviewed", "Approve"],
      "reviewers": [
        { "query": "/users/398164b1-5196-49dd-ada2-364b49f99b27", "queryType": "MicrosoftGraph" }
      ]
    },
    {
      "stageId": "2",
      "dependsOn": ["1"],
      "durationInDays": 2,
      "recommendationsEnabled": true,
      "reviewers": [
        { "query": "./manager", "queryType": "MicrosoftGraph", "queryRoot": "decisions" }
      ],
      "fallbackReviewers": [
        { "query": "/groups/072ac5f4-3f13-4088-ab30-0a276f3e6322/transitiveMembers", "queryType": "MicrosoftGraph" }
      ]
    }
  ],
  "settings": {
    "instanceDurationInDays": 4,
    "recurrence": {
      "pattern": { "type": "weekly", "interval": 1 },
      "range": { "type": "noEnd", "startDate": "2020-09-08T12:02:30.667Z" }
    },
    "decisionHistoriesForReviewersEnabled": true
  }
}"##;

const DOC_GROUP: &str = "02f3bafb-448c-487c-88c2-5fd65ce49a41";
const DOC_USER: &str = "398164b1-5196-49dd-ada2-364b49f99b27";
const DOC_FALLBACK_GROUP: &str = "072ac5f4-3f13-4088-ab30-0a276f3e6322";

#[test]
fn graph_documentation_multi_stage_example_imports() {
    let mut dir = tenant();
    dir.users
        .insert(DOC_USER.into(), user(DOC_USER, None, false, Some(1)));
    dir.groups.insert(
        DOC_GROUP.into(),
        group(DOC_GROUP, &["olivia"], &[u("alice"), g("g-sales")]),
    );
    dir.groups.insert(
        DOC_FALLBACK_GROUP.into(),
        group(DOC_FALLBACK_GROUP, &[], &[u("aaron")]),
    );
    let got = import_definition(GRAPH_MULTI_STAGE, &dir, "doc", t0()).expect("imports");
    let def = &got.definition;
    assert_eq!(def.name, "Group Multi-stage Access Review");
    assert_eq!(def.scope.resources, vec![DOC_GROUP.to_string()]);
    assert!(def.scope.transitive);
    assert_eq!(def.stages.len(), 2);
    assert_eq!(
        def.stages[0].reviewers,
        Reviewers::SelectedUsers {
            users: vec![DOC_USER.into()]
        }
    );
    assert!(!def.stages[0].recommendations);
    assert_eq!(def.stages[1].reviewers, Reviewers::Managers);
    assert_eq!(def.stages[1].fallback_reviewers, vec!["aaron".to_string()]);
    assert_eq!(
        def.decisions_to_next_stage,
        vec![Outcome::Approve, Outcome::NotReviewed]
    );
    assert!(def.show_previous_decisions);
    assert_eq!(def.schedule.frequency, Frequency::Weekly);
    assert_eq!(
        def.schedule.start.to_rfc3339(),
        "2020-09-08T12:02:30.667+00:00"
    );
    assert_eq!(def.duration_days(), 4);
    assert_eq!(
        def.validate(&dir),
        vec![],
        "the imported definition is valid here"
    );
    // The fallback group became its members: said, not silent.
    assert_eq!(got.issues.len(), 1, "{:?}", got.issues);
    assert_eq!(
        got.issues[0].path,
        "$.stageSettings[1].fallbackReviewers[0].query"
    );
    // And the preview of it agrees: alice direct, carol and dave through g-sales.
    let p = preview(def, &dir, t0());
    assert_eq!(p.total_reviewees(), 3);
    assert_eq!(p.not_supported.len(), 2);
}

#[test]
fn missing_objects_and_unsupported_settings_are_reported_with_their_path() {
    let got = import_definition(GRAPH_MULTI_STAGE, &tenant(), "doc", t0()).expect("imports");
    let paths: Vec<(&str, &str)> = got
        .issues
        .iter()
        .map(|i| (i.path.as_str(), i.reason.as_str()))
        .collect();
    assert!(
        paths.contains(&(
            "$.scope.query",
            "group \"02f3bafb-448c-487c-88c2-5fd65ce49a41\" does not exist in the directory"
        )),
        "{paths:?}"
    );
    assert!(
        paths.contains(&(
            "$.stageSettings[0].reviewers[0].query",
            "user \"398164b1-5196-49dd-ada2-364b49f99b27\" does not exist in the directory"
        )),
        "{paths:?}"
    );
    assert!(
        paths
            .iter()
            .any(|(p, _)| *p == "$.stageSettings[1].fallbackReviewers[0].query"),
        "{paths:?}"
    );
    // The missing ids stay in the definition, so validation names the fields too.
    assert!(!got.definition.validate(&tenant()).is_empty());

    let odd = r##"{"displayName":"x","scope":{"query":"/groups/g-exception/members","queryType":"MicrosoftGraph"},
        "reviewers":[{"query":"/users/olivia"}],
        "additionalNotificationRecipients":[{"notificationTemplateType":"CompletedAdditionalRecipients"}],
        "stageSettings":[],
        "settings":{"applyActions":[{"@odata.type":"#microsoft.graph.disableAndDeleteUserApplyAction"}],
                    "recommendationLookBackDuration":"PT5H",
                    "recurrence":{"pattern":{"type":"daily","interval":3},"range":{"type":"noEnd","startDate":"2026-01-05"}}}}"##;
    let got = import_definition(odd, &tenant(), "odd", t0()).expect("imports");
    let paths: Vec<&str> = got.issues.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "$.additionalNotificationRecipients",
            "$.settings.recommendationLookBackDuration",
            "$.settings.applyActions[0]",
            "$.settings.recurrence.pattern",
        ]
    );
    assert_eq!(
        got.definition.schedule.start,
        t0() - chrono::Duration::hours(9)
    );
    let bad = import_definition("{ not json", &tenant(), "x", t0()).unwrap_err();
    assert!(bad.reason.starts_with("not valid JSON"));
}
