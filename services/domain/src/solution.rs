//! Reusable solutions (återanvändbara lösningar) and their adoptions by organisations.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::contact::Contact;
use crate::error::ValidationErrors;
use crate::licence;
use crate::money::Sek;
use crate::need::topics;
use crate::text;
use crate::vocab::{AdoptionState, Maturity, SolutionKind, Topic};

/// A reusable solution as submitted by its owner organisation's strategist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct SolutionInput {
    /// Name, 2-200 characters.
    pub name: String,
    /// What it does and for whom (Swedish free text), up to 20,000 characters.
    pub description: String,
    /// What kind of thing it is.
    pub kind: SolutionKind,
    /// How proven it is.
    pub maturity: Maturity,
    /// Licence as an SPDX expression, e.g. `EUPL-1.2`; required for software.
    #[serde(default)]
    pub licence: Option<String>,
    /// Link to the source code.
    #[serde(default)]
    pub source_url: Option<String>,
    /// Link to documentation.
    #[serde(default)]
    pub documentation_url: Option<String>,
    /// Estimated one-off cost for another organisation to adopt it, in SEK.
    #[serde(default)]
    pub adoption_cost_sek: Option<String>,
    /// What the adoption cost covers and what recurs.
    #[serde(default)]
    pub adoption_cost_note: Option<String>,
    /// One to five topics.
    pub topics: Vec<Topic>,
    /// Free tags, at most 20.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Contact person (hidden from anonymous readers).
    #[serde(default)]
    pub contact: Option<Contact>,
}

/// A validated solution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SolutionFields {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Kind.
    pub kind: SolutionKind,
    /// Maturity.
    pub maturity: Maturity,
    /// SPDX licence expression.
    pub licence: Option<String>,
    /// Source link.
    pub source_url: Option<String>,
    /// Documentation link.
    pub documentation_url: Option<String>,
    /// Cost to adopt.
    pub adoption_cost: Option<Sek>,
    /// Note on the cost.
    pub adoption_cost_note: Option<String>,
    /// Topics.
    pub topics: Vec<Topic>,
    /// Tags.
    pub tags: Vec<String>,
    /// Contact.
    pub contact: Option<Contact>,
}

impl SolutionInput {
    /// Validates every field, reporting all problems with their field names.
    pub fn validate(&self) -> Result<SolutionFields, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = errors.take("name", text::bounded(&self.name, 2, 200));
        let description = errors.take("description", text::bounded(&self.description, 1, 20_000));
        let licence = match self.licence.as_deref().map(str::trim) {
            Some(l) if !l.is_empty() => errors.take("licence", licence::spdx_expression(l)),
            _ => None,
        };
        if licence.is_none()
            && self.kind == SolutionKind::Software
            && !errors.0.iter().any(|e| e.field == "licence")
        {
            errors.add(
                "licence",
                "is required for software (an SPDX expression such as EUPL-1.2)",
            );
        }
        let source_url = optional_url(&mut errors, "source_url", self.source_url.as_deref());
        let documentation_url = optional_url(
            &mut errors,
            "documentation_url",
            self.documentation_url.as_deref(),
        );
        let adoption_cost = match self.adoption_cost_sek.as_deref() {
            Some(raw) => errors.take("adoption_cost_sek", Sek::parse(raw)),
            None => None,
        };
        let adoption_cost_note = errors
            .take(
                "adoption_cost_note",
                text::optional(self.adoption_cost_note.as_deref(), 2_000),
            )
            .flatten();
        let topics = errors.take("topics", topics(&self.topics));
        let tags = errors.take("tags", text::tags(&self.tags));
        let contact = match &self.contact {
            Some(c) => errors.take("contact", c.validate()),
            None => None,
        };
        errors.finish(|| SolutionFields {
            name: name.unwrap_or_default(),
            description: description.unwrap_or_default(),
            kind: self.kind,
            maturity: self.maturity,
            licence,
            source_url,
            documentation_url,
            adoption_cost,
            adoption_cost_note,
            topics: topics.unwrap_or_default(),
            tags: tags.unwrap_or_default(),
            contact,
        })
    }
}

fn optional_url(errors: &mut ValidationErrors, field: &str, raw: Option<&str>) -> Option<String> {
    match raw.map(str::trim) {
        Some(url) if !url.is_empty() => errors.take(field, text::web_url(url)),
        _ => None,
    }
}

/// An organisation's declaration that it uses (or evaluates) a solution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct AdoptionInput {
    /// How far the adoption has come.
    pub state: AdoptionState,
    /// Since when (not in the future).
    #[serde(default)]
    pub since: Option<NaiveDate>,
    /// Optional note, e.g. what was changed for local use.
    #[serde(default)]
    pub note: Option<String>,
}

/// A validated adoption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdoptionFields {
    /// State.
    pub state: AdoptionState,
    /// Since.
    pub since: Option<NaiveDate>,
    /// Note.
    pub note: Option<String>,
}

impl AdoptionInput {
    /// Validates the adoption against `today` (a date in the future is a typo).
    pub fn validate(&self, today: NaiveDate) -> Result<AdoptionFields, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if self.since.is_some_and(|since| since > today) {
            errors.add("since", "must not be in the future");
        }
        let note = errors
            .take("note", text::optional(self.note.as_deref(), 2_000))
            .flatten();
        errors.finish(|| AdoptionFields {
            state: self.state,
            since: self.since,
            note,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SolutionInput {
        SolutionInput {
            name: "Öppen e-arkivplattform".into(),
            description: "Gemensam plattform för e-arkiv enligt FGS.".into(),
            kind: SolutionKind::Software,
            maturity: Maturity::Production,
            licence: Some("EUPL-1.2".into()),
            source_url: Some("https://example.se/e-arkiv".into()),
            documentation_url: None,
            adoption_cost_sek: Some("75000".into()),
            adoption_cost_note: None,
            topics: vec![Topic::EArkiv],
            tags: vec![],
            contact: None,
        }
    }

    #[test]
    fn valid_solution_parses() {
        let s = sample().validate().unwrap();
        assert_eq!(s.adoption_cost.unwrap().to_ore(), 7_500_000);
    }

    #[test]
    fn software_needs_a_licence_and_bad_values_are_named() {
        let mut input = sample();
        input.licence = None;
        input.source_url = Some("github".into());
        input.adoption_cost_sek = Some("1,5".into());
        let fields: Vec<_> = input
            .validate()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, vec!["licence", "source_url", "adoption_cost_sek"]);
    }

    #[test]
    fn adoption_cannot_start_in_the_future() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let input = AdoptionInput {
            state: AdoptionState::Production,
            since: NaiveDate::from_ymd_opt(2027, 1, 1),
            note: None,
        };
        assert_eq!(input.validate(today).unwrap_err().0[0].field, "since");
    }
}
