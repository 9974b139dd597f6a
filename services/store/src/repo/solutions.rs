//! Reusable solutions and adoptions. The catalog is public; only the owner changes a
//! solution, and each organisation declares only its own adoption.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use samverkan_domain::contact::Contact;
use samverkan_domain::money::Sek;
use samverkan_domain::solution::{AdoptionFields, SolutionFields};
use samverkan_domain::vocab::{AdoptionState, Maturity, SolutionKind, Topic, Visibility};
use samverkan_domain::{Caller, OrgId};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::needs::subregion_members;
use super::{authorise_write, check_version, matched, org_from, tags_from, writing_org};
use crate::audit::{self, Change};
use crate::entity::{adoption, solution, solution_topic};
use crate::error::decode;
use crate::outbox::EntityKind;
use crate::page::{self, PageRequest, SortKey, SortSpec};
use crate::{Page, Store, StoreError};

/// A stored solution with its adoptions.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// Id.
    pub id: Uuid,
    /// Owning organisation.
    pub org_id: OrgId,
    /// Content.
    pub fields: SolutionFields,
    /// Who uses it.
    pub adoptions: Vec<Adoption>,
    /// The joint procurement whose framework agreement this solution publishes.
    pub procurement_id: Option<Uuid>,
    /// Version for optimistic concurrency.
    pub version: i32,
    /// Registered at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
}

