//! Samverkan's HTTP API: poem-openapi operations, one struct per resource, a thin layer
//! that authenticates, parses into domain types, calls the store and maps the result.

// Every operation returns `Result<_, ApiError>`; an error is built at most once per
// request, so its size on the stack is no concern and boxing would only add noise.
#![allow(clippy::result_large_err)]

mod auth;
mod body;
mod cache;
mod etag;
mod limit;
mod problem;
pub mod procurement;
mod ranked;
pub mod resources;
mod views;

use std::collections::HashSet;
use std::sync::Arc;

use poem::http::Method;
use poem::middleware::{Cors, Tracing};
use poem::{Endpoint, EndpointExt, Route};
use poem_openapi::OpenApiService;
use samverkan_auth::Verifier;
use samverkan_domain::OrgId;
use samverkan_search::SearchIndex;
use samverkan_store::Store;

pub use auth::Authenticate;
pub use problem::{PROBLEM_JSON, Problem};

pub use procurement::ProcurementSettings;
use resources::{
    audit::AuditApi, health::HealthApi, matches::MatchesApi, needs::NeedsApi,
    organisations::OrganisationsApi, participants::ParticipantsApi, procurements::ProcurementsApi,
    search::SearchApi, solutions::SolutionsApi, strategies::StrategiesApi,
};

/// The largest request body accepted (256 KiB): far above any real record, small enough
/// that a flood of large bodies cannot exhaust memory.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The API title in the OpenAPI document.
const TITLE: &str = "Samverkan API";

type Apis = (
    HealthApi,
    OrganisationsApi,
    NeedsApi,
    StrategiesApi,
    SolutionsApi,
    SearchApi,
    MatchesApi,
    ProcurementsApi,
    ParticipantsApi,
    AuditApi,
);

fn service(
    store: &Store,
    search: Arc<dyn SearchIndex>,
    matches: Arc<samverkan_matchmaking::Snapshot>,
    procurement: Arc<ProcurementSettings>,
    server_url: Option<&str>,
) -> OpenApiService<Apis, ()> {
    let apis = (
        HealthApi {
            store: store.clone(),
        },
        OrganisationsApi {
            store: store.clone(),
        },
        NeedsApi {
            store: store.clone(),
        },
        StrategiesApi {
            store: store.clone(),
        },
        SolutionsApi {
            store: store.clone(),
        },
        SearchApi { index: search },
        MatchesApi {
            store: store.clone(),
            snapshot: matches,
        },
        ProcurementsApi {
            store: store.clone(),
            settings: procurement,
        },
        ParticipantsApi {
            store: store.clone(),
        },
        AuditApi {
            store: store.clone(),
        },
    );
    let service = OpenApiService::new(apis, TITLE, env!("CARGO_PKG_VERSION")).description(
        "Skåne's collaboration registry and reuse catalog: needs, digital strategies and reusable \
         solutions of the 33 municipalities, for samverkan and samutveckling. Reads of public \
         records need no token; writes need a bearer token from a trusted OpenID Connect issuer. \
         Errors are RFC 9457 problem details.",
    );
    match server_url {
        Some(url) => service.server(url),
        None => service,
    }
}

/// The OpenAPI document (JSON), deterministic for a given build: the artefact checked in
/// under `openapi/`.
pub async fn openapi_json() -> String {
    // The document does not depend on the database; an in-memory SQLite store stands in.
    let store = Store::connect("sqlite::memory:", 1)
        .await
        .expect("in-memory SQLite opens");
    // Nor on the search backend; an empty in-memory index stands in.
    let search =
        samverkan_search::embedded::EmbeddedIndex::in_memory().expect("in-memory index opens");
    let settings = ProcurementSettings::for_documentation();
    service(
        &store,
        Arc::new(search),
        Default::default(),
        Arc::new(settings),
        None,
    )
    .spec()
}

/// Browsers on other sites (other regions' catalogs, dashboards) may call the API; tokens
/// travel in the Authorization header, never in cookies, so no credentials are allowed.
fn cors() -> Cors {
    Cors::new()
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers(["authorization", "content-type", "if-match"])
        .expose_headers(["etag", "location"])
        .allow_credentials(false)
        .max_age(3600)
}

/// The whole HTTP application: API, documentation UI at `/docs`, spec at `/openapi.json`.
pub fn app(
    store: Store,
    search: Arc<dyn SearchIndex>,
    matches: Arc<samverkan_matchmaking::Snapshot>,
    verifier: Arc<Verifier>,
    procurement: ProcurementSettings,
    tenants: HashSet<OrgId>,
    read_cache_ttl: std::time::Duration,
) -> impl Endpoint {
    let cache = cache::ReadCache::new(store.clone(), read_cache_ttl);
    let api = service(&store, search, matches, Arc::new(procurement), Some("/"));
    let docs = api.swagger_ui();
    let spec = api.spec_endpoint();
    Route::new()
        .nest("/", api)
        .nest("/docs", docs)
        .at("/openapi.json", spec)
        .with(cache)
        .with(Authenticate::new(verifier, tenants))
        .with(limit::BodyLimit::new(MAX_BODY_BYTES))
        .catch_all_error(problem::to_problem)
        .with(cors())
        .with(Tracing)
}
