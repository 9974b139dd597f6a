//! `/organisations`: the tenants, public reference data.

use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use samverkan_domain::OrgId;
use samverkan_store::Store;

use super::ApiTags;
use crate::problem::ApiError;
use crate::views::OrganisationView;

/// Organisations API.
pub struct OrganisationsApi {
    /// The store.
    pub store: Store,
}

/// One organisation.
#[derive(ApiResponse)]
pub enum OrganisationResponse {
    /// The organisation.
    #[oai(status = 200)]
    Ok(Json<OrganisationView>),
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Organisations")]
impl OrganisationsApi {
    /// List all organisations: Skåne's 33 municipalities and the regional bodies.
    #[oai(
        path = "/organisations",
        method = "get",
        operation_id = "list_organisations"
    )]
    async fn list(&self) -> Result<Json<Vec<OrganisationView>>, ApiError> {
        let orgs = self.store.list_organisations().await?;
        Ok(Json(orgs.into_iter().map(OrganisationView::from).collect()))
    }

    /// Read one organisation by SCB code (e.g. `1280`) or slug (e.g. `region-skane`).
    #[oai(
        path = "/organisations/:id",
        method = "get",
        operation_id = "get_organisation"
    )]
    async fn get(&self, id: Path<String>) -> Result<OrganisationResponse, ApiError> {
        // An id that cannot exist is simply not found.
        let id = OrgId::parse(&id.0).map_err(|_| ApiError::not_found())?;
        let org = self.store.get_organisation(&id).await?;
        Ok(OrganisationResponse::Ok(Json(org.into())))
    }
}
