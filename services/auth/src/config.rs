//! Authentication settings: which issuers to trust and how their claims map to callers.

use serde::{Deserialize, Serialize};

/// How token claims map to the caller's organisation and roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClaimMapping {
    /// Claim holding the organisation id (an SCB code or slug). Dotted paths reach nested
    /// claims, e.g. `samverkan.org`.
    pub org_claim: String,
    /// Claim holding the roles: an array of strings or a space-separated string. Dotted
    /// paths reach nested claims, e.g. `realm_access.roles` for Keycloak.
    pub roles_claim: String,
}

impl Default for ClaimMapping {
    fn default() -> Self {
        Self {
            org_claim: "org".into(),
            roles_claim: "roles".into(),
        }
    }
}

/// One trusted OpenID Connect issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuerConfig {
    /// The issuer URL; its discovery document is read from
    /// `{issuer}/.well-known/openid-configuration`, and tokens' `iss` must equal it.
    pub issuer: String,
    /// The audience tokens must be issued for (`aud`), e.g. the API's resource URL.
    pub audience: String,
    /// Accepted signing algorithms. Symmetric algorithms and `none` are never accepted
    /// from an external issuer.
    #[serde(default = "default_algorithms")]
    pub algorithms: Vec<String>,
    /// How claims map to organisation and roles.
    #[serde(default)]
    pub claims: ClaimMapping,
}

fn default_algorithms() -> Vec<String> {
    ["RS256", "PS256", "ES256", "EdDSA"]
        .map(String::from)
        .to_vec()
}

/// Everything the verifier needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthConfig {
    /// External OpenID Connect issuers to trust.
    pub issuers: Vec<IssuerConfig>,
    /// Trust tokens from the local development issuer (`samverkan token`). Never enable
    /// in production: anyone with the data directory can mint tokens.
    pub dev_issuer: bool,
    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    pub leeway_seconds: u64,
    /// The shortest time between two fetches of an issuer's keys, in seconds. A token
    /// naming an unknown key id triggers a fetch (the issuer may have rotated its key),
    /// but no more often than this, so forged key ids cannot flood the issuer.
    pub jwks_refresh_interval_seconds: u64,
    /// How long fetched keys are trusted before they are fetched again, in seconds, so a
    /// key the issuer withdrew stops working without a restart.
    pub jwks_max_age_seconds: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            issuers: vec![],
            dev_issuer: false,
            leeway_seconds: 60,
            jwks_refresh_interval_seconds: 10,
            jwks_max_age_seconds: 900,
        }
    }
}
