//! The two baselines of issue 4, on the same set: word and character n-gram TF-IDF
//! cosine, with groups by the same average linkage the engine used before (threshold 0.3,
//! one need per organisation).

use std::collections::{HashMap, HashSet};

use samverkan_matchmaking::text::{Corpus, Vector};

use crate::data::Set;

/// Average-linkage groups over a similarity, distinct organisations, like the engine's.
pub fn cluster(set: &Set, sim: &dyn Fn(usize, usize) -> f32, threshold: f32) -> Vec<Vec<usize>> {
    let n = set.needs.len();
    let mut edges = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            let s = sim(i, j);
            if s >= threshold && set.needs[i].org != set.needs[j].org {
                edges.push((i, j, s));
            }
        }
    }
    edges.sort_by(|a, b| b.2.total_cmp(&a.2));
    let mut of: Vec<usize> = (0..n).collect();
    let mut members: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    for (i, j, _) in edges {
        let (a, b) = (of[i], of[j]);
        if a == b {
            continue;
        }
        let orgs: HashSet<&str> = members[a]
            .iter()
            .map(|&x| set.needs[x].org.as_str())
            .collect();
        if members[b]
            .iter()
            .any(|&y| orgs.contains(set.needs[y].org.as_str()))
        {
            continue;
        }
        let mean = members[a]
            .iter()
            .flat_map(|&x| members[b].iter().map(move |&y| (x, y)))
            .map(|(x, y)| sim(x, y))
            .sum::<f32>()
            / (members[a].len() * members[b].len()) as f32;
        if mean < threshold {
            continue;
        }
        let moved = std::mem::take(&mut members[b]);
        for &y in &moved {
            of[y] = a;
        }
        members[a].extend(moved);
    }
    members.into_iter().filter(|m| m.len() >= 2).collect()
}

/// A TF-IDF baseline over terms produced by `terms`.
pub struct Baseline {
    needs: Vec<Vector>,
    solutions: Vec<Vector>,
}

impl Baseline {
    pub fn new(set: &Set, terms: impl Fn(&str) -> HashMap<String, f32>) -> Self {
        let need_terms: Vec<_> = set
            .needs
            .iter()
            .map(|n| terms(&format!("{} {}", n.title, n.text)))
            .collect();
        let sol_terms: Vec<_> = set
            .solutions
            .iter()
            .map(|s| terms(&format!("{} {}", s.name, s.text)))
            .collect();
        let corpus = Corpus::new(need_terms.iter().chain(&sol_terms));
        Self {
            needs: need_terms.iter().map(|t| corpus.vector(t)).collect(),
            solutions: sol_terms.iter().map(|t| corpus.vector(t)).collect(),
        }
    }

    pub fn sim(&self, i: usize, j: usize) -> f32 {
        self.needs[i].cosine(&self.needs[j])
    }

    pub fn ranked(&self, set: &Set, i: usize) -> Vec<usize> {
        let mut others: Vec<usize> = (0..set.needs.len())
            .filter(|&j| set.needs[j].org != set.needs[i].org)
            .collect();
        others.sort_by(|&a, &b| self.sim(i, b).total_cmp(&self.sim(i, a)));
        others
    }

    pub fn solutions_ranked(&self, set: &Set, i: usize) -> Vec<usize> {
        let mut all: Vec<usize> = (0..set.solutions.len())
            .filter(|&k| !set.solutions[k].is_held_by(&set.needs[i].org))
            .collect();
        all.sort_by(|&a, &b| {
            self.needs[i]
                .cosine(&self.solutions[b])
                .total_cmp(&self.needs[i].cosine(&self.solutions[a]))
        });
        all
    }
}

pub fn words(text: &str) -> HashMap<String, f32> {
    let mut out = HashMap::new();
    for w in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        *out.entry(w.to_lowercase()).or_default() += 1.0;
    }
    out
}

pub fn char_ngrams(text: &str) -> HashMap<String, f32> {
    let mut out = HashMap::new();
    for w in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let chars: Vec<char> = format!(" {} ", w.to_lowercase()).chars().collect();
        for n in 3..=5 {
            for gram in chars.windows(n) {
                *out.entry(gram.iter().collect::<String>()).or_default() += 1.0;
            }
        }
    }
    out
}
