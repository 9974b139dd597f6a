//! The held-out check (`--split`): the group threshold and minimum pair score are chosen
//! on one fold and reported
//! on the other, so the figures do not rest only on settings tuned on the same labels.

use samverkan_matchmaking::Weights;

use crate::data::Set;
use crate::metrics::Scope;
use crate::{Figures, Meaning, answers, figures};

/// Group thresholds tried on the tuning fold.
const THRESHOLDS: [f32; 11] = [
    0.40, 0.42, 0.44, 0.46, 0.48, 0.50, 0.52, 0.54, 0.56, 0.58, 0.60,
];
/// Minimum pair scores tried on the tuning fold.
const FLOORS: [f32; 3] = [0.15, 0.20, 0.25];

/// The balance the aim asks for: both precision and recall high.
fn objective(f: &Figures) -> f64 {
    f.precision.min(f.recall)
}

/// Tunes on fold `tune`, reports both folds at the chosen setting.
fn run(set: &Set, base: Weights, meaning: Option<&Meaning>, tune: u8) {
    let mut best: Option<(f64, Weights)> = None;
    for group_min_score in FLOORS {
        for group_threshold in THRESHOLDS {
            let w = Weights {
                group_threshold,
                group_min_score,
                ..base
            };
            let (_, a) = answers(set, w, meaning);
            let score = objective(&figures(set, Scope::Fold(tune), &a));
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, w));
            }
        }
    }
    let (_, w) = best.expect("grid is not empty");
    let (_, a) = answers(set, w, meaning);
    for (name, fold) in [("tuned on", tune), ("held out", 1 - tune)] {
        let f = figures(set, Scope::Fold(fold), &a);
        println!(
            "| fold {fold} ({name}) | {} / {} | {:.3} | {:.3} | {:.3} | {:.3} |",
            w.group_threshold, w.group_min_score, f.p5, f.precision, f.recall, f.hit3
        );
    }
}

/// Prints the two-fold table of the engine `name`d (with `meaning`, if given).
pub fn print(set: &Set, base: Weights, meaning: Option<&Meaning>, name: &str) {
    println!(
        "\n## Held-out split, engine {name}: group threshold tuned on one fold, reported on both\n"
    );
    println!(
        "| fold | threshold / min score | precision@5 | group precision | group recall | hit@3 |\n|---|---|---|---|---|---|"
    );
    for f in [0, 1] {
        let d = Weights::default();
        let at_default = figures(set, Scope::Fold(f), &answers(set, d, meaning).1);
        println!(
            "| fold {f} (defaults) | {} / {} | {:.3} | {:.3} | {:.3} | {:.3} |",
            d.group_threshold,
            d.group_min_score,
            at_default.p5,
            at_default.precision,
            at_default.recall,
            at_default.hit3
        );
    }
    run(set, base, meaning, 0);
    run(set, base, meaning, 1);
}
