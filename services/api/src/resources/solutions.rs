//! `/solutions`: the public catalog of reusable solutions, and adoptions of them.

use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use samverkan_domain::solution::{AdoptionInput, SolutionInput};
use samverkan_domain::vocab::{Maturity, SolutionKind, Topic};
use samverkan_store::Store;
use samverkan_store::repo::solutions::SolutionFilter;
use samverkan_store::today;
use uuid::Uuid;

use super::{ApiTags, Deleted, entity_response, org_param, page};
use crate::auth::{BearerAuth, OptionalAuth};
use crate::body::JsonBody;
use crate::etag::{self, etag};
use crate::problem::ApiError;
use crate::views::{AdoptionView, SolutionPage, SolutionView};

entity_response!(SolutionResponse, SolutionCreated, SolutionView);
entity_response!(AdoptionResponse, AdoptionCreated, AdoptionView);

/// Solutions API.
pub struct SolutionsApi {
    /// The store.
    pub store: Store,
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Solutions")]
impl SolutionsApi {
    /// Register a reusable solution your organisation owns (strategist).
    #[oai(path = "/solutions", method = "post", operation_id = "create_solution")]
    async fn create(
        &self,
        auth: BearerAuth,
        body: JsonBody<SolutionInput>,
    ) -> Result<SolutionCreated, ApiError> {
        let fields = body.0.validate()?;
        let solution = self.store.create_solution(&auth.0, fields).await?;
        let (tag, location) = (
            etag(solution.version),
            format!("/api/v1/solutions/{}", solution.id),
        );
        Ok(SolutionCreated::Created(
            Json(SolutionView::of(solution, &auth.0)),
            tag,
            location,
        ))
    }

    /// Browse the catalog. Contact persons are shown to signed-in callers only.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/solutions", method = "get", operation_id = "list_solutions")]
    async fn list(
        &self,
        auth: OptionalAuth,
        /// Only solutions owned by this organisation.
        org: Query<Option<String>>,
        /// Only this kind.
        kind: Query<Option<SolutionKind>>,
        /// Only this maturity.
        maturity: Query<Option<Maturity>>,
        /// Only solutions with this topic.
        topic: Query<Option<Topic>>,
        /// Only solutions this organisation uses or evaluates (not stopped).
        adopted_by: Query<Option<String>>,
        /// Only solutions owned by current members of this sub-region.
        subregion: Query<Option<String>>,
        /// Sort: `-created` (default), `created`, `name`, `-name`, `-updated`, `updated`.
        sort: Query<Option<String>>,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// `next_cursor` from the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<SolutionPage>, ApiError> {
        let caller = auth.caller();
        let filter = SolutionFilter {
            org: org_param("org", org.0)?,
            kind: kind.0,
            maturity: maturity.0,
            topic: topic.0,
            adopted_by: org_param("adopted_by", adopted_by.0)?,
            subregion: subregion.0,
            sort: sort.0,
        };
        let solutions = self
            .store
            .list_solutions(&filter, &page(limit.0, cursor.0))
            .await?;
        Ok(Json(SolutionPage {
            items: solutions
                .items
                .into_iter()
                .map(|s| SolutionView::of(s, &caller))
                .collect(),
            next_cursor: solutions.next_cursor,
        }))
    }

    /// Read one solution with its adoptions.
    #[oai(path = "/solutions/:id", method = "get", operation_id = "get_solution")]
    async fn get(&self, auth: OptionalAuth, id: Path<Uuid>) -> Result<SolutionResponse, ApiError> {
        let caller = auth.caller();
        let solution = self.store.get_solution(id.0).await?;
        let tag = etag(solution.version);
        Ok(SolutionResponse::Ok(
            Json(SolutionView::of(solution, &caller)),
            tag,
        ))
    }

