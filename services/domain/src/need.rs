//! Needs (behov): problems a municipality wants solved, ideally together with others.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::contact::Contact;
use crate::error::ValidationErrors;
use crate::evaluation::Evaluation;
use crate::money::BudgetRange;
use crate::text;
use crate::vocab::{ActivityArea, CollaborationLevel, NeedStatus, Topic, Visibility};

/// A need as submitted by a strategist, before validation. Used for create and replace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(rename = "NeedInput"))]
pub struct NeedInput {
    /// Short title, 3-200 characters.
    pub title: String,
    /// The problem in the owner's own words (Swedish free text), up to 20,000 characters.
    pub description: String,
    /// The activity area (verksamhetsområde).
    pub activity_area: ActivityArea,
    /// One to five topics from the controlled vocabulary.
    pub topics: Vec<Topic>,
    /// Free tags beside the vocabulary, lower-cased, at most 20.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The earliest date a solution is wanted.
    #[serde(default)]
    pub needed_from: Option<NaiveDate>,
    /// The date by which a solution is needed.
    #[serde(default)]
    pub needed_by: Option<NaiveDate>,
    /// Lower end of the budget in SEK, as a decimal string such as "250000.00".
    #[serde(default)]
    pub budget_min_sek: Option<String>,
    /// Upper end of the budget in SEK, as a decimal string.
    #[serde(default)]
    pub budget_max_sek: Option<String>,
    /// The highest collaboration level the owner is willing to take.
    pub collaboration_level: CollaborationLevel,
    /// Life-cycle status; defaults to `open`.
    #[serde(default)]
    pub status: Option<NeedStatus>,
    /// `public` (default) or `internal` to the owner and the coordinator.
    #[serde(default)]
    pub visibility: Option<Visibility>,
    /// Optional user-story hypothesis: "Som en ... vill jag ... för att ...".
    #[serde(default)]
    pub hypothesis: Option<String>,
    /// Contact person (personal data: hidden from anonymous readers).
    #[serde(default)]
    pub contact: Option<Contact>,
    /// Scores from Nacka's evaluation model.
    #[serde(default)]
    pub evaluation: Option<Evaluation>,
    /// Ids of goals in the owner's digital strategy that this need serves.
    #[serde(default)]
    pub strategy_goal_ids: Vec<Uuid>,
}

/// A validated need, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NeedFields {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Activity area.
    pub activity_area: ActivityArea,
    /// Topics, de-duplicated, in submitted order.
    pub topics: Vec<Topic>,
    /// Normalised tags.
    pub tags: Vec<String>,
    /// Earliest wanted date.
    pub needed_from: Option<NaiveDate>,
    /// Latest wanted date.
    pub needed_by: Option<NaiveDate>,
    /// Budget window.
    pub budget: BudgetRange,
    /// Collaboration level the owner accepts.
    pub collaboration_level: CollaborationLevel,
    /// Status.
    pub status: NeedStatus,
    /// Visibility.
    pub visibility: Visibility,
    /// User-story hypothesis.
    pub hypothesis: Option<String>,
    /// Contact person.
    pub contact: Option<Contact>,
    /// Evaluation scores.
    pub evaluation: Evaluation,
    /// Referenced strategy goals (existence is checked against the store).
    pub strategy_goal_ids: Vec<Uuid>,
}

