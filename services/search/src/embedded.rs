//! The embedded backend: a tantivy index on disk beside the SQLite file, with the Swedish
//! analysis of [`crate::analysis`]. The default when no Meilisearch is configured.

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, FuzzyTermQuery, Occur,
    PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher, TantivyDocument,
    Term, doc,
};

use crate::analysis::{self, FOLDED, STEMMED};
use crate::document::{DocKind, Document};
use crate::query::{Dimension, FacetCounts, Hit, Scope, SearchQuery, SearchResults};
use crate::{Change, SearchError, SearchIndex};

/// Bump when the schema or analysis changes: an index of another version is rebuilt.
const SCHEMA_VERSION: &str = "1";
const VERSION_FILE: &str = "samverkan-schema-version";
/// Indexing memory budget.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;
/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 240;

#[derive(Clone, Copy)]
struct Fields {
    key: Field,
    id: Field,
    kind: Field,
    title: Field,
    body: Field,
    words: Field,
    parts: Field,
    org: Field,
    public: Field,
    facets: Field,
    updated: Field,
}

/// The embedded index.
pub struct EmbeddedIndex {
    reader: IndexReader,
    writer: Arc<Mutex<IndexWriter>>,
    fields: Fields,
    fresh: bool,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |analyzer: &str, positions: bool, stored: bool| {
        let record = if positions {
            IndexRecordOption::WithFreqsAndPositions
        } else {
            IndexRecordOption::WithFreqs
        };
        let options = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analyzer)
                .set_index_option(record),
        );
        if stored {
            options.set_stored()
        } else {
            options
        }
    };
    let fields = Fields {
        key: b.add_text_field("key", STRING),
        id: b.add_text_field("id", STRING | STORED),
        kind: b.add_text_field("kind", STRING | STORED),
        title: b.add_text_field("title", text(STEMMED, true, true)),
        body: b.add_text_field("body", text(STEMMED, true, true)),
        words: b.add_text_field("words", text(FOLDED, false, false)),
        parts: b.add_text_field("parts", text(STEMMED, false, false)),
        org: b.add_text_field("org", STRING | STORED),
        public: b.add_text_field("public", STRING),
        facets: b.add_facet_field("facets", FacetOptions::default()),
        updated: b.add_i64_field("updated", FAST),
    };
    (b.build(), fields)
}

