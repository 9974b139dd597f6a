//! The latest prepared engine, shared by readers while a new one is built beside it: a
//! recompute never blocks a read or a write.
//!
//! Two engines are held. Matches come from the newest one as soon as it is prepared
//! (seconds even at 100,000 needs). Groups come from the newest engine whose groups are
//! formed, which at that size takes minutes: until then the coordinator sees the groups
//! of the engine before, consistent with that engine's needs.

use std::sync::{Arc, RwLock};

use crate::engine::Engine;
use crate::weights::Weights;

/// Holds the current engine and the newest one with its groups formed.
pub struct Snapshot {
    current: RwLock<Arc<Engine>>,
    grouped: RwLock<Arc<Engine>>,
}

impl Default for Snapshot {
    fn default() -> Self {
        let empty = Arc::new(Engine::new(Weights::default(), vec![], vec![], vec![]));
        Self {
            current: RwLock::new(empty.clone()),
            grouped: RwLock::new(empty),
        }
    }
}

fn read(lock: &RwLock<Arc<Engine>>) -> Arc<Engine> {
    lock.read()
        .map(|e| e.clone())
        .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
}

fn write(lock: &RwLock<Arc<Engine>>, engine: Arc<Engine>) {
    match lock.write() {
        Ok(mut guard) => *guard = engine,
        Err(poisoned) => *poisoned.into_inner() = engine,
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
}
