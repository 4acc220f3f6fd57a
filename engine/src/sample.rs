//! The built-in sample tenant "Contoso": a believable directory of any size, from 50 to
//! 100,000 users, with every situation a review meets (guests, inactive and disabled users,
//! nested, dynamic, on-premises and mail-enabled groups, a group without owner, group-assigned
//! apps, active and eligible roles, access packages).
//!
//! Deterministic: the same `SampleConfig` gives the same directory. Structure (who is a guest,
//! inactive, in which department) follows the user index so every feature exists at any
//! size; the seeded PRNG picks names and dates. Linear in the number of users.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use rustc_hash::FxHashMap;

use crate::directory::{
    AccessPackage, Application, AssignmentKind, Directory, DirectoryRole, Group, GroupKind,
    Membership, Principal, RoleAssignment, User, UserType,
};

#[derive(Clone, Debug, PartialEq, Eq)]
/// How to generate the sample tenant.
pub struct SampleConfig {
    /// How many users.
    pub users: usize,
    /// Seed: the same seed gives the same tenant.
    pub seed: u64,
    /// The moment sign-in dates are relative to.
    pub now: DateTime<Utc>,
}

/// SplitMix64: tiny, fast and good enough for names and dates.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }
}

const DEPARTMENTS: [(&str, &str); 8] = [
    ("sales", "Sales"),
    ("engineering", "Engineering"),
    ("finance", "Finance"),
    ("hr", "HR"),
    ("it", "IT"),
    ("marketing", "Marketing"),
    ("legal", "Legal"),
    ("operations", "Operations"),
];
const SALES: usize = 0;
const ENGINEERING: usize = 1;
const FINANCE: usize = 2;
const HR: usize = 3;
const IT: usize = 4;
const MARKETING: usize = 5;
const LEGAL: usize = 6;
const OPERATIONS: usize = 7;

/// Department of a member by index modulo 20: Engineering 5, Sales 4, Operations 3,
/// Marketing, IT and Finance 2 each, HR and Legal 1 each.
const DEPARTMENT_PATTERN: [usize; 20] =
    [1, 0, 7, 5, 4, 2, 1, 0, 3, 1, 7, 0, 6, 5, 1, 4, 2, 0, 7, 1];

/// Reports per manager in the generated hierarchy.
const SPAN: usize = 6;

const FIRST_NAMES: [&str; 40] = [
    "Adele", "Alex", "Allan", "Amara", "Ben", "Bianca", "Carlos", "Chen", "Diego", "Elena",
    "Fatima", "Grace", "Hannah", "Henrik", "Isaac", "Isabel", "Jonas", "Julia", "Kenji", "Lara",
    "Lee", "Lidia", "Lynne", "Megan", "Miriam", "Nestor", "Noah", "Olga", "Patti", "Priya",
    "Rafael", "Sara", "Sofia", "Tomas", "Uma", "Victor", "Wei", "Yara", "Zoe", "Omar",
];
const LAST_NAMES: [&str; 40] = [
    "Adams",
    "Bauer",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Jensen",
    "Khan",
    "Larsen",
    "Martin",
    "Nakamura",
    "Novak",
    "Okafor",
    "Patel",
    "Quinn",
    "Rossi",
    "Silva",
    "Schmidt",
    "Tanaka",
    "Usman",
    "Vance",
    "Wagner",
    "Wilber",
    "Xu",
    "Young",
    "Zhang",
    "Moreau",
    "Lopez",
    "Kowalski",
    "Johansson",
    "Ivanova",
    "Haddad",
    "Gomez",
    "Fernandes",
    "Eriksen",
    "Diaz",
    "Brown",
];
const PARTNERS: [(&str, &str); 5] = [
    ("fabrikam.com", "Fabrikam"),
    ("northwindtraders.com", "Northwind Traders"),
    ("adventure-works.com", "Adventure Works"),
    ("litware.com", "Litware"),
    ("tailspintoys.com", "Tailspin Toys"),
];

fn user_id(i: usize) -> String {
    format!("u-{:06}", i + 1)
}

fn is_guest(i: usize) -> bool {
    i >= 9 && matches!(i % 25, 3 | 16)
}

