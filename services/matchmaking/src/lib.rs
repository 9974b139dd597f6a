//! The matchmaking engine: finds needs of other organisations that are the same or close,
//! existing solutions that could meet a need, and groups of needs that could become one
//! collaboration — each with the reasons a coordinator can show a municipality.
//!
//! Pure functions over plain data: no I/O, so the engine can be tested, evaluated against
//! a labelled set and benchmarked on its own.

pub mod cluster;
pub mod engine;
pub mod groups;
mod index;
mod meaning;
pub mod model;
mod profile;
mod regroup;
mod search;
pub mod signals;
pub mod snapshot;
pub mod text;
pub mod thesaurus;
mod vectors;
pub mod weights;

pub use engine::{Adopted, Engine, Explanation, Match};
pub use groups::Group;
pub use model::{NeedInfo, OrgInfo, SolutionInfo};
pub use snapshot::{Live, Snapshot};
pub use thesaurus::Thesaurus;
pub use weights::Weights;
