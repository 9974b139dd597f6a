//! Digital strategies: a municipality's adopted direction, whose goals needs can serve.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ValidationErrors;
use crate::text;
use crate::vocab::StrategyStatus;

/// One goal of a strategy, as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct GoalInput {
    /// Send a goal's id back when replacing the strategy to keep it (and the needs that
    /// reference it); a goal without an id is new.
    #[serde(default)]
    pub id: Option<Uuid>,
    /// The goal, 3-300 characters.
    pub title: String,
    /// Optional elaboration.
    #[serde(default)]
    pub description: Option<String>,
}

/// A digital strategy as submitted by a strategist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct StrategyInput {
    /// Title of the strategy document.
    pub title: String,
    /// Its status.
    pub status: StrategyStatus,
    /// When it was adopted (for adopted strategies).
    #[serde(default)]
    pub adopted_on: Option<NaiveDate>,
    /// Link to the document.
    #[serde(default)]
    pub document_url: Option<String>,
    /// Short summary.
    #[serde(default)]
    pub summary: Option<String>,
    /// The strategy's goals, at most 50. On replace, goals left out are removed and
    /// needs stop referencing them.
    #[serde(default)]
    pub goals: Vec<GoalInput>,
}

/// A validated strategy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrategyFields {
    /// Title.
    pub title: String,
    /// Status.
    pub status: StrategyStatus,
    /// Adoption date.
    pub adopted_on: Option<NaiveDate>,
    /// Document link.
    pub document_url: Option<String>,
    /// Summary.
    pub summary: Option<String>,
    /// Goals, validated.
    pub goals: Vec<GoalInput>,
}

impl StrategyInput {
    /// Validates every field; an adopted strategy needs its adoption date.
    pub fn validate(&self) -> Result<StrategyFields, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let title = errors.take("title", text::bounded(&self.title, 3, 300));
        let adopted = matches!(
            self.status,
            StrategyStatus::AdoptedMunicipalityWide | StrategyStatus::PerDepartment
        );
        if adopted && self.adopted_on.is_none() {
            errors.add("adopted_on", "is required for an adopted strategy");
        }
        let document_url = match &self.document_url {
            Some(url) if !url.trim().is_empty() => errors.take("document_url", text::web_url(url)),
            _ => None,
        };
        let summary = errors
            .take("summary", text::optional(self.summary.as_deref(), 5_000))
            .flatten();
        if self.goals.len() > 50 {
            errors.add("goals", "at most 50 goals");
        }
        let mut goals = Vec::with_capacity(self.goals.len());
        for (i, goal) in self.goals.iter().enumerate() {
            let title = errors.take(
                &format!("goals[{i}].title"),
                text::bounded(&goal.title, 3, 300),
            );
            let description = errors
                .take(
                    &format!("goals[{i}].description"),
                    text::optional(goal.description.as_deref(), 2_000),
                )
                .flatten();
            if let Some(title) = title {
                goals.push(GoalInput {
                    id: goal.id,
                    title,
                    description,
                });
            }
        }
        errors.finish(|| StrategyFields {
            title: title.unwrap_or_default(),
            status: self.status,
            adopted_on: self.adopted_on,
            document_url,
            summary,
            goals,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adopted_strategy_needs_a_date_and_goal_errors_are_indexed() {
        let input = StrategyInput {
            title: "Digitaliseringsstrategi 2025-2030".into(),
            status: StrategyStatus::AdoptedMunicipalityWide,
            adopted_on: None,
            document_url: Some("not a url".into()),
            summary: None,
            goals: vec![
                GoalInput {
                    id: None,
                    title: "Fler e-tjänster".into(),
                    description: None,
                },
                GoalInput {
                    id: None,
                    title: "x".into(),
                    description: None,
                },
            ],
        };
        let fields: Vec<_> = input
            .validate()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, vec!["adopted_on", "document_url", "goals[1].title"]);
    }
}
