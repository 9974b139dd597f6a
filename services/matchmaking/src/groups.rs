//! Groups: needs of two or more organisations that could become one collaboration.
//!
//! Average-linkage clustering (`cluster`) over the match graph, on calibrated pair
//! scores, one need per organisation.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use rayon::prelude::*;

use crate::cluster::{self, Edge};
use crate::engine::Engine;
use crate::index::{Ranked, Scratch};
use crate::model::NeedInfo;
use crate::vectors::FxMap;
use crate::{profile, signals};

/// Matches per need considered as group edges.
pub const EDGES_PER_NEED: usize = 10;
/// Each pair of needs among the best matches, (lower index, higher), with its score:
/// about ten a need, hashed by the fast integer hasher.
type Pairs = FxMap<(usize, usize), f32>;
/// A need and its best matches, as the batch finds them.
type NeedBest = (u32, Vec<(usize, f32)>);

/// Classes searched one after another on a thread, sharing a leader's candidates.
const RUN: usize = 256;
/// A class at least this similar to its run's leader re-scores the leader's candidates.
/// At 0.7 the batch lost 1.4 % of the results at 100,000 family needs, measured over
/// every need (`--full-recall` of the scale benchmark); at 0.8, 0.75 %.
const LEADER_SIMILARITY: f32 = 0.8;

/// A proposed collaboration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// The needs, in input order.
    pub members: Vec<Uuid>,
    /// Their organisations.
    pub orgs: Vec<String>,
    /// A short label: the words the members share most.
    pub label: Vec<String>,
    /// The collaboration level every member accepts (the lowest): 0, 1 or 2.
    pub level: u8,
    /// The members' budgets added up, in kronor (members without a budget add nothing).
    pub combined_budget_sek: u64,
    /// The earliest needed-by date.
    pub earliest_needed_by: Option<NaiveDate>,
    /// A suggested lead: an organisation that already runs a related solution, else the
    /// largest by population.
    pub suggested_lead: String,
    /// Mean score over the members' pairs.
    pub cohesion: f32,
    /// Why these needs belong together: the words and topics they share, how long all
    /// their windows overlap, and each signal's mean contribution over the members' pairs
    /// (the contributions add up to the cohesion).
    pub why: crate::engine::Explanation,
}

/// How many of the `reference` batch's results the batch `found` has, need by need, and
/// how many there are. A found result counts when it scores at least the reference's
/// last one for that need, as needs that tie are interchangeable. The measure of what an
/// approximate batch costs in recall (the scale benchmark's `--full-recall`, the tests).
pub fn results_found(
    found: &[Vec<(usize, f32)>],
    reference: &[Vec<(usize, f32)>],
) -> (usize, usize) {
    let (mut hits, mut total) = (0, 0);
    for (got, want) in found.iter().zip(reference) {
        let last = want.last().map_or(0.0, |m| m.1);
        total += want.len();
        hits += got
            .iter()
            .filter(|m| m.1 >= last - 1e-6)
            .count()
            .min(want.len());
    }
    (hits, total)
}

/// Groups as formed, with each need's best matches they were formed from: an engine
/// whose needs changed in a few places re-forms its groups from these instead of
/// searching for every need again (see [`Engine::adopt_groups_of`]).
pub(crate) struct Formed {
    /// The groups, largest first.
    pub(crate) groups: Vec<Group>,
    /// Each need's [`EDGES_PER_NEED`] best matches, (need, score), best first.
    pub(crate) best: Vec<Box<[(u32, f32)]>>,
}

impl Formed {
    /// Each need's best matches as the batch gives them, (need index, score).
    pub(crate) fn best_matches(&self) -> Vec<Vec<(usize, f32)>> {
        (self.best.iter())
            .map(|top| top.iter().map(|&(j, s)| (j as usize, s)).collect())
            .collect()
    }
}

