//! The latest prepared engine, shared by readers while a new one is built beside it: a
//! recompute never blocks a read or a write.

use std::sync::{Arc, RwLock};

use crate::engine::Engine;
use crate::weights::Weights;

/// Holds the current engine.
pub struct Snapshot {
    current: RwLock<Arc<Engine>>,
}

impl Default for Snapshot {
    fn default() -> Self {
        Self {
            current: RwLock::new(Arc::new(Engine::new(
                Weights::default(),
                vec![],
                vec![],
                vec![],
            ))),
        }
    }
}

impl Snapshot {
    /// The engine to answer from now.
    pub fn get(&self) -> Arc<Engine> {
        self.current
            .read()
            .map(|e| e.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Replaces the engine (readers holding the old one finish with it).
    pub fn set(&self, engine: Engine) {
        let engine = Arc::new(engine);
        match self.current.write() {
            Ok(mut guard) => *guard = engine,
            Err(poisoned) => *poisoned.into_inner() = engine,
        }
    }
}
