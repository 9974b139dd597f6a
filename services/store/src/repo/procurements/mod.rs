//! Joint procurements. The managing organisation's procurement officers change the
//! procurement and move its stages; every organisation manages only its own
//! participation. Internal procurements are read by the managing organisation, the
//! participants and the coordinator.

mod participants;
mod query;
mod rows;

use chrono::{DateTime, NaiveDate, Utc};
use samverkan_domain::procurement::input::check_contract_allowed;
use samverkan_domain::procurement::{ParticipationFields, ProcurementFields, check_transition};
use samverkan_domain::vocab::{ProcurementStage, Visibility};
use samverkan_domain::{Caller, OrgId, ValidationErrors};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

pub use query::{PROCUREMENT_SORTS, ProcurementFilter};

use super::{check_version, matched};
use crate::audit::{self, Change};
use crate::entity::procurement;
use crate::{Store, StoreError};

/// A stored procurement with its participants.
#[derive(Debug, Clone, PartialEq)]
pub struct Procurement {
    /// Id.
    pub id: Uuid,
    /// The tenant that manages the record: the lead, or the organisation that follows an
    /// external lead on the participants' behalf.
    pub managing_org: OrgId,
    /// Content.
    pub fields: ProcurementFields,
    /// The current stage.
    pub stage: ProcurementStage,
    /// Every stage entered, in order, with its actual date.
    pub stage_history: Vec<StageEntry>,
    /// Participating organisations, by organisation id.
    pub participants: Vec<Participant>,
    /// The catalog solution publishing its framework agreement, once published.
    pub solution_id: Option<Uuid>,
    /// Version for optimistic concurrency.
    pub version: i32,
    /// Registered at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
}

impl Procurement {
    /// The organisations with a stake in it: the manager and every participant.
    pub fn involves(&self, org: &OrgId) -> bool {
        &self.managing_org == org || self.participants.iter().any(|p| &p.org_id == org)
    }

    /// The day the current stage was entered.
    pub fn stage_entered_on(&self) -> Option<NaiveDate> {
        self.stage_history.last().map(|e| e.entered_on)
    }
}

/// One stage the procurement entered, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageEntry {
    /// The stage.
    pub stage: ProcurementStage,
    /// The actual day it was entered.
    pub entered_on: NaiveDate,
}

/// One organisation's participation.
#[derive(Debug, Clone, PartialEq)]
pub struct Participant {
    /// The procurement.
    pub procurement_id: Uuid,
    /// The participating organisation.
    pub org_id: OrgId,
    /// Content.
    pub fields: ParticipationFields,
    /// The day the mandate (fullmakt) was signed, once it is.
    pub mandate_signed_on: Option<NaiveDate>,
    /// Version for optimistic concurrency.
    pub version: i32,
    /// Added at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
}

/// A requested stage change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The stage to move to.
    pub to: ProcurementStage,
    /// The actual day it happened: today or earlier, not before the current stage began.
    pub on: NaiveDate,
}

