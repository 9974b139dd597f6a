//! Joint procurements: the procurement, its CPV codes, the needs it answers, its
//! deadlines and its participants; and a link from a solution back to the procurement
//! whose framework agreement it publishes.

use sea_orm_migration::{prelude::*, schema::*};

use super::schema::{fk, fk_cascade, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in tables() {
            m.create_table(table).await?;
        }
        for index in indexes() {
            m.create_index(index).await?;
        }
        m.alter_table(
            Table::alter()
                .table("solutions")
                .add_column(uuid_null("procurement_id"))
                .to_owned(),
        )
        .await
    }
}

fn tables() -> Vec<TableCreateStatement> {
    vec![
        Table::create()
            .table("procurements")
            .col(pk_uuid("id"))
            .col(string_len("managing_org_id", 64))
            .col(string_len_null("external_lead_name", 200))
            .col(string_len_null("external_lead_org_number", 11))
            .col(string_len("title", 200))
            .col(text("description"))
            .col(string_len("procedure", 40))
            .col(string_len("category", 20))
            .col(string_len("stage", 30))
            .col(string_len("main_cpv", 10))
            .col(big_integer("estimated_value_ore"))
            .col(text_null("framework"))
            .col(string_len_null("origin_group", 200))
            .col(string_len("visibility", 20))
            .col(text("details"))
            .col(text_null("contract"))
            .col(date_null("contract_ends_on"))
            .col(uuid_null("solution_id"))
            .col(string_len_null("contact_name", 200))
            .col(string_len_null("contact_email", 254))
            .col(string_len_null("contact_phone", 30))
            .col(integer("version"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("updated_at"))
            .foreign_key(&mut fk("procurements", "managing_org_id", "organisations"))
            .to_owned(),
        Table::create()
            .table("procurement_cpv")
            .col(uuid("procurement_id"))
            .col(string_len("code", 10))
            .col(boolean("is_main"))
            .col(integer("position"))
            .primary_key(Index::create().col("procurement_id").col("code"))
            .foreign_key(&mut fk_cascade(
                "procurement_cpv",
                "procurement_id",
                "procurements",
            ))
            .to_owned(),
        Table::create()
            .table("procurement_needs")
            .col(uuid("procurement_id"))
            .col(uuid("need_id"))
            .primary_key(Index::create().col("procurement_id").col("need_id"))
            .foreign_key(&mut fk_cascade(
                "procurement_needs",
                "procurement_id",
                "procurements",
            ))
            .foreign_key(&mut fk_cascade("procurement_needs", "need_id", "needs"))
            .to_owned(),
        Table::create()
            .table("procurement_deadlines")
            .col(uuid("procurement_id"))
            .col(integer("position"))
            .col(string_len("kind", 30))
            .col(date("due_on"))
            .col(text_null("description"))
            .primary_key(Index::create().col("procurement_id").col("position"))
            .foreign_key(&mut fk_cascade(
                "procurement_deadlines",
                "procurement_id",
                "procurements",
            ))
            .to_owned(),
        Table::create()
            .table("procurement_participants")
            .col(uuid("procurement_id"))
            .col(string_len("org_id", 64))
            .col(string_len("state", 20))
            .col(big_integer_null("estimated_value_ore"))
            .col(text_null("volume_description"))
            .col(text_null("note"))
            .col(string_len_null("contact_name", 200))
            .col(string_len_null("contact_email", 254))
            .col(string_len_null("contact_phone", 30))
            .col(date_null("mandate_signed_on"))
            .col(integer("version"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("updated_at"))
            .primary_key(Index::create().col("procurement_id").col("org_id"))
            .foreign_key(&mut fk_cascade(
                "procurement_participants",
                "procurement_id",
                "procurements",
            ))
            .foreign_key(&mut fk(
                "procurement_participants",
                "org_id",
                "organisations",
            ))
            .to_owned(),
    ]
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        index("procurements", &["managing_org_id"]),
        index("procurements", &["stage"]),
        index("procurements", &["contract_ends_on"]),
        index("procurements", &["estimated_value_ore", "id"]),
        index("procurement_cpv", &["code"]),
        index("procurement_needs", &["need_id"]),
        index("procurement_deadlines", &["due_on"]),
        index("procurement_participants", &["org_id"]),
    ]
}