impl EmbeddedIndex {
    /// Opens the index in `dir`, creating it (or recreating it, if it was built by
    /// another schema version) when needed; see [`EmbeddedIndex::is_fresh`].
    pub fn open(dir: &Path) -> Result<Self, SearchError> {
        let err =
            |e: &dyn std::fmt::Display| SearchError::Embedded(format!("{}: {e}", dir.display()));
        let version_path = dir.join(VERSION_FILE);
        let current = std::fs::read_to_string(&version_path).ok();
        let fresh = current.as_deref().map(str::trim) != Some(SCHEMA_VERSION);
        if fresh && dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|e| err(&e))?;
        }
        std::fs::create_dir_all(dir).map_err(|e| err(&e))?;
        let (schema, fields) = schema();
        let index = if fresh {
            Index::create_in_dir(dir, schema).map_err(|e| err(&e))?
        } else {
            Index::open_in_dir(dir).map_err(|e| err(&e))?
        };
        if fresh {
            std::fs::write(&version_path, SCHEMA_VERSION).map_err(|e| err(&e))?;
        }
        Self::finish(index, fields, fresh)
    }

    /// An index held in memory only (tests).
    pub fn in_memory() -> Result<Self, SearchError> {
        let (schema, fields) = schema();
        Self::finish(Index::create_in_ram(schema), fields, true)
    }

    fn finish(index: Index, fields: Fields, fresh: bool) -> Result<Self, SearchError> {
        let err = |e: tantivy::TantivyError| SearchError::Embedded(e.to_string());
        index.tokenizers().register(STEMMED, analysis::stemmed());
        index.tokenizers().register(FOLDED, analysis::folded());
        let writer = index.writer(WRITER_MEMORY).map_err(err)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(err)?;
        Ok(Self {
            reader,
            writer: Arc::new(Mutex::new(writer)),
            fields,
            fresh,
        })
    }

    /// True when the index was just created empty (first start, or a schema change), so
    /// the caller should rebuild it from the database.
    pub fn is_fresh(&self) -> bool {
        self.fresh
    }

    fn to_doc(&self, d: &Document) -> TantivyDocument {
        let f = self.fields;
        let mut doc = doc!(
            f.key => key(d.kind, d.id),
            f.id => d.id.to_string(),
            f.kind => d.kind.as_str(),
            f.title => d.title.clone(),
            f.body => d.body.clone(),
            f.words => format!("{}\n{}", d.title, d.body),
            f.parts => analysis::compound_parts(&format!("{} {}", d.title, d.body)),
            f.org => d.org_id.clone(),
            f.public => if d.public { "1" } else { "0" },
            f.updated => d.updated_at.timestamp_micros(),
        );
        for (dimension, value) in facet_values(d) {
            doc.add_facet(f.facets, facet(dimension, &value));
        }
        doc
    }

    fn run(&self, query: &SearchQuery) -> Result<SearchResults, SearchError> {
        let err = |e: tantivy::TantivyError| SearchError::Embedded(e.to_string());
        let searcher = self.reader.searcher();
        let built = QueryBuilder {
            fields: self.fields,
            stemmed: analysis::stemmed(),
            folded: analysis::folded(),
        }
        .build(query);
        let mut facets = FacetCollector::for_field("facets");
        for dimension in Dimension::ALL {
            facets.add_facet(Facet::from_path([dimension.as_str()]));
        }
        let top = TopDocs::with_limit(query.limit.max(1)).and_offset(query.offset);
        let (addresses, total, counts) = if query.text.is_some() {
            let (docs, total, counts) = searcher
                .search(&*built, &(top.order_by_score(), Count, facets))
                .map_err(err)?;
            (docs, total, counts)
        } else {
            let newest = top.order_by_fast_field::<i64>("updated", Order::Desc);
            let (docs, total, counts) = searcher
                .search(&*built, &(newest, Count, facets))
                .map_err(err)?;
            (
                docs.into_iter().map(|(_, a)| (0.0, a)).collect(),
                total,
                counts,
            )
        };
        let snippets = match query.text {
            Some(_) => {
                let mut generator =
                    SnippetGenerator::create(&searcher, &*built, self.fields.body).map_err(err)?;
                generator.set_max_num_chars(SNIPPET_CHARS);
                Some(generator)
            }
            None => None,
        };
        let hits = addresses
            .into_iter()
            .map(|(score, address)| self.hit(&searcher, address, score, snippets.as_ref()))
            .collect::<Result<_, _>>()?;
        let mut out = FacetCounts::new();
        for dimension in Dimension::ALL {
            let values = counts
                .get(Facet::from_path([dimension.as_str()]))
                .filter_map(|(facet, n)| facet.to_path().last().map(|v| (v.to_string(), n)))
                .collect();
            out.insert(dimension, values);
        }
        Ok(SearchResults {
            total: total as u64,
            hits,
            facets: out,
        })
    }

    fn hit(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        score: f32,
        snippets: Option<&SnippetGenerator>,
    ) -> Result<Hit, SearchError> {
        let doc: TantivyDocument = searcher
            .doc(address)
            .map_err(|e| SearchError::Embedded(e.to_string()))?;
        let text = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let body = text(self.fields.body);
        let snippet = match snippets {
            Some(generator) => {
                let mut snippet = generator.snippet(&body);
                snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
                let html = snippet.to_html();
                if html.is_empty() { lead(&body) } else { html }
            }
            None => lead(&body),
        };
        Ok(Hit {
            kind: DocKind::parse(&text(self.fields.kind)).unwrap_or(DocKind::Need),
            id: text(self.fields.id)
                .parse()
                .map_err(|_| SearchError::Embedded("stored id is not a UUID".into()))?,
            title: text(self.fields.title),
            snippet,
            org_id: text(self.fields.org),
            score,
        })
    }
}

