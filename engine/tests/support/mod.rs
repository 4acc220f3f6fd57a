//! A small, hand-made tenant and a simulator that drives the engine the way the app does:
//! every command through `State::execute`, every record kept, and after every step the
//! live state checked against a replay of the log.
#![allow(dead_code)]

use attest_engine::definition::*;
use attest_engine::directory::*;
use attest_engine::event::ItemDecision;
use attest_engine::instance::{Decision, Instance};
use attest_engine::{apply, replay, Actor, Command, Context, EngineError, Record, State};
use chrono::{DateTime, Duration, TimeZone, Utc};

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap()
}

pub fn days(n: i64) -> Duration {
    Duration::days(n)
}

pub fn user(
    id: &str,
    manager: Option<&str>,
    guest: bool,
    last_sign_in_days_ago: Option<i64>,
) -> User {
    User {
        id: id.into(),
        display_name: id[..1].to_uppercase() + &id[1..],
        user_principal_name: format!("{id}@contoso.com"),
        user_type: if guest {
            UserType::Guest
        } else {
            UserType::Member
        },
        manager: manager.map(Into::into),
        account_enabled: true,
        created: t0() - days(1000),
        last_sign_in: last_sign_in_days_ago.map(|d| t0() - days(d)),
        department: Some("Sales".into()),
    }
}

pub fn group(id: &str, owners: &[&str], members: &[Principal]) -> Group {
    Group {
        id: id.into(),
        display_name: id.into(),
        kind: GroupKind::Security,
        membership: Membership::Assigned,
        on_premises_sync: false,
        mail_enabled: false,
        owners: owners.iter().map(|s| s.to_string()).collect(),
        members: members.to_vec(),
    }
}

pub fn u(id: &str) -> Principal {
    Principal::User(id.into())
}

pub fn g(id: &str) -> Principal {
    Principal::Group(id.into())
}

/// Contoso in miniature. Managers: mary manages alice and bob, mike manages carol; dave has
/// no manager. olivia owns the exception group and the CRM app; aaron is an auditor.
/// Guests: gina and gus inactive for months, gwen active, greta brand new.
pub fn tenant() -> Directory {
    let mut d = Directory::default();
    for usr in [
        user("mary", None, false, Some(1)),
        user("mike", None, false, Some(1)),
        user("olivia", None, false, Some(2)),
        user("aaron", None, false, Some(3)),
        user("alice", Some("mary"), false, Some(1)),
        user("bob", Some("mary"), false, Some(100)),
        user("carol", Some("mike"), false, Some(5)),
        user("dave", None, false, Some(10)),
        user("gina", None, true, Some(200)),
        user("gus", None, true, Some(300)),
        user("gwen", None, true, Some(10)),
        User {
            created: t0() - days(20),
            ..user("greta", None, true, None)
        },
    ] {
        d.users.insert(usr.id.clone(), usr);
    }
    for grp in [
        group(
            "g-exception",
            &["olivia"],
            &[u("alice"), u("bob"), u("carol"), u("dave")],
        ),
        group("g-auditors", &["olivia"], &[u("aaron")]),
        group(
            "g-partners",
            &["olivia"],
            &[u("gina"), u("gus"), u("gwen"), u("greta"), u("alice")],
        ),
        group("g-sales", &[], &[u("carol"), u("dave")]),
        group("g-parent", &["olivia"], &[u("alice"), g("g-sales")]),
        Group {
            membership: Membership::Dynamic {
                rule: "user.department -eq \"Sales\"".into(),
            },
            ..group("g-dynamic", &["olivia"], &[u("alice"), u("bob")])
        },
        Group {
            on_premises_sync: true,
            ..group("g-onprem", &["olivia"], &[u("alice"), u("bob")])
        },
    ] {
        d.groups.insert(grp.id.clone(), grp);
    }
    d.applications.insert(
        "app-crm".into(),
        Application {
            id: "app-crm".into(),
            display_name: "CRM".into(),
            owners: vec!["olivia".into()],
            assignments: vec![u("alice"), u("bob"), g("g-sales")],
        },
    );
    d.roles.insert(
        "role-ga".into(),
        DirectoryRole {
            id: "role-ga".into(),
            display_name: "Global Administrator".into(),
            privileged: true,
            assignments: vec![
                RoleAssignment {
                    user: "alice".into(),
                    kind: AssignmentKind::Active,
                },
                RoleAssignment {
                    user: "bob".into(),
                    kind: AssignmentKind::Eligible,
                },
            ],
        },
    );
    d.access_packages.insert(
        "ap-tools".into(),
        AccessPackage {
            id: "ap-tools".into(),
            display_name: "Tools".into(),
            owners: vec!["olivia".into()],
            assignments: vec!["alice".into(), "carol".into()],
        },
    );
    d
}

pub fn stage(reviewers: Reviewers, fallback: &[&str], duration_days: u32) -> StageSettings {
    StageSettings {
        reviewers,
        fallback_reviewers: fallback.iter().map(|s| s.to_string()).collect(),
        duration_days,
        recommendations: true,
    }
}

