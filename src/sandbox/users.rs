//! The sandbox's users: the five fixed ones, plus any that a session exchange provisions.

use super::catalog::Catalog;
use super::perms::{ADMINS, ALL_USERS, ANALYSTS, Perms, SALES};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub active: bool,
    pub groups: Vec<String>,
}

impl User {
    pub fn perms(&self) -> Perms {
        Perms::for_groups(&self.groups)
    }
}

/// What `Sandbox::users` and the `mbx serve` banner tell about a user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserSummary {
    pub email: String,
    pub active: bool,
    pub groups: Vec<String>,
    /// What the user may see, in one line.
    pub sees: String,
}

impl UserSummary {
    pub fn of(user: &User, catalog: &Catalog) -> Self {
        UserSummary {
            email: user.email.clone(),
            active: user.active,
            groups: user.groups.clone(),
            sees: if user.active {
                user.perms().describe(catalog)
            } else {
                "nothing (deactivated)".into()
            },
        }
    }
}

pub fn seed_users() -> Vec<User> {
    let user = |id: i64, email: &str, first: &str, active: bool, groups: &[&str]| User {
        id,
        email: email.into(),
        first_name: Some(first.into()),
        last_name: Some("Example".into()),
        active,
        groups: std::iter::once(ALL_USERS)
            .chain(groups.iter().copied())
            .map(String::from)
            .collect(),
    };
    vec![
        user(1, "admin@example.com", "Ada", true, &[ADMINS]),
        user(2, "analyst@example.com", "Ana", true, &[ANALYSTS]),
        user(3, "sales@example.com", "Sam", true, &[SALES]),
        user(4, "nodata@example.com", "Nod", true, &[]),
        user(5, "inactive@example.com", "Ina", false, &[ANALYSTS]),
    ]
}
