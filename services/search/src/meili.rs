//! The Meilisearch backend (production). It creates and configures its index itself and
//! waits for Meilisearch's tasks, so a change is searchable when `apply` returns.
//!
//! Permissions are enforced with a filter the service builds from the caller's scope on
//! the server side, using a key that never leaves the service: a client cannot change it.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use meilisearch_sdk::client::Client;
use meilisearch_sdk::indexes::Index;
use meilisearch_sdk::search::Selectors;
use meilisearch_sdk::settings::{
    FacetingSettings, LocalizedAttributes, PaginationSetting, Settings,
};
use meilisearch_sdk::task_info::TaskInfo;
use meilisearch_sdk::tasks::Task;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::document::{DocKind, Document};
use crate::query::{Dimension, FacetCounts, Hit, Scope, SearchQuery, SearchResults};
use crate::{Change, SearchError, SearchIndex};

/// Markers Meilisearch puts around matches; private-use characters cannot occur in the
/// (escaped) text, so they are safely turned into `<mark>` after HTML escaping.
const PRE: &str = "\u{E000}";
const POST: &str = "\u{E001}";
/// How long to wait for a Meilisearch task.
const TASK_TIMEOUT: Duration = Duration::from_secs(60);

/// A Meilisearch index holding the catalog.
pub struct MeiliIndex {
    client: Client,
    index: Index,
}

/// The document as stored in Meilisearch; field names are the filter attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeiliDocument {
    /// Primary key: `{kind}-{id}` (Meilisearch ids allow letters, digits, `-`, `_`).
    pub key: String,
    /// Record id.
    pub id: Uuid,
    /// Record kind.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Body text.
    pub body: String,
    /// Owner.
    pub org_id: String,
    /// Owner's sub-region.
    pub subregion: Option<String>,
    /// Public or internal.
    pub public: bool,
    /// Topics.
    pub topics: Vec<String>,
    /// Activity area.
    pub activity_area: Option<String>,
    /// Collaboration level.
    pub collaboration_level: Option<String>,
    /// Status.
    pub status: Option<String>,
    /// Kind of solution.
    pub solution_kind: Option<String>,
    /// Maturity.
    pub maturity: Option<String>,
    /// Licence.
    pub licence: Option<String>,
    /// Last change, microseconds since the epoch.
    pub updated: i64,
}

impl From<&Document> for MeiliDocument {
    fn from(d: &Document) -> Self {
        let f = d.facets.clone();
        Self {
            key: key(d.kind, d.id),
            id: d.id,
            kind: d.kind.as_str().into(),
            title: d.title.clone(),
            body: d.body.clone(),
            org_id: d.org_id.clone(),
            subregion: d.subregion.clone(),
            public: d.public,
            topics: f.topics,
            activity_area: f.activity_area,
            collaboration_level: f.collaboration_level,
            status: f.status,
            solution_kind: f.solution_kind,
            maturity: f.maturity,
            licence: f.licence,
            updated: d.updated_at.timestamp_micros(),
        }
    }
}

fn key(kind: DocKind, id: Uuid) -> String {
    format!("{}-{}", kind.as_str(), id.simple())
}

/// The Meilisearch attribute a facet dimension is stored in.
pub fn attribute(dimension: Dimension) -> &'static str {
    match dimension {
        Dimension::Topic => "topics",
        Dimension::Org => "org_id",
        other => other.as_str(),
    }
}

/// The index settings: what is searched, filtered, sorted and counted, and how.
pub fn settings() -> Settings {
    let filterable: Vec<&str> = ["public"]
        .into_iter()
        .chain(Dimension::ALL.map(attribute))
        .collect();
    Settings::new()
        .with_searchable_attributes(["title", "body"])
        .with_filterable_attributes(filterable)
        .with_sortable_attributes(["updated"])
        .with_ranking_rules([
            "words",
            "typo",
            "proximity",
            "attribute",
            "sort",
            "exactness",
        ])
        .with_localized_attributes([LocalizedAttributes {
            locales: vec!["swe".into()],
            attribute_patterns: vec!["title".into(), "body".into()],
        }])
        .with_faceting(FacetingSettings {
            max_values_per_facet: 200,
            sort_facet_values_by: None,
        })
        .with_pagination(PaginationSetting {
            max_total_hits: 10_000,
        })
}

