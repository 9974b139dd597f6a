//! Record counts, for progress reporting and health output.

use sea_orm::{EntityTrait, PaginatorTrait};

use crate::entity::{need, solution, strategy};
use crate::{Store, StoreError};

/// How many records of each kind the registry holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordCounts {
    /// Needs.
    pub needs: u64,
    /// Strategies.
    pub strategies: u64,
    /// Solutions.
    pub solutions: u64,
}

impl RecordCounts {
    /// All records.
    pub fn total(&self) -> u64 {
        self.needs + self.strategies + self.solutions
    }
}

impl Store {
    /// Counts every record, whatever its visibility (callers must not expose it per
    /// tenant).
    pub async fn record_counts(&self) -> Result<RecordCounts, StoreError> {
        Ok(RecordCounts {
            needs: need::Entity::find().count(self.db()).await?,
            strategies: strategy::Entity::find().count(self.db()).await?,
            solutions: solution::Entity::find().count(self.db()).await?,
        })
    }
}
