//! Authentication at the HTTP edge: a middleware validates any bearer token once and
//! stores the resulting [`Caller`]; operations declare in the OpenAPI document whether
//! they need a token, and read the caller from the request.

use std::collections::HashSet;
use std::sync::Arc;

use poem::http::header::AUTHORIZATION;
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;
use samverkan_auth::{AuthError, Verifier};
use samverkan_domain::{Caller, OrgId};

use crate::problem::{ApiError, Problem};

/// Validates bearer tokens and attaches the caller to each request.
#[derive(Clone)]
pub struct Authenticate {
    verifier: Arc<Verifier>,
    tenants: Arc<HashSet<OrgId>>,
}

impl Authenticate {
    /// Trusts `verifier`'s issuers, and accepts only organisations in `tenants`.
    pub fn new(verifier: Arc<Verifier>, tenants: HashSet<OrgId>) -> Self {
        Self {
            verifier,
            tenants: Arc::new(tenants),
        }
    }
}

impl<E: Endpoint> Middleware<E> for Authenticate {
    type Output = AuthenticateEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        AuthenticateEndpoint {
            inner,
            config: self.clone(),
        }
    }
}

/// The endpoint [`Authenticate`] wraps.
pub struct AuthenticateEndpoint<E> {
    inner: E,
    config: Authenticate,
}

impl<E: Endpoint> Endpoint for AuthenticateEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let caller = match req.headers().get(AUTHORIZATION) {
            None => Caller::anonymous(),
            Some(value) => match self.caller(value.to_str().unwrap_or_default()).await {
                Ok(caller) => caller,
                Err(err) => return Ok(err.into_response()),
            },
        };
        req.extensions_mut().insert(caller);
        self.inner.call(req).await.map(IntoResponse::into_response)
    }
}

impl<E> AuthenticateEndpoint<E> {
    async fn caller(&self, header: &str) -> Result<Caller, ApiError> {
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(|| {
                ApiError::unauthorized("the Authorization header must be `Bearer <token>`")
            })?;
        let caller = self
            .config
            .verifier
            .verify(token.trim())
            .await
            .map_err(|err| match err {
                AuthError::Unavailable(why) => {
                    tracing::warn!(%why, "identity provider unavailable");
                    ApiError::Unavailable(poem_openapi::payload::Json(Problem::new(
                        poem::http::StatusCode::SERVICE_UNAVAILABLE,
                        "the identity provider could not be reached; try again shortly",
                    )))
                }
                other => {
                    tracing::info!(error = %other, "refused token");
                    ApiError::unauthorized(other.to_string())
                }
            })?;
        match &caller.org {
            Some(org) if self.config.tenants.contains(org) => Ok(caller),
            _ => Err(ApiError::unauthorized(
                "the token's organisation is not a tenant of this registry",
            )),
        }
    }
}

/// A bearer token (OAuth2/OIDC access token, JWT) is required.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "signed_in")]
pub struct BearerAuth(pub Caller);

/// A bearer token is optional: without one, the caller is anonymous and sees public
/// records only, without personal data.
#[derive(SecurityScheme)]
pub enum OptionalAuth {
    /// Signed in.
    Bearer(BearerAuth),
    /// Anonymous.
    #[oai(fallback)]
    Anonymous,
}

impl OptionalAuth {
    /// The caller, anonymous when no token was sent.
    pub fn caller(self) -> Caller {
        match self {
            OptionalAuth::Bearer(BearerAuth(caller)) => caller,
            OptionalAuth::Anonymous => Caller::anonymous(),
        }
    }
}

/// The token was already validated by [`Authenticate`]; this only fetches the caller.
async fn signed_in(req: &Request, _bearer: Bearer) -> Option<Caller> {
    req.extensions()
        .get::<Caller>()
        .filter(|c| !c.is_anonymous())
        .cloned()
}