/// A one-stage, one-time review of a group by its owners, starting at t0.
pub fn definition(id: &str, kind: ResourceKind, resource: &str) -> ReviewDefinition {
    let mut def = attest_engine::templates::blank(id, t0());
    def.name = format!("Review {id}");
    def.description_for_reviewers = "Please confirm who still needs access.".into();
    def.scope.resource_kind = kind;
    def.scope.resources = vec![resource.into()];
    def.stages = vec![stage(Reviewers::ResourceOwners, &["olivia"], 7)];
    def
}

pub fn admin() -> Actor {
    Actor::Administrator {
        name: "Ada Admin".into(),
    }
}

pub fn as_user(id: &str) -> Actor {
    Actor::User { id: id.into() }
}

pub struct Sim {
    pub state: State,
    pub log: Vec<Record>,
    pub now: DateTime<Utc>,
    next_id: u64,
}

impl Sim {
    pub fn new(dir: Directory) -> Sim {
        let mut sim = Sim {
            state: State::default(),
            log: Vec::new(),
            now: t0() - days(1),
            next_id: 0,
        };
        sim.ok(
            &admin(),
            Command::ImportDirectory {
                directory: Box::new(dir),
                source: "test".into(),
            },
        );
        sim
    }

    /// Run a command as `actor` at the current time, first letting the clock catch up.
    pub fn run(&mut self, actor: &Actor, cmd: Command) -> Result<(), EngineError> {
        self.exec(&Actor::System, Command::AdvanceTime).unwrap();
        self.exec(actor, cmd)
    }

    fn exec(&mut self, actor: &Actor, cmd: Command) -> Result<(), EngineError> {
        self.next_id += 1;
        let ctx = Context {
            actor: actor.clone(),
            now: self.now,
            record_id: format!("r{}", self.next_id),
            reason: None,
        };
        let before = self.state.clone();
        let result = self.state.execute(&cmd, &ctx);
        match &result {
            Ok(Some(record)) => {
                self.log.push(record.clone());
                assert_eq!(
                    replay(&self.log),
                    self.state,
                    "live state differs from the replayed log"
                );
                let bytes = attest_engine::snapshot::encode(&self.state);
                assert_eq!(
                    attest_engine::snapshot::decode(&bytes).as_ref(),
                    Ok(&self.state),
                    "the snapshot does not read back as the state"
                );
                // How the browser stores the record: every field must come back.
                let stored = attest_engine::snapshot::encode_record(record);
                assert_eq!(
                    attest_engine::snapshot::decode_record(&stored).as_ref(),
                    Ok(record),
                    "the record does not read back from the record layout"
                );
                let mut owned = before.clone();
                attest_engine::apply_owned(&mut owned, record.clone());
                assert_eq!(owned, self.state, "apply_owned differs from apply");
                let mut twice = self.state.clone();
                apply(&mut twice, record);
                assert_eq!(
                    twice, self.state,
                    "a record applied twice changed the state"
                );
            }
            Ok(None) => {}
            Err(_) => assert_eq!(before, self.state, "a refused command changed the state"),
        }
        result.map(|_| ())
    }

    pub fn ok(&mut self, actor: &Actor, cmd: Command) {
        if let Err(e) = self.run(actor, cmd) {
            panic!("command refused: {e}");
        }
    }

    pub fn advance(&mut self, by: Duration) {
        self.now += by;
        self.exec(&Actor::System, Command::AdvanceTime).unwrap();
    }

    pub fn create(&mut self, def: ReviewDefinition) {
        self.now = self.now.max(def.schedule.start);
        self.ok(
            &admin(),
            Command::CreateReview {
                definition: Box::new(def),
            },
        );
    }

    pub fn instance(&self, id: &str) -> &Instance {
        self.state
            .instances
            .get(id)
            .unwrap_or_else(|| panic!("no instance {id}"))
    }

    pub fn item(&self, instance: &str, user: &str) -> u32 {
        self.instance(instance)
            .items
            .iter()
            .position(|i| i.user == user)
            .unwrap_or_else(|| panic!("{user} is not reviewed in {instance}")) as u32
    }

    /// `reviewer` records `decision` on `user`'s item.
    pub fn decide(
        &mut self,
        instance: &str,
        reviewer: &str,
        user: &str,
        decision: Decision,
    ) -> Result<(), EngineError> {
        let item = self.item(instance, user);
        self.run(
            &as_user(reviewer),
            Command::RecordDecisions {
                instance: instance.into(),
                decisions: vec![ItemDecision {
                    item,
                    decision,
                    justification: format!("{reviewer} on {user}"),
                }],
            },
        )
    }

    pub fn reviewees(&self, instance: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .instance(instance)
            .items
            .iter()
            .map(|i| i.user.clone())
            .collect();
        v.sort();
        v
    }

    /// Users in the stage currently running.
    pub fn in_stage(&self, instance: &str, stage: usize) -> Vec<String> {
        let inst = self.instance(instance);
        let mut v: Vec<String> = inst
            .items
            .iter()
            .filter(|i| i.stage == stage)
            .map(|i| i.user.clone())
            .collect();
        v.sort();
        v
    }
}

pub fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}
