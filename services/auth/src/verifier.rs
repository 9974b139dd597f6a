//! Verifies bearer tokens and turns them into callers.

use std::str::FromStr;
use std::time::Duration;

use jsonwebtoken::dangerous::insecure_decode;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use samverkan_domain::Caller;
use serde_json::Value;

use crate::claims::caller_from;
use crate::config::{AuthConfig, ClaimMapping};
use crate::dev::{DEV_AUDIENCE, DEV_ISSUER, DevIssuer};
use crate::jwks::{IssuerKeys, KeyTiming};

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Malformed, badly signed, expired, or for someone else: the client's fault (401).
    #[error("invalid token: {0}")]
    Invalid(String),
    /// Valid, but its claims do not describe a caller this service knows (401).
    #[error("token claims not usable: {0}")]
    Claims(String),
    /// The issuer's keys could not be fetched: our or the issuer's fault (503).
    #[error("identity provider unavailable: {0}")]
    Unavailable(String),
    /// The authentication configuration is unusable (found at start).
    #[error("authentication configuration: {0}")]
    Config(String),
}

/// Validates tokens against the configured issuers.
pub struct Verifier {
    issuers: Vec<IssuerKeys>,
    dev: Option<DevIssuer>,
    leeway: u64,
}

impl Verifier {
    /// Builds a verifier; `dev` is used only when `config.dev_issuer` is on.
    pub fn new(config: &AuthConfig, dev: Option<DevIssuer>) -> Result<Self, AuthError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| AuthError::Config(e.to_string()))?;
        for issuer in &config.issuers {
            allowed_algorithms(&issuer.algorithms)?;
        }
        let timing = KeyTiming {
            min_interval: Duration::from_secs(config.jwks_refresh_interval_seconds),
            max_age: Duration::from_secs(
                config
                    .jwks_max_age_seconds
                    .max(config.jwks_refresh_interval_seconds),
            ),
        };
        Ok(Self {
            issuers: config
                .issuers
                .iter()
                .cloned()
                .map(|c| IssuerKeys::new(c, http.clone(), timing))
                .collect(),
            dev: if config.dev_issuer { dev } else { None },
            leeway: config.leeway_seconds,
        })
    }

    /// Validates `token` (signature, algorithm, issuer, audience, expiry, not-before) and
    /// returns the caller it describes.
    pub async fn verify(&self, token: &str) -> Result<Caller, AuthError> {
        let header =
            decode_header(token).map_err(|e| AuthError::Invalid(format!("header: {e}")))?;
        let unverified =
            insecure_decode::<Value>(token).map_err(|e| AuthError::Invalid(e.to_string()))?;
        let iss = unverified
            .claims
            .get("iss")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if iss == DEV_ISSUER {
            let dev = self.dev.as_ref().ok_or_else(|| {
                AuthError::Invalid("development tokens are not accepted here".into())
            })?;
            let mut validation = self.validation(vec![Algorithm::HS256], DEV_ISSUER, DEV_AUDIENCE);
            validation.validate_nbf = true;
            let claims = check(token, &DecodingKey::from_secret(dev.secret()), &validation)?;
            return caller_from(&claims, &ClaimMapping::default());
        }
        let issuer = self
            .issuers
            .iter()
            .find(|i| i.config.issuer.trim_end_matches('/') == iss.trim_end_matches('/'))
            .ok_or_else(|| AuthError::Invalid(format!("untrusted issuer `{iss}`")))?;
        let algorithms = allowed_algorithms(&issuer.config.algorithms)?;
        if !algorithms.contains(&header.alg) {
            return Err(AuthError::Invalid(format!(
                "algorithm {:?} is not accepted",
                header.alg
            )));
        }
        let kid = header
            .kid
            .ok_or_else(|| AuthError::Invalid("token names no key id (kid)".into()))?;
        let key = issuer.key(&kid).await?;
        let validation = self.validation(
            vec![header.alg],
            &issuer.config.issuer,
            &issuer.config.audience,
        );
        let claims = check(token, &key, &validation)?;
        caller_from(&claims, &issuer.config.claims)
    }

    fn validation(&self, algorithms: Vec<Algorithm>, issuer: &str, audience: &str) -> Validation {
        let mut validation = Validation::new(algorithms[0]);
        validation.algorithms = algorithms;
        validation.leeway = self.leeway;
        validation.validate_nbf = true;
        validation.set_issuer(&[issuer, issuer.trim_end_matches('/')]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation
    }
}

