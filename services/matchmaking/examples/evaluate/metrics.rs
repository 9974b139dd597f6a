//! The metrics of `tests/matchmaking/README.md`, optionally on one fold of the set.

use std::collections::{HashMap, HashSet};

use crate::data::Set;

/// Which needs a metric is computed over: all, or one fold.
#[derive(Clone, Copy)]
pub enum Scope {
    All,
    Fold(u8),
}

impl Scope {
    fn has(self, set: &Set, i: usize) -> bool {
        match self {
            Scope::All => true,
            Scope::Fold(f) => set.fold[i] == f,
        }
    }
}

/// True partners of need i: the other members of its group.
pub fn partners(set: &Set, i: usize) -> HashSet<usize> {
    match &set.group[i] {
        None => HashSet::new(),
        Some(g) => (0..set.needs.len())
            .filter(|&j| j != i && set.group[j].as_deref() == Some(g))
            .collect(),
    }
}

/// Capped precision@5 over the needs in scope that have a true partner.
pub fn precision_at_5(set: &Set, scope: Scope, ranked: &dyn Fn(usize) -> Vec<usize>) -> f64 {
    let mut total = 0.0;
    let mut counted = 0;
    for i in (0..set.needs.len()).filter(|&i| scope.has(set, i)) {
        let truth = partners(set, i);
        if truth.is_empty() {
            continue;
        }
        let top: Vec<usize> = ranked(i).into_iter().take(5).collect();
        let correct = top.iter().filter(|j| truth.contains(j)).count();
        total += correct as f64 / truth.len().min(5) as f64;
        counted += 1;
    }
    total / counted.max(1) as f64
}

/// Pairwise precision and recall of predicted groups. On a fold, a pair counts when
/// either need is in the fold (true pairs never straddle folds; a predicted pair that
/// does is a false positive for both).
pub fn pairwise(set: &Set, scope: Scope, predicted: &[Vec<usize>]) -> (f64, f64) {
    let mut label: HashMap<usize, usize> = HashMap::new();
    for (g, members) in predicted.iter().enumerate() {
        for &m in members {
            label.insert(m, g);
        }
    }
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    let n = set.needs.len();
    for i in 0..n {
        for j in i + 1..n {
            if !scope.has(set, i) && !scope.has(set, j) {
                continue;
            }
            let truth = set.group[i].is_some() && set.group[i] == set.group[j];
            let pred = label.contains_key(&i) && label.get(&i) == label.get(&j);
            match (truth, pred) {
                (true, true) => tp += 1,
                (false, true) => fp += 1,
                (true, false) => fn_ += 1,
                _ => {}
            }
        }
    }
    (
        tp as f64 / (tp + fp).max(1) as f64,
        tp as f64 / (tp + fn_).max(1) as f64,
    )
}

/// Share of the needs in scope with a serving solution that find one in their top 3.
pub fn hit_at_3(set: &Set, scope: Scope, ranked: &dyn Fn(usize) -> Vec<usize>) -> f64 {
    let (mut hits, mut counted) = (0, 0);
    for i in (0..set.needs.len()).filter(|&i| scope.has(set, i)) {
        let serving: HashSet<usize> = (0..set.solutions.len())
            .filter(|&k| set.serves[k].contains(&i))
            .collect();
        if serving.is_empty() {
            continue;
        }
        counted += 1;
        if ranked(i).into_iter().take(3).any(|k| serving.contains(&k)) {
            hits += 1;
        }
    }
    hits as f64 / counted.max(1) as f64
}
