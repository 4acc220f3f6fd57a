//! An instance's writer and reader, side by side: its small parts as JSON, then each item
//! and reviewer set field by field.

use crate::definition::MAX_STAGES;
use crate::directory::AccessPath;
use crate::instance::{
    ApplyResult, Decision, DecisionItem, DecisionSource, Effect, Instance, NotSupported,
    OutcomeRule, Reason, Recommendation, RecordedDecision,
};

use super::bytes::{Damaged, Reader, Writer};
use super::directory::{assignment_code, user_type_code};

impl Writer {
    pub(super) fn instance(&mut self, instance: &Instance) {
        let Instance {
            id,
            definition,
            occurrence,
            resource,
            status,
            stopped,
            started,
            completed,
            stages,
            current_stage,
            items,
            reviewer_sets,
            applied,
            outcome_rule,
            // Layout 4: written after the delegations (`snapshot::encode_layout`).
            since_last: _,
        } = instance;
        self.json(&(
            id,
            definition,
            occurrence,
            resource,
            status,
            stopped,
            started,
            completed,
            stages,
            current_stage,
            applied,
        ));
        if self.layout >= 2 {
            self.byte(match outcome_rule {
                OutcomeRule::StageDecision => 0,
                OutcomeRule::CarriedOver => 1,
            });
        }
        self.uint(reviewer_sets.len() as u64);
        for set in reviewer_sets {
            self.strs(set);
        }
        self.uint(items.len() as u64);
        for item in items {
            self.item(item);
        }
    }

    pub(super) fn item(&mut self, item: &DecisionItem) {
        let DecisionItem {
            user,
            user_name,
            user_principal_name,
            user_type,
            last_sign_in,
            access,
            assignment,
            recommendation,
            reviewers,
            fallback,
            stage,
            decisions,
            not_supported,
            apply_result,
        } = item;
        self.str(user);
        self.str(user_name);
        self.str(user_principal_name);
        self.byte(user_type_code(*user_type));
        self.opt_time(last_sign_in);
        match access {
            AccessPath::Direct => self.byte(0),
            AccessPath::ViaGroup { group } => {
                self.byte(1);
                self.str(group);
            }
        }
        self.byte(assignment.map_or(0, |k| 1 + assignment_code(k)));
        match recommendation {
            None => self.byte(0),
            Some(Recommendation { decision, reasons }) => {
                self.byte(1 + decision_code(*decision));
                self.uint(reasons.len() as u64);
                for reason in reasons {
                    self.reason(reason);
                }
            }
        }
        for set in reviewers {
            // u32::MAX (no reviewers) becomes 0: one byte instead of five.
            self.uint(u64::from(set.wrapping_add(1)));
        }
        let mut flags = 0u8;
        for (i, &f) in fallback.iter().enumerate() {
            flags |= u8::from(f) << i;
        }
        self.byte(flags);
        self.uint(*stage as u64);
        for decision in decisions {
            match decision {
                None => self.byte(0),
                Some(RecordedDecision {
                    decision,
                    reviewer,
                    justification,
                    at,
                    source,
                }) => {
                    let source = match source {
                        DecisionSource::Reviewer => 0,
                        DecisionSource::AcceptedRecommendation => 1,
                    };
                    self.byte(1 + decision_code(*decision) * 2 + source);
                    self.str(reviewer);
                    self.str(justification);
                    self.time(at);
                }
            }
        }
        match not_supported {
            None => self.byte(0),
            Some(n) => self.not_supported(n),
        }
        match apply_result {
            None => self.byte(0),
            Some(ApplyResult::Applied { effect }) => {
                self.byte(1);
                self.byte(match effect {
                    Effect::AccessKept => 0,
                    Effect::AccessRemoved => 1,
                    Effect::GuestBlocked => 2,
                });
            }
            Some(ApplyResult::NotSupported { reason }) => {
                self.byte(2);
                self.not_supported(reason);
            }
            Some(ApplyResult::ObjectNotFound) => self.byte(3),
            Some(ApplyResult::Failed { reason }) => {
                self.byte(4);
                self.str(reason);
            }
        }
    }

    /// A present `NotSupported` (its codes start at 1; 0 is "none").
    pub(super) fn not_supported(&mut self, n: &NotSupported) {
        match n {
            NotSupported::DynamicGroup => self.byte(1),
            NotSupported::OnPremisesGroup => self.byte(2),
            NotSupported::NestedMembership { group } => {
                self.byte(3);
                self.str(group);
            }
            NotSupported::GroupAssignedApplication { group } => {
                self.byte(4);
                self.str(group);
            }
        }
    }

    pub(super) fn reason(&mut self, reason: &Reason) {
        match *reason {
            Reason::NoSignIn { days } => {
                self.byte(0);
                self.int(days);
            }
            Reason::NeverSignedIn { account_days } => {
                self.byte(1);
                self.int(account_days);
            }
            Reason::SignedIn { days } => {
                self.byte(2);
                self.int(days);
            }
            Reason::NewAccount => self.byte(3),
            Reason::LittlePeerOverlap { held, total } => {
                self.byte(4);
                self.uint(u64::from(held));
                self.uint(u64::from(total));
            }
            Reason::PeerOverlap { held, total } => {
                self.byte(5);
                self.uint(u64::from(held));
                self.uint(u64::from(total));
            }
        }
    }
}

