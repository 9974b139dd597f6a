//! A reusable solution row; topics live in their own table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "solutions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: String,
    pub name: String,
    pub description: String,
    pub kind: String,
    pub maturity: String,
    pub licence: Option<String>,
    pub source_url: Option<String>,
    pub documentation_url: Option<String>,
    pub adoption_cost_ore: Option<i64>,
    pub adoption_cost_note: Option<String>,
    pub tags: String,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub procurement_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
