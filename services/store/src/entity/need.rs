//! A need row; topics and goal links live in their own tables.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "needs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: String,
    pub title: String,
    pub description: String,
    pub activity_area: String,
    pub tags: String,
    pub needed_from: Option<Date>,
    pub needed_by: Option<Date>,
    pub budget_min_ore: Option<i64>,
    pub budget_max_ore: Option<i64>,
    pub collaboration_level: String,
    pub status: String,
    pub visibility: String,
    pub hypothesis: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub evaluation: String,
    pub priority_hundredths: i32,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
