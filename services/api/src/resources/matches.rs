//! Matchmaking: who else needs this, who already solved it, and which groups of needs
//! could become one collaboration — each with the reasons.

use std::sync::Arc;

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use samverkan_domain::Caller;
use samverkan_domain::vocab::Visibility;
use samverkan_matchmaking::{Engine, Explanation, Group, Match, Snapshot};
use samverkan_store::Store;
use uuid::Uuid;

use super::ApiTags;
use crate::auth::{BearerAuth, OptionalAuth};
use crate::problem::ApiError;

/// Matches computed per need before visibility filtering and paging.
const MAX_MATCHES: usize = 100;

/// Matchmaking API.
pub struct MatchesApi {
    /// The store, to check the caller may read the need.
    pub store: Store,
    /// The current engine.
    pub snapshot: Arc<Snapshot>,
}

/// One signal's part of a score.
#[derive(Debug, Object)]
pub struct ContributionView {
    /// `text`, `topics`, `activity_area`, `timing`, `collaboration_level`, `subregion`;
    /// for solutions also `maturity`, `adopters`, `adopters_in_subregion`.
    pub signal: String,
    /// What it added to the score.
    pub value: f32,
}

/// Why a match was made.
#[derive(Debug, Object)]
pub struct ExplanationView {
    /// Words both texts use, most telling first.
    pub shared_terms: Vec<String>,
    /// Topics both carry.
    pub shared_topics: Vec<String>,
    /// Months the needed-by windows overlap (negative: months apart).
    pub timing_overlap_months: i32,
    /// Each signal's contribution.
    pub contributions: Vec<ContributionView>,
}

impl From<Explanation> for ExplanationView {
    fn from(e: Explanation) -> Self {
        Self {
            shared_terms: e.shared_terms,
            shared_topics: e.shared_topics,
            timing_overlap_months: e.timing_overlap_months,
            contributions: e
                .contributions
                .into_iter()
                .map(|(signal, value)| ContributionView { signal, value })
                .collect(),
        }
    }
}

/// A matching need or solution.
#[derive(Debug, Object)]
pub struct MatchView {
    /// The matching need or solution.
    pub id: Uuid,
    /// Its organisation.
    pub org_id: String,
    /// Its title or name.
    pub title: String,
    /// Score in [0, 1].
    pub score: f32,
    /// Why.
    pub why: ExplanationView,
}

/// A page of matches, best first.
#[derive(Debug, Object)]
pub struct MatchPage {
    /// The matches.
    pub items: Vec<MatchView>,
}

/// A proposed collaboration.
#[derive(Debug, Object)]
pub struct GroupView {
    /// The needs.
    pub members: Vec<Uuid>,
    /// Their organisations.
    pub orgs: Vec<String>,
    /// Key words the members share.
    pub label: Vec<String>,
    /// The collaboration level all members accept (the lowest).
    pub collaboration_level: String,
    /// The members' budgets added up, SEK.
    pub combined_budget_sek: String,
    /// The earliest needed-by date.
    pub earliest_needed_by: Option<chrono::NaiveDate>,
    /// A suggested lead organisation.
    pub suggested_lead: String,
    /// Mean score over the members' pairs.
    pub cohesion: f32,
}

/// Groups, largest and most cohesive first.
#[derive(Debug, Object)]
pub struct GroupPage {
    /// The groups.
    pub items: Vec<GroupView>,
}

fn level_name(level: u8) -> &'static str {
    ["samverkan", "samordning", "samutveckling"][usize::from(level.min(2))]
}

/// Whether the caller may see need `id` of `org` in matches.
fn visible(engine: &Engine, caller: &Caller, id: Uuid) -> bool {
    engine
        .index_of(id)
        .map(|i| &engine.needs()[i])
        .is_some_and(|n| {
            let visibility = if n.public {
                Visibility::Public
            } else {
                Visibility::Internal
            };
            samverkan_domain::OrgId::parse(&n.org)
                .is_ok_and(|org| caller.can_read(&org, visibility))
        })
}

fn view(m: Match, title: String) -> MatchView {
    MatchView {
        id: m.id,
        org_id: m.org,
        title,
        score: m.score,
        why: m.why.into(),
    }
}

