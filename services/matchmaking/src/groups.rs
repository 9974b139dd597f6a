//! Groups: needs of two or more organisations that could become one collaboration.
//!
//! Average-linkage clustering over the match graph: the strongest pairs are joined first,
//! and two groups merge only while the mean score over all their cross pairs (a missing
//! pair counts 0) stays above the group threshold, and never two needs of one
//! organisation. Unlike connected components, this does not chain unrelated needs
//! through a shared neighbour.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use crate::engine::{Engine, Match};

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
    pub fn groups(&self) -> Vec<Group> {
        let n = self.needs().len();
        // Each pair once, with its explanation, so describing a group need not score it again.
        let mut pairs: HashMap<(usize, usize), Match> = HashMap::new();
        for i in 0..n {
            for m in self.matches(self.needs()[i].id, EDGES_PER_NEED) {
                if let Some(j) = self.index_of(m.id) {
                    let key = (i.min(j), i.max(j));
                    if pairs.get(&key).is_none_or(|known| known.score < m.score) {
                        pairs.insert(key, m);
                    }
                }
            }
        }
        let score: HashMap<(usize, usize), f32> =
            pairs.iter().map(|(k, m)| (*k, m.score)).collect();
        let mut edges: Vec<((usize, usize), f32)> = score.iter().map(|(k, v)| (*k, *v)).collect();
        // Ties broken by position, so the same needs always give the same groups.
        edges.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut cluster: Vec<usize> = (0..n).collect();
        let mut members: HashMap<usize, Vec<usize>> = (0..n).map(|i| (i, vec![i])).collect();
        let threshold = self.weights().group_threshold;
        for ((i, j), s) in edges {
            if s < threshold {
                break;
            }
            let (ci, cj) = (cluster[i], cluster[j]);
            if ci == cj {
                continue;
            }
            let (a, b) = (&members[&ci], &members[&cj]);
            let orgs_a: BTreeSet<&str> = a.iter().map(|&x| self.needs()[x].org.as_str()).collect();
            if b.iter()
                .any(|&y| orgs_a.contains(self.needs()[y].org.as_str()))
            {
                continue;
            }
            let pairs = (a.len() * b.len()) as f32;
            let total: f32 = a
                .iter()
                .flat_map(|&x| b.iter().map(move |&y| (x.min(y), x.max(y))))
                .map(|k| score.get(&k).copied().unwrap_or(0.0))
                .sum();
            if total / pairs < threshold {
                continue;
            }
            let moved = members.remove(&cj).unwrap_or_default();
            for &y in &moved {
                cluster[y] = ci;
            }
            members.get_mut(&ci).expect("cluster exists").extend(moved);
        }
        let mut groups: Vec<Group> = members
            .into_values()
            .filter(|m| m.len() >= 2)
            .map(|mut m| {
                m.sort();
                self.describe(&m, &pairs)
            })
            .collect();
        groups.sort_by(|a, b| {
            b.members
                .len()
                .cmp(&a.members.len())
                .then(b.cohesion.total_cmp(&a.cohesion))
        });
        groups
    }

    fn describe(&self, m: &[usize], pairs: &HashMap<(usize, usize), Match>) -> Group {
        let needs: Vec<_> = m.iter().map(|&i| &self.needs()[i]).collect();
        let mut pair_scores = Vec::new();
        // word → (pairs sharing it, first position seen: pairs list words by contribution)
        let mut words: HashMap<String, (usize, usize)> = HashMap::new();
        for (k, &x) in m.iter().enumerate() {
            for &y in &m[k + 1..] {
                let known = pairs.get(&(x.min(y), x.max(y)));
                pair_scores.push(known.map_or(0.0, |m| m.score));
                // Pairs outside each other's best matches are scored here, once.
                let found = known.cloned().or_else(|| self.score_pair(x, y));
                if let Some(found) = found {
                    for w in found.why.shared_terms {
                        let seen = words.len();
                        words.entry(w).or_insert((0, seen)).0 += 1;
                    }
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
