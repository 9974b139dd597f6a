//! Catalog search: one [`SearchIndex`] trait with two backends, an embedded tantivy index
//! with Swedish text analysis (the default, no server) and Meilisearch (production).
//!
//! Documents never carry personal data, and every query carries the caller's
//! [`Scope`], which each backend enforces itself: the API cannot forget it.

pub mod analysis;
mod document;
pub mod embedded;
pub mod meili;
mod query;

pub use document::{DocKind, Document, Facets};
pub use query::{Dimension, FacetCounts, Filters, Hit, Scope, SearchQuery, SearchResults};

use async_trait::async_trait;

/// Why a search backend failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The embedded index failed (I/O, corruption).
    #[error("embedded index: {0}")]
    Embedded(String),
    /// The Meilisearch server failed or refused.
    #[error("meilisearch: {0}")]
    Meilisearch(String),
    /// The query itself is unusable (reported to the client as a field error).
    #[error("invalid query: {0}")]
    InvalidQuery(String),
}

/// A change to apply to the index: the outbox worker sends these in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Add or replace the document with this kind and id.
    Upsert(Box<Document>),
    /// Remove the document with this kind and id, if present.
    Delete(DocKind, uuid::Uuid),
}

/// A full-text index of the registry's public-record text, with facets.
#[async_trait]
pub trait SearchIndex: Send + Sync {
    /// Applies changes in order; when this returns, searches see them.
    async fn apply(&self, changes: Vec<Change>) -> Result<(), SearchError>;

    /// Runs a query within the caller's scope.
    async fn search(&self, query: &SearchQuery) -> Result<SearchResults, SearchError>;

    /// Removes every document (before a full rebuild).
    async fn clear(&self) -> Result<(), SearchError>;

    /// How many documents the index holds.
    async fn count(&self) -> Result<u64, SearchError>;

    /// A short name for logs and health output.
    fn backend(&self) -> &'static str;
}
