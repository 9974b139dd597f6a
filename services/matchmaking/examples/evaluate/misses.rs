//! What the engine gets wrong on the labelled set, for error analysis (`--misses`).

use std::collections::{BTreeMap, HashMap};

use samverkan_matchmaking::Engine;

use crate::Answers;
use crate::data::Set;

fn cluster_of(a: &Answers) -> HashMap<usize, usize> {
    a.groups
        .iter()
        .enumerate()
        .flat_map(|(g, m)| m.iter().map(move |&i| (i, g)))
        .collect()
}

fn pair_score(engine: &Engine, i: usize, j: usize) -> String {
    engine
        .score_pair(i, j)
        .map_or("  -  ".into(), |m| format!("{:.3}", m.score))
}

fn describe(set: &Set, i: usize, cluster: Option<usize>) -> String {
    let n = &set.needs[i];
    let c = cluster.map_or("none".into(), |c| format!("#{c}"));
    format!("{} [{}] {c:>5} {}", set.name[i], n.org, n.title)
}

/// True groups the engine splits or leaves out, with the scores between their members.
fn split_groups(set: &Set, engine: &Engine, a: &Answers) {
    let of = cluster_of(a);
    let mut truth: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, g) in set.group.iter().enumerate() {
        if let Some(g) = g {
            truth.entry(g).or_default().push(i);
        }
    }
    println!("\n## True groups split by the engine\n");
    for (g, members) in truth {
        let first = of.get(&members[0]);
        if first.is_some() && members.iter().all(|m| of.get(m) == first) {
            continue;
        }
        println!("{g}:");
        for &i in &members {
            println!("  {}", describe(set, i, of.get(&i).copied()));
        }
        for (k, &i) in members.iter().enumerate() {
            for &j in &members[k + 1..] {
                let rank = a.ranked[i].iter().position(|&x| x == j);
                println!(
                    "    {} ~ {}: {} (rank {})",
                    set.name[i],
                    set.name[j],
                    pair_score(engine, i, j),
                    rank.map_or("-".into(), |r| (r + 1).to_string())
                );
            }
        }
    }
}

/// Predicted groups that hold needs of more than one true group (or singletons).
fn mixed_groups(set: &Set, engine: &Engine, a: &Answers) {
    println!("\n## Predicted groups mixing true groups\n");
    for (g, members) in a.groups.iter().enumerate() {
        let first = &set.group[members[0]];
        if first.is_some() && members.iter().all(|&m| &set.group[m] == first) {
            continue;
        }
        println!("#{g}:");
        for &i in members {
            let label = set.group[i].as_deref().unwrap_or("single");
            println!("  {label:>6} {}", describe(set, i, Some(g)));
        }
        for (k, &i) in members.iter().enumerate() {
            for &j in &members[k + 1..] {
                println!(
                    "    {} ~ {}: {}",
                    set.name[i],
                    set.name[j],
                    pair_score(engine, i, j)
                );
            }
        }
    }
}

/// Needs whose top three solutions hold none that serves them.
fn solution_misses(set: &Set, a: &Answers) {
    println!("\n## Solution misses (hit@3)\n");
    for i in 0..set.needs.len() {
        let serving: Vec<usize> = (0..set.solutions.len())
            .filter(|&k| set.serves[k].contains(&i))
            .collect();
        if serving.is_empty() || a.solutions[i].iter().take(3).any(|k| serving.contains(k)) {
            continue;
        }
        let names = |ks: &[usize]| -> Vec<String> {
            ks.iter().map(|&k| set.solutions[k].name.clone()).collect()
        };
        println!(
            "{} {}: top 3 {:?}; serving {:?} at ranks {:?}",
            set.name[i],
            set.needs[i].title,
            names(&a.solutions[i][..a.solutions[i].len().min(3)]),
            names(&serving),
            serving
                .iter()
                .map(|k| a.solutions[i].iter().position(|x| x == k).map(|r| r + 1))
                .collect::<Vec<_>>()
        );
    }
}

/// Prints every kind of miss.
pub fn print(set: &Set, engine: &Engine, a: &Answers) {
    split_groups(set, engine, a);
    mixed_groups(set, engine, a);
    solution_misses(set, a);
}