impl Engine {
    /// Every group of two or more organisations' needs.
    ///
    /// Edges are each need's best matches. A pair's strength for grouping is its score
    /// calibrated by both needs' best scores (`score / sqrt(best_a × best_b)`): a terse
    /// one-liner scores low against everything, and its true partners are still its best
    /// matches. Pairs scoring below `group_min_score` count 0, so calibration never
    /// lifts a need that has no real partner (a look-alike is still some need's best).
    pub fn groups(&self) -> Vec<Group> {
        self.form().groups
    }

    /// The groups ([`Engine::groups`]) with the best matches they were formed from.
    pub(crate) fn form(&self) -> Formed {
        self.formed_from(self.best_matches_of_all(), |_| None)
    }

    /// The groups formed on each need's best matches `best`, kept with them. A cluster
    /// that `described` describes already (a group formed before, none of whose members
    /// or their best matches changed since) is not described again.
    pub(crate) fn formed_from(
        &self,
        best: Vec<Vec<(usize, f32)>>,
        described: impl Fn(&[usize]) -> Option<Group> + Sync,
    ) -> Formed {
        let groups = self.groups_on(&best, described);
        let best = best
            .into_iter()
            .map(|top| top.into_iter().map(|(j, s)| (j as u32, s)).collect())
            .collect();
        Formed { groups, best }
    }

    /// The groups on each need's best matches `best` (see [`Engine::groups`]).
    fn groups_on(
        &self,
        best: &[Vec<(usize, f32)>],
        described: impl Fn(&[usize]) -> Option<Group> + Sync,
    ) -> Vec<Group> {
        let pairs = group_pairs(best);
        let edges = self.calibrated(&pairs);
        let mut org_ids: HashMap<&str, u32> = HashMap::new();
        let org: Vec<u32> = self
            .needs()
            .iter()
            .map(|n| {
                let next = org_ids.len() as u32;
                *org_ids.entry(n.org.as_str()).or_insert(next)
            })
            .collect();
        let clusters = cluster::average_linkage(&org, &edges, self.weights().group_threshold);
        let mut groups: Vec<Group> = clusters
            .par_iter()
            .map_init(
                || self.index.comparison_scratch(),
                |scratch, m| described(m).unwrap_or_else(|| self.describe(m, &pairs, scratch)),
            )
            .collect();
        groups.sort_by(|a, b| {
            b.members
                .len()
                .cmp(&a.members.len())
                .then(b.cohesion.total_cmp(&a.cohesion))
        });
        groups
    }

    /// Each need's [`EDGES_PER_NEED`] best matches, as (need, score), best first: the
    /// matches of every need at once, as grouping needs them. Found on all cores, one
    /// text class at a time (needs with the same text share one search), in runs of
    /// look-alikes (see [`crate::index::classes`]): above the exact size of the index,
    /// a class whose text is at least [`LEADER_SIMILARITY`] similar to the run's leader
    /// re-scores the leader's candidates instead of finding its own, as near-duplicates
    /// have the same candidates. The scale benchmark measures what this costs in recall.
    pub fn best_matches_of_all(&self) -> Vec<Vec<(usize, f32)>> {
        self.batch(true)
    }

    /// [`Engine::best_matches_of_all`] with every class finding its own candidates, as a
    /// search for one need does: the reference that measures, over every need, what
    /// sharing a leader's candidates costs in recall (the scale benchmark's
    /// `--full-recall`). Slower: the candidate stage runs for every class.
    pub fn best_matches_of_all_unshared(&self) -> Vec<Vec<(usize, f32)>> {
        self.batch(false)
    }