impl NeedInput {
    /// Validates every field, reporting all problems at once with their field names.
    pub fn validate(&self) -> Result<NeedFields, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let title = errors.take("title", text::bounded(&self.title, 3, 200));
        let description = errors.take("description", text::bounded(&self.description, 1, 20_000));
        let topics = errors.take("topics", topics(&self.topics));
        let tags = errors.take("tags", text::tags(&self.tags));
        if let (Some(from), Some(by)) = (self.needed_from, self.needed_by)
            && from > by
        {
            errors.add("needed_by", "must not be before needed_from");
        }
        let budget = errors.take(
            "",
            BudgetRange::parse(
                self.budget_min_sek.as_deref(),
                self.budget_max_sek.as_deref(),
            )
            .map_err(rename_budget_fields),
        );
        let hypothesis = errors
            .take(
                "hypothesis",
                text::optional(self.hypothesis.as_deref(), 2_000),
            )
            .flatten();
        let contact = match &self.contact {
            Some(c) => errors.take("contact", c.validate()),
            None => None,
        };
        let evaluation = errors.take("evaluation", self.evaluation.unwrap_or_default().validate());
        if self.strategy_goal_ids.len() > 50 {
            errors.add("strategy_goal_ids", "at most 50 goals");
        }
        errors.finish(|| NeedFields {
            title: title.unwrap_or_default(),
            description: description.unwrap_or_default(),
            activity_area: self.activity_area,
            topics: topics.unwrap_or_default(),
            tags: tags.unwrap_or_default(),
            needed_from: self.needed_from,
            needed_by: self.needed_by,
            budget: budget.unwrap_or_default(),
            collaboration_level: self.collaboration_level,
            status: self.status.unwrap_or(NeedStatus::Open),
            visibility: self.visibility.unwrap_or(Visibility::Public),
            hypothesis,
            contact,
            evaluation: evaluation.unwrap_or_default(),
            strategy_goal_ids: dedup(&self.strategy_goal_ids),
        })
    }
}

fn rename_budget_fields(errors: ValidationErrors) -> ValidationErrors {
    let mut out = ValidationErrors::new();
    for e in errors.0 {
        let field = match e.field.as_str() {
            "min" => "budget_min_sek",
            _ => "budget_max_sek",
        };
        out.add(field, e.message);
    }
    out
}

/// One to five distinct topics, kept in the order given.
pub fn topics(raw: &[Topic]) -> Result<Vec<Topic>, ValidationErrors> {
    let out = dedup(raw);
    match out.len() {
        0 => Err(ValidationErrors::single(
            "",
            "at least one topic is required",
        )),
        1..=5 => Ok(out),
        _ => Err(ValidationErrors::single("", "at most five topics")),
    }
}

fn dedup<T: PartialEq + Copy>(raw: &[T]) -> Vec<T> {
    let mut out = Vec::with_capacity(raw.len());
    for item in raw {
        if !out.contains(item) {
            out.push(*item);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> NeedInput {
        NeedInput {
            title: "Digital nyckelhantering i hemtjänsten".into(),
            description: "Vi behöver ersätta fysiska nycklar med digitala lås.".into(),
            activity_area: ActivityArea::Omsorg,
            topics: vec![Topic::Valfardsteknik, Topic::Valfardsteknik, Topic::Iot],
            tags: vec!["Lås".into()],
            needed_from: NaiveDate::from_ymd_opt(2027, 1, 1),
            needed_by: NaiveDate::from_ymd_opt(2027, 6, 30),
            budget_min_sek: Some("100000".into()),
            budget_max_sek: Some("450000.50".into()),
            collaboration_level: CollaborationLevel::Samordning,
            status: None,
            visibility: None,
            hypothesis: None,
            contact: None,
            evaluation: None,
            strategy_goal_ids: vec![],
        }
    }

    #[test]
    fn valid_input_gets_defaults_and_normalisation() {
        let need = sample().validate().unwrap();
        assert_eq!(need.topics, vec![Topic::Valfardsteknik, Topic::Iot]);
        assert_eq!(need.tags, vec!["lås"]);
        assert_eq!(need.status, NeedStatus::Open);
        assert_eq!(need.visibility, Visibility::Public);
        assert_eq!(need.budget.max.unwrap().to_ore(), 45_000_050);
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut input = sample();
        input.title = "x".into();
        input.topics = vec![];
        input.needed_from = NaiveDate::from_ymd_opt(2028, 1, 1);
        input.budget_min_sek = Some("abc".into());
        input.budget_max_sek = Some("-5".into());
        let fields: Vec<_> = input
            .validate()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            vec![
                "title",
                "topics",
                "needed_by",
                "budget_min_sek",
                "budget_max_sek"
            ]
        );
    }
}
