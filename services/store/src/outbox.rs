//! The transactional outbox for the search index: every write enqueues the record it
//! changed in its own transaction; a worker applies the queue to the index and then
//! acknowledges it. A crash between the two steps loses nothing: unacknowledged entries
//! are applied again (index updates are idempotent).

use std::sync::Arc;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::entity::outbox;
use crate::{Store, StoreError};

/// Which kind of record an outbox entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    /// A need.
    Need,
    /// A strategy.
    Strategy,
    /// A solution (also enqueued when its adoptions change).
    Solution,
}

impl EntityKind {
    fn as_str(self) -> &'static str {
        match self {
            EntityKind::Need => "need",
            EntityKind::Strategy => "strategy",
            EntityKind::Solution => "solution",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        [EntityKind::Need, EntityKind::Strategy, EntityKind::Solution]
            .into_iter()
            .find(|k| k.as_str() == raw)
    }
}

/// One pending index update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Queue position; acknowledge with it.
    pub id: i64,
    /// Kind of record.
    pub kind: EntityKind,
    /// The record (it may since have been deleted).
    pub entity_id: Uuid,
}

/// Enqueues `id` on `conn`, the write's own transaction.
pub(crate) async fn enqueue(
    conn: &impl ConnectionTrait,
    kind: EntityKind,
    id: Uuid,
) -> Result<(), StoreError> {
    outbox::ActiveModel {
        entity_type: Set(kind.as_str().to_string()),
        entity_id: Set(id),
        enqueued_at: Set(crate::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Wakes the index worker after commits.
#[derive(Debug, Clone, Default)]
pub(crate) struct Signal(Arc<Notify>);

impl Store {
    /// The oldest pending entries, at most `limit`.
    pub async fn outbox_batch(&self, limit: u64) -> Result<Vec<OutboxEntry>, StoreError> {
        let rows = outbox::Entity::find()
            .order_by_asc(outbox::Column::Id)
            .limit(limit)
            .all(self.db())
            .await?;
        rows.into_iter()
            .map(|r| {
                let kind = EntityKind::parse(&r.entity_type).ok_or_else(|| {
                    StoreError::Corrupt(format!("outbox entity type {:?}", r.entity_type))
                })?;
                Ok(OutboxEntry {
                    id: r.id,
                    kind,
                    entity_id: r.entity_id,
                })
            })
            .collect()
    }

    /// Acknowledges applied entries.
    pub async fn outbox_ack(&self, ids: &[i64]) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        outbox::Entity::delete_many()
            .filter(outbox::Column::Id.is_in(ids.iter().copied()))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// How many entries are pending (for health output and tests).
    pub async fn outbox_len(&self) -> Result<u64, StoreError> {
        Ok(outbox::Entity::find().count(self.db()).await?)
    }

    /// Resolves when a write has committed since the last call (or immediately if one
    /// committed before anyone waited).
    pub async fn outbox_changed(&self) {
        self.signal.0.notified().await;
    }

    pub(crate) fn notify_outbox(&self) {
        self.signal.0.notify_one();
    }
}