    /// The batch behind [`Engine::best_matches_of_all`]: when `shared`, a class at least
    /// [`LEADER_SIMILARITY`] similar to its run's leader re-scores the leader's
    /// candidates, and the others find theirs following the leader where that reads
    /// fewer postings (see [`crate::index::TextIndex::ranked_in_run`]); else every class
    /// finds its own, as a search for one need does.
    fn batch(&self, shared: bool) -> Vec<Vec<(usize, f32)>> {
        // Classes are numbered in an order that keeps look-alikes together (see
        // [`crate::index::classes`]): each thread takes a run of them, so consecutive
        // searches read the same postings and candidate vectors, from cache.
        let order: Vec<u32> = (0..self.index.members.classes() as u32).collect();
        let found: Vec<Vec<NeedBest>> = order
            .par_chunks(RUN)
            .map_init(
                || self.index.scratch(),
                |scratch, run| {
                    let mut leader: Option<Ranked> = None;
                    let mut out = Vec::new();
                    for &c in run {
                        let follows = leader.as_ref().is_some_and(|l| {
                            self.index.approximate()
                                && shared
                                && self.class_similarity_in(c, l.of, scratch) >= LEADER_SIMILARITY
                        });
                        let ranked = match (follows, &mut leader) {
                            (true, Some(l)) => l,
                            (_, slot) => {
                                let share = self.weights().ngram_share;
                                slot.insert(if shared {
                                    self.index.ranked_in_run(c, share, scratch)
                                } else {
                                    self.index.ranked(c, share, scratch)
                                })
                            }
                        };
                        let members = self.index.members.of(c);
                        let tops =
                            self.best_for_class_among(c, members, EDGES_PER_NEED, ranked, scratch);
                        out.extend(members.iter().copied().zip(tops));
                    }
                    self.index.end_run(scratch);
                    out
                },
            )
            .collect();
        let mut best = vec![Vec::new(); self.needs().len()];
        for (i, top) in found.into_iter().flatten() {
            best[i as usize] = top;
        }
        best
    }

    /// The grouping strength of each pair (see [`Engine::groups`]).
    fn calibrated(&self, pairs: &Pairs) -> Vec<Edge> {
        let mut best = vec![0.0f32; self.needs().len()];
        for (&(i, j), &s) in pairs {
            best[i] = best[i].max(s);
            best[j] = best[j].max(s);
        }
        let floor = self.weights().group_min_score;
        let mut edges: Vec<Edge> = pairs
            .iter()
            .filter(|(_, s)| **s >= floor)
            .map(|(&(i, j), &s)| ((i, j), (s / (best[i] * best[j]).sqrt()).min(1.0)))
            .collect();
        edges.sort_by_key(|e| e.0);
        edges
    }

