//! The weights of the signals: one documented place, so the method can be tuned and
//! explained (docs/matching.md).

use serde::{Deserialize, Serialize};

/// How much each signal counts towards a need↔need score in [0, 1]. The weights sum to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
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
    /// Existing-adoption affinity: both organisations already run (own or have adopted)
    /// the same solutions, full at [`SHARED_SOLUTIONS_FULL`]. Municipalities on one
    /// platform can share configuration, training and a supplier's contract.
    pub shared_solutions: f32,
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
    /// Share of the text similarity that comes from the texts' meaning (their sentence
    /// embeddings, see [`crate::meaning`]) when both needs have one; the rest is the
    /// words and n-grams. Words cannot see that "försörjningsstöd" and "ekonomiskt
    /// bistånd" are one need; a multilingual embedding model can.
    pub meaning_share: f32,
    /// Embedding cosine at or below which two texts count as unrelated in meaning:
    /// embedding models put unrelated texts far above 0 (multilingual-e5-small puts
    /// half the pairs of the evaluation set's needs above 0.85).
    pub meaning_floor: f32,
    /// Embedding cosine at which two texts count as the same in meaning.
    pub meaning_full: f32,
    /// Need→solution: how much the text similarity of the need and the solution's name
    /// and description counts. The five `solution_` weights sum to 1.
    pub solution_text: f32,
    /// Need→solution: shared topics (Jaccard).
    pub solution_topics: f32,
    /// Need→solution: the solution's maturity, full for one in use by several.
    pub solution_maturity: f32,
    /// Need→solution: how many organisations run the solution, full at
    /// [`ADOPTERS_FULL`]: a solution others already run is proven and can be shared.
    pub solution_adopters: f32,
    /// Need→solution: adopters in the need's own sub-region, full at
    /// [`NEARBY_ADOPTERS_FULL`]: neighbours who run it can show it and share the cost.
    pub solution_adopters_in_subregion: f32,
}

/// The highest maturity (3, in use by several), at which the maturity signal is full.
pub const MATURITY_FULL: f32 = 3.0;
/// Adopters at which a solution's adopters signal is full.
pub const ADOPTERS_FULL: f32 = 3.0;
/// Solutions two organisations both run at which their shared-solutions signal is full.
pub const SHARED_SOLUTIONS_FULL: f32 = 2.0;
/// Adopters in the need's sub-region at which that signal is full.
pub const NEARBY_ADOPTERS_FULL: f32 = 2.0;

impl Default for Weights {
    fn default() -> Self {
        Self {
            text: 0.60,
            topics: 0.12,
            area: 0.08,
            timing: 0.10,
            level: 0.05,
            subregion: 0.03,
            shared_solutions: 0.02,
            ngram_share: 0.9,
            min_text: 0.12,
            full_support_text: 0.6,
            group_threshold: 0.54,
            group_min_score: 0.2,
            meaning_share: 0.2,
            meaning_floor: 0.86,
            meaning_full: 0.95,
            solution_text: 0.70,
            solution_topics: 0.15,
            solution_maturity: 0.08,
            solution_adopters: 0.04,
            solution_adopters_in_subregion: 0.03,
        }
    }
}

/// The need↔need signal weights must add up to 1 within this, so that a score stays a
/// share of the possible.
const SUM_TOLERANCE: f32 = 1e-3;

impl Weights {
    /// Every problem with these weights, as (field, message), so an operator's mistake
    /// stops the service at start with all of them named, instead of skewing matches.
    pub fn validate(&self) -> Result<(), Vec<(&'static str, String)>> {
        let mut problems = Vec::new();
        for (field, value) in self.fields() {
            if !(0.0..=1.0).contains(&value) {
                problems.push((field, format!("must be between 0 and 1 (got {value})")));
            }
        }
        let signals = [
            self.text,
            self.topics,
            self.area,
            self.timing,
            self.level,
            self.subregion,
            self.shared_solutions,
        ];
        let names = "text, topics, area, timing, level, subregion and shared_solutions";
        if let Some(problem) = not_one(&signals, names) {
            problems.push(("text", problem));
        }
        let solution = [
            self.solution_text,
            self.solution_topics,
            self.solution_maturity,
            self.solution_adopters,
            self.solution_adopters_in_subregion,
        ];
        let names = "solution_text, solution_topics, solution_maturity, solution_adopters \
            and solution_adopters_in_subregion";
        if let Some(problem) = not_one(&solution, names) {
            problems.push(("solution_text", problem));
        }
        if self.full_support_text <= 0.0 {
            problems.push(("full_support_text", "must be above 0".to_string()));
        }
        if self.min_text > self.full_support_text {
            problems.push((
                "min_text",
                format!(
                    "must not exceed full_support_text ({})",
                    self.full_support_text
                ),
            ));
        }
        if self.meaning_floor >= self.meaning_full {
            problems.push((
                "meaning_floor",
                format!("must be below meaning_full ({})", self.meaning_full),
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    fn fields(&self) -> [(&'static str, f32); 20] {
        [
            ("text", self.text),
            ("topics", self.topics),
            ("area", self.area),
            ("timing", self.timing),
            ("level", self.level),
            ("subregion", self.subregion),
            ("shared_solutions", self.shared_solutions),
            ("ngram_share", self.ngram_share),
            ("min_text", self.min_text),
            ("full_support_text", self.full_support_text),
            ("group_threshold", self.group_threshold),
            ("group_min_score", self.group_min_score),
            ("meaning_share", self.meaning_share),
            ("meaning_floor", self.meaning_floor),
            ("meaning_full", self.meaning_full),
            ("solution_text", self.solution_text),
            ("solution_topics", self.solution_topics),
            ("solution_maturity", self.solution_maturity),
            ("solution_adopters", self.solution_adopters),
            (
                "solution_adopters_in_subregion",
                self.solution_adopters_in_subregion,
            ),
        ]
    }
}

/// The problem with a set of weights that should add up to 1 (`names` says which), if
/// they do not: a score must stay a share of the possible.
fn not_one(weights: &[f32], names: &str) -> Option<String> {
    let sum: f32 = weights.iter().sum();
    ((sum - 1.0).abs() > SUM_TOLERANCE)
        .then(|| format!("{names} must add up to 1 (they add up to {sum})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid() {
        assert_eq!(Weights::default().validate(), Ok(()));
    }

    #[test]
    fn every_problem_is_named() {
        let w = Weights {
            text: 0.7,
            timing: -0.1,
            ngram_share: f32::NAN,
            min_text: 0.8,
            meaning_floor: 0.95,
            ..Weights::default()
        };
        let fields: Vec<&str> = w.validate().unwrap_err().iter().map(|p| p.0).collect();
        assert_eq!(
            fields,
            ["timing", "ngram_share", "text", "min_text", "meaning_floor"]
        );
    }

    #[test]
    fn solution_weights_must_add_up_to_one() {
        let w = Weights {
            solution_maturity: 0.2,
            ..Weights::default()
        };
        let problems = w.validate().unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].0, "solution_text");
        assert!(problems[0].1.contains("add up to 1"), "{problems:?}");
    }

    #[test]
    fn signal_weights_must_add_up_to_one() {
        let w = Weights {
            text: 0.5,
            ..Weights::default()
        };
        let problems = w.validate().unwrap_err();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].1.contains("add up to 1"), "{problems:?}");
    }
}
