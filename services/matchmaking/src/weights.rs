//! The weights of the signals: one documented place, so the method can be tuned and
//! explained (docs/matching.md).

use serde::{Deserialize, Serialize};

/// How much each signal counts towards a need↔need score in [0, 1]. The weights sum to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Weights {
    /// Swedish text similarity (stemmed, TF-IDF weighted, compound-aware cosine).
    pub text: f32,
    /// Shared topics (Jaccard).
    pub topics: f32,
    /// Same activity area.
    pub area: f32,
    /// Overlapping timing.
    pub timing: f32,
    /// Collaboration levels both accept.
    pub level: f32,
    /// Same sub-regional network.
    pub subregion: f32,
    /// Share of the text similarity that comes from character n-grams (the rest from
    /// stemmed words).
    pub ngram_share: f32,
    /// Below this text similarity two needs are not a match, whatever else they share:
    /// the same topic with different words is a different need.
    pub min_text: f32,
    /// Text similarity at which the text signal is full and the other signals count
    /// fully; below it everything scales down in proportion. Cosines of paraphrased
    /// Swedish needs rarely exceed 0.5, so 1.0 would make the text signal too timid.
    pub full_support_text: f32,
    /// Two groups merge while the mean calibrated score of their cross pairs is at least
    /// this. A pair's calibrated score is its score over the geometric mean of both
    /// needs' best scores, so a terse need whose true partners score low against it can
    /// still join them.
    pub group_threshold: f32,
    /// Pairs scoring below this count 0 when grouping, however they calibrate: every
    /// need has a best match, even a need with no true partner.
    pub group_min_score: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            text: 0.60,
            topics: 0.12,
            area: 0.08,
            timing: 0.10,
            level: 0.05,
            subregion: 0.05,
            ngram_share: 0.9,
            min_text: 0.12,
            full_support_text: 0.6,
            group_threshold: 0.5,
            group_min_score: 0.2,
        }
    }
}
