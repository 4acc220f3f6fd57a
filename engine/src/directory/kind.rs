//! The kinds of resource a review can be about, and the words for each: one table for every
//! screen, message and file.

use serde::{Deserialize, Serialize};

/// What a review can be about (SPEC section 3, "resource kind").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ResourceKind {
    /// Groups and Teams.
    Group,
    /// Enterprise applications.
    Application,
    /// Microsoft Entra roles.
    DirectoryRole,
    /// Access packages.
    AccessPackage,
}

/// The words for a resource kind: one table for every screen, message and file.
impl ResourceKind {
    /// The wizard's choice of what to review: "Teams + Groups".
    pub fn label(self) -> &'static str {
        self.words().0
    }

    /// One resource in a sentence: "group", "directory role".
    pub fn noun(self) -> &'static str {
        self.words().1
    }

    /// Several in a sentence: "groups", "directory roles".
    pub fn plural(self) -> &'static str {
        self.words().2
    }

    /// What a picker lists, after "Select" or "Search": "teams and groups", "roles".
    pub fn picker_plural(self) -> &'static str {
        self.words().3
    }

    /// Who "resource owners" are for this kind: "Group owner(s)".
    pub fn owners_label(self) -> &'static str {
        self.words().4
    }

    /// Microsoft Graph's name of the resource type: "group", "servicePrincipal".
    pub fn graph_type(self) -> &'static str {
        self.words().5
    }

    fn words(
        self,
    ) -> (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ) {
        match self {
            ResourceKind::Group => (
                "Teams + Groups",
                "group",
                "groups",
                "teams and groups",
                "Group owner(s)",
                "group",
            ),
            ResourceKind::Application => (
                "Applications",
                "application",
                "applications",
                "applications",
                "Application owner(s)",
                "servicePrincipal",
            ),
            ResourceKind::DirectoryRole => (
                "Microsoft Entra roles",
                "directory role",
                "directory roles",
                "roles",
                "Resource owner(s) (roles have none)",
                "directoryRole",
            ),
            ResourceKind::AccessPackage => (
                "Access packages",
                "access package",
                "access packages",
                "access packages",
                "Access package manager(s)",
                "accessPackage",
            ),
        }
    }
}
