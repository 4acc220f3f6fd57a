//! The documentation's create, get and update bodies, imported field by field.

use super::*;

/// "Create accessReviewScheduleDefinition" (api/accessreviewset-post-definitions.md),
/// example 1, the response: every field Graph sends back, empty lists and nulls included.
const CREATE_1_RESPONSE: &str = r##"{
  "id": "29f2d16e-9ca6-4052-bbfe-802c48944448",
  "displayName": "Test create",
  "createdDateTime": "0001-01-01T00:00:00Z",
  "lastModifiedDateTime": "0001-01-01T00:00:00Z",
  "status": "NotStarted",
  "descriptionForAdmins": "Test create",
  "descriptionForReviewers": "Test create",
  "instanceEnumerationScope": null,
  "createdBy": { "id": "957f1027-c0ee-460d-9269-b8444459e0fe", "displayName": "MOD Administrator", "userPrincipalName": "admin@contoso.com" },
  "scope": { "@odata.type": "#microsoft.graph.accessReviewQueryScope", "query": "/groups/b74444cb-038a-4802-8fc9-b9d1ed0cf11f/transitiveMembers", "queryType": "MicrosoftGraph" },
  "reviewers": [ { "query": "/users/7eae986b-d425-48b2-adf2-3c777f4444f3", "queryType": "MicrosoftGraph", "queryRoot": "decisions" } ],
  "settings": {
    "mailNotificationsEnabled": true, "reminderNotificationsEnabled": true,
    "justificationRequiredOnApproval": true, "defaultDecisionEnabled": false,
    "defaultDecision": "None", "instanceDurationInDays": 1,
    "autoApplyDecisionsEnabled": false, "recommendationsEnabled": true,
    "recurrence": {
      "pattern": { "type": "weekly", "interval": 1, "month": 0, "dayOfMonth": 0, "daysOfWeek": [], "firstDayOfWeek": "sunday", "index": "first" },
      "range": { "type": "noEnd", "numberOfOccurrences": 0, "recurrenceTimeZone": null, "startDate": "2020-09-08", "endDate": null }
    },
    "applyActions": []
  },
  "additionalNotificationRecipients": []
}"##;

/// Same page, example 2, the request: all teams' inactive guests, quarterly on the 5th.
const CREATE_2_REQUEST: &str = r##"{
  "displayName": "Review inactive guests on teams",
  "descriptionForAdmins": "Control guest user access to our teams.",
  "descriptionForReviewers": "Information security is everyone's responsibility. Review our access policy for more.",
  "instanceEnumerationScope": { "@odata.type": "#microsoft.graph.accessReviewQueryScope", "query": "/groups?$filter=(groupTypes/any(c:c+eq+'Unified') and resourceProvisioningOptions/Any(x:x eq 'Team')')", "queryType": "MicrosoftGraph" },
  "scope": { "@odata.type": "#microsoft.graph.accessReviewInactiveUsersQueryScope", "query": "./members/microsoft.graph.user/?$filter=(userType eq 'Guest')", "queryType": "MicrosoftGraph", "inactiveDuration": "P30D" },
  "reviewers": [ { "query": "./owners", "queryType": "MicrosoftGraph" } ],
  "fallbackReviewers": [ { "query": "/users/fc9a2c2b-1ddc-486d-a211-5fe8ca77fa1f", "queryType": "MicrosoftGraph" } ],
  "settings": {
    "mailNotificationsEnabled": true, "reminderNotificationsEnabled": true,
    "justificationRequiredOnApproval": true, "recommendationsEnabled": true,
    "instanceDurationInDays": 3,
    "recurrence": {
      "pattern": { "type": "absoluteMonthly", "dayOfMonth": 5, "interval": 3 },
      "range": { "type": "noEnd", "startDate": "2020-05-04T00:00:00.000Z" }
    },
    "defaultDecisionEnabled": true, "defaultDecision": "Deny", "autoApplyDecisionsEnabled": true
  }
}"##;

