//! The threshold check: which procurement rules an estimated value falls under, from
//! dated threshold values (they are revised every two years, so they are configuration).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::ValidationErrors;
use crate::money::Sek;
use crate::vocab::ProcurementCategory;
pub use crate::vocab::ThresholdRule;

/// Threshold values in force for contracting authorities (municipalities and regions)
/// during one period, as published by Upphandlingsmyndigheten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThresholdPeriod {
    /// First day the values apply.
    pub valid_from: NaiveDate,
    /// Last day the values apply.
    pub valid_to: NaiveDate,
    /// EU threshold for goods and services.
    pub goods_and_services: Sek,
    /// EU threshold for works.
    pub works: Sek,
    /// EU threshold for social and other specific services.
    pub social_services: Sek,
    /// Direct-award limit (direktupphandlingsgräns).
    pub direct_award: Sek,
}

impl ThresholdPeriod {
    /// The EU threshold for a category.
    pub fn eu_threshold(&self, category: ProcurementCategory) -> Sek {
        match category {
            ProcurementCategory::Goods | ProcurementCategory::Services => self.goods_and_services,
            ProcurementCategory::Works => self.works,
            ProcurementCategory::SocialServices => self.social_services,
        }
    }

    fn covers(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && day <= self.valid_to
    }
}

/// Every configured period, checked to be ordered and non-overlapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThresholdSchedule(Vec<ThresholdPeriod>);

impl ThresholdSchedule {
    /// Checks the periods: at least one, each ending after it starts, none overlapping,
    /// and the direct-award limit below every EU threshold.
    pub fn new(mut periods: Vec<ThresholdPeriod>) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if periods.is_empty() {
            errors.add("thresholds", "configure at least one threshold period");
        }
        periods.sort_by_key(|p| p.valid_from);
        for (i, p) in periods.iter().enumerate() {
            if p.valid_to < p.valid_from {
                errors.add(format!("thresholds[{i}].valid_to"), "is before valid_from");
            }
            let lowest = p.goods_and_services.min(p.works).min(p.social_services);
            if p.direct_award >= lowest {
                errors.add(
                    format!("thresholds[{i}].direct_award"),
                    "must be below every EU threshold",
                );
            }
            if i > 0 && periods[i - 1].valid_to >= p.valid_from {
                errors.add(
                    format!("thresholds[{i}].valid_from"),
                    "overlaps the previous period",
                );
            }
        }
        errors.finish(|| Self(periods))
    }

    /// The period in force on `day`; when none is, the latest period that started
    /// before it (flagged as stale by [`ThresholdSchedule::classify`]).
    fn period_for(&self, day: NaiveDate) -> (&ThresholdPeriod, bool) {
        if let Some(p) = self.0.iter().find(|p| p.covers(day)) {
            return (p, false);
        }
        let p = self
            .0
            .iter()
            .rev()
            .find(|p| p.valid_from <= day)
            .unwrap_or(&self.0[0]);
        (p, true)
    }

    /// Classifies an estimated value on `day`. LOU applies the EU rules when the value
    /// "uppgår till" (reaches) the threshold, and allows direct award only below the limit.
    pub fn classify(
        &self,
        value: Sek,
        category: ProcurementCategory,
        day: NaiveDate,
    ) -> ThresholdCheck {
        let (period, stale) = self.period_for(day);
        let eu = period.eu_threshold(category);
        let limit = period.direct_award;
        let rule = if value >= eu {
            ThresholdRule::AboveEuThreshold
        } else if value < limit {
            ThresholdRule::DirectAwardAllowed
        } else {
            ThresholdRule::BelowEuThreshold
        };
        let mut explanation = rule.explain(value, eu, limit, category);
        if stale {
            explanation.push_str(&format!(
                " No threshold values are configured for {day}; the values of {} to {} were used. Update the configuration.",
                period.valid_from, period.valid_to
            ));
        }
        ThresholdCheck {
            rule,
            estimated_value: value,
            eu_threshold: eu,
            direct_award_limit: limit,
            assessed_on: day,
            period_from: period.valid_from,
            period_to: period.valid_to,
            stale,
            explanation,
        }
    }
}

