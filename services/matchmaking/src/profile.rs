//! A need's non-text signals, interned once so that scoring a pair compares integers and
//! allocates nothing: the exact search scores thousands of candidates per need.

use std::collections::HashMap;

use crate::model::{NeedInfo, OrgInfo, SolutionInfo};
use crate::signals;
use crate::weights::{SHARED_SOLUTIONS_FULL, Weights};

/// The names of the need↔need signals, in the order of [`contributions`].
pub const SIGNALS: [&str; 7] = [
    "text",
    "topics",
    "activity_area",
    "timing",
    "collaboration_level",
    "subregion",
    "shared_solutions",
];

/// One need's signals as small integers.
///
/// Aligned to a cache line (it is 64 bytes either way): the search reads the profile of
/// nearly every candidate to rule it out by its other signals, mostly a miss in cache,
/// and the search touches each candidate's profile first so that those misses overlap
/// (see [`crate::search`]). Unaligned, a profile straddled two lines, and ruling out
/// waited on the second: a quarter of the time in [`contributions`] (`perf`), a tenth
/// of the batch's CPU at realistic 100,000 (`docs/scale-journal.md`).
#[derive(Debug, Clone, PartialEq)]
#[repr(align(64))]
pub struct Profile {
    /// The owning organisation, numbered from 0 (see [`Affinity`]): needs of one
    /// organisation are never matched.
    pub org: u32,
    area: u32,
    topics: Topics,
    window: Option<(i32, i32)>,
    level: u8,
    subregion: Option<u32>,
}

/// A need's topics, interned: a bit set while the needs carry at most 128 distinct
/// topics (the vocabulary has 18), so that comparing two needs' topics reads no memory
/// beyond their profiles; else a sorted list.
#[derive(Debug, Clone, PartialEq)]
enum Topics {
    Bits(u128),
    List(Box<[u32]>),
}

impl Topics {
    fn new(mut ids: Vec<u32>, bits: bool) -> Self {
        if bits {
            Self::Bits(ids.iter().fold(0, |set, &t| set | 1 << t))
        } else {
            ids.sort_unstable();
            ids.dedup();
            Self::List(ids.into_boxed_slice())
        }
    }

    /// (how many topics each has, how many they share).
    fn overlap(&self, other: &Self) -> (u32, u32, u32) {
        match (self, other) {
            (Self::Bits(a), Self::Bits(b)) => {
                (a.count_ones(), b.count_ones(), (a & b).count_ones())
            }
            (Self::List(a), Self::List(b)) => {
                let shared = a.iter().filter(|t| b.binary_search(t).is_ok()).count();
                (a.len() as u32, b.len() as u32, shared as u32)
            }
            // The needs of one engine all take one form.
            _ => (0, 0, 0),
        }
    }
}

#[derive(Default)]
struct Interner(HashMap<String, u32>);

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        let next = self.0.len() as u32;
        *self.0.entry(s.to_string()).or_insert(next)
    }
}

/// The existing-adoption affinity of each pair of the needs' organisations: the
/// shared-solutions signal, from the solutions both run (own or have adopted). A dense
/// table: a region has a few dozen organisations, and the search reads it for every
/// pair it scores.
#[derive(Debug, Clone, PartialEq)]
pub struct Affinity {
    orgs: usize,
    signal: Vec<f32>,
    /// Each organisation's solutions (own or run), as places in the engine's solutions,
    /// in order: the explanations name them.
    held: Vec<Vec<u32>>,
}

