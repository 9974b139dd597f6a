//! Feeds the matchmaking engine from the database and keeps its snapshot current: a
//! rebuild after writes (checked every second), and every half minute for writes made by
//! other instances. Matches are answered from a rebuilt engine as soon as it is
//! prepared; its groups are formed beside it and replace the previous groups when done
//! (a grouping still running when another rebuild lands is followed by one for the
//! newest). Reads never wait for a rebuild. Before each rebuild, a cheap reading of which
//! needs are open and public lets answers from the engines in use leave out needs that
//! have left or become internal since they were read. With an embedding server
//! configured, needs without an embedding for their current text are embedded in the
//! background, and a rebuild follows when they are.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use samverkan_domain::Caller;
use samverkan_domain::vocab::{CollaborationLevel, Maturity, NeedStatus, Visibility};
use samverkan_matchmaking::{
    Adopted, Engine, Live, NeedInfo, OrgInfo, Snapshot, SolutionInfo, Thesaurus, Weights,
};
use samverkan_store::repo::needs::NeedFilter;
use samverkan_store::repo::solutions::SolutionFilter;
use samverkan_store::{PageRequest, Store};

use crate::meaning::{Meaning, Pending};

/// Rebuild at least this often, to pick up other instances' writes.
const REFRESH: Duration = Duration::from_secs(30);

/// While needs are being embedded, a rebuild follows at least this often, so that a
/// large registry's first embedding shows in matches as it goes, without a rebuild for
/// every stretch.
const EMBEDDED_SHOWN_EVERY: Duration = Duration::from_secs(30);

/// After a failed request to the embedding server, wait this long before the next.
const EMBEDDING_RETRY: Duration = Duration::from_secs(30);

/// What the engine is built with: the operator's weights and thesaurus, both checked,
/// and the embedding server, if one is configured.
#[derive(Clone, Default)]
pub struct MatchingSettings {
    /// Signal weights and cut-offs.
    pub weights: Weights,
    /// Words and phrases that mean the same.
    pub thesaurus: Arc<Thesaurus>,
    /// Sentence embeddings of the needs' texts, to match them by meaning too.
    pub meaning: Option<Arc<Meaning>>,
}

/// Builds an engine over the open needs, all solutions and the organisations, first
/// embedding the needs that have no embedding for their text yet (for one-off use, such
/// as `samverkan match`; the service's rebuilds do not wait for the embedding server).
pub async fn load(store: &Store, settings: &MatchingSettings) -> anyhow::Result<Engine> {
    let registry = read_registry(store).await?;
    if let Some(meaning) = &settings.meaning {
        let (_, pending) = meaning.current(store, &registry.needs).await?;
        meaning.embed(store, &pending, |_| true).await?;
    }
    Ok(build(store, settings, registry, None).await?.0)
}

/// Builds an engine over what the registry holds now, with the embeddings made so far,
/// reusing the `previous` engine's analysis of the texts when no text changed since;
/// also the needs still to embed.
async fn prepare(
    store: &Store,
    settings: &MatchingSettings,
    previous: Option<Arc<Engine>>,
) -> anyhow::Result<(Engine, Vec<Pending>)> {
    build(store, settings, read_registry(store).await?, previous).await
}

/// Builds an engine over `registry`, with the embeddings made so far of its needs (see
/// [`prepare`] for `previous`); also the needs still to embed.
async fn build(
    store: &Store,
    settings: &MatchingSettings,
    registry: Registry,
    previous: Option<Arc<Engine>>,
) -> anyhow::Result<(Engine, Vec<Pending>)> {
    let Registry {
        needs,
        solutions,
        orgs,
        read_at,
    } = registry;
    let (embeddings, pending) = match &settings.meaning {
        Some(meaning) => meaning.current(store, &needs).await?,
        None => Default::default(),
    };
    // Analysis is CPU work: off the async workers, so requests go on.
    let (weights, thesaurus) = (settings.weights, settings.thesaurus.clone());
    let engine = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let engine = match &previous {
            Some(previous) => {
                Engine::updated(previous, weights, &thesaurus, needs, solutions, orgs)
            }
            None => Engine::with_thesaurus(weights, &thesaurus, needs, solutions, orgs),
        };
        let engine = engine.with_embeddings_since(previous.as_deref(), &embeddings);
        let reused = previous
            .as_ref()
            .is_some_and(|p| engine.shares_texts_with(p));
        let meaning_reused = previous.is_some_and(|p| engine.shares_meaning_with(&p));
        let ms = started.elapsed().as_millis();
        tracing::debug!(
            needs = engine.needs().len(),
            ms,
            reused,
            meaning_reused,
            "matchmaking: prepared"
        );
        engine.read_at(read_at)
    })
    .await?;
    Ok((engine, pending))
}

/// What the engine is built from, as it takes it.
struct Registry {
    /// The open needs.
    needs: Vec<NeedInfo>,
    /// Every solution.
    solutions: Vec<SolutionInfo>,
    /// Every organisation.
    orgs: Vec<OrgInfo>,
    /// When they were read: everything committed before is in them.
    read_at: chrono::DateTime<chrono::Utc>,
}

