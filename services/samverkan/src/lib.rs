//! The `samverkan` service: configuration, wiring of store, authentication and API, and
//! the command-line tasks (serve, migrate, openapi, token).

pub mod config;
pub mod demo;
pub mod indexing;
pub mod matching;
pub mod meaning;

use std::collections::HashSet;
use std::sync::Arc;

use anyhow::Context;
use poem::Endpoint;
use samverkan_auth::{DevIssuer, Verifier};
use samverkan_search::SearchIndex;
use samverkan_search::embedded::EmbeddedIndex;
use samverkan_search::meili::MeiliIndex;
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

/// The configured search index, and whether it starts empty and needs a rebuild.
pub struct Search {
    /// The index.
    pub index: Arc<dyn SearchIndex>,
    /// True when the index was just created (first start, or a schema change).
    pub fresh: bool,
}

/// Opens Meilisearch when configured, the embedded index in the data directory otherwise.
pub async fn open_search(config: &Config) -> anyhow::Result<Search> {
    if let Some(url) = &config.meili_url {
        let key = config.meili_key.as_ref().map(|k| k.0.as_str());
        let index = MeiliIndex::connect(url, key, &config.meili_index)
            .await
            .with_context(|| format!("connecting to Meilisearch at {url}"))?;
        let fresh = index.count().await? == 0;
        tracing::info!(url, index = %config.meili_index, "search: Meilisearch");
        return Ok(Search {
            index: Arc::new(index),
            fresh,
        });
    }
    let dir = config.search_index_dir();
    let index = EmbeddedIndex::open(&dir)
        .with_context(|| format!("opening the search index in {}", dir.display()))?;
    tracing::info!(dir = %dir.display(), "search: embedded index");
    let fresh = index.is_fresh();
    Ok(Search {
        index: Arc::new(index),
        fresh,
    })
}

/// Starts the background worker that keeps the index up to date: first a full rebuild
/// when the index is fresh, then the outbox, then every commit as it happens. The service
/// answers meanwhile; search results fill in as the rebuild proceeds.
pub async fn start_indexing(
    store: &Store,
    search: &Search,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let indexer = indexing::Indexer::new(store.clone(), search.index.clone()).await?;
    let rebuild = search.fresh && store.record_counts().await?.total() > 0;
    Ok(tokio::spawn(async move {
        if rebuild {
            match indexer.rebuild(|_, _| {}).await {
                Ok(n) => tracing::info!(documents = n, "search index built"),
                Err(e) => {
                    tracing::error!(error = %e, "building the search index failed; run `samverkan reindex`")
                }
            }
        }
        indexer.run().await
    }))
}

/// Builds the HTTP application over an opened store and search index.
pub async fn build_app(
    config: &Config,
    store: Store,
    search: Arc<dyn SearchIndex>,
    matches: Arc<samverkan_matchmaking::Snapshot>,
) -> anyhow::Result<impl Endpoint + use<>> {
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
    let ttl = std::time::Duration::from_millis(config.server.read_cache_ttl_ms);
    Ok(samverkan_api::app(
        store,
        search,
        matches,
        Arc::new(verifier),
        procurement_settings(config)?,
        tenants,
        ttl,
    ))
}

/// Checks the procurement configuration: the threshold periods must be valid.
pub fn procurement_settings(config: &Config) -> anyhow::Result<samverkan_api::ProcurementSettings> {
    let p = &config.procurement;
    let thresholds = samverkan_domain::procurement::ThresholdSchedule::new(p.thresholds.clone())
        .map_err(|e| {
            let problems: Vec<String> =
                e.0.iter()
                    .map(|f| format!("procurement.{}: {}", f.field, f.message))
                    .collect();
            anyhow::anyhow!("invalid procurement configuration: {}", problems.join("; "))
        })?;
    Ok(samverkan_api::ProcurementSettings {
        thresholds,
        ocid_prefix: p.ocid_prefix.clone(),
        publisher_name: p.publisher_name.clone(),
        public_url: p.public_url.clone(),
    })
}

