//! The audit log: every write records who did what to which record, with a before/after
//! summary, in the same transaction as the write itself.

use chrono::{DateTime, Utc};
use samverkan_domain::{Caller, OrgId};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::Value;
use uuid::Uuid;

use crate::entity::audit_event;
use crate::page::{self, PageRequest, SortKey, SortSpec};
use crate::{Page, Store, StoreError};

/// One recorded write, as the coordinator reads it.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// Event id (time-ordered).
    pub id: Uuid,
    /// When the write committed.
    pub at: DateTime<Utc>,
    /// The token subject of whoever wrote.
    pub actor_subject: Option<String>,
    /// The organisation they acted for.
    pub actor_org: Option<String>,
    /// `create`, `update` or `delete`.
    pub action: String,
    /// `need`, `strategy`, `solution` or `adoption`.
    pub entity_type: String,
    /// The record's id.
    pub entity_id: String,
    /// The organisation that owns the record.
    pub entity_org: Option<String>,
    /// The record before the write (`null` on create); personal data left out.
    pub before: Value,
    /// The record after the write (`null` on delete); personal data left out.
    pub after: Value,
}

/// Narrows the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only writes to records owned by this organisation.
    pub org: Option<OrgId>,
    /// Only this entity type.
    pub entity_type: Option<String>,
    /// Only this record.
    pub entity_id: Option<String>,
}

/// What was written, for [`record`].
pub(crate) struct Change<'a> {
    pub action: &'static str,
    pub entity_type: &'static str,
    pub entity_id: String,
    pub entity_org: &'a OrgId,
    pub before: Value,
    pub after: Value,
}

/// Appends an audit event on `conn` (the write's own transaction).
pub(crate) async fn record(
    conn: &impl ConnectionTrait,
    actor: &Caller,
    change: Change<'_>,
) -> Result<(), StoreError> {
    audit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(crate::now()),
        actor_subject: Set(actor.subject.clone()),
        actor_org: Set(actor.org.as_ref().map(|o| o.to_string())),
        action: Set(change.action.to_string()),
        entity_type: Set(change.entity_type.to_string()),
        entity_id: Set(change.entity_id),
        entity_org: Set(Some(change.entity_org.to_string())),
        before: Set(change.before.to_string()),
        after: Set(change.after.to_string()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

const SORTS: &[SortSpec<audit_event::Entity>] = &[SortSpec {
    name: "-at",
    column: None,
    descending: true,
    key: |_| SortKey::None,
}];

impl Store {
    /// The audit log, newest first. Only the coordinator may read it.
    pub async fn list_audit(
        &self,
        caller: &Caller,
        filter: &AuditFilter,
        request: &PageRequest,
    ) -> Result<Page<AuditEvent>, StoreError> {
        if !caller.reads_all_tenants() {
            return Err(StoreError::Forbidden(
                "only the regional coordinator reads the audit log".into(),
            ));
        }
        let mut select = audit_event::Entity::find();
        if let Some(org) = &filter.org {
            select = select.filter(audit_event::Column::EntityOrg.eq(org.as_str()));
        }
        if let Some(t) = &filter.entity_type {
            select = select.filter(audit_event::Column::EntityType.eq(t.as_str()));
        }
        if let Some(id) = &filter.entity_id {
            select = select.filter(audit_event::Column::EntityId.eq(id.as_str()));
        }
        let spec = &SORTS[0];
        let (select, limit) = page::apply(select, spec, audit_event::Column::Id, request)?;
        let rows = select.all(self.db()).await?;
        page::finish(rows, limit, spec, |m| m.id).try_map(|m| {
            Ok(AuditEvent {
                id: m.id,
                at: m.at,
                actor_subject: m.actor_subject,
                actor_org: m.actor_org,
                action: m.action,
                entity_type: m.entity_type,
                entity_id: m.entity_id,
                entity_org: m.entity_org,
                before: serde_json::from_str(&m.before)?,
                after: serde_json::from_str(&m.after)?,
            })
        })
    }
}
