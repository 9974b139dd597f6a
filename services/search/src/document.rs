//! What the index holds about a record: its text, owner, visibility and facet values.
//! Never personal data: contact persons are not part of a document.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Which kind of record a document stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// A need.
    Need,
    /// A reusable solution.
    Solution,
    /// A digital strategy.
    Strategy,
}

impl DocKind {
    /// Every kind.
    pub const ALL: [DocKind; 3] = [DocKind::Need, DocKind::Solution, DocKind::Strategy];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Need => "need",
            DocKind::Solution => "solution",
            DocKind::Strategy => "strategy",
        }
    }

    /// Parses a wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// Facet values of a document; absent values are left out of the counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    /// Activity area (needs).
    pub activity_area: Option<String>,
    /// Topics (needs and solutions).
    pub topics: Vec<String>,
    /// Collaboration level (needs).
    pub collaboration_level: Option<String>,
    /// Status (needs, strategies).
    pub status: Option<String>,
    /// Kind of solution (software, e-service...).
    pub solution_kind: Option<String>,
    /// Maturity (solutions).
    pub maturity: Option<String>,
    /// SPDX licence expression (solutions).
    pub licence: Option<String>,
}

/// One indexed record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// The record's id.
    pub id: Uuid,
    /// What kind of record.
    pub kind: DocKind,
    /// Title or name, shown in hits.
    pub title: String,
    /// Searchable body text: description, hypothesis, tags, goals...
    pub body: String,
    /// The owning organisation.
    pub org_id: String,
    /// The owner's sub-region when indexed.
    pub subregion: Option<String>,
    /// Only public documents are shown outside the owner and the coordinator.
    pub public: bool,
    /// Facet values.
    pub facets: Facets,
    /// Last change, for browsing newest first.
    pub updated_at: DateTime<Utc>,
}
