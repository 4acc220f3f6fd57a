//! Starting an instance: the snapshot of reviewees, each stage's reviewers (interned sets)
//! and the recommendations, taken from the directory at the start time.

use super::*;
use rustc_hash::FxHashMap;

/// Build the snapshot an instance starts from. Pure function of the definition, the
/// directory and the start time.
pub fn snapshot(
    def: &ReviewDefinition,
    dir: &Directory,
    resource: &str,
    occurrence: u32,
    at: DateTime<Utc>,
) -> Instance {
    let kind = def.scope.resource_kind;
    let holders: Vec<(Access, &User)> = dir
        .access_holders(kind, resource, def.scope.transitive)
        .into_iter()
        .filter_map(|a| {
            let u = dir.users.get(&a.user)?;
            def.scope.includes(u, at).then_some((a, u))
        })
        .collect();

    let peers = def
        .settings
        .recommendations
        .peer_affiliation
        .then(|| PeerCounts::new(dir, holders.iter().map(|(_, u)| *u)));
    let wants_recommendations = def.stages.iter().any(|s| s.recommendations)
        || def.settings.if_no_response == NoResponse::TakeRecommendations;

    let owners = dir.resource_owners(kind, resource);
    let mut sets = ReviewerSets::default();
    // Resolve each stage's reviewers once where they do not depend on the reviewee, and
    // once per manager otherwise: a 100,000-reviewee snapshot must stay fast.
    let mut resolvers: Vec<StageResolver> = def
        .stages
        .iter()
        .map(|s| {
            let fallback = sets.intern(s.fallback_reviewers.clone());
            let fixed = match &s.reviewers {
                Reviewers::ResourceOwners => Some(owners.clone()),
                Reviewers::SelectedUsers { users } => Some(users.clone()),
                Reviewers::GroupMembers { group } => Some(dir.group_user_ids(group)),
                Reviewers::Managers => {
                    return StageResolver::Managers {
                        by_manager: FxHashMap::default(),
                        fallback,
                    }
                }
                Reviewers::SelfReview => return StageResolver::SelfReview,
            };
            match fixed {
                Some(set) if !set.is_empty() => StageResolver::Fixed {
                    set: sets.intern(set),
                    fallback: false,
                },
                _ => StageResolver::Fixed {
                    set: fallback,
                    fallback: true,
                },
            }
        })
        .collect();

    let group = (kind == ResourceKind::Group)
        .then(|| dir.groups.get(resource))
        .flatten();
    let items = holders
        .into_iter()
        .map(|(access, user)| {
            let mut reviewer_ids = [NO_REVIEWERS; MAX_STAGES];
            let mut fallback = [false; MAX_STAGES];
            for (stage, resolver) in resolvers.iter_mut().enumerate() {
                let (set, used_fallback) = match resolver {
                    StageResolver::Fixed { set, fallback } => (*set, *fallback),
                    StageResolver::Managers {
                        by_manager,
                        fallback,
                    } => match &user.manager {
                        None => (*fallback, true),
                        Some(m) => (
                            *by_manager
                                .entry(m.as_str())
                                .or_insert_with(|| sets.push(vec![m.clone()])),
                            false,
                        ),
                    },
                    // Reviewees are distinct, so a self-review set is never shared.
                    StageResolver::SelfReview => (sets.push(vec![user.id.clone()]), false),
                };
                reviewer_ids[stage] = set;
                fallback[stage] = used_fallback;
            }
            let not_supported = match (&access.path, kind) {
                (AccessPath::ViaGroup { group }, ResourceKind::Application) => {
                    Some(NotSupported::GroupAssignedApplication {
                        group: group.clone(),
                    })
                }
                (AccessPath::ViaGroup { group }, _) => Some(NotSupported::NestedMembership {
                    group: group.clone(),
                }),
                (AccessPath::Direct, _) => group.and_then(|g| {
                    if matches!(g.membership, crate::directory::Membership::Dynamic { .. }) {
                        Some(NotSupported::DynamicGroup)
                    } else if g.on_premises_sync {
                        Some(NotSupported::OnPremisesGroup)
                    } else {
                        None
                    }
                }),
            };
            let recommendation = wants_recommendations
                .then(|| recommend(def, user, peers.as_ref(), at))
                .flatten();
            DecisionItem {
                user: user.id.clone(),
                user_name: user.display_name.clone(),
                user_principal_name: user.user_principal_name.clone(),
                user_type: user.user_type,
                last_sign_in: user.last_sign_in,
                access: access.path,
                assignment: access.assignment,
                recommendation,
                reviewers: reviewer_ids,
                fallback,
                stage: 0,
                decisions: Default::default(),
                not_supported,
                apply_result: None,
            }
        })
        .collect();

    let mut stages: Vec<StageState> = def
        .stages
        .iter()
        .map(|_| StageState {
            status: StageStatus::NotStarted,
            started: None,
            deadline: None,
            ended: None,
            end_reason: None,
            reminded: false,
            reminders_sent: 0,
        })
        .collect();
    stages[0].status = StageStatus::InProgress;
    stages[0].started = Some(at);
    stages[0].deadline = Some(at + chrono::Duration::days(i64::from(def.stages[0].duration_days)));

    Instance {
        id: instance_id(&def.id, occurrence, resource),
        definition: def.id.clone(),
        occurrence,
        resource: ResourceRef {
            kind,
            id: resource.to_string(),
            name: dir
                .resource_name(kind, resource)
                .unwrap_or(resource)
                .to_string(),
        },
        status: InstanceStatus::InProgress,
        stopped: false,
        started: at,
        completed: None,
        stages,
        current_stage: 0,
        items,
        reviewer_sets: sets.sets,
        applied: None,
        outcome_rule: OutcomeRule::StageDecision,
        since_last: Default::default(),
    }
}

