//! A CPV code of a procurement (the main one flagged).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "procurement_cpv")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub procurement_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub is_main: bool,
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
