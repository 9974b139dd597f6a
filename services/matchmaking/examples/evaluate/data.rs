//! The labelled set: loading `tests/matchmaking/eval.json` into engine input and labels.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use samverkan_matchmaking::{NeedInfo, OrgInfo, SolutionInfo};
use serde_json::Value;
use uuid::Uuid;

use crate::embeddings_file;

/// Engine input and the labels kept apart from it.
pub struct Set {
    pub needs: Vec<NeedInfo>,
    pub solutions: Vec<SolutionInfo>,
    /// need index → true group label
    pub group: Vec<Option<String>>,
    /// need index → the fold it is scored in (0 or 1), for the held-out split
    pub fold: Vec<u8>,
    /// solution index → need indexes it serves
    pub serves: Vec<Vec<usize>>,
    /// need index → the set's own id (n001 …), for reading misses
    pub name: Vec<String>,
}

fn level(code: &str) -> u8 {
    ["samverkan", "samordning", "samutveckling"]
        .iter()
        .position(|l| *l == code)
        .unwrap_or(0) as u8
}

fn maturity(code: &str) -> u8 {
    ["idea", "pilot", "production", "in_use_by_several"]
        .iter()
        .position(|x| *x == code)
        .unwrap_or(0) as u8
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn list(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(text).collect())
        .unwrap_or_default()
}

fn date(v: &Value) -> Option<NaiveDate> {
    v.as_str()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

fn need(i: usize, n: &Value) -> NeedInfo {
    NeedInfo {
        id: Uuid::from_u128(i as u128 + 1),
        org: text(&n["org"]),
        title: text(&n["title"]),
        text: text(&n["description"]),
        activity_area: text(&n["activity_area"]),
        topics: list(&n["topics"]),
        needed_from: date(&n["needed_from"]),
        needed_by: date(&n["needed_by"]),
        budget_max_sek: n["budget_max_sek"]
            .as_str()
            .and_then(|b| b.split('.').next()?.parse().ok()),
        collaboration_level: level(&text(&n["collaboration_level"])),
        public: true,
    }
}

fn solution(k: usize, s: &Value) -> SolutionInfo {
    SolutionInfo {
        id: Uuid::from_u128(10_000 + k as u128),
        org: text(&s["org"]),
        name: text(&s["name"]),
        text: text(&s["description"]),
        topics: list(&s["topics"]),
        maturity: maturity(&text(&s["maturity"])),
        adopters: list(&s["adopters"]),
    }
}

/// Fold of each need: grouped needs by the parity of their group's position in label
/// order (so a group is never split across folds), singletons by their own position.
fn folds(group: &[Option<String>]) -> Vec<u8> {
    let mut labels: Vec<&String> = group
        .iter()
        .flatten()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    labels.sort();
    group
        .iter()
        .enumerate()
        .map(|(i, g)| match g {
            Some(g) => (labels.iter().position(|l| *l == g).unwrap_or(0) % 2) as u8,
            None => (i % 2) as u8,
        })
        .collect()
}

/// Reads the set at `path`.
pub fn load(path: &str) -> Set {
    let raw: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("read eval set"))
        .expect("parse eval set");
    let raw_needs = raw["needs"].as_array().expect("needs");
    let ids: HashMap<String, usize> = raw_needs
        .iter()
        .enumerate()
        .map(|(i, n)| (text(&n["id"]), i))
        .collect();
    let group: Vec<Option<String>> = raw_needs
        .iter()
        .map(|n| n["group"].as_str().map(String::from))
        .collect();
    let raw_solutions = raw["solutions"].as_array().cloned().unwrap_or_default();
    Set {
        needs: raw_needs
            .iter()
            .enumerate()
            .map(|(i, n)| need(i, n))
            .collect(),
        solutions: raw_solutions
            .iter()
            .enumerate()
            .map(|(k, s)| solution(k, s))
            .collect(),
        fold: folds(&group),
        group,
        serves: raw_solutions
            .iter()
            .map(|s| {
                list(&s["serves"])
                    .iter()
                    .filter_map(|id| ids.get(id).copied())
                    .collect()
            })
            .collect(),
        name: raw_needs.iter().map(|n| text(&n["id"])).collect(),
    }
}

/// Skåne's municipalities with sub-region and population, as the service loads them.
pub fn orgs() -> Vec<OrgInfo> {
    let csv = include_str!("../../../store/reference/skane-municipalities.csv");
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

/// The sentence embeddings of the set's needs in the JSON file at `path` (see
/// [`embeddings_file::read`]), by need id; `None` when there is no such file.
pub fn embeddings(
    set: &Set,
    path: &std::path::Path,
) -> Option<HashMap<Uuid, std::sync::Arc<[f32]>>> {
    let mut by_name = embeddings_file::read(path)?;
    let vectors = set.needs.iter().zip(&set.name).filter_map(|(need, name)| {
        let floats = by_name.remove(name)?;
        Some((need.id, floats.into()))
    });
    Some(vectors.collect())
}
