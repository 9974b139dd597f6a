//! `/procurements/{id}/participants`: who takes part in a joint procurement. The
//! managing organisation invites; each organisation answers and updates only its own.

use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use samverkan_domain::procurement::ParticipationInput;
use samverkan_domain::{Caller, OrgId};
use samverkan_store::{Store, today};
use uuid::Uuid;

use super::{ApiTags, Deleted, entity_response, org_param};
use crate::auth::{BearerAuth, OptionalAuth};
use crate::body::JsonBody;
use crate::etag::{self, etag};
use crate::problem::ApiError;
use crate::procurement::ParticipantView;

entity_response!(ParticipantResponse, ParticipantCreated, ParticipantView);

/// Participants API.
pub struct ParticipantsApi {
    /// The store.
    pub store: Store,
}

/// The organisation a request names: the path's, checked against the body's if given.
fn path_org(path: String, body: Option<&str>) -> Result<OrgId, ApiError> {
    let org = org_param("org", Some(path))?.ok_or_else(ApiError::not_found)?;
    match body {
        Some(given) if given != org.as_str() => Err(ApiError::field(
            "organisation_id",
            "must be left out or equal the organisation in the path",
        )),
        _ => Ok(org),
    }
}

/// The organisation to add: the body's, or the caller's own.
fn org_to_add(caller: &Caller, body: Option<String>) -> Result<OrgId, ApiError> {
    match org_param("organisation_id", body)? {
        Some(org) => Ok(org),
        None => caller.org.clone().ok_or_else(|| {
            ApiError::field(
                "organisation_id",
                "is required when you act for no organisation",
            )
        }),
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Procurements")]
impl ParticipantsApi {
    /// List the participants of a procurement you may see.
    #[oai(
        path = "/procurements/:id/participants",
        method = "get",
        operation_id = "list_participants"
    )]
    async fn list(
        &self,
        auth: OptionalAuth,
        id: Path<Uuid>,
    ) -> Result<Json<Vec<ParticipantView>>, ApiError> {
        let caller = auth.caller();
        let p = self.store.get_procurement(&caller, id.0).await?;
        Ok(Json(
            p.participants
                .into_iter()
                .map(|x| ParticipantView::of(x, &caller))
                .collect(),
        ))
    }

    /// Add a participant: the managing organisation invites another organisation
    /// (`invited`, with a note at most), or a procurement officer registers their own
    /// organisation (`interested` or `mandate_signed`).
    #[oai(
        path = "/procurements/:id/participants",
        method = "post",
        operation_id = "add_participant"
    )]
    async fn add(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: JsonBody<ParticipationInput>,
    ) -> Result<ParticipantCreated, ApiError> {
        let org = org_to_add(&auth.0, body.0.organisation_id.clone())?;
        let fields = body.0.validate()?;
        let added = self
            .store
            .add_participant(&auth.0, id.0, org, fields, today())
            .await?;
        let location = format!(
            "/api/v1/procurements/{}/participants/{}",
            id.0, added.org_id
        );
        let tag = etag(added.version);
        Ok(ParticipantCreated::Created(
            Json(ParticipantView::of(added, &auth.0)),
            tag,
            location,
        ))
    }

    /// Read one organisation's participation.
    #[oai(
        path = "/procurements/:id/participants/:org",
        method = "get",
        operation_id = "get_participant"
    )]
    async fn get(
        &self,
        auth: OptionalAuth,
        id: Path<Uuid>,
        org: Path<String>,
    ) -> Result<ParticipantResponse, ApiError> {
        let caller = auth.caller();
        let org = path_org(org.0, None)?;
        let found = self.store.get_participant(&caller, id.0, &org).await?;
        let tag = etag(found.version);
        Ok(ParticipantResponse::Ok(
            Json(ParticipantView::of(found, &caller)),
            tag,
        ))
    }

    /// Change your organisation's participation: answer an invitation, sign the mandate,
    /// give your volume, or withdraw. Send `If-Match` with the ETag you read.
    #[oai(
        path = "/procurements/:id/participants/:org",
        method = "put",
        operation_id = "replace_participant"
    )]
    async fn replace(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        org: Path<String>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
        body: JsonBody<ParticipationInput>,
    ) -> Result<ParticipantResponse, ApiError> {
        let org = path_org(org.0, body.0.organisation_id.as_deref())?;
        let version = etag::required(if_match.0.as_deref())?;
        let fields = body.0.validate()?;
        let updated = self
            .store
            .replace_participant(&auth.0, id.0, &org, version, fields, today())
            .await?;
        let tag = etag(updated.version);
        Ok(ParticipantResponse::Ok(
            Json(ParticipantView::of(updated, &auth.0)),
            tag,
        ))
    }

    /// Remove an unanswered invitation (managing organisation). Organisations that have
    /// answered withdraw themselves instead.
    #[oai(
        path = "/procurements/:id/participants/:org",
        method = "delete",
        operation_id = "remove_invitation"
    )]
    async fn remove(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        org: Path<String>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
    ) -> Result<Deleted, ApiError> {
        let org = path_org(org.0, None)?;
        let version = etag::optional(if_match.0.as_deref())?;
        self.store
            .remove_invitation(&auth.0, id.0, &org, version)
            .await?;
        Ok(Deleted::NoContent)
    }
}