/// Same page, example 3, the request: an application, semi-annually, `numbered` with an
/// end date and no count, backupReviewers and fallbackReviewers both sent.
const CREATE_3_REQUEST: &str = r##"{
  "displayName": "Review employee access to LinkedIn",
  "descriptionForAdmins": "Review employee access to LinkedIn",
  "scope": {
    "@odata.type": "#microsoft.graph.principalResourceMembershipsScope",
    "principalScopes": [ { "@odata.type": "#microsoft.graph.accessReviewQueryScope", "query": "/users", "queryType": "MicrosoftGraph" } ],
    "resourceScopes": [ { "@odata.type": "#microsoft.graph.accessReviewQueryScope", "query": "/servicePrincipals/bae11f90-7d5d-46ba-9f55-8112b59d92ae", "queryType": "MicrosoftGraph" } ]
  },
  "reviewers": [ { "query": "./manager", "queryType": "MicrosoftGraph", "queryRoot": "decisions" } ],
  "backupReviewers": [ { "query": "/groups/072ac5f4-3f13-4088-ab30-0a276f3e6322/transitiveMembers", "queryType": "MicrosoftGraph" } ],
  "fallbackReviewers": [ { "query": "/groups/072ac5f4-3f13-4088-ab30-0a276f3e6322/transitiveMembers", "queryType": "MicrosoftGraph" } ],
  "settings": {
    "mailNotificationsEnabled": true, "reminderNotificationsEnabled": true,
    "justificationRequiredOnApproval": true, "defaultDecisionEnabled": true,
    "defaultDecision": "Recommendation", "instanceDurationInDays": 180,
    "autoApplyDecisionsEnabled": true, "recommendationsEnabled": true,
    "recurrence": {
      "pattern": { "type": "absoluteMonthly", "interval": 6, "dayOfMonth": 0 },
      "range": { "type": "numbered", "startDate": "2021-05-05", "endDate": "2022-05-05" }
    }
  }
}"##;

/// "Get accessReviewScheduleDefinition" (api/accessreviewscheduledefinition-get.md), the
/// response: wrapped in "value", a one-time review (no pattern, `numbered` with 0
/// occurrences and an end date 10 days after the start), guests of one group.
const GET_RESPONSE: &str = r##"{
  "value": {
    "id": "d6bf2f6c-2f6c-d6bf-6c2f-bfd66c2fbfd6",
    "displayName": "Review example",
    "status": "Applying",
    "scope": { "@odata.type": "#microsoft.graph.accessReviewQueryScope", "query": "/v1.0/groups/4444d821-ca3b-45cc-98ee-54c00a04deef/transitiveMembers/microsoft.graph.user/?$count=true&$filter=(userType eq 'Guest')", "queryType": "MicrosoftGraph", "queryRoot": null },
    "reviewers": [ { "query": "/v1.0/users/5555556e-fce3-4e2d-b28e-4ac0c7d2fa10", "queryType": "MicrosoftGraph", "queryRoot": null } ],
    "fallbackReviewers": [],
    "instanceEnumerationScope": { "@odata.type": "#microsoft.graph.accessReviewQueryScope", "query": "/v1.0/groups/4444d821-ca3b-45cc-98ee-54c00a04deef", "queryType": "MicrosoftGraph", "queryRoot": null },
    "settings": {
      "mailNotificationsEnabled": true, "reminderNotificationsEnabled": true,
      "justificationRequiredOnApproval": false, "defaultDecisionEnabled": true,
      "defaultDecision": "Deny", "instanceDurationInDays": 10,
      "autoApplyDecisionsEnabled": false, "recommendationsEnabled": true,
      "recurrence": {
        "pattern": null,
        "range": { "type": "numbered", "numberOfOccurrences": 0, "recurrenceTimeZone": null, "startDate": "2021-04-28", "endDate": "2021-05-08" }
      },
      "applyActions": [ { "@odata.type": "#microsoft.graph.disableAndDeleteUserApplyAction" } ]
    }
  }
}"##;