impl Reader<'_> {
    pub(super) fn instance(&mut self) -> Result<Instance, Damaged> {
        let (
            id,
            definition,
            occurrence,
            resource,
            status,
            stopped,
            started,
            completed,
            stages,
            current_stage,
            applied,
        ) = self.json()?;
        let outcome_rule = if self.version < 2 {
            OutcomeRule::CarriedOver
        } else {
            match self.byte()? {
                0 => OutcomeRule::StageDecision,
                1 => OutcomeRule::CarriedOver,
                b => return Err(self.error(format!("outcome rule {b} is not known"))),
            }
        };
        let n = self.len()?;
        let mut reviewer_sets = Vec::with_capacity(n);
        for _ in 0..n {
            reviewer_sets.push(self.strings()?);
        }
        let n = self.len()?;
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            items.push(self.item(reviewer_sets.len())?);
        }
        Ok(Instance {
            id,
            definition,
            occurrence,
            resource,
            status,
            stopped,
            started,
            completed,
            stages,
            current_stage,
            items,
            reviewer_sets,
            applied,
            outcome_rule,
            since_last: Default::default(),
        })
    }

    pub(super) fn decision(&self, code: u8) -> Decision {
        match code {
            0 => Decision::Approve,
            1 => Decision::Deny,
            _ => Decision::DontKnow,
        }
    }

    pub(super) fn item(&mut self, sets: usize) -> Result<DecisionItem, Damaged> {
        let user = self.string()?;
        let user_name = self.string()?;
        let user_principal_name = self.string()?;
        let user_type = self.user_type()?;
        let last_sign_in = self.opt_time()?;
        let access = match self.code(2, "access path")? {
            0 => AccessPath::Direct,
            _ => AccessPath::ViaGroup {
                group: self.string()?,
            },
        };
        let assignment = match self.code(3, "assignment kind")? {
            0 => None,
            code => Some(self.assignment_kind(code - 1)),
        };
        let recommendation = match self.code(4, "recommendation")? {
            0 => None,
            code => {
                let decision = self.decision(code - 1);
                let n = self.len()?;
                let mut reasons = Vec::with_capacity(n);
                for _ in 0..n {
                    reasons.push(self.reason()?);
                }
                Some(Recommendation { decision, reasons })
            }
        };
        let mut reviewers = [0u32; MAX_STAGES];
        for set in &mut reviewers {
            let at = self.pos;
            let code = self.u32()?;
            *set = code.wrapping_sub(1);
            if code != 0 && *set as usize >= sets {
                return Err(self.error_at(at, "a reviewer set that does not exist"));
            }
        }
        let flags = self.byte()?;
        let fallback = std::array::from_fn(|i| flags & (1 << i) != 0);
        let at = self.pos;
        let stage = self.uint()? as usize;
        if stage >= MAX_STAGES {
            return Err(self.error_at(at, "a stage that does not exist"));
        }
        let mut decisions: [Option<RecordedDecision>; MAX_STAGES] = Default::default();
        for slot in &mut decisions {
            let code = self.code(7, "decision")?;
            if code == 0 {
                continue;
            }
            let code = code - 1;
            *slot = Some(RecordedDecision {
                decision: self.decision(code / 2),
                source: match code % 2 {
                    0 => DecisionSource::Reviewer,
                    _ => DecisionSource::AcceptedRecommendation,
                },
                reviewer: self.string()?,
                justification: self.string()?,
                at: self.time()?,
            });
        }
        let not_supported = match self.code(5, "reason denial cannot be applied")? {
            0 => None,
            code => Some(self.not_supported(code)?),
        };
        let apply_result = match self.code(5, "apply result")? {
            0 => None,
            1 => Some(ApplyResult::Applied {
                effect: match self.code(3, "effect")? {
                    0 => Effect::AccessKept,
                    1 => Effect::AccessRemoved,
                    _ => Effect::GuestBlocked,
                },
            }),
            2 => {
                let code = self.code(5, "reason denial cannot be applied")?;
                if code == 0 {
                    return Err(self.error("an apply result without its reason"));
                }
                Some(ApplyResult::NotSupported {
                    reason: self.not_supported(code)?,
                })
            }
            3 => Some(ApplyResult::ObjectNotFound),
            _ => Some(ApplyResult::Failed {
                reason: self.string()?,
            }),
        };
        Ok(DecisionItem {
            user,
            user_name,
            user_principal_name,
            user_type,
            last_sign_in,
            access,
            assignment,
            recommendation,
            reviewers,
            fallback,
            stage,
            decisions,
            not_supported,
            apply_result,
        })
    }

    /// The `NotSupported` of a code 1–4 already read.
    pub(super) fn not_supported(&mut self, code: u8) -> Result<NotSupported, Damaged> {
        Ok(match code {
            1 => NotSupported::DynamicGroup,
            2 => NotSupported::OnPremisesGroup,
            3 => NotSupported::NestedMembership {
                group: self.string()?,
            },
            _ => NotSupported::GroupAssignedApplication {
                group: self.string()?,
            },
        })
    }

    pub(super) fn reason(&mut self) -> Result<Reason, Damaged> {
        Ok(match self.code(6, "recommendation reason")? {
            0 => Reason::NoSignIn { days: self.int()? },
            1 => Reason::NeverSignedIn {
                account_days: self.int()?,
            },
            2 => Reason::SignedIn { days: self.int()? },
            3 => Reason::NewAccount,
            4 => Reason::LittlePeerOverlap {
                held: self.u32()?,
                total: self.u32()?,
            },
            _ => Reason::PeerOverlap {
                held: self.u32()?,
                total: self.u32()?,
            },
        })
    }
}

pub(super) fn decision_code(d: Decision) -> u8 {
    match d {
        Decision::Approve => 0,
        Decision::Deny => 1,
        Decision::DontKnow => 2,
    }
}
