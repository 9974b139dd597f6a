//! Identifiers of organisations: SCB municipality codes, slugs and organisation numbers.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::ValidationErrors;

/// A municipality's official 4-digit code from Statistics Sweden (kommunkod), e.g. `1280`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScbCode(u16);

impl ScbCode {
    /// Parses exactly four ASCII digits, the first two being a county code (01-25).
    pub fn parse(raw: &str) -> Result<Self, ValidationErrors> {
        let ok = raw.len() == 4 && raw.bytes().all(|b| b.is_ascii_digit());
        let county: u16 = if ok { raw[..2].parse().unwrap_or(0) } else { 0 };
        if !ok || !(1..=25).contains(&county) {
            return Err(ValidationErrors::single(
                "",
                "must be a 4-digit SCB municipality code such as 1280",
            ));
        }
        Ok(Self(raw.parse().unwrap_or_default()))
    }
}

impl fmt::Display for ScbCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.0)
    }
}

/// The stable id of a tenant: a municipality's SCB code, or a slug for regional bodies
/// such as `region-skane`. Used in URLs and tokens, so it never changes once issued.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgId(String);

impl OrgId {
    /// Parses an SCB code or a lower-case slug of 2-64 characters (`a-z`, `0-9`, `-`).
    pub fn parse(raw: &str) -> Result<Self, ValidationErrors> {
        let raw = raw.trim();
        if raw.bytes().all(|b| b.is_ascii_digit()) {
            return ScbCode::parse(raw).map(|code| Self(code.to_string()));
        }
        let slug_ok = (2..=64).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !raw.starts_with('-')
            && !raw.ends_with('-');
        if slug_ok {
            Ok(Self(raw.to_string()))
        } else {
            Err(ValidationErrors::single(
                "",
                "must be an SCB municipality code (e.g. 1280) or an organisation slug (e.g. region-skane)",
            ))
        }
    }

    /// The id as text, as it appears in URLs and the database.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OrgId {
    type Error = ValidationErrors;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<OrgId> for String {
    fn from(value: OrgId) -> Self {
        value.0
    }
}

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Swedish organisation number (organisationsnummer), `NNNNNN-NNNN`, whose last digit is
/// a Luhn check digit over the first nine. Municipalities have `212000-NNNN`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgNumber(String);

impl TryFrom<String> for OrgNumber {
    type Error = ValidationErrors;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<OrgNumber> for String {
    fn from(number: OrgNumber) -> Self {
        number.0
    }
}

impl OrgNumber {
    /// Parses `NNNNNN-NNNN` or `NNNNNNNNNN` and verifies the check digit.
    pub fn parse(raw: &str) -> Result<Self, ValidationErrors> {
        let digits: String = raw.trim().chars().filter(|c| *c != '-').collect();
        let shape_ok = digits.len() == 10
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (raw.trim().len() == 10 || raw.trim().find('-') == Some(6));
        if !shape_ok {
            return Err(ValidationErrors::single(
                "",
                "must be an organisation number of the form NNNNNN-NNNN",
            ));
        }
        let nums: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        if luhn_check_digit(&nums[..9]) != nums[9] {
            return Err(ValidationErrors::single(
                "",
                "check digit does not match (Luhn): please check the organisation number",
            ));
        }
        Ok(Self(format!("{}-{}", &digits[..6], &digits[6..])))
    }

    /// The number in its canonical `NNNNNN-NNNN` form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The Luhn check digit over `digits`, weights 2,1,2,1,... from the left.
fn luhn_check_digit(digits: &[u32]) -> u32 {
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let p = if i % 2 == 0 { d * 2 } else { *d };
            if p > 9 { p - 9 } else { p }
        })
        .sum();
    (10 - sum % 10) % 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_skane_org_number_is_valid() {
        assert_eq!(
            OrgNumber::parse("232100-0255").unwrap().as_str(),
            "232100-0255"
        );
        assert_eq!(
            OrgNumber::parse("2321000255").unwrap().as_str(),
            "232100-0255"
        );
    }

    #[test]
    fn wrong_check_digit_and_shape_are_rejected() {
        assert!(OrgNumber::parse("232100-0256").is_err());
        assert!(OrgNumber::parse("23210-00255").is_err());
        assert!(OrgNumber::parse("abc").is_err());
    }

    #[test]
    fn malmo_org_number_is_valid() {
        // Malmö stad, 212000-1124.
        assert!(OrgNumber::parse("212000-1124").is_ok());
    }

    #[test]
    fn org_ids_accept_codes_and_slugs_only() {
        assert_eq!(OrgId::parse("1280").unwrap().as_str(), "1280");
        assert_eq!(
            OrgId::parse("region-skane").unwrap().as_str(),
            "region-skane"
        );
        assert!(OrgId::parse("12800").is_err());
        assert!(OrgId::parse("9999").is_err());
        assert!(OrgId::parse("Region Skåne").is_err());
        assert!(OrgId::parse("-x").is_err());
    }
}
