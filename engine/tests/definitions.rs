//! Review definition validation (every rule names its field), the dependent-field rules, and
//! the definition's serialized form (events and commands are pinned in serialized.rs).

mod support;

use attest_engine::definition::*;
use attest_engine::directory::ResourceKind;
use support::*;

/// (what is wrong, how to break a valid definition, the field named, a phrase of the rule)
type Breaker = fn(&mut ReviewDefinition);

#[test]
fn invalid_definitions_name_the_field_and_the_rule() {
    let table: Vec<(&str, Breaker, &str, &str)> = vec![
        ("no name", |d| d.name = " ".into(), "name", "enter a name"),
        (
            "long reviewer description",
            |d| d.description_for_reviewers = "x".repeat(257),
            "descriptionForReviewers",
            "at most 256 characters",
        ),
        (
            "no resources",
            |d| d.scope.resources.clear(),
            "scope.resources",
            "at least one resource",
        ),
        (
            "unknown resource",
            |d| d.scope.resources = vec!["g-nope".into()],
            "scope.resources[0]",
            "group \"g-nope\" does not exist",
        ),
        (
            "resource twice",
            |d| d.scope.resources.push("g-exception".into()),
            "scope.resources[1]",
            "selected twice",
        ),
        (
            "inactive 0 days",
            |d| d.scope.inactive_days = Some(0),
            "scope.inactiveDays",
            "between 1 and 730",
        ),
        (
            "inactive 731 days",
            |d| d.scope.inactive_days = Some(731),
            "scope.inactiveDays",
            "between 1 and 730",
        ),
        (
            "nested for apps",
            |d| {
                d.scope.resource_kind = ResourceKind::Application;
                d.scope.resources = vec!["app-crm".into()];
                d.scope.transitive = true;
            },
            "scope.transitive",
            "only applies to groups",
        ),
        (
            "no stages",
            |d| d.stages.clear(),
            "stages",
            "one, two or three stages",
        ),
        (
            "four stages",
            |d| d.stages = vec![d.stages[0].clone(); 4],
            "stages",
            "one, two or three stages",
        ),
        (
            "no selected reviewers",
            |d| d.stages[0].reviewers = Reviewers::SelectedUsers { users: vec![] },
            "stages[0].reviewers",
            "at least one reviewer",
        ),
        (
            "unknown reviewer",
            |d| {
                d.stages[0].reviewers = Reviewers::SelectedUsers {
                    users: vec!["zed".into()],
                }
            },
            "stages[0].reviewers",
            "\"zed\" does not exist",
        ),
        (
            "unknown reviewer group",
            |d| {
                d.stages[0].reviewers = Reviewers::GroupMembers {
                    group: "g-zed".into(),
                }
            },
            "stages[0].reviewers",
            "group \"g-zed\" does not exist",
        ),
        (
            "no reviewer group chosen",
            |d| {
                d.stages[0].reviewers = Reviewers::GroupMembers {
                    group: String::new(),
                }
            },
            "stages[0].reviewers",
            "choose the group whose members review",
        ),
        (
            "owners of a role",
            |d| {
                d.scope.resource_kind = ResourceKind::DirectoryRole;
                d.scope.resources = vec!["role-ga".into()];
            },
            "stages[0].reviewers",
            "directory roles have no owners",
        ),
        (
            "unknown fallback",
            |d| d.stages[0].fallback_reviewers = vec!["zed".into()],
            "stages[0].fallbackReviewers",
            "\"zed\" does not exist",
        ),
        (
            "zero-day stage",
            |d| d.stages[0].duration_days = 0,
            "stages[0].durationInDays",
            "between 1 and 180",
        ),
        (
            "nothing goes on",
            |d| {
                d.stages.push(d.stages[0].clone());
                d.decisions_to_next_stage.clear();
            },
            "decisionsThatWillMoveToNextStage",
            "select which reviewees go to the next stage",
        ),
        (
            "show previous on one stage",
            |d| d.show_previous_decisions = true,
            "showPreviousDecisions",
            "only applies to multi-stage",
        ),
        (
            "guest action without guest scope",
            |d| d.settings.denied_guest_action = Some(DeniedGuestAction::BlockThenDelete),
            "settings.deniedGuestAction",
            "only available when the scope is guest users only",
        ),
        (
            "look-back 0",
            |d| d.settings.recommendations.look_back_days = 0,
            "settings.recommendationLookBackDuration",
            "between 1 and 180",
        ),
        (
            "one-time with an end",
            |d| d.schedule.end = ScheduleEnd::AfterOccurrences { count: 2 },
            "schedule.end",
            "one-time review has no recurrence end",
        ),
        (
            "end before start",
            |d| {
                d.schedule.frequency = Frequency::Monthly;
                d.schedule.end = ScheduleEnd::OnDate {
                    date: t0() - days(1),
                };
            },
            "schedule.end",
            "after the start date",
        ),
        (
            "zero occurrences",
            |d| {
                d.schedule.frequency = Frequency::Weekly;
                d.schedule.end = ScheduleEnd::AfterOccurrences { count: 0 };
            },
            "schedule.end",
            "at least one occurrence",
        ),
        (
            "weekly longer than a week",
            |d| {
                d.schedule.frequency = Frequency::Weekly;
                d.stages = vec![d.stages[0].clone(), d.stages[0].clone()];
                d.stages[0].duration_days = 4;
                d.stages[1].duration_days = 4;
            },
            "stages.durationInDays",
            "a weekly review lasts at most 7 days; the stages add up to 8",
        ),
        (
            "monthly longer than 27 days",
            |d| {
                d.schedule.frequency = Frequency::Monthly;
                d.stages[0].duration_days = 28;
            },
            "stages.durationInDays",
            "a monthly review lasts at most 27 days",
        ),
    ];
    let dir = tenant();
    let valid = definition("v", ResourceKind::Group, "g-exception");
    assert_eq!(valid.validate(&dir), vec![], "the base definition is valid");
    for (what, breaker, field, rule) in table {
        let mut def = valid.clone();
        breaker(&mut def);
        let errors = def.validate(&dir);
        // Exactly this one error: a breaker that also broke another rule, or a rule that
        // fires twice, fails here.
        assert!(
            errors.len() == 1 && errors[0].field == field && errors[0].rule.contains(rule),
            "{what}: expected only {field}: …{rule}…, got {errors:?}"
        );
    }
}

