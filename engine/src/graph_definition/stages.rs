//! Import of `stageSettings` (with `dependsOn`), the outcomes that go on, and the settings.

use super::*;

impl Reader<'_> {
    pub(super) fn outcomes(&mut self, path: &str, v: &Value) -> Vec<Outcome> {
        let mut out = Vec::new();
        if let Value::Array(list) = v {
            for (i, o) in list.iter().enumerate() {
                match o.as_str().and_then(|x| Outcome::ALL.into_iter().find(|a| a.graph_value() == x)) {
                    Some(o) if !out.contains(&o) => out.push(o),
                    Some(_) => {}
                    None => self.issue(format!("{path}[{i}]"), format!("{o} is not a decision Attest moves on (Approve, Deny, NotReviewed, DontKnow)")),
                }
            }
        }
        // The order "Reviewees going to the next stage" lists them in.
        Outcome::ALL
            .into_iter()
            .filter(|o| out.contains(o))
            .collect()
    }

    pub(super) fn stages(&mut self, root: &Value, settings: &Value, def: &mut ReviewDefinition) {
        let stage_list = match root.get("stageSettings") {
            Some(Value::Array(l)) if !l.is_empty() => l.clone(),
            _ => Vec::new(),
        };
        let look_back = def.settings.recommendations.look_back_days;
        if stage_list.is_empty() {
            let reviewers = self.reviewers("$.reviewers", root.get("reviewers"), def);
            let fallback_key = if root.get("fallbackReviewers").is_some() {
                "fallbackReviewers"
            } else {
                "backupReviewers"
            };
            // backupReviewers is the older name of the same list; Graph's examples send both.
            if let (Some(b), Some(f)) = (root.get("backupReviewers"), root.get("fallbackReviewers"))
            {
                let nonempty = b.as_array().is_some_and(|l| !l.is_empty());
                if nonempty && b != f {
                    self.issue(
                        "$.backupReviewers",
                        "differs from fallbackReviewers, which Attest uses; ignored",
                    );
                }
            }
            let fallback_reviewers =
                self.fallback(&format!("$.{fallback_key}"), root.get(fallback_key));
            let duration_days = settings
                .get("instanceDurationInDays")
                .and_then(Value::as_u64)
                .unwrap_or(7) as u32;
            let recommendations = settings
                .get("recommendationsEnabled")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            def.stages.push(StageSettings {
                reviewers,
                fallback_reviewers,
                duration_days,
                recommendations,
            });
            let _ = look_back;
            return;
        }
        for (i, st) in stage_list.iter().enumerate() {
            let path = format!("$.stageSettings[{i}]");
            const STAGE_KNOWN: &[&str] = &[
                "stageId",
                "dependsOn",
                "durationInDays",
                "recommendationsEnabled",
                "recommendationLookBackDuration",
                "decisionsThatWillMoveToNextStage",
                "reviewers",
                "fallbackReviewers",
            ];
            for (k, v) in st.as_object().into_iter().flatten() {
                let empty = v.is_null() || v.as_array().is_some_and(Vec::is_empty);
                if !STAGE_KNOWN.contains(&k.as_str()) && !empty {
                    self.issue(
                        format!("{path}.{k}"),
                        "not supported by Attest for one stage; the review's settings apply",
                    );
                }
            }
            let want_id = (i + 1).to_string();
            if s(st, "stageId") != Some(want_id.as_str()) {
                self.issue(
                    format!("{path}.stageId"),
                    format!("stages are read in order; expected stageId \"{want_id}\""),
                );
            }
            let depends: Vec<&str> = st
                .get("dependsOn")
                .and_then(Value::as_array)
                .map(|d| d.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let expected: Vec<String> = if i == 0 {
                Vec::new()
            } else {
                vec![i.to_string()]
            };
            if depends != expected.iter().map(String::as_str).collect::<Vec<_>>() {
                self.issue(
                    format!("{path}.dependsOn"),
                    "Attest runs stages one after another: each stage depends on the one before",
                );
            }
            let reviewers = self.reviewers(&format!("{path}.reviewers"), st.get("reviewers"), def);
            let fallback_reviewers = self.fallback(
                &format!("{path}.fallbackReviewers"),
                st.get("fallbackReviewers"),
            );
            let duration_days = match st.get("durationInDays").and_then(Value::as_u64) {
                Some(d) => d as u32,
                None => {
                    self.issue(
                        format!("{path}.durationInDays"),
                        "missing: how many days the stage lasts",
                    );
                    0
                }
            };
            let recommendations = st
                .get("recommendationsEnabled")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            if let Some(d) = s(st, "recommendationLookBackDuration") {
                if parse_days(d) != Some(look_back)
                    && s(settings, "recommendationLookBackDuration").is_none()
                {
                    if let Some(days) = parse_days(d) {
                        def.settings.recommendations.look_back_days = days;
                    }
                }
            }
            if i + 1 < stage_list.len() {
                let moved = match st.get("decisionsThatWillMoveToNextStage") {
                    Some(v) => {
                        self.outcomes(&format!("{path}.decisionsThatWillMoveToNextStage"), v)
                    }
                    None => Outcome::ALL.to_vec(),
                };
                let moved_sorted = moved;
                if i == 0 {
                    def.decisions_to_next_stage = moved_sorted;
                } else if moved_sorted != def.decisions_to_next_stage {
                    self.issue(format!("{path}.decisionsThatWillMoveToNextStage"), "Attest moves the same decisions on after every stage; stage 1's choice is used");
                }
            }
            def.stages.push(StageSettings {
                reviewers,
                fallback_reviewers,
                duration_days,
                recommendations,
            });
        }
        // instanceDurationInDays is the whole review; a multi-stage one lasts its stages.
        if let Some(total) = settings
            .get("instanceDurationInDays")
            .and_then(Value::as_u64)
        {
            let sum: u64 = def.stages.iter().map(|s| u64::from(s.duration_days)).sum();
            if total != 0 && total != sum {
                self.issue("$.settings.instanceDurationInDays", format!("a multi-stage review lasts as long as its stages together ({sum} days), not {total}"));
            }
        }
        if def.stages.len() > 3 {
            self.issue("$.stageSettings", "a review has at most three stages");
        }
    }

    pub(super) fn settings(&mut self, v: &Value, def: &mut ReviewDefinition) {
        let Value::Object(obj) = v else {
            return;
        };
        const KNOWN: &[&str] = &[
            "mailNotificationsEnabled",
            "reminderNotificationsEnabled",
            "justificationRequiredOnApproval",
            "defaultDecisionEnabled",
            "defaultDecision",
            "instanceDurationInDays",
            "autoApplyDecisionsEnabled",
            "recommendationsEnabled",
            "recommendationLookBackDuration",
            "recommendationInsightSettings",
            "decisionHistoriesForReviewersEnabled",
            "applyActions",
            "recurrence",
        ];
        for (k, val) in obj {
            let off = val.is_null()
                || val == &Value::Bool(false)
                || val.as_array().is_some_and(Vec::is_empty);
            if !KNOWN.contains(&k.as_str()) && !off {
                self.issue(
                    format!("$.settings.{k}"),
                    "not supported by Attest; ignored",
                );
            }
        }
        let b = |k: &str| v.get(k).and_then(Value::as_bool);
        if b("mailNotificationsEnabled") == Some(false) {
            self.issue(
                "$.settings.mailNotificationsEnabled",
                "Attest always notifies reviewers when their stage starts",
            );
        }
        let st = &mut def.settings;
        // Graph's default is no reminders.
        st.reminders = b("reminderNotificationsEnabled").unwrap_or(false);
        st.justification_required = b("justificationRequiredOnApproval").unwrap_or(false);
        st.auto_apply = b("autoApplyDecisionsEnabled").unwrap_or(false);
        if b("defaultDecisionEnabled").unwrap_or(false) {
            st.if_no_response = match s(v, "defaultDecision") {
                Some("Deny") => NoResponse::RemoveAccess,
                Some("Approve") => NoResponse::ApproveAccess,
                Some("Recommendation") => NoResponse::TakeRecommendations,
                Some("None") | None => NoResponse::NoChange,
                Some(other) => {
                    self.issue(
                        "$.settings.defaultDecision",
                        format!("\"{other}\" is not Approve, Deny, Recommendation or None"),
                    );
                    NoResponse::NoChange
                }
            };
        }
        let multi = def.stages.len() > 1;
        let history = b("decisionHistoriesForReviewersEnabled").unwrap_or(false);
        if history && !multi {
            self.issue(
                "$.settings.decisionHistoriesForReviewersEnabled",
                "showing previous stage decisions only applies to multi-stage reviews; ignored",
            );
        }
        def.show_previous_decisions = history && multi;
        if let Some(d) = s(v, "recommendationLookBackDuration") {
            match parse_days(d) {
                Some(days) => def.settings.recommendations.look_back_days = days,
                None => self.issue(
                    "$.settings.recommendationLookBackDuration",
                    format!("\"{d}\" is not a duration in days (P30D)"),
                ),
            }
        }
        // An empty list (in every Graph response) means Entra's default insights: keep them.
        if let Some(Value::Array(list)) = v
            .get("recommendationInsightSettings")
            .filter(|l| l.as_array().is_some_and(|l| !l.is_empty()))
        {
            let rec = &mut def.settings.recommendations;
            rec.inactivity = false;
            rec.peer_affiliation = false;
            for (i, ins) in list.iter().enumerate() {
                match s(ins, "@odata.type")
                    .unwrap_or_default()
                    .trim_start_matches('#')
                {
                    "microsoft.graph.userLastSignInRecommendationInsightSetting" => {
                        rec.inactivity = true;
                        if let Some(days) =
                            s(ins, "recommendationLookBackDuration").and_then(parse_days)
                        {
                            rec.look_back_days = days;
                        }
                    }
                    "microsoft.graph.groupPeerOutlierRecommendationInsightSettings" => {
                        rec.peer_affiliation = true
                    }
                    other => self.issue(
                        format!("$.settings.recommendationInsightSettings[{i}]"),
                        format!("Attest does not know the insight \"{other}\""),
                    ),
                }
            }
        }
        let guests = def.scope.principals == PrincipalScope::GuestsOnly;
        if let Some(Value::Array(actions)) = v.get("applyActions") {
            for (i, a) in actions.iter().enumerate() {
                let path = format!("$.settings.applyActions[{i}]");
                match s(a, "@odata.type")
                    .unwrap_or_default()
                    .trim_start_matches('#')
                {
                    "microsoft.graph.removeAccessApplyAction" => {
                        if guests {
                            def.settings.denied_guest_action =
                                Some(DeniedGuestAction::RemoveMembership);
                        }
                    }
                    "microsoft.graph.disableAndDeleteUserApplyAction" => {
                        if guests {
                            def.settings.denied_guest_action =
                                Some(DeniedGuestAction::BlockThenDelete);
                        } else {
                            self.issue(path, "blocking and deleting denied users is only available when the scope is guest users only; ignored");
                        }
                    }
                    other => self.issue(
                        path,
                        format!("Attest does not support the apply action \"{other}\""),
                    ),
                }
            }
        }
        if let Some(rec) = v.get("recurrence") {
            self.recurrence(rec, def);
        }
    }
}