impl Affinity {
    /// The affinity of organisations `org_ids` (name → number) from `solutions`.
    fn new(org_ids: &Interner, solutions: &[SolutionInfo]) -> Self {
        let orgs = org_ids.0.len();
        let mut shared = vec![0u32; orgs * orgs];
        let mut held = vec![Vec::new(); orgs];
        for (k, solution) in solutions.iter().enumerate() {
            let mut holders: Vec<usize> = solution
                .holders()
                .filter_map(|org| org_ids.0.get(org).map(|&id| id as usize))
                .collect();
            holders.sort_unstable();
            holders.dedup();
            for &a in &holders {
                held[a].push(k as u32);
            }
            for &a in &holders {
                for &b in holders.iter().filter(|&&b| b != a) {
                    shared[a * orgs + b] += 1;
                }
            }
        }
        let signal = shared
            .into_iter()
            .map(|n| (n as f32 / SHARED_SOLUTIONS_FULL).min(1.0))
            .collect();
        Self { orgs, signal, held }
    }

    /// The places of the solutions that at least `at_least` of organisations `orgs` (as
    /// in [`Profile::org`], each counted once) own or run, in order.
    pub fn held_by(&self, orgs: &[u32], at_least: usize) -> Vec<u32> {
        let mut orgs = orgs.to_vec();
        orgs.sort_unstable();
        orgs.dedup();
        let mut places: Vec<u32> = orgs
            .iter()
            .flat_map(|&o| self.held[o as usize].iter().copied())
            .collect();
        places.sort_unstable();
        let mut out = Vec::new();
        for run in places.chunk_by(|a, b| a == b) {
            if run.len() >= at_least {
                out.push(run[0]);
            }
        }
        out
    }

    /// The shared-solutions signal of organisations `a` and `b` (as in [`Profile::org`]).
    pub fn of(&self, a: u32, b: u32) -> f32 {
        self.signal[a as usize * self.orgs + b as usize]
    }
}

/// The profiles of `needs`, in order, and their organisations' [`Affinity`] by
/// `solutions`.
pub fn profiles(
    needs: &[NeedInfo],
    orgs: &HashMap<String, OrgInfo>,
    solutions: &[SolutionInfo],
) -> (Vec<Profile>, Affinity) {
    let mut org_ids = Interner::default();
    let mut names = Interner::default();
    let mut topic_ids = Interner::default();
    let topics: Vec<Vec<u32>> = needs
        .iter()
        .map(|n| n.topics.iter().map(|t| topic_ids.id(t)).collect())
        .collect();
    let bits = topic_ids.0.len() <= 128;
    let profiles = needs
        .iter()
        .zip(topics)
        .map(|(n, topics)| {
            let subregion = orgs.get(&n.org).and_then(|o| o.subregion.as_deref());
            Profile {
                org: org_ids.id(&n.org),
                area: names.id(&format!("area:{}", n.activity_area)),
                topics: Topics::new(topics, bits),
                window: signals::window(n),
                level: n.collaboration_level,
                subregion: subregion.map(|s| names.id(&format!("subregion:{s}"))),
            }
        })
        .collect();
    (profiles, Affinity::new(&org_ids, solutions))
}

fn jaccard(a: &Topics, b: &Topics) -> f32 {
    let (a, b, shared) = a.overlap(b);
    if a == 0 || b == 0 {
        return 0.0;
    }
    let shared = shared as f32;
    shared / ((a + b) as f32 - shared)
}

/// Each signal's contribution to the score of a pair with text similarity `text` (in
/// the order of [`SIGNALS`]), and the timing overlap in months. The other signals support
/// a text match: they count in proportion to how similar the texts are, so two needs
/// sharing only an area and a year score low. `affinity` gives the shared solutions of
/// their organisations.
pub fn contributions(
    w: &Weights,
    affinity: &Affinity,
    text: f32,
    a: &Profile,
    b: &Profile,
) -> ([f32; 7], i32) {
    let support = (text / w.full_support_text).min(1.0);
    let (timing, overlap) = signals::timing_of(a.window, b.window);
    let same_region = matches!((a.subregion, b.subregion), (Some(x), Some(y)) if x == y);
    let parts = [
        w.text * support,
        support * w.topics * jaccard(&a.topics, &b.topics),
        support * w.area * f32::from(u8::from(a.area == b.area)),
        support * w.timing * timing,
        support * w.level * signals::level(a.level, b.level),
        support * w.subregion * f32::from(u8::from(same_region)),
        support * w.shared_solutions * affinity.of(a.org, b.org),
    ];
    (parts, overlap)
}

