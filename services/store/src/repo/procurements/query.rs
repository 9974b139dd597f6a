//! Listing procurements: the caller's read scope, the list filters, the expiring
//! contracts query, and the check that linked needs exist and are visible.

use chrono::NaiveDate;
use samverkan_domain::money::Sek;
use samverkan_domain::vocab::ProcurementStage;
use samverkan_domain::{Caller, OrgId, ValidationErrors};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{Procurement, rows};
use crate::entity::{
    need, procurement, procurement_cpv, procurement_deadline, procurement_participant,
};
use crate::page::{self, PageRequest, SortKey, SortSpec};
use crate::{Page, ReadScope, Store, StoreError};

/// Filters for listing procurements; all given filters must hold.
#[derive(Debug, Clone, Default)]
pub struct ProcurementFilter {
    /// In this stage.
    pub stage: Option<ProcurementStage>,
    /// Managed (led) by this organisation.
    pub lead: Option<OrgId>,
    /// With this organisation among the participants (in any state).
    pub participant: Option<OrgId>,
    /// Managed by, or with a participant from, this organisation ("my procurements").
    pub involving: Option<OrgId>,
    /// With a CPV code (main or additional) starting with these digits.
    pub cpv_prefix: Option<String>,
    /// With a deadline from `today` up to and including this day.
    pub deadline_before: Option<NaiveDate>,
    /// The day deadlines are counted from.
    pub today: Option<NaiveDate>,
    /// Estimated value at least this.
    pub value_min: Option<Sek>,
    /// Estimated value at most this.
    pub value_max: Option<Sek>,
    /// Sort order name; see [`PROCUREMENT_SORTS`].
    pub sort: Option<String>,
}

/// The sort orders procurements can be listed in; the first is the default.
pub const PROCUREMENT_SORTS: &[&str] = &["-created", "created", "-value", "value"];

fn sorts() -> [SortSpec<procurement::Entity>; 4] {
    let value = |m: &procurement::Model| SortKey::Int(m.estimated_value_ore);
    let col = Some(procurement::Column::EstimatedValueOre);
    [
        SortSpec {
            name: "-created",
            column: None,
            descending: true,
            key: |_| SortKey::None,
        },
        SortSpec {
            name: "created",
            column: None,
            descending: false,
            key: |_| SortKey::None,
        },
        SortSpec {
            name: "-value",
            column: col,
            descending: true,
            key: value,
        },
        SortSpec {
            name: "value",
            column: col,
            descending: false,
            key: value,
        },
    ]
}

const EXPIRY_SORT: [SortSpec<procurement::Entity>; 1] = [SortSpec {
    name: "contract_ends_on",
    column: Some(procurement::Column::ContractEndsOn),
    descending: false,
    key: |m| SortKey::Date(m.contract_ends_on.unwrap_or_default()),
}];

impl Store {
    /// Lists the procurements the caller may read, filtered, sorted and paginated.
    pub async fn list_procurements(
        &self,
        caller: &Caller,
        filter: &ProcurementFilter,
        request: &PageRequest,
    ) -> Result<Page<Procurement>, StoreError> {
        let specs = sorts();
        let spec = SortSpec::find(&specs, filter.sort.as_deref())?;
        let select = procurement::Entity::find()
            .filter(scope(caller))
            .filter(filter_condition(filter));
        let (select, limit) = page::apply(select, spec, procurement::Column::Id, request)?;
        let page = page::finish(select.all(self.db()).await?, limit, spec, |m| m.id);
        Ok(Page {
            items: rows::hydrate(self.db(), page.items).await?,
            next_cursor: page.next_cursor,
        })
    }

