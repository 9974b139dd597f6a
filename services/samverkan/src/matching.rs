//! Feeds the matchmaking engine from the database and keeps its snapshot current: a
//! rebuild after writes (checked every second), and every half minute for writes made by
//! other instances. Matches are answered from a rebuilt engine as soon as it is
//! prepared; its groups are formed beside it and replace the previous groups when done
//! (a grouping still running when another rebuild lands is followed by one for the
//! newest). Reads never wait for a rebuild. Before each rebuild, a cheap reading of which
//! needs are open and public lets answers from the engines in use leave out needs that
//! have left or become internal since they were read.

use std::sync::Arc;
use std::time::{Duration, Instant};

use samverkan_domain::Caller;
use samverkan_domain::vocab::{CollaborationLevel, Maturity, NeedStatus, Visibility};
use samverkan_matchmaking::{
    Engine, Live, NeedInfo, OrgInfo, Snapshot, SolutionInfo, Thesaurus, Weights,
};
use samverkan_store::repo::needs::NeedFilter;
use samverkan_store::repo::solutions::SolutionFilter;
use samverkan_store::{PageRequest, Store};

/// Rebuild at least this often, to pick up other instances' writes.
const REFRESH: Duration = Duration::from_secs(30);

/// What the engine is built with: the operator's weights and thesaurus, both checked.
#[derive(Clone, Default)]
pub struct MatchingSettings {
    /// Signal weights and cut-offs.
    pub weights: Weights,
    /// Words and phrases that mean the same.
    pub thesaurus: Arc<Thesaurus>,
}

/// Builds an engine over the open needs, all solutions and the organisations.
pub async fn load(store: &Store, settings: &MatchingSettings) -> anyhow::Result<Engine> {
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
    // Analysis is CPU work: off the async workers, so requests go on.
    let (weights, thesaurus) = (settings.weights, settings.thesaurus.clone());
    let engine = tokio::task::spawn_blocking(move || {
        Engine::with_thesaurus(weights, &thesaurus, needs, solutions, orgs).read_at(read_at)
    })
    .await?;
    Ok(engine)
}

/// Forms `engine`'s groups on a blocking thread (CPU work, minutes at 100,000 needs).
async fn form_groups(engine: Arc<Engine>) -> anyhow::Result<Arc<Engine>> {
    Ok(tokio::task::spawn_blocking(move || {
        engine.cached_groups();
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
/// the background: matches follow each rebuild at once, groups once formed.
pub async fn start(
    store: Store,
    settings: MatchingSettings,
) -> anyhow::Result<(Arc<Snapshot>, tokio::task::JoinHandle<()>)> {
    let snapshot = Arc::new(Snapshot::default());
    let seen = store.write_generation();
    let first = form_groups(Arc::new(load(&store, &settings).await?)).await?;
    snapshot.set(first.clone());
    snapshot.set_grouped(first.clone());
    let (engines, latest) = tokio::sync::watch::channel(first);
    // One task runs both loops, so aborting it stops both.
    let handle = tokio::spawn({
        let snapshot = snapshot.clone();
        async move {
            tokio::join!(
                group_latest(latest, snapshot.clone()),
                refresh(store, settings, snapshot, engines, seen)
            );
        }
    });
    Ok((snapshot, handle))
}

async fn refresh(
    store: Store,
    settings: MatchingSettings,
    snapshot: Arc<Snapshot>,
    engines: tokio::sync::watch::Sender<Arc<Engine>>,
    mut seen: u64,
) {
    let mut built = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = store.write_generation();
        if now == seen && built.elapsed() < REFRESH {
            continue;
        }
        // Cheap beside a rebuild: answers stop showing needs that have left, or become
        // internal, before the rebuild is prepared.
        match read_live(&store).await {
            Ok(live) => snapshot.set_live(live),
            Err(e) => tracing::warn!(error = %e, "reading the open needs failed"),
        }
        match load(&store, &settings).await {
            Ok(engine) => {
                let engine = Arc::new(engine);
                snapshot.set(engine.clone());
                engines.send_replace(engine);
                seen = now;
                built = Instant::now();
            }
            Err(e) => tracing::warn!(error = %e, "matchmaking refresh failed; retrying"),
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
        match form_groups(engine).await {
            Ok(engine) => snapshot.set_grouped(engine),
            Err(e) => tracing::warn!(error = %e, "forming match groups failed"),
        }
    }
}