/// Checks the matchmaking weights: every one in [0, 1], the signal weights adding up
/// to 1. All problems are named in one error, as `matching.<field>: <message>`.
pub fn matching_weights(config: &Config) -> anyhow::Result<samverkan_matchmaking::Weights> {
    config.matching.validate().map_err(|problems| {
        let problems: Vec<String> = problems
            .iter()
            .map(|(field, message)| format!("matching.{field}: {message}"))
            .collect();
        anyhow::anyhow!("invalid matching configuration: {}", problems.join("; "))
    })?;
    Ok(config.matching)
}

/// The checked weights, the thesaurus (the operator's file, or none) and the embedding
/// server (the configured one, or none).
pub fn matching_settings(config: &Config) -> anyhow::Result<matching::MatchingSettings> {
    let sets = config::thesaurus_sets(&config.thesaurus)?;
    Ok(matching::MatchingSettings {
        weights: matching_weights(config)?,
        thesaurus: Arc::new(samverkan_matchmaking::Thesaurus::new(&sets)),
        meaning: embedder(&config.embeddings)?.map(|e| Arc::new(meaning::Meaning::new(e))),
    })
}

/// A client of the configured embedding server, checked; `None` when none is set.
fn embedder(
    config: &config::EmbeddingsConfig,
) -> anyhow::Result<Option<samverkan_embeddings::Embedder>> {
    // Unset, or set to nothing (as compose passes an unset variable).
    let Some(url) = config.url.as_ref().filter(|u| !u.trim().is_empty()) else {
        return Ok(None);
    };
    let problem = |field: &str, message: String| {
        anyhow::anyhow!("invalid embeddings configuration: embeddings.{field}: {message}")
    };
    let parsed = url::Url::parse(url).map_err(|e| problem("url", format!("{e} ({url})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(problem("url", format!("must be http or https ({url})")));
    }
    if config.model.trim().is_empty() {
        return Err(problem("model", "must not be empty".into()));
    }
    if config.batch_size == 0 {
        return Err(problem("batch_size", "must be at least 1".into()));
    }
    if config.timeout_seconds == 0 {
        return Err(problem("timeout_seconds", "must be at least 1".into()));
    }
    let settings = samverkan_embeddings::EmbeddingSettings {
        url: url.clone(),
        model: config.model.clone(),
        api_key: config.api_key.as_ref().map(|k| k.0.clone()),
        batch_size: config.batch_size,
        timeout: std::time::Duration::from_secs(config.timeout_seconds),
    };
    tracing::info!(url, model = %config.model, "matchmaking: embeddings from {url}");
    Ok(Some(samverkan_embeddings::Embedder::new(settings)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_matching_weights_stop_the_service_with_every_field_named() {
        let mut config = Config::default();
        config.matching.text = 0.9;
        config.matching.group_threshold = 1.5;
        config.matching.solution_maturity = 0.3;
        let error = matching_weights(&config).unwrap_err().to_string();
        assert!(
            error.contains("matching.group_threshold: must be between 0 and 1"),
            "{error}"
        );
        assert!(error.contains("matching.text: text, topics"), "{error}");
        assert!(
            error.contains("matching.solution_text: solution_text, solution_topics"),
            "{error}"
        );
        config.matching = samverkan_matchmaking::Weights::default();
        assert!(matching_weights(&config).is_ok());
    }

    #[test]
    fn a_bad_embeddings_setting_stops_the_service_with_the_field_named() {
        let mut config = Config::default();
        assert!(matching_settings(&config).unwrap().meaning.is_none());
        config.embeddings.url = Some(String::new());
        assert!(
            matching_settings(&config).unwrap().meaning.is_none(),
            "empty: unset"
        );
        config.embeddings.url = Some("ftp://models.example".into());
        let error = matching_settings(&config).err().unwrap().to_string();
        assert!(
            error.contains("embeddings.url: must be http or https"),
            "{error}"
        );
        config.embeddings.url = Some("http://127.0.0.1:8088/v1".into());
        config.embeddings.batch_size = 0;
        let error = matching_settings(&config).err().unwrap().to_string();
        assert!(error.contains("embeddings.batch_size"), "{error}");
        config.embeddings.batch_size = 16;
        assert!(matching_settings(&config).unwrap().meaning.is_some());
    }
}