fn check_limit(limit: Option<u64>) -> Result<usize, ApiError> {
    match limit {
        None => Ok(10),
        Some(n @ 1..=50) => Ok(n as usize),
        Some(n) => Err(ApiError::field(
            "limit",
            format!("must be between 1 and 50 (got {n})"),
        )),
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Matchmaking")]
impl MatchesApi {
    /// Needs of other organisations that are the same or close to this one, best first,
    /// each with the reasons. Only open needs take part; internal needs appear only to
    /// their owner and the coordinator.
    #[oai(
        path = "/needs/:id/matches",
        method = "get",
        operation_id = "list_need_matches"
    )]
    async fn need_matches(
        &self,
        auth: OptionalAuth,
        id: Path<Uuid>,
        limit: Query<Option<u64>>,
    ) -> Result<Json<MatchPage>, ApiError> {
        let caller = auth.caller();
        let limit = check_limit(limit.0)?;
        self.store.get_need(&caller, id.0).await?;
        let engine = self.snapshot.get();
        let items = engine
            .matches(id.0, MAX_MATCHES)
            .into_iter()
            .filter(|m| visible(&engine, &caller, m.id))
            .take(limit)
            .map(|m| {
                let title = engine
                    .index_of(m.id)
                    .map(|i| engine.needs()[i].title.clone())
                    .unwrap_or_default();
                view(m, title)
            })
            .collect();
        Ok(Json(MatchPage { items }))
    }

    /// Existing solutions that could meet this need, best first: text and topic fit,
    /// boosted by maturity and by adopters nearby. The need owner's own solutions are
    /// left out unless `include_own=true`.
    #[oai(
        path = "/needs/:id/solution-matches",
        method = "get",
        operation_id = "list_need_solution_matches"
    )]
    async fn solution_matches(
        &self,
        auth: OptionalAuth,
        id: Path<Uuid>,
        /// Also list the owner's own solutions.
        include_own: Query<Option<bool>>,
        limit: Query<Option<u64>>,
    ) -> Result<Json<MatchPage>, ApiError> {
        let caller = auth.caller();
        let limit = check_limit(limit.0)?;
        self.store.get_need(&caller, id.0).await?;
        let engine = self.snapshot.get();
        let items = engine
            .solution_matches(id.0, limit, include_own.0.unwrap_or(false))
            .into_iter()
            .map(|m| {
                let title = engine.solution_name(m.id).unwrap_or_default();
                view(m, title)
            })
            .collect();
        Ok(Json(MatchPage { items }))
    }

    /// Groups of needs from two or more organisations that could become one
    /// collaboration (coordinator only).
    #[allow(clippy::too_many_arguments)]
    #[oai(
        path = "/match-groups",
        method = "get",
        operation_id = "list_match_groups"
    )]
    async fn groups(
        &self,
        auth: BearerAuth,
        /// Only groups with a member in this activity area.
        activity_area: Query<Option<String>>,
        /// Only groups with a member on this topic.
        topic: Query<Option<String>>,
        /// Only groups with a member organisation in this sub-region.
        subregion: Query<Option<String>>,
        /// Only groups with at least this many members (default 2).
        min_size: Query<Option<u32>>,
        /// Only groups at least this cohesive (0-1).
        min_score: Query<Option<f32>>,
        limit: Query<Option<u64>>,
    ) -> Result<Json<GroupPage>, ApiError> {
        if !auth.0.reads_all_tenants() {
            return Err(ApiError::Forbidden(Json(crate::problem::Problem::new(
                poem::http::StatusCode::FORBIDDEN,
                "match groups span every municipality's needs: the regional coordinator reads them",
            ))));
        }
        let limit = check_limit(limit.0)?;
        let engine = self.snapshot.get();
        let member = |g: &Group, pred: &dyn Fn(&samverkan_matchmaking::NeedInfo) -> bool| {
            g.members
                .iter()
                .filter_map(|id| engine.index_of(*id))
                .any(|i| pred(&engine.needs()[i]))
        };
        let items = engine
            .cached_groups()
            .iter()
            .filter(|g| g.members.len() >= min_size.0.unwrap_or(2) as usize)
            .filter(|g| g.cohesion >= min_score.0.unwrap_or(0.0))
            .filter(|g| {
                activity_area
                    .0
                    .as_ref()
                    .is_none_or(|a| member(g, &|n| &n.activity_area == a))
            })
            .filter(|g| {
                topic
                    .0
                    .as_ref()
                    .is_none_or(|t| member(g, &|n| n.topics.contains(t)))
            })
            .filter(|g| {
                subregion.0.as_ref().is_none_or(|s| {
                    g.orgs
                        .iter()
                        .any(|o| engine.org(o).and_then(|x| x.subregion.as_ref()) == Some(s))
                })
            })
            .take(limit)
            .map(|g| GroupView {
                collaboration_level: level_name(g.level).into(),
                combined_budget_sek: format!("{}.00", g.combined_budget_sek),
                members: g.members.clone(),
                orgs: g.orgs.clone(),
                label: g.label.clone(),
                earliest_needed_by: g.earliest_needed_by,
                suggested_lead: g.suggested_lead.clone(),
                cohesion: g.cohesion,
            })
            .collect();
        Ok(Json(GroupPage { items }))
    }
}
