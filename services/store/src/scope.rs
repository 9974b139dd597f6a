//! Tenant scope: what a caller may read, derived from the caller and nothing else.

use samverkan_domain::{Caller, OrgId};
use sea_orm::{ColumnTrait, Condition};

/// The rows a caller may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadScope {
    /// The coordinator: every tenant, internal records included.
    Everything,
    /// Staff: public records, and every record of their own organisation.
    OwnAndPublic(OrgId),
    /// Anonymous: public records only.
    PublicOnly,
}

impl ReadScope {
    /// The scope of `caller`.
    pub fn of(caller: &Caller) -> Self {
        if caller.reads_all_tenants() {
            ReadScope::Everything
        } else if let Some(org) = caller.staff_org() {
            ReadScope::OwnAndPublic(org.clone())
        } else {
            ReadScope::PublicOnly
        }
    }

    /// The SQL condition for a table with an owner and a visibility column.
    pub(crate) fn condition(
        &self,
        org_col: impl ColumnTrait,
        visibility_col: impl ColumnTrait,
    ) -> Condition {
        let public = visibility_col.eq("public");
        match self {
            ReadScope::Everything => Condition::all(),
            ReadScope::OwnAndPublic(org) => {
                Condition::any().add(public).add(org_col.eq(org.as_str()))
            }
            ReadScope::PublicOnly => Condition::all().add(public),
        }
    }
}
