//! Matchmaking: who else needs this, who already solved it, and which groups of needs
//! could become one collaboration — each with the reasons.

use std::sync::Arc;

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use samverkan_domain::Caller;
use samverkan_domain::vocab::{ActivityArea, Topic, Visibility};
use samverkan_matchmaking::{Engine, Explanation, Group, Live, Match, Snapshot};
use samverkan_store::Store;
use uuid::Uuid;

use super::ApiTags;
use crate::auth::{BearerAuth, OptionalAuth};
use crate::problem::ApiError;
use crate::ranked;

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
    /// `text`, `topics`, `activity_area`, `timing`, `collaboration_level`, `subregion`,
    /// `shared_solutions` (both organisations already run the same solutions); for
    /// solutions `text`, `topics`, `maturity`, `adopters`, `adopters_in_subregion`.
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
    /// Names of the solutions both organisations already run (own, or adopted and not
    /// stopped), behind the `shared_solutions` contribution; for a group, those run by
    /// two or more members' organisations. Empty for solution matches.
    pub shared_solutions: Vec<String>,
    /// Months the needed-by windows overlap (negative: months apart).
    pub timing_overlap_months: i32,
    /// Each signal's contribution.
    pub contributions: Vec<ContributionView>,
    /// How close the texts are in meaning, from 0 (no closer than unrelated texts) to 1
    /// (the same), by the sentence embeddings of the service's embedding model; part of
    /// the `text` signal. For a group, the mean over its pairs. Absent when the service
    /// has no embedding model, or a text has not been embedded yet.
    pub meaning: Option<f32>,
}

