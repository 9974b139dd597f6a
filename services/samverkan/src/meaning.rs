//! Sentence embeddings of the needs' texts for matchmaking (docs/matching.md, *Meaning*):
//! which needs have one for their current text, and embedding the rest. Embeddings are
//! kept in the database and in memory, keyed by the digest of the text they were made
//! from, so the model reads each text once. The embedding server is never waited for by
//! a rebuild: needs without an embedding are matched by their words until theirs is
//! made, in the background.

use std::collections::HashMap;
use std::sync::Arc;

use samverkan_domain::Caller;
use samverkan_embeddings::Embedder;
use samverkan_matchmaking::NeedInfo;
use samverkan_store::Store;
use samverkan_store::repo::embeddings::NeedEmbedding;
use tokio::sync::Mutex;
use uuid::Uuid;

/// Needs embedded per round trip to the database: progress is kept this often.
const SAVE_EVERY: usize = 64;

/// A need whose embedding is missing, or was made from another text.
#[derive(Debug, Clone)]
pub struct Pending {
    need_id: Uuid,
    input: String,
    digest: String,
}

/// An embedding kept for a need, with the digest of the text it was made from.
struct Kept {
    digest: String,
    vector: Arc<[f32]>,
}

/// The embedding server, and the embeddings it has made so far.
pub struct Meaning {
    embedder: Arc<Embedder>,
    /// Loaded from the database on first use.
    kept: Mutex<Option<HashMap<Uuid, Kept>>>,
}

impl Meaning {
    /// Embeddings from `embedder`, none kept yet in memory.
    pub fn new(embedder: Embedder) -> Self {
        Self {
            embedder: Arc::new(embedder),
            kept: Mutex::new(None),
        }
    }

    /// The embeddings of `needs` made from their current text, by need id, and the needs
    /// still to embed.
    pub async fn current(
        &self,
        store: &Store,
        needs: &[NeedInfo],
    ) -> anyhow::Result<(HashMap<Uuid, Arc<[f32]>>, Vec<Pending>)> {
        let mut guard = self.kept.lock().await;
        let kept = match guard.as_mut() {
            Some(kept) => kept,
            None => guard.insert(self.read_kept(store).await?),
        };
        // Only open needs are matched: forget the rest, so that memory follows the
        // registry (a need that opens again is embedded anew, a fraction of a second).
        let open: std::collections::HashSet<Uuid> = needs.iter().map(|n| n.id).collect();
        kept.retain(|id, _| open.contains(id));
        let mut current = HashMap::new();
        let mut pending = Vec::new();
        for need in needs {
            let digest = samverkan_embeddings::digest(&need.title, &need.text);
            match kept.get(&need.id) {
                Some(k) if k.digest == digest => {
                    current.insert(need.id, k.vector.clone());
                }
                _ => pending.push(Pending {
                    need_id: need.id,
                    input: samverkan_embeddings::input(&need.title, &need.text),
                    digest,
                }),
            }
        }
        // Newest first (need ids are time-ordered): a need written during a long first
        // run is not kept waiting behind it.
        pending.sort_by_key(|p| std::cmp::Reverse(p.need_id));
        Ok((current, pending))
    }

    /// Embeds `pending` (skipping needs embedded meanwhile), keeping each stretch of
    /// [`SAVE_EVERY`] in the database and in memory as it is done; `progress` is told
    /// how many are done after each, and answers whether to go on (a newer list may
    /// have come). Stops at the first error: what was kept stays kept.
    pub async fn embed(
        &self,
        store: &Store,
        pending: &[Pending],
        mut progress: impl FnMut(usize) -> bool,
    ) -> anyhow::Result<usize> {
        let mut done = 0;
        for stretch in pending.chunks(SAVE_EVERY) {
            let todo = self.still_needed(stretch).await;
            if !todo.is_empty() {
                let texts: Vec<String> = todo.iter().map(|p| p.input.clone()).collect();
                let vectors = self.embedder.embed(&texts).await?;
                let rows: Vec<NeedEmbedding> = todo
                    .iter()
                    .zip(vectors)
                    .map(|(p, vector)| NeedEmbedding {
                        need_id: p.need_id,
                        model: self.embedder.model().to_string(),
                        input_digest: p.digest.clone(),
                        vector,
                    })
                    .collect();
                store
                    .save_need_embeddings(&Caller::system("matchmaking"), &rows)
                    .await?;
                self.remember(rows).await;
                done += todo.len();
            }
            if !progress(done) {
                break;
            }
        }
        Ok(done)
    }

    /// The needs of `stretch` not embedded for their text since they were listed.
    async fn still_needed<'p>(&self, stretch: &'p [Pending]) -> Vec<&'p Pending> {
        let guard = self.kept.lock().await;
        stretch
            .iter()
            .filter(|p| {
                guard
                    .as_ref()
                    .and_then(|kept| kept.get(&p.need_id))
                    .is_none_or(|k| k.digest != p.digest)
            })
            .collect()
    }

    async fn remember(&self, rows: Vec<NeedEmbedding>) {
        let mut guard = self.kept.lock().await;
        guard
            .get_or_insert_with(HashMap::new)
            .extend(rows.into_iter().map(entry));
    }

    async fn read_kept(&self, store: &Store) -> anyhow::Result<HashMap<Uuid, Kept>> {
        let rows = store
            .need_embeddings(&Caller::system("matchmaking"), self.embedder.model())
            .await?;
        Ok(rows.into_iter().map(entry).collect())
    }
}

/// A stored embedding as kept in memory.
fn entry(row: NeedEmbedding) -> (Uuid, Kept) {
    let kept = Kept {
        digest: row.input_digest,
        vector: row.vector.into(),
    };
    (row.need_id, kept)
}
