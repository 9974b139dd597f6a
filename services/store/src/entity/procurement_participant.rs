//! An organisation's participation in a procurement.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "procurement_participants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub procurement_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: String,
    pub state: String,
    pub estimated_value_ore: Option<i64>,
    pub volume_description: Option<String>,
    pub note: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub mandate_signed_on: Option<Date>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