/// Generate the Contoso tenant with `cfg.users` users.
pub fn sample_tenant(cfg: &SampleConfig) -> Directory {
    let n = cfg.users;
    let now = cfg.now;
    let mut rng = Rng(cfg.seed ^ 0xC0_47_05_0C_0A_11_AB_1E);
    let mut name_uses = vec![0u32; FIRST_NAMES.len() * LAST_NAMES.len()];
    // Users of each department in index order; position 0 is the head.
    let mut departments: Vec<Vec<usize>> = vec![Vec::new(); DEPARTMENTS.len()];
    let mut guests = Vec::new();
    let mut users = Vec::with_capacity(n);

    for i in 0..n {
        let first = rng.next() as usize % FIRST_NAMES.len();
        let last = rng.next() as usize % LAST_NAMES.len();
        let uses = &mut name_uses[first * LAST_NAMES.len() + last];
        *uses += 1;
        let handle = match *uses {
            1 => format!("{}.{}", FIRST_NAMES[first], LAST_NAMES[last]).to_lowercase(),
            k => format!("{}.{}{k}", FIRST_NAMES[first], LAST_NAMES[last]).to_lowercase(),
        };
        let guest = is_guest(i);
        let (display_name, user_principal_name) = if guest {
            let (domain, company) = PARTNERS[i % PARTNERS.len()];
            (
                format!("{} {} ({company})", FIRST_NAMES[first], LAST_NAMES[last]),
                format!("{handle}_{domain}#EXT#@contoso.onmicrosoft.com"),
            )
        } else {
            (
                format!("{} {}", FIRST_NAMES[first], LAST_NAMES[last]),
                format!("{handle}@contoso.com"),
            )
        };

        let department = match i {
            0 => None,
            1..=8 => Some(i - 1),
            _ if guest => None,
            _ => Some(DEPARTMENT_PATTERN[i % 20]),
        };
        let manager = match (i, department) {
            (0, _) => None,
            (1..=8, _) => Some(user_id(0)),
            // A few members whose manager left and was never replaced.
            (_, Some(_)) if i == 42 || i % 997 == 500 => None,
            (_, Some(d)) => {
                let k = departments[d].len();
                Some(user_id(departments[d][(k - 1) / SPAN]))
            }
            // Most guests have no manager; some have a sponsor.
            (_, None) => (i % 75 == 16).then(|| user_id(1 + i % 8)),
        };
        match department {
            Some(d) => departments[d].push(i),
            None if guest => guests.push(i),
            None => {}
        }

        let structural = i >= 9;
        let new_hire = structural && i % 50 == 33;
        let never = structural && i % 40 == 21;
        let inactive = structural && i % 10 == 7;
        let (created, last_sign_in) = if new_hire {
            (
                now - Duration::days(rng.range(1, 25)) - Duration::minutes(rng.range(0, 1439)),
                None,
            )
        } else if never {
            (now - Duration::days(rng.range(120, 2000)), None)
        } else if inactive {
            let last =
                now - Duration::days(rng.range(90, 400)) - Duration::minutes(rng.range(0, 1439));
            (last - Duration::days(rng.range(30, 2500)), Some(last))
        } else {
            let created =
                now - Duration::days(rng.range(60, 3000)) - Duration::minutes(rng.range(0, 1439));
            (
                created,
                Some(now - Duration::minutes(rng.range(5, 30 * 24 * 60))),
            )
        };
        let account_enabled = !(structural && (i % 50 == 9 || i % 70 == 27));
        users.push(User {
            id: user_id(i),
            display_name,
            user_principal_name,
            user_type: if guest {
                UserType::Guest
            } else {
                UserType::Member
            },
            manager,
            account_enabled,
            created,
            last_sign_in,
            department: Some(
                department.map_or(if guest { "" } else { "Executive" }, |d| DEPARTMENTS[d].1),
            )
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        });
    }

    let ceo = (n > 0).then_some(0);
    let head = |d: usize| departments[d].first().copied().or(ceo);
    let ids = |list: &mut dyn Iterator<Item = usize>| list.map(user_id).collect::<Vec<_>>();
    let members = |list: &mut dyn Iterator<Item = usize>| {
        list.map(|i| Principal::User(user_id(i)))
            .collect::<Vec<_>>()
    };
    // The `k`-th user of a department and the next `count`, or fewer on a small tenant.
    let slice = |d: usize, from: usize, count: usize| -> Vec<usize> {
        departments[d]
            .iter()
            .skip(from)
            .take(count)
            .copied()
            .collect()
    };

    let mut groups = Vec::new();
    let group =
        |id: &str, name: &str, kind: GroupKind, owners: Vec<String>, members: Vec<Principal>| {
            Group {
                id: id.to_string(),
                display_name: name.to_string(),
                kind,
                membership: Membership::Assigned,
                on_premises_sync: false,
                mail_enabled: kind == GroupKind::Microsoft365,
                owners,
                members,
            }
        };
    for (d, (slug, name)) in DEPARTMENTS.iter().enumerate() {
        let list = &departments[d];
        let mut direct: Vec<Principal> = if d == ENGINEERING {
            // Some engineers are in the department group only through a team subgroup.
            members(
                &mut list
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| !matches!(k % 5, 1 | 2))
                    .map(|(_, &i)| i),
            )
        } else {
            members(&mut list.iter().copied())
        };
        if d == ENGINEERING {
            direct.push(Principal::Group("g-platform-team".into()));
            direct.push(Principal::Group("g-mobile-team".into()));
        }
        groups.push(group(
            &format!("g-{slug}"),
            name,
            GroupKind::Security,
            ids(&mut head(d).into_iter()),
            direct,
        ));
    }
    let engineers = &departments[ENGINEERING];
    for (id, name, rest) in [
        ("g-platform-team", "Platform Team", 1),
        ("g-mobile-team", "Mobile Team", 2),
    ] {
        let owner = engineers.get(rest).copied().or(head(ENGINEERING));
        let team = engineers
            .iter()
            .enumerate()
            .filter(|(k, _)| *k > 0 && k % 5 == rest)
            .map(|(_, &i)| i);
        groups.push(group(
            id,
            name,
            GroupKind::Security,
            ids(&mut owner.into_iter()),
            members(&mut team.into_iter()),
        ));
    }
    let mut all = group(
        "g-all-employees",
        "All Employees",
        GroupKind::Security,
        ids(&mut head(IT).into_iter()),
        members(&mut (0..n).filter(|&i| !is_guest(i))),
    );
    all.membership = Membership::Dynamic {
        rule: "user.userType -eq \"Member\"".into(),
    };
    groups.push(all);
    let mut emea = group(
        "g-sales-emea",
        "Sales EMEA (on-premises)",
        GroupKind::Security,
        ids(&mut head(SALES).into_iter()),
        members(
            &mut departments[SALES]
                .iter()
                .enumerate()
                .filter(|(k, _)| k % 2 == 1)
                .map(|(_, &i)| i),
        ),
    );
    emea.on_premises_sync = true;
    groups.push(emea);
    groups.push(group(
        "g-marketing-announcements",
        "Marketing Announcements",
        GroupKind::Microsoft365,
        ids(&mut head(MARKETING).into_iter()),
        members(&mut (0..n).filter(|&i| {
            !is_guest(i)
                && (i % 10 == 0 || (i >= 9 && DEPARTMENT_PATTERN[i % 20] == MARKETING) || i == 6)
        })),
    ));
    groups.push(group(
        "g-auditors",
        "Contoso auditors",
        GroupKind::Security,
        ids(&mut head(LEGAL).into_iter()),
        members(&mut slice(FINANCE, 1, 2).into_iter().chain(slice(LEGAL, 1, 2))),
    ));
    groups.push(group(
        "g-it-local-admin",
        "IT exception - local admin",
        GroupKind::Security,
        ids(&mut head(IT).into_iter()),
        members(
            &mut (9..n)
                .filter(|&i| !is_guest(i) && (i % 3 == 0 || DEPARTMENT_PATTERN[i % 20] == IT)),
        ),
    ));
    groups.push(group(
        "g-partner-collaboration",
        "Partner collaboration",
        GroupKind::Microsoft365,
        ids(&mut head(SALES).into_iter().chain(head(MARKETING))),
        members(&mut (9..n).filter(|&i| is_guest(i) || i % 40 == 0)),
    ));
    groups.push(group(
        "g-project-phoenix",
        "Project Phoenix (legacy)",
        GroupKind::Security,
        Vec::new(),
        members(
            &mut departments[OPERATIONS]
                .iter()
                .enumerate()
                .filter(|(k, _)| k % 4 == 1)
                .map(|(_, &i)| i),
        ),
    ));

    let app =
        |id: &str, name: &str, owners: Vec<String>, assignments: Vec<Principal>| Application {
            id: id.to_string(),
            display_name: name.to_string(),
            owners,
            assignments,
        };
    let first_guests = guests.iter().take(3).copied();
    let applications = vec![
        app(
            "app-salesforce",
            "Salesforce",
            ids(&mut head(SALES).into_iter().chain(slice(IT, 1, 1))),
            vec![Principal::Group("g-sales".into())],
        ),
        app(
            "app-workday",
            "Workday",
            ids(&mut head(HR).into_iter()),
            members(&mut (0..n).filter(|&i| {
                !is_guest(i)
                    && (i % 5 == 0 || (i >= 9 && DEPARTMENT_PATTERN[i % 20] == HR) || i == 4)
            })),
        ),
        app(
            "app-github",
            "GitHub Enterprise",
            ids(&mut head(ENGINEERING).into_iter()),
            {
                let mut a = vec![Principal::Group("g-engineering".into())];
                let it_devs = departments[IT]
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| k % 2 == 1)
                    .map(|(_, &i)| i);
                a.extend(members(&mut it_devs.chain(first_guests)));
                a
            },
        ),
        app(
            "app-legacy-expenses",
            "Legacy Expense Portal",
            Vec::new(),
            {
                let mut a = vec![Principal::Group("g-finance".into())];
                a.extend(members(&mut slice(OPERATIONS, 1, 3).into_iter()));
                a
            },
        ),
    ];

    let role =
        |id: &str, name: &str, privileged: bool, active: Vec<usize>, eligible: Vec<usize>| {
            let assignments = active
                .into_iter()
                .map(|i| (i, AssignmentKind::Active))
                .chain(eligible.into_iter().map(|i| (i, AssignmentKind::Eligible)))
                .map(|(i, kind)| RoleAssignment {
                    user: user_id(i),
                    kind,
                })
                .collect();
            DirectoryRole {
                id: id.to_string(),
                display_name: name.to_string(),
                privileged,
                assignments,
            }
        };
    let helpdesk = 2 + n / 5000;
    let roles = vec![
        role(
            "role-global-admin",
            "Global Administrator",
            true,
            slice(IT, 0, 2),
            slice(IT, 2, 2),
        ),
        role(
            "role-user-admin",
            "User Administrator",
            true,
            head(HR).into_iter().chain(slice(IT, 2, 1)).collect(),
            slice(IT, 4, 1).into_iter().chain(slice(HR, 1, 1)).collect(),
        ),
        role(
            "role-helpdesk-admin",
            "Helpdesk Administrator",
            true,
            slice(IT, 5, helpdesk),
            slice(IT, 5 + helpdesk, 1 + n / 10000),
        ),
        role(
            "role-reports-reader",
            "Reports Reader",
            false,
            slice(FINANCE, 0, 2),
            slice(FINANCE, 2, 1),
        ),
    ];

    let package =
        |id: &str, name: &str, owner: Option<usize>, assignments: Vec<String>| AccessPackage {
            id: id.to_string(),
            display_name: name.to_string(),
            owners: ids(&mut owner.into_iter()),
            assignments,
        };
    let access_packages = vec![
        package(
            "ap-marketing",
            "Marketing campaign tools",
            head(MARKETING),
            ids(&mut departments[MARKETING]
                .iter()
                .enumerate()
                .filter(|(k, _)| k % 2 == 1)
                .map(|(_, &i)| i)
                .chain(guests.iter().take(2).copied())),
        ),
        package(
            "ap-finance",
            "Finance month-end",
            head(FINANCE),
            ids(&mut departments[FINANCE]
                .iter()
                .enumerate()
                .filter(|(k, _)| k % 3 != 0)
                .map(|(_, &i)| i)),
        ),
    ];

    let granted = grant_dates(&users, &applications, &roles, &access_packages, now);
    Directory {
        granted,
        users: users.into_iter().map(|u| (u.id.clone(), u)).collect(),
        groups: groups.into_iter().map(|g| (g.id.clone(), g)).collect(),
        applications: applications
            .into_iter()
            .map(|a| (a.id.clone(), a))
            .collect(),
        roles: roles.into_iter().map(|r| (r.id.clone(), r)).collect(),
        access_packages: access_packages
            .into_iter()
            .map(|p| (p.id.clone(), p))
            .collect(),
    }
}