impl From<Explanation> for ExplanationView {
    fn from(e: Explanation) -> Self {
        Self {
            shared_terms: e.shared_terms,
            shared_topics: e.shared_topics,
            shared_solutions: e.shared_solutions,
            timing_overlap_months: e.timing_overlap_months,
            contributions: e
                .contributions
                .into_iter()
                .map(|(signal, value)| ContributionView { signal, value })
                .collect(),
            meaning: e.meaning,
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
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// When the registry was read for these matches: changes committed since are
    /// matched within seconds.
    pub as_of: Option<chrono::DateTime<chrono::Utc>>,
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
    /// Why these needs belong together: the words and topics two or more members share,
    /// the months all dated members' windows overlap, and each signal's mean
    /// contribution over the members' pairs (they add up to the cohesion).
    pub why: ExplanationView,
}

/// Groups, largest and most cohesive first.
#[derive(Debug, Object)]
pub struct GroupPage {
    /// The groups.
    pub items: Vec<GroupView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// When the registry was read for these groups.
    pub as_of: Option<chrono::DateTime<chrono::Utc>>,
    /// True while the groups of a newer reading are being formed (minutes for a large
    /// registry); they will replace these, and the matches already follow it.
    pub newer_forming: bool,
}

fn level_name(level: u8) -> &'static str {
    ["samverkan", "samordning", "samutveckling"][usize::from(level.min(2))]
}

/// Whether need `id` has left the registry (withdrawn, closed, deleted) since the engine
/// was read, as `live` (when newer than the engine) says.
fn has_left(live: Option<&Live>, id: Uuid) -> bool {
    live.is_some_and(|l| !l.is_open(id))
}

/// How many matches or solutions to compute for need `id`: none once it has left since
/// the engine was read, as `live` says. A withdrawn or closed need takes part in
/// nothing, and the next rebuild would say so; until then the answer must not differ.
fn match_limit(live: Option<&Live>, id: Uuid) -> usize {
    if has_left(live, id) { 0 } else { MAX_MATCHES }
}

/// The solutions from `engine` that could meet need `id` (with the owner's own when
/// `own`), none once the need has left (see [`match_limit`]).
fn solutions_for(engine: &Engine, live: Option<&Live>, id: Uuid, own: bool) -> Vec<Match> {
    engine.solution_matches(id, match_limit(live, id), own)
}

/// Whether `caller` may see need `id` of `engine`, as `live` (when newer than the
/// engine) says it is now: a need that has left is seen by nobody.
fn visible(engine: &Engine, live: Option<&Live>, caller: &Caller, id: Uuid) -> bool {
    engine
        .index_of(id)
        .map(|i| &engine.needs()[i])
        .is_some_and(|n| {
            let Some(public) = live.map_or(Some(n.public), |l| l.is_public(id)) else {
                return false;
            };
            let visibility = if public {
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
        /// Page size, 1-50 (default 10).
        limit: Query<Option<u64>>,
        /// `next_cursor` from the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<MatchPage>, ApiError> {
        let caller = auth.caller();
        self.store.get_need(&caller, id.0).await?;
        let engine = self.snapshot.get();
        let live = self.snapshot.live_after(&engine);
        let visible = engine
            .matches(id.0, match_limit(live.as_deref(), id.0))
            .into_iter()
            .filter(|m| visible(&engine, live.as_deref(), &caller, m.id));
        let list = format!("matches:{}", id.0);
        let (found, next_cursor) = ranked::page(visible, &list, limit.0, cursor.0.as_deref())?;
        let items = found
            .into_iter()
            .map(|m| {
                let title = engine
                    .index_of(m.id)
                    .map(|i| engine.needs()[i].title.clone())
                    .unwrap_or_default();
                view(m, title)
            })
            .collect();
        Ok(Json(MatchPage {
            items,
            next_cursor,
            as_of: engine.as_of(),
        }))
    }

    /// Existing solutions that could meet this need, best first: text and topic fit,
    /// boosted by maturity and by adopters nearby. Solutions the need's organisation owns
    /// or already runs are left out unless `include_own=true`.
    #[oai(
        path = "/needs/:id/solution-matches",
        method = "get",
        operation_id = "list_need_solution_matches"
    )]
    async fn solution_matches(
        &self,
        auth: OptionalAuth,
        id: Path<Uuid>,
        /// Also list solutions the need's organisation owns or already runs.
        include_own: Query<Option<bool>>,
        /// Page size, 1-50 (default 10).
        limit: Query<Option<u64>>,
        /// `next_cursor` from the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<MatchPage>, ApiError> {
        let caller = auth.caller();
        self.store.get_need(&caller, id.0).await?;
        let engine = self.snapshot.get();
        let own = include_own.0.unwrap_or(false);
        let live = self.snapshot.live_after(&engine);
        let found = solutions_for(&engine, live.as_deref(), id.0, own);
        let list = format!("solution-matches:{}:{own}", id.0);
        let (found, next_cursor) = ranked::page(found, &list, limit.0, cursor.0.as_deref())?;
        let items = found
            .into_iter()
            .map(|m| {
                let title = engine.solution_name(m.id).unwrap_or_default();
                view(m, title)
            })
            .collect();
        Ok(Json(MatchPage {
            items,
            next_cursor,
            as_of: engine.as_of(),
        }))
    }

    /// Groups of needs from two or more organisations that could become one
    /// collaboration (coordinator only), largest and most cohesive first, each with the
    /// reasons.
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
        activity_area: Query<Option<ActivityArea>>,
        /// Only groups with a member on this topic.
        topic: Query<Option<Topic>>,
        /// Only groups with a member organisation in this sub-region, e.g. `Skåne Nordost`.
        subregion: Query<Option<String>>,
        /// Only groups with at least this many members, 2 or more (default 2).
        min_size: Query<Option<u32>>,
        /// Only groups at least this cohesive, 0-1 (default 0).
        min_score: Query<Option<f32>>,
        /// Page size, 1-50 (default 10).
        limit: Query<Option<u64>>,
        /// `next_cursor` from the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<GroupPage>, ApiError> {
        if !auth.0.reads_all_tenants() {
            return Err(ApiError::Forbidden(Json(crate::problem::Problem::new(
                poem::http::StatusCode::FORBIDDEN,
                "match groups span every municipality's needs: the regional coordinator reads them",
            ))));
        }
        let filter = GroupFilter {
            activity_area: activity_area.0.map(|a| a.as_str()),
            topic: topic.0.map(|t| t.as_str()),
            subregion: subregion.0,
            min_size: check_min_size(min_size.0)?,
            min_score: check_min_score(min_score.0)?,
        };
        let engine = self.snapshot.grouped();
        // Groups formed before a need left are shown without it.
        let live = self.snapshot.live_after(&engine);
        let left = |id: Uuid| has_left(live.as_deref(), id);
        let kept = engine
            .cached_groups()
            .iter()
            .filter_map(|g| engine.group_without(g, left))
            .filter(|g| filter.admits(&engine, g));
        let (found, next_cursor) =
            ranked::page(kept, &filter.list(), limit.0, cursor.0.as_deref())?;
        let items = found
            .into_iter()
            .map(|g| GroupView {
                collaboration_level: level_name(g.level).into(),
                combined_budget_sek: format!("{}.00", g.combined_budget_sek),
                members: g.members.clone(),
                orgs: g.orgs.clone(),
                label: g.label.clone(),
                earliest_needed_by: g.earliest_needed_by,
                suggested_lead: g.suggested_lead.clone(),
                cohesion: g.cohesion,
                why: g.why.clone().into(),
            })
            .collect();
        Ok(Json(GroupPage {
            items,
            next_cursor,
            as_of: engine.as_of(),
            newer_forming: self.snapshot.groups_pending(),
        }))
    }
}

