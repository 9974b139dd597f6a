//! Bearer-token authentication: validates OAuth2/OpenID Connect access tokens (JWT) from
//! configured issuers, and mints tokens from a local development issuer so a newcomer can
//! try everything without an identity provider.
//!
//! The organisation and roles of a caller come only from a validated token's claims,
//! mapped through configuration.

mod claims;
mod config;
mod dev;
mod jwks;
mod verifier;

pub use config::{AuthConfig, ClaimMapping, IssuerConfig};
pub use dev::DevIssuer;
pub use verifier::{AuthError, Verifier};