fn check(token: &str, key: &DecodingKey, validation: &Validation) -> Result<Value, AuthError> {
    decode::<Value>(token, key, validation)
        .map(|data| data.claims)
        .map_err(|e| AuthError::Invalid(e.to_string()))
}

/// Parses configured algorithm names, refusing symmetric ones for external issuers: with
/// HS256 the "public" key would be a shared secret anyone holding the JWKS could sign with.
fn allowed_algorithms(names: &[String]) -> Result<Vec<Algorithm>, AuthError> {
    names
        .iter()
        .map(|name| {
            let alg = Algorithm::from_str(name)
                .map_err(|_| AuthError::Config(format!("unknown algorithm {name}")))?;
            if matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) {
                return Err(AuthError::Config(format!(
                    "symmetric algorithm {name} is not allowed for external issuers"
                )));
            }
            Ok(alg)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use samverkan_domain::{OrgId, Role};

    fn verifier(dev: &DevIssuer) -> Verifier {
        let config = AuthConfig {
            dev_issuer: true,
            ..Default::default()
        };
        Verifier::new(&config, Some(dev.clone())).unwrap()
    }

    #[tokio::test]
    async fn dev_tokens_round_trip() {
        let dev = DevIssuer::from_secret(b"0123456789abcdef0123456789abcdef".to_vec());
        let token = dev.mint(
            "anna",
            &OrgId::parse("1280").unwrap(),
            &[Role::Strategist],
            60,
        );
        let caller = verifier(&dev).verify(&token).await.unwrap();
        assert_eq!(caller.org.as_ref().unwrap().as_str(), "1280");
        assert!(caller.has(Role::Strategist));
    }

    #[tokio::test]
    async fn tampered_unsigned_and_foreign_tokens_are_refused() {
        let dev = DevIssuer::from_secret(b"0123456789abcdef0123456789abcdef".to_vec());
        let token = dev.mint(
            "anna",
            &OrgId::parse("1280").unwrap(),
            &[Role::Strategist],
            60,
        );
        let v = verifier(&dev);
        // Tampered payload: claim another organisation.
        let parts: Vec<&str> = token.split('.').collect();
        let mut payload: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        payload["org"] = "1281".into();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(payload.to_string()),
            parts[2]
        );
        assert!(v.verify(&forged).await.is_err());
        // alg: none with no signature.
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            parts[1]
        );
        assert!(v.verify(&none).await.is_err());
        // Signed with another secret.
        let other = DevIssuer::from_secret(b"another-secret-another-secret-00".to_vec());
        let foreign = other.mint(
            "anna",
            &OrgId::parse("1280").unwrap(),
            &[Role::Strategist],
            60,
        );
        assert!(v.verify(&foreign).await.is_err());
    }

    #[tokio::test]
    async fn dev_tokens_are_refused_when_dev_issuer_is_off() {
        let dev = DevIssuer::from_secret(b"0123456789abcdef0123456789abcdef".to_vec());
        let token = dev.mint(
            "anna",
            &OrgId::parse("1280").unwrap(),
            &[Role::Strategist],
            60,
        );
        let off = Verifier::new(&AuthConfig::default(), Some(dev)).unwrap();
        assert!(off.verify(&token).await.is_err());
    }

    #[test]
    fn symmetric_algorithms_are_refused_for_external_issuers() {
        assert!(allowed_algorithms(&["HS256".into()]).is_err());
        assert_eq!(
            allowed_algorithms(&["RS256".into()]).unwrap(),
            vec![Algorithm::RS256]
        );
    }
}
