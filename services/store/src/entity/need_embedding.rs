//! A need's sentence embedding, with the model and the digest of the text it was made from.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "need_embeddings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub need_id: Uuid,
    pub model: String,
    pub input_digest: String,
    pub vector: Vec<u8>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::need::Entity",
        from = "Column::NeedId",
        to = "super::need::Column::Id"
    )]
    Need,
}

impl Related<super::need::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Need.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
