//! Needs: tenant-scoped reads, owner-only writes, topics and strategy-goal links.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use samverkan_domain::contact::Contact;
use samverkan_domain::evaluation::Evaluation;
use samverkan_domain::money::{BudgetRange, Sek};
use samverkan_domain::need::NeedFields;
use samverkan_domain::vocab::{ActivityArea, CollaborationLevel, NeedStatus, Topic, Visibility};
use samverkan_domain::{Caller, OrgId, ValidationErrors};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{authorise_write, check_version, matched, org_from, tags_from, writing_org};
use crate::audit::{self, Change};
use crate::entity::{need, need_goal, need_topic, strategy, strategy_goal, subregion_membership};
use crate::error::decode;
use crate::outbox::EntityKind;
use crate::page::{self, PageRequest, SortKey, SortSpec};
use crate::{Page, ReadScope, Store, StoreError};

/// A stored need.
#[derive(Debug, Clone, PartialEq)]
pub struct Need {
    /// Id (UUIDv7, so creation-ordered).
    pub id: Uuid,
    /// The owning organisation.
    pub org_id: OrgId,
    /// Its content.
    pub fields: NeedFields,
    /// Optimistic-concurrency version, exposed as the ETag.
    pub version: i32,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Filters for listing needs; all given filters must hold.
#[derive(Debug, Clone, Default)]
pub struct NeedFilter {
    /// Owned by this organisation.
    pub org: Option<OrgId>,
    /// In this status.
    pub status: Option<NeedStatus>,
    /// In this activity area.
    pub activity_area: Option<ActivityArea>,
    /// Having this topic.
    pub topic: Option<Topic>,
    /// At this collaboration level.
    pub collaboration_level: Option<CollaborationLevel>,
    /// With this visibility.
    pub visibility: Option<Visibility>,
    /// Owned by a current member of this sub-region.
    pub subregion: Option<String>,
    /// Needed by this date or earlier.
    pub needed_before: Option<NaiveDate>,
    /// Sort order name; see [`NEED_SORTS`].
    pub sort: Option<String>,
}

/// The sort orders needs can be listed in; the first is the default.
pub const NEED_SORTS: &[&str] = &[
    "-created",
    "created",
    "-updated",
    "updated",
    "title",
    "-title",
    "-priority",
    "priority",
];

fn sorts() -> [SortSpec<need::Entity>; 8] {
    let updated = |m: &need::Model| SortKey::Time(m.updated_at);
    let title = |m: &need::Model| SortKey::Text(m.title.clone());
    let priority = |m: &need::Model| SortKey::Int(i64::from(m.priority_hundredths));
    let spec = |name, column, descending, key| SortSpec {
        name,
        column,
        descending,
        key,
    };
    [
        spec("-created", None, true, |_| SortKey::None),
        spec("created", None, false, |_| SortKey::None),
        spec("-updated", Some(need::Column::UpdatedAt), true, updated),
        spec("updated", Some(need::Column::UpdatedAt), false, updated),
        spec("title", Some(need::Column::Title), false, title),
        spec("-title", Some(need::Column::Title), true, title),
        spec(
            "-priority",
            Some(need::Column::PriorityHundredths),
            true,
            priority,
        ),
        spec(
            "priority",
            Some(need::Column::PriorityHundredths),
            false,
            priority,
        ),
    ]
}

impl Store {
    /// Registers a need for the caller's own organisation.
    pub async fn create_need(
        &self,
        caller: &Caller,
        fields: NeedFields,
    ) -> Result<Need, StoreError> {
        let org = writing_org(caller)?;
        check_goals(self.db(), &org, &fields.strategy_goal_ids).await?;
        let now = crate::now();
        let id = Uuid::now_v7();
        let txn = self.db().begin().await?;
        let mut row = active(&fields);
        row.id = Set(id);
        row.org_id = Set(org.to_string());
        row.version = Set(1);
        row.created_at = Set(now);
        row.updated_at = Set(now);
        row.insert(&txn).await?;
        write_links(&txn, id, &fields).await?;
        let created = Need {
            id,
            org_id: org.clone(),
            fields,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        audit::record(
            &txn,
            caller,
            change("create", &created, Value::Null, summary(&created)),
        )
        .await?;
        self.commit_change(txn, EntityKind::Need, id).await?;
        Ok(created)
    }

    /// Reads one need, if the caller may see it.
    pub async fn get_need(&self, caller: &Caller, id: Uuid) -> Result<Need, StoreError> {
        let row = need::Entity::find_by_id(id)
            .filter(ReadScope::of(caller).condition(need::Column::OrgId, need::Column::Visibility))
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(hydrate(self.db(), vec![row]).await?.remove(0))
    }

    /// Lists the needs the caller may see, filtered, sorted and paginated.
    pub async fn list_needs(
        &self,
        caller: &Caller,
        filter: &NeedFilter,
        request: &PageRequest,
    ) -> Result<Page<Need>, StoreError> {
        let specs = sorts();
        let spec = SortSpec::find(&specs, filter.sort.as_deref())?;
        let select = need::Entity::find()
            .filter(ReadScope::of(caller).condition(need::Column::OrgId, need::Column::Visibility))
            .filter(filter_condition(filter));
        let (select, limit) = page::apply(select, spec, need::Column::Id, request)?;
        let rows = select.all(self.db()).await?;
        let page = page::finish(rows, limit, spec, |m| m.id);
        let items = hydrate(self.db(), page.items).await?;
        Ok(Page {
            items,
            next_cursor: page.next_cursor,
        })
    }

    /// The open needs the caller may see, each with whether it is public: two columns
    /// of one query, no hydration. Matchmaking checks its snapshot against this between
    /// rebuilds, so that a need withdrawn, closed, deleted or made internal stops being
    /// shown at once, even while a large registry's rebuild takes seconds.
    pub async fn open_needs_visibility(
        &self,
        caller: &Caller,
    ) -> Result<HashMap<Uuid, bool>, StoreError> {
        let rows: Vec<(Uuid, String)> = need::Entity::find()
            .select_only()
            .column(need::Column::Id)
            .column(need::Column::Visibility)
            .filter(ReadScope::of(caller).condition(need::Column::OrgId, need::Column::Visibility))
            .filter(need::Column::Status.eq(NeedStatus::Open.as_str()))
            .into_tuple()
            .all(self.db())
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, visibility)| (id, visibility == Visibility::Public.as_str()))
            .collect())
    }

    /// Replaces a need's content; `expected_version` is the version the caller last read.
    pub async fn replace_need(
        &self,
        caller: &Caller,
        id: Uuid,
        expected_version: i32,
        fields: NeedFields,
    ) -> Result<Need, StoreError> {
        let before = self
            .load_need_for_write(caller, id, Some(expected_version))
            .await?;
        check_goals(self.db(), &before.org_id, &fields.strategy_goal_ids).await?;
        let now = crate::now();
        let txn = self.db().begin().await?;
        // The guarded UPDATE comes first: it takes the write lock, and matches no row if
        // someone else changed the need since the caller read it.
        let mut row = active(&fields);
        row.version = Set(expected_version + 1);
        row.updated_at = Set(now);
        let updated = need::Entity::update_many()
            .set(row)
            .filter(need::Column::Id.eq(id))
            .filter(need::Column::Version.eq(expected_version))
            .exec(&txn)
            .await?;
        matched(updated.rows_affected, expected_version)?;
        delete_links(&txn, id).await?;
        write_links(&txn, id, &fields).await?;
        let after = Need {
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
        self.commit_change(txn, EntityKind::Need, id).await?;
        Ok(after)
    }

    /// Deletes a need (and, with it, its personal data); `expected_version` guards
    /// against deleting something changed since the caller read it.
    pub async fn delete_need(
        &self,
        caller: &Caller,
        id: Uuid,
        expected_version: Option<i32>,
    ) -> Result<(), StoreError> {
        let before = self
            .load_need_for_write(caller, id, expected_version)
            .await?;
        let txn = self.db().begin().await?;
        let deleted = need::Entity::delete_many()
            .filter(need::Column::Id.eq(id))
            .filter(need::Column::Version.eq(before.version))
            .exec(&txn)
            .await?;
        matched(deleted.rows_affected, before.version)?;
        delete_links(&txn, id).await?;
        audit::record(
            &txn,
            caller,
            change("delete", &before, summary(&before), Value::Null),
        )
        .await?;
        self.commit_change(txn, EntityKind::Need, id).await?;
        Ok(())
    }

    async fn load_need_for_write(
        &self,
        caller: &Caller,
        id: Uuid,
        expected: Option<i32>,
    ) -> Result<Need, StoreError> {
        let row = need::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound)?;
        let current = hydrate(self.db(), vec![row]).await?.remove(0);
        authorise_write(caller, &current.org_id, current.fields.visibility)?;
        check_version(expected, current.version)?;
        Ok(current)
    }
}

