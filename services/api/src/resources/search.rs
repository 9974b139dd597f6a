//! `/search`: full-text search over needs, solutions and strategies, with facets. Every
//! query carries the caller's scope, so nobody finds what they may not read.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use samverkan_domain::vocab::{ActivityArea, CollaborationLevel, Maturity, SolutionKind, Topic};
use samverkan_domain::{Caller, OrgId, ValidationErrors};
use samverkan_search::{Dimension, DocKind, Filters, Scope, SearchIndex, SearchQuery};
use uuid::Uuid;

use super::ApiTags;
use crate::auth::OptionalAuth;
use crate::problem::ApiError;

/// Deepest result a client may page to: relevance-ranked paging past this is better
/// served by a narrower query.
const MAX_OFFSET: usize = 1_000;

/// Search API.
pub struct SearchApi {
    /// The index.
    pub index: Arc<dyn SearchIndex>,
}

/// One hit.
#[derive(Debug, Object)]
pub struct SearchHitView {
    /// `need`, `solution` or `strategy`.
    pub kind: String,
    /// Record id.
    pub id: Uuid,
    /// Title or name.
    pub title: String,
    /// An excerpt with the matches in `<mark>` (other text HTML-escaped).
    pub snippet: String,
    /// Owning organisation.
    pub org_id: String,
    /// Relevance; higher is better (0 when browsing without `q`).
    pub score: f32,
    /// The record's URL in this API.
    pub url: String,
}

