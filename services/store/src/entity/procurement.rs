//! A joint procurement row; CPV codes, needs, deadlines and participants live in their
//! own tables, lots and stage dates in `details` (JSON), the contract in `contract`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "procurements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub managing_org_id: String,
    pub external_lead_name: Option<String>,
    pub external_lead_org_number: Option<String>,
    pub title: String,
    pub description: String,
    pub procedure: String,
    pub category: String,
    pub stage: String,
    pub main_cpv: String,
    pub estimated_value_ore: i64,
    pub framework: Option<String>,
    pub origin_group: Option<String>,
    pub visibility: String,
    pub details: String,
    pub contract: Option<String>,
    pub contract_ends_on: Option<Date>,
    pub solution_id: Option<Uuid>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
