//! The compact form of a whole `State`, for snapshots: what a cold start reads.
//!
//! A snapshot of a finished review of 100,000 reviewees holds about two million strings and
//! a million timestamps. Through a generic self-describing format (serde) every struct field
//! is found by name, every tagged enum is buffered and re-read, and every timestamp is text
//! to parse again. Here the bulk — users, groups, applications, roles, packages, and each
//! instance's items and reviewer sets — is written field by field in a fixed order: varint
//! numbers, length-prefixed UTF-8, timestamps as seconds + nanoseconds, enums as one byte.
//! The small, rarely read parts (definitions, drafts, an instance's stages) stay JSON inside.
//!
//! Every struct is destructured exhaustively when written, so a field added to the engine
//! without being added here is a compile error, not a snapshot that silently drops it.
//! Decoding never panics: damaged bytes give a `SnapshotError` saying where.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::definition::MAX_STAGES;
use crate::directory::{
    AccessPackage, AccessPath, Application, AssignmentKind, Directory, DirectoryRole, Group,
    GroupKind, Membership, Principal, RoleAssignment, User, UserType,
};
use crate::instance::{
    ApplyResult, Decision, DecisionItem, DecisionSource, Effect, Instance, NotSupported,
    OutcomeRule, Reason, Recommendation, RecordedDecision,
};
use crate::state::State;

/// The first bytes of every snapshot, and the layout version after them.
const MAGIC: &[u8; 4] = b"ATSN";
/// The first bytes of a directory on its own (an imported directory inside a stored record).
const DIRECTORY_MAGIC: &[u8; 4] = b"ATDR";
/// Layout 2 adds each instance's outcome rule after its small parts; layout 1 (earlier
/// releases) is still read, its instances with the rule they ran under. Layout 3 adds the
/// delegations (JSON) at the end; earlier layouts read as having none.
const VERSION: u32 = 3;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the snapshot is damaged at byte {at}: {what}")]
pub struct SnapshotError {
    pub at: usize,
    pub what: String,
}

/// The bytes of `state`.
pub fn encode(state: &State) -> Vec<u8> {
    encode_layout(state, VERSION)
}

fn encode_layout(state: &State, layout: u32) -> Vec<u8> {
    let State {
        directory,
        drafts,
        reviews,
        instances,
        pending_deletions,
        applied_records,
        delegations,
    } = state;
    let mut w = Writer {
        out: Vec::with_capacity(1 << 20),
        layout,
    };
    w.out.extend_from_slice(MAGIC);
    w.uint(u64::from(layout));
    w.directory(directory);
    w.json(drafts);
    w.json(reviews);
    w.uint(instances.len() as u64);
    for instance in instances.values() {
        w.instance(instance);
    }
    w.uint(pending_deletions.len() as u64);
    for (user, at) in pending_deletions {
        w.str(user);
        w.time(at);
    }
    w.uint(applied_records.len() as u64);
    for id in applied_records {
        w.str(id);
    }
    if layout >= 3 {
        w.json(delegations);
    }
    w.out
}

/// The bytes of a directory alone, in the same layout: what an import record carries.
pub fn encode_directory(directory: &Directory) -> Vec<u8> {
    let mut w = Writer {
        out: Vec::with_capacity(1 << 20),
        layout: VERSION,
    };
    w.out.extend_from_slice(DIRECTORY_MAGIC);
    w.uint(u64::from(VERSION));
    w.directory(directory);
    w.out
}

/// The directory `bytes` written by [`encode_directory`] hold.
pub fn decode_directory(bytes: &[u8]) -> Result<Directory, SnapshotError> {
    let mut r = Reader::new(bytes);
    let read = read_directory(&mut r);
    r.finish(read)
}

fn read_directory(r: &mut Reader) -> Result<Directory, Damaged> {
    r.header(DIRECTORY_MAGIC, "not an Attest directory")?;
    let directory = r.directory()?;
    if r.pos != r.bytes.len() {
        return Err(r.error("bytes left over after the directory"));
    }
    Ok(directory)
}

/// The state `bytes` hold, or where and why they cannot be read.
pub fn decode(bytes: &[u8]) -> Result<State, SnapshotError> {
    let mut r = Reader::new(bytes);
    let read = read_state(&mut r);
    r.finish(read)
}

