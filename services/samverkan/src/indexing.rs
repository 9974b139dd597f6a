//! Keeps the search index in step with the database: maps records to search documents,
//! applies the transactional outbox, and rebuilds the index from scratch (`reindex`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use samverkan_domain::Caller;
use samverkan_domain::vocab::Visibility;
use samverkan_search::{Change, DocKind, Document, Facets, SearchIndex};
use samverkan_store::outbox::{EntityKind, OutboxEntry};
use samverkan_store::repo::needs::{Need, NeedFilter};
use samverkan_store::repo::solutions::{Solution, SolutionFilter};
use samverkan_store::repo::strategies::{Strategy, StrategyFilter};
use samverkan_store::{PageRequest, Store, StoreError};

/// Outbox entries applied per batch.
const BATCH: u64 = 200;
/// Records read per page during a rebuild.
const PAGE: u64 = 100;
/// Documents sent to the index at once during a rebuild (one index commit each).
const REBUILD_BATCH: usize = 2_000;

/// A rebuild's progress: documents applied, records in all, documents waiting for the
/// next batch.
struct Rebuild {
    done: u64,
    total: u64,
    pending: Vec<Document>,
}

/// Applies database changes to a search index.
pub struct Indexer {
    store: Store,
    index: Arc<dyn SearchIndex>,
    reader: Caller,
    subregions: HashMap<String, String>,
}

impl Indexer {
    /// An indexer over `store` and `index`.
    pub async fn new(store: Store, index: Arc<dyn SearchIndex>) -> anyhow::Result<Self> {
        let subregions = store
            .list_organisations()
            .await?
            .into_iter()
            .filter_map(|o| o.subregion.map(|s| (o.id.to_string(), s)))
            .collect();
        Ok(Self {
            store,
            index,
            reader: Caller::system("search-indexer"),
            subregions,
        })
    }

    /// Applies one batch of the outbox; returns how many entries it handled.
    pub async fn drain_once(&self) -> anyhow::Result<usize> {
        let batch = self.store.outbox_batch(BATCH).await?;
        if batch.is_empty() {
            return Ok(0);
        }
        let mut seen = HashSet::new();
        let mut changes = Vec::new();
        // The latest state of each record is what counts; a record named twice is
        // loaded once.
        for entry in batch.iter().rev() {
            if seen.insert((entry.kind, entry.entity_id)) {
                changes.push(self.change_for(entry).await?);
            }
        }
        changes.reverse();
        self.index.apply(changes).await?;
        self.store
            .outbox_ack(&batch.iter().map(|e| e.id).collect::<Vec<_>>())
            .await?;
        Ok(batch.len())
    }

    /// Drains the outbox until it is empty (used at start to catch up).
    pub async fn catch_up(&self) -> anyhow::Result<usize> {
        let mut total = 0;
        loop {
            match self.drain_once().await? {
                0 => return Ok(total),
                n => total += n,
            }
        }
    }