fn change<'a>(action: &'static str, need: &'a Need, before: Value, after: Value) -> Change<'a> {
    Change {
        action,
        entity_type: "need",
        entity_id: need.id.to_string(),
        entity_org: &need.org_id,
        before,
        after,
    }
}

/// What the audit log keeps of a need: its content without the contact person.
fn summary(need: &Need) -> Value {
    let f = &need.fields;
    json!({
        "version": need.version,
        "title": f.title,
        "status": f.status.as_str(),
        "visibility": f.visibility.as_str(),
        "activity_area": f.activity_area.as_str(),
        "topics": f.topics.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        "collaboration_level": f.collaboration_level.as_str(),
        "needed_by": f.needed_by,
        "budget_max_sek": f.budget.max.map(|s| s.to_string()),
        "has_contact": f.contact.is_some(),
    })
}

fn filter_condition(filter: &NeedFilter) -> sea_orm::Condition {
    let mut cond = sea_orm::Condition::all();
    if let Some(org) = &filter.org {
        cond = cond.add(need::Column::OrgId.eq(org.as_str()));
    }
    if let Some(s) = filter.status {
        cond = cond.add(need::Column::Status.eq(s.as_str()));
    }
    if let Some(a) = filter.activity_area {
        cond = cond.add(need::Column::ActivityArea.eq(a.as_str()));
    }
    if let Some(l) = filter.collaboration_level {
        cond = cond.add(need::Column::CollaborationLevel.eq(l.as_str()));
    }
    if let Some(v) = filter.visibility {
        cond = cond.add(need::Column::Visibility.eq(v.as_str()));
    }
    if let Some(d) = filter.needed_before {
        cond = cond.add(need::Column::NeededBy.lte(d));
    }
    if let Some(t) = filter.topic {
        let ids = Query::select()
            .column(need_topic::Column::NeedId)
            .from(need_topic::Entity)
            .and_where(need_topic::Column::Topic.eq(t.as_str()))
            .to_owned();
        cond = cond.add(need::Column::Id.in_subquery(ids));
    }
    if let Some(sub) = &filter.subregion {
        cond = cond.add(need::Column::OrgId.in_subquery(subregion_members(sub)));
    }
    cond
}