/// The beginning of a text, HTML-escaped, for hits without highlights.
fn lead(body: &str) -> String {
    let mut out: String = body.chars().take(SNIPPET_CHARS).collect();
    if body.chars().count() > SNIPPET_CHARS {
        out.push('…');
    }
    out.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn key(kind: DocKind, id: uuid::Uuid) -> String {
    format!("{}:{id}", kind.as_str())
}

fn facet(dimension: Dimension, value: &str) -> Facet {
    Facet::from_path([dimension.as_str(), value])
}

/// Every (dimension, value) a document is counted under.
pub(crate) fn facet_values(d: &Document) -> Vec<(Dimension, String)> {
    let f = &d.facets;
    let mut out = vec![
        (Dimension::Kind, d.kind.as_str().to_string()),
        (Dimension::Org, d.org_id.clone()),
    ];
    let optional = [
        (Dimension::Subregion, &d.subregion),
        (Dimension::ActivityArea, &f.activity_area),
        (Dimension::CollaborationLevel, &f.collaboration_level),
        (Dimension::Status, &f.status),
        (Dimension::SolutionKind, &f.solution_kind),
        (Dimension::Maturity, &f.maturity),
        (Dimension::Licence, &f.licence),
    ];
    for (dimension, value) in optional {
        if let Some(value) = value {
            out.push((dimension, value.clone()));
        }
    }
    out.extend(f.topics.iter().map(|t| (Dimension::Topic, t.clone())));
    out
}

/// Turns a [`SearchQuery`] into a tantivy query.
struct QueryBuilder {
    fields: Fields,
    stemmed: TextAnalyzer,
    folded: TextAnalyzer,
}

type Clause = (Occur, Box<dyn Query>);

impl QueryBuilder {
    fn build(mut self, q: &SearchQuery) -> Box<dyn Query> {
        let mut clauses: Vec<Clause> = Vec::new();
        // Scope and facet filters narrow the results but must not change the ranking
        // (staff would otherwise see their own organisation's records scored higher).
        if let Some(scope) = self.scope(&q.scope) {
            clauses.push((Occur::Must, filter(scope)));
        }
        for (dimension, values) in &q.filters {
            let any: Vec<Clause> = values
                .iter()
                .map(|v| {
                    (
                        Occur::Should,
                        term(Term::from_facet(self.fields.facets, &facet(*dimension, v))),
                    )
                })
                .collect();
            clauses.push((Occur::Must, filter(Box::new(BooleanQuery::new(any)))));
        }
        if let Some(text) = &q.text {
            let words = self.text(text);
            if words.is_empty() {
                // Only stop words or punctuation: nothing to look for, so nothing found.
                return Box::new(EmptyQuery);
            }
            clauses.extend(words);
        }
        if clauses.is_empty() {
            return Box::new(AllQuery);
        }
        Box::new(BooleanQuery::new(clauses))
    }

    fn scope(&self, scope: &Scope) -> Option<Box<dyn Query>> {
        let public = || term(Term::from_field_text(self.fields.public, "1"));
        match scope {
            Scope::Everything => None,
            Scope::PublicOnly => Some(public()),
            Scope::OwnAndPublic(org) => {
                let own = term(Term::from_field_text(self.fields.org, org));
                Some(Box::new(BooleanQuery::new(vec![
                    (Occur::Should, public()),
                    (Occur::Should, own),
                ])))
            }
        }
    }

    /// Every word must match (in some form); quoted phrases must match as phrases.
    fn text(&mut self, text: &str) -> Vec<Clause> {
        let mut clauses = Vec::new();
        for (i, segment) in text.split('"').enumerate() {
            if i % 2 == 1 {
                if let Some(phrase) = self.phrase(segment) {
                    clauses.push((Occur::Must, phrase));
                }
                continue;
            }
            for word in segment.split_whitespace() {
                if let Some(clause) = self.word(word) {
                    clauses.push((Occur::Must, clause));
                }
            }
        }
        clauses
    }

    fn phrase(&mut self, text: &str) -> Option<Box<dyn Query>> {
        // Positions keep the gaps stop words leave, as at indexing time.
        let stems = analysis::positioned_terms(&mut self.stemmed, text);
        match stems.len() {
            0 => None,
            1 => self.word(text),
            _ => {
                let phrase = |field: Field| -> Box<dyn Query> {
                    let terms = stems
                        .iter()
                        .map(|(pos, s)| (*pos, Term::from_field_text(field, s)))
                        .collect();
                    Box::new(PhraseQuery::new_with_offset(terms))
                };
                let title = Box::new(BoostQuery::new(phrase(self.fields.title), 3.0));
                Some(Box::new(BooleanQuery::new(vec![
                    (Occur::Should, title),
                    (Occur::Should, phrase(self.fields.body)),
                ])))
            }
        }
    }

    /// One typed word: its stems in title, body or compound parts, or its folded form
    /// exactly or with typos.
    fn word(&mut self, word: &str) -> Option<Box<dyn Query>> {
        let stems = analysis::terms(&mut self.stemmed, word);
        let folded = analysis::terms(&mut self.folded, word);
        if stems.is_empty() && folded.is_empty() {
            return None;
        }
        let f = self.fields;
        let stemmed: Vec<Clause> = stems
            .iter()
            .map(|s| {
                let any = vec![
                    (
                        Occur::Should,
                        boost(term(Term::from_field_text(f.title, s)), 3.0),
                    ),
                    (Occur::Should, term(Term::from_field_text(f.body, s))),
                    (
                        Occur::Should,
                        boost(term(Term::from_field_text(f.parts, s)), 0.5),
                    ),
                ];
                (
                    Occur::Must,
                    Box::new(BooleanQuery::new(any)) as Box<dyn Query>,
                )
            })
            .collect();
        let loose: Vec<Clause> = folded
            .iter()
            .map(|w| {
                let exact = Term::from_field_text(f.words, w);
                let mut any = vec![(Occur::Should, boost(term(exact.clone()), 0.8))];
                if let Some(distance) = typo_distance(w) {
                    any.push((
                        Occur::Should,
                        boost(Box::new(FuzzyTermQuery::new(exact, distance, true)), 0.4),
                    ));
                }
                (
                    Occur::Must,
                    Box::new(BooleanQuery::new(any)) as Box<dyn Query>,
                )
            })
            .collect();
        let mut either: Vec<Clause> = Vec::new();
        if !stemmed.is_empty() {
            either.push((Occur::Should, Box::new(BooleanQuery::new(stemmed))));
        }
        if !loose.is_empty() {
            either.push((Occur::Should, Box::new(BooleanQuery::new(loose))));
        }
        Some(Box::new(BooleanQuery::new(either)))
    }
}

/// Longer words tolerate more typos; short ones none (too many false friends).
fn typo_distance(word: &str) -> Option<u8> {
    match word.chars().count() {
        0..=4 => None,
        5..=8 => Some(1),
        _ => Some(2),
    }
}

/// A clause that selects documents without scoring them.
fn filter(q: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(q, 0.0))
}

