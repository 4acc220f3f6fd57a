//! Each directory type's writer and reader, side by side in the same field order.

use crate::directory::{
    AccessPackage, Application, AssignmentKind, Directory, DirectoryRole, Group, GroupKind,
    Membership, Principal, RoleAssignment, User, UserType,
};

use super::bytes::{Damaged, Reader, Writer};

impl Writer {
    pub(super) fn principals(&mut self, list: &[Principal]) {
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

    pub(super) fn directory(&mut self, dir: &Directory) {
        let Directory {
            users,
            groups,
            applications,
            roles,
            access_packages,
            // Layout 4: written after the delegations (`snapshot::encode_layout`).
            granted: _,
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
}

impl Reader<'_> {
    pub(super) fn user_type(&mut self) -> Result<UserType, Damaged> {
        Ok(match self.code(2, "user type")? {
            0 => UserType::Member,
            _ => UserType::Guest,
        })
    }

    pub(super) fn assignment_kind(&mut self, code: u8) -> AssignmentKind {
        match code {
            0 => AssignmentKind::Active,
            _ => AssignmentKind::Eligible,
        }
    }

    pub(super) fn principals(&mut self) -> Result<Vec<Principal>, Damaged> {
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

    pub(super) fn directory(&mut self) -> Result<Directory, Damaged> {
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
            granted: Default::default(),
        })
    }
}

pub(super) fn user_type_code(t: UserType) -> u8 {
    match t {
        UserType::Member => 0,
        UserType::Guest => 1,
    }
}

pub(super) fn assignment_code(k: AssignmentKind) -> u8 {
    match k {
        AssignmentKind::Active => 0,
        AssignmentKind::Eligible => 1,
    }
}