/// Quotes a value for a Meilisearch filter expression.
fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The filter expression for a query: the caller's scope AND every facet filter.
pub fn filter(query: &SearchQuery) -> Option<String> {
    let mut parts = Vec::new();
    match &query.scope {
        Scope::Everything => {}
        Scope::PublicOnly => parts.push("public = true".to_string()),
        Scope::OwnAndPublic(org) => {
            parts.push(format!("(public = true OR org_id = {})", quoted(org)))
        }
    }
    for (dimension, values) in &query.filters {
        let any: Vec<String> = values
            .iter()
            .map(|v| format!("{} = {}", attribute(*dimension), quoted(v)))
            .collect();
        if !any.is_empty() {
            parts.push(format!("({})", any.join(" OR ")));
        }
    }
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

/// Escapes text for HTML and turns Meilisearch's match markers into `<mark>`.
fn highlighted(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(PRE, "<mark>")
        .replace(POST, "</mark>")
}

/// Maps Meilisearch's facet distribution onto our dimensions.
fn facet_counts(
    distribution: Option<
        std::collections::HashMap<String, std::collections::HashMap<String, usize>>,
    >,
) -> FacetCounts {
    let distribution = distribution.unwrap_or_default();
    Dimension::ALL
        .into_iter()
        .map(|dimension| {
            let values: BTreeMap<String, u64> = distribution
                .get(attribute(dimension))
                .map(|m| m.iter().map(|(k, v)| (k.clone(), *v as u64)).collect())
                .unwrap_or_default();
            (dimension, values)
        })
        .collect()
}

fn meili_err(e: impl std::fmt::Display) -> SearchError {
    SearchError::Meilisearch(e.to_string())
}

impl MeiliIndex {
    /// Connects to the server at `url` and creates or updates index `uid` with
    /// [`settings`], waiting until Meilisearch has applied them.
    pub async fn connect(url: &str, key: Option<&str>, uid: &str) -> Result<Self, SearchError> {
        let client = Client::new(url, key).map_err(meili_err)?;
        let index = client.index(uid);
        let task = index.set_settings(&settings()).await.map_err(meili_err)?;
        let this = Self { client, index };
        this.wait(task).await?;
        Ok(this)
    }

    async fn wait(&self, task: TaskInfo) -> Result<(), SearchError> {
        match task
            .wait_for_completion(
                &self.client,
                Some(Duration::from_millis(50)),
                Some(TASK_TIMEOUT),
            )
            .await
        {
            Ok(Task::Succeeded { .. }) => Ok(()),
            Ok(task @ Task::Failed { .. }) => Err(meili_err(task.unwrap_failure())),
            Ok(other) => Err(meili_err(format!("task did not finish: {other:?}"))),
            Err(e) => Err(meili_err(e)),
        }
    }

    fn hit(&self, result: meilisearch_sdk::search::SearchResult<MeiliDocument>) -> Hit {
        let formatted = |field: &str| {
            result
                .formatted_result
                .as_ref()
                .and_then(|m: &Map<String, Value>| m.get(field))
                .and_then(Value::as_str)
                .map(highlighted)
        };
        let doc = &result.result;
        Hit {
            kind: DocKind::parse(&doc.kind).unwrap_or(DocKind::Need),
            id: doc.id,
            title: doc.title.clone(),
            snippet: formatted("body")
                .unwrap_or_else(|| highlighted(&doc.body.chars().take(240).collect::<String>())),
            org_id: doc.org_id.clone(),
            score: result.ranking_score.unwrap_or(0.0) as f32,
        }
    }
}

#[async_trait]
impl SearchIndex for MeiliIndex {
    async fn apply(&self, changes: Vec<Change>) -> Result<(), SearchError> {
        // Keep the order of changes: a run of upserts, then a run of deletes, and so on.
        let mut upserts: Vec<MeiliDocument> = Vec::new();
        let mut deletes: Vec<String> = Vec::new();
        for change in changes {
            match change {
                Change::Upsert(d) => {
                    if !deletes.is_empty() {
                        self.delete(std::mem::take(&mut deletes)).await?;
                    }
                    upserts.push(MeiliDocument::from(&*d));
                }
                Change::Delete(kind, id) => {
                    if !upserts.is_empty() {
                        self.upsert(std::mem::take(&mut upserts)).await?;
                    }
                    deletes.push(key(kind, id));
                }
            }
        }
        self.upsert(upserts).await?;
        self.delete(deletes).await
    }

    async fn search(&self, query: &SearchQuery) -> Result<SearchResults, SearchError> {
        let filter = filter(query);
        let facets: Vec<&str> = Dimension::ALL.map(attribute).to_vec();
        let mut request = self.index.search();
        request
            .with_offset(query.offset)
            .with_limit(query.limit)
            .with_facets(Selectors::Some(&facets))
            .with_attributes_to_crop(Selectors::Some(&[("body", None)]))
            .with_crop_length(40)
            .with_attributes_to_highlight(Selectors::Some(&["body"]))
            .with_highlight_pre_tag(PRE)
            .with_highlight_post_tag(POST);
        if let Some(filter) = &filter {
            request.with_filter(filter);
        }
        let newest = ["updated:desc"];
        match &query.text {
            // Only a text query has a relevance: Meilisearch scores every hit of a
            // placeholder search 1.0, and browsing is documented to score 0.
            Some(text) => {
                request.with_query(text).with_show_ranking_score(true);
            }
            None => {
                request.with_sort(&newest);
            }
        }
        let results = request
            .execute::<MeiliDocument>()
            .await
            .map_err(meili_err)?;
        Ok(SearchResults {
            total: results
                .estimated_total_hits
                .or(results.total_hits)
                .unwrap_or(0) as u64,
            facets: facet_counts(results.facet_distribution),
            hits: results.hits.into_iter().map(|r| self.hit(r)).collect(),
        })
    }

    async fn clear(&self) -> Result<(), SearchError> {
        let task = self.index.delete_all_documents().await.map_err(meili_err)?;
        self.wait(task).await
    }

    async fn count(&self) -> Result<u64, SearchError> {
        Ok(self
            .index
            .get_stats()
            .await
            .map_err(meili_err)?
            .number_of_documents as u64)
    }

    fn backend(&self) -> &'static str {
        "meilisearch"
    }
}

