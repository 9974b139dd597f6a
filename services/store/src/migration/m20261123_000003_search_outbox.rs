//! The search outbox: a row per changed record, written in the same transaction as the
//! change, so the search index can always catch up with what was committed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("search_outbox")
                .col(big_pk_auto("id"))
                .col(string_len("entity_type", 20))
                .col(uuid("entity_id"))
                .col(timestamp_with_time_zone("enqueued_at"))
                .to_owned(),
        )
        .await
    }
}
