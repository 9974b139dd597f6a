//! One OpenAPI struct per resource; handlers authenticate, call one store function and
//! map the result.

pub mod audit;
pub mod health;
pub mod matches;
pub mod needs;
pub mod organisations;
pub mod participants;
pub mod procurements;
pub mod search;
pub mod solutions;
pub mod strategies;

use poem_openapi::{ApiResponse, Tags};
use samverkan_domain::OrgId;
use samverkan_store::PageRequest;

use crate::problem::ApiError;

/// Groups of operations in the API document.
#[derive(Tags)]
pub enum ApiTags {
    /// Municipalities and regional bodies (public reference data).
    Organisations,
    /// Needs (behov) registered by municipalities.
    Needs,
    /// Digital strategies and their goals.
    Strategies,
    /// The catalog of reusable solutions and their adoptions.
    Solutions,
    /// Full-text search over the catalog, with facets.
    Search,
    /// Matchmaking: shared needs, existing solutions, proposed groups.
    Matchmaking,
    /// Joint procurements (samordnad upphandling): stages, participants, exports.
    Procurements,
    /// The audit log of every write (coordinator only).
    Audit,
    /// Service health.
    Health,
}

/// Defines the responses of operations returning one versioned record with its ETag:
/// `$read` (200) for reads and updates, `$created` (201 with `Location`) for creates.
macro_rules! entity_response {
    ($read:ident, $created:ident, $view:ty) => {
        #[doc = concat!("One `", stringify!($view), "` with its ETag.")]
        #[derive(poem_openapi::ApiResponse)]
        pub enum $read {
            /// The record.
            #[oai(status = 200)]
            Ok(
                poem_openapi::payload::Json<$view>,
                #[oai(header = "ETag")] String,
            ),
        }

        #[doc = concat!("A new `", stringify!($view), "`, its ETag and URL.")]
        #[derive(poem_openapi::ApiResponse)]
        pub enum $created {
            /// Created; `Location` is its URL.
            #[oai(status = 201)]
            Created(
                poem_openapi::payload::Json<$view>,
                #[oai(header = "ETag")] String,
                #[oai(header = "Location")] String,
            ),
        }
    };
}
pub(crate) use entity_response;

/// The response of a successful delete.
#[derive(ApiResponse)]
pub enum Deleted {
    /// Deleted.
    #[oai(status = 204)]
    NoContent,
}

/// Builds the page request from query parameters.
pub(crate) fn page(limit: Option<u64>, cursor: Option<String>) -> PageRequest {
    PageRequest { limit, cursor }
}

/// Parses an organisation id given as a query or path parameter.
pub(crate) fn org_param(field: &str, raw: Option<String>) -> Result<Option<OrgId>, ApiError> {
    raw.map(|r| OrgId::parse(&r).map_err(|e| ApiError::field(field, e.0[0].message.clone())))
        .transpose()
}