/// The wizard's dependent-field rules (`ReviewDefinition::normalize`): an edit clears what
/// it made inapplicable; what still applies, and what the edit did not touch (a setting a
/// draft brought in), is kept.
/// (what, the definition before the edit, the edit, the definition expected after normalize;
/// each written as a change of the base definition)
#[test]
fn normalize_clears_exactly_what_an_edit_made_inapplicable() {
    let table: Vec<(&str, Breaker, Breaker, Breaker)> = vec![
        (
            "nested membership when the kind becomes applications",
            |d| d.scope.transitive = true,
            |d| d.scope.resource_kind = ResourceKind::Application,
            |d| d.scope.resource_kind = ResourceKind::Application,
        ),
        (
            "nested membership of groups stays",
            |_| {},
            |d| d.scope.transitive = true,
            |d| d.scope.transitive = true,
        ),
        (
            "denied-guest action when the scope becomes all users",
            |d| {
                d.scope.principals = PrincipalScope::GuestsOnly;
                d.settings.denied_guest_action = Some(DeniedGuestAction::BlockThenDelete);
            },
            |d| d.scope.principals = PrincipalScope::AllUsers,
            |_| {},
        ),
        (
            "a draft's denied-guest action stays until the scope changes",
            |d| d.settings.denied_guest_action = Some(DeniedGuestAction::BlockThenDelete),
            |d| d.name = "Renamed".into(),
            |d| {
                d.settings.denied_guest_action = Some(DeniedGuestAction::BlockThenDelete);
                d.name = "Renamed".into();
            },
        ),
        (
            "previous decisions shown when back to one stage",
            |d| {
                d.stages.push(d.stages[0].clone());
                d.show_previous_decisions = true;
            },
            |d| d.stages.truncate(1),
            |_| {},
        ),
        (
            "previous decisions of a two-stage review stay",
            |d| d.stages.push(d.stages[0].clone()),
            |d| d.show_previous_decisions = true,
            |d| {
                d.stages.push(d.stages[0].clone());
                d.show_previous_decisions = true;
            },
        ),
        (
            "fallback reviewers when selected users review",
            |_| {},
            |d| {
                d.stages[0].reviewers = Reviewers::SelectedUsers {
                    users: vec!["mary".into()],
                }
            },
            |d| {
                d.stages[0].reviewers = Reviewers::SelectedUsers {
                    users: vec!["mary".into()],
                };
                d.stages[0].fallback_reviewers.clear();
            },
        ),
        (
            "fallback reviewers of managers stay",
            |_| {},
            |d| d.stages[0].reviewers = Reviewers::Managers,
            |d| d.stages[0].reviewers = Reviewers::Managers,
        ),
        (
            "a recurrence end when the review becomes one-time",
            |d| {
                d.schedule.frequency = Frequency::Monthly;
                d.schedule.end = ScheduleEnd::AfterOccurrences { count: 2 };
            },
            |d| d.schedule.frequency = Frequency::OneTime,
            |d| d.schedule.frequency = Frequency::OneTime,
        ),
        (
            "a recurrence end of a monthly review stays",
            |d| d.schedule.frequency = Frequency::Monthly,
            |d| d.schedule.end = ScheduleEnd::AfterOccurrences { count: 2 },
            |d| {
                d.schedule.frequency = Frequency::Monthly;
                d.schedule.end = ScheduleEnd::AfterOccurrences { count: 2 };
            },
        ),
    ];
    let base = definition("v", ResourceKind::Group, "g-exception");
    for (what, before, edit, expected) in table {
        let mut old = base.clone();
        before(&mut old);
        let mut def = old.clone();
        edit(&mut def);
        def.normalize(&old);
        let mut want = base.clone();
        expected(&mut want);
        assert_eq!(def, want, "{what}");
    }
}