/// When access was granted, for what Microsoft Graph dates: app role assignments
/// (`createdDateTime`), role assignments and access package assignments. Group memberships
/// carry no date in Graph, so the sample has none either; the Legacy Expense Portal predates
/// its records and has no dates.
fn grant_dates(
    users: &[User],
    applications: &[Application],
    roles: &[DirectoryRole],
    packages: &[AccessPackage],
    now: DateTime<Utc>,
) -> BTreeMap<String, BTreeMap<String, DateTime<Utc>>> {
    let created: FxHashMap<&str, DateTime<Utc>> =
        users.iter().map(|u| (u.id.as_str(), u.created)).collect();
    // A member's grant: some days back (up to two years, spread by id), not before the
    // user existed.
    let date = |member: &str| {
        let spread = member
            .bytes()
            .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        let at = now - Duration::days(1 + (spread % 720) as i64);
        created.get(member).map_or(at, |&c| at.max(c))
    };
    fn principal(p: &Principal) -> &str {
        match p {
            Principal::User(id) | Principal::Group(id) => id,
        }
    }
    let mut granted = BTreeMap::new();
    let mut add = |target: &str, members: &mut dyn Iterator<Item = &str>| {
        let mut dates: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
        for m in members {
            dates.insert(m.to_string(), date(m));
        }
        if !dates.is_empty() {
            granted.insert(target.to_string(), dates);
        }
    };
    for a in applications
        .iter()
        .filter(|a| a.id != "app-legacy-expenses")
    {
        add(&a.id, &mut a.assignments.iter().map(principal));
    }
    for r in roles {
        add(&r.id, &mut r.assignments.iter().map(|a| a.user.as_str()));
    }
    for p in packages {
        add(&p.id, &mut p.assignments.iter().map(String::as_str));
    }
    granted
}
