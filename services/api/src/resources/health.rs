//! `/healthz`: liveness and database reachability, for load balancers and operators.

use poem_openapi::payload::PlainText;
use poem_openapi::{ApiResponse, OpenApi};
use samverkan_store::Store;

use super::ApiTags;

/// Health API.
pub struct HealthApi {
    /// The store.
    pub store: Store,
}

/// Health check result.
#[derive(ApiResponse)]
pub enum Health {
    /// The service and its database answer.
    #[oai(status = 200)]
    Ok(PlainText<String>),
    /// The database does not answer.
    #[oai(status = 503)]
    Unavailable(PlainText<String>),
}

#[OpenApi(tag = "ApiTags::Health")]
impl HealthApi {
    /// Is the process alive? Answers without touching the database (liveness probe; the
    /// benchmarks also use it as the trivial baseline).
    #[oai(path = "/livez", method = "get", operation_id = "liveness")]
    async fn liveness(&self) -> PlainText<&'static str> {
        PlainText("ok")
    }

    /// Is the service ready: up, and its database reachable (readiness probe)? The body
    /// also says how many changes wait for the search index, so a stuck indexer shows
    /// (it does not make the service unready: reads and writes still work).
    #[oai(path = "/healthz", method = "get", operation_id = "health")]
    async fn health(&self) -> Health {
        match self.store.outbox_len().await {
            Ok(backlog) => Health::Ok(PlainText(format!("ok\nsearch backlog: {backlog}"))),
            Err(e) => {
                tracing::error!(error = %e, "health check failed");
                Health::Unavailable(PlainText("database unavailable".into()))
            }
        }
    }
}