/// The open needs, all solutions and the organisations, as the engine takes them.
async fn read_registry(store: &Store) -> anyhow::Result<Registry> {
    let reader = Caller::system("matchmaking");
    // Everything committed before this moment is in what follows.
    let read_at = chrono::Utc::now();
    let orgs = store.list_organisations().await?;
    let filter = NeedFilter {
        status: Some(NeedStatus::Open),
        ..NeedFilter::default()
    };
    let mut needs = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_needs(
                &reader,
                &filter,
                &PageRequest {
                    limit: Some(100),
                    cursor,
                },
            )
            .await?;
        needs.extend(page.items.into_iter().map(|n| {
            let f = n.fields;
            NeedInfo {
                id: n.id,
                org: n.org_id.to_string(),
                text: [Some(f.description), f.hypothesis, Some(f.tags.join(" "))]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("\n"),
                title: f.title,
                activity_area: f.activity_area.as_str().into(),
                topics: f.topics.iter().map(|t| t.as_str().to_string()).collect(),
                needed_from: f.needed_from,
                needed_by: f.needed_by,
                budget_max_sek: f
                    .budget
                    .max
                    .map(|s| u64::try_from(s.to_ore() / 100).unwrap_or(0)),
                collaboration_level: level(f.collaboration_level),
                public: f.visibility == Visibility::Public,
            }
        }));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    let mut solutions = Vec::new();
    loop {
        let page = store
            .list_solutions(
                &SolutionFilter::default(),
                &PageRequest {
                    limit: Some(100),
                    cursor,
                },
            )
            .await?;
        solutions.extend(page.items.into_iter().map(|s| {
            SolutionInfo {
                id: s.id,
                org: s.org_id.to_string(),
                name: s.fields.name,
                text: s.fields.description,
                topics: s
                    .fields
                    .topics
                    .iter()
                    .map(|t| t.as_str().to_string())
                    .collect(),
                maturity: maturity(s.fields.maturity),
                adopters: s
                    .adoptions
                    .iter()
                    .filter(|a| a.fields.state != samverkan_domain::vocab::AdoptionState::Stopped)
                    .map(|a| a.org_id.to_string())
                    .collect(),
            }
        }));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    let orgs = orgs
        .into_iter()
        .map(|o| OrgInfo {
            id: o.id.to_string(),
            subregion: o.subregion,
            population: o.population.map(|p| p.0.max(0) as u64),
        })
        .collect();
    Ok(Registry {
        needs,
        solutions,
        orgs,
        read_at,
    })
}

/// Forms `engine`'s groups on a blocking thread (CPU work, 15-20 s at 100,000 needs), or
/// takes those of `grouped` when it was built from the same texts: as they are after a
/// write that changed nothing the groups are made of (or the periodic rebuild), with
/// budgets summed anew after budgets or visibility changed, re-formed from them after a
/// few needs changed other signals (see `Engine::adopt_groups_of`).
async fn form_groups(
    engine: Arc<Engine>,
    grouped: Option<Arc<Engine>>,
) -> anyhow::Result<Arc<Engine>> {
    Ok(tokio::task::spawn_blocking(move || {
        match grouped.and_then(|g| engine.adopt_groups_of(&g)) {
            Some(Adopted::Unchanged) => {
                tracing::debug!("matchmaking: registry unchanged, groups kept");
            }
            Some(Adopted::BudgetsOrVisibility(needs)) => {
                tracing::debug!(
                    needs,
                    "matchmaking: only budgets or visibility changed, groups kept with budgets summed anew"
                );
            }
            Some(Adopted::Regrouped(needs)) => {
                tracing::debug!(
                    needs,
                    "matchmaking: needs' other signals changed, groups re-formed from those before"
                );
            }
            None => {
                engine.cached_groups();
            }
        }
        engine
    })
    .await?)
}

fn level(l: CollaborationLevel) -> u8 {
    match l {
        CollaborationLevel::Samverkan => 0,
        CollaborationLevel::Samordning => 1,
        CollaborationLevel::Samutveckling => 2,
    }
}

fn maturity(m: Maturity) -> u8 {
    match m {
        Maturity::Idea => 0,
        Maturity::Pilot => 1,
        Maturity::Production => 2,
        Maturity::InUseBySeveral => 3,
    }
}

/// Builds the first snapshot with `settings`, groups included, then keeps it current in
/// the background: matches follow each rebuild at once, groups once formed, and needs
/// without an embedding are embedded (when an embedding server is configured).
pub async fn start(
    store: Store,
    settings: MatchingSettings,
) -> anyhow::Result<(Arc<Snapshot>, tokio::task::JoinHandle<()>)> {
    let snapshot = Arc::new(Snapshot::default());
    let seen = store.write_generation();
    let (first, pending) = prepare(&store, &settings, None).await?;
    let first = form_groups(Arc::new(first), None).await?;
    snapshot.set(first.clone());
    snapshot.set_grouped(first.clone());
    let (engines, latest) = tokio::sync::watch::channel(first);
    let (to_embed, embed_queue) = tokio::sync::watch::channel(pending);
    let embedded = Arc::new(AtomicBool::new(false));
    // One task runs every loop, so aborting it stops them all.
    let handle = tokio::spawn({
        let snapshot = snapshot.clone();
        let rebuilds = Rebuilds {
            store: store.clone(),
            settings: settings.clone(),
            snapshot: snapshot.clone(),
            engines,
            to_embed,
            embedded: embedded.clone(),
        };
        async move {
            let embedding = async {
                if let Some(meaning) = &settings.meaning {
                    embed_pending(&store, meaning, embed_queue, &embedded).await;
                }
            };
            tokio::join!(
                group_latest(latest, snapshot),
                rebuilds.run(seen),
                embedding
            );
        }
    });
    Ok((snapshot, handle))
}

/// The rebuild loop and where its results go.
struct Rebuilds {
    store: Store,
    settings: MatchingSettings,
    snapshot: Arc<Snapshot>,
    /// Each new engine, for its groups to be formed.
    engines: tokio::sync::watch::Sender<Arc<Engine>>,
    /// The needs each new engine found without an embedding.
    to_embed: tokio::sync::watch::Sender<Vec<Pending>>,
    /// Set when embeddings were made since the last rebuild.
    embedded: Arc<AtomicBool>,
}

impl Rebuilds {
    async fn run(self, mut seen: u64) {
        let mut built = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let now = self.store.write_generation();
            let embedded = self.embedded.swap(false, Ordering::AcqRel);
            if now == seen && built.elapsed() < REFRESH && !embedded {
                continue;
            }
            // Cheap beside a rebuild: answers stop showing needs that have left, or
            // become internal, before the rebuild is prepared.
            match read_live(&self.store).await {
                Ok(live) => self.snapshot.set_live(live),
                Err(e) => tracing::warn!(error = %e, "reading the open needs failed"),
            }
            let previous = Some(self.snapshot.get());
            match prepare(&self.store, &self.settings, previous).await {
                Ok((engine, pending)) => {
                    let engine = Arc::new(engine);
                    self.snapshot.set(engine.clone());
                    self.engines.send_replace(engine);
                    self.to_embed.send_replace(pending);
                    seen = now;
                    built = Instant::now();
                }
                Err(e) => tracing::warn!(error = %e, "matchmaking refresh failed; retrying"),
            }
        }
    }
}

