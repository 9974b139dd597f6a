//! A need's non-text signals, interned once so that scoring a pair compares integers and
//! allocates nothing: the exact search scores thousands of candidates per need.

use std::collections::HashMap;

use crate::model::{NeedInfo, OrgInfo};
use crate::signals;
use crate::weights::Weights;

/// The names of the need↔need signals, in the order of [`contributions`].
pub const SIGNALS: [&str; 6] = [
    "text",
    "topics",
    "activity_area",
    "timing",
    "collaboration_level",
    "subregion",
];

/// One need's signals as small integers.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// The owning organisation, interned: needs of one organisation are never matched.
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

/// The profiles of `needs`, in order.
pub fn profiles(needs: &[NeedInfo], orgs: &HashMap<String, OrgInfo>) -> Vec<Profile> {
    let mut names = Interner::default();
    let mut topic_ids = Interner::default();
    let topics: Vec<Vec<u32>> = needs
        .iter()
        .map(|n| n.topics.iter().map(|t| topic_ids.id(t)).collect())
        .collect();
    let bits = topic_ids.0.len() <= 128;
    needs
        .iter()
        .zip(topics)
        .map(|(n, topics)| {
            let subregion = orgs.get(&n.org).and_then(|o| o.subregion.as_deref());
            Profile {
                org: names.id(&format!("org:{}", n.org)),
                area: names.id(&format!("area:{}", n.activity_area)),
                topics: Topics::new(topics, bits),
                window: signals::window(n),
                level: n.collaboration_level,
                subregion: subregion.map(|s| names.id(&format!("subregion:{s}"))),
            }
        })
        .collect()
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
/// sharing only an area and a year score low.
pub fn contributions(w: &Weights, text: f32, a: &Profile, b: &Profile) -> ([f32; 6], i32) {
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
    ];
    (parts, overlap)
}

/// The score of a pair from its contributions, in [0, 1].
pub fn score(parts: &[f32; 6]) -> f32 {
    parts.iter().sum::<f32>().min(1.0)
}

/// The most the pair `a`, `b` can score, whatever their texts: its score at full text
/// support. Scores grow with the text similarity up to full support, so a candidate whose
/// ceiling is below a result's last score cannot enter it, and its text need not be
/// compared.
pub fn ceiling(w: &Weights, a: &Profile, b: &Profile) -> f32 {
    score(&contributions(w, w.full_support_text, a, b).0)
}

/// The most a pair with text similarity `text` can score, whatever its other signals.
pub fn bound(w: &Weights, text: f32) -> f32 {
    let support = (text / w.full_support_text).min(1.0);
    (support * (w.text + w.topics + w.area + w.timing + w.level + w.subregion)).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        for (a, b) in &pairs {
            let ceiling = ceiling(&w, a, b);
            for k in 0..=100 {
                let text = k as f32 / 100.0;
                let score = score(&contributions(&w, text, a, b).0);
                assert!(score <= ceiling, "{text}: {score} > {ceiling}");
            }
            assert_eq!(score(&contributions(&w, 0.9, a, b).0), ceiling);
        }
    }
}