    /// Contracts and framework agreements whose initial term ends from `today` up to
    /// `until`, soonest first: the ones whose re-procurement should start now.
    pub async fn expiring_procurements(
        &self,
        caller: &Caller,
        today: NaiveDate,
        until: NaiveDate,
        request: &PageRequest,
    ) -> Result<Page<Procurement>, StoreError> {
        let spec = &EXPIRY_SORT[0];
        let select = procurement::Entity::find()
            .filter(scope(caller))
            .filter(procurement::Column::ContractEndsOn.gte(today))
            .filter(procurement::Column::ContractEndsOn.lte(until))
            .filter(procurement::Column::Stage.ne(ProcurementStage::Cancelled.as_str()));
        let (select, limit) = page::apply(select, spec, procurement::Column::Id, request)?;
        let page = page::finish(select.all(self.db()).await?, limit, spec, |m| m.id);
        Ok(Page {
            items: rows::hydrate(self.db(), page.items).await?,
            next_cursor: page.next_cursor,
        })
    }

    /// Checks every linked need exists and is visible to the caller.
    pub(super) async fn check_needs(
        &self,
        caller: &Caller,
        ids: &[Uuid],
    ) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let found: Vec<Uuid> = need::Entity::find()
            .filter(need::Column::Id.is_in(ids.to_vec()))
            .filter(ReadScope::of(caller).condition(need::Column::OrgId, need::Column::Visibility))
            .all(self.db())
            .await?
            .into_iter()
            .map(|n| n.id)
            .collect();
        let mut errors = ValidationErrors::new();
        for (i, id) in ids.iter().enumerate() {
            if !found.contains(id) {
                errors.add(
                    format!("need_ids[{i}]"),
                    format!("no need {id} is visible to you"),
                );
            }
        }
        Ok(errors.finish(|| ())?)
    }
}

/// The procurements a caller may read: public ones, and internal ones for the coordinator
/// or when the caller's organisation manages or participates.
fn scope(caller: &Caller) -> Condition {
    let public = procurement::Column::Visibility.eq("public");
    match ReadScope::of(caller) {
        ReadScope::Everything => Condition::all(),
        ReadScope::OwnAndPublic(org) => Condition::any().add(public).add(involving(&org)),
        ReadScope::PublicOnly => Condition::all().add(public),
    }
}

fn involving(org: &OrgId) -> Condition {
    Condition::any()
        .add(procurement::Column::ManagingOrgId.eq(org.as_str()))
        .add(procurement::Column::Id.in_subquery(participating(org)))
}

fn participating(org: &OrgId) -> SelectStatement {
    Query::select()
        .column(procurement_participant::Column::ProcurementId)
        .from(procurement_participant::Entity)
        .and_where(procurement_participant::Column::OrgId.eq(org.as_str()))
        .to_owned()
}

fn filter_condition(f: &ProcurementFilter) -> Condition {
    let mut cond = Condition::all();
    if let Some(stage) = f.stage {
        cond = cond.add(procurement::Column::Stage.eq(stage.as_str()));
    }
    if let Some(org) = &f.lead {
        cond = cond.add(procurement::Column::ManagingOrgId.eq(org.as_str()));
    }
    if let Some(org) = &f.participant {
        cond = cond.add(procurement::Column::Id.in_subquery(participating(org)));
    }
    if let Some(org) = &f.involving {
        cond = cond.add(involving(org));
    }
    if let Some(prefix) = &f.cpv_prefix {
        let ids = Query::select()
            .column(procurement_cpv::Column::ProcurementId)
            .from(procurement_cpv::Entity)
            .and_where(Expr::col(procurement_cpv::Column::Code).like(format!("{prefix}%")))
            .to_owned();
        cond = cond.add(procurement::Column::Id.in_subquery(ids));
    }
    if let Some(until) = f.deadline_before {
        let mut due = Query::select();
        due.column(procurement_deadline::Column::ProcurementId)
            .from(procurement_deadline::Entity)
            .and_where(procurement_deadline::Column::DueOn.lte(until));
        if let Some(today) = f.today {
            due.and_where(procurement_deadline::Column::DueOn.gte(today));
        }
        cond = cond.add(procurement::Column::Id.in_subquery(due.to_owned()));
    }
    if let Some(min) = f.value_min {
        cond = cond.add(procurement::Column::EstimatedValueOre.gte(min.to_ore()));
    }
    if let Some(max) = f.value_max {
        cond = cond.add(procurement::Column::EstimatedValueOre.lte(max.to_ore()));
    }
    cond
}
