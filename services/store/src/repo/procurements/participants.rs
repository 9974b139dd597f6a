//! Participation: the lead invites; each organisation registers, updates and withdraws
//! only its own participation.

use chrono::NaiveDate;
use samverkan_domain::procurement::ParticipationFields;
use samverkan_domain::vocab::ParticipationState;
use samverkan_domain::{Caller, OrgId, ValidationErrors};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use super::rows::participant_active;
use super::{Participant, Procurement};
use crate::audit::{self, Change};
use crate::entity::{organisation, procurement_participant};
use crate::repo::{check_version, matched};
use crate::{Store, StoreError};

impl Store {
    /// Adds an organisation to a procurement: the manager invites another organisation
    /// (state `invited`, a note at most), or an organisation registers itself (any state
    /// but `invited`).
    pub async fn add_participant(
        &self,
        caller: &Caller,
        procurement_id: Uuid,
        org: OrgId,
        fields: ParticipationFields,
        today: NaiveDate,
    ) -> Result<Participant, StoreError> {
        let procurement = self.get_procurement(caller, procurement_id).await?;
        check_adding(caller, &procurement, &org, &fields)?;
        self.check_organisation(&org).await?;
        if procurement.participants.iter().any(|p| p.org_id == org) {
            return Err(StoreError::Conflict(format!(
                "{org} already takes part; change its participation with PUT"
            )));
        }
        let now = crate::now();
        let created = Participant {
            procurement_id,
            org_id: org,
            mandate_signed_on: signed_on(None, ParticipationState::Invited, &fields, today),
            fields,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let txn = self.db().begin().await?;
        let mut row = participant_active(&created.fields);
        row.procurement_id = Set(procurement_id);
        row.org_id = Set(created.org_id.to_string());
        row.mandate_signed_on = Set(created.mandate_signed_on);
        row.version = Set(1);
        row.created_at = Set(now);
        row.updated_at = Set(now);
        row.insert(&txn).await?;
        audit::record(
            &txn,
            caller,
            change("create", &created, Value::Null, summary(&created)),
        )
        .await?;
        self.commit_unindexed(txn).await?;
        Ok(created)
    }

    /// Reads one participation in a procurement the caller may read.
    pub async fn get_participant(
        &self,
        caller: &Caller,
        procurement_id: Uuid,
        org: &OrgId,
    ) -> Result<Participant, StoreError> {
        let procurement = self.get_procurement(caller, procurement_id).await?;
        procurement
            .participants
            .into_iter()
            .find(|p| &p.org_id == org)
            .ok_or(StoreError::NotFound)
    }

    /// Replaces an organisation's own participation.
    pub async fn replace_participant(
        &self,
        caller: &Caller,
        procurement_id: Uuid,
        org: &OrgId,
        expected_version: i32,
        fields: ParticipationFields,
        today: NaiveDate,
    ) -> Result<Participant, StoreError> {
        let before = self.get_participant(caller, procurement_id, org).await?;
        if !caller.procures_for(org) {
            return Err(StoreError::Forbidden(format!(
                "only procurement officers of {org} may change its participation"
            )));
        }
        check_version(Some(expected_version), before.version)?;
        before.fields.state.check_change(fields.state)?;
        let after = Participant {
            mandate_signed_on: signed_on(
                before.mandate_signed_on,
                before.fields.state,
                &fields,
                today,
            ),
            fields,
            version: expected_version + 1,
            updated_at: crate::now(),
            ..before.clone()
        };
        let txn = self.db().begin().await?;
        let mut row = participant_active(&after.fields);
        row.mandate_signed_on = Set(after.mandate_signed_on);
        row.version = Set(after.version);
        row.updated_at = Set(after.updated_at);
        let updated = procurement_participant::Entity::update_many()
            .set(row)
            .filter(procurement_participant::Column::ProcurementId.eq(procurement_id))
            .filter(procurement_participant::Column::OrgId.eq(org.as_str()))
            .filter(procurement_participant::Column::Version.eq(expected_version))
            .exec(&txn)
            .await?;
        matched(updated.rows_affected, expected_version)?;
        audit::record(
            &txn,
            caller,
            change("update", &after, summary(&before), summary(&after)),
        )
        .await?;
        self.commit_unindexed(txn).await?;
        Ok(after)
    }

    /// Removes an invitation the organisation has not answered; the manager does this.
    /// Organisations that answered withdraw instead, so their history stays.
    pub async fn remove_invitation(
        &self,
        caller: &Caller,
        procurement_id: Uuid,
        org: &OrgId,
        expected_version: Option<i32>,
    ) -> Result<(), StoreError> {
        let procurement = self.get_procurement(caller, procurement_id).await?;
        let before = procurement
            .participants
            .iter()
            .find(|p| &p.org_id == org)
            .cloned()
            .ok_or(StoreError::NotFound)?;
        if !caller.procures_for(&procurement.managing_org) {
            return Err(StoreError::Forbidden(
                "only the managing organisation removes invitations; change your own participation to withdrawn instead".into(),
            ));
        }
        check_version(expected_version, before.version)?;
        if before.fields.state != ParticipationState::Invited {
            return Err(StoreError::Conflict(format!(
                "{org} has answered the invitation ({}); it can withdraw itself",
                before.fields.state
            )));
        }
        let txn = self.db().begin().await?;
        let deleted = procurement_participant::Entity::delete_many()
            .filter(procurement_participant::Column::ProcurementId.eq(procurement_id))
            .filter(procurement_participant::Column::OrgId.eq(org.as_str()))
            .filter(procurement_participant::Column::Version.eq(before.version))
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

    async fn check_organisation(&self, org: &OrgId) -> Result<(), StoreError> {
        let exists = organisation::Entity::find_by_id(org.as_str().to_string())
            .one(self.db())
            .await?
            .is_some();
        if exists {
            Ok(())
        } else {
            Err(ValidationErrors::single(
                "organisation_id",
                format!("no organisation {org} is registered"),
            )
            .into())
        }
    }
}

/// Who may add whom, in which state.
fn check_adding(
    caller: &Caller,
    procurement: &Procurement,
    org: &OrgId,
    fields: &ParticipationFields,
) -> Result<(), StoreError> {
    if caller.procures_for(org) {
        if org == &procurement.managing_org && procurement.fields.external_lead.is_none() {
            return Err(StoreError::Conflict(format!(
                "{org} leads this procurement; the lead does not take part as a participant"
            )));
        }
        if fields.state == ParticipationState::Invited {
            return Err(ValidationErrors::single(
                "state",
                "register your own organisation as interested or mandate_signed; invitations come from the managing organisation",
            )
            .into());
        }
        return Ok(());
    }
    if !caller.procures_for(&procurement.managing_org) {
        return Err(StoreError::Forbidden(
            "only the managing organisation invites others; you may add only your own organisation"
                .into(),
        ));
    }
    let mut errors = ValidationErrors::new();
    if fields.state != ParticipationState::Invited {
        errors.add(
            "state",
            "an invitation is always invited; the organisation answers it itself",
        );
    }
    if fields.estimated_value.is_some() {
        errors.add(
            "estimated_value_sek",
            "is given by the invited organisation itself",
        );
    }
    if fields.volume_description.is_some() {
        errors.add(
            "volume_description",
            "is given by the invited organisation itself",
        );
    }
    if fields.contact.is_some() {
        errors.add("contact", "is given by the invited organisation itself");
    }
    Ok(errors.finish(|| ())?)
}

/// The mandate date: set on the day the state becomes `mandate_signed`, kept afterwards.
fn signed_on(
    before: Option<NaiveDate>,
    previous: ParticipationState,
    fields: &ParticipationFields,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let signing = fields.state == ParticipationState::MandateSigned
        && (previous != ParticipationState::MandateSigned || before.is_none());
    if signing { Some(today) } else { before }
}

fn change<'a>(action: &'static str, p: &'a Participant, before: Value, after: Value) -> Change<'a> {
    Change {
        action,
        entity_type: "procurement_participant",
        entity_id: format!("{}/{}", p.procurement_id, p.org_id),
        entity_org: &p.org_id,
        before,
        after,
    }
}

/// What the audit log keeps of a participation: no contact person.
fn summary(p: &Participant) -> Value {
    json!({
        "version": p.version,
        "state": p.fields.state.as_str(),
        "estimated_value_sek": p.fields.estimated_value.map(|v| v.to_string()),
        "mandate_signed_on": p.mandate_signed_on,
    })
}