/// The coordinator's filters on groups, checked.
struct GroupFilter {
    activity_area: Option<&'static str>,
    topic: Option<&'static str>,
    subregion: Option<String>,
    min_size: usize,
    min_score: f32,
}

impl GroupFilter {
    /// Whether group `g` passes every filter.
    fn admits(&self, engine: &Engine, g: &Group) -> bool {
        let member = |pred: &dyn Fn(&samverkan_matchmaking::NeedInfo) -> bool| {
            g.members
                .iter()
                .filter_map(|id| engine.index_of(*id))
                .any(|i| pred(&engine.needs()[i]))
        };
        g.members.len() >= self.min_size
            && g.cohesion >= self.min_score
            && self
                .activity_area
                .is_none_or(|a| member(&|n| n.activity_area == a))
            && self
                .topic
                .is_none_or(|t| member(&|n| n.topics.iter().any(|x| x == t)))
            && self.subregion.as_ref().is_none_or(|s| {
                g.orgs
                    .iter()
                    .any(|o| engine.org(o).and_then(|x| x.subregion.as_ref()) == Some(s))
            })
    }

    /// The list these filters select, for the page cursor.
    fn list(&self) -> String {
        format!(
            "groups:{:?}:{:?}:{:?}:{}:{}",
            self.activity_area, self.topic, self.subregion, self.min_size, self.min_score
        )
    }
}

fn check_min_size(min_size: Option<u32>) -> Result<usize, ApiError> {
    match min_size {
        None => Ok(2),
        Some(n) if n >= 2 => Ok(n as usize),
        Some(n) => Err(ApiError::field(
            "min_size",
            format!("must be 2 or more: a group has needs of two or more organisations (got {n})"),
        )),
    }
}

fn check_min_score(min_score: Option<f32>) -> Result<f32, ApiError> {
    match min_score {
        None => Ok(0.0),
        Some(s) if (0.0..=1.0).contains(&s) => Ok(s),
        Some(s) => Err(ApiError::field(
            "min_score",
            format!("must be between 0 and 1 (got {s})"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use chrono::{Duration, Utc};
    use samverkan_matchmaking::{Engine, Live, NeedInfo, OrgInfo, SolutionInfo, Weights};
    use uuid::Uuid;

    use super::solutions_for;

    /// A need for digital locks in home care, and another organisation's solution for
    /// it, read into an engine a minute ago.
    fn engine(need: Uuid) -> Engine {
        let needs = vec![NeedInfo {
            id: need,
            org: "1286".into(),
            title: "Digitala lås i hemtjänsten".into(),
            text: "Hemtjänsten vill ersätta fysiska nycklar med digitala lås.".into(),
            activity_area: "omsorg".into(),
            topics: vec!["valfardsteknik".into()],
            needed_from: None,
            needed_by: None,
            budget_max_sek: None,
            collaboration_level: 1,
            public: true,
        }];
        let solutions = vec![SolutionInfo {
            id: Uuid::from_u128(2),
            org: "1281".into(),
            name: "Digitala lås för hemtjänst".into(),
            text: "Digitala lås och nyckelfri hemtjänst, i drift hos flera kommuner.".into(),
            topics: vec!["valfardsteknik".into()],
            maturity: 2,
            adopters: vec![],
        }];
        let orgs = ["1286", "1281"].map(|id| OrgInfo {
            id: id.into(),
            subregion: None,
            population: None,
        });
        Engine::new(Weights::default(), needs, solutions, orgs.into())
            .read_at(Utc::now() - Duration::minutes(1))
    }

    /// Between rebuilds, a need withdrawn since the engine was read gets no solutions,
    /// while a need still open gets them as before.
    #[test]
    fn a_need_that_has_left_is_offered_no_solutions() {
        let need = Uuid::from_u128(1);
        let engine = engine(need);
        let live = |open: HashMap<Uuid, bool>| Live {
            read_at: Utc::now(),
            open,
        };
        assert_eq!(solutions_for(&engine, None, need, false).len(), 1);
        let still_open = live(HashMap::from([(need, true)]));
        assert_eq!(
            solutions_for(&engine, Some(&still_open), need, false).len(),
            1
        );
        let withdrawn = live(HashMap::new());
        assert!(solutions_for(&engine, Some(&withdrawn), need, false).is_empty());
    }
}
