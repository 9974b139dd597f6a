//! Queries and results, shared by every backend.

use std::collections::BTreeMap;

use serde::Serialize;
use uuid::Uuid;

use crate::document::DocKind;

/// Whose documents a caller may find: derived from the caller by the API, enforced by
/// the backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The coordinator: everything.
    Everything,
    /// Staff: public documents and all of their own organisation's.
    OwnAndPublic(String),
    /// Anonymous: public documents only.
    PublicOnly,
}

/// A facet dimension: what results can be counted and narrowed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Record kind: need, solution, strategy.
    Kind,
    /// Kind of solution.
    SolutionKind,
    /// Maturity of solutions.
    Maturity,
    /// Licence of solutions.
    Licence,
    /// Activity area of needs.
    ActivityArea,
    /// Topic.
    Topic,
    /// Owning organisation.
    Org,
    /// The owner's sub-region.
    Subregion,
    /// Collaboration level of needs.
    CollaborationLevel,
    /// Status.
    Status,
}

impl Dimension {
    /// Every dimension, in the order results list them.
    pub const ALL: [Dimension; 10] = [
        Dimension::Kind,
        Dimension::SolutionKind,
        Dimension::Maturity,
        Dimension::Licence,
        Dimension::ActivityArea,
        Dimension::Topic,
        Dimension::Org,
        Dimension::Subregion,
        Dimension::CollaborationLevel,
        Dimension::Status,
    ];

    /// The wire name, also the query parameter that filters by it.
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Kind => "kind",
            Dimension::SolutionKind => "solution_kind",
            Dimension::Maturity => "maturity",
            Dimension::Licence => "licence",
            Dimension::ActivityArea => "activity_area",
            Dimension::Topic => "topic",
            Dimension::Org => "org",
            Dimension::Subregion => "subregion",
            Dimension::CollaborationLevel => "collaboration_level",
            Dimension::Status => "status",
        }
    }
}

/// Facet filters: within a dimension any listed value matches; across dimensions all
/// must.
pub type Filters = BTreeMap<Dimension, Vec<String>>;

/// A search request.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery {
    /// What the user typed; `None` browses by filters, newest first.
    pub text: Option<String>,
    /// Facet filters.
    pub filters: Filters,
    /// The caller's scope.
    pub scope: Scope,
    /// Hits per page.
    pub limit: usize,
    /// Hits to skip.
    pub offset: usize,
}

/// One hit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// Record kind.
    pub kind: DocKind,
    /// Record id.
    pub id: Uuid,
    /// Title or name.
    pub title: String,
    /// An excerpt of the body with matches wrapped in `<mark>`; other text is escaped.
    pub snippet: String,
    /// The owning organisation.
    pub org_id: String,
    /// Relevance (backend-specific scale; higher is better). 0 when browsing.
    pub score: f32,
}

/// Facet counts: dimension → value → number of matching documents.
pub type FacetCounts = BTreeMap<Dimension, BTreeMap<String, u64>>;

/// A page of results with the counts for all matches.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    /// How many documents match in all.
    pub total: u64,
    /// This page.
    pub hits: Vec<Hit>,
    /// Counts per facet over every match (not just this page).
    pub facets: FacetCounts,
}
