//! `/needs`: municipalities' needs, tenant-scoped.

use chrono::NaiveDate;
use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use samverkan_domain::need::NeedInput;
use samverkan_domain::vocab::{ActivityArea, CollaborationLevel, NeedStatus, Topic, Visibility};
use samverkan_store::Store;
use samverkan_store::repo::needs::NeedFilter;
use uuid::Uuid;

use super::{ApiTags, Deleted, entity_response, org_param, page};
use crate::auth::{BearerAuth, OptionalAuth};
use crate::body::JsonBody;
use crate::etag::{self, etag};
use crate::problem::ApiError;
use crate::views::{NeedPage, NeedView};

entity_response!(NeedResponse, NeedCreated, NeedView);

/// Needs API.
pub struct NeedsApi {
    /// The store.
    pub store: Store,
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Needs")]
impl NeedsApi {
    /// Register a need for your organisation (strategist).
    #[oai(path = "/needs", method = "post", operation_id = "create_need")]
    async fn create(
        &self,
        auth: BearerAuth,
        body: JsonBody<NeedInput>,
    ) -> Result<NeedCreated, ApiError> {
        let fields = body.0.validate()?;
        let need = self.store.create_need(&auth.0, fields).await?;
        let (tag, location) = (etag(need.version), format!("/api/v1/needs/{}", need.id));
        Ok(NeedCreated::Created(
            Json(NeedView::of(need, &auth.0)),
            tag,
            location,
        ))
    }

    /// List the needs you may see: public ones, your organisation's internal ones, and
    /// (for the coordinator) all. Contact persons are shown to signed-in callers only.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/needs", method = "get", operation_id = "list_needs")]
    async fn list(
        &self,
        auth: OptionalAuth,
        /// Only this organisation's needs (SCB code or slug).
        org: Query<Option<String>>,
        /// Only needs in this status.
        status: Query<Option<NeedStatus>>,
        /// Only this activity area.
        activity_area: Query<Option<ActivityArea>>,
        /// Only needs with this topic.
        topic: Query<Option<Topic>>,
        /// Only this collaboration level.
        collaboration_level: Query<Option<CollaborationLevel>>,
        /// Only this visibility.
        visibility: Query<Option<Visibility>>,
        /// Only needs of current members of this sub-region, e.g. `Skåne Nordost`.
        subregion: Query<Option<String>>,
        /// Only needs needed by this date or earlier.
        needed_before: Query<Option<NaiveDate>>,
        /// Sort: `-created` (default), `created`, `-updated`, `updated`, `title`, `-title`,
        /// `-priority`, `priority`.
        sort: Query<Option<String>>,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// `next_cursor` from the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<NeedPage>, ApiError> {
        let caller = auth.caller();
        let filter = NeedFilter {
            org: org_param("org", org.0)?,
            status: status.0,
            activity_area: activity_area.0,
            topic: topic.0,
            collaboration_level: collaboration_level.0,
            visibility: visibility.0,
            subregion: subregion.0,
            needed_before: needed_before.0,
            sort: sort.0,
        };
        let needs = self
            .store
            .list_needs(&caller, &filter, &page(limit.0, cursor.0))
            .await?;
        Ok(Json(NeedPage {
            items: needs
                .items
                .into_iter()
                .map(|n| NeedView::of(n, &caller))
                .collect(),
            next_cursor: needs.next_cursor,
        }))
    }

    /// Read one need.
    #[oai(path = "/needs/:id", method = "get", operation_id = "get_need")]
    async fn get(&self, auth: OptionalAuth, id: Path<Uuid>) -> Result<NeedResponse, ApiError> {
        let caller = auth.caller();
        let need = self.store.get_need(&caller, id.0).await?;
        let tag = etag(need.version);
        Ok(NeedResponse::Ok(Json(NeedView::of(need, &caller)), tag))
    }

    /// Replace a need (its owner's strategist). Send `If-Match` with the ETag you read.
    #[oai(path = "/needs/:id", method = "put", operation_id = "replace_need")]
    async fn replace(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
        body: JsonBody<NeedInput>,
    ) -> Result<NeedResponse, ApiError> {
        let version = etag::required(if_match.0.as_deref())?;
        let fields = body.0.validate()?;
        let need = self
            .store
            .replace_need(&auth.0, id.0, version, fields)
            .await?;
        let tag = etag(need.version);
        Ok(NeedResponse::Ok(Json(NeedView::of(need, &auth.0)), tag))
    }

    /// Delete a need (its owner's strategist); this also erases its contact person.
    /// To keep it on record but stop pursuing it, set its status to `withdrawn` instead.
    #[oai(path = "/needs/:id", method = "delete", operation_id = "delete_need")]
    async fn delete(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
    ) -> Result<Deleted, ApiError> {
        let version = etag::optional(if_match.0.as_deref())?;
        self.store.delete_need(&auth.0, id.0, version).await?;
        Ok(Deleted::NoContent)
    }
}