impl ThresholdRule {
    fn explain(self, value: Sek, eu: Sek, limit: Sek, category: ProcurementCategory) -> String {
        match self {
            ThresholdRule::AboveEuThreshold => format!(
                "The estimated value SEK {value} reaches the EU threshold of SEK {eu} for {category}: an EU-wide procedure under LOU applies."
            ),
            ThresholdRule::BelowEuThreshold => format!(
                "The estimated value SEK {value} is below the EU threshold of SEK {eu} for {category} but not below the direct-award limit of SEK {limit}: LOU chapter 19 applies."
            ),
            ThresholdRule::DirectAwardAllowed => format!(
                "The estimated value SEK {value} is below the direct-award limit of SEK {limit}: direct award is allowed."
            ),
        }
    }
}

/// The outcome of a threshold check, with the values and the rule it applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThresholdCheck {
    /// The rule that applies.
    pub rule: ThresholdRule,
    /// The value that was assessed.
    pub estimated_value: Sek,
    /// The EU threshold for the procurement's category.
    pub eu_threshold: Sek,
    /// The direct-award limit.
    pub direct_award_limit: Sek,
    /// The day the check was made for.
    pub assessed_on: NaiveDate,
    /// Start of the threshold period used.
    pub period_from: NaiveDate,
    /// End of the threshold period used.
    pub period_to: NaiveDate,
    /// True when no configured period covers the day and the latest earlier one was used.
    pub stale: bool,
    /// The check in one sentence, for people.
    pub explanation: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sek(raw: &str) -> Sek {
        Sek::parse(raw).unwrap()
    }

    fn day(raw: &str) -> NaiveDate {
        raw.parse().unwrap()
    }

    /// The 2024-2025 values for municipalities and regions.
    fn schedule() -> ThresholdSchedule {
        ThresholdSchedule::new(vec![ThresholdPeriod {
            valid_from: day("2024-01-01"),
            valid_to: day("2025-12-31"),
            goods_and_services: sek("2389585"),
            works: sek("59880179"),
            social_services: sek("8109450"),
            direct_award: sek("700000"),
        }])
        .unwrap()
    }

    fn rule(value: &str, category: ProcurementCategory) -> ThresholdRule {
        schedule()
            .classify(sek(value), category, day("2025-06-01"))
            .rule
    }

    #[test]
    fn just_below_at_and_above_each_threshold() {
        use ProcurementCategory::*;
        use ThresholdRule::*;
        let cases = [
            (Services, "2389584.99", BelowEuThreshold),
            (Services, "2389585", AboveEuThreshold),
            (Goods, "2389585.01", AboveEuThreshold),
            (Works, "59880178.99", BelowEuThreshold),
            (Works, "59880179", AboveEuThreshold),
            (Works, "59880179.01", AboveEuThreshold),
            (SocialServices, "8109449.99", BelowEuThreshold),
            (SocialServices, "8109450", AboveEuThreshold),
            (SocialServices, "8109450.01", AboveEuThreshold),
            (Goods, "699999.99", DirectAwardAllowed),
            (Goods, "700000", BelowEuThreshold),
            (Goods, "700000.01", BelowEuThreshold),
        ];
        for (category, value, expected) in cases {
            assert_eq!(rule(value, category), expected, "{category} {value}");
        }
    }

    #[test]
    fn a_day_outside_every_period_uses_the_latest_and_says_so() {
        let check = schedule().classify(sek("100"), ProcurementCategory::Goods, day("2026-11-23"));
        assert!(check.stale);
        assert!(check.explanation.contains("Update the configuration"));
        let current =
            schedule().classify(sek("100"), ProcurementCategory::Goods, day("2024-01-01"));
        assert!(!current.stale);
    }

    #[test]
    fn overlapping_or_inverted_periods_are_refused() {
        let p = schedule().0[0].clone();
        let overlap = ThresholdPeriod {
            valid_from: day("2025-12-31"),
            valid_to: day("2027-12-31"),
            ..p.clone()
        };
        let err = ThresholdSchedule::new(vec![p.clone(), overlap]).unwrap_err();
        assert_eq!(err.0[0].field, "thresholds[1].valid_from");
        let inverted = ThresholdPeriod {
            direct_award: sek("99999999"),
            ..p
        };
        assert!(ThresholdSchedule::new(vec![inverted]).is_err());
        assert!(ThresholdSchedule::new(vec![]).is_err());
    }
}
