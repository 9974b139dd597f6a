//! Schema migrations, written once for SQLite and PostgreSQL. Migrations never import
//! entities: a later entity change must not silently rewrite history.

use sea_orm_migration::prelude::*;

mod m20261123_000001_registry;
mod m20261123_000002_reference_data;
mod m20261123_000003_search_outbox;
mod m20261123_000004_procurements;
mod m20261123_000005_need_embeddings;
mod schema;

/// Applies the registry's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_registry::Migration),
            Box::new(m20261123_000002_reference_data::Migration),
            Box::new(m20261123_000003_search_outbox::Migration),
            Box::new(m20261123_000004_procurements::Migration),
            Box::new(m20261123_000005_need_embeddings::Migration),
        ]
    }
}
