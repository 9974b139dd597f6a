//! Evaluation report (issue 4): runs the engine and two baselines on the labelled set in
//! `tests/matchmaking/eval.json` and prints precision@5 for need↔need, pairwise precision
//! and recall of the groups, and hit@3 for need→solution.
//!
//! `cargo run --release -p samverkan-matchmaking --example evaluate [-- PATH]`

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use samverkan_matchmaking::text::{Corpus, Vector};
use samverkan_matchmaking::{Engine, NeedInfo, OrgInfo, SolutionInfo, Weights};
use serde_json::Value;
use uuid::Uuid;

struct Set {
    needs: Vec<NeedInfo>,
    solutions: Vec<SolutionInfo>,
    /// need index → true group label
    group: Vec<Option<String>>,
    /// solution index → need indexes it serves
    serves: Vec<Vec<usize>>,
}

fn level(code: &str) -> u8 {
    ["samverkan", "samordning", "samutveckling"]
        .iter()
        .position(|l| *l == code)
        .unwrap_or(0) as u8
}

fn load(path: &str) -> Set {
    let raw: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("read eval set"))
        .expect("parse eval set");
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let list = |v: &Value| {
        v.as_array()
            .map(|a| a.iter().map(s).collect())
            .unwrap_or_default()
    };
    let date = |v: &Value| {
        v.as_str()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    };
    let mut ids = HashMap::new();
    let mut needs = Vec::new();
    let mut group = Vec::new();
    for (i, n) in raw["needs"].as_array().expect("needs").iter().enumerate() {
        ids.insert(s(&n["id"]), i);
        group.push(n["group"].as_str().map(String::from));
        needs.push(NeedInfo {
            id: Uuid::from_u128(i as u128 + 1),
            org: s(&n["org"]),
            title: s(&n["title"]),
            text: s(&n["description"]),
            activity_area: s(&n["activity_area"]),
            topics: list(&n["topics"]),
            needed_from: date(&n["needed_from"]),
            needed_by: date(&n["needed_by"]),
            budget_max_sek: n["budget_max_sek"]
                .as_str()
                .and_then(|b| b.split('.').next()?.parse().ok()),
            collaboration_level: level(&s(&n["collaboration_level"])),
            public: true,
        });
    }
    let maturity = |m: &str| {
        ["idea", "pilot", "production", "in_use_by_several"]
            .iter()
            .position(|x| *x == m)
            .unwrap_or(0) as u8
    };
    let mut solutions = Vec::new();
    let mut serves = Vec::new();
    for (k, sol) in raw["solutions"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        serves.push(
            list(&sol["serves"])
                .iter()
                .filter_map(|id| ids.get(id).copied())
                .collect(),
        );
        solutions.push(SolutionInfo {
            id: Uuid::from_u128(10_000 + k as u128),
            org: s(&sol["org"]),
            name: s(&sol["name"]),
            text: s(&sol["description"]),
            topics: list(&sol["topics"]),
            maturity: maturity(&s(&sol["maturity"])),
            adopters: list(&sol["adopters"]),
        });
    }
    Set {
        needs,
        solutions,
        group,
        serves,
    }
}

fn orgs() -> Vec<OrgInfo> {
    let csv = include_str!("../../store/reference/skane-municipalities.csv");
    csv.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Some(OrgInfo {
                id: f.first()?.to_string(),
                subregion: f.get(3).map(|s| s.to_string()),
                population: f.get(2)?.parse().ok(),
            })
        })
        .collect()
}

/// True partners of need i: the other members of its group.
fn partners(set: &Set, i: usize) -> HashSet<usize> {
    match &set.group[i] {
        None => HashSet::new(),
        Some(g) => (0..set.needs.len())
            .filter(|&j| j != i && set.group[j].as_deref() == Some(g))
            .collect(),
    }
}

