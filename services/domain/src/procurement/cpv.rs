//! CPV codes (Common Procurement Vocabulary, Regulation (EC) 2195/2002): what a
//! procurement buys, in the `NNNNNNNN-D` form notices use.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::ValidationErrors;

/// A main-vocabulary CPV code such as `48000000-8`: eight digits, a dash and a check digit.
///
/// The form is checked; the check digit is kept as given, since the regulation does not
/// publish how it is computed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CpvCode(String);

impl CpvCode {
    /// Parses `NNNNNNNN-D`, e.g. `72000000-5` (IT services).
    pub fn parse(raw: &str) -> Result<Self, ValidationErrors> {
        let value = raw.trim();
        let bytes = value.as_bytes();
        let well_formed = bytes.len() == 10
            && bytes[..8].iter().all(u8::is_ascii_digit)
            && bytes[8] == b'-'
            && bytes[9].is_ascii_digit();
        if !well_formed {
            return Err(ValidationErrors::single(
                "",
                "must be a CPV code in the form NNNNNNNN-D, such as 72000000-5",
            ));
        }
        if &value[..2] == "00" {
            return Err(ValidationErrors::single(
                "",
                "is not a CPV division (the first two digits are 03 to 98)",
            ));
        }
        Ok(Self(value.to_string()))
    }

    /// The code as written, with its check digit.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The eight digits without the check digit, for prefix searches by division,
    /// group or class.
    pub fn digits(&self) -> &str {
        &self.0[..8]
    }
}

impl fmt::Display for CpvCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses a CPV prefix for filtering (1-8 digits, e.g. `48` for software packages).
pub fn parse_prefix(raw: &str) -> Result<String, ValidationErrors> {
    let value = raw.trim();
    if (1..=8).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value.to_string())
    } else {
        Err(ValidationErrors::single(
            "",
            "must be 1 to 8 digits of a CPV code, such as 48 or 7226",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_notice_form() {
        let code = CpvCode::parse(" 48000000-8 ").unwrap();
        assert_eq!(code.as_str(), "48000000-8");
        assert_eq!(code.digits(), "48000000");
    }

    #[test]
    fn rejects_other_forms_with_a_reason() {
        for bad in [
            "48000000",
            "4800000-8",
            "48000000-",
            "48000000-88",
            "4800000a-8",
            "00000000-0",
            "48000000_8",
        ] {
            let err = CpvCode::parse(bad).unwrap_err();
            assert!(err.0[0].message.contains("CPV"), "{bad}: {err:?}");
        }
    }

    #[test]
    fn prefixes_are_digits_only() {
        assert_eq!(parse_prefix("4822").unwrap(), "4822");
        assert!(parse_prefix("48-").is_err());
        assert!(parse_prefix("").is_err());
        assert!(parse_prefix("123456789").is_err());
    }
}
