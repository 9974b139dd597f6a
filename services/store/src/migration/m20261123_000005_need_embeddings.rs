//! Sentence embeddings of the needs' texts, kept for matchmaking: made once per text by
//! the operator's embedding model, so a rebuild embeds only new and changed needs.

use sea_orm_migration::{prelude::*, schema::*};

use super::schema::fk_cascade;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("need_embeddings")
                .col(pk_uuid("need_id"))
                .col(string_len("model", 200))
                .col(string_len("input_digest", 64))
                .col(blob("vector"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk_cascade("need_embeddings", "need_id", "needs"))
                .to_owned(),
        )
        .await
    }
}