    /// Replace a solution (its owner's strategist). Send `If-Match` with the ETag you read.
    #[oai(
        path = "/solutions/:id",
        method = "put",
        operation_id = "replace_solution"
    )]
    async fn replace(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
        body: JsonBody<SolutionInput>,
    ) -> Result<SolutionResponse, ApiError> {
        let version = etag::required(if_match.0.as_deref())?;
        let fields = body.0.validate()?;
        let solution = self
            .store
            .replace_solution(&auth.0, id.0, version, fields)
            .await?;
        let tag = etag(solution.version);
        Ok(SolutionResponse::Ok(
            Json(SolutionView::of(solution, &auth.0)),
            tag,
        ))
    }

    /// Delete a solution and its adoptions (its owner's strategist).
    #[oai(
        path = "/solutions/:id",
        method = "delete",
        operation_id = "delete_solution"
    )]
    async fn delete(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
    ) -> Result<Deleted, ApiError> {
        let version = etag::optional(if_match.0.as_deref())?;
        self.store.delete_solution(&auth.0, id.0, version).await?;
        Ok(Deleted::NoContent)
    }

    /// List who uses a solution.
    #[oai(
        path = "/solutions/:id/adoptions",
        method = "get",
        operation_id = "list_adoptions"
    )]
    async fn list_adoptions(&self, id: Path<Uuid>) -> Result<Json<Vec<AdoptionView>>, ApiError> {
        let solution = self.store.get_solution(id.0).await?;
        Ok(Json(
            solution
                .adoptions
                .into_iter()
                .map(AdoptionView::from)
                .collect(),
        ))
    }

    /// Declare that your organisation uses (or evaluates) a solution (strategist).
    #[oai(
        path = "/solutions/:id/adoptions",
        method = "post",
        operation_id = "create_adoption"
    )]
    async fn create_adoption(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: JsonBody<AdoptionInput>,
    ) -> Result<AdoptionCreated, ApiError> {
        let fields = body.0.validate(today())?;
        let adoption = self.store.create_adoption(&auth.0, id.0, fields).await?;
        let (tag, location) = (
            etag(adoption.version),
            format!(
                "/api/v1/solutions/{}/adoptions/{}",
                adoption.solution_id, adoption.org_id
            ),
        );
        Ok(AdoptionCreated::Created(
            Json(adoption.into()),
            tag,
            location,
        ))
    }

    /// Read one organisation's adoption of a solution.
    #[oai(
        path = "/solutions/:id/adoptions/:org",
        method = "get",
        operation_id = "get_adoption"
    )]
    async fn get_adoption(
        &self,
        id: Path<Uuid>,
        org: Path<String>,
    ) -> Result<AdoptionResponse, ApiError> {
        let org = org_param("org", Some(org.0))?.ok_or_else(ApiError::not_found)?;
        let adoption = self.store.get_adoption(id.0, &org).await?;
        let tag = etag(adoption.version);
        Ok(AdoptionResponse::Ok(Json(adoption.into()), tag))
    }

    /// Change your organisation's adoption. Send `If-Match` with the ETag you read.
    #[oai(
        path = "/solutions/:id/adoptions/:org",
        method = "put",
        operation_id = "replace_adoption"
    )]
    async fn replace_adoption(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        org: Path<String>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
        body: JsonBody<AdoptionInput>,
    ) -> Result<AdoptionResponse, ApiError> {
        let org = org_param("org", Some(org.0))?.ok_or_else(ApiError::not_found)?;
        let version = etag::required(if_match.0.as_deref())?;
        let fields = body.0.validate(today())?;
        let adoption = self
            .store
            .replace_adoption(&auth.0, id.0, &org, version, fields)
            .await?;
        let tag = etag(adoption.version);
        Ok(AdoptionResponse::Ok(Json(adoption.into()), tag))
    }

    /// Withdraw your organisation's adoption declaration.
    #[oai(
        path = "/solutions/:id/adoptions/:org",
        method = "delete",
        operation_id = "delete_adoption"
    )]
    async fn delete_adoption(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        org: Path<String>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
    ) -> Result<Deleted, ApiError> {
        let org = org_param("org", Some(org.0))?.ok_or_else(ApiError::not_found)?;
        let version = etag::optional(if_match.0.as_deref())?;
        self.store
            .delete_adoption(&auth.0, id.0, &org, version)
            .await?;
        Ok(Deleted::NoContent)
    }
}
