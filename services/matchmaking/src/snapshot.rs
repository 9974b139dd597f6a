//! The latest prepared engine, shared by readers while a new one is built beside it: a
//! recompute never blocks a read or a write.
//!
//! Two engines are held. Matches come from the newest one as soon as it is prepared
//! (seconds even at 100,000 needs). Groups come from the newest engine whose groups are
//! formed, which at that size takes tens of seconds: until then the coordinator sees the
//! groups of the engine before, consistent with that engine's needs.
//!
//! Between rebuilds, a cheaper reading says which needs are open now and which of them
//! are public ([`Live`]): answers from an engine read before it leave out the needs that
//! have left since (withdrawn, closed, deleted) and respect a visibility changed since, so
//! nothing withdrawn or made internal is shown while a large registry is re-prepared.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::engine::Engine;
use crate::weights::Weights;

/// Holds the current engine and the newest one with its groups formed.
pub struct Snapshot {
    current: RwLock<Arc<Engine>>,
    grouped: RwLock<Arc<Engine>>,
    live: RwLock<Option<Arc<Live>>>,
}

/// The open needs at one moment, each with whether it is public: what an engine read
/// earlier is checked against.
#[derive(Debug, Clone, PartialEq)]
pub struct Live {
    /// When the registry was read for it.
    pub read_at: DateTime<Utc>,
    /// Open need → whether it is public.
    pub open: HashMap<Uuid, bool>,
}

impl Live {
    /// Whether need `id` is still open.
    pub fn is_open(&self, id: Uuid) -> bool {
        self.open.contains_key(&id)
    }

    /// Whether need `id` is public now (`None`: it is no longer open).
    pub fn is_public(&self, id: Uuid) -> Option<bool> {
        self.open.get(&id).copied()
    }
}

impl Default for Snapshot {
    fn default() -> Self {
        let empty = Arc::new(Engine::new(Weights::default(), vec![], vec![], vec![]));
        Self {
            current: RwLock::new(empty.clone()),
            grouped: RwLock::new(empty),
            live: RwLock::new(None),
        }
    }
}

fn read<T: Clone>(lock: &RwLock<T>) -> T {
    lock.read()
        .map(|e| e.clone())
        .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
}

fn write<T>(lock: &RwLock<T>, value: T) {
    match lock.write() {
        Ok(mut guard) => *guard = value,
        Err(poisoned) => *poisoned.into_inner() = value,
    }
}

impl Snapshot {
    /// The engine to answer matches from now.
    pub fn get(&self) -> Arc<Engine> {
        read(&self.current)
    }

    /// The newest engine whose groups are formed: answer groups from it.
    pub fn grouped(&self) -> Arc<Engine> {
        read(&self.grouped)
    }

    /// Whether the groups answered now are older than the matches: a newer engine's
    /// groups are still being formed, and will replace them.
    pub fn groups_pending(&self) -> bool {
        !Arc::ptr_eq(&self.get(), &self.grouped())
    }

    /// Makes `engine` the one to answer matches from (readers holding the old one finish
    /// with it); its groups are still to be formed.
    pub fn set(&self, engine: Arc<Engine>) {
        write(&self.current, engine);
    }

    /// Records which needs are open now (see [`Live`]).
    pub fn set_live(&self, live: Live) {
        write(&self.live, Some(Arc::new(live)));
    }

    /// The newest reading of the open needs, when it is newer than `engine`'s (an engine
    /// that does not say when it was read is taken as current): what an answer from
    /// `engine` must be checked against.
    pub fn live_after(&self, engine: &Engine) -> Option<Arc<Live>> {
        let live = read(&self.live)?;
        (live.read_at > engine.as_of()?).then_some(live)
    }

    /// Makes `engine`, whose groups are now formed ([`Engine::cached_groups`]), the one
    /// to answer groups from.
    pub fn set_grouped(&self, engine: Arc<Engine>) {
        write(&self.grouped, engine);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NeedInfo;

    fn engine(needs: usize) -> Arc<Engine> {
        let needs = (0..needs)
            .map(|i| NeedInfo {
                id: uuid::Uuid::from_u128(i as u128 + 1),
                org: format!("{i}"),
                title: "Digitala lås i hemtjänsten".into(),
                text: "Nycklarna ska bort.".into(),
                activity_area: "omsorg".into(),
                topics: vec![],
                needed_from: None,
                needed_by: None,
                budget_max_sek: None,
                collaboration_level: 0,
                public: true,
            })
            .collect();
        Arc::new(Engine::new(Weights::default(), needs, vec![], vec![]))
    }

    #[test]
    fn matches_move_on_before_groups_do() {
        let snapshot = Snapshot::default();
        let first = engine(2);
        snapshot.set(first.clone());
        snapshot.set_grouped(first);
        assert!(!snapshot.groups_pending());
        let newer = engine(3);
        snapshot.set(newer.clone());
        assert_eq!(snapshot.get().needs().len(), 3, "matches from the newest");
        assert_eq!(
            snapshot.grouped().needs().len(),
            2,
            "groups from the newest grouped engine"
        );
        assert!(snapshot.groups_pending(), "the newest's groups are forming");
        snapshot.set_grouped(newer);
        assert!(!snapshot.groups_pending());
    }

    /// Only a reading of the open needs newer than an engine overrides it: an engine read
    /// after the reading already knows better.
    #[test]
    fn a_newer_reading_of_the_open_needs_overrides_an_older_engine() {
        let snapshot = Snapshot::default();
        let at = |s: i64| DateTime::from_timestamp(1_800_000_000 + s, 0).expect("a time");
        let engine_at = |s: i64| {
            Arc::into_inner(engine(2))
                .expect("one owner")
                .read_at(at(s))
        };
        let (older, newer) = (engine_at(0), engine_at(20));
        assert!(snapshot.live_after(&older).is_none(), "nothing read yet");
        let gone = Uuid::from_u128(1);
        let stays = Uuid::from_u128(2);
        snapshot.set_live(Live {
            read_at: at(10),
            open: HashMap::from([(stays, false)]),
        });
        let live = snapshot.live_after(&older).expect("newer than the engine");
        assert!(!live.is_open(gone) && live.is_open(stays));
        assert_eq!(live.is_public(stays), Some(false));
        assert!(snapshot.live_after(&newer).is_none(), "the engine is newer");
    }
}
