//! The registry's tables: organisations, needs, strategies, solutions, adoptions, audit.

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
        Ok(())
    }
}

fn tables() -> Vec<TableCreateStatement> {
    vec![
        Table::create()
            .table("organisations")
            .col(string_len("id", 64).primary_key())
            .col(string_len("kind", 32))
            .col(string_len("name", 200))
            .col(string_len_null("scb_code", 4))
            .col(string_len_null("org_number", 11))
            .col(big_integer_null("population"))
            .col(integer_null("population_year"))
            .to_owned(),
        Table::create()
            .table("subregion_memberships")
            .col(string_len("org_id", 64))
            .col(string_len("subregion", 100))
            .col(date_null("valid_from"))
            .col(date_null("valid_to"))
            .primary_key(Index::create().col("org_id").col("subregion"))
            .foreign_key(&mut fk("subregion_memberships", "org_id", "organisations"))
            .to_owned(),
        Table::create()
            .table("strategies")
            .col(pk_uuid("id"))
            .col(string_len("org_id", 64))
            .col(string_len("title", 300))
            .col(string_len("status", 40))
            .col(date_null("adopted_on"))
            .col(text_null("document_url"))
            .col(text_null("summary"))
            .col(integer("version"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("updated_at"))
            .foreign_key(&mut fk("strategies", "org_id", "organisations"))
            .to_owned(),
        Table::create()
            .table("strategy_goals")
            .col(pk_uuid("id"))
            .col(uuid("strategy_id"))
            .col(integer("position"))
            .col(string_len("title", 300))
            .col(text_null("description"))
            .foreign_key(&mut fk_cascade(
                "strategy_goals",
                "strategy_id",
                "strategies",
            ))
            .to_owned(),
        Table::create()
            .table("needs")
            .col(pk_uuid("id"))
            .col(string_len("org_id", 64))
            .col(string_len("title", 200))
            .col(text("description"))
            .col(string_len("activity_area", 40))
            .col(text("tags"))
            .col(date_null("needed_from"))
            .col(date_null("needed_by"))
            .col(big_integer_null("budget_min_ore"))
            .col(big_integer_null("budget_max_ore"))
            .col(string_len("collaboration_level", 20))
            .col(string_len("status", 20))
            .col(string_len("visibility", 20))
            .col(text_null("hypothesis"))
            .col(string_len_null("contact_name", 200))
            .col(string_len_null("contact_email", 254))
            .col(string_len_null("contact_phone", 30))
            .col(text("evaluation"))
            .col(integer("priority_hundredths"))
            .col(integer("version"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("updated_at"))
            .foreign_key(&mut fk("needs", "org_id", "organisations"))
            .to_owned(),
        Table::create()
            .table("need_topics")
            .col(uuid("need_id"))
            .col(string_len("topic", 40))
            .col(integer("position"))
            .primary_key(Index::create().col("need_id").col("topic"))
            .foreign_key(&mut fk_cascade("need_topics", "need_id", "needs"))
            .to_owned(),
        Table::create()
            .table("need_goals")
            .col(uuid("need_id"))
            .col(uuid("goal_id"))
            .primary_key(Index::create().col("need_id").col("goal_id"))
            .foreign_key(&mut fk_cascade("need_goals", "need_id", "needs"))
            .foreign_key(&mut fk_cascade("need_goals", "goal_id", "strategy_goals"))
            .to_owned(),
        Table::create()
            .table("solutions")
            .col(pk_uuid("id"))
            .col(string_len("org_id", 64))
            .col(string_len("name", 200))
            .col(text("description"))
            .col(string_len("kind", 40))
            .col(string_len("maturity", 40))
            .col(string_len_null("licence", 200))
            .col(text_null("source_url"))
            .col(text_null("documentation_url"))
            .col(big_integer_null("adoption_cost_ore"))
            .col(text_null("adoption_cost_note"))
            .col(text("tags"))
            .col(string_len_null("contact_name", 200))
            .col(string_len_null("contact_email", 254))
            .col(string_len_null("contact_phone", 30))
            .col(integer("version"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("updated_at"))
            .foreign_key(&mut fk("solutions", "org_id", "organisations"))
            .to_owned(),
        Table::create()
            .table("solution_topics")
            .col(uuid("solution_id"))
            .col(string_len("topic", 40))
            .col(integer("position"))
            .primary_key(Index::create().col("solution_id").col("topic"))
            .foreign_key(&mut fk_cascade(
                "solution_topics",
                "solution_id",
                "solutions",
            ))
            .to_owned(),
        Table::create()
            .table("adoptions")
            .col(uuid("solution_id"))
            .col(string_len("org_id", 64))
            .col(string_len("state", 20))
            .col(date_null("since"))
            .col(text_null("note"))
            .col(integer("version"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("updated_at"))
            .primary_key(Index::create().col("solution_id").col("org_id"))
            .foreign_key(&mut fk_cascade("adoptions", "solution_id", "solutions"))
            .foreign_key(&mut fk("adoptions", "org_id", "organisations"))
            .to_owned(),
        Table::create()
            .table("audit_events")
            .col(pk_uuid("id"))
            .col(timestamp_with_time_zone("at"))
            .col(string_len_null("actor_subject", 200))
            .col(string_len_null("actor_org", 64))
            .col(string_len("action", 20))
            .col(string_len("entity_type", 40))
            .col(string_len("entity_id", 100))
            .col(string_len_null("entity_org", 64))
            .col(text("before"))
            .col(text("after"))
            .to_owned(),
    ]
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        index("needs", &["org_id"]),
        index("needs", &["visibility", "id"]),
        index("needs", &["updated_at", "id"]),
        index("needs", &["title", "id"]),
        index("needs", &["priority_hundredths", "id"]),
        index("need_topics", &["topic"]),
        index("strategies", &["org_id"]),
        index("strategy_goals", &["strategy_id"]),
        index("need_goals", &["goal_id"]),
        index("solutions", &["org_id"]),
        index("solutions", &["name", "id"]),
        index("solutions", &["updated_at", "id"]),
        index("solution_topics", &["topic"]),
        index("adoptions", &["org_id"]),
        index("audit_events", &["entity_type", "entity_id"]),
        index("audit_events", &["entity_org"]),
    ]
}