fn term(t: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs))
}

fn boost(q: Box<dyn Query>, by: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(q, by))
}

#[async_trait]
impl SearchIndex for EmbeddedIndex {
    async fn apply(&self, changes: Vec<Change>) -> Result<(), SearchError> {
        if changes.is_empty() {
            return Ok(());
        }
        let docs: Vec<(Term, Option<TantivyDocument>)> = changes
            .iter()
            .map(|c| match c {
                Change::Upsert(d) => (
                    Term::from_field_text(self.fields.key, &key(d.kind, d.id)),
                    Some(self.to_doc(d)),
                ),
                Change::Delete(kind, id) => (
                    Term::from_field_text(self.fields.key, &key(*kind, *id)),
                    None,
                ),
            })
            .collect();
        let writer = self.writer.clone();
        let reader = self.reader.clone();
        tokio::task::spawn_blocking(move || {
            let err = |e: tantivy::TantivyError| SearchError::Embedded(e.to_string());
            let mut writer = writer
                .lock()
                .map_err(|_| SearchError::Embedded("index writer poisoned".into()))?;
            for (key, doc) in docs {
                writer.delete_term(key);
                if let Some(doc) = doc {
                    writer.add_document(doc).map_err(err)?;
                }
            }
            writer.commit().map_err(err)?;
            reader.reload().map_err(err)
        })
        .await
        .map_err(|e| SearchError::Embedded(e.to_string()))?
    }

    async fn search(&self, query: &SearchQuery) -> Result<SearchResults, SearchError> {
        // Queries are short CPU work on an in-memory reader; run them in place.
        self.run(query)
    }

    async fn clear(&self) -> Result<(), SearchError> {
        let writer = self.writer.clone();
        let reader = self.reader.clone();
        tokio::task::spawn_blocking(move || {
            let err = |e: tantivy::TantivyError| SearchError::Embedded(e.to_string());
            let mut writer = writer
                .lock()
                .map_err(|_| SearchError::Embedded("index writer poisoned".into()))?;
            writer.delete_all_documents().map_err(err)?;
            writer.commit().map_err(err)?;
            reader.reload().map_err(err)
        })
        .await
        .map_err(|e| SearchError::Embedded(e.to_string()))?
    }

    async fn count(&self) -> Result<u64, SearchError> {
        Ok(self.reader.searcher().num_docs())
    }

    fn backend(&self) -> &'static str {
        "embedded"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_tolerance_grows_with_word_length() {
        assert_eq!(typo_distance("iot"), None);
        assert_eq!(typo_distance("arkiv"), Some(1));
        assert_eq!(typo_distance("arendehantring"), Some(2));
    }

    #[test]
    fn a_new_index_is_fresh() {
        assert!(EmbeddedIndex::in_memory().unwrap().is_fresh());
    }
}