/// Current members of a sub-region, as a subquery of organisation ids.
pub(crate) fn subregion_members(subregion: &str) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(subregion_membership::Column::OrgId)
        .from(subregion_membership::Entity)
        .and_where(subregion_membership::Column::Subregion.eq(subregion))
        .and_where(subregion_membership::Column::ValidTo.is_null())
        .to_owned()
}

/// The columns of a need row that come from its content.
fn active(f: &NeedFields) -> need::ActiveModel {
    let contact = f.contact.as_ref();
    need::ActiveModel {
        title: Set(f.title.clone()),
        description: Set(f.description.clone()),
        activity_area: Set(f.activity_area.as_str().to_string()),
        tags: Set(json!(f.tags).to_string()),
        needed_from: Set(f.needed_from),
        needed_by: Set(f.needed_by),
        budget_min_ore: Set(f.budget.min.map(Sek::to_ore)),
        budget_max_ore: Set(f.budget.max.map(Sek::to_ore)),
        collaboration_level: Set(f.collaboration_level.as_str().to_string()),
        status: Set(f.status.as_str().to_string()),
        visibility: Set(f.visibility.as_str().to_string()),
        hypothesis: Set(f.hypothesis.clone()),
        contact_name: Set(contact.map(|c| c.name.clone())),
        contact_email: Set(contact.and_then(|c| c.email.clone())),
        contact_phone: Set(contact.and_then(|c| c.phone.clone())),
        evaluation: Set(serde_json::to_string(&f.evaluation).unwrap_or_default()),
        priority_hundredths: Set(priority_hundredths(&f.evaluation)),
        ..Default::default()
    }
}

/// The priority score in hundredths for sorting; -1 sorts unscored needs last.
fn priority_hundredths(evaluation: &Evaluation) -> i32 {
    evaluation
        .priority()
        .and_then(|p| {
            i32::try_from(
                (p.score * rust_decimal::Decimal::ONE_HUNDRED)
                    .trunc()
                    .mantissa(),
            )
            .ok()
        })
        .unwrap_or(-1)
}

