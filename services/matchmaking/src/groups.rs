//! Groups: needs of two or more organisations that could become one collaboration.
//!
//! Average-linkage clustering (`cluster`) over the match graph, on calibrated pair
//! scores, one need per organisation.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use rayon::prelude::*;

use crate::cluster::{self, Edge};
use crate::engine::Engine;

/// Matches per need considered as group edges.
const EDGES_PER_NEED: usize = 10;

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
        let pairs = self.group_pairs();
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
            .map(|m| self.describe(m, &pairs))
            .collect();
        groups.sort_by(|a, b| {
            b.members
                .len()
                .cmp(&a.members.len())
                .then(b.cohesion.total_cmp(&a.cohesion))
        });
        groups
    }

    /// Each need's best matches, each pair once with its score. Found on all cores, one
    /// text class at a time, so needs with the same text share one similarity search.
    fn group_pairs(&self) -> HashMap<(usize, usize), f32> {
        let found: Vec<Vec<((usize, usize), f32)>> = self
            .index
            .members
            .par_iter()
            .enumerate()
            .map_init(
                || self.index.scratch(),
                |scratch, (c, members)| {
                    let classes = self.similar_classes(c as u32, scratch);
                    members
                        .iter()
                        .flat_map(|&i| {
                            let i = i as usize;
                            self.best_among(i, EDGES_PER_NEED, &classes)
                                .into_iter()
                                .map(move |(j, s)| ((i.min(j), i.max(j)), s))
                        })
                        .collect()
                },
            )
            .collect();
        let mut pairs: HashMap<(usize, usize), f32> = HashMap::new();
        for (key, score) in found.into_iter().flatten() {
            let known = pairs.entry(key).or_insert(score);
            *known = known.max(score);
        }
        pairs
    }

    /// The grouping strength of each pair (see [`Engine::groups`]).
    fn calibrated(&self, pairs: &HashMap<(usize, usize), f32>) -> Vec<Edge> {
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

    fn describe(&self, m: &[usize], pairs: &HashMap<(usize, usize), f32>) -> Group {
        let needs: Vec<_> = m.iter().map(|&i| &self.needs()[i]).collect();
        let mut pair_scores = Vec::new();
        // word → (pairs sharing it, first position seen: pairs list words by contribution)
        let mut words: HashMap<String, (usize, usize)> = HashMap::new();
        for (k, &x) in m.iter().enumerate() {
            for &y in &m[k + 1..] {
                let known = pairs.get(&(x.min(y), x.max(y))).copied();
                pair_scores.push(known.unwrap_or(0.0));
                // The label comes from the group's edges (its members' best matches).
                let Some(found) = known.and_then(|_| self.score_pair(x, y)) else {
                    continue;
                };
                for w in found.why.shared_terms {
                    let seen = words.len();
                    words.entry(w).or_insert((0, seen)).0 += 1;
                }
            }
        }
        let mut label: Vec<(String, (usize, usize))> = words.into_iter().collect();
        label.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.1.1.cmp(&b.1.1)));
        let orgs: Vec<String> = needs.iter().map(|n| n.org.clone()).collect();
        Group {
            members: needs.iter().map(|n| n.id).collect(),
            label: label.into_iter().take(4).map(|(w, _)| w).collect(),
            level: needs
                .iter()
                .map(|n| n.collaboration_level)
                .min()
                .unwrap_or(0),
            combined_budget_sek: needs.iter().filter_map(|n| n.budget_max_sek).sum(),
            earliest_needed_by: needs.iter().filter_map(|n| n.needed_by).min(),
            suggested_lead: self.lead(&orgs, &needs.iter().map(|n| n.id).collect::<Vec<_>>()),
            cohesion: pair_scores.iter().sum::<f32>() / pair_scores.len().max(1) as f32,
            orgs,
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
