//! Organisations (tenants): public reference data, read-only through the API.

use samverkan_domain::OrgId;
use samverkan_domain::vocab::OrgKind;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::entity::{organisation, subregion_membership};
use crate::error::decode;
use crate::{Store, StoreError};

/// A municipality or regional body, as the public sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    /// SCB code or slug.
    pub id: OrgId,
    /// Municipality or regional body.
    pub kind: OrgKind,
    /// Official name.
    pub name: String,
    /// SCB municipality code, for municipalities.
    pub scb_code: Option<String>,
    /// Organisation number, where known.
    pub org_number: Option<String>,
    /// Population, with the year it refers to.
    pub population: Option<(i64, i32)>,
    /// Current sub-regional network.
    pub subregion: Option<String>,
}

impl Store {
    /// All organisations, municipalities by SCB code first, then regional bodies.
    pub async fn list_organisations(&self) -> Result<Vec<Organisation>, StoreError> {
        let rows = organisation::Entity::find()
            .order_by_asc(organisation::Column::Kind)
            .order_by_asc(organisation::Column::Id)
            .all(self.db())
            .await?;
        let memberships = subregion_membership::Entity::find()
            .filter(subregion_membership::Column::ValidTo.is_null())
            .all(self.db())
            .await?;
        rows.into_iter()
            .map(|row| {
                let sub = memberships
                    .iter()
                    .find(|m| m.org_id == row.id)
                    .map(|m| m.subregion.clone());
                from_row(row, sub)
            })
            .collect()
    }

    /// One organisation by id.
    pub async fn get_organisation(&self, id: &OrgId) -> Result<Organisation, StoreError> {
        let row = organisation::Entity::find_by_id(id.as_str().to_string())
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound)?;
        let sub = subregion_membership::Entity::find()
            .filter(subregion_membership::Column::OrgId.eq(id.as_str()))
            .filter(subregion_membership::Column::ValidTo.is_null())
            .one(self.db())
            .await?
            .map(|m| m.subregion);
        from_row(row, sub)
    }
}

fn from_row(
    row: organisation::Model,
    subregion: Option<String>,
) -> Result<Organisation, StoreError> {
    Ok(Organisation {
        id: super::org_from(&row.id)?,
        kind: decode(OrgKind::parse, &row.kind)?,
        name: row.name,
        scb_code: row.scb_code,
        org_number: row.org_number,
        population: row.population.zip(row.population_year),
        subregion,
    })
}