    fn describe(&self, m: &[usize], pairs: &Pairs, scratch: &mut Scratch) -> Group {
        let needs: Vec<_> = m.iter().map(|&i| &self.needs()[i]).collect();
        let mut pair_count = 0usize;
        // Each signal's contributions summed over the pairs, once some pair counted.
        let mut sums: Option<[f32; 7]> = None;
        let mut meanings: Vec<f32> = Vec::new();
        // word → (pairs sharing it, its products in their word cosines summed, first
        // position seen)
        let mut words: HashMap<String, (usize, f32, usize)> = HashMap::new();
        for (k, &x) in m.iter().enumerate() {
            for &y in &m[k + 1..] {
                pair_count += 1;
                // Only the group's edges (its members' best matches) count; a pair
                // outside them counts 0, as in the linkage.
                let Some(reasons) = pairs
                    .get(&(x.min(y), x.max(y)))
                    .and_then(|_| self.pair_reasons(x, y, scratch))
                else {
                    continue;
                };
                let sums = sums.get_or_insert([0.0; 7]);
                sums.iter_mut()
                    .zip(reasons.contributions)
                    .for_each(|(sum, part)| *sum += part);
                meanings.extend(reasons.meaning);
                for (w, product) in reasons.shared_words {
                    let seen = words.len();
                    let entry = words.entry(w).or_insert((0, 0.0, seen));
                    entry.0 += 1;
                    entry.1 += product;
                }
            }
        }
        let contributions: Vec<(String, f32)> = (sums.iter())
            .flat_map(|sums| profile::SIGNALS.iter().zip(sums))
            .map(|(signal, sum)| (signal.to_string(), sum / pair_count.max(1) as f32))
            .collect();
        // The words most pairs share first; among those shared equally often, the ones
        // that weigh most in the pairs' similarity (a rarer, more telling word before a
        // common one such as "kommuner"), then the first seen.
        let mut terms: Vec<(String, (usize, f32, usize))> = words.into_iter().collect();
        terms.sort_by(|a, b| {
            let ((count, weight, seen), (other_count, other_weight, other_seen)) = (a.1, b.1);
            (other_count.cmp(&count))
                .then(other_weight.total_cmp(&weight))
                .then(seen.cmp(&other_seen))
        });
        let terms: Vec<String> = terms.into_iter().take(8).map(|(w, _)| w).collect();
        let orgs: Vec<String> = needs.iter().map(|n| n.org.clone()).collect();
        let (level, combined_budget_sek, earliest_needed_by) = summarise(&needs);
        Group {
            members: needs.iter().map(|n| n.id).collect(),
            label: terms.iter().take(4).cloned().collect(),
            level,
            combined_budget_sek,
            earliest_needed_by,
            suggested_lead: self.lead(&orgs, &needs.iter().map(|n| n.id).collect::<Vec<_>>()),
            cohesion: contributions.iter().map(|(_, v)| v).sum::<f32>().min(1.0),
            why: crate::engine::Explanation {
                shared_terms: terms,
                shared_topics: shared_topics(&needs),
                shared_solutions: self.solutions_run_by(m, 2),
                timing_overlap_months: common_window(&needs),
                contributions,
                meaning: (!meanings.is_empty())
                    .then(|| meanings.iter().sum::<f32>() / meanings.len() as f32),
            },
            orgs,
        }
    }

    /// Group `g` of this engine without the members that `left` says have left the
    /// registry since the groups were formed (withdrawn, closed, deleted): `None` when
    /// fewer than two remain. The level, budget, earliest date and lead are worked out
    /// anew for the members that remain; the label, cohesion and reasons stay those of
    /// the group as formed until the groups are formed anew.
    pub fn group_without<'g>(
        &self,
        g: &'g Group,
        left: impl Fn(Uuid) -> bool,
    ) -> Option<Cow<'g, Group>> {
        if !g.members.iter().any(|&id| left(id)) {
            return Some(Cow::Borrowed(g));
        }
        let (members, orgs): (Vec<Uuid>, Vec<String>) = g
            .members
            .iter()
            .zip(&g.orgs)
            .filter(|(id, _)| !left(**id))
            .map(|(id, org)| (*id, org.clone()))
            .unzip();
        if members.len() < 2 {
            return None;
        }
        let needs: Vec<&NeedInfo> = members
            .iter()
            .filter_map(|&id| self.index_of(id).map(|i| &self.needs()[i]))
            .collect();
        let (level, combined_budget_sek, earliest_needed_by) = summarise(&needs);
        Some(Cow::Owned(Group {
            suggested_lead: self.lead(&orgs, &members),
            members,
            orgs,
            level,
            combined_budget_sek,
            earliest_needed_by,
            ..g.clone()
        }))
    }

    /// Group `g`, formed by an engine whose needs differed from this one's only in
    /// budgets and visibility, with its members' budgets as this engine has them.
    pub(crate) fn with_budgets(&self, g: &Group) -> Group {
        let needs: Vec<&NeedInfo> = (g.members.iter())
            .filter_map(|&id| self.index_of(id).map(|i| &self.needs()[i]))
            .collect();
        let (_, combined_budget_sek, _) = summarise(&needs);
        Group {
            combined_budget_sek,
            ..g.clone()
        }
    }

    /// An organisation of the group that owns or uses a solution matching its needs, else
    /// the most populous.
    fn lead(&self, orgs: &[String], needs: &[Uuid]) -> String {
        for id in needs {
            if let Some(best) = self.solution_matches(*id, 3, true).first()
                && let Some(org) = orgs.iter().find(|o| self.runs_solution(o, best.id))
            {
                return org.clone();
            }
        }
        orgs.iter()
            .max_by_key(|o| self.org(o).and_then(|x| x.population).unwrap_or(0))
            .cloned()
            .unwrap_or_default()
    }
}

