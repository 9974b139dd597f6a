//! Signing keys of one external issuer: found through its discovery document, cached by
//! key id, and refreshed when a token names a key id not seen before (key rotation),
//! at most once per refresh interval so bogus key ids cannot flood the issuer.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::JwkSet;
use serde::Deserialize;
use tokio::sync::{Mutex, RwLock};

use crate::config::IssuerConfig;
use crate::verifier::AuthError;

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

/// Cached keys of one issuer.
pub(crate) struct IssuerKeys {
    pub config: IssuerConfig,
    http: reqwest::Client,
    timing: KeyTiming,
    keys: RwLock<HashMap<String, DecodingKey>>,
    /// When the keys were last fetched (successfully or not).
    last_fetch: Mutex<Option<Instant>>,
}

/// How often keys are fetched.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyTiming {
    /// Never fetch more often than this, whatever tokens arrive.
    pub min_interval: Duration,
    /// Fetch again once the cached keys are this old, so keys the issuer withdrew
    /// (e.g. after a compromise) stop being trusted without a restart.
    pub max_age: Duration,
}

impl IssuerKeys {
    pub fn new(config: IssuerConfig, http: reqwest::Client, timing: KeyTiming) -> Self {
        Self {
            config,
            http,
            timing,
            keys: RwLock::new(HashMap::new()),
            last_fetch: Mutex::new(None),
        }
    }

    /// The key with id `kid`, fetching the issuer's JWKS if it is not cached.
    pub async fn key(&self, kid: &str) -> Result<DecodingKey, AuthError> {
        let stale = self
            .last_fetch
            .lock()
            .await
            .is_none_or(|t| t.elapsed() >= self.timing.max_age);
        if !stale && let Some(key) = self.keys.read().await.get(kid) {
            return Ok(key.clone());
        }
        self.refresh().await?;
        self.keys
            .read()
            .await
            .get(kid)
            .cloned()
            .ok_or_else(|| AuthError::Invalid(format!("unknown signing key id `{kid}`")))
    }

    async fn refresh(&self) -> Result<(), AuthError> {
        let mut last = self.last_fetch.lock().await;
        if last.is_some_and(|t| t.elapsed() < self.timing.min_interval) {
            return Ok(());
        }
        *last = Some(Instant::now());
        let keys = self.fetch().await?;
        *self.keys.write().await = keys;
        Ok(())
    }

    async fn fetch(&self) -> Result<HashMap<String, DecodingKey>, AuthError> {
        let issuer = self.config.issuer.trim_end_matches('/');
        let url = format!("{issuer}/.well-known/openid-configuration");
        let discovery: Discovery = self.get_json(&url).await?;
        if discovery.issuer.trim_end_matches('/') != issuer {
            return Err(AuthError::Unavailable(format!(
                "discovery document at {url} names issuer {} instead",
                discovery.issuer
            )));
        }
        let set: JwkSet = self.get_json(&discovery.jwks_uri).await?;
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            let Some(kid) = &jwk.common.key_id else {
                continue;
            };
            match DecodingKey::from_jwk(jwk) {
                Ok(key) => {
                    keys.insert(kid.clone(), key);
                }
                Err(e) => tracing::warn!(kid, error = %e, "skipping unusable key in JWKS"),
            }
        }
        tracing::info!(issuer, keys = keys.len(), "fetched signing keys");
        Ok(keys)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, AuthError> {
        let fail = |e: reqwest::Error| AuthError::Unavailable(format!("{url}: {e}"));
        self.http
            .get(url)
            .send()
            .await
            .map_err(fail)?
            .error_for_status()
            .map_err(fail)?
            .json()
            .await
            .map_err(fail)
    }
}
