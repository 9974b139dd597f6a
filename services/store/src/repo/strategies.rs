//! Digital strategies and their goals. Strategies are public records; only the owning
//! organisation's strategists change them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use samverkan_domain::strategy::{GoalInput, StrategyFields};
use samverkan_domain::vocab::{StrategyStatus, Visibility};
use samverkan_domain::{Caller, OrgId, ValidationErrors};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{authorise_write, check_version, matched, org_from, writing_org};
use crate::audit::{self, Change};
use crate::entity::{need_goal, strategy, strategy_goal};
use crate::error::decode;
use crate::outbox::EntityKind;
use crate::page::{self, PageRequest, SortKey, SortSpec};
use crate::{Page, Store, StoreError};

/// A stored strategy with its goals.
#[derive(Debug, Clone, PartialEq)]
pub struct Strategy {
    /// Id.
    pub id: Uuid,
    /// Owning organisation.
    pub org_id: OrgId,
    /// Content; each goal carries its stored id.
    pub fields: StrategyFields,
    /// Version for optimistic concurrency.
    pub version: i32,
    /// Registered at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
}

/// Filters for listing strategies.
#[derive(Debug, Clone, Default)]
pub struct StrategyFilter {
    /// Owned by this organisation.
    pub org: Option<OrgId>,
    /// In this status.
    pub status: Option<StrategyStatus>,
}

const SORTS: &[SortSpec<strategy::Entity>] = &[
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
];