#[test]
fn documented_create_and_get_bodies_import_field_by_field() {
    let dir = doc_tenant();

    let got = import_definition(CREATE_1_RESPONSE, &dir, "x", t0()).expect("imports");
    assert_eq!(issue_paths(&got), Vec::<&str>::new(), "{:?}", got.issues);
    let d = &got.definition;
    assert_eq!(d.id, "29f2d16e-9ca6-4052-bbfe-802c48944448");
    assert_eq!(
        (
            d.scope.resource_kind,
            d.scope.resources.clone(),
            d.scope.transitive
        ),
        (
            ResourceKind::Group,
            vec!["b74444cb-038a-4802-8fc9-b9d1ed0cf11f".to_string()],
            true
        )
    );
    assert_eq!(d.scope.principals, PrincipalScope::AllUsers);
    assert_eq!(
        d.stages[0].reviewers,
        Reviewers::SelectedUsers {
            users: vec!["7eae986b-d425-48b2-adf2-3c777f4444f3".into()]
        }
    );
    assert!(d.settings.reminders && d.settings.justification_required);
    assert!(!d.settings.auto_apply);
    assert_eq!(d.settings.if_no_response, NoResponse::NoChange);
    assert_eq!(d.duration_days(), 1);
    assert!(d.stages[0].recommendations);
    assert_eq!(d.settings.recommendations, Recommendations::default());
    assert_eq!(d.schedule.frequency, Frequency::Weekly);
    assert_eq!(d.schedule.start, date("2020-09-08T00:00:00Z"));
    assert_eq!(d.schedule.end, ScheduleEnd::Never);

    let got = import_definition(CREATE_2_REQUEST, &dir, "x", t0()).expect("imports");
    // Selecting all teams by a filter is the one thing not taken over, and it is said.
    assert_eq!(
        issue_paths(&got),
        vec!["$.instanceEnumerationScope.query"],
        "{:?}",
        got.issues
    );
    let d = &got.definition;
    assert_eq!(d.scope.principals, PrincipalScope::GuestsOnly);
    assert_eq!(d.scope.inactive_days, Some(30));
    assert!(!d.scope.transitive);
    assert_eq!(d.stages[0].reviewers, Reviewers::ResourceOwners);
    assert_eq!(
        d.stages[0].fallback_reviewers,
        vec!["fc9a2c2b-1ddc-486d-a211-5fe8ca77fa1f".to_string()]
    );
    assert_eq!(d.schedule.frequency, Frequency::Quarterly);
    // dayOfMonth 5: the first review is on the 5th, as the response's startDate shows.
    assert_eq!(d.schedule.start, date("2020-05-05T00:00:00Z"));
    assert_eq!(d.schedule.end, ScheduleEnd::Never);
    assert_eq!(d.settings.if_no_response, NoResponse::RemoveAccess);
    assert!(d.settings.auto_apply && d.settings.reminders);
    assert_eq!(d.duration_days(), 3);

    let got = import_definition(CREATE_3_REQUEST, &dir, "x", t0()).expect("imports");
    // The fallback group becomes its members (said); backupReviewers repeats it (silent).
    assert_eq!(
        issue_paths(&got),
        vec!["$.fallbackReviewers[0].query"],
        "{:?}",
        got.issues
    );
    let d = &got.definition;
    assert_eq!(d.scope.resource_kind, ResourceKind::Application);
    assert_eq!(
        d.scope.resources,
        vec!["bae11f90-7d5d-46ba-9f55-8112b59d92ae".to_string()]
    );
    assert_eq!(d.stages[0].reviewers, Reviewers::Managers);
    assert_eq!(d.stages[0].fallback_reviewers, vec!["aaron".to_string()]);
    assert_eq!(d.settings.if_no_response, NoResponse::TakeRecommendations);
    assert_eq!(d.schedule.frequency, Frequency::SemiAnnually);
    assert_eq!(d.schedule.start, date("2021-05-05T00:00:00Z"));
    // `numbered` without a count ends on its end date, not "after 0 reviews".
    assert_eq!(
        d.schedule.end,
        ScheduleEnd::OnDate {
            date: date("2022-05-05T00:00:00Z")
        }
    );
    assert_eq!(d.duration_days(), 180);

    let got = import_definition(GET_RESPONSE, &dir, "x", t0()).expect("imports");
    assert_eq!(issue_paths(&got), Vec::<&str>::new(), "{:?}", got.issues);
    let d = &got.definition;
    assert_eq!(d.id, "d6bf2f6c-2f6c-d6bf-6c2f-bfd66c2fbfd6");
    assert_eq!(
        d.scope.resources,
        vec!["4444d821-ca3b-45cc-98ee-54c00a04deef".to_string()]
    );
    assert!(d.scope.transitive);
    assert_eq!(d.scope.principals, PrincipalScope::GuestsOnly);
    assert_eq!(
        d.settings.denied_guest_action,
        Some(DeniedGuestAction::BlockThenDelete)
    );
    assert_eq!(d.settings.if_no_response, NoResponse::RemoveAccess);
    assert_eq!(d.schedule.frequency, Frequency::OneTime);
    assert_eq!(d.schedule.start, date("2021-04-28T00:00:00Z"));
    assert_eq!(
        d.duration_days(),
        10,
        "the end date agrees with the duration"
    );
}