/// Embeds the needs the latest rebuild found without an embedding, newest first, and
/// asks for a rebuild when done (and every [`EMBEDDED_SHOWN_EVERY`] on a long list); a
/// newer list replaces the one in hand between stretches. A failure is
/// logged and tried again after [`EMBEDDING_RETRY`], with the then latest list.
async fn embed_pending(
    store: &Store,
    meaning: &Meaning,
    mut queue: tokio::sync::watch::Receiver<Vec<Pending>>,
    embedded: &AtomicBool,
) {
    loop {
        let pending = queue.borrow_and_update().clone();
        if !pending.is_empty() {
            let mut shown = Instant::now();
            let outcome = meaning
                .embed(store, &pending, |done| {
                    if done > 0 && shown.elapsed() >= EMBEDDED_SHOWN_EVERY {
                        embedded.store(true, Ordering::Release);
                        shown = Instant::now();
                    }
                    // A newer list (from a later rebuild) holds what is left of this one
                    // and the needs written since: go on with that.
                    !queue.has_changed().unwrap_or(false)
                })
                .await;
            match outcome {
                Ok(done) => {
                    tracing::info!(needs = done, "needs embedded for matching by meaning");
                    // Cut short by a newer list: that one's end asks for the rebuild, so
                    // that a long first run does not rebuild after every stretch.
                    if done > 0 && !queue.has_changed().unwrap_or(false) {
                        embedded.store(true, Ordering::Release);
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "embedding needs failed; matching them by their words meanwhile");
                    tokio::time::sleep(EMBEDDING_RETRY).await;
                    continue;
                }
            }
        }
        if queue.changed().await.is_err() {
            return;
        }
    }
}

/// Which needs are open now, and which of them are public.
async fn read_live(store: &Store) -> anyhow::Result<Live> {
    let read_at = chrono::Utc::now();
    let open = store
        .open_needs_visibility(&Caller::system("matchmaking"))
        .await?;
    Ok(Live { read_at, open })
}

/// Forms the groups of the newest engine, skipping any that were replaced meanwhile.
async fn group_latest(
    mut latest: tokio::sync::watch::Receiver<Arc<Engine>>,
    snapshot: Arc<Snapshot>,
) {
    while latest.changed().await.is_ok() {
        let engine = latest.borrow_and_update().clone();
        match form_groups(engine, Some(snapshot.grouped())).await {
            Ok(engine) => snapshot.set_grouped(engine),
            Err(e) => tracing::warn!(error = %e, "forming match groups failed"),
        }
    }
}
