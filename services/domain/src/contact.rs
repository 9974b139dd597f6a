//! Contact persons: personal data under GDPR, shown only to signed-in staff.

use serde::{Deserialize, Serialize};

use crate::error::ValidationErrors;
use crate::text;

/// A contact person for a record, as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Contact {
    /// Full name.
    pub name: String,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Telephone number, digits with optional `+`, spaces and dashes.
    #[serde(default)]
    pub phone: Option<String>,
}

impl Contact {
    /// Checks the name, e-mail and phone, and returns a trimmed copy.
    pub fn validate(&self) -> Result<Contact, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = errors.take("name", text::bounded(&self.name, 1, 200));
        let email = errors
            .take("email", text::optional(self.email.as_deref(), 254))
            .flatten();
        if let Some(email) = &email
            && !looks_like_email(email)
        {
            errors.add("email", "must be an e-mail address such as namn@kommun.se");
        }
        let phone = errors
            .take("phone", text::optional(self.phone.as_deref(), 30))
            .flatten();
        if let Some(phone) = &phone
            && !looks_like_phone(phone)
        {
            errors.add(
                "phone",
                "must be a telephone number such as +46 40 34 10 00",
            );
        }
        errors.finish(|| Contact {
            name: name.unwrap_or_default(),
            email,
            phone,
        })
    }
}

/// A structural check (one `@`, a dotted domain, no spaces); delivery proves the rest.
fn looks_like_email(value: &str) -> bool {
    let mut parts = value.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.chars().any(char::is_whitespace)
}

fn looks_like_phone(value: &str) -> bool {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    (6..=15).contains(&digits)
        && value
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || c == ' ' || c == '-' || (c == '+' && i == 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_normal_contact() {
        let c = Contact {
            name: " Anna Svensson ".into(),
            email: Some("anna.svensson@malmo.se".into()),
            phone: Some("+46 40-34 10 00".into()),
        };
        assert_eq!(c.validate().unwrap().name, "Anna Svensson");
    }

    #[test]
    fn names_each_bad_field() {
        let c = Contact {
            name: "".into(),
            email: Some("anna@".into()),
            phone: Some("call me".into()),
        };
        let fields: Vec<_> = c
            .validate()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, vec!["name", "email", "phone"]);
    }
}