/// Each need's best matches `best`, each pair once with its score.
fn group_pairs(best: &[Vec<(usize, f32)>]) -> Pairs {
    let mut pairs = Pairs::default();
    for (i, top) in best.iter().enumerate() {
        for &(j, score) in top {
            let known = pairs.entry((i.min(j), i.max(j))).or_insert(score);
            *known = known.max(score);
        }
    }
    pairs
}

/// The collaboration level every member accepts (the lowest), the members' budgets added
/// up, and the earliest needed-by date.
fn summarise(needs: &[&NeedInfo]) -> (u8, u64, Option<NaiveDate>) {
    (
        needs
            .iter()
            .map(|n| n.collaboration_level)
            .min()
            .unwrap_or(0),
        needs.iter().filter_map(|n| n.budget_max_sek).sum(),
        needs.iter().filter_map(|n| n.needed_by).min(),
    )
}

/// The topics two or more members carry, the most widely carried first (ties in the
/// order first seen).
fn shared_topics(needs: &[&NeedInfo]) -> Vec<String> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for topic in needs.iter().flat_map(|n| &n.topics) {
        match counts.iter_mut().find(|(t, _)| t == topic) {
            Some((_, c)) => *c += 1,
            None => counts.push((topic.clone(), 1)),
        }
    }
    counts.retain(|(_, c)| *c >= 2);
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts.into_iter().map(|(t, _)| t).collect()
}