/// "Update accessReviewScheduleDefinition" (api/accessreviewscheduledefinition-update.md),
/// the PUT body: no reviewers (users review themselves) and the group repeated in
/// instanceEnumerationScope, both read without a word.
#[test]
fn documented_update_body_imports() {
    let group_id = "b7a059cb-038a-4802-8fc9-b9d1ed0cf11f";
    let mut dir = tenant();
    dir.groups
        .insert(group_id.into(), group(group_id, &["olivia"], &[u("alice")]));
    let body = format!(
        r##"{{
  "id": "60860cdd-fb4d-4054-91ba-f75e04444aa6",
  "displayName": "Test world UPDATED NAME!",
  "descriptionForAdmins": "Test world",
  "descriptionForReviewers": "Test world",
  "scope": {{ "@odata.type": "#microsoft.graph.accessReviewQueryScope", "query": "/groups/{group_id}/transitiveMembers", "queryType": "MicrosoftGraph" }},
  "instanceEnumerationScope": {{ "@odata.type": "#microsoft.graph.accessReviewQueryScope", "query": "/groups/{group_id}", "queryType": "MicrosoftGraph" }},
  "reviewers": [],
  "settings": {{
    "mailNotificationsEnabled": true, "reminderNotificationsEnabled": true,
    "justificationRequiredOnApproval": true, "defaultDecisionEnabled": false,
    "defaultDecision": "None", "instanceDurationInDays": 3,
    "autoApplyDecisionsEnabled": false, "recommendationsEnabled": true,
    "recurrence": {{ "pattern": {{ "type": "weekly", "interval": 1 }}, "range": {{ "type": "noEnd", "startDate": "2020-09-15" }} }}
  }}
}}"##
    );
    let got = import_definition(&body, &dir, "x", t0()).expect("imports");
    assert_eq!(got.issues, vec![]);
    let d = &got.definition;
    assert_eq!(d.name, "Test world UPDATED NAME!");
    assert_eq!(d.scope.resources, vec![group_id.to_string()]);
    assert!(d.scope.transitive);
    assert_eq!(d.stages[0].reviewers, Reviewers::SelfReview);
    assert_eq!(d.duration_days(), 3);
    assert_eq!(d.schedule.frequency, Frequency::Weekly);
    assert_eq!(d.schedule.start, date("2020-09-15T00:00:00Z"));
    assert!(d.settings.justification_required && d.settings.reminders);
}