fn read_state(r: &mut Reader) -> Result<State, Damaged> {
    r.header(MAGIC, "not an Attest snapshot")?;
    let directory = r.directory()?;
    let drafts = r.json()?;
    let reviews = r.json()?;
    let instances = r.map(|r| {
        let instance = r.instance()?;
        Ok((instance.id.clone(), instance))
    })?;
    let pending_deletions = r.map(|r| Ok((r.string()?, r.time()?)))?;
    let count = r.len()?;
    let mut applied_records = Vec::with_capacity(count);
    for _ in 0..count {
        applied_records.push(r.string()?);
    }
    let delegations = if r.version >= 3 {
        r.json()?
    } else {
        Default::default()
    };
    if r.pos != r.bytes.len() {
        return Err(r.error("bytes left over after the state"));
    }
    Ok(State {
        directory,
        drafts,
        reviews,
        instances,
        pending_deletions,
        applied_records: BTreeSet::from_iter(applied_records),
        delegations,
    })
}

struct Writer {
    out: Vec<u8>,
    /// The layout being written: always [`VERSION`] outside tests, which also write older
    /// layouts to prove they still read.
    layout: u32,
}

impl Writer {
    fn uint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.out.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.out.push(v as u8);
    }

    fn int(&mut self, v: i64) {
        self.uint(((v << 1) ^ (v >> 63)) as u64);
    }

    fn byte(&mut self, v: u8) {
        self.out.push(v);
    }

    fn bool(&mut self, v: bool) {
        self.out.push(u8::from(v));
    }

    fn str(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.out.extend_from_slice(s.as_bytes());
    }

    fn opt_str(&mut self, s: &Option<String>) {
        match s {
            None => self.byte(0),
            Some(s) => {
                self.byte(1);
                self.str(s);
            }
        }
    }

    fn strs(&mut self, list: &[String]) {
        self.uint(list.len() as u64);
        for s in list {
            self.str(s);
        }
    }

    fn time(&mut self, at: &DateTime<Utc>) {
        self.int(at.timestamp());
        self.uint(u64::from(at.timestamp_subsec_nanos()));
    }

    fn opt_time(&mut self, at: &Option<DateTime<Utc>>) {
        match at {
            None => self.byte(0),
            Some(at) => {
                self.byte(1);
                self.time(at);
            }
        }
    }

    fn json<T: Serialize>(&mut self, value: &T) {
        let text = serde_json::to_vec(value).expect("engine values always serialize");
        self.uint(text.len() as u64);
        self.out.extend_from_slice(&text);
    }

    fn principals(&mut self, list: &[Principal]) {
        self.uint(list.len() as u64);
        for p in list {
            match p {
                Principal::User(id) => {
                    self.byte(0);
                    self.str(id);
                }
                Principal::Group(id) => {
                    self.byte(1);
                    self.str(id);
                }
            }
        }
    }

    fn directory(&mut self, dir: &Directory) {
        let Directory {
            users,
            groups,
            applications,
            roles,
            access_packages,
        } = dir;
        self.uint(users.len() as u64);
        for user in users.values() {
            let User {
                id,
                display_name,
                user_principal_name,
                user_type,
                manager,
                account_enabled,
                created,
                last_sign_in,
                department,
            } = user;
            self.str(id);
            self.str(display_name);
            self.str(user_principal_name);
            self.byte(user_type_code(*user_type));
            self.opt_str(manager);
            self.bool(*account_enabled);
            self.time(created);
            self.opt_time(last_sign_in);
            self.opt_str(department);
        }
        self.uint(groups.len() as u64);
        for group in groups.values() {
            let Group {
                id,
                display_name,
                kind,
                membership,
                on_premises_sync,
                mail_enabled,
                owners,
                members,
            } = group;
            self.str(id);
            self.str(display_name);
            self.byte(match kind {
                GroupKind::Security => 0,
                GroupKind::Microsoft365 => 1,
            });
            match membership {
                Membership::Assigned => self.byte(0),
                Membership::Dynamic { rule } => {
                    self.byte(1);
                    self.str(rule);
                }
            }
            self.bool(*on_premises_sync);
            self.bool(*mail_enabled);
            self.strs(owners);
            self.principals(members);
        }
        self.uint(applications.len() as u64);
        for app in applications.values() {
            let Application {
                id,
                display_name,
                owners,
                assignments,
            } = app;
            self.str(id);
            self.str(display_name);
            self.strs(owners);
            self.principals(assignments);
        }
        self.uint(roles.len() as u64);
        for role in roles.values() {
            let DirectoryRole {
                id,
                display_name,
                privileged,
                assignments,
            } = role;
            self.str(id);
            self.str(display_name);
            self.bool(*privileged);
            self.uint(assignments.len() as u64);
            for RoleAssignment { user, kind } in assignments {
                self.str(user);
                self.byte(assignment_code(*kind));
            }
        }
        self.uint(access_packages.len() as u64);
        for package in access_packages.values() {
            let AccessPackage {
                id,
                display_name,
                owners,
                assignments,
            } = package;
            self.str(id);
            self.str(display_name);
            self.strs(owners);
            self.strs(assignments);
        }
    }

    fn instance(&mut self, instance: &Instance) {
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

    fn item(&mut self, item: &DecisionItem) {
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
    fn not_supported(&mut self, n: &NotSupported) {
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

    fn reason(&mut self, reason: &Reason) {
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

fn user_type_code(t: UserType) -> u8 {
    match t {
        UserType::Member => 0,
        UserType::Guest => 1,
    }
}

fn assignment_code(k: AssignmentKind) -> u8 {
    match k {
        AssignmentKind::Active => 0,
        AssignmentKind::Eligible => 1,
    }
}

fn decision_code(d: Decision) -> u8 {
    match d {
        Decision::Approve => 0,
        Decision::Deny => 1,
        Decision::DontKnow => 2,
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Where and why reading stopped; the readers return only the marker [`Damaged`], so the
    /// hot path passes a byte, not an error with text, back up each call.
    failure: std::cell::RefCell<Option<SnapshotError>>,
    /// The layout version the header named.
    version: u64,
}

/// Reading failed; the reader's `failure` says where and why.
#[derive(Debug)]
struct Damaged;

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Reader {
            bytes,
            pos: 0,
            failure: Default::default(),
            version: u64::from(VERSION),
        }
    }

    #[cold]
    #[inline(never)]
    fn error_at(&self, at: usize, what: impl Into<String>) -> Damaged {
        *self.failure.borrow_mut() = Some(SnapshotError {
            at,
            what: what.into(),
        });
        Damaged
    }

    fn error(&self, what: impl Into<String>) -> Damaged {
        self.error_at(self.pos, what)
    }

    /// The outcome of `read` with the failure, if any, as the public error.
    fn finish<T>(self, read: Result<T, Damaged>) -> Result<T, SnapshotError> {
        read.map_err(|Damaged| {
            self.failure.into_inner().unwrap_or(SnapshotError {
                at: 0,
                what: "unreadable".into(),
            })
        })
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Damaged> {
        match self.pos.checked_add(n) {
            Some(end) if end <= self.bytes.len() => {
                let part = &self.bytes[self.pos..end];
                self.pos = end;
                Ok(part)
            }
            _ => Err(self.error("it ends too early")),
        }
    }

    /// The first bytes: `magic` (else `not_it`), then a layout version this code knows.
    fn header(&mut self, magic: &[u8; 4], not_it: &str) -> Result<(), Damaged> {
        if self.take(magic.len())? != magic {
            return Err(self.error_at(0, not_it));
        }
        let version = self.uint()?;
        if !(1..=u64::from(VERSION)).contains(&version) {
            return Err(self.error_at(4, format!("layout version {version} is not known")));
        }
        self.version = version;
        Ok(())
    }

    fn byte(&mut self) -> Result<u8, Damaged> {
        let b = *self
            .bytes
            .get(self.pos)
            .ok_or_else(|| self.error("it ends too early"))?;
        self.pos += 1;
        Ok(b)
    }

    /// A one-byte code below `limit`, naming `what` it codes when it is not.
    fn code(&mut self, limit: u8, what: &str) -> Result<u8, Damaged> {
        let at = self.pos;
        let b = self.byte()?;
        if b < limit {
            Ok(b)
        } else {
            Err(self.error_at(at, format!("{b} is not a {what}")))
        }
    }

    fn bool(&mut self) -> Result<bool, Damaged> {
        Ok(self.code(2, "yes/no value")? == 1)
    }

    fn uint(&mut self) -> Result<u64, Damaged> {
        let at = self.pos;
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(self.error_at(at, "a number is too long"))
    }

    fn int(&mut self) -> Result<i64, Damaged> {
        let v = self.uint()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    fn u32(&mut self) -> Result<u32, Damaged> {
        let at = self.pos;
        u32::try_from(self.uint()?).map_err(|_| self.error_at(at, "a number is too large"))
    }

    /// A count of things that follow; each takes at least one byte, so a count larger than
    /// what is left is damage (and never a huge allocation).
    fn len(&mut self) -> Result<usize, Damaged> {
        let at = self.pos;
        let n = self.uint()?;
        if n > (self.bytes.len() - self.pos) as u64 {
            return Err(self.error_at(at, format!("a count of {n} is more than the bytes left")));
        }
        Ok(n as usize)
    }

    fn string(&mut self) -> Result<String, Damaged> {
        let n = self.len()?;
        let at = self.pos;
        let raw = self.take(n)?;
        std::str::from_utf8(raw)
            .map(str::to_owned)
            .map_err(|_| self.error_at(at, "text that is not UTF-8"))
    }

    fn opt_string(&mut self) -> Result<Option<String>, Damaged> {
        Ok(match self.bool()? {
            false => None,
            true => Some(self.string()?),
        })
    }

    fn strings(&mut self) -> Result<Vec<String>, Damaged> {
        let n = self.len()?;
        let mut list = Vec::with_capacity(n);
        for _ in 0..n {
            list.push(self.string()?);
        }
        Ok(list)
    }

    fn time(&mut self) -> Result<DateTime<Utc>, Damaged> {
        let at = self.pos;
        let secs = self.int()?;
        let nanos = self.u32()?;
        DateTime::from_timestamp(secs, nanos).ok_or_else(|| self.error_at(at, "not a time"))
    }

    fn opt_time(&mut self) -> Result<Option<DateTime<Utc>>, Damaged> {
        Ok(match self.bool()? {
            false => None,
            true => Some(self.time()?),
        })
    }

    fn json<T: DeserializeOwned>(&mut self) -> Result<T, Damaged> {
        let n = self.len()?;
        let at = self.pos;
        let raw = self.take(n)?;
        serde_json::from_slice(raw).map_err(|e| self.error_at(at, e.to_string()))
    }

    /// A map written in key order, read back without re-sorting (`BTreeMap` builds a map
    /// from sorted input in one pass).
    fn map<V>(
        &mut self,
        mut entry: impl FnMut(&mut Self) -> Result<(String, V), Damaged>,
    ) -> Result<BTreeMap<String, V>, Damaged> {
        let n = self.len()?;
        let mut entries = Vec::with_capacity(n);
        for _ in 0..n {
            entries.push(entry(self)?);
        }
        Ok(BTreeMap::from_iter(entries))
    }

    fn user_type(&mut self) -> Result<UserType, Damaged> {
        Ok(match self.code(2, "user type")? {
            0 => UserType::Member,
            _ => UserType::Guest,
        })
    }

    fn assignment_kind(&mut self, code: u8) -> AssignmentKind {
        match code {
            0 => AssignmentKind::Active,
            _ => AssignmentKind::Eligible,
        }
    }

    fn principals(&mut self) -> Result<Vec<Principal>, Damaged> {
        let n = self.len()?;
        let mut list = Vec::with_capacity(n);
        for _ in 0..n {
            let kind = self.code(2, "member kind")?;
            let id = self.string()?;
            list.push(match kind {
                0 => Principal::User(id),
                _ => Principal::Group(id),
            });
        }
        Ok(list)
    }

    fn directory(&mut self) -> Result<Directory, Damaged> {
        let users = self.map(|r| {
            let user = User {
                id: r.string()?,
                display_name: r.string()?,
                user_principal_name: r.string()?,
                user_type: r.user_type()?,
                manager: r.opt_string()?,
                account_enabled: r.bool()?,
                created: r.time()?,
                last_sign_in: r.opt_time()?,
                department: r.opt_string()?,
            };
            Ok((user.id.clone(), user))
        })?;
        let groups = self.map(|r| {
            let group = Group {
                id: r.string()?,
                display_name: r.string()?,
                kind: match r.code(2, "group kind")? {
                    0 => GroupKind::Security,
                    _ => GroupKind::Microsoft365,
                },
                membership: match r.code(2, "membership kind")? {
                    0 => Membership::Assigned,
                    _ => Membership::Dynamic { rule: r.string()? },
                },
                on_premises_sync: r.bool()?,
                mail_enabled: r.bool()?,
                owners: r.strings()?,
                members: r.principals()?,
            };
            Ok((group.id.clone(), group))
        })?;
        let applications = self.map(|r| {
            let app = Application {
                id: r.string()?,
                display_name: r.string()?,
                owners: r.strings()?,
                assignments: r.principals()?,
            };
            Ok((app.id.clone(), app))
        })?;
        let roles = self.map(|r| {
            let id = r.string()?;
            let display_name = r.string()?;
            let privileged = r.bool()?;
            let n = r.len()?;
            let mut assignments = Vec::with_capacity(n);
            for _ in 0..n {
                let user = r.string()?;
                let code = r.code(2, "assignment kind")?;
                let kind = r.assignment_kind(code);
                assignments.push(RoleAssignment { user, kind });
            }
            let role = DirectoryRole {
                id,
                display_name,
                privileged,
                assignments,
            };
            Ok((role.id.clone(), role))
        })?;
        let access_packages = self.map(|r| {
            let package = AccessPackage {
                id: r.string()?,
                display_name: r.string()?,
                owners: r.strings()?,
                assignments: r.strings()?,
            };
            Ok((package.id.clone(), package))
        })?;
        Ok(Directory {
            users,
            groups,
            applications,
            roles,
            access_packages,
        })
    }

    fn instance(&mut self) -> Result<Instance, Damaged> {
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
        })
    }

    fn decision(&self, code: u8) -> Decision {
        match code {
            0 => Decision::Approve,
            1 => Decision::Deny,
            _ => Decision::DontKnow,
        }
    }

    fn item(&mut self, sets: usize) -> Result<DecisionItem, Damaged> {
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
    fn not_supported(&mut self, code: u8) -> Result<NotSupported, Damaged> {
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

    fn reason(&mut self) -> Result<Reason, Damaged> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instance::OutcomeRule;

    /// A snapshot of an earlier release (layout 1) still reads, and its instances keep the
    /// rule they ran under; the current layout keeps whichever rule an instance has.
    #[test]
    fn layout_1_reads_with_the_rule_of_its_release() {
        let mut state = State::default();
        let mut inst: Instance = serde_json::from_value(serde_json::json!({
            "id": "r~0~g", "definition": "r", "occurrence": 0,
            "resource": {"kind": "Group", "id": "g", "name": "G"},
            "status": "InProgress", "stopped": false, "started": "2026-11-01T00:00:00Z",
            "completed": null, "stages": [], "currentStage": 0, "items": [],
            "reviewerSets": [], "applied": null
        }))
        .expect("an instance of an earlier release");
        assert_eq!(inst.outcome_rule, OutcomeRule::CarriedOver, "serde default");
        state.instances.insert(inst.id.clone(), inst.clone());
        let old = decode(&encode_layout(&state, 1)).expect("layout 1 reads");
        assert_eq!(
            old.instances["r~0~g"].outcome_rule,
            OutcomeRule::CarriedOver
        );
        for rule in [OutcomeRule::StageDecision, OutcomeRule::CarriedOver] {
            inst.outcome_rule = rule;
            state.instances.insert(inst.id.clone(), inst.clone());
            let now = decode(&encode(&state)).expect("layout 2 reads");
            assert_eq!(now.instances["r~0~g"].outcome_rule, rule);
        }
    }
}
