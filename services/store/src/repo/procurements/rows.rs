//! Mapping procurements to rows and back; the child tables are rewritten with the
//! procurement so they always match its content.

use std::collections::HashMap;

use samverkan_domain::OrgNumber;
use samverkan_domain::contact::Contact;
use samverkan_domain::money::Sek;
use samverkan_domain::procurement::input::{Deadline, FrameworkTerms, PlannedStage};
use samverkan_domain::procurement::{
    Contract, CpvCode, Lot, ParticipationFields, ProcurementFields,
};
use samverkan_domain::vocab::{
    DeadlineKind, ParticipationState, ProcurementCategory, ProcurementProcedure, ProcurementStage,
    Visibility,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Participant, Procurement, StageEntry};
use crate::StoreError;
use crate::entity::{
    procurement, procurement_cpv, procurement_deadline, procurement_need, procurement_participant,
};
use crate::error::decode;
use crate::repo::{matched, org_from};

/// The parts of a procurement kept as JSON: read and written only whole.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Details {
    lots: Vec<Lot>,
    planned_stages: Vec<PlannedStage>,
    stage_history: Vec<StageEntry>,
}

/// Inserts a new procurement and its child rows.
pub(super) async fn insert(conn: &impl ConnectionTrait, p: &Procurement) -> Result<(), StoreError> {
    let mut row = active(p)?;
    row.id = Set(p.id);
    row.managing_org_id = Set(p.managing_org.to_string());
    row.created_at = Set(p.created_at);
    row.insert(conn).await?;
    write_children(conn, p, false).await
}

/// Writes a new version of a procurement row, guarded by the version it replaces.
pub(super) async fn update(
    conn: &impl ConnectionTrait,
    p: &Procurement,
    expected_version: i32,
) -> Result<(), StoreError> {
    let updated = procurement::Entity::update_many()
        .set(active(p)?)
        .filter(procurement::Column::Id.eq(p.id))
        .filter(procurement::Column::Version.eq(expected_version))
        .exec(conn)
        .await?;
    matched(updated.rows_affected, expected_version)
}

fn active(p: &Procurement) -> Result<procurement::ActiveModel, StoreError> {
    let f = &p.fields;
    let details = Details {
        lots: f.lots.clone(),
        planned_stages: f.planned_stages.clone(),
        stage_history: p.stage_history.clone(),
    };
    let (lead_name, lead_number) = match &f.external_lead {
        Some((name, number)) => (
            Some(name.clone()),
            number.as_ref().map(|n| n.as_str().to_string()),
        ),
        None => (None, None),
    };
    let contact = f.contact.as_ref();
    Ok(procurement::ActiveModel {
        external_lead_name: Set(lead_name),
        external_lead_org_number: Set(lead_number),
        title: Set(f.title.clone()),
        description: Set(f.description.clone()),
        procedure: Set(f.procedure.as_str().to_string()),
        category: Set(f.category.as_str().to_string()),
        stage: Set(p.stage.as_str().to_string()),
        main_cpv: Set(f.main_cpv.as_str().to_string()),
        estimated_value_ore: Set(f.estimated_value.to_ore()),
        framework: Set(f.framework.map(|t| serde_json::to_string(&t)).transpose()?),
        origin_group: Set(f.origin_group.clone()),
        visibility: Set(f.visibility.as_str().to_string()),
        details: Set(serde_json::to_string(&details)?),
        contract: Set(f.contract.as_ref().map(serde_json::to_string).transpose()?),
        contract_ends_on: Set(f.contract.as_ref().map(|c| c.ends_on)),
        solution_id: Set(p.solution_id),
        contact_name: Set(contact.map(|c| c.name.clone())),
        contact_email: Set(contact.and_then(|c| c.email.clone())),
        contact_phone: Set(contact.and_then(|c| c.phone.clone())),
        version: Set(p.version),
        updated_at: Set(p.updated_at),
        ..Default::default()
    })
}