async fn write_links(
    conn: &impl ConnectionTrait,
    id: Uuid,
    f: &NeedFields,
) -> Result<(), StoreError> {
    for (position, topic) in f.topics.iter().enumerate() {
        need_topic::ActiveModel {
            need_id: Set(id),
            topic: Set(topic.as_str().to_string()),
            position: Set(position as i32),
        }
        .insert(conn)
        .await?;
    }
    for goal in &f.strategy_goal_ids {
        need_goal::ActiveModel {
            need_id: Set(id),
            goal_id: Set(*goal),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

async fn delete_links(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    need_topic::Entity::delete_many()
        .filter(need_topic::Column::NeedId.eq(id))
        .exec(conn)
        .await?;
    need_goal::Entity::delete_many()
        .filter(need_goal::Column::NeedId.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Checks every referenced goal belongs to a strategy of `org`.
async fn check_goals(
    conn: &impl ConnectionTrait,
    org: &OrgId,
    goals: &[Uuid],
) -> Result<(), StoreError> {
    if goals.is_empty() {
        return Ok(());
    }
    let own_strategies = Query::select()
        .column(strategy::Column::Id)
        .from(strategy::Entity)
        .and_where(strategy::Column::OrgId.eq(org.as_str()))
        .to_owned();
    let found: Vec<Uuid> = strategy_goal::Entity::find()
        .filter(strategy_goal::Column::Id.is_in(goals.iter().copied()))
        .filter(strategy_goal::Column::StrategyId.in_subquery(own_strategies))
        .all(conn)
        .await?
        .into_iter()
        .map(|g| g.id)
        .collect();
    let mut errors = ValidationErrors::new();
    for (i, goal) in goals.iter().enumerate() {
        if !found.contains(goal) {
            errors.add(
                format!("strategy_goal_ids[{i}]"),
                "is not a goal of your organisation's strategies",
            );
        }
    }
    errors.finish(|| ()).map_err(StoreError::from)
}

/// Loads topics and goal links for a batch of rows (two queries, whatever the batch size).
async fn hydrate(
    conn: &impl ConnectionTrait,
    rows: Vec<need::Model>,
) -> Result<Vec<Need>, StoreError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut topics: HashMap<Uuid, Vec<Topic>> = HashMap::new();
    for t in need_topic::Entity::find()
        .filter(need_topic::Column::NeedId.is_in(ids.clone()))
        .order_by_asc(need_topic::Column::Position)
        .all(conn)
        .await?
    {
        topics
            .entry(t.need_id)
            .or_default()
            .push(decode(Topic::parse, &t.topic)?);
    }
    let mut goals: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for g in need_goal::Entity::find()
        .filter(need_goal::Column::NeedId.is_in(ids))
        .all(conn)
        .await?
    {
        goals.entry(g.need_id).or_default().push(g.goal_id);
    }
    rows.into_iter()
        .map(|row| {
            let t = topics.remove(&row.id).unwrap_or_default();
            let g = goals.remove(&row.id).unwrap_or_default();
            from_row(row, t, g)
        })
        .collect()
}

fn from_row(m: need::Model, topics: Vec<Topic>, goals: Vec<Uuid>) -> Result<Need, StoreError> {
    let contact = m.contact_name.map(|name| Contact {
        name,
        email: m.contact_email,
        phone: m.contact_phone,
    });
    let fields = NeedFields {
        title: m.title,
        description: m.description,
        activity_area: decode(ActivityArea::parse, &m.activity_area)?,
        topics,
        tags: tags_from(&m.tags)?,
        needed_from: m.needed_from,
        needed_by: m.needed_by,
        budget: BudgetRange {
            min: m.budget_min_ore.map(Sek::from_ore),
            max: m.budget_max_ore.map(Sek::from_ore),
        },
        collaboration_level: decode(CollaborationLevel::parse, &m.collaboration_level)?,
        status: decode(NeedStatus::parse, &m.status)?,
        visibility: decode(Visibility::parse, &m.visibility)?,
        hypothesis: m.hypothesis,
        contact,
        evaluation: serde_json::from_str(&m.evaluation)?,
        strategy_goal_ids: goals,
    };
    Ok(Need {
        id: m.id,
        org_id: org_from(&m.org_id)?,
        fields,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}
