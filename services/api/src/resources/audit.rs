//! `/audit`: the log of every write, for the regional coordinator.

use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use samverkan_store::{AuditFilter, Store};

use super::{ApiTags, org_param, page};
use crate::auth::BearerAuth;
use crate::problem::ApiError;
use crate::views::{AuditEventView, AuditPage};

/// Audit API.
pub struct AuditApi {
    /// The store.
    pub store: Store,
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Audit")]
impl AuditApi {
    /// Read the audit log, newest first (coordinator only).
    #[oai(path = "/audit", method = "get", operation_id = "list_audit_events")]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Only writes to records of this organisation.
        org: Query<Option<String>>,
        /// Only this entity type: `need`, `strategy`, `solution` or `adoption`.
        entity_type: Query<Option<String>>,
        /// Only this record id.
        entity_id: Query<Option<String>>,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// `next_cursor` from the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<AuditPage>, ApiError> {
        let filter = AuditFilter {
            org: org_param("org", org.0)?,
            entity_type: entity_type.0,
            entity_id: entity_id.0,
        };
        let events = self
            .store
            .list_audit(&auth.0, &filter, &page(limit.0, cursor.0))
            .await?;
        Ok(Json(AuditPage {
            items: events.items.into_iter().map(AuditEventView::from).collect(),
            next_cursor: events.next_cursor,
        }))
    }
}