fn precision_at_5(set: &Set, ranked: &dyn Fn(usize) -> Vec<usize>) -> f64 {
    let mut total = 0.0;
    let mut counted = 0;
    for i in 0..set.needs.len() {
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

fn pairwise(set: &Set, predicted: &[Vec<usize>]) -> (f64, f64) {
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

fn hit_at_3(set: &Set, ranked: &dyn Fn(usize) -> Vec<usize>) -> f64 {
    let (mut hits, mut counted) = (0, 0);
    for i in 0..set.needs.len() {
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

/// Average-linkage groups over a similarity, distinct organisations, like the engine's.
fn cluster(set: &Set, sim: &dyn Fn(usize, usize) -> f32, threshold: f32) -> Vec<Vec<usize>> {
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
struct Baseline {
    needs: Vec<Vector>,
    solutions: Vec<Vector>,
}

impl Baseline {
    fn new(set: &Set, terms: impl Fn(&str) -> HashMap<String, f32>) -> Self {
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

    fn sim(&self, i: usize, j: usize) -> f32 {
        self.needs[i].cosine(&self.needs[j])
    }

    fn ranked(&self, set: &Set, i: usize) -> Vec<usize> {
        let mut others: Vec<usize> = (0..set.needs.len())
            .filter(|&j| set.needs[j].org != set.needs[i].org)
            .collect();
        others.sort_by(|&a, &b| self.sim(i, b).total_cmp(&self.sim(i, a)));
        others
    }

    fn solutions_ranked(&self, set: &Set, i: usize) -> Vec<usize> {
        let mut all: Vec<usize> = (0..set.solutions.len())
            .filter(|&k| set.solutions[k].org != set.needs[i].org)
            .collect();
        all.sort_by(|&a, &b| {
            self.needs[i]
                .cosine(&self.solutions[b])
                .total_cmp(&self.needs[i].cosine(&self.solutions[a]))
        });
        all
    }
}

fn words(text: &str) -> HashMap<String, f32> {
    let mut out = HashMap::new();
    for w in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        *out.entry(w.to_lowercase()).or_default() += 1.0;
    }
    out
}

fn char_ngrams(text: &str) -> HashMap<String, f32> {
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

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/matchmaking/eval.json"
        )
        .into()
    });
    let set = load(&path);
    // WEIGHTS='{"ngram_share":0.7,...}' overrides the defaults, for tuning.
    let weights: Weights = match std::env::var("WEIGHTS") {
        Ok(json) => {
            let mut merged = serde_json::to_value(Weights::default()).expect("weights serialise");
            let overrides: Value = serde_json::from_str(&json).expect("WEIGHTS is JSON");
            for (k, v) in overrides.as_object().expect("WEIGHTS is an object") {
                merged[k] = v.clone();
            }
            serde_json::from_value(merged).expect("valid weights")
        }
        Err(_) => Weights::default(),
    };
    let engine = Engine::new(weights, set.needs.clone(), set.solutions.clone(), orgs());
    let index = |id: Uuid| id.as_u128() as usize - 1;
    let engine_ranked = |i: usize| {
        engine
            .matches(set.needs[i].id, 50)
            .into_iter()
            .map(|m| index(m.id))
            .collect::<Vec<_>>()
    };
    let engine_solutions = |i: usize| {
        engine
            .solution_matches(set.needs[i].id, 10, false)
            .into_iter()
            .map(|m| m.id.as_u128() as usize - 10_000)
            .collect::<Vec<_>>()
    };
    let engine_groups: Vec<Vec<usize>> = engine
        .groups()
        .into_iter()
        .map(|g| g.members.into_iter().map(index).collect())
        .collect();
    let (gp, gr) = pairwise(&set, &engine_groups);
    println!(
        "{} needs, {} solutions, {} true groups\n",
        set.needs.len(),
        set.solutions.len(),
        set.group.iter().flatten().collect::<HashSet<_>>().len()
    );
    println!(
        "| method | precision@5 | group precision | group recall | hit@3 |\n|---|---|---|---|---|"
    );
    println!(
        "| engine (default weights) | {:.3} | {:.3} | {:.3} | {:.3} |",
        precision_at_5(&set, &engine_ranked),
        gp,
        gr,
        hit_at_3(&set, &engine_solutions)
    );
    for (name, baseline, threshold) in [
        ("word TF-IDF cosine", Baseline::new(&set, words), 0.3),
        (
            "char 3-5-gram TF-IDF cosine",
            Baseline::new(&set, char_ngrams),
            0.3,
        ),
    ] {
        let groups = cluster(&set, &|i, j| baseline.sim(i, j), threshold);
        let (gp, gr) = pairwise(&set, &groups);
        println!(
            "| {name} (groups at {threshold}) | {:.3} | {:.3} | {:.3} | {:.3} |",
            precision_at_5(&set, &|i| baseline.ranked(&set, i)),
            gp,
            gr,
            hit_at_3(&set, &|i| baseline.solutions_ranked(&set, i))
        );
    }
}