/// Inserts a solution for `org` with its topics and audit event, inside the caller's
/// transaction; `procurement` links a published framework agreement back to its
/// procurement.
pub(crate) async fn insert_solution(
    txn: &impl ConnectionTrait,
    caller: &Caller,
    org: OrgId,
    fields: SolutionFields,
    procurement: Option<Uuid>,
) -> Result<Solution, StoreError> {
    let now = crate::now();
    let id = Uuid::now_v7();
    let mut row = active(&fields);
    row.id = Set(id);
    row.org_id = Set(org.to_string());
    row.procurement_id = Set(procurement);
    row.version = Set(1);
    row.created_at = Set(now);
    row.updated_at = Set(now);
    row.insert(txn).await?;
    write_topics(txn, id, &fields.topics).await?;
    let created = Solution {
        id,
        org_id: org,
        fields,
        adoptions: vec![],
        procurement_id: procurement,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    audit::record(
        txn,
        caller,
        change("create", &created, Value::Null, summary(&created)),
    )
    .await?;
    Ok(created)
}

/// One organisation's adoption of a solution.
#[derive(Debug, Clone, PartialEq)]
pub struct Adoption {
    /// The solution.
    pub solution_id: Uuid,
    /// The adopting organisation.
    pub org_id: OrgId,
    /// Content.
    pub fields: AdoptionFields,
    /// Version for optimistic concurrency.
    pub version: i32,
    /// Declared at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
}

/// Filters for listing solutions.
#[derive(Debug, Clone, Default)]
pub struct SolutionFilter {
    /// Owned by this organisation.
    pub org: Option<OrgId>,
    /// Of this kind.
    pub kind: Option<SolutionKind>,
    /// At this maturity.
    pub maturity: Option<Maturity>,
    /// With this topic.
    pub topic: Option<Topic>,
    /// Adopted (in any state but stopped) by this organisation.
    pub adopted_by: Option<OrgId>,
    /// Owned by a current member of this sub-region.
    pub subregion: Option<String>,
    /// Sort order name; see [`SOLUTION_SORTS`].
    pub sort: Option<String>,
}

/// The sort orders solutions can be listed in; the first is the default.
pub const SOLUTION_SORTS: &[&str] = &[
    "-created", "created", "name", "-name", "-updated", "updated",
];

fn sorts() -> [SortSpec<solution::Entity>; 6] {
    let name = |m: &solution::Model| SortKey::Text(m.name.clone());
    let updated = |m: &solution::Model| SortKey::Time(m.updated_at);
    let spec = |name, column, descending, key| SortSpec {
        name,
        column,
        descending,
        key,
    };
    [
        spec("-created", None, true, |_| SortKey::None),
        spec("created", None, false, |_| SortKey::None),
        spec("name", Some(solution::Column::Name), false, name),
        spec("-name", Some(solution::Column::Name), true, name),
        spec("-updated", Some(solution::Column::UpdatedAt), true, updated),
        spec("updated", Some(solution::Column::UpdatedAt), false, updated),
    ]
}

impl Store {
    /// Registers a solution owned by the caller's organisation.
    pub async fn create_solution(
        &self,
        caller: &Caller,
        fields: SolutionFields,
    ) -> Result<Solution, StoreError> {
        let org = writing_org(caller)?;
        let txn = self.db().begin().await?;
        let created = insert_solution(&txn, caller, org, fields, None).await?;
        self.commit_change(txn, EntityKind::Solution, created.id)
            .await?;
        Ok(created)
    }

    /// Reads one solution with its adoptions.
    pub async fn get_solution(&self, id: Uuid) -> Result<Solution, StoreError> {
        let row = solution::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(hydrate(self.db(), vec![row]).await?.remove(0))
    }

    /// Lists solutions, filtered, sorted and paginated.
    pub async fn list_solutions(
        &self,
        filter: &SolutionFilter,
        request: &PageRequest,
    ) -> Result<Page<Solution>, StoreError> {
        let specs = sorts();
        let spec = SortSpec::find(&specs, filter.sort.as_deref())?;
        let select = solution::Entity::find().filter(filter_condition(filter));
        let (select, limit) = page::apply(select, spec, solution::Column::Id, request)?;
        let page = page::finish(select.all(self.db()).await?, limit, spec, |m| m.id);
        Ok(Page {
            items: hydrate(self.db(), page.items).await?,
            next_cursor: page.next_cursor,
        })
    }

    /// Replaces a solution's content.
    pub async fn replace_solution(
        &self,
        caller: &Caller,
        id: Uuid,
        expected_version: i32,
        fields: SolutionFields,
    ) -> Result<Solution, StoreError> {
        let before = self.get_solution(id).await?;
        authorise_write(caller, &before.org_id, Visibility::Public)?;
        check_version(Some(expected_version), before.version)?;
        let now = crate::now();
        let txn = self.db().begin().await?;
        let mut row = active(&fields);
        row.version = Set(expected_version + 1);
        row.updated_at = Set(now);
        let updated = solution::Entity::update_many()
            .set(row)
            .filter(solution::Column::Id.eq(id))
            .filter(solution::Column::Version.eq(expected_version))
            .exec(&txn)
            .await?;
        matched(updated.rows_affected, expected_version)?;
        solution_topic::Entity::delete_many()
            .filter(solution_topic::Column::SolutionId.eq(id))
            .exec(&txn)
            .await?;
        write_topics(&txn, id, &fields.topics).await?;
        let after = Solution {
            fields,
            version: expected_version + 1,
            updated_at: now,
            ..before.clone()
        };
        audit::record(
            &txn,
            caller,
            change("update", &after, summary(&before), summary(&after)),
        )
        .await?;
        self.commit_change(txn, EntityKind::Solution, id).await?;
        Ok(after)
    }

    /// Deletes a solution and its adoptions.
    pub async fn delete_solution(
        &self,
        caller: &Caller,
        id: Uuid,
        expected_version: Option<i32>,
    ) -> Result<(), StoreError> {
        let before = self.get_solution(id).await?;
        authorise_write(caller, &before.org_id, Visibility::Public)?;
        check_version(expected_version, before.version)?;
        let txn = self.db().begin().await?;
        let deleted = solution::Entity::delete_many()
            .filter(solution::Column::Id.eq(id))
            .filter(solution::Column::Version.eq(before.version))
            .exec(&txn)
            .await?;
        matched(deleted.rows_affected, before.version)?;
        solution_topic::Entity::delete_many()
            .filter(solution_topic::Column::SolutionId.eq(id))
            .exec(&txn)
            .await?;
        adoption::Entity::delete_many()
            .filter(adoption::Column::SolutionId.eq(id))
            .exec(&txn)
            .await?;
        crate::repo::procurements::unlink_solution(&txn, id).await?;
        audit::record(
            &txn,
            caller,
            change("delete", &before, summary(&before), Value::Null),
        )
        .await?;
        self.commit_change(txn, EntityKind::Solution, id).await?;
        Ok(())
    }

    /// Declares the caller's organisation's adoption of a solution.
    pub async fn create_adoption(
        &self,
        caller: &Caller,
        solution_id: Uuid,
        fields: AdoptionFields,
    ) -> Result<Adoption, StoreError> {
        let org = writing_org(caller)?;
        let solution = self.get_solution(solution_id).await?;
        if solution.org_id == org {
            return Err(StoreError::Conflict(
                "an organisation does not adopt its own solution; it owns it".into(),
            ));
        }
        if solution.adoptions.iter().any(|a| a.org_id == org) {
            return Err(StoreError::Conflict(format!(
                "organisation {org} has already declared an adoption; update it instead"
            )));
        }
        let now = crate::now();
        let created = Adoption {
            solution_id,
            org_id: org,
            fields,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let txn = self.db().begin().await?;
        let mut row = adoption_active(&created.fields);
        row.solution_id = Set(solution_id);
        row.org_id = Set(created.org_id.to_string());
        row.version = Set(1);
        row.created_at = Set(now);
        row.updated_at = Set(now);
        row.insert(&txn).await?;
        audit::record(
            &txn,
            caller,
            adoption_change("create", &created, Value::Null, adoption_summary(&created)),
        )
        .await?;
        self.commit_change(txn, EntityKind::Solution, solution_id)
            .await?;
        Ok(created)
    }

    /// Changes an organisation's adoption; only that organisation may.
    pub async fn replace_adoption(
        &self,
        caller: &Caller,
        solution_id: Uuid,
        org: &OrgId,
        expected_version: i32,
        fields: AdoptionFields,
    ) -> Result<Adoption, StoreError> {
        let before = self
            .adoption_for_write(caller, solution_id, org, Some(expected_version))
            .await?;
        let now = crate::now();
        let txn = self.db().begin().await?;
        let mut row = adoption_active(&fields);
        row.version = Set(expected_version + 1);
        row.updated_at = Set(now);
        let updated = adoption::Entity::update_many()
            .set(row)
            .filter(adoption::Column::SolutionId.eq(solution_id))
            .filter(adoption::Column::OrgId.eq(org.as_str()))
            .filter(adoption::Column::Version.eq(expected_version))
            .exec(&txn)
            .await?;
        matched(updated.rows_affected, expected_version)?;
        let after = Adoption {
            fields,
            version: expected_version + 1,
            updated_at: now,
            ..before.clone()
        };
        audit::record(
            &txn,
            caller,
            adoption_change(
                "update",
                &after,
                adoption_summary(&before),
                adoption_summary(&after),
            ),
        )
        .await?;
        self.commit_change(txn, EntityKind::Solution, solution_id)
            .await?;
        Ok(after)
    }

    /// Withdraws an organisation's adoption declaration.
    pub async fn delete_adoption(
        &self,
        caller: &Caller,
        solution_id: Uuid,
        org: &OrgId,
        expected_version: Option<i32>,
    ) -> Result<(), StoreError> {
        let before = self
            .adoption_for_write(caller, solution_id, org, expected_version)
            .await?;
        let txn = self.db().begin().await?;
        let deleted = adoption::Entity::delete_many()
            .filter(adoption::Column::SolutionId.eq(solution_id))
            .filter(adoption::Column::OrgId.eq(org.as_str()))
            .filter(adoption::Column::Version.eq(before.version))
            .exec(&txn)
            .await?;
        matched(deleted.rows_affected, before.version)?;
        audit::record(
            &txn,
            caller,
            adoption_change("delete", &before, adoption_summary(&before), Value::Null),
        )
        .await?;
        self.commit_change(txn, EntityKind::Solution, solution_id)
            .await?;
        Ok(())
    }

    /// Reads one adoption.
    pub async fn get_adoption(
        &self,
        solution_id: Uuid,
        org: &OrgId,
    ) -> Result<Adoption, StoreError> {
        let solution = self.get_solution(solution_id).await?;
        solution
            .adoptions
            .into_iter()
            .find(|a| &a.org_id == org)
            .ok_or(StoreError::NotFound)
    }

    async fn adoption_for_write(
        &self,
        caller: &Caller,
        solution_id: Uuid,
        org: &OrgId,
        expected: Option<i32>,
    ) -> Result<Adoption, StoreError> {
        let current = self.get_adoption(solution_id, org).await?;
        authorise_write(caller, org, Visibility::Public)?;
        check_version(expected, current.version)?;
        Ok(current)
    }
}

fn change<'a>(action: &'static str, s: &'a Solution, before: Value, after: Value) -> Change<'a> {
    Change {
        action,
        entity_type: "solution",
        entity_id: s.id.to_string(),
        entity_org: &s.org_id,
        before,
        after,
    }
}

fn adoption_change<'a>(
    action: &'static str,
    a: &'a Adoption,
    before: Value,
    after: Value,
) -> Change<'a> {
    Change {
        action,
        entity_type: "adoption",
        entity_id: format!("{}/{}", a.solution_id, a.org_id),
        entity_org: &a.org_id,
        before,
        after,
    }
}

