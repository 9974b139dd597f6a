//! The non-text signals between two needs, each in [0, 1].

use chrono::{Datelike, NaiveDate};

use crate::model::{NeedInfo, OrgInfo};

/// How long a need without a start date is assumed to be open before its deadline.
const DEFAULT_WINDOW_MONTHS: i32 = 12;
/// Over this many months apart, timing no longer counts.
const TIMING_HORIZON_MONTHS: f32 = 24.0;

/// Jaccard overlap of two topic lists.
pub fn topics(a: &[String], b: &[String]) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = a.iter().filter(|t| b.contains(t)).count() as f32;
    let union = (a.len() + b.len()) as f32 - shared;
    shared / union
}

/// The topics two needs share.
pub fn shared_topics(a: &[String], b: &[String]) -> Vec<String> {
    a.iter().filter(|t| b.contains(t)).cloned().collect()
}

fn months(d: NaiveDate) -> i32 {
    d.year() * 12 + d.month() as i32
}

/// A need's window in months since year 0: (from, by). `None` when it has no dates.
pub fn window(n: &NeedInfo) -> Option<(i32, i32)> {
    match (n.needed_from, n.needed_by) {
        (Some(f), Some(b)) => Some((months(f), months(b))),
        (None, Some(b)) => Some((months(b) - DEFAULT_WINDOW_MONTHS, months(b))),
        (Some(f), None) => Some((months(f), months(f) + DEFAULT_WINDOW_MONTHS)),
        (None, None) => None,
    }
}

/// 1 when the windows overlap, falling linearly to 0 at two years apart; 0.5 when a need
/// has no dates (unknown, neither for nor against). Also returns the overlap in months.
pub fn timing(a: &NeedInfo, b: &NeedInfo) -> (f32, i32) {
    timing_of(window(a), window(b))
}

/// [`timing`] on windows already worked out.
pub fn timing_of(a: Option<(i32, i32)>, b: Option<(i32, i32)>) -> (f32, i32) {
    let (Some((af, ab)), Some((bf, bb))) = (a, b) else {
        return (0.5, 0);
    };
    let overlap = ab.min(bb) - af.max(bf);
    if overlap >= 0 {
        (1.0, overlap)
    } else {
        (
            (1.0 - (-overlap) as f32 / TIMING_HORIZON_MONTHS).max(0.0),
            overlap,
        )
    }
}

/// Both accept at least the lower of their levels; a shared higher level (with money on
/// the table) makes a stronger collaboration.
pub fn level(a: u8, b: u8) -> f32 {
    (f32::from(a.min(b)) + 1.0) / 3.0
}

/// 1 when both organisations belong to the same sub-regional network.
pub fn subregion(a: Option<&OrgInfo>, b: Option<&OrgInfo>) -> f32 {
    match (
        a.and_then(|o| o.subregion.as_ref()),
        b.and_then(|o| o.subregion.as_ref()),
    ) {
        (Some(x), Some(y)) if x == y => 1.0,
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_overlap_is_jaccard() {
        let a = vec!["iot".to_string(), "valfardsteknik".to_string()];
        let b = vec!["iot".to_string()];
        assert_eq!(topics(&a, &b), 0.5);
        assert_eq!(topics(&a, &[]), 0.0);
    }

    #[test]
    fn levels_favour_a_shared_higher_level() {
        assert!(level(2, 2) > level(2, 0));
        assert_eq!(level(0, 2), level(0, 0));
    }
}
