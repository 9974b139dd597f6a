//! Response bodies: explicit shapes, never database models. Personal data is left out
//! for callers who may not see it.

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::Object;
use rust_decimal::Decimal;
use samverkan_domain::Caller;
use samverkan_domain::contact::Contact;
use samverkan_domain::evaluation::{Evaluation, PriorityClass};
use samverkan_domain::strategy::GoalInput;
use samverkan_domain::vocab::*;
use samverkan_store::repo::needs::Need;
use samverkan_store::repo::organisations::Organisation;
use samverkan_store::repo::solutions::{Adoption, Solution};
use samverkan_store::repo::strategies::Strategy;
use uuid::Uuid;

/// A municipality or regional body.
#[derive(Debug, Object)]
pub struct OrganisationView {
    /// SCB municipality code (e.g. `1280`) or slug (e.g. `region-skane`).
    pub id: String,
    /// `municipality` or `regional`.
    pub kind: OrgKind,
    /// Official name.
    pub name: String,
    /// SCB municipality code, for municipalities.
    pub scb_code: Option<String>,
    /// Organisation number, where known.
    pub org_number: Option<String>,
    /// Population.
    pub population: Option<i64>,
    /// The year (31 December) the population figure refers to.
    pub population_year: Option<i32>,
    /// Current sub-regional collaboration network.
    pub subregion: Option<String>,
}

impl From<Organisation> for OrganisationView {
    fn from(o: Organisation) -> Self {
        Self {
            id: o.id.to_string(),
            kind: o.kind,
            name: o.name,
            scb_code: o.scb_code,
            org_number: o.org_number,
            population: o.population.map(|p| p.0),
            population_year: o.population.map(|p| p.1),
            subregion: o.subregion,
        }
    }
}

/// The priority derived from the evaluation model.
#[derive(Debug, Object)]
pub struct PriorityView {
    /// Mean benefit score (1-4).
    pub benefit: Decimal,
    /// Mean feasibility score (1-4).
    pub feasibility: Decimal,
    /// benefit × feasibility (1-16): the ranking key.
    pub score: Decimal,
    /// Grid class.
    pub class: PriorityClass,
}

/// A need.
#[derive(Debug, Object)]
pub struct NeedView {
    /// Id.
    pub id: Uuid,
    /// Owning organisation.
    pub org_id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Activity area.
    pub activity_area: ActivityArea,
    /// Topics.
    pub topics: Vec<Topic>,
    /// Free tags.
    pub tags: Vec<String>,
    /// Earliest wanted date.
    pub needed_from: Option<NaiveDate>,
    /// Needed by.
    pub needed_by: Option<NaiveDate>,
    /// Budget lower end in SEK (decimal string).
    pub budget_min_sek: Option<String>,
    /// Budget upper end in SEK (decimal string).
    pub budget_max_sek: Option<String>,
    /// Highest collaboration level the owner accepts.
    pub collaboration_level: CollaborationLevel,
    /// Status.
    pub status: NeedStatus,
    /// Visibility.
    pub visibility: Visibility,
    /// User-story hypothesis.
    pub hypothesis: Option<String>,
    /// Contact person; absent for anonymous readers.
    pub contact: Option<Contact>,
    /// Evaluation-model scores.
    pub evaluation: Evaluation,
    /// Derived priority, once every criterion is scored.
    pub priority: Option<PriorityView>,
    /// Strategy goals this need serves.
    pub strategy_goal_ids: Vec<Uuid>,
    /// Version; the ETag is `"v{version}"`.
    pub version: i32,
    /// Registered at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
}

impl NeedView {
    /// The view of `need` that `caller` may see.
    pub fn of(need: Need, caller: &Caller) -> Self {
        let f = need.fields;
        let priority = f.evaluation.priority().map(|p| PriorityView {
            benefit: p.benefit,
            feasibility: p.feasibility,
            score: p.score,
            class: p.class,
        });
        Self {
            id: need.id,
            org_id: need.org_id.to_string(),
            title: f.title,
            description: f.description,
            activity_area: f.activity_area,
            topics: f.topics,
            tags: f.tags,
            needed_from: f.needed_from,
            needed_by: f.needed_by,
            budget_min_sek: f.budget.min.map(|s| s.to_string()),
            budget_max_sek: f.budget.max.map(|s| s.to_string()),
            collaboration_level: f.collaboration_level,
            status: f.status,
            visibility: f.visibility,
            hypothesis: f.hypothesis,
            contact: f.contact.filter(|_| caller.sees_personal_data()),
            evaluation: f.evaluation,
            priority,
            strategy_goal_ids: f.strategy_goal_ids,
            version: need.version,
            created_at: need.created_at,
            updated_at: need.updated_at,
        }
    }
}

/// A goal of a strategy.
#[derive(Debug, Object)]
pub struct GoalView {
    /// Id; needs reference goals by it.
    pub id: Uuid,
    /// The goal.
    pub title: String,
    /// Elaboration.
    pub description: Option<String>,
}

impl From<GoalInput> for GoalView {
    fn from(g: GoalInput) -> Self {
        Self {
            id: g.id.unwrap_or_default(),
            title: g.title,
            description: g.description,
        }
    }
}