#[test]
fn limits_that_are_still_valid() {
    let dir = tenant();
    let table: Vec<(&str, Breaker)> = vec![
        ("weekly of exactly 7 days", |d| {
            d.schedule.frequency = Frequency::Weekly;
            d.stages[0].duration_days = 7;
        }),
        ("monthly of 27 days", |d| {
            d.schedule.frequency = Frequency::Monthly;
            d.stages[0].duration_days = 27;
        }),
        ("inactive 1 and 730 days", |d| {
            d.scope.inactive_days = Some(730)
        }),
        ("guest action with guest scope", |d| {
            d.scope.principals = PrincipalScope::GuestsOnly;
            d.settings.denied_guest_action = Some(DeniedGuestAction::RemoveMembership);
        }),
        ("three stages", |d| {
            d.stages = vec![d.stages[0].clone(); 3];
            d.show_previous_decisions = true;
        }),
        ("reviewer description of 256", |d| {
            d.description_for_reviewers = "é".repeat(256)
        }),
    ];
    for (what, change) in table {
        let mut def = definition("v", ResourceKind::Group, "g-exception");
        change(&mut def);
        assert_eq!(def.validate(&dir), vec![], "{what}");
    }
}

#[test]
fn definitions_round_trip_through_json_and_older_ones_without_version_read_as_v1() {
    let def = definition("v", ResourceKind::Group, "g-exception");
    let json = serde_json::to_value(&def).unwrap();
    assert_eq!(json["v"], 1);
    assert_eq!(json["settings"]["ifNoResponse"], "NoChange");
    assert_eq!(
        json["decisionsToNextStage"],
        serde_json::json!(["Approve", "Deny", "NotReviewed", "DontKnow"])
    );
    let mut without_version = json.clone();
    without_version.as_object_mut().unwrap().remove("v");
    assert_eq!(
        serde_json::from_value::<ReviewDefinition>(without_version).unwrap(),
        def
    );
}
