//! `/strategies`: municipalities' digital strategies and goals (public records).

use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use samverkan_domain::strategy::StrategyInput;
use samverkan_domain::vocab::StrategyStatus;
use samverkan_store::Store;
use samverkan_store::repo::strategies::StrategyFilter;
use uuid::Uuid;

use super::{ApiTags, Deleted, entity_response, org_param, page};
use crate::auth::BearerAuth;
use crate::body::JsonBody;
use crate::etag::{self, etag};
use crate::problem::ApiError;
use crate::views::{StrategyPage, StrategyView};

entity_response!(StrategyResponse, StrategyCreated, StrategyView);

/// Strategies API.
pub struct StrategiesApi {
    /// The store.
    pub store: Store,
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Strategies")]
impl StrategiesApi {
    /// Register your organisation's digital strategy (strategist).
    #[oai(
        path = "/strategies",
        method = "post",
        operation_id = "create_strategy"
    )]
    async fn create(
        &self,
        auth: BearerAuth,
        body: JsonBody<StrategyInput>,
    ) -> Result<StrategyCreated, ApiError> {
        let fields = body.0.validate()?;
        let strategy = self.store.create_strategy(&auth.0, fields).await?;
        let (tag, location) = (
            etag(strategy.version),
            format!("/api/v1/strategies/{}", strategy.id),
        );
        Ok(StrategyCreated::Created(
            Json(strategy.into()),
            tag,
            location,
        ))
    }

    /// List strategies, newest first.
    #[oai(path = "/strategies", method = "get", operation_id = "list_strategies")]
    async fn list(
        &self,
        /// Only this organisation's strategies.
        org: Query<Option<String>>,
        /// Only strategies in this status.
        status: Query<Option<StrategyStatus>>,
        /// Sort: `-created` (default) or `created`.
        sort: Query<Option<String>>,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// `next_cursor` from the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<StrategyPage>, ApiError> {
        let filter = StrategyFilter {
            org: org_param("org", org.0)?,
            status: status.0,
        };
        let strategies = self
            .store
            .list_strategies(&filter, sort.0.as_deref(), &page(limit.0, cursor.0))
            .await?;
        Ok(Json(StrategyPage {
            items: strategies
                .items
                .into_iter()
                .map(StrategyView::from)
                .collect(),
            next_cursor: strategies.next_cursor,
        }))
    }

    /// Read one strategy with its goals.
    #[oai(
        path = "/strategies/:id",
        method = "get",
        operation_id = "get_strategy"
    )]
    async fn get(&self, id: Path<Uuid>) -> Result<StrategyResponse, ApiError> {
        let strategy = self.store.get_strategy(id.0).await?;
        let tag = etag(strategy.version);
        Ok(StrategyResponse::Ok(Json(strategy.into()), tag))
    }

    /// Replace a strategy (its owner's strategist). Send goals back with their `id` to keep
    /// them; goals left out are removed. Send `If-Match` with the ETag you read.
    #[oai(
        path = "/strategies/:id",
        method = "put",
        operation_id = "replace_strategy"
    )]
    async fn replace(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
        body: JsonBody<StrategyInput>,
    ) -> Result<StrategyResponse, ApiError> {
        let version = etag::required(if_match.0.as_deref())?;
        let fields = body.0.validate()?;
        let strategy = self
            .store
            .replace_strategy(&auth.0, id.0, version, fields)
            .await?;
        let tag = etag(strategy.version);
        Ok(StrategyResponse::Ok(Json(strategy.into()), tag))
    }

    /// Delete a strategy (its owner's strategist); needs stop referencing its goals.
    #[oai(
        path = "/strategies/:id",
        method = "delete",
        operation_id = "delete_strategy"
    )]
    async fn delete(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
    ) -> Result<Deleted, ApiError> {
        let version = etag::optional(if_match.0.as_deref())?;
        self.store.delete_strategy(&auth.0, id.0, version).await?;
        Ok(Deleted::NoContent)
    }
}