impl Store {
    /// Registers a strategy for the caller's organisation.
    pub async fn create_strategy(
        &self,
        caller: &Caller,
        fields: StrategyFields,
    ) -> Result<Strategy, StoreError> {
        let org = writing_org(caller)?;
        if let Some(i) = fields.goals.iter().position(|g| g.id.is_some()) {
            return Err(ValidationErrors::single(
                format!("goals[{i}].id"),
                "must be left out for a new strategy",
            )
            .into());
        }
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
        let goals = write_goals(&txn, id, &fields.goals).await?;
        let created = Strategy {
            id,
            org_id: org,
            fields: StrategyFields { goals, ..fields },
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
        self.commit_change(txn, EntityKind::Strategy, id).await?;
        Ok(created)
    }

    /// Reads one strategy (strategies are public).
    pub async fn get_strategy(&self, id: Uuid) -> Result<Strategy, StoreError> {
        let row = strategy::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(hydrate(self.db(), vec![row]).await?.remove(0))
    }

    /// Lists strategies, newest first by default.
    pub async fn list_strategies(
        &self,
        filter: &StrategyFilter,
        sort: Option<&str>,
        request: &PageRequest,
    ) -> Result<Page<Strategy>, StoreError> {
        let spec = SortSpec::find(SORTS, sort)?;
        let mut select = strategy::Entity::find();
        if let Some(org) = &filter.org {
            select = select.filter(strategy::Column::OrgId.eq(org.as_str()));
        }
        if let Some(status) = filter.status {
            select = select.filter(strategy::Column::Status.eq(status.as_str()));
        }
        let (select, limit) = page::apply(select, spec, strategy::Column::Id, request)?;
        let page = page::finish(select.all(self.db()).await?, limit, spec, |m| m.id);
        Ok(Page {
            items: hydrate(self.db(), page.items).await?,
            next_cursor: page.next_cursor,
        })
    }

    /// Replaces a strategy. Goals sent with their id keep it (and the needs that point at
    /// them); goals left out are removed, and needs stop pointing at them.
    pub async fn replace_strategy(
        &self,
        caller: &Caller,
        id: Uuid,
        expected_version: i32,
        fields: StrategyFields,
    ) -> Result<Strategy, StoreError> {
        let before = self.get_strategy(id).await?;
        authorise_write(caller, &before.org_id, Visibility::Public)?;
        check_version(Some(expected_version), before.version)?;
        let existing: Vec<Uuid> = before.fields.goals.iter().filter_map(|g| g.id).collect();
        let mut errors = ValidationErrors::new();
        for (i, goal) in fields.goals.iter().enumerate() {
            if goal.id.is_some_and(|g| !existing.contains(&g)) {
                errors.add(
                    format!("goals[{i}].id"),
                    "is not a goal of this strategy; leave it out for a new goal",
                );
            }
        }
        errors.finish(|| ())?;
        let now = crate::now();
        let txn = self.db().begin().await?;
        let mut row = active(&fields);
        row.version = Set(expected_version + 1);
        row.updated_at = Set(now);
        let updated = strategy::Entity::update_many()
            .set(row)
            .filter(strategy::Column::Id.eq(id))
            .filter(strategy::Column::Version.eq(expected_version))
            .exec(&txn)
            .await?;
        matched(updated.rows_affected, expected_version)?;
        let kept: Vec<Uuid> = fields.goals.iter().filter_map(|g| g.id).collect();
        let removed: Vec<Uuid> = existing.into_iter().filter(|g| !kept.contains(g)).collect();
        // Removed goals go (with the needs' links to them); kept goals are updated in place
        // so the needs that serve them keep pointing at them.
        need_goal::Entity::delete_many()
            .filter(need_goal::Column::GoalId.is_in(removed.clone()))
            .exec(&txn)
            .await?;
        strategy_goal::Entity::delete_many()
            .filter(strategy_goal::Column::Id.is_in(removed))
            .exec(&txn)
            .await?;
        let goals = write_goals(&txn, id, &fields.goals).await?;
        let after = Strategy {
            fields: StrategyFields { goals, ..fields },
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
        self.commit_change(txn, EntityKind::Strategy, id).await?;
        Ok(after)
    }

    /// Deletes a strategy, its goals and the needs' links to them.
    pub async fn delete_strategy(
        &self,
        caller: &Caller,
        id: Uuid,
        expected_version: Option<i32>,
    ) -> Result<(), StoreError> {
        let before = self.get_strategy(id).await?;
        authorise_write(caller, &before.org_id, Visibility::Public)?;
        check_version(expected_version, before.version)?;
        let txn = self.db().begin().await?;
        let deleted = strategy::Entity::delete_many()
            .filter(strategy::Column::Id.eq(id))
            .filter(strategy::Column::Version.eq(before.version))
            .exec(&txn)
            .await?;
        matched(deleted.rows_affected, before.version)?;
        let goal_ids: Vec<Uuid> = before.fields.goals.iter().filter_map(|g| g.id).collect();
        need_goal::Entity::delete_many()
            .filter(need_goal::Column::GoalId.is_in(goal_ids))
            .exec(&txn)
            .await?;
        strategy_goal::Entity::delete_many()
            .filter(strategy_goal::Column::StrategyId.eq(id))
            .exec(&txn)
            .await?;
        audit::record(
            &txn,
            caller,
            change("delete", &before, summary(&before), Value::Null),
        )
        .await?;
        self.commit_change(txn, EntityKind::Strategy, id).await?;
        Ok(())
    }
}

fn change<'a>(action: &'static str, s: &'a Strategy, before: Value, after: Value) -> Change<'a> {
    Change {
        action,
        entity_type: "strategy",
        entity_id: s.id.to_string(),
        entity_org: &s.org_id,
        before,
        after,
    }
}

fn summary(s: &Strategy) -> Value {
    json!({
        "version": s.version,
        "title": s.fields.title,
        "status": s.fields.status.as_str(),
        "adopted_on": s.fields.adopted_on,
        "goals": s.fields.goals.iter().map(|g| &g.title).collect::<Vec<_>>(),
    })
}

fn active(f: &StrategyFields) -> strategy::ActiveModel {
    strategy::ActiveModel {
        title: Set(f.title.clone()),
        status: Set(f.status.as_str().to_string()),
        adopted_on: Set(f.adopted_on),
        document_url: Set(f.document_url.clone()),
        summary: Set(f.summary.clone()),
        ..Default::default()
    }
}

/// Writes goals in order: goals with an id are updated in place, new ones inserted with a
/// fresh id; returns them with their ids.
async fn write_goals(
    conn: &impl ConnectionTrait,
    strategy_id: Uuid,
    goals: &[GoalInput],
) -> Result<Vec<GoalInput>, StoreError> {
    let mut out = Vec::with_capacity(goals.len());
    for (position, goal) in goals.iter().enumerate() {
        let row = strategy_goal::ActiveModel {
            id: Set(goal.id.unwrap_or_else(Uuid::now_v7)),
            strategy_id: Set(strategy_id),
            position: Set(position as i32),
            title: Set(goal.title.clone()),
            description: Set(goal.description.clone()),
        };
        let saved = if goal.id.is_some() {
            row.update(conn).await?
        } else {
            row.insert(conn).await?
        };
        out.push(GoalInput {
            id: Some(saved.id),
            ..goal.clone()
        });
    }
    Ok(out)
}

async fn hydrate(
    conn: &impl ConnectionTrait,
    rows: Vec<strategy::Model>,
) -> Result<Vec<Strategy>, StoreError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut goals: HashMap<Uuid, Vec<GoalInput>> = HashMap::new();
    for g in strategy_goal::Entity::find()
        .filter(strategy_goal::Column::StrategyId.is_in(ids))
        .order_by_asc(strategy_goal::Column::Position)
        .all(conn)
        .await?
    {
        goals.entry(g.strategy_id).or_default().push(GoalInput {
            id: Some(g.id),
            title: g.title,
            description: g.description,
        });
    }
    rows.into_iter()
        .map(|m| {
            Ok(Strategy {
                id: m.id,
                org_id: org_from(&m.org_id)?,
                fields: StrategyFields {
                    title: m.title,
                    status: decode(StrategyStatus::parse, &m.status)?,
                    adopted_on: m.adopted_on,
                    document_url: m.document_url,
                    summary: m.summary,
                    goals: goals.remove(&m.id).unwrap_or_default(),
                },
                version: m.version,
                created_at: m.created_at,
                updated_at: m.updated_at,
            })
        })
        .collect()
}