impl MeiliIndex {
    async fn upsert(&self, docs: Vec<MeiliDocument>) -> Result<(), SearchError> {
        if docs.is_empty() {
            return Ok(());
        }
        let task = self
            .index
            .add_or_replace(&docs, Some("key"))
            .await
            .map_err(meili_err)?;
        self.wait(task).await
    }

    async fn delete(&self, keys: Vec<String>) -> Result<(), SearchError> {
        if keys.is_empty() {
            return Ok(());
        }
        let task = self
            .index
            .delete_documents(&keys)
            .await
            .map_err(meili_err)?;
        self.wait(task).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::Filters;

    fn q(scope: Scope) -> SearchQuery {
        SearchQuery {
            text: None,
            filters: Filters::new(),
            scope,
            limit: 10,
            offset: 0,
        }
    }

    #[test]
    fn scope_is_always_in_the_filter_and_values_are_quoted() {
        assert_eq!(filter(&q(Scope::Everything)), None);
        assert_eq!(filter(&q(Scope::PublicOnly)).unwrap(), "public = true");
        let mut query = q(Scope::OwnAndPublic("1280".into()));
        query.filters.insert(
            Dimension::Topic,
            vec!["iot".into(), "gis\" OR public = false".into()],
        );
        assert_eq!(
            filter(&query).unwrap(),
            r#"(public = true OR org_id = "1280") AND (topics = "iot" OR topics = "gis\" OR public = false")"#
        );
    }

    #[test]
    fn highlights_are_marked_and_text_escaped() {
        assert_eq!(
            highlighted("a <b> \u{E000}lås\u{E001} & c"),
            "a &lt;b&gt; <mark>lås</mark> &amp; c"
        );
    }

    #[test]
    fn settings_filter_on_every_facet_and_search_swedish_text() {
        let s = serde_json::to_value(settings()).unwrap();
        let filterable: Vec<&str> = s["filterableAttributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        for attribute in [
            "public",
            "topics",
            "org_id",
            "subregion",
            "maturity",
            "licence",
        ] {
            assert!(filterable.contains(&attribute), "{attribute}");
        }
        assert_eq!(
            s["searchableAttributes"],
            serde_json::json!(["title", "body"])
        );
        assert_eq!(
            s["localizedAttributes"][0]["locales"],
            serde_json::json!(["swe"])
        );
    }
}