/// Writes the CPV codes, need links and deadlines, replacing the old ones when
/// `replace` is set.
pub(super) async fn write_children(
    conn: &impl ConnectionTrait,
    p: &Procurement,
    replace: bool,
) -> Result<(), StoreError> {
    if replace {
        procurement_cpv::Entity::delete_many()
            .filter(procurement_cpv::Column::ProcurementId.eq(p.id))
            .exec(conn)
            .await?;
        procurement_need::Entity::delete_many()
            .filter(procurement_need::Column::ProcurementId.eq(p.id))
            .exec(conn)
            .await?;
        procurement_deadline::Entity::delete_many()
            .filter(procurement_deadline::Column::ProcurementId.eq(p.id))
            .exec(conn)
            .await?;
    }
    let f = &p.fields;
    let codes = std::iter::once(&f.main_cpv).chain(&f.additional_cpv);
    for (position, code) in codes.enumerate() {
        procurement_cpv::ActiveModel {
            procurement_id: Set(p.id),
            code: Set(code.as_str().to_string()),
            is_main: Set(position == 0),
            position: Set(position as i32),
        }
        .insert(conn)
        .await?;
    }
    for need in &f.need_ids {
        procurement_need::ActiveModel {
            procurement_id: Set(p.id),
            need_id: Set(*need),
        }
        .insert(conn)
        .await?;
    }
    for (position, d) in f.deadlines.iter().enumerate() {
        procurement_deadline::ActiveModel {
            procurement_id: Set(p.id),
            position: Set(position as i32),
            kind: Set(d.kind.as_str().to_string()),
            due_on: Set(d.due_on),
            description: Set(d.description.clone()),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// The children of a batch of procurements, by procurement id.
#[derive(Default)]
struct Children {
    cpv: HashMap<Uuid, Vec<CpvCode>>,
    needs: HashMap<Uuid, Vec<Uuid>>,
    deadlines: HashMap<Uuid, Vec<Deadline>>,
    participants: HashMap<Uuid, Vec<Participant>>,
}

async fn children(conn: &impl ConnectionTrait, ids: Vec<Uuid>) -> Result<Children, StoreError> {
    let mut out = Children::default();
    for c in procurement_cpv::Entity::find()
        .filter(procurement_cpv::Column::ProcurementId.is_in(ids.clone()))
        .order_by_asc(procurement_cpv::Column::Position)
        .all(conn)
        .await?
    {
        let code = CpvCode::parse(&c.code).map_err(|_| corrupt("CPV code", &c.code))?;
        out.cpv.entry(c.procurement_id).or_default().push(code);
    }
    for n in procurement_need::Entity::find()
        .filter(procurement_need::Column::ProcurementId.is_in(ids.clone()))
        .order_by_asc(procurement_need::Column::NeedId)
        .all(conn)
        .await?
    {
        out.needs
            .entry(n.procurement_id)
            .or_default()
            .push(n.need_id);
    }
    for d in procurement_deadline::Entity::find()
        .filter(procurement_deadline::Column::ProcurementId.is_in(ids.clone()))
        .order_by_asc(procurement_deadline::Column::Position)
        .all(conn)
        .await?
    {
        out.deadlines
            .entry(d.procurement_id)
            .or_default()
            .push(Deadline {
                kind: decode(DeadlineKind::parse, &d.kind)?,
                due_on: d.due_on,
                description: d.description,
            });
    }
    for p in procurement_participant::Entity::find()
        .filter(procurement_participant::Column::ProcurementId.is_in(ids))
        .order_by_asc(procurement_participant::Column::OrgId)
        .all(conn)
        .await?
    {
        out.participants
            .entry(p.procurement_id)
            .or_default()
            .push(participant_from(p)?);
    }
    Ok(out)
}

/// Loads the children of a batch of rows and builds the procurements.
pub(super) async fn hydrate(
    conn: &impl ConnectionTrait,
    rows: Vec<procurement::Model>,
) -> Result<Vec<Procurement>, StoreError> {
    let mut kids = children(conn, rows.iter().map(|r| r.id).collect()).await?;
    rows.into_iter().map(|m| from_row(m, &mut kids)).collect()
}

fn from_row(m: procurement::Model, kids: &mut Children) -> Result<Procurement, StoreError> {
    let details: Details = serde_json::from_str(&m.details)?;
    let mut codes = kids.cpv.remove(&m.id).unwrap_or_default().into_iter();
    let main_cpv = codes
        .next()
        .ok_or_else(|| corrupt("main CPV of", &m.id.to_string()))?;
    let external_lead = match m.external_lead_name {
        Some(name) => {
            let number = m
                .external_lead_org_number
                .map(|n| OrgNumber::parse(&n).map_err(|_| corrupt("organisation number", &n)))
                .transpose()?;
            Some((name, number))
        }
        None => None,
    };
    let contact = m.contact_name.map(|name| Contact {
        name,
        email: m.contact_email,
        phone: m.contact_phone,
    });
    let framework: Option<FrameworkTerms> = m
        .framework
        .as_deref()
        .map(serde_json::from_str)
        .transpose()?;
    let contract: Option<Contract> = m
        .contract
        .as_deref()
        .map(serde_json::from_str)
        .transpose()?;
    Ok(Procurement {
        id: m.id,
        managing_org: org_from(&m.managing_org_id)?,
        fields: ProcurementFields {
            title: m.title,
            description: m.description,
            external_lead,
            need_ids: kids.needs.remove(&m.id).unwrap_or_default(),
            origin_group: m.origin_group,
            main_cpv,
            additional_cpv: codes.collect(),
            procedure: decode(ProcurementProcedure::parse, &m.procedure)?,
            category: decode(ProcurementCategory::parse, &m.category)?,
            estimated_value: Sek::from_ore(m.estimated_value_ore),
            framework,
            lots: details.lots,
            planned_stages: details.planned_stages,
            deadlines: kids.deadlines.remove(&m.id).unwrap_or_default(),
            contract,
            visibility: decode(Visibility::parse, &m.visibility)?,
            contact,
        },
        stage: decode(ProcurementStage::parse, &m.stage)?,
        stage_history: details.stage_history,
        participants: kids.participants.remove(&m.id).unwrap_or_default(),
        solution_id: m.solution_id,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// Builds a participation from its row.
fn participant_from(p: procurement_participant::Model) -> Result<Participant, StoreError> {
    let contact = p.contact_name.map(|name| Contact {
        name,
        email: p.contact_email,
        phone: p.contact_phone,
    });
    Ok(Participant {
        procurement_id: p.procurement_id,
        org_id: org_from(&p.org_id)?,
        fields: ParticipationFields {
            state: decode(ParticipationState::parse, &p.state)?,
            estimated_value: p.estimated_value_ore.map(Sek::from_ore),
            volume_description: p.volume_description,
            contact,
            note: p.note,
        },
        mandate_signed_on: p.mandate_signed_on,
        version: p.version,
        created_at: p.created_at,
        updated_at: p.updated_at,
    })
}

/// The columns of a participation row that come from its content.
pub(super) fn participant_active(f: &ParticipationFields) -> procurement_participant::ActiveModel {
    let contact = f.contact.as_ref();
    procurement_participant::ActiveModel {
        state: Set(f.state.as_str().to_string()),
        estimated_value_ore: Set(f.estimated_value.map(Sek::to_ore)),
        volume_description: Set(f.volume_description.clone()),
        note: Set(f.note.clone()),
        contact_name: Set(contact.map(|c| c.name.clone())),
        contact_email: Set(contact.and_then(|c| c.email.clone())),
        contact_phone: Set(contact.and_then(|c| c.phone.clone())),
        ..Default::default()
    }
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("stored {what} {value:?}"))
}