/// Months the windows of all dated members overlap (negative: the earliest deadline comes
/// that many months before the latest start); 0 when fewer than two members are dated.
fn common_window(needs: &[&NeedInfo]) -> i32 {
    let windows: Vec<(i32, i32)> = needs.iter().filter_map(|n| signals::window(n)).collect();
    if windows.len() < 2 {
        return 0;
    }
    let start = windows.iter().map(|w| w.0).max().unwrap_or(0);
    let end = windows.iter().map(|w| w.1).min().unwrap_or(0);
    end - start
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(topics: &[&str], window: Option<(&str, &str)>) -> NeedInfo {
        let date = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
        NeedInfo {
            id: Uuid::nil(),
            org: "1280".into(),
            title: String::new(),
            text: String::new(),
            activity_area: "omsorg".into(),
            topics: topics.iter().map(|t| t.to_string()).collect(),
            needed_from: window.and_then(|w| date(w.0)),
            needed_by: window.and_then(|w| date(w.1)),
            budget_max_sek: None,
            collaboration_level: 0,
            public: true,
        }
    }

    /// A group's reasons are its members' match explanations averaged: each signal's
    /// contribution is the mean over the members' pairs of what the pair's explanation
    /// says (a pair outside the group's edges counts 0), bit for bit, and its cohesion
    /// their sum; its label words are words its pairs share.
    #[test]
    fn a_groups_reasons_are_its_pairs_explanations_averaged() {
        let e = crate::search::tests::look_alikes(1500, true);
        let formed = e.form();
        let pairs = group_pairs(&formed.best_matches());
        let groups = formed.groups;
        assert!(groups.len() > 20, "{} groups", groups.len());
        for g in groups.iter().step_by(7) {
            let m: Vec<usize> = g
                .members
                .iter()
                .map(|&id| e.index_of(id).unwrap())
                .collect();
            let (mut sums, mut count, mut words) = (None::<[f32; 7]>, 0, Vec::new());
            for (k, &x) in m.iter().enumerate() {
                for &y in &m[k + 1..] {
                    count += 1;
                    let edge = pairs.contains_key(&(x.min(y), x.max(y)));
                    let Some(found) = e.score_pair(x, y).filter(|_| edge) else {
                        continue;
                    };
                    let sums = sums.get_or_insert([0.0; 7]);
                    for (sum, (_, part)) in sums.iter_mut().zip(&found.why.contributions) {
                        *sum += part;
                    }
                    words.extend(found.why.shared_terms);
                }
            }
            let want: Vec<(&str, u32)> = (sums.iter())
                .flat_map(|sums| profile::SIGNALS.iter().zip(sums))
                .map(|(&signal, sum)| (signal, (sum / count as f32).to_bits()))
                .collect();
            let got: Vec<(&str, u32)> = (g.why.contributions.iter())
                .map(|(signal, v)| (signal.as_str(), v.to_bits()))
                .collect();
            assert_eq!(got, want, "group of {} members", m.len());
            let total: f32 = g.why.contributions.iter().map(|c| c.1).sum();
            assert_eq!(g.cohesion, total.min(1.0));
            assert!(g.label.iter().all(|w| words.contains(w)), "{:?}", g.label);
        }
    }

    /// Beyond the exact size of the index, the batch shares candidates between
    /// look-alikes; its matches must still be those a single need's search finds.
    #[test]
    fn the_batch_finds_what_each_need_finds_alone() {
        let subjects = [
            "Digitala lås i hemtjänsten",
            "E-arkiv för avställda system",
            "Trygghetslarm med digital teknik",
            "Bygglov som e-tjänst",
            "Robot för utbetalning av försörjningsstöd",
            "Gemensam baskarta för kommunerna",
        ];
        let details = ["Ystad", "Lund", "Hörby", "Malmö", "Sjöbo", "Eslöv", "Höör"];
        let needs: Vec<NeedInfo> = (0..1200)
            .map(|i| {
                let mut n = need(&["iot"], None);
                n.id = Uuid::from_u128(i as u128 + 1);
                n.org = format!("{}", i % 40);
                n.title = subjects[i % subjects.len()].to_string();
                n.text = format!(
                    "{} Gäller {} med {} brukare, etapp {}.",
                    subjects[(i / 7) % subjects.len()],
                    details[i % details.len()],
                    i,
                    i % 13
                );
                n.collaboration_level = (i % 3) as u8;
                n
            })
            .collect();
        let engine = Engine::new(crate::Weights::default(), needs, vec![], vec![]);
        assert!(
            engine.index.approximate(),
            "more classes than the exact size"
        );
        let batch = engine.best_matches_of_all();
        let (mut found, mut wanted) = (0, 0);
        for i in (0..1200).step_by(37) {
            let alone = engine.matches(engine.needs()[i].id, EDGES_PER_NEED);
            let tenth = alone.last().map_or(0.0, |m| m.score);
            wanted += alone.len();
            found += batch[i]
                .iter()
                .filter(|(_, s)| *s >= tenth - 1e-6)
                .count()
                .min(alone.len());
        }
        assert!(wanted > 0);
        assert!(found * 100 >= wanted * 99, "{found} of {wanted}");
    }

    #[test]
    fn shared_topics_are_those_of_two_or_more_members_most_common_first() {
        let a = need(&["iot", "gis"], None);
        let b = need(&["valfardsteknik", "gis"], None);
        let c = need(&["valfardsteknik", "gis", "e_arkiv"], None);
        assert_eq!(shared_topics(&[&a, &b, &c]), ["gis", "valfardsteknik"]);
    }

    #[test]
    fn the_common_window_is_where_every_dated_member_overlaps() {
        let a = need(&[], Some(("2026-01-01", "2026-12-31")));
        let b = need(&[], Some(("2026-06-01", "2027-06-30")));
        let undated = need(&[], None);
        assert_eq!(common_window(&[&a, &b, &undated]), 6, "June to December");
        let late = need(&[], Some(("2028-03-01", "2028-12-31")));
        assert_eq!(
            common_window(&[&a, &late]),
            -15,
            "December 2026 to March 2028"
        );
        assert_eq!(common_window(&[&a, &undated]), 0, "one dated member");
    }
}
