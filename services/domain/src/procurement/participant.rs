//! Participation in a joint procurement: each organisation manages its own, the lead
//! only invites.

use serde::{Deserialize, Serialize};

use crate::contact::Contact;
use crate::error::ValidationErrors;
use crate::money::Sek;
use crate::text;
use crate::vocab::ParticipationState;

impl ParticipationState {
    /// The states an organisation may move its participation to from this one; staying
    /// in the same state (to update volume or contact) is always allowed.
    pub fn allowed_next(self) -> &'static [ParticipationState] {
        use ParticipationState::*;
        match self {
            Invited => &[Interested, MandateSigned, Withdrawn],
            Interested => &[MandateSigned, Withdrawn],
            MandateSigned => &[Withdrawn],
            Withdrawn => &[Interested],
        }
    }

    /// Checks a change of state, naming the allowed ones when refused.
    pub fn check_change(self, next: ParticipationState) -> Result<(), ValidationErrors> {
        if self == next || self.allowed_next().contains(&next) {
            return Ok(());
        }
        let allowed: Vec<&str> = self.allowed_next().iter().map(|s| s.as_str()).collect();
        Err(ValidationErrors::single(
            "state",
            format!(
                "cannot change from {self} to {next}; allowed: {}",
                allowed.join(", ")
            ),
        ))
    }
}

/// An organisation's participation as submitted, by itself (or by the lead inviting it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ParticipationInput {
    /// The organisation (SCB code or slug). When adding: the one to invite, or leave out
    /// to register your own. When changing: leave out, or repeat the one in the path.
    #[serde(default)]
    pub organisation_id: Option<String>,
    /// The state; an invitation is always `invited`, a self-registration `interested`.
    pub state: ParticipationState,
    /// The organisation's estimated share of the purchase in SEK, e.g. "450000.00".
    #[serde(default)]
    pub estimated_value_sek: Option<String>,
    /// The estimated volume in the organisation's own words, e.g. "120 larm".
    #[serde(default)]
    pub volume_description: Option<String>,
    /// The organisation's contact person (personal data: staff only).
    #[serde(default)]
    pub contact: Option<Contact>,
    /// A note from the organisation, e.g. conditions for signing the mandate.
    #[serde(default)]
    pub note: Option<String>,
}

/// A validated participation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipationFields {
    /// State.
    pub state: ParticipationState,
    /// Estimated value of the organisation's share.
    pub estimated_value: Option<Sek>,
    /// Volume in words.
    pub volume_description: Option<String>,
    /// Contact person.
    pub contact: Option<Contact>,
    /// Note.
    pub note: Option<String>,
}

impl ParticipationInput {
    /// Validates every field.
    pub fn validate(&self) -> Result<ParticipationFields, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let estimated_value = self
            .estimated_value_sek
            .as_deref()
            .and_then(|v| errors.take("estimated_value_sek", Sek::parse(v)));
        let volume_description = errors
            .take(
                "volume_description",
                text::optional(self.volume_description.as_deref(), 500),
            )
            .flatten();
        let contact = self
            .contact
            .as_ref()
            .and_then(|c| errors.take("contact", c.validate()));
        let note = errors
            .take("note", text::optional(self.note.as_deref(), 2_000))
            .flatten();
        errors.finish(|| ParticipationFields {
            state: self.state,
            estimated_value,
            volume_description,
            contact,
            note,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ParticipationState::*;

    #[test]
    fn participation_moves_forward_or_withdraws() {
        assert!(Invited.check_change(MandateSigned).is_ok());
        assert!(MandateSigned.check_change(MandateSigned).is_ok());
        assert!(Withdrawn.check_change(Interested).is_ok());
        let err = MandateSigned.check_change(Invited).unwrap_err();
        assert_eq!(err.0[0].field, "state");
        assert!(err.0[0].message.contains("allowed: withdrawn"));
        assert!(Interested.check_change(Invited).is_err());
    }

    #[test]
    fn bad_fields_are_named() {
        let input = ParticipationInput {
            organisation_id: None,
            state: Interested,
            estimated_value_sek: Some("-5".into()),
            volume_description: None,
            contact: Some(Contact {
                name: "".into(),
                email: None,
                phone: None,
            }),
            note: None,
        };
        let fields: Vec<_> = input
            .validate()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["estimated_value_sek", "contact.name"]);
    }
}
