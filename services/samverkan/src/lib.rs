//! The `samverkan` service: configuration, wiring of store, authentication and API, and
//! the command-line tasks (serve, migrate, openapi, token).

pub mod config;
pub mod demo;

use std::collections::HashSet;
use std::sync::Arc;

use anyhow::Context;
use poem::Endpoint;
use samverkan_auth::{DevIssuer, Verifier};
use samverkan_store::Store;

pub use config::Config;

/// Opens the configured database and applies migrations.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    if config.database.url.is_empty() {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
    }
    let url = config.database_url();
    let store = Store::connect(&url, config.database.max_connections)
        .await
        .with_context(|| format!("connecting to {}", config::redact_password(&url)))?;
    store.migrate().await.context("applying migrations")?;
    tracing::info!(database = %config::redact_password(&url), "database ready");
    Ok(store)
}

/// The development issuer of this data directory (its secret is created on first use).
pub fn dev_issuer(config: &Config) -> anyhow::Result<DevIssuer> {
    let path = config.dev_secret_path();
    DevIssuer::load_or_create(&path)
        .with_context(|| format!("development issuer secret {}", path.display()))
}

/// Builds the HTTP application over an opened store.
pub async fn build_app(config: &Config, store: Store) -> anyhow::Result<impl Endpoint + use<>> {
    let dev = if config.auth.dev_issuer {
        Some(dev_issuer(config)?)
    } else {
        None
    };
    let verifier = Verifier::new(&config.auth, dev).context("configuring token validation")?;
    let tenants: HashSet<_> = store
        .list_organisations()
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    Ok(samverkan_api::app(store, Arc::new(verifier), tenants))
}