/// A digital strategy.
#[derive(Debug, Object)]
pub struct StrategyView {
    /// Id.
    pub id: Uuid,
    /// Owning organisation.
    pub org_id: String,
    /// Title.
    pub title: String,
    /// Status.
    pub status: StrategyStatus,
    /// Adopted on.
    pub adopted_on: Option<NaiveDate>,
    /// Link to the document.
    pub document_url: Option<String>,
    /// Summary.
    pub summary: Option<String>,
    /// Goals, in order.
    pub goals: Vec<GoalView>,
    /// Version; the ETag is `"v{version}"`.
    pub version: i32,
    /// Registered at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
}

impl From<Strategy> for StrategyView {
    fn from(s: Strategy) -> Self {
        let f = s.fields;
        Self {
            id: s.id,
            org_id: s.org_id.to_string(),
            title: f.title,
            status: f.status,
            adopted_on: f.adopted_on,
            document_url: f.document_url,
            summary: f.summary,
            goals: f.goals.into_iter().map(GoalView::from).collect(),
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// An organisation's adoption of a solution.
#[derive(Debug, Object)]
pub struct AdoptionView {
    /// The solution.
    pub solution_id: Uuid,
    /// The adopting organisation.
    pub org_id: String,
    /// State.
    pub state: AdoptionState,
    /// Since.
    pub since: Option<NaiveDate>,
    /// Note.
    pub note: Option<String>,
    /// Version; the ETag is `"v{version}"`.
    pub version: i32,
    /// Declared at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
}

impl From<Adoption> for AdoptionView {
    fn from(a: Adoption) -> Self {
        Self {
            solution_id: a.solution_id,
            org_id: a.org_id.to_string(),
            state: a.fields.state,
            since: a.fields.since,
            note: a.fields.note,
            version: a.version,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// A reusable solution.
#[derive(Debug, Object)]
pub struct SolutionView {
    /// Id.
    pub id: Uuid,
    /// Owning organisation.
    pub org_id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Kind.
    pub kind: SolutionKind,
    /// Maturity.
    pub maturity: Maturity,
    /// SPDX licence expression.
    pub licence: Option<String>,
    /// Source code.
    pub source_url: Option<String>,
    /// Documentation.
    pub documentation_url: Option<String>,
    /// One-off cost to adopt, SEK (decimal string).
    pub adoption_cost_sek: Option<String>,
    /// What the cost covers.
    pub adoption_cost_note: Option<String>,
    /// Topics.
    pub topics: Vec<Topic>,
    /// Tags.
    pub tags: Vec<String>,
    /// Contact person; absent for anonymous readers.
    pub contact: Option<Contact>,
    /// Organisations that use or evaluate it.
    pub adoptions: Vec<AdoptionView>,
    /// The joint procurement whose framework agreement this solution publishes.
    pub procurement_id: Option<Uuid>,
    /// Version; the ETag is `"v{version}"`.
    pub version: i32,
    /// Registered at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
}

impl SolutionView {
    /// The view of `solution` that `caller` may see.
    pub fn of(s: Solution, caller: &Caller) -> Self {
        let f = s.fields;
        Self {
            id: s.id,
            org_id: s.org_id.to_string(),
            name: f.name,
            description: f.description,
            kind: f.kind,
            maturity: f.maturity,
            licence: f.licence,
            source_url: f.source_url,
            documentation_url: f.documentation_url,
            adoption_cost_sek: f.adoption_cost.map(|c| c.to_string()),
            adoption_cost_note: f.adoption_cost_note,
            topics: f.topics,
            tags: f.tags,
            contact: f.contact.filter(|_| caller.sees_personal_data()),
            adoptions: s.adoptions.into_iter().map(AdoptionView::from).collect(),
            procurement_id: s.procurement_id,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// Defines a page wrapper for a list response.
macro_rules! page_of {
    ($name:ident, $item:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Object)]
        pub struct $name {
            /// The items on this page.
            pub items: Vec<$item>,
            /// Pass as `cursor` for the next page; absent on the last page.
            pub next_cursor: Option<String>,
        }
    };
}

page_of!(NeedPage, NeedView, "A page of needs.");
page_of!(StrategyPage, StrategyView, "A page of strategies.");
page_of!(SolutionPage, SolutionView, "A page of solutions.");
page_of!(
    AuditPage,
    AuditEventView,
    "A page of audit events, newest first."
);

/// One recorded write.
#[derive(Debug, Object)]
pub struct AuditEventView {
    /// Event id.
    pub id: Uuid,
    /// When.
    pub at: DateTime<Utc>,
    /// Token subject of the writer.
    pub actor_subject: Option<String>,
    /// Organisation the writer acted for.
    pub actor_org: Option<String>,
    /// `create`, `update` or `delete`.
    pub action: String,
    /// `need`, `strategy`, `solution` or `adoption`.
    pub entity_type: String,
    /// The record's id.
    pub entity_id: String,
    /// The organisation owning the record.
    pub entity_org: Option<String>,
    /// Summary before (null on create); no personal data.
    pub before: serde_json::Value,
    /// Summary after (null on delete); no personal data.
    pub after: serde_json::Value,
}

impl From<samverkan_store::AuditEvent> for AuditEventView {
    fn from(e: samverkan_store::AuditEvent) -> Self {
        Self {
            id: e.id,
            at: e.at,
            actor_subject: e.actor_subject,
            actor_org: e.actor_org,
            action: e.action,
            entity_type: e.entity_type,
            entity_id: e.entity_id,
            entity_org: e.entity_org,
            before: e.before,
            after: e.after,
        }
    }
}
