//! Field-level validation errors, collected so a client learns every problem at once.

use serde::Serialize;

/// One invalid field: its JSON path (e.g. `budget.max`) and a human-readable reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// JSON path of the offending field in the request body or query.
    pub field: String,
    /// What is wrong, phrased so an end user can fix it.
    pub message: String,
}

/// All field errors found while parsing one input; never empty when returned as `Err`.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{} invalid field(s)", .0.len())]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    /// Starts an empty collection to accumulate errors into.
    pub fn new() -> Self {
        Self::default()
    }

    /// A collection holding a single error, for parsers of one value.
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    /// Records that `field` is invalid for `message`.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Runs a parser, keeping its value or recording its errors under `prefix`.
    pub fn take<T>(&mut self, prefix: &str, result: Result<T, ValidationErrors>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(errors) => {
                for e in errors.0 {
                    let field = if e.field.is_empty() {
                        prefix.to_string()
                    } else if prefix.is_empty() {
                        e.field
                    } else if e.field.starts_with('[') {
                        format!("{prefix}{}", e.field)
                    } else {
                        format!("{prefix}.{}", e.field)
                    };
                    self.add(field, e.message);
                }
                None
            }
        }
    }

    /// True when no error has been recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Turns the collection into a result: `Ok(value)` only when nothing was recorded.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, ValidationErrors> {
        if self.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }
}