fn summary(s: &Solution) -> Value {
    let f = &s.fields;
    json!({
        "version": s.version,
        "name": f.name,
        "kind": f.kind.as_str(),
        "maturity": f.maturity.as_str(),
        "licence": f.licence,
        "topics": f.topics.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        "adoption_cost_sek": f.adoption_cost.map(|c| c.to_string()),
        "has_contact": f.contact.is_some(),
    })
}

fn adoption_summary(a: &Adoption) -> Value {
    json!({ "version": a.version, "state": a.fields.state.as_str(), "since": a.fields.since })
}

fn filter_condition(filter: &SolutionFilter) -> sea_orm::Condition {
    let mut cond = sea_orm::Condition::all();
    if let Some(org) = &filter.org {
        cond = cond.add(solution::Column::OrgId.eq(org.as_str()));
    }
    if let Some(k) = filter.kind {
        cond = cond.add(solution::Column::Kind.eq(k.as_str()));
    }
    if let Some(m) = filter.maturity {
        cond = cond.add(solution::Column::Maturity.eq(m.as_str()));
    }
    if let Some(t) = filter.topic {
        let ids = Query::select()
            .column(solution_topic::Column::SolutionId)
            .from(solution_topic::Entity)
            .and_where(solution_topic::Column::Topic.eq(t.as_str()))
            .to_owned();
        cond = cond.add(solution::Column::Id.in_subquery(ids));
    }
    if let Some(org) = &filter.adopted_by {
        let ids = Query::select()
            .column(adoption::Column::SolutionId)
            .from(adoption::Entity)
            .and_where(adoption::Column::OrgId.eq(org.as_str()))
            .and_where(adoption::Column::State.ne(AdoptionState::Stopped.as_str()))
            .to_owned();
        cond = cond.add(solution::Column::Id.in_subquery(ids));
    }
    if let Some(sub) = &filter.subregion {
        cond = cond.add(solution::Column::OrgId.in_subquery(subregion_members(sub)));
    }
    cond
}