/// A page of search results.
#[derive(Debug, Object)]
pub struct SearchPage {
    /// How many records match in all (within what you may read).
    pub total: u64,
    /// This page, best first (newest first without `q`).
    pub hits: Vec<SearchHitView>,
    /// For each facet (kind, solution_kind, maturity, licence, activity_area, topic, org,
    /// subregion, collaboration_level, status), the number of matches per value.
    pub facets: BTreeMap<String, BTreeMap<String, u64>>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The search scope of a caller: the same rule as for reading records.
fn scope_of(caller: &Caller) -> Scope {
    if caller.reads_all_tenants() {
        Scope::Everything
    } else if let Some(org) = caller.staff_org() {
        Scope::OwnAndPublic(org.to_string())
    } else {
        Scope::PublicOnly
    }
}

/// Checks each value of a facet filter with `parse`, naming the parameter on failure.
fn values<T>(
    errors: &mut ValidationErrors,
    field: &str,
    raw: Vec<String>,
    parse: impl Fn(&str) -> Result<T, ValidationErrors>,
) -> Vec<String> {
    for value in &raw {
        if let Err(e) = parse(value) {
            errors.add(field, format!("`{value}` {}", e.0[0].message));
        }
    }
    raw
}

/// Organisation ids in their canonical form (as documents carry them).
fn org_values(errors: &mut ValidationErrors, raw: Vec<String>) -> Vec<String> {
    raw.iter()
        .filter_map(|value| match OrgId::parse(value) {
            Ok(org) => Some(org.to_string()),
            Err(e) => {
                errors.add("org", format!("`{value}` {}", e.0[0].message));
                None
            }
        })
        .collect()
}

fn any_text(value: &str) -> Result<(), ValidationErrors> {
    if value.trim().is_empty() || value.len() > 200 {
        Err(ValidationErrors::single("", "must be 1-200 characters"))
    } else {
        Ok(())
    }
}

fn decode_cursor(raw: &str) -> Result<usize, ApiError> {
    URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("o:").and_then(|n| n.parse().ok()))
        // Cursors are opaque but not secret: a hand-made one must not page deeper than
        // the API would.
        .filter(|offset: &usize| *offset <= MAX_OFFSET)
        .ok_or_else(|| {
            ApiError::field(
                "cursor",
                "is not a cursor this API issued; use next_cursor from the previous page",
            )
        })
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Search")]
impl SearchApi {
    /// Search needs, solutions and strategies by what you mean, in Swedish: words are
    /// stemmed ("hemtjänsten" finds "hemtjänst"), typos in longer words are forgiven,
    /// parts of compound words match ("sjukvård" finds "hemsjukvård"), and text typed
    /// without å, ä and ö still matches. Quote a phrase to match it exactly. Without `q`,
    /// browse by facets, newest first. Repeat a facet parameter to allow several values.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/search", method = "get", operation_id = "search")]
    async fn search(
        &self,
        auth: OptionalAuth,
        /// What to look for (1-200 characters).
        q: Query<Option<String>>,
        /// Record kinds: `need`, `solution`, `strategy`.
        kind: Query<Vec<String>>,
        /// Kinds of solution, e.g. `software`.
        solution_kind: Query<Vec<String>>,
        /// Solution maturity, e.g. `production`.
        maturity: Query<Vec<String>>,
        /// Licence (SPDX expression as registered), e.g. `EUPL-1.2`.
        licence: Query<Vec<String>>,
        /// Activity area, e.g. `omsorg`.
        activity_area: Query<Vec<String>>,
        /// Topic, e.g. `e_arkiv`.
        topic: Query<Vec<String>>,
        /// Owning organisation (SCB code or slug).
        org: Query<Vec<String>>,
        /// The owner's sub-region, e.g. `Skåne Nordost`.
        subregion: Query<Vec<String>>,
        /// Collaboration level of needs.
        collaboration_level: Query<Vec<String>>,
        /// Status of needs or strategies, e.g. `open`.
        status: Query<Vec<String>>,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// `next_cursor` from the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<SearchPage>, ApiError> {
        let mut errors = ValidationErrors::new();
        let text = q.0.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        if text.as_ref().is_some_and(|t| t.chars().count() > 200) {
            errors.add("q", "must be at most 200 characters");
        }
        let mut filters = Filters::new();
        let kinds = values(&mut errors, "kind", kind.0, |v| {
            DocKind::parse(v).map(|_| ()).ok_or_else(|| {
                ValidationErrors::single("", "must be one of: need, solution, strategy")
            })
        });
        let dimensions: [(Dimension, Vec<String>); 10] = [
            (Dimension::Kind, kinds),
            (
                Dimension::SolutionKind,
                values(
                    &mut errors,
                    "solution_kind",
                    solution_kind.0,
                    SolutionKind::parse,
                ),
            ),
            (
                Dimension::Maturity,
                values(&mut errors, "maturity", maturity.0, Maturity::parse),
            ),
            (
                Dimension::Licence,
                values(&mut errors, "licence", licence.0, any_text),
            ),
            (
                Dimension::ActivityArea,
                values(
                    &mut errors,
                    "activity_area",
                    activity_area.0,
                    ActivityArea::parse,
                ),
            ),
            (
                Dimension::Topic,
                values(&mut errors, "topic", topic.0, Topic::parse),
            ),
            (Dimension::Org, org_values(&mut errors, org.0)),
            (
                Dimension::Subregion,
                values(&mut errors, "subregion", subregion.0, any_text),
            ),
            (
                Dimension::CollaborationLevel,
                values(
                    &mut errors,
                    "collaboration_level",
                    collaboration_level.0,
                    CollaborationLevel::parse,
                ),
            ),
            (
                Dimension::Status,
                values(&mut errors, "status", status.0, any_text),
            ),
        ];
        for (dimension, wanted) in dimensions {
            if !wanted.is_empty() {
                filters.insert(dimension, wanted);
            }
        }
        let limit = match limit.0 {
            None => 20,
            Some(n @ 1..=100) => n as usize,
            Some(n) => {
                errors.add("limit", format!("must be between 1 and 100 (got {n})"));
                20
            }
        };
        errors.finish(|| ())?;
        let offset = cursor
            .0
            .as_deref()
            .map(decode_cursor)
            .transpose()?
            .unwrap_or(0);
        let query = SearchQuery {
            text,
            filters,
            scope: scope_of(&auth.caller()),
            limit,
            offset,
        };
        let results = self
            .index
            .search(&query)
            .await
            .map_err(|e| ApiError::internal(&e))?;
        let next = offset + results.hits.len();
        let next_cursor =
            (results.hits.len() == limit && (next as u64) < results.total && next <= MAX_OFFSET)
                .then(|| URL_SAFE_NO_PAD.encode(format!("o:{next}")));
        Ok(Json(SearchPage {
            total: results.total,
            hits: results
                .hits
                .into_iter()
                .map(|h| SearchHitView {
                    url: format!("/api/v1/{}s/{}", h.kind.as_str(), h.id)
                        .replace("strategys", "strategies"),
                    kind: h.kind.as_str().to_string(),
                    id: h.id,
                    title: h.title,
                    snippet: h.snippet,
                    org_id: h.org_id,
                    score: h.score,
                })
                .collect(),
            facets: results
                .facets
                .into_iter()
                .map(|(d, counts)| (d.as_str().to_string(), counts))
                .collect(),
            next_cursor,
        }))
    }
}
