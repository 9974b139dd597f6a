//! Who is calling, and what that lets them do: the tenancy and role rules in one place.

use std::collections::BTreeSet;

use crate::ids::OrgId;
use crate::vocab::Visibility;

/// A role granted to staff through their identity provider's token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Regional coordinator: reads everything across tenants, brokers collaborations.
    Coordinator,
    /// Municipal strategist: writes their own organisation's records.
    Strategist,
    /// Procurement officer (upphandlare): runs joint purchases.
    ProcurementOfficer,
    /// Staff with read access to their own organisation's internal records.
    Viewer,
}

impl Role {
    /// Parses the role name used in token claims and configuration.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "coordinator" => Some(Role::Coordinator),
            "strategist" => Some(Role::Strategist),
            "procurement_officer" => Some(Role::ProcurementOfficer),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }

    /// The role's name as used in tokens and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Coordinator => "coordinator",
            Role::Strategist => "strategist",
            Role::ProcurementOfficer => "procurement_officer",
            Role::Viewer => "viewer",
        }
    }
}

/// The authenticated (or anonymous) party behind a request. The organisation comes only
/// from a validated token, never from anything the client chooses freely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The token's subject, kept for the audit log; `None` for anonymous callers.
    pub subject: Option<String>,
    /// The organisation (tenant) the caller acts for.
    pub org: Option<OrgId>,
    /// Granted roles.
    pub roles: BTreeSet<Role>,
}

impl Caller {
    /// A member of the public with no token.
    pub fn anonymous() -> Self {
        Self {
            subject: None,
            org: None,
            roles: BTreeSet::new(),
        }
    }

    /// Staff of `org` with `roles`, identified by `subject`.
    pub fn staff(
        subject: impl Into<String>,
        org: OrgId,
        roles: impl IntoIterator<Item = Role>,
    ) -> Self {
        Self {
            subject: Some(subject.into()),
            org: Some(org),
            roles: roles.into_iter().collect(),
        }
    }

    /// The service itself, reading every record to maintain derived data such as the
    /// search index. It belongs to no organisation, so it can write nothing.
    pub fn system(purpose: &str) -> Self {
        Self {
            subject: Some(format!("system:{purpose}")),
            org: None,
            roles: [Role::Coordinator].into_iter().collect(),
        }
    }

    /// True for callers without a token.
    pub fn is_anonymous(&self) -> bool {
        self.subject.is_none()
    }

    /// True when the caller holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The coordinator reads every tenant's records, internal ones included.
    pub fn reads_all_tenants(&self) -> bool {
        self.has(Role::Coordinator)
    }

    /// Staff are signed-in callers with at least one role of this service; a valid token
    /// without any such role grants no more than anonymous access.
    pub fn is_staff(&self) -> bool {
        !self.is_anonymous() && !self.roles.is_empty()
    }

    /// The organisation whose internal records the caller may read, if any.
    pub fn staff_org(&self) -> Option<&OrgId> {
        self.org.as_ref().filter(|_| self.is_staff())
    }

    /// Whether the caller may read a record owned by `owner` with `visibility`.
    pub fn can_read(&self, owner: &OrgId, visibility: Visibility) -> bool {
        visibility == Visibility::Public
            || self.reads_all_tenants()
            || self.staff_org() == Some(owner)
    }

    /// Contact persons are personal data: only signed-in staff see them.
    pub fn sees_personal_data(&self) -> bool {
        self.is_staff()
    }

    /// Whether the caller may create or change registry records owned by `owner`: only
    /// strategists (and coordinators) of that same organisation.
    pub fn can_write_for(&self, owner: &OrgId) -> bool {
        self.org.as_ref() == Some(owner)
            && (self.has(Role::Strategist) || self.has(Role::Coordinator))
    }

    /// The organisation the caller writes for, when allowed to write registry records.
    pub fn writing_org(&self) -> Option<&OrgId> {
        self.org.as_ref().filter(|org| self.can_write_for(org))
    }

    /// Whether the caller may act in procurements for `org`: manage the procurements it
    /// leads and its participation in others'. Procurement officers do this, and the
    /// coordinator for their own organisation.
    pub fn procures_for(&self, org: &OrgId) -> bool {
        self.org.as_ref() == Some(org)
            && (self.has(Role::ProcurementOfficer) || self.has(Role::Coordinator))
    }

    /// The organisation the caller acts for in procurements, if any.
    pub fn procuring_org(&self) -> Option<&OrgId> {
        self.org.as_ref().filter(|org| self.procures_for(org))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: &str) -> OrgId {
        OrgId::parse(id).unwrap()
    }

    #[test]
    fn anonymous_reads_public_only_and_writes_nothing() {
        let anon = Caller::anonymous();
        assert!(anon.can_read(&org("1280"), Visibility::Public));
        assert!(!anon.can_read(&org("1280"), Visibility::Internal));
        assert!(!anon.can_write_for(&org("1280")));
        assert!(!anon.sees_personal_data());
    }

    #[test]
    fn strategist_writes_own_org_only() {
        let s = Caller::staff("anna", org("1280"), [Role::Strategist]);
        assert!(s.can_write_for(&org("1280")));
        assert!(!s.can_write_for(&org("1281")));
        assert!(s.can_read(&org("1280"), Visibility::Internal));
        assert!(!s.can_read(&org("1281"), Visibility::Internal));
    }

    #[test]
    fn viewer_reads_own_internal_but_cannot_write() {
        let v = Caller::staff("vera", org("1281"), [Role::Viewer]);
        assert!(v.can_read(&org("1281"), Visibility::Internal));
        assert!(!v.can_write_for(&org("1281")));
    }

    #[test]
    fn a_token_without_roles_grants_public_access_only() {
        let nobody = Caller::staff("x", org("1280"), []);
        assert!(!nobody.can_read(&org("1280"), Visibility::Internal));
        assert!(!nobody.sees_personal_data());
        assert!(!nobody.can_write_for(&org("1280")));
    }

    #[test]
    fn procurement_officers_procure_but_do_not_write_the_registry() {
        let p = Caller::staff("petra", org("1281"), [Role::ProcurementOfficer]);
        assert!(p.procures_for(&org("1281")));
        assert!(!p.procures_for(&org("1280")));
        assert!(!p.can_write_for(&org("1281")));
        let s = Caller::staff("sara", org("1281"), [Role::Strategist]);
        assert!(s.procuring_org().is_none());
    }

    #[test]
    fn coordinator_reads_everything() {
        let c = Caller::staff("carl", org("region-skane"), [Role::Coordinator]);
        assert!(c.can_read(&org("1280"), Visibility::Internal));
        assert!(!c.can_write_for(&org("1280")));
    }
}