fn active(f: &SolutionFields) -> solution::ActiveModel {
    let contact = f.contact.as_ref();
    solution::ActiveModel {
        name: Set(f.name.clone()),
        description: Set(f.description.clone()),
        kind: Set(f.kind.as_str().to_string()),
        maturity: Set(f.maturity.as_str().to_string()),
        licence: Set(f.licence.clone()),
        source_url: Set(f.source_url.clone()),
        documentation_url: Set(f.documentation_url.clone()),
        adoption_cost_ore: Set(f.adoption_cost.map(Sek::to_ore)),
        adoption_cost_note: Set(f.adoption_cost_note.clone()),
        tags: Set(json!(f.tags).to_string()),
        contact_name: Set(contact.map(|c| c.name.clone())),
        contact_email: Set(contact.and_then(|c| c.email.clone())),
        contact_phone: Set(contact.and_then(|c| c.phone.clone())),
        ..Default::default()
    }
}

fn adoption_active(f: &AdoptionFields) -> adoption::ActiveModel {
    adoption::ActiveModel {
        state: Set(f.state.as_str().to_string()),
        since: Set(f.since),
        note: Set(f.note.clone()),
        ..Default::default()
    }
}

async fn write_topics(
    conn: &impl ConnectionTrait,
    id: Uuid,
    topics: &[Topic],
) -> Result<(), StoreError> {
    for (position, topic) in topics.iter().enumerate() {
        solution_topic::ActiveModel {
            solution_id: Set(id),
            topic: Set(topic.as_str().to_string()),
            position: Set(position as i32),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// Loads topics and adoptions for a batch of rows.
async fn hydrate(
    conn: &impl ConnectionTrait,
    rows: Vec<solution::Model>,
) -> Result<Vec<Solution>, StoreError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut topics: HashMap<Uuid, Vec<Topic>> = HashMap::new();
    for t in solution_topic::Entity::find()
        .filter(solution_topic::Column::SolutionId.is_in(ids.clone()))
        .order_by_asc(solution_topic::Column::Position)
        .all(conn)
        .await?
    {
        topics
            .entry(t.solution_id)
            .or_default()
            .push(decode(Topic::parse, &t.topic)?);
    }
    let mut adoptions: HashMap<Uuid, Vec<Adoption>> = HashMap::new();
    for a in adoption::Entity::find()
        .filter(adoption::Column::SolutionId.is_in(ids))
        .order_by_asc(adoption::Column::OrgId)
        .all(conn)
        .await?
    {
        adoptions
            .entry(a.solution_id)
            .or_default()
            .push(adoption_from(a)?);
    }
    rows.into_iter()
        .map(|m| {
            let t = topics.remove(&m.id).unwrap_or_default();
            let a = adoptions.remove(&m.id).unwrap_or_default();
            from_row(m, t, a)
        })
        .collect()
}

fn adoption_from(a: adoption::Model) -> Result<Adoption, StoreError> {
    Ok(Adoption {
        solution_id: a.solution_id,
        org_id: org_from(&a.org_id)?,
        fields: AdoptionFields {
            state: decode(AdoptionState::parse, &a.state)?,
            since: a.since,
            note: a.note,
        },
        version: a.version,
        created_at: a.created_at,
        updated_at: a.updated_at,
    })
}

fn from_row(
    m: solution::Model,
    topics: Vec<Topic>,
    adoptions: Vec<Adoption>,
) -> Result<Solution, StoreError> {
    let contact = m.contact_name.map(|name| Contact {
        name,
        email: m.contact_email,
        phone: m.contact_phone,
    });
    Ok(Solution {
        id: m.id,
        org_id: org_from(&m.org_id)?,
        fields: SolutionFields {
            name: m.name,
            description: m.description,
            kind: decode(SolutionKind::parse, &m.kind)?,
            maturity: decode(Maturity::parse, &m.maturity)?,
            licence: m.licence,
            source_url: m.source_url,
            documentation_url: m.documentation_url,
            adoption_cost: m.adoption_cost_ore.map(Sek::from_ore),
            adoption_cost_note: m.adoption_cost_note,
            topics,
            tags: tags_from(&m.tags)?,
            contact,
        },
        adoptions,
        procurement_id: m.procurement_id,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}
