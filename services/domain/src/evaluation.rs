//! Nacka's evaluation model (seed 003, "Kriterier i utvärderingsmodell"): benefit (nytta)
//! and feasibility (genomförbarhet) criteria scored 1-4, from which a priority is derived
//! so coordinators can rank initiatives the same way across municipalities.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::ValidationErrors;

/// Scores 1 (low) to 4 (high) per criterion; any may be left unscored while preparing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Evaluation {
    /// Benefit: cost or time saving (kostnadsbesparing / tidsbesparing).
    #[serde(default)]
    pub cost_time_saving: Option<u8>,
    /// Benefit: better quality or user experience (förbättrad kvalitet / användarupplevelse).
    #[serde(default)]
    pub quality_user_experience: Option<u8>,
    /// Benefit: legally required or urgent (tvingande / lagkrav); 4 = urgent.
    #[serde(default)]
    pub legal_obligation: Option<u8>,
    /// Benefit: follows governing documents such as the digital strategy (följer styrdokument).
    #[serde(default)]
    pub governing_alignment: Option<u8>,
    /// Feasibility: available competence and resources (tillgänglig kompetens).
    #[serde(default)]
    pub available_competence: Option<u8>,
    /// Feasibility: management support (stöd från ledningen).
    #[serde(default)]
    pub management_support: Option<u8>,
    /// Feasibility: complexity, where 4 = low complexity (projektets komplexitet).
    #[serde(default)]
    pub low_complexity: Option<u8>,
    /// Feasibility: funding secured (finansiering).
    #[serde(default)]
    pub funding: Option<u8>,
    /// Feasibility: object management established (objektsförvaltning).
    #[serde(default)]
    pub object_management: Option<u8>,
    /// Feasibility: technical support and architecture (tekniskt stöd och arkitektur).
    #[serde(default)]
    pub technical_support: Option<u8>,
    /// Feasibility: compliance with law, data protection and information security
    /// (regelefterlevnad).
    #[serde(default)]
    pub compliance: Option<u8>,
}

/// Where an initiative falls in the benefit/feasibility grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Enum))]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum PriorityClass {
    /// High benefit, high feasibility: do it now.
    DoNow,
    /// High benefit, low feasibility: prepare (competence, funding) first.
    Prepare,
    /// Low benefit, high feasibility: do when convenient.
    WhenConvenient,
    /// Low benefit, low feasibility.
    Reconsider,
}

/// The derived priority: the two means and their product (1-16), and the grid class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Priority {
    /// Mean of the benefit scores, two decimals.
    pub benefit: Decimal,
    /// Mean of the feasibility scores, two decimals.
    pub feasibility: Decimal,
    /// benefit × feasibility, two decimals: the ranking key.
    pub score: Decimal,
    /// The grid class.
    pub class: PriorityClass,
}

/// A mean of 2.5 or more counts as "high" on the 1-4 scale.
const HIGH: Decimal = Decimal::from_parts(25, 0, 0, false, 1);

