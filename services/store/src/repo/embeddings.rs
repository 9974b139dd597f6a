//! Sentence embeddings of the needs' texts, kept for matchmaking: an embedding model
//! reads each text once, and a rebuild asks only for needs that are new, changed, or
//! embedded by another model. Derived data: read within the caller's scope like the
//! needs themselves, written only by the service itself.

use samverkan_domain::Caller;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationTrait, Set};
use uuid::Uuid;

use crate::entity::{need, need_embedding};
use crate::{ReadScope, Store, StoreError};

/// A need's embedding, with what it was made by and from.
#[derive(Debug, Clone, PartialEq)]
pub struct NeedEmbedding {
    /// The need.
    pub need_id: Uuid,
    /// The model that made it.
    pub model: String,
    /// The digest of the text it was made from: the need's text has changed when its
    /// digest differs.
    pub input_digest: String,
    /// The embedding.
    pub vector: Vec<f32>,
}

impl Store {
    /// The kept embeddings made by `model`, of the needs the caller may read.
    pub async fn need_embeddings(
        &self,
        caller: &Caller,
        model: &str,
    ) -> Result<Vec<NeedEmbedding>, StoreError> {
        let rows = need_embedding::Entity::find()
            .join(JoinType::InnerJoin, need_embedding::Relation::Need.def())
            .filter(ReadScope::of(caller).condition(need::Column::OrgId, need::Column::Visibility))
            .filter(need_embedding::Column::Model.eq(model))
            .all(self.db())
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(NeedEmbedding {
                    vector: floats(&r.vector)?,
                    need_id: r.need_id,
                    model: r.model,
                    input_digest: r.input_digest,
                })
            })
            .collect())
    }

    /// Keeps `embeddings`, replacing what was kept for the same needs; embeddings of
    /// needs deleted meanwhile are dropped. Only the service itself may write them: they
    /// are derived from the needs, not anyone's record.
    pub async fn save_need_embeddings(
        &self,
        caller: &Caller,
        embeddings: &[NeedEmbedding],
    ) -> Result<(), StoreError> {
        if caller.org.is_some() || !caller.reads_all_tenants() {
            return Err(StoreError::Forbidden(
                "embeddings are written by the service itself".into(),
            ));
        }
        let ids: Vec<Uuid> = embeddings.iter().map(|e| e.need_id).collect();
        let existing: Vec<Uuid> = need::Entity::find()
            .select_only()
            .column(need::Column::Id)
            .filter(need::Column::Id.is_in(ids))
            .into_tuple()
            .all(self.db())
            .await?;
        let now = crate::now();
        let rows: Vec<need_embedding::ActiveModel> = embeddings
            .iter()
            .filter(|e| existing.contains(&e.need_id))
            .map(|e| need_embedding::ActiveModel {
                need_id: Set(e.need_id),
                model: Set(e.model.clone()),
                input_digest: Set(e.input_digest.clone()),
                vector: Set(bytes(&e.vector)),
                created_at: Set(now),
            })
            .collect();
        if rows.is_empty() {
            return Ok(());
        }
        let replace = OnConflict::column(need_embedding::Column::NeedId)
            .update_columns([
                need_embedding::Column::Model,
                need_embedding::Column::InputDigest,
                need_embedding::Column::Vector,
                need_embedding::Column::CreatedAt,
            ])
            .to_owned();
        need_embedding::Entity::insert_many(rows)
            .on_conflict(replace)
            .exec(self.db())
            .await?;
        Ok(())
    }
}

/// A vector as stored: little-endian f32.
fn bytes(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A stored vector; `None` when the bytes cannot be one.
fn floats(bytes: &[u8]) -> Option<Vec<f32>> {
    (!bytes.is_empty() && bytes.len().is_multiple_of(4)).then(|| {
        bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    })
}