    /// Runs for ever: applies the outbox whenever a write commits (and every few seconds
    /// in case another instance wrote), retrying after failures.
    pub async fn run(self) {
        loop {
            match self.drain_once().await {
                Ok(0) => {
                    let _ =
                        tokio::time::timeout(Duration::from_secs(2), self.store.outbox_changed())
                            .await;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "search index update failed; retrying");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
    }

    async fn change_for(&self, entry: &OutboxEntry) -> anyhow::Result<Change> {
        let id = entry.entity_id;
        let found = match entry.kind {
            EntityKind::Need => self
                .store
                .get_need(&self.reader, id)
                .await
                .map(|n| self.need(&n)),
            EntityKind::Strategy => self.store.get_strategy(id).await.map(|s| self.strategy(&s)),
            EntityKind::Solution => self.store.get_solution(id).await.map(|s| self.solution(&s)),
        };
        match found {
            Ok(doc) => Ok(Change::Upsert(Box::new(doc))),
            Err(StoreError::NotFound) => Ok(Change::Delete(doc_kind(entry.kind), id)),
            Err(e) => Err(e.into()),
        }
    }

    /// Rebuilds the index from the database, reporting progress as (done, total).
    pub async fn rebuild(&self, mut progress: impl FnMut(u64, u64)) -> anyhow::Result<u64> {
        let total = self.store.record_counts().await?.total();
        self.index.clear().await?;
        let mut run = Rebuild {
            done: 0,
            total,
            pending: Vec::with_capacity(REBUILD_BATCH),
        };
        let all_needs = &NeedFilter::default();
        let all_strategies = &StrategyFilter::default();
        let all_solutions = &SolutionFilter::default();
        self.pages(&mut run, &mut progress, |page| async move {
            let p = self
                .store
                .list_needs(&self.reader, all_needs, &page)
                .await?;
            Ok((
                p.items.iter().map(|n| self.need(n)).collect(),
                p.next_cursor,
            ))
        })
        .await?;
        self.pages(&mut run, &mut progress, |page| async move {
            let p = self
                .store
                .list_strategies(all_strategies, None, &page)
                .await?;
            Ok((
                p.items.iter().map(|s| self.strategy(s)).collect(),
                p.next_cursor,
            ))
        })
        .await?;
        self.pages(&mut run, &mut progress, |page| async move {
            let p = self.store.list_solutions(all_solutions, &page).await?;
            Ok((
                p.items.iter().map(|s| self.solution(s)).collect(),
                p.next_cursor,
            ))
        })
        .await?;
        run.done += self.apply(std::mem::take(&mut run.pending)).await?;
        progress(run.done, run.total);
        Ok(run.done)
    }

    /// Reads every page `fetch` gives, sending documents to the index in batches.
    async fn pages<F, Fut>(
        &self,
        run: &mut Rebuild,
        progress: &mut impl FnMut(u64, u64),
        fetch: F,
    ) -> anyhow::Result<()>
    where
        F: Fn(PageRequest) -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<(Vec<Document>, Option<String>)>>,
    {
        let mut cursor = None;
        loop {
            let (docs, next) = fetch(PageRequest {
                limit: Some(PAGE),
                cursor,
            })
            .await?;
            run.pending.extend(docs);
            if run.pending.len() >= REBUILD_BATCH {
                run.done += self.apply(std::mem::take(&mut run.pending)).await?;
                progress(run.done, run.total);
            }
            cursor = next;
            if cursor.is_none() {
                return Ok(());
            }
        }
    }

    async fn apply(&self, docs: Vec<Document>) -> anyhow::Result<u64> {
        let n = docs.len() as u64;
        self.index
            .apply(
                docs.into_iter()
                    .map(|d| Change::Upsert(Box::new(d)))
                    .collect(),
            )
            .await?;
        Ok(n)
    }

    fn subregion(&self, org: &str) -> Option<String> {
        self.subregions.get(org).cloned()
    }

    /// A need as a search document: its text, facets and visibility; never its contact.
    pub fn need(&self, n: &Need) -> Document {
        let f = &n.fields;
        let body = [
            Some(f.description.as_str()),
            f.hypothesis.as_deref(),
            Some(&f.tags.join(", ")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n");
        Document {
            id: n.id,
            kind: DocKind::Need,
            title: f.title.clone(),
            body,
            org_id: n.org_id.to_string(),
            subregion: self.subregion(n.org_id.as_str()),
            public: f.visibility == Visibility::Public,
            facets: Facets {
                activity_area: Some(f.activity_area.as_str().into()),
                topics: f.topics.iter().map(|t| t.as_str().to_string()).collect(),
                collaboration_level: Some(f.collaboration_level.as_str().into()),
                status: Some(f.status.as_str().into()),
                ..Facets::default()
            },
            updated_at: n.updated_at,
        }
    }

    /// A strategy as a search document: title, summary and goals.
    pub fn strategy(&self, s: &Strategy) -> Document {
        let f = &s.fields;
        let mut body = f.summary.clone().unwrap_or_default();
        for goal in &f.goals {
            body.push('\n');
            body.push_str(&goal.title);
            if let Some(d) = &goal.description {
                body.push_str(": ");
                body.push_str(d);
            }
        }
        Document {
            id: s.id,
            kind: DocKind::Strategy,
            title: f.title.clone(),
            body,
            org_id: s.org_id.to_string(),
            subregion: self.subregion(s.org_id.as_str()),
            public: true,
            facets: Facets {
                status: Some(f.status.as_str().into()),
                ..Facets::default()
            },
            updated_at: s.updated_at,
        }
    }

    /// A solution as a search document: name, description, cost note, tags; never its
    /// contact.
    pub fn solution(&self, s: &Solution) -> Document {
        let f = &s.fields;
        let body = [
            Some(f.description.as_str()),
            f.adoption_cost_note.as_deref(),
            Some(&f.tags.join(", ")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n");
        Document {
            id: s.id,
            kind: DocKind::Solution,
            title: f.name.clone(),
            body,
            org_id: s.org_id.to_string(),
            subregion: self.subregion(s.org_id.as_str()),
            public: true,
            facets: Facets {
                topics: f.topics.iter().map(|t| t.as_str().to_string()).collect(),
                solution_kind: Some(f.kind.as_str().into()),
                maturity: Some(f.maturity.as_str().into()),
                licence: f.licence.clone(),
                ..Facets::default()
            },
            updated_at: s.updated_at,
        }
    }
}

fn doc_kind(kind: EntityKind) -> DocKind {
    match kind {
        EntityKind::Need => DocKind::Need,
        EntityKind::Strategy => DocKind::Strategy,
        EntityKind::Solution => DocKind::Solution,
    }
}