impl Evaluation {
    /// Checks each given score is within 1-4.
    pub fn validate(&self) -> Result<Evaluation, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        for (name, score) in self.named_scores() {
            if let Some(s) = score
                && !(1..=4).contains(&s)
            {
                errors.add(name, format!("must be a score from 1 to 4 (got {s})"));
            }
        }
        errors.finish(|| *self)
    }

    fn benefit(&self) -> [Option<u8>; 4] {
        [
            self.cost_time_saving,
            self.quality_user_experience,
            self.legal_obligation,
            self.governing_alignment,
        ]
    }

    fn feasibility(&self) -> [Option<u8>; 7] {
        [
            self.available_competence,
            self.management_support,
            self.low_complexity,
            self.funding,
            self.object_management,
            self.technical_support,
            self.compliance,
        ]
    }

    fn named_scores(&self) -> [(&'static str, Option<u8>); 11] {
        let [a, b, c, d] = self.benefit();
        let [e, f, g, h, i, j, k] = self.feasibility();
        [
            ("cost_time_saving", a),
            ("quality_user_experience", b),
            ("legal_obligation", c),
            ("governing_alignment", d),
            ("available_competence", e),
            ("management_support", f),
            ("low_complexity", g),
            ("funding", h),
            ("object_management", i),
            ("technical_support", j),
            ("compliance", k),
        ]
    }

    /// The priority, once every criterion is scored: a partial evaluation ranks nothing,
    /// since a missing low score would flatter the initiative.
    pub fn priority(&self) -> Option<Priority> {
        let benefit = mean(&self.benefit())?;
        let feasibility = mean(&self.feasibility())?;
        let class = match (benefit >= HIGH, feasibility >= HIGH) {
            (true, true) => PriorityClass::DoNow,
            (true, false) => PriorityClass::Prepare,
            (false, true) => PriorityClass::WhenConvenient,
            (false, false) => PriorityClass::Reconsider,
        };
        // The score comes from the exact means; only what is shown is rounded.
        Some(Priority {
            benefit: round(benefit),
            feasibility: round(feasibility),
            score: round(benefit * feasibility),
            class,
        })
    }
}

/// The exact mean, or `None` if any score is missing.
fn mean(scores: &[Option<u8>]) -> Option<Decimal> {
    let total: u32 = scores
        .iter()
        .map(|s| s.map(u32::from))
        .sum::<Option<u32>>()?;
    Some(Decimal::from(total) / Decimal::from(scores.len()))
}

/// Two decimals, halves away from zero, as people round by hand.
fn round(value: Decimal) -> Decimal {
    let mut rounded =
        value.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(2);
    rounded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(b: u8, f: u8) -> Evaluation {
        Evaluation {
            cost_time_saving: Some(b),
            quality_user_experience: Some(b),
            legal_obligation: Some(b),
            governing_alignment: Some(b),
            available_competence: Some(f),
            management_support: Some(f),
            low_complexity: Some(f),
            funding: Some(f),
            object_management: Some(f),
            technical_support: Some(f),
            compliance: Some(f),
        }
    }

    #[test]
    fn derives_means_score_and_class() {
        let p = all(4, 3).priority().unwrap();
        assert_eq!(p.benefit, Decimal::new(400, 2));
        assert_eq!(p.feasibility, Decimal::new(300, 2));
        assert_eq!(p.score, Decimal::new(1200, 2));
        assert_eq!(p.class, PriorityClass::DoNow);
        assert_eq!(all(4, 2).priority().unwrap().class, PriorityClass::Prepare);
        assert_eq!(
            all(1, 4).priority().unwrap().class,
            PriorityClass::WhenConvenient
        );
        assert_eq!(
            all(2, 2).priority().unwrap().class,
            PriorityClass::Reconsider
        );
    }

    #[test]
    fn score_comes_from_exact_means() {
        let mut e = all(4, 3);
        e.quality_user_experience = Some(3);
        e.legal_obligation = Some(2);
        e.management_support = Some(4);
        e.low_complexity = Some(2);
        e.compliance = Some(4);
        let p = e.priority().unwrap();
        // benefit 13/4 = 3.25, feasibility 22/7 = 3.142857...; 3.25 × 22/7 = 10.214...
        assert_eq!(p.feasibility, Decimal::new(314, 2));
        assert_eq!(p.score, Decimal::new(1021, 2));
    }

    #[test]
    fn partial_evaluation_has_no_priority() {
        let mut e = all(4, 4);
        e.funding = None;
        assert!(e.priority().is_none());
    }

    #[test]
    fn out_of_range_scores_name_the_criterion() {
        let mut e = all(4, 4);
        e.compliance = Some(5);
        e.cost_time_saving = Some(0);
        let fields: Vec<_> = e
            .validate()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, vec!["cost_time_saving", "compliance"]);
    }
}