/// The instance occurrence `occurrence` of `def` starts with for `resource`: the snapshot,
/// narrowed to what changed since the last completed occurrence when the review is in
/// delta mode.
pub fn start(
    def: &ReviewDefinition,
    state: &crate::state::State,
    resource: &str,
    occurrence: u32,
    at: DateTime<Utc>,
) -> Instance {
    let mut inst = snapshot(def, &state.directory, resource, occurrence, at);
    if def.settings.delta_mode {
        crate::context::narrow(&mut inst, state);
    }
    inst
}

/// How one stage finds an item's reviewers during a snapshot.
pub(super) enum StageResolver<'a> {
    /// The same set for every item (owners, selected users, group members, or the fallback).
    Fixed {
        set: u32,
        fallback: bool,
    },
    Managers {
        by_manager: FxHashMap<&'a str, u32>,
        fallback: u32,
    },
    SelfReview,
}

#[derive(Default)]
pub(super) struct ReviewerSets {
    sets: Vec<Vec<String>>,
    index: HashMap<Vec<String>, u32>,
}

impl ReviewerSets {
    /// Add a set without looking for an equal one (the caller knows it is new or unshared).
    fn push(&mut self, set: Vec<String>) -> u32 {
        self.sets.push(set);
        (self.sets.len() - 1) as u32
    }

    fn intern(&mut self, mut set: Vec<String>) -> u32 {
        // Equal ids are indistinguishable: the unstable sort gives the same set, in less code.
        set.sort_unstable();
        set.dedup();
        if let Some(&i) = self.index.get(&set) {
            return i;
        }
        let i = self.sets.len() as u32;
        self.sets.push(set.clone());
        self.index.insert(set, i);
        i
    }
}

/// Per manager: how many reports they have, and how many of those hold the access.
pub(super) struct PeerCounts<'a> {
    team: FxHashMap<&'a str, u32>,
    holders: FxHashMap<&'a str, u32>,
}

/// Below this share of peers holding the access, affiliation is "little overlap".
pub(super) const LOW_AFFILIATION: f64 = 0.25;
/// Fewer peers than this says nothing about affiliation.
pub(super) const MIN_PEERS: u32 = 2;

impl<'a> PeerCounts<'a> {
    fn new(dir: &'a Directory, holders: impl Iterator<Item = &'a User>) -> Self {
        let mut team = FxHashMap::default();
        for u in dir.users.values() {
            if let Some(m) = &u.manager {
                *team.entry(m.as_str()).or_insert(0) += 1;
            }
        }
        let mut held = FxHashMap::default();
        for u in holders {
            if let Some(m) = u.manager.as_deref() {
                *held.entry(m).or_insert(0) += 1;
            }
        }
        PeerCounts {
            team,
            holders: held,
        }
    }

    /// (peers holding the access, peers) for a holder, excluding the user themself.
    fn for_holder(&self, manager: &str) -> (u32, u32) {
        let team = self.team.get(manager).copied().unwrap_or(1);
        let held = self.holders.get(manager).copied().unwrap_or(1);
        (held.saturating_sub(1), team.saturating_sub(1))
    }
}

pub(super) fn recommend(
    def: &ReviewDefinition,
    user: &crate::directory::User,
    peers: Option<&PeerCounts>,
    now: DateTime<Utc>,
) -> Option<Recommendation> {
    let cfg = &def.settings.recommendations;
    let mut deny = Vec::new();
    let mut approve = Vec::new();
    if cfg.inactivity {
        let days = user.days_since_sign_in(now);
        let inactive = days > i64::from(cfg.look_back_days);
        match (user.last_sign_in, inactive) {
            (None, true) => deny.push(Reason::NeverSignedIn { account_days: days }),
            (None, false) => approve.push(Reason::NewAccount),
            (Some(_), true) => deny.push(Reason::NoSignIn { days }),
            (Some(_), false) => approve.push(Reason::SignedIn { days }),
        }
    }
    if let (Some(peers), Some(manager)) = (peers, user.manager.as_deref()) {
        let (held, total) = peers.for_holder(manager);
        if total >= MIN_PEERS {
            if f64::from(held) < f64::from(total) * LOW_AFFILIATION {
                deny.push(Reason::LittlePeerOverlap { held, total });
            } else {
                approve.push(Reason::PeerOverlap { held, total });
            }
        }
    }
    match (deny.is_empty(), approve.is_empty()) {
        (false, _) => Some(Recommendation {
            decision: Decision::Deny,
            reasons: deny,
        }),
        (true, false) => Some(Recommendation {
            decision: Decision::Approve,
            reasons: approve,
        }),
        (true, true) => None,
    }
}