/// The score of a pair from its contributions, in [0, 1].
pub fn score(parts: &[f32; 7]) -> f32 {
    parts.iter().sum::<f32>().min(1.0)
}

/// The most the pair `a`, `b` can score, whatever their texts: its score at full text
/// support. Scores grow with the text similarity up to full support, so a candidate whose
/// ceiling is below a result's last score cannot enter it, and its text need not be
/// compared.
pub fn ceiling(w: &Weights, affinity: &Affinity, a: &Profile, b: &Profile) -> f32 {
    score(&contributions(w, affinity, w.full_support_text, a, b).0)
}

/// The most a pair with text similarity `text` can score, whatever its other signals.
pub fn bound(w: &Weights, text: f32) -> f32 {
    let support = (text / w.full_support_text).min(1.0);
    let signals = w.text + w.topics + w.area + w.timing + w.level + w.subregion;
    (support * (signals + w.shared_solutions)).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A profile fills one cache line and never straddles two.
    #[test]
    fn a_profile_is_one_cache_line() {
        assert_eq!(std::mem::size_of::<Profile>(), 64);
        assert_eq!(std::mem::align_of::<Profile>(), 64);
    }

    fn profile(org: u32, topics: &[u32], window: Option<(i32, i32)>, level: u8) -> Profile {
        Profile {
            org,
            area: 1,
            topics: Topics::new(topics.to_vec(), true),
            window,
            level,
            subregion: Some(7),
        }
    }

    /// Past 128 distinct topics, needs keep their topics as lists: the overlap must be
    /// the same in both forms.
    #[test]
    fn topic_overlap_is_the_same_as_bits_and_as_lists() {
        let sets: [&[u32]; 4] = [&[], &[3], &[3, 9, 127], &[9, 1, 3]];
        for a in sets {
            for b in sets {
                let bits = jaccard(
                    &Topics::new(a.to_vec(), true),
                    &Topics::new(b.to_vec(), true),
                );
                let lists = jaccard(
                    &Topics::new(a.to_vec(), false),
                    &Topics::new(b.to_vec(), false),
                );
                assert_eq!(bits, lists, "{a:?} {b:?}");
            }
        }
        let (a, b) = (
            Topics::new(vec![3, 9], true),
            Topics::new(vec![9, 1, 3], true),
        );
        assert_eq!(jaccard(&a, &b), 2.0 / 3.0);
    }

    /// The search leaves out a candidate whose ceiling is below a result's last score:
    /// no text similarity may lift a pair above it.
    #[test]
    fn no_text_similarity_scores_above_the_ceiling() {
        let w = Weights::default();
        let pairs = [
            (
                profile(1, &[1, 2], Some((10, 22)), 2),
                profile(2, &[2], Some((30, 42)), 1),
            ),
            (profile(1, &[], None, 0), profile(2, &[3], Some((0, 12)), 2)),
            (
                profile(1, &[4, 5], Some((0, 12)), 2),
                profile(2, &[4, 5], Some((6, 18)), 2),
            ),
        ];
        // Organisations 1 and 2 run one solution in common.
        let affinity = Affinity {
            orgs: 3,
            signal: vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.5, 0.0],
            held: vec![vec![], vec![0], vec![0]],
        };
        for (a, b) in &pairs {
            let ceiling = ceiling(&w, &affinity, a, b);
            for k in 0..=100 {
                let text = k as f32 / 100.0;
                let score = score(&contributions(&w, &affinity, text, a, b).0);
                assert!(score <= ceiling, "{text}: {score} > {ceiling}");
            }
            assert_eq!(score(&contributions(&w, &affinity, 0.9, a, b).0), ceiling);
        }
    }
}