impl Store {
    /// Registers a procurement managed by the caller's organisation, in the need-analysis
    /// stage from `today`.
    pub async fn create_procurement(
        &self,
        caller: &Caller,
        fields: ProcurementFields,
        today: NaiveDate,
    ) -> Result<Procurement, StoreError> {
        let org = caller.procuring_org().cloned().ok_or_else(|| {
            StoreError::Forbidden(
                "registering a procurement needs the procurement_officer role in an organisation"
                    .into(),
            )
        })?;
        check_contract_allowed(ProcurementStage::NeedAnalysis, fields.contract.is_some())?;
        self.check_needs(caller, &fields.need_ids).await?;
        let now = crate::now();
        let created = Procurement {
            id: Uuid::now_v7(),
            managing_org: org,
            fields,
            stage: ProcurementStage::NeedAnalysis,
            stage_history: vec![StageEntry {
                stage: ProcurementStage::NeedAnalysis,
                entered_on: today,
            }],
            participants: vec![],
            solution_id: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let txn = self.db().begin().await?;
        rows::insert(&txn, &created).await?;
        audit::record(
            &txn,
            caller,
            change("create", &created, Value::Null, summary(&created)),
        )
        .await?;
        self.commit_unindexed(txn).await?;
        Ok(created)
    }

    /// Reads one procurement the caller may see.
    pub async fn get_procurement(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<Procurement, StoreError> {
        let found = self.load_procurement(id).await?;
        if !can_read(caller, &found) {
            return Err(StoreError::NotFound);
        }
        Ok(found)
    }

    /// Replaces a procurement's content (not its stage or participants).
    pub async fn replace_procurement(
        &self,
        caller: &Caller,
        id: Uuid,
        expected_version: i32,
        fields: ProcurementFields,
    ) -> Result<Procurement, StoreError> {
        let before = self
            .load_for_manager(caller, id, Some(expected_version))
            .await?;
        check_contract_allowed(before.stage, fields.contract.is_some())?;
        self.check_needs(caller, &fields.need_ids).await?;
        let after = Procurement {
            fields,
            version: expected_version + 1,
            updated_at: crate::now(),
            ..before.clone()
        };
        let txn = self.db().begin().await?;
        rows::update(&txn, &after, expected_version).await?;
        rows::write_children(&txn, &after, true).await?;
        audit::record(
            &txn,
            caller,
            change("update", &after, summary(&before), summary(&after)),
        )
        .await?;
        self.commit_unindexed(txn).await?;
        Ok(after)
    }

    /// Moves a procurement to another stage, if the state machine allows it.
    pub async fn transition_procurement(
        &self,
        caller: &Caller,
        id: Uuid,
        expected_version: Option<i32>,
        transition: Transition,
        today: NaiveDate,
    ) -> Result<Procurement, StoreError> {
        let before = self.load_for_manager(caller, id, expected_version).await?;
        check_transition(
            before.stage,
            transition.to,
            before.fields.contract.is_some(),
        )?;
        check_transition_day(&before, transition.on, today)?;
        let mut after = before.clone();
        if !transition.to.is_awarded() {
            // Back to evaluation or cancelled from the award: the award is annulled and
            // its (unsigned) contract with it, or it would stay in the expiry alerts and
            // the OCDS export, and block every edit with "contract before award".
            after.fields.contract = None;
        }
        after.stage = transition.to;
        after.stage_history.push(StageEntry {
            stage: transition.to,
            entered_on: transition.on,
        });
        after.version = before.version + 1;
        after.updated_at = crate::now();
        let txn = self.db().begin().await?;
        rows::update(&txn, &after, before.version).await?;
        audit::record(
            &txn,
            caller,
            change("transition", &after, summary(&before), summary(&after)),
        )
        .await?;
        self.commit_unindexed(txn).await?;
        Ok(after)
    }

    /// Deletes a procurement still in need analysis (a draft); later ones are cancelled
    /// instead, so their history stays.
    pub async fn delete_procurement(
        &self,
        caller: &Caller,
        id: Uuid,
        expected_version: Option<i32>,
    ) -> Result<(), StoreError> {
        let before = self.load_for_manager(caller, id, expected_version).await?;
        if before.stage != ProcurementStage::NeedAnalysis {
            return Err(StoreError::Conflict(format!(
                "a procurement in stage {} cannot be deleted; move it to cancelled instead",
                before.stage
            )));
        }
        let txn = self.db().begin().await?;
        let deleted = procurement::Entity::delete_many()
            .filter(procurement::Column::Id.eq(id))
            .filter(procurement::Column::Version.eq(before.version))
            .exec(&txn)
            .await?;
        matched(deleted.rows_affected, before.version)?;
        audit::record(
            &txn,
            caller,
            change("delete", &before, summary(&before), Value::Null),
        )
        .await?;
        self.commit_unindexed(txn).await?;
        Ok(())
    }

    /// Loads a procurement for a change by its managing organisation: hidden ones are
    /// missing, others' are forbidden, and a stale version is refused.
    async fn load_for_manager(
        &self,
        caller: &Caller,
        id: Uuid,
        expected_version: Option<i32>,
    ) -> Result<Procurement, StoreError> {
        let found = self.get_procurement(caller, id).await?;
        if !caller.procures_for(&found.managing_org) {
            return Err(StoreError::Forbidden(format!(
                "only procurement officers of {} (which manages this procurement) may change it",
                found.managing_org
            )));
        }
        check_version(expected_version, found.version)?;
        Ok(found)
    }

    async fn load_procurement(&self, id: Uuid) -> Result<Procurement, StoreError> {
        let row = procurement::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(rows::hydrate(self.db(), vec![row]).await?.remove(0))
    }
}

/// Whether the caller may read the procurement: public ones anyone, internal ones the
/// coordinator, the manager's staff and the participants' staff.
fn can_read(caller: &Caller, p: &Procurement) -> bool {
    p.fields.visibility == Visibility::Public
        || caller.reads_all_tenants()
        || caller.staff_org().is_some_and(|org| p.involves(org))
}

fn check_transition_day(
    before: &Procurement,
    on: NaiveDate,
    today: NaiveDate,
) -> Result<(), ValidationErrors> {
    if on > today {
        return Err(ValidationErrors::single("on", "must not be in the future"));
    }
    if let Some(entered) = before.stage_entered_on()
        && on < entered
    {
        return Err(ValidationErrors::single(
            "on",
            format!("must not be before {entered}, when the current stage began"),
        ));
    }
    Ok(())
}

fn change<'a>(action: &'static str, p: &'a Procurement, before: Value, after: Value) -> Change<'a> {
    Change {
        action,
        entity_type: "procurement",
        entity_id: p.id.to_string(),
        entity_org: &p.managing_org,
        before,
        after,
    }
}

/// What the audit log keeps of a procurement: no contact person.
fn summary(p: &Procurement) -> Value {
    json!({
        "version": p.version,
        "title": p.fields.title,
        "stage": p.stage.as_str(),
        "estimated_value_sek": p.fields.estimated_value.to_string(),
        "main_cpv": p.fields.main_cpv.as_str(),
        "participants": p.participants.iter().map(|x| json!({
            "org": x.org_id.as_str(), "state": x.fields.state.as_str()
        })).collect::<Vec<_>>(),
        "contract_ends_on": p.fields.contract.as_ref().map(|c| c.ends_on),
    })
}

/// Sets the columns that record a publication to the catalog.
fn published(id: Uuid, version: i32, solution: Uuid) -> procurement::ActiveModel {
    procurement::ActiveModel {
        id: Set(id),
        solution_id: Set(Some(solution)),
        version: Set(version),
        updated_at: Set(crate::now()),
        ..Default::default()
    }
}

impl Store {
    /// Publishes an awarded framework agreement to the solutions catalog as a solution of
    /// kind framework agreement owned by the managing organisation, linked both ways.
    pub async fn publish_framework_agreement(
        &self,
        caller: &Caller,
        id: Uuid,
        solution: samverkan_domain::solution::SolutionFields,
    ) -> Result<(Procurement, crate::repo::solutions::Solution), StoreError> {
        let before = self.load_for_manager(caller, id, None).await?;
        check_publishable(&before)?;
        let txn = self.db().begin().await?;
        let created = crate::repo::solutions::insert_solution(
            &txn,
            caller,
            before.managing_org.clone(),
            solution,
            Some(id),
        )
        .await?;
        let updated = procurement::Entity::update_many()
            .set(published(id, before.version + 1, created.id))
            .filter(procurement::Column::Id.eq(id))
            .filter(procurement::Column::Version.eq(before.version))
            .exec(&txn)
            .await?;
        matched(updated.rows_affected, before.version)?;
        let after = Procurement {
            solution_id: Some(created.id),
            version: before.version + 1,
            ..before.clone()
        };
        audit::record(
            &txn,
            caller,
            change("publish", &after, summary(&before), summary(&after)),
        )
        .await?;
        self.commit_change(txn, crate::outbox::EntityKind::Solution, created.id)
            .await?;
        Ok((after, created))
    }
}

/// Clears the link from a framework agreement to its catalog solution when the solution is
/// deleted (a new version of the procurement), so it can be published again.
pub(crate) async fn unlink_solution(
    conn: &impl sea_orm::ConnectionTrait,
    solution_id: Uuid,
) -> Result<(), StoreError> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    procurement::Entity::update_many()
        .col_expr(
            procurement::Column::SolutionId,
            Expr::value(Option::<Uuid>::None),
        )
        .col_expr(
            procurement::Column::Version,
            Expr::col(procurement::Column::Version).add(1),
        )
        .col_expr(procurement::Column::UpdatedAt, Expr::value(crate::now()))
        .filter(procurement::Column::SolutionId.eq(solution_id))
        .exec(conn)
        .await?;
    Ok(())
}

fn check_publishable(p: &Procurement) -> Result<(), StoreError> {
    let why = if p.fields.framework.is_none() {
        "only a framework agreement can be published to the catalog"
    } else if !p.stage.is_awarded() || p.fields.contract.is_none() {
        "publish once the framework agreement is awarded and its contract recorded"
    } else if p.solution_id.is_some() {
        "this framework agreement is already published"
    } else {
        return Ok(());
    };
    Err(StoreError::Conflict(why.into()))
}
